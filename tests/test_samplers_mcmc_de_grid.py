"""The emcee, differential-evolution (DE) and grid samplers: right answers, resume, MPI.

Tolerances. emcee: 5 standard errors, computed from the effective sample size
the run records (walkers x steps kept / the largest integrated autocorrelation
time, a conservative count for every moment); the run must also call its tau
estimate reliable (>= 50 tau of chain), or the error bars mean nothing. DE on
Rosenbrock: near the maximum -ln L = dx^T H dx / 2, and the smallest eigenvalue
of H at x_i = 1 is 0.48 (3-d) or 0.50 (10-d), so ln L > -1e-3 forces every
|x_i - 1| below sqrt(2e-3 / 0.48) = 0.065; both are asserted. Grid: exact.

Resume: every sampler is killed with SIGKILL (DE also stopped with SIGTERM, and
resumed once without its checkpoint) and resumed; the final file must equal
the file of an uninterrupted run point for point, because the samplers replay
the points already written instead of evaluating them again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import MPI_ENV, MPIRUN, flushed_points

from fit.errors import SamplerError
from fit.results import Results, load
from fit.run import run

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 30.0

MEAN, SIGMA, RHO = [1.0, -1.0, 0.5], [1.0, 2.0, 0.5], 0.5


def names(ndim: int) -> list[str]:
    return [f"x{i + 1}" for i in range(ndim)]


def run_yaml(likelihood: str, ndim: int, sampler: str, box: float = 10.0) -> str:
    """A run file: ``ndim`` uniform parameters on [-box, box] and one likelihood term."""
    params = "".join(f"  {n}: [{-box}, {box}]\n" for n in names(ndim))
    return (f"parameters:\n{params}likelihoods:\n  {likelihood}\n"
            f"sampler: {sampler}\nseed: 3\n")


def gaussian(ndim: int, mean: list[float] = MEAN, sigma: list[float] = SIGMA,
             rho: float = RHO) -> str:
    return (f"gaussian: {{parameters: [{', '.join(names(ndim))}], mean: {mean[:ndim]}, "
            f"sigma: {sigma[:ndim]}, correlation: {rho}}}")


def covariance(ndim: int) -> np.ndarray:
    s = np.asarray(SIGMA[:ndim])
    return (np.full((ndim, ndim), RHO) + (1 - RHO) * np.eye(ndim)) * np.outer(s, s)


BIMODAL = "bimodal: {parameters: [x1, x2], separation: 6.0, sigma: 0.5}"
BIMODAL_MAX = -np.log(4 * np.pi * 0.25)  # ln(1/2 N(0; 0, 0.5^2 I_2)); the other mode: e^-72


def posterior(r: Results, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.searchsorted(r.point["id"], r.posterior["id"])
    return np.column_stack([r.parameters[n][rows] for n in names(ndim)]), r.posterior["weight"]


def sampler_info(r: Results) -> dict:
    with h5py.File(r.path, "r") as f:
        return {**dict(f["sampler_info"].attrs),
                **{k: v[:] for k, v in f["sampler_info"].items()}}


# --- emcee ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_emcee_recovers_the_mean_and_covariance(write_yaml, tmp_path):
    path = write_yaml(run_yaml(gaussian(3), 3, "{name: emcee, nsteps: 3000, burn: 500}"))
    r = load(run(path, output=tmp_path / "out"))
    x, w = posterior(r, 3)
    attrs = r.posterior_attrs
    assert len(w) == 32 * 2500 and np.allclose(w, w[0])   # default nwalkers = 32 in 3-d
    assert attrs["autocorr_reliable"] and 0.3 < attrs["acceptance_fraction"] < 0.9
    ess = attrs["effective_samples"]
    assert ess > 1500
    cov = covariance(3)
    var = np.diag(cov)
    mean = np.average(x, axis=0, weights=w)
    assert np.all(np.abs(mean - MEAN) < 5 * np.sqrt(var / ess)), (mean, ess)
    # Var(sample covariance_ij) = (C_ii C_jj + C_ij^2) / n for a Gaussian
    estimate = np.cov(x.T, aweights=w)
    error = np.sqrt((np.outer(var, var) + cov**2) / ess)
    assert np.all(np.abs(estimate - cov) < 5 * error), (estimate, ess)
    assert sampler_info(r)["kind"] == "posterior"


@pytest.mark.slow
def test_emcee_with_de_moves_finds_both_modes_with_equal_weight(write_yaml, tmp_path):
    """The stretch move cannot carry a walker across the gap between separated modes (the
    walkers' split between them stays what the start gave); the 'de' moves include DE
    proposals with gamma = 1, which jump from one mode to the other."""
    path = write_yaml(run_yaml(BIMODAL, 2, "{name: emcee, nsteps: 2000, burn: 500, "
                                           "moves: de}", box=8))
    r = load(run(path, output=tmp_path / "out"))
    x, w = posterior(r, 2)
    ess = r.posterior_attrs["effective_samples"]  # tau of x1 is the mode-hopping time
    assert r.posterior_attrs["autocorr_reliable"] and ess > 1000
    right = x[:, 0] > 0
    assert abs(w[right].sum() - 0.5) < 5 * np.sqrt(0.25 / ess)
    for side, centre in ((right, 3.0), (~right, -3.0)):
        mode_mean = np.average(x[side, 0], weights=w[side])
        assert abs(mode_mean - centre) < 5 * 0.5 / np.sqrt(ess / 2)


# --- differential evolution -----------------------------------------------------------------

@pytest.mark.parametrize("ndim, popsize, mutation", [
    (3, 30, "rand"), (3, 30, "rand-to-best"),
    pytest.param(10, 50, "rand", marks=pytest.mark.slow)])
def test_de_finds_the_rosenbrock_maximum(write_yaml, tmp_path, ndim, popsize, mutation):
    """The Rosenbrock function's maximum, log L = 0 at x = (1, ..., 1), with either
    mutation rule."""
    likelihood = f"rosenbrock: {{parameters: [{', '.join(names(ndim))}]}}"
    path = write_yaml(run_yaml(likelihood, ndim, f"{{name: de, popsize: {popsize}, "
                                                 f"mutation: {mutation}, "
                                                 f"convthresh: 1.0e-4, maxgen: 3000}}", box=5))
    r = load(run(path, output=tmp_path / "out"))
    info = sampler_info(r)
    assert info["kind"] == "profile" and info["converged"] and not r.posterior
    generations = int(info["generations"])
    assert len(r) == popsize * (generations + 1)
    np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
    np.testing.assert_array_equal(np.bincount(r.sampler["generation"]), popsize)
    best = r.best()
    assert info["best_id"] == r.point["id"][best]
    assert r.loglike[best] > -1e-3
    x = np.array([r.parameters[n][best] for n in names(ndim)])
    assert np.max(np.abs(x - 1)) < 0.065, x


def test_de_maps_both_modes_of_the_bimodal_toy(write_yaml, tmp_path):
    """With the default population (50 in 2-d) both equal maxima are reached; with 20 the
    population often collapses onto one of them first."""
    path = write_yaml(run_yaml(BIMODAL, 2, "{name: de}", box=8))
    r = load(run(path, output=tmp_path / "out"))
    x1 = r.parameters["x1"]
    for side in (x1 < 0, x1 > 0):
        assert BIMODAL_MAX - r.loglike[side].max() < 1e-3
    assert sampler_info(r)["popsize"] == 50


def test_a_fresh_de_run_ignores_an_old_checkpoint(write_yaml, tmp_path):
    """--overwrite starts from generation 0 even when a checkpoint of another run is there."""
    likelihood = "rosenbrock: {parameters: [x1, x2]}"
    path = write_yaml(run_yaml(likelihood, 2, "{name: de, popsize: 20, maxgen: 30}", box=5))
    other = write_yaml(run_yaml(likelihood, 2, "{name: de, popsize: 20, maxgen: 60}", box=5),
                       "other.yaml")
    reference = load(run(path, output=tmp_path / "ref" / "run.h5"))
    out = tmp_path / "out" / "run.h5"
    run(other, output=out)
    assert (out.parent / "run.de.npz").exists()
    r = load(run(path, output=out, overwrite=True))
    np.testing.assert_array_equal(r.parameters["x1"], reference.parameters["x1"])
    assert int(np.load(out.parent / "run.de.npz")["generation"]) == 30


def test_finished_runs_continue_with_more_steps_or_generations(write_yaml, tmp_path):
    """--resume with a larger nsteps (emcee) or maxgen (DE) continues a finished run (whose
    /posterior and /sampler_info are already written) to the run made in one go."""
    for name, short, long in (("emcee", "{name: emcee, nsteps: 100, burn: 20}",
                               "{name: emcee, nsteps: 150, burn: 20}"),
                              ("de", "{name: de, popsize: 20, maxgen: 20}",
                               "{name: de, popsize: 20, maxgen: 40}")):
        first = write_yaml(run_yaml(gaussian(2), 2, short), f"{name}_short.yaml")
        second = write_yaml(run_yaml(gaussian(2), 2, long), f"{name}_long.yaml")
        out = tmp_path / name / "run.h5"
        n_short = len(load(run(first, output=out)))
        r = load(run(second, output=out, resume=True))
        reference = load(run(second, output=tmp_path / f"{name}_ref" / "run.h5"))
        assert n_short < len(r)
        np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
        np.testing.assert_array_equal(r.parameters["x1"], reference.parameters["x1"])
        np.testing.assert_array_equal(r.loglike, reference.loglike)
        assert sampler_info(r)["kind"] == sampler_info(reference)["kind"]
        for column in reference.posterior:
            np.testing.assert_array_equal(r.posterior[column], reference.posterior[column])


def test_lambda_jde_continues_from_its_checkpoint_or_from_the_file_alone(write_yaml, tmp_path):
    """rand-to-best keeps each individual's lambda: a run continued with a larger maxgen,
    from the checkpoint or (checkpoint removed) by replaying the file, is the run made in
    one go."""
    options = "{{name: de, popsize: 20, maxgen: {}, convthresh: 0.0, mutation: rand-to-best}}"
    first = write_yaml(run_yaml(gaussian(2), 2, options.format(15)), "short.yaml")
    second = write_yaml(run_yaml(gaussian(2), 2, options.format(30)), "long.yaml")
    reference = load(run(second, output=tmp_path / "reference" / "run.h5"))
    for drop_checkpoint in (False, True):
        out = tmp_path / str(drop_checkpoint) / "run.h5"
        run(first, output=out)
        checkpoint = out.with_name("run.de.npz")
        assert np.load(checkpoint)["lam"].shape == (20,)
        if drop_checkpoint:
            checkpoint.unlink()
        r = load(run(second, output=out, resume=True))
        assert len(r) == len(reference) == 20 * 31
        np.testing.assert_array_equal(r.parameters["x1"], reference.parameters["x1"])
        np.testing.assert_array_equal(r.loglike, reference.loglike)


# --- grid -----------------------------------------------------------------------------------

def test_grid_points_coordinates_best_point_and_evidence(write_yaml, tmp_path):
    mean = [1.3, -0.7]
    path = write_yaml(run_yaml(gaussian(2, mean=mean, sigma=[1.0, 1.0], rho=0.0), 2,
                               "{name: grid, points: [41, 31], batch_size: 100}"))
    r = load(run(path, output=tmp_path / "out"))
    assert len(r) == 41 * 31
    u1, u2 = (np.arange(41) + 0.5) / 41, (np.arange(31) + 0.5) / 31
    expected = np.stack(np.meshgrid(u1, u2, indexing="ij"), axis=-1).reshape(-1, 2)  # C order
    np.testing.assert_array_equal(np.column_stack([r.cube["x1"], r.cube["x2"]]), expected)
    x = np.column_stack([r.parameters["x1"], r.parameters["x2"]])
    np.testing.assert_allclose(x, -10 + 20 * expected, rtol=0, atol=1e-12)
    # an isotropic Gaussian: the highest grid point is the one nearest the mean
    assert r.best() == np.argmin(np.sum((x - mean) ** 2, axis=1))
    # midpoint-rule evidence; the Gaussian's mass outside the box is < 1e-20
    assert r.posterior_attrs["logz"] == pytest.approx(-np.log(400.0), abs=1e-4)
    info = sampler_info(r)
    assert info["kind"] == "grid" and list(info["shape"]) == [41, 31]


def test_grid_edges_and_a_list_of_counts(write_yaml, tmp_path):
    path = write_yaml(run_yaml(gaussian(2), 2, "{name: grid, points: [5, 3], nodes: edges, "
                                               "posterior: false}"))
    r = load(run(path, output=tmp_path / "out"))
    assert len(r) == 15 and not r.posterior
    assert sorted(set(r.parameters["x1"])) == [-10, -5, 0, 5, 10]
    assert sorted(set(r.parameters["x2"])) == [-10, 0, 10]
    np.testing.assert_array_equal(r.parameters["x2"][:3], [-10, 0, 10])  # last one fastest


# --- options and imports --------------------------------------------------------------------

@pytest.mark.parametrize("sampler, option", [
    ("{name: emcee, nwalkers: 4}", "nwalkers"),
    ("{name: emcee, moves: walk}", "moves"),
    ("{name: emcee, nsteps: 100, burn: 100}", "burn"),
    ("{name: emcee, thin: 0}", "thin"),
    ("{name: de, popsize: 3}", "popsize"),
    ("{name: de, convthresh: -1.0}", "convthresh"),
    ("{name: de, convsteps: 0}", "convsteps"),
    ("{name: de, mutation: best}", "mutation"),
    ("{name: grid, points: [3]}", "points"),
    ("{name: grid, points: 0}", "points"),
    ("{name: grid, nodes: corners}", "nodes"),
    ("{name: grid, batch_size: 0}", "batch_size"),
])
def test_invalid_options_name_the_option(write_yaml, tmp_path, sampler, option):
    path = write_yaml(run_yaml(gaussian(3), 3, sampler))
    with pytest.raises(SamplerError, match=f"option '{option}'"):
        run(path, output=tmp_path / "out")


def test_dry_run_does_not_import_emcee(write_yaml):
    paths = [write_yaml(run_yaml(gaussian(3), 3, f"{{name: {name}}}"), f"{name}.yaml")
             for name in ("emcee", "de", "grid")]
    code = ("import sys; from fit.cli import main\n"
            "for path in sys.argv[1:]: main([path, '--dry-run', '-q'])\n"
            "print('emcee' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_writer_keeps_its_own_copy_of_a_batch(write_yaml, tmp_path):
    """A sampler may reuse the cube it passed to scan.loglike and the log L it got back;
    what is written must not change with them (the DE population is updated in place)."""
    from fit.samplers import SAMPLERS, sampler

    @sampler("_test_reuses_arrays")
    def reuse(scan):
        def loop():
            cube = np.full((4, 1), 0.25)
            loglike = scan.loglike(cube)
            cube[:] = 0.75
            loglike[:] = 0.0
        scan.drive(loop)

    path = write_yaml("parameters: {x: [0, 1]}\nlikelihoods:\n"
                      "  gaussian: {parameters: [x], mean: [0.9], sigma: [0.1]}\n"
                      "sampler: {name: _test_reuses_arrays}\n")
    try:
        r = load(run(path, output=tmp_path / "out"))
    finally:
        SAMPLERS.pop("_test_reuses_arrays")
    np.testing.assert_array_equal(r.cube["x"], 0.25)
    np.testing.assert_array_equal(r.loglike, r.terms["gaussian"])
    assert np.all(r.loglike < -10)


# --- kill and resume ------------------------------------------------------------------------

SLOW = '''
import time

from fit import likelihood


@likelihood("slow_bowl", vectorised=True)
def slow_bowl(x1, x2, *, delay: float = 0.004):
    """A Gaussian bowl around (1, -0.5), after sleeping ``delay`` seconds per batch."""
    time.sleep(delay)
    return -0.5 * (((x1 - 1.0) / 0.3) ** 2 + (x2 + 0.5) ** 2)
'''


def slow_run(tmp_path: Path, sampler: str, module: str) -> Path:
    """The run file; ``module`` names the provider file, one name per test: the registry
    imports a module file name once per process (see the report on Registry.scope)."""
    (tmp_path / module).write_text(SLOW)
    path = tmp_path / "run.yaml"
    path.write_text(textwrap.dedent(f"""\
        modules: [{module}]
        parameters: {{x1: [-5, 5], x2: [-5, 5]}}
        likelihoods: [slow_bowl]
        sampler: {sampler}
        output: {{flush_seconds: 0.1}}
        seed: 5
        """))
    return path


def start(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "fit", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



def wait_for_points(path: Path, proc: subprocess.Popen, more_than: int,
                    also: Path | None = None) -> None:
    """Wait until the running scan has flushed more than ``more_than`` points (and ``also``
    exists)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the scan ended ({proc.returncode}) before it was stopped:\n"
                        f"{proc.communicate()[1]}")
        if flushed_points(path) > more_than and (also is None or also.exists()):
            return
        time.sleep(0.01)
    proc.kill()
    proc.communicate()
    pytest.fail(f"no more than {more_than} points in {path} after {STARTUP_TIMEOUT} s")


