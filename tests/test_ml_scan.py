"""The ``ml_scan`` sampler: it climbs to a small target from a first batch without a hit,
writes real log-likelihoods with its round, proposal and prediction columns, resumes from
its file, reuses an exported surrogate, and rejects bad options.

Toy: a normalised 2-D Gaussian, sigma 0.02 on [-1, 1]^2 (ln L_max = -ln(2 pi sigma^2));
in target: Delta chi^2 <= 6.18 (2 sigma, two parameters), a disc of radius 2.49 sigma,
4.9e-4 of the prior: a random scan of 300 points expects 0.15 such points.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from fit.errors import ConfigError, SamplerError
from fit.ml.surrogates import torch_available
from fit.results import load
from fit.run import run

SIGMA = 0.02
LNL_MAX = -np.log(2 * np.pi * SIGMA**2)
FAST = "hidden: [16, 16], members: 2, epochs: 100, update_epochs: 20, candidates: 50"


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
    # random draws would give 0.15 points in target; the scan (measured: 109) climbs
    assert in_target(r).sum() >= 50
    assert len(r) <= 300
    # log L is the likelihood's, not the surrogate's
    x = np.column_stack([r.parameters["x1"] - 0.3, r.parameters["x2"] + 0.2])
    assert np.allclose(r.loglike, LNL_MAX - 0.5 * (x**2).sum(axis=1) / SIGMA**2)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    assert (rounds[:30] == 0).all() and (np.diff(rounds) >= 0).all()
    assert (kind[:30] == 3).all() and np.isnan(r.sampler["p_target"][:30]).all()
    later = rounds > 0
    assert set(kind[later]) <= {0, 1, 2} and (kind[later] == 1).any()
    assert (kind[later] == 2).sum() == 3 * (rounds.max())   # 10% of 30 explore per round
    assert np.isfinite(r.sampler["predicted_distance"][later]).all()
    # calibrated probabilities once the committee has seen an in-target point, and they
    # mean something: the chosen points with p > 0.5 hit more often than the others
    p = r.sampler["p_target"]
    assert np.isfinite(p[rounds == rounds.max()]).all()
    hit = in_target(r)
    assert hit[p > 0.5].mean() > hit[later & ~(p > 0.5)].mean()
    with h5py.File(out, "r") as f:
        info = f["sampler_info"]
        assert info.attrs["kind"] == "profile"
        assert info["evaluations"][-1] == len(r)
        assert (info["pseudo"][:1] == 1).all()    # climbing on pseudo-labels at first
        assert (info["train_seconds"][1:] > 0).all()
        assert info["in_target"][-1] == in_target(r).sum()
        # the exploiting share starts at half and adapts within [0.1, 0.9] (auto)
        share = info["exploit_fraction"][:]
        assert share[0] == 0.5 and ((share >= 0.1) & (share <= 0.9)).all()
    assert "ml_scan" in r.attrs["sampler"]


def test_known_best_fit_and_exploiting_share(tmp_path, write_yaml):
    """With ``best_loglike`` the exact maximum, the scan counts in target exactly as the
    test does; the exploited share of a mapping round carries the mean-only probability."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, exploit_fraction: 1, "
                             f"uncertainty_weight: 2, {FAST}")), output=tmp_path / "k.h5")
    r = load(out)
    with h5py.File(out, "r") as f:
        assert f["sampler_info"]["in_target"][-1] == in_target(r).sum()
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    last = (rounds == rounds.max()) & (kind != 2)
    # all steered points exploited: their probabilities are those of the mean alone,
    # and they hit (measured 27 of 27 in the last round)
    assert np.isfinite(r.sampler["p_target"][last]).all()
    assert in_target(r)[last].mean() >= 0.5


def test_exploiting_share_from_the_prior_candidates(tmp_path, write_yaml):
    """``exploit_from: prior``: once the scan maps the region, every steered point is a
    prior candidate (proposal 0), drawn on its probability: they hit more often than the
    unscreened first batch (on this thin toy a few times, measured 4% against 0%)."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, exploit_fraction: 1, "
                             f"exploit_from: prior, {FAST}")), output=tmp_path / "p.h5")
    r = load(out)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    last = (rounds == rounds.max()) & (kind != 2)
    assert (kind[last] == 0).all() and np.isfinite(r.sampler["p_target"][last]).all()
    steered = (rounds >= rounds.max() - 2) & (kind != 2)
    assert in_target(r)[steered].mean() > in_target(r)[rounds == 0].mean()


@pytest.mark.parametrize(("cap", "low", "high"), [(3, 0.0, 1.7), ("null", 3.0, np.inf)])
def test_distance_cap_clips_what_the_committee_learns(tmp_path, write_yaml, cap, low, high):
    """Once mapping, the committee learns ln(1 + Delta chi^2 / threshold) clipped at
    ``distance_cap`` thresholds (ln 4 = 1.39 for 3): its predictions on the unscreened
    prior draws of the last round, all far outside this small disc (Delta chi^2 of order
    1e3 thresholds, ln ~ 7), stay near the cap; without a cap they are far."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, distance_cap: {cap}, {FAST}")),
              output=tmp_path / "c.h5")
    r = load(out)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    far = (rounds == rounds.max()) & (kind == 2) & ~in_target(r)
    assert far.any()
    predicted = np.median(r.sampler["predicted_distance"][far])
    assert low < predicted < high


