"""The shared experimental inputs and reference outputs beside the repository (../shared):
tests that compare with them skip, with the path they need, in a clone placed elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_file(relative: str) -> Path:
    """../shared/``relative``, or skip the calling test (or fixture) if it is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"needs {path} (the shared inputs beside this repository)")
    return path
