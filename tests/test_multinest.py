"""MultiNest through pymultinest: build, loading, evidence, modes, every point written, resume
after SIGKILL, and MPI. Needs the library (``python -m fit install multinest``, part of the
README's set-up and of CI); without it only the tests of the error messages run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import MPI_ENV, MPIRUN, flushed_points

from fit.errors import SamplerError
from fit.install import INSTALL_COMMAND, SERIAL, multinest_dir
from fit.results import load
from fit.run import run
from likelihoods.toys import CorrelatedGaussian

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = (multinest_dir() / SERIAL).is_file() and importlib.util.find_spec("pymultinest")
needs_multinest = pytest.mark.skipif(
    not INSTALLED, reason=f"MultiNest is not built: run '{INSTALL_COMMAND}' (README set-up)")

GAUSSIAN = dict(parameters=["x1", "x2", "x3"], mean=[1.0, -1.0, 0.5], sigma=[1.0, 0.5, 2.0],
                correlation=0.6)
GAUSSIAN_RUN = """
    parameters: {x1: [-10, 10], x2: [-10, 10], x3: [-10, 10]}
    likelihoods:
      gaussian: {parameters: [x1, x2, x3], mean: [1.0, -1.0, 0.5], sigma: [1.0, 0.5, 2.0],
                 correlation: 0.6}
    sampler: {name: multinest, n_live_points: 400}
    seed: 3
    """
LOGZ_GAUSSIAN = CorrelatedGaussian(**GAUSSIAN).log_evidence([-10] * 3, [10] * 3)


def fit_cli(*args: str | Path, env: dict | None = None, mpi: int = 0,
            timeout: float = 120) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "fit", *map(str, args)]
    if mpi:
        command = [MPIRUN, "-n", str(mpi), *command]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, **MPI_ENV, **(env or {})})


def posterior(path: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    with h5py.File(path, "r") as f:
        return dict(f["posterior"].attrs), f["posterior/id"][:], f["posterior/weight"][:]


def assert_evidence(attrs: dict, analytic: float) -> None:
    """MultiNest's ln Z within 3 of its own quoted uncertainties of the analytic value."""
    assert abs(attrs["logz"] - analytic) < 3 * attrs["logz_err"], (attrs, analytic)


# -- building and loading ---------------------------------------------------------------

def fake_tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_install_names_the_missing_tool(tmp_path):
    """No gfortran, or no LAPACK: the error says which, and nothing is installed."""
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {"PATH": str(bare), "FIT_MULTINEST_DIR": str(tmp_path / "lib")}
    result = fit_cli("install", "multinest", env=env)
    assert result.returncode == 2
    assert "gfortran not found" in result.stderr and "apt-get install gfortran" in result.stderr
    fake_tool(bare, "gfortran", "echo 'ld: cannot find -llapack' >&2; exit 1")
    result = fit_cli("install", "multinest", env=env)
    assert result.returncode == 2
    assert "LAPACK not found" in result.stderr and "liblapack-dev" in result.stderr
    assert not (tmp_path / "lib").exists()


@needs_multinest
def test_install_is_idempotent():
    result = fit_cli("install", "multinest")
    assert result.returncode == 0, result.stderr
    assert "already installed" in result.stdout


def test_missing_library_names_the_install_command(tmp_path, write_yaml):
    from fit.samplers.multinest_sampler import load_library

    empty, serial_only = tmp_path / "empty", tmp_path / "serial"
    empty.mkdir()
    with pytest.raises(SamplerError, match=INSTALL_COMMAND):
        load_library(False, empty)
    result = fit_cli(write_yaml(GAUSSIAN_RUN), "--output", tmp_path / "out",
                     env={"FIT_MULTINEST_DIR": str(empty)})
    assert result.returncode == 2
    assert "libmultinest.so" in result.stderr and INSTALL_COMMAND in result.stderr
    if INSTALLED:  # the serial build alone does not do under mpirun: the message says why
        serial_only.mkdir()
        shutil.copy(multinest_dir() / SERIAL, serial_only / SERIAL)
        with pytest.raises(SamplerError, match=r"libmultinest_mpi\.so.*needs mpif90"):
            load_library(True, serial_only)