def test_class_label_and_map_cells(tmp_path, write_yaml):
    """``mapping_label: class``: once mapping, the committee learns 0 in target, 1 outside
    (so its prediction on the far unscreened draws of the last round is near 1, not near
    the distance cap); ``selection: cells`` without an exploiting share: every steered
    point is chosen for the map cells it adds, carries the mean-only probability, and they
    hit more often than the unscreened first batch."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, mapping_label: class, "
                             f"selection: cells, exploit_fraction: 0, {FAST}")),
              output=tmp_path / "m.h5")
    r = load(out)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    far = (rounds == rounds.max()) & (kind == 2) & ~in_target(r)
    assert far.any() and 0.5 < np.median(r.sampler["predicted_distance"][far]) < 1.5
    last = (rounds >= rounds.max() - 2) & (kind != 2)
    assert np.isfinite(r.sampler["p_target"][last]).all()
    assert in_target(r)[last].mean() > in_target(r)[rounds == 0].mean()


def test_map_cells_beside_the_exploiting_share_with_balanced_resamples(tmp_path, write_yaml):
    """``selection: cells, class_balance: true`` with the adaptive shares: both shares run
    (the record's share stays within [0.1, 0.9]), every steered point of the mapping
    rounds carries a probability, and they hit more often than the first batch."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, selection: cells, "
                             f"class_balance: true, {FAST}")), output=tmp_path / "b.h5")
    r = load(out)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    last = (rounds >= rounds.max() - 2) & (kind != 2)
    assert np.isfinite(r.sampler["p_target"][last]).all()
    assert in_target(r)[last].mean() > in_target(r)[rounds == 0].mean()
    with h5py.File(out, "r") as f:
        share = f["sampler_info"]["exploit_fraction"][:]
    assert ((share >= 0.1) & (share <= 0.9)).all()


def test_refinement_share_draws_around_the_best_point(tmp_path, write_yaml):
    """``refine_fraction``: every mapping round (no pseudo-labels) spends that share of its
    steered points (round(0.2 x 27) = 5 of a batch of 30 with 3 explore draws) on draws
    around the best point (proposal 4), which hit the target more often than the first
    batch, with probabilities of the mean alone; the climbing rounds draw none."""
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 240, target_points: 1000, "
                             f"best_loglike: {LNL_MAX}, refine_fraction: 0.2, {FAST}")),
              output=tmp_path / "f.h5")
    r = load(out)
    rounds, kind = r.sampler["round"], r.sampler["proposal"]
    with h5py.File(out, "r") as f:
        pseudo = f["sampler_info"]["pseudo"][:]
    mapping = np.flatnonzero(pseudo[:-1] == 0) + 1        # rounds after a mapping label
    assert len(mapping) >= 3
    for k in np.unique(rounds):
        assert (kind[rounds == k] == 4).sum() == (5 if k in mapping else 0)
    refined = kind == 4
    assert np.isfinite(r.sampler["p_target"][refined]).all()
    assert in_target(r)[refined].mean() > 0.5 > in_target(r)[rounds == 0].mean()


def test_class_balance_must_be_a_bool(tmp_path, write_yaml):
    with pytest.raises(ConfigError, match="'class_balance' expects bool"):
        run(write_yaml(toy("class_balance: maybe")), output=tmp_path / "c.h5")


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


def test_exported_surrogate_steers_a_new_run(tmp_path, write_yaml):
    pytest.importorskip("skl2onnx")
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 150, target_points: 1000, "
                             f"export_model: true, {FAST}")), output=tmp_path / "e.h5")
    model = tmp_path / "e-surrogate.onnx"
    with h5py.File(out, "r") as f:
        assert f["sampler_info"].attrs["model_file"] == str(model)
    out = run(write_yaml(toy(f"batch_size: 30, max_evaluations: 30, initial_model: {model}, "
                             f"{FAST}"), name="reuse.yaml"), output=tmp_path / "n.h5")
    r = load(out)
    assert np.isfinite(r.sampler["predicted_distance"]).all()  # the first batch is screened
    assert np.isfinite(r.sampler["p_target"]).all()           # with the exported calibration
    # and hits the target, where 30 prior draws expect 0.015 hits (measured: 3)
    assert in_target(r).sum() >= 2
    assert not in_target(load(tmp_path / "e.h5"))[:30].any()   # the unscreened first batch


@pytest.mark.skipif(not torch_available(), reason="PyTorch not installed "
                    "(pip install torch==2.13.0)")
