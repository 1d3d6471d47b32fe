"""Swapping samplers in one line: a run file that includes ``yaml/gaussian.yaml`` (a random scan
with ``n_points``) and names only another sampler runs with that sampler, for every
registered sampler; so does the included file itself with ``--sampler NAME``. Budgets are
tiny and given with ``--set``; the output records the sampler, its options and the
overrides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fit import samplers
from fit.cli import main
from fit.results import load

ROOT = Path(__file__).resolve().parents[1]
GAUSSIAN = ROOT / "yaml" / "gaussian.yaml"

#: the smallest budgets that run each sampler through on the four-dimensional Gaussian;
#: (--set arguments, the sampler option they set, its value)
BUDGETS = {
    "random": ["sampler.n_points=20"],
    "grid": ["sampler.points=2"],
    "emcee": ["sampler.nwalkers=10", "sampler.nsteps=4"],
    "de": ["sampler.popsize=10", "sampler.maxgen=3"],
    "multinest": ["sampler.n_live_points=20", "sampler.max_iter=40"],
    "dynesty": ["sampler.nlive=20", "sampler.maxiter=40"],
    "dynesty_dynamic": ["sampler.nlive=20", "sampler.maxiter=60", "sampler.maxbatch=1"],
    "nautilus": ["sampler.n_live=50", "sampler.n_like_max=150", "sampler.n_networks=1"],
    "ultranest": ["sampler.min_num_live_points=20", "sampler.max_ncalls=300"],
    "points": ["sampler.file=POINTS"],
    "ml_scan": ["sampler.batch_size=10", "sampler.max_evaluations=30"],
}


#: samplers that load a native library into the process: run in a subprocess, so that later
#: tests of a missing library are not answered by the library this test loaded
OWN_PROCESS = {"multinest"}


def fit(name: str, argv: list[str]) -> int:
    """``python -m fit ARGV`` in this process (fast), or in its own for ``OWN_PROCESS``."""
    if name not in OWN_PROCESS:
        return main(argv)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "fit", *argv], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.returncode


def registered() -> list[str]:
    samplers.discover()
    return sorted(samplers.SAMPLERS)


def test_every_registered_sampler_has_a_budget_here():
    """A sampler added to the package must be added to this test (and so be swappable)."""
    assert set(BUDGETS) == set(registered())


def budget(name: str, tmp_path: Path) -> list[str]:
    """The --set arguments of a sampler's budget (the points sampler gets a small CSV)."""
    points = tmp_path / "points.csv"
    points.write_text("x1,x2,x3,x4\n1,-1,0.5,0\n0,0,0,0\n")
    out = []
    for text in BUDGETS[name]:
        out += ["--set", text.replace("POINTS", str(points))]
    return out


def check_run(path: Path, name: str, sets: list[str], sampler_flag: bool) -> None:
    r = load(path)
    assert len(r) > 0 and r.valid.all()
    assert r.attrs["sampler"] == name
    options = json.loads(r.attrs["sampler_options"])
    assert "n_points" not in options or name == "random"   # nothing inherited from random
    for text in sets[1::2]:
        key, _, value = text.partition("=")
        assert str(options[key.split(".", 1)[1]]) == value
    recorded = json.loads(r.attrs["overrides"])
    assert recorded == ([f"--sampler {name}"] if sampler_flag else []) + \
        [f"--set {text}" for text in sets[1::2]]


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_a_file_naming_only_the_sampler_runs_it(name, tmp_path):
    run_file = tmp_path / "swap.yaml"
    run_file.write_text(f"include: {GAUSSIAN}\nsampler: {name}\n")
    sets = budget(name, tmp_path)
    assert fit(name, [str(run_file), "-q", "--output", str(tmp_path / "out"), *sets]) == 0
    check_run(tmp_path / "out" / "swap.h5", name, sets, sampler_flag=False)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_the_sampler_flag_runs_it(name, tmp_path):
    sets = budget(name, tmp_path)
    out = tmp_path / "out.h5"
    assert fit(name, [str(GAUSSIAN), "-q", "--output", str(out), "--sampler", name, *sets]) == 0
    check_run(out, name, sets, sampler_flag=True)
