"""Shared fixtures: run files written into a temporary directory, and a private registry scope."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fit.providers import REGISTRY, Registry


@pytest.fixture
def registry() -> Iterator[Registry]:
    """The global registry with the built-in providers; test providers vanish afterwards."""
    REGISTRY.discover()
    with REGISTRY.scope() as reg:
        yield reg


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    """Write a YAML run file (dedented) into tmp_path and return its path."""
    def write(text: str, name: str = "run.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write