def test_torch_committee_runs(tmp_path, write_yaml):
    out = run(write_yaml(toy("batch_size: 30, max_evaluations: 90, model: torch, "
                             "members: 3, hidden: [16, 16], epochs: 50")),
              output=tmp_path / "t.h5")
    r = load(out)
    assert len(r) == 90 and np.isfinite(r.sampler["predicted_distance"][30:]).all()


@pytest.mark.parametrize(("option", "message"), [
    ("batch_size: 0", "'batch_size' must be >= 1"),
    ("explore_fraction: 1.5", "'explore_fraction' must be >= 0.0 and <= 1.0"),
    ("target: posterior", "'target' must be one of delta_chi2, constraints"),
    ("model: svm", "'model' must be one of mlp, gbdt, torch"),
    ("members: 0", "'members' must be >= 1"),
    ("diversity: -1", "'diversity' must be >= 0.0"),
    ("hidden: [16, -1]", "'hidden' must be a list of positive layer sizes"),
    ("pseudo_fraction: 0", "'pseudo_fraction' must be > 0.0"),
    ("initial_model: missing.onnx", "'initial_model'"),
    ("exploit_fraction: -0.1", "'exploit_fraction' must be >= 0.0 and <= 1.0"),
    ("exploit_fraction: half", "'exploit_fraction' must be 'auto' or a number"),
    ("exploit_from: vegas", "'exploit_from' must be one of pool, prior"),
    ("distance_cap: 0", "'distance_cap' must be > 0.0"),
    ("selection: best", "'selection' must be one of shares, cells"),
    ("mapping_label: binary", "'mapping_label' must be one of distance, class"),
    ("refine_fraction: 1.5", "'refine_fraction' must be >= 0.0 and <= 1.0"),
    ("refine_fraction: -0.1", "'refine_fraction' must be >= 0.0 and <= 1.0"),
    ("target: constraints, best_loglike: 0", "'best_loglike' needs target 'delta_chi2'"),
])
def test_bad_options_are_refused(tmp_path, write_yaml, option, message):
    with pytest.raises(SamplerError, match=message):
        run(write_yaml(toy(option)), output=tmp_path / "b.h5")


@pytest.mark.parametrize(("value", "message"), [("high", "'best_loglike' expects float"),
                                               (".inf", "expected a finite number")])
def test_a_best_loglike_that_is_no_finite_number_is_refused(tmp_path, write_yaml, value,
                                                           message):
    with pytest.raises(ConfigError, match=message):
        run(write_yaml(toy(f"best_loglike: {value}")), output=tmp_path / "h.h5")


def test_unknown_option_names_the_valid_ones(tmp_path, write_yaml):
    with pytest.raises(ConfigError, match=r"has no option 'batchsize'.*batch_size"):
        run(write_yaml(toy("batchsize: 10")), output=tmp_path / "u.h5")


CUTS = """
import numpy as np
from fit import likelihood

@likelihood("disc_cut", vectorised=True)
def disc_cut(x1, x2):
    return np.where((x1 - 0.3) ** 2 + (x2 + 0.2) ** 2 < 0.3**2, 0.0, -np.inf)

@likelihood("band_cut", vectorised=True)
def band_cut(x1):
    return np.where(x1 > 0.3, 0.0, -np.inf)
"""


def test_hard_cuts_with_one_output_per_term(tmp_path, write_yaml, registry):
    """target: constraints on two cuts (a disc and a half-plane, passed together by half the
    disc: 3.5% of the prior); per_term adds one output per cut to the exported surrogate."""
    pytest.importorskip("skl2onnx")
    (tmp_path / "cuts.py").write_text(CUTS)
    out = run(write_yaml(f"""
        parameters: {{x1: [-1, 1], x2: [-1, 1]}}
        likelihoods: {{disc_cut: {{}}, band_cut: {{}}}}
        modules: [cuts.py]
        sampler: {{name: ml_scan, target: constraints, per_term: true, batch_size: 50,
                  max_evaluations: 600, export_model: true, {FAST}}}
        seed: 5
    """), output=tmp_path / "c.h5")
    r = load(out)
    x1, x2 = r.parameters["x1"], r.parameters["x2"]
    passed = ((x1 - 0.3) ** 2 + (x2 + 0.2) ** 2 < 0.3**2) & (x1 > 0.3)
    assert ((r.loglike == 0) == passed).all()       # ln L 0 inside, the floor outside
    # 600 prior draws expect 21 such points; the scan (measured: 200) finds many more
    assert passed.sum() >= 100
    with h5py.File(out, "r") as f:
        assert f["sampler_info"].attrs["in_target"] == passed.sum()
    from fit.ml.onnx_io import OnnxCommittee

    loaded = OnnxCommittee(tmp_path / "c-surrogate.onnx")
    assert loaded.outputs == 3
    assert loaded.metadata["outputs_names"] == ["distance", "disc_cut", "band_cut"]
