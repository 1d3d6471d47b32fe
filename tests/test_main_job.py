"""The main job, yaml/nmssm.yaml, as the README runs it: with a small budget set from the
command line, every likelihood term of every family is computed and written (or recorded
as skipped after a hopeless term), and its variants resolve."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fit.results import load
from fit.run import prepare

ROOT = Path(__file__).resolve().parents[1]

#: the likelihood families of the issue: Higgs, dark matter, flavour, g-2, LHC, LEP
FAMILIES = {"higgs_mass", "higgs_kappas", "higgs_invisible", "higgs_lep", "higgs_exotic",
            "lz", "relic", "flavour", "gm2", "lhc", "lep"}


def readme_main_job() -> list[str]:
    """The first command of the README's "The main job" section."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The main job", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    return shlex.split(block.splitlines()[0])


def run_main_job(output: Path, *options: str):
    """The README's main-job command with these options and ``--output``, loaded."""
    command = [sys.executable, *readme_main_job()[1:], *options, "--output", str(output),
               "-q"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    return load(output)


def test_the_readme_main_job_is_the_nmssm_fit():
    command = readme_main_job()
    assert command[:3] == ["python", "-m", "fit"] and command[3] == "yaml/nmssm.yaml"
    prepared = prepare(ROOT / command[3])
    assert set(prepared.graph.terms) == FAMILIES
    assert prepared.config.space.ndim == 12


@pytest.mark.parametrize("name", ["nmssm_broad.yaml", "examples/nmssm_seed_targets.yaml"])
def test_the_variants_share_the_model_and_every_term(name):
    prepared = prepare(ROOT / "yaml" / name)
    assert set(prepared.graph.terms) >= FAMILIES
    assert prepared.config.space.ndim >= 12


def test_the_main_job_with_a_small_budget_writes_every_term(tmp_path):
    """Two generations of a small differential-evolution population through the whole
    built-in chain: every term has its column, and each point has every term computed
    unless it is invalid or was skipped after a hopeless term."""
    r = run_main_job(tmp_path, "--set", "sampler.popsize=16", "--set", "sampler.maxgen=1")
    assert len(r) == 32
    terms = json.loads(r.attrs["terms"])
    assert set(terms) == FAMILIES and set(r.terms) == FAMILIES
    values = np.stack([r.terms[t] for t in terms], 1)
    skipped = r.point["skipped_after"].astype(str)
    complete = r.valid & (skipped == "")
    assert complete.sum() >= 4, r.point["reason"]
    assert np.isfinite(values[complete]).all()
    np.testing.assert_allclose(values[complete].sum(1), r.loglike[complete])
    # a skipped point: the term that made it hopeless is written, the terms it skipped are
    # missing (NaN, not zero), and its log L is the sum of the terms computed
    hopeless = np.flatnonzero(skipped != "")
    for i in hopeless:
        assert np.isfinite(values[i, terms.index(skipped[i])])
        assert np.isnan(values[i]).any()
        assert r.loglike[i] == pytest.approx(np.nansum(values[i]))
    for name in ("omega_h2", "sigma_si_p", "br_bsgamma", "delta_amu", "hsm_kappa_V"):
        assert np.isfinite(r.observables[name][complete]).all(), name


def test_the_emulated_relic_variant_runs_without_the_freeze_out(tmp_path, registry):
    """yaml/examples/nmssm_emulated_relic.yaml: Omega h^2 from an emulator, no freeze-out
    in the graph, every family's term still there and the relic density written as the
    emulator predicts it. The emulator here learns a made-up smooth function of the
    parameters (this test is about the wiring; its accuracy on the physics is what
    benchmarks/relic_emulator.py measures)."""
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from fit.config import Override
    from fit.ml.emulators import Emulator
    from fit.run import run

    path = ROOT / "yaml" / "examples" / "nmssm_emulated_relic.yaml"
    space = prepare(ROOT / "yaml" / "nmssm.yaml").config.space
    names = space.sampled_names
    # 300 prior points and their corners: the training box is the whole prior
    cube = np.random.default_rng(1).random((300, len(names)))
    cube[:2] = [[0.0], [1.0]]
    values = space.transform(cube)
    x = np.column_stack([values[n] for n in names])
    y = 0.01 * np.exp(3.0 * (values["lambda_"] - values["kappa"]))
    model = Emulator.train(x, y, inputs=names, output="observables/omega_h2", kind="gbdt"
                           ).export(tmp_path / "omega_h2.onnx")
    overrides = Override.from_command_line("random", [
        f"rules.omega_h2.options.model_file={model}", "sampler.n_points=40",
        "sampler.batch_size=40"])
    prepared = prepare(path, registry, overrides)
    assert prepared.graph.providers["omega_h2"].name == "emulated_omega_h2"
    # figures label the emulated Omega h^2 as the computed one
    assert prepared.graph.providers["omega_h2"].spec.labels == \
        registry.by_name["nmssm_builtin_omega_h2"].labels
    assert "freeze_out" not in prepared.graph.providers
    assert set(prepared.graph.terms) == FAMILIES
    r = load(run(path, output=tmp_path / "emulated.h5", overrides=overrides,
                 registry=registry))
    done = np.isfinite(r.observables["omega_h2"])
    assert done.sum() >= 4
    x_run = np.column_stack([r.parameters[n] for n in names])[done]
    emulator = Emulator.load(model)
    np.testing.assert_allclose(r.observables["omega_h2"][done], emulator.predict(x_run),
                               rtol=1e-5)


def test_the_shipped_omega_h2_emulator_follows_the_freeze_out(registry):
    """yaml/examples/nmssm_omega_h2.onnx against the built-in freeze-out it was trained on,
    at 80 new prior points of the main job's box: on held-out prior points 89% were within
    30% (its validation file); this fails when the built-in physics has moved away from
    the emulator (then retrain it, as the example's header says)."""
    pytest.importorskip("onnxruntime")
    from fit.evaluate import Evaluator
    from fit.ml.emulators import Emulator

    emulator = Emulator.load(ROOT / "yaml" / "examples" / "nmssm_omega_h2.onnx")
    prepared = prepare(ROOT / "yaml" / "nmssm.yaml", registry)
    space = prepared.config.space
    assert emulator.inputs == space.sampled_names
    evaluator = Evaluator(prepared.graph, record=["omega_h2"])
    params = space.transform(np.random.default_rng(7).random((80, space.ndim)))
    omega = evaluator(params).observables["omega_h2"]
    done = np.isfinite(omega)
    assert done.sum() >= 20
    x = np.column_stack([params[n] for n in emulator.inputs])[done]
    assert emulator.inside(x).all()
    ratio = emulator.predict(x) / omega[done]
    assert np.mean(np.abs(ratio - 1.0) < 0.3) >= 0.7, np.sort(ratio)


def test_the_main_jobs_ml_scan_settings_run_on_the_whole_chain(tmp_path):
    """The one-line switch to the ML scan: its settings in ``samplers: ml_scan:`` (rounds
    of 40 for the NMSSM's broad region) are accepted, and two rounds go through the real
    chain with every point's round written."""
    r = run_main_job(tmp_path, "--sampler", "ml_scan", "--set", "sampler.max_evaluations=80")
    assert len(r) == 80
    rounds = np.asarray(r.sampler["round"])
    np.testing.assert_array_equal(np.bincount(rounds), [40, 40])
    assert set(r.terms) == FAMILIES


def test_the_main_job_repeats_itself_with_one_seed(tmp_path):
    """Two runs of the main job with the same seed write the same points and the same
    log L, the hopeless points' partial sums included: its terms run in the file's order
    (``term_order: yaml``), not in an order learnt from measured costs, which vary from run
    to run and with them the path of differential evolution."""
    assert prepare(ROOT / "yaml" / "nmssm.yaml").config.term_order == "yaml"
    first, second = (run_main_job(tmp_path / name, "--set", "sampler.popsize=16", "--set",
                                  "sampler.maxgen=3") for name in ("first", "second"))
    assert len(first) == len(second) == 64
    np.testing.assert_array_equal(first.cube["lambda_"], second.cube["lambda_"])
    np.testing.assert_array_equal(first.loglike, second.loglike)
    np.testing.assert_array_equal(first.point["skipped_after"], second.point["skipped_after"])