def stop(proc: subprocess.Popen, sig: signal.Signals) -> str:
    proc.send_signal(sig)
    return proc.communicate(timeout=30)[1]


def resume(path: Path, out: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "fit", str(path), "--output", str(out),
                           "--resume", "-q"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def assert_same_run(r: Results, reference: Results) -> None:
    """Point for point the same scan (apart from ranks and timings)."""
    assert len(r) == len(reference)
    np.testing.assert_array_equal(r.point["id"], np.arange(len(r)))
    for name in ("x1", "x2"):
        np.testing.assert_array_equal(r.parameters[name], reference.parameters[name])
    np.testing.assert_array_equal(r.loglike, reference.loglike)
    for name in set(r.posterior) | set(reference.posterior):
        np.testing.assert_array_equal(r.posterior[name], reference.posterior[name])


@pytest.mark.slow
def test_de_resumes_after_sigkill_and_sigterm_as_if_never_stopped(tmp_path, registry):
    path = slow_run(tmp_path, "{name: de, popsize: 20, maxgen: 300, convthresh: 0.0}",
                    "slow_de.py")
    total = 20 * 301  # convthresh 0: never converged, all 300 generations
    out = tmp_path / "stopped" / "run.h5"
    checkpoint = out.with_name("run.de.npz")

    proc = start(path, "--output", out, "-q")
    wait_for_points(out, proc, more_than=600, also=checkpoint)
    stop(proc, signal.SIGKILL)
    killed = len(load(out))
    assert 0 < killed < total and killed % 20 == 0
    assert int(np.load(checkpoint)["rows"]) <= killed  # never ahead of the file

    proc = start(path, "--output", out, "--resume")  # logs at INFO
    wait_for_points(out, proc, more_than=killed + 600)
    stderr = stop(proc, signal.SIGTERM)
    assert proc.returncode == 130, stderr
    assert "resuming from the checkpoint" in stderr
    stopped = len(load(out))
    # the trial batch in flight was written; the checkpoint holds the generation before it
    assert int(np.load(checkpoint)["rows"]) == stopped - 20

    checkpoint.unlink()  # the last resume replays every generation from the file
    resume(path, out)
    r = load(out)
    reference = load(run(path, output=tmp_path / "reference" / "run.h5"))
    assert len(r) == total
    assert_same_run(r, reference)
    np.testing.assert_array_equal(r.sampler["generation"], reference.sampler["generation"])
    assert sampler_info(r)["best_id"] == sampler_info(reference)["best_id"]
    np.testing.assert_array_equal(sampler_info(r)["population_id"],
                                  sampler_info(reference)["population_id"])
    assert abs(r.parameters["x1"][r.best()] - 1.0) < 0.01


@pytest.mark.slow
def test_emcee_resumes_after_sigkill_as_if_never_killed(tmp_path, registry):
    path = slow_run(tmp_path, "{name: emcee, nwalkers: 8, nsteps: 150}", "slow_emcee.py")
    out = tmp_path / "killed" / "run.h5"
    proc = start(path, "--output", out, "-q")
    wait_for_points(out, proc, more_than=300)
    stop(proc, signal.SIGKILL)
    killed = len(load(out))
    assert killed > 0 and not load(out).posterior

    resume(path, out)
    r = load(out)
    reference = load(run(path, output=tmp_path / "reference" / "run.h5"))
    assert len(r) > killed
    assert_same_run(r, reference)
    assert len(r.posterior["id"]) == 8 * 75


@pytest.mark.slow
def test_grid_resumes_after_sigkill_as_if_never_killed(tmp_path, registry):
    path = slow_run(tmp_path, "{name: grid, points: 50, batch_size: 10}", "slow_grid.py")
    out = tmp_path / "killed" / "run.h5"
    proc = start(path, "--output", out, "-q")
    wait_for_points(out, proc, more_than=500)
    stop(proc, signal.SIGKILL)
    killed = len(load(out))
    assert 0 < killed < 2500

    resume(path, out)
    r = load(out)
    reference = load(run(path, output=tmp_path / "reference" / "run.h5"))
    assert len(r) == 2500
    assert_same_run(r, reference)
    assert r.posterior_attrs["logz"] == reference.posterior_attrs["logz"]


# --- MPI ------------------------------------------------------------------------------------

MPI_RUNS = {  # likelihood, dimensions, sampler, prior box
    "emcee": (gaussian(2), 2, "{name: emcee, nwalkers: 16, nsteps: 400, burn: 100}", 10),
    "de": ("rosenbrock: {parameters: [x1, x2, x3]}", 3, "{name: de, popsize: 30}", 5),
    "grid": (gaussian(2), 2, "{name: grid, points: 30, batch_size: 64}", 10),
}


@pytest.mark.mpi
@pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed (see README)")
@pytest.mark.parametrize("name", sorted(MPI_RUNS))
def test_under_mpi_both_ranks_evaluate_and_the_run_is_the_serial_one(write_yaml, tmp_path,
                                                                     name):
    likelihood, ndim, sampler, box = MPI_RUNS[name]
    path = write_yaml(run_yaml(likelihood, ndim, sampler, box=box))
    serial = load(run(path, output=tmp_path / "serial"))
    command = [MPIRUN, "-n", "2", sys.executable, "-m", "fit", str(path), "--output",
               str(tmp_path / "parallel"), "-q"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={**os.environ, **MPI_ENV})
    assert result.returncode == 0, result.stderr
    parallel = load(tmp_path / "parallel")
    assert set(parallel.point["rank"]) == {0, 1}
    assert len(parallel) == len(serial)
    for n in names(ndim):
        np.testing.assert_array_equal(parallel.parameters[n], serial.parameters[n])
    # a vectorised likelihood may round the last bit differently in the ranks' smaller
    # chunks; the samplers' decisions are not that close here, so the points are identical
    np.testing.assert_allclose(parallel.loglike, serial.loglike, rtol=1e-13, atol=0)
    assert set(parallel.posterior) == set(serial.posterior)
    if serial.posterior:
        np.testing.assert_array_equal(parallel.posterior["id"], serial.posterior["id"])
        np.testing.assert_allclose(parallel.posterior["weight"], serial.posterior["weight"],
                                   rtol=1e-12, atol=0)
    best = parallel.best()
    if name == "de":
        assert parallel.loglike[best] > -1e-3  # Rosenbrock's maximum is 0 at x_i = 1
    elif name == "grid":
        assert len(parallel) == 900
        assert parallel.posterior_attrs["logz"] == pytest.approx(-np.log(400.0), abs=1e-3)
    else:
        x, w = posterior(parallel, 2)
        np.testing.assert_allclose(np.average(x, axis=0, weights=w), MEAN[:2], atol=0.5)
