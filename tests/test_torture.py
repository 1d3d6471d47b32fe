"""The torture script of benchmarks/: a few random kills of a grid scan, each resumed,
lose no row, leave no unreadable file, and end in the file of an uninterrupted run (the
script runs 30 kills per sampler by hand; see benchmarks/torture.py)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_random_kills_of_a_grid_scan(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("torture", ROOT / "benchmarks" / "torture.py")
    torture = importlib.util.module_from_spec(spec)
    sys.modules["torture"] = torture   # dataclasses look their module up there
    spec.loader.exec_module(torture)
    monkeypatch.setitem(torture.SAMPLERS, "grid", "{name: grid, points: [40, 40], batch_size: 40}")
    tally = torture.torture("grid", kills=4, max_delay=0.5, rng=random.Random(3), work=tmp_path)
    assert tally.kills >= 3, tally
    assert (tally.unreadable, tally.rows_lost, tally.not_the_reference) == (0, 0, 0), tally
    assert tally.final_equal, tally
