"""The ``ml_scan`` sampler: it climbs to a small target from a first batch without a hit,
writes real log-likelihoods with its round and proposal columns, resumes from its file,
reuses an exported classifier, and rejects bad options.

Toy: a normalised 2-D Gaussian, sigma 0.02 on [-1, 1]^2 (ln L_max = -ln(2 pi sigma^2));
in target: Delta chi^2 <= 6.18 (2 sigma, two parameters), a disc of radius 2.49 sigma,
4.9e-4 of the prior: a random scan of 300 points expects 0.15 such points.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from fit.errors import ConfigError, SamplerError
from fit.ml.classifiers import torch_available
from fit.results import load
from fit.run import run

SIGMA = 0.02
LNL_MAX = -np.log(2 * np.pi * SIGMA**2)
FAST = "classifier: mlp, hidden: [16, 16], members: 2"


def toy(sampler: str) -> str:
    return f"""
        parameters: {{x1: [-1, 1], x2: [-1, 1]}}
        likelihoods:
          gaussian: {{parameters: [x1, x2], mean: [0.3, -0.2], sigma: [{SIGMA}, {SIGMA}]}}
        sampler: {{name: ml_scan, {sampler}}}
        seed: 4
    """


def in_target(r) -> np.ndarray:
    return 2 * (LNL_MAX - r.loglike) <= 6.18


def test_climbs_to_a_small_target_and_writes_real_loglikes(tmp_path, write_yaml):
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 300, target_points: 1000, "
                             f"{FAST}")), output=tmp_path / "a.h5")
    r = load(out)
    assert not in_target(r)[:30].any()          # the first batch holds no hit
    # random draws would give 0.15 points in target; the scan (measured: 20) climbs
    assert in_target(r).sum() >= 10
    assert len(r) <= 300
    # log L is the likelihood's, not the classifier's
    x = np.column_stack([r.parameters["x1"] - 0.3, r.parameters["x2"] + 0.2])
    assert np.allclose(r.loglike, LNL_MAX - 0.5 * (x**2).sum(axis=1) / SIGMA**2)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    assert (rounds[:30] == 0).all() and (np.diff(rounds) >= 0).all()
    assert (kind[:30] == 3).all() and np.isnan(r.sampler["p_target"][:30]).all()
    later = rounds > 0
    assert set(kind[later]) <= {0, 1, 2} and (kind[later] == 1).any()
    assert (kind[later] == 2).sum() == 3 * (rounds.max())   # 10% of 30 explore per round
    assert np.isfinite(r.sampler["p_target"][later]).all()
    with h5py.File(out, "r") as f:
        info = f["sampler_info"]
        assert info.attrs["kind"] == "profile"
        assert info["evaluations"][-1] == len(r)
        assert (info["pseudo"][:1] == 1).all()    # climbing on pseudo-labels at first
        assert (info["train_seconds"][1:] > 0).all()
    assert "ml_scan" in r.attrs["sampler"]


def test_resume_retrains_from_the_file(tmp_path, write_yaml):
    path = write_yaml(toy(f"batch_size: 20, max_evaluations: 60, target_points: 1000, {FAST}"))
    out = run(path, output=tmp_path / "r.h5")
    first = load(out)
    assert len(first) == 60
    path = write_yaml(toy(f"batch_size: 20, max_evaluations: 100, target_points: 1000, "
                          f"{FAST}"))
    run(path, output=out, resume=True)
    r = load(out)
    assert len(r) == 100 and (r.point["id"] == np.arange(100)).all()
    assert np.allclose(r.loglike[:60], first.loglike)
    assert r.sampler["round"][60:].min() == first.sampler["round"].max() + 1
    assert (r.sampler["proposal"][60:] != 3).all()     # no fresh initial batch
    with h5py.File(out, "r") as f:
        assert f["sampler_info"]["round"][:].tolist() == list(range(5))


def test_exported_classifier_steers_a_new_run(tmp_path, write_yaml):
    pytest.importorskip("skl2onnx")
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 150, target_points: 1000, "
                             f"export_model: true, {FAST}")), output=tmp_path / "e.h5")
    model = tmp_path / "e-classifier.onnx"
    with h5py.File(out, "r") as f:
        assert f["sampler_info"].attrs["model_file"] == str(model)
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 30, initial_model: {model}, "
                             f"{FAST}"), name="reuse.yaml"), output=tmp_path / "n.h5")
    r = load(out)
    assert np.isfinite(r.sampler["p_target"]).all()  # the first batch is already screened
    # and lands nearer the mode than the unscreened first batch of the training run did
    first = load(tmp_path / "e.h5").loglike[:30]
    assert np.median(r.loglike) > np.median(first) + 5


@pytest.mark.skipif(not torch_available(), reason="PyTorch not installed "
                    "(pip install torch==2.13.0)")
def test_torch_committee_runs(tmp_path, write_yaml):
    out = run(write_yaml(toy("batch_size: 30, max_evaluations: 90, classifier: torch, "
                             "members: 3, hidden: [16, 16]")), output=tmp_path / "t.h5")
    r = load(out)
    assert len(r) == 90 and np.isfinite(r.sampler["p_target"][30:]).all()


@pytest.mark.parametrize(("option", "message"), [
    ("batch_size: 0", "'batch_size' must be >= 1"),
    ("explore_fraction: 1.5", "'explore_fraction' must be >= 0.0 and <= 1.0"),
    ("target: posterior", "'target' must be one of delta_chi2, constraints"),
    ("classifier: svm", "'classifier' must be one of mlp, gbdt, torch"),
    ("hidden: [16, -1]", "'hidden' must be a list of positive layer sizes"),
    ("pseudo_fraction: 0", "'pseudo_fraction' must be > 0.0"),
    ("initial_model: missing.onnx", "'initial_model'"),
])
def test_bad_options_are_refused(tmp_path, write_yaml, option, message):
    with pytest.raises(SamplerError, match=message):
        run(write_yaml(toy(option)), output=tmp_path / "b.h5")


def test_unknown_option_names_the_valid_ones(tmp_path, write_yaml):
    with pytest.raises(ConfigError, match=r"has no option 'batchsize'.*batch_size"):
        run(write_yaml(toy("batchsize: 10")), output=tmp_path / "u.h5")
