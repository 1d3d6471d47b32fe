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
