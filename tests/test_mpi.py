"""The random scan under mpirun: rank 0 writes, every rank evaluates, same points as serial."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import MPI_ENV, MPIRUN

from fit.results import load

ROOT = Path(__file__).resolve().parents[1]

RUN = """
    parameters:
      mass: {prior: log, range: [100, 2000]}
      coupling: [0, 5]
    likelihoods: [counting]
    rules: {cross_section: xsec_with_kfactor}
    sampler: {name: random, n_points: 1000, batch_size: 50}
    seed: 11
    """

pytestmark = [pytest.mark.mpi,
              pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed (see README)")]


def run_fit(n_ranks: int, yaml_path: Path, out: Path) -> None:
    command = [sys.executable, "-m", "fit", str(yaml_path), "--output", str(out), "-q"]
    if n_ranks > 1:
        command = [MPIRUN, "-n", str(n_ranks), *command]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={**os.environ, **MPI_ENV})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("n_ranks", [2, 3])
def test_parallel_random_scan_writes_the_serial_points(write_yaml, tmp_path, n_ranks):
    path = write_yaml(RUN)
    run_fit(1, path, tmp_path / "serial")
    run_fit(n_ranks, path, tmp_path / "parallel")
    serial, parallel = load(tmp_path / "serial"), load(tmp_path / "parallel")
    assert len(parallel) == 1000
    np.testing.assert_array_equal(parallel.point["id"], np.arange(1000))
    assert set(parallel.point["rank"]) == set(range(n_ranks))
    for name in ("mass", "coupling"):
        np.testing.assert_array_equal(parallel.parameters[name], serial.parameters[name])
    np.testing.assert_array_equal(parallel.loglike, serial.loglike)
    np.testing.assert_array_equal(parallel.point["code"], serial.point["code"])


SLOW_MODULE = '''
import time

import numpy as np

from fit import likelihood


@likelihood("slow_counting", vectorised=True)
def slow_counting(mass, coupling, *, delay: float = 2e-3):
    """A smooth log-likelihood after sleeping ``delay`` s per point (a stand-in for a backend
    that costs milliseconds per point)."""
    time.sleep(delay * len(mass))
    return -0.5 * (coupling - 1.0) ** 2 - 1e-3 * mass
'''

CHEAP_AND_SLOW = """
    parameters:
      mass: {prior: log, range: [100, 2000]}
      coupling: [0, 5]
    likelihoods: [slow_counting]
    modules: [slow.py]
    sampler: {name: random, n_points: %d, batch_size: 200}
    seed: 5
    """


def test_expensive_points_are_shared_and_cheap_ones_stay_on_rank_0(write_yaml, tmp_path):
    """2 ms per point is far above the cost of a message: both ranks evaluate about half
    the points. A likelihood of microseconds per point is cheaper to compute than to hand
    out: rank 0 keeps most of it, and rank 1 still gets the probes that measure the hand-out."""
    (tmp_path / "slow.py").write_text(SLOW_MODULE)
    slow = write_yaml(CHEAP_AND_SLOW % 800, name="slow.yaml")
    run_fit(2, slow, tmp_path / "slow_out")
    counts = np.bincount(load(tmp_path / "slow_out").point["rank"], minlength=2)
    assert counts.sum() == 800 and counts.min() > 0.35 * 800, counts

    (tmp_path / "slow.py").write_text(SLOW_MODULE.replace("2e-3", "0.0"))
    cheap = write_yaml(CHEAP_AND_SLOW % 6000, name="cheap.yaml")
    run_fit(2, cheap, tmp_path / "cheap_out")
    counts = np.bincount(load(tmp_path / "cheap_out").point["rank"], minlength=2)
    assert counts.sum() == 6000 and counts[1] > 0 and counts[0] > 2 * counts[1], counts