@needs_multinest
def test_serial_run_loads_the_serial_build_without_mpi():
    code = ("import sys; from fit.samplers.multinest_sampler import import_pymultinest; "
            "pmn = import_pymultinest(False); "
            "print(pmn.lib_mpi is None, 'mpi4py.MPI' in sys.modules, pmn.lib._name)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "libmultinest.so"]


# -- sampling --------------------------------------------------------------------------

@needs_multinest
def test_gaussian_evidence_and_every_point_written(write_yaml, tmp_path):
    out = run(write_yaml(GAUSSIAN_RUN), output=tmp_path / "out")
    r = load(out)
    attrs, ids, weights = posterior(out)
    assert_evidence(attrs, LOGZ_GAUSSIAN)
    # serial, all points valid: MultiNest's count of likelihood calls is the file's length
    assert len(r) == attrs["n_like"]
    np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
    assert r.valid.all() and set(r.point["rank"]) == {0}
    assert weights.sum() == pytest.approx(1.0)
    index = np.searchsorted(r.point["id"], ids)
    for name, mean in zip(("x1", "x2", "x3"), GAUSSIAN["mean"], strict=True):
        assert np.sum(weights * r.parameters[name][index]) == pytest.approx(mean, abs=0.15)
    np.testing.assert_allclose(r.parameters["x1"], -10 + 20 * r.cube["x1"])
    assert (tmp_path / "out" / "run-multinest" / "mn-stats.dat").exists()


@needs_multinest
def test_bimodal_finds_both_modes(write_yaml, tmp_path):
    path = write_yaml("""
        parameters: {x1: [-8, 8], x2: [-8, 8]}
        likelihoods:
          bimodal: {parameters: [x1, x2], separation: 6.0, sigma: 0.5}
        sampler: {name: multinest, n_live_points: 400}
        seed: 4
        """)
    out = run(path, output=tmp_path / "out")
    r = load(out)
    attrs, ids, weights = posterior(out)
    assert_evidence(attrs, -np.log(16.0 * 16.0))  # both unit-mass modes lie inside the box
    assert attrs["n_modes"] == 2
    for logz, error in zip(attrs["logz_modes"], attrs["logz_modes_err"], strict=True):
        assert abs(logz - np.log(0.5 / 256.0)) < 3 * error  # each mode holds half the mass
    x1 = r.parameters["x1"][np.searchsorted(r.point["id"], ids)]
    assert 0.35 < weights[x1 < 0].sum() < 0.65
    assert np.sum(weights * np.abs(np.abs(x1) - 3.0)) < 0.5  # the mass sits on the modes


INVALID_MODULE = '''
from fit import InvalidPoint, likelihood


@likelihood("cut_gaussian")
def cut_gaussian(x, y):
    """A unit Gaussian at the origin; points with x > 3 are invalid (no spectrum, say)."""
    if x > 3:
        raise InvalidPoint("cut", "x > 3")
    return -0.5 * (x * x + y * y)
'''


@needs_multinest
def test_invalid_points_are_written_but_not_live(write_yaml, tmp_path, registry):
    """Points at the floor (-1e100 <= log_zero) are redrawn by MultiNest: written, not counted,
    never in the posterior; the evidence is relative to the valid part of the prior."""
    (tmp_path / "cut.py").write_text(INVALID_MODULE)
    path = write_yaml("""
        modules: [cut.py]
        parameters: {x: [-5, 5], y: [-5, 5]}
        likelihoods: [cut_gaussian]
        sampler: {name: multinest, n_live_points: 300}
        seed: 5
        """)
    out = run(path, output=tmp_path / "out")
    r = load(out)
    attrs, ids, _ = posterior(out)
    n_invalid = int((~r.valid).sum())
    assert n_invalid > 0 and set(r.point["code"][~r.valid]) == {"cut"}
    assert len(r) == attrs["n_like"] + n_invalid
    assert r.valid[np.searchsorted(r.point["id"], ids)].all()
    # unnormalised Gaussian: Z = 2 pi / 100 over the whole box; valid fraction 8/10
    assert_evidence(attrs, np.log(2 * np.pi / 100) - np.log(0.8))


SLOW_MODULE = '''
import time

from fit import likelihood


@likelihood("slow_gaussian")
def slow_gaussian(x, y, *, delay: float = 0.002) -> float:
    """A normalised Gaussian of width 0.5 at the origin, after ``delay`` seconds."""
    time.sleep(delay)
    return -2.0 * (x * x + y * y) - 0.4515827052894549  # ln(2 pi 0.25)
'''
SLOW_RUN = """
    modules: [slow.py]
    parameters: {x: [-5, 5], y: [-5, 5]}
    likelihoods: [slow_gaussian]
    sampler: {name: multinest, n_live_points: 200}
    output: {flush_seconds: 0.1}
    seed: 6
    """



@needs_multinest
def test_resume_after_sigkill(write_yaml, tmp_path):
    (tmp_path / "slow.py").write_text(SLOW_MODULE)
    path = write_yaml(SLOW_RUN)
    out = tmp_path / "out" / "run.h5"
    proc = subprocess.Popen([sys.executable, "-m", "fit", str(path), "--output", str(out), "-q"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while flushed_points(out) < 700 and time.monotonic() < deadline:  # past MultiNest's
            assert proc.poll() is None, proc.communicate()[1]            # first saves
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    killed = load(out)
    assert len(killed) >= 700
    with h5py.File(out, "r") as f:
        assert "posterior" not in f
    # a kill while MultiNest writes its files leaves them cut short: the resume must start
    # from the last complete snapshot instead
    resume_file = out.parent / "run-multinest" / "mn-resume.dat"
    resume_file.write_text(resume_file.read_text()[:40])

    result = fit_cli(path, "--output", out, "--resume", "-q")
    assert result.returncode == 0, result.stderr
    assert "resuming from previous job" in result.stdout  # MultiNest continued, did not restart
    r = load(out)
    np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
    np.testing.assert_array_equal(r.parameters["x"][:len(killed)], killed.parameters["x"])
    attrs, _, _ = posterior(out)
    assert_evidence(attrs, -np.log(100.0))
    assert attrs["n_like"] <= len(r)  # points evaluated after MultiNest's last save count once
    assert len(r) > len(killed)


@pytest.mark.mpi
@pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed (see README)")
@needs_multinest
def test_two_ranks_write_every_point_on_rank_0(write_yaml, tmp_path):
    out = tmp_path / "out"
    result = fit_cli(write_yaml(GAUSSIAN_RUN), "--output", out, "-q", mpi=2, timeout=300)
    assert result.returncode == 0, result.stderr
    r = load(out)
    attrs, _, _ = posterior(out / "run.h5")
    assert_evidence(attrs, LOGZ_GAUSSIAN)
    np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
    counts = np.bincount(r.point["rank"], minlength=2)
    assert len(counts) == 2 and counts.min() > 0.4 * len(r)
    # MultiNest under MPI counts the points it looked at; the last few drawn in parallel
    # may never be looked at, but they were evaluated and are written
    assert attrs["n_like"] <= len(r) <= attrs["n_like"] + 0.02 * len(r)


def test_snapshot_taken_at_multinest_first_save(tmp_path):
    """The first snapshot follows MultiNest's first save at once (a kill right after it
    must find one), later ones at most every ``interval`` seconds."""
    from fit.samplers.multinest_sampler import SNAPSHOT_DONE, _restore_snapshot, _Snapshots

    folder = tmp_path / "run-multinest"
    folder.mkdir()
    snapshots = _Snapshots(folder, interval=3600.0)
    snapshots.update()                      # before the first save: nothing to copy
    (folder / "mn-resume.dat").write_text("saved\n")
    (folder / "mn-live.points").write_text("0.5 0.5\n")
    snapshots.update()
    snapshot = tmp_path / "run-multinest-snapshot"
    assert (snapshot / SNAPSHOT_DONE).exists()
    assert (snapshot / "mn-live.points").read_text() == "0.5 0.5\n"
    (folder / "mn-resume.dat").write_text("cut")   # a kill in the middle of a later save
    (folder / "mn-live.points").unlink()
    _restore_snapshot(folder)
    assert (folder / "mn-resume.dat").read_text() == "saved\n"
    assert (folder / "mn-live.points").exists() and not (folder / SNAPSHOT_DONE).exists()
