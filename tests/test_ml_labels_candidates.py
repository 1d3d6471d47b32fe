"""Labels, pseudo-labels, class balance, candidate pools and diverse batch selection of the
ML-steered scan (fit.ml.labels, fit.ml.candidates).

Expected values: the Delta chi^2 thresholds are chi^2 quantiles (Wilks; 2 sigma for one
parameter is 4.0 exactly, for two 6.18, tabulated in the PDG statistics review, table
40.2); the rest are counted by hand from the inputs given here.
"""

from __future__ import annotations

import numpy as np
import pytest

from fit.ml import candidates as cand
from fit.ml import labels as lab

FLOOR = -1e100


def test_threshold_is_the_wilks_quantile():
    assert lab.delta_chi2_threshold(1) == pytest.approx(4.0, rel=1e-4)
    assert lab.delta_chi2_threshold(2) == pytest.approx(6.18, abs=0.01)
    with pytest.raises(ValueError):
        lab.delta_chi2_threshold(0)


def test_in_target_by_delta_chi2_and_by_constraints():
    loglike = np.array([0.0, -1.0, -3.0, FLOOR, -0.5])
    valid = np.array([True, True, True, True, False])
    # best valid ln L = 0: Delta chi^2 = 0, 2, 6, -, (invalid)
    got = lab.in_target(loglike, valid, target="delta_chi2", threshold=4.0, floor=FLOOR)
    assert got.tolist() == [True, True, False, False, False]
    got = lab.in_target(loglike, valid, target="constraints", threshold=4.0, floor=FLOOR)
    assert got.tolist() == [True, True, True, False, False]
    with pytest.raises(ValueError, match="target must be one of"):
        lab.in_target(loglike, valid, target="posterior", threshold=4.0, floor=FLOOR)


def test_enough_hits_need_no_pseudo_labels():
    loglike = -np.arange(10.0) / 10          # Delta chi^2 = 0, 0.2, ..., 1.8: all in target
    labels = lab.training_labels(loglike, np.ones(10, bool), target="delta_chi2",
                                 threshold=4.0, floor=FLOOR, min_positive=5)
    assert not labels.pseudo and labels.positive.all() and not labels.trainable


def test_pseudo_labels_take_the_best_quantile_when_no_point_is_in_target():
    rng = np.random.default_rng(1)
    loglike = -rng.uniform(100, 1e4, 200)    # far from the best: one point in target
    loglike[7] = FLOOR                       # an invalid point is never a pseudo-positive
    valid = np.ones(200, bool)
    valid[7] = False
    labels = lab.training_labels(loglike, valid, target="delta_chi2", threshold=1e-9,
                                 floor=FLOOR, min_positive=5, pseudo_fraction=0.1)
    assert labels.pseudo and labels.in_target.sum() == 1
    # 10% of the 199 valid points, rounded up: 20, the 20 highest ln L
    assert labels.positive.sum() == 20
    best = np.argsort(-np.where(valid, loglike, -np.inf))[:20]
    assert set(np.flatnonzero(labels.positive)) == set(best)
    assert labels.trainable


def test_pseudo_labels_for_cut_terms_rank_by_terms_passed():
    # every point excluded by a cut (ln L at the floor): rank by the number of terms passed
    loglike = np.full(6, FLOOR)
    rank = np.array([0, 2, 1, 3, 0, 2])
    labels = lab.training_labels(loglike, np.ones(6, bool), target="constraints",
                                 threshold=4.0, floor=FLOOR, min_positive=2, rank=rank)
    assert np.flatnonzero(labels.positive).tolist() == [1, 3]


def test_term_labels_one_column_per_term():
    terms = {"a": np.array([0.0, -1.0, -3.0, np.nan]), "b": np.array([-5.0, 0.0, np.nan, 0.0])}
    got = lab.term_labels(terms, threshold=4.0)
    # a: Delta chi^2 0, 2, 6, not computed; b: 10, 0, not computed, 0
    assert got.tolist() == [[True, False], [True, True], [False, False], [False, True]]


def test_balanced_weights_give_both_classes_the_same_weight():
    positive = np.array([True] + [False] * 9)
    w = lab.balanced_weights(positive)
    assert w[positive].sum() == pytest.approx(w[~positive].sum())
    assert w.mean() == pytest.approx(1.0)
    assert (lab.balanced_weights(np.zeros(4, bool)) == 1).all()


def test_reflect_keeps_points_in_the_unit_cube():
    x = np.array([-0.2, 1.3, 2.5, -1.7, 0.4])
    assert np.allclose(cand.reflect(x), [0.2, 0.7, 0.5, 0.3, 0.4])


def test_local_density_bandwidth_and_weights():
    # a tight cluster of 20 points and one far point: the lone point gets the wider kernel
    # and, since it stands for a larger part of the region, the largest weight
    rng = np.random.default_rng(2)
    cluster = 0.3 + 0.01 * rng.standard_normal((20, 3))
    points = np.vstack([cluster, [[0.8, 0.8, 0.8]]])
    density = cand.LocalDensity.around(points, neighbours=3)
    assert density.bandwidth[-1] > 10 * np.median(density.bandwidth[:-1])
    # weight ~ bandwidth^3, capped at 10 x the median weight
    assert density.weight[-1] == pytest.approx(density.weight.max())
    assert density.weight[-1] > 5 * np.median(density.weight)
    assert density.weight.sum() == pytest.approx(1.0)
    draws = density.sample(rng, 5000)
    assert draws.min() >= 0 and draws.max() <= 1
    near_cluster = np.linalg.norm(draws - 0.3, axis=1) < 0.1
    assert 0.3 < near_cluster.mean() < 0.95   # both centres are used


def test_propose_mixes_prior_and_density():
    rng = np.random.default_rng(3)
    density = cand.LocalDensity.around(np.full((5, 2), 0.5) + 1e-3 * np.arange(5)[:, None])
    points, kind = cand.propose(rng, 1000, 2, density, prior_fraction=0.25)
    assert points.shape == (1000, 2)
    assert (kind == cand.PRIOR).sum() == 250 and (kind == cand.DENSITY).sum() == 750
    _, kind = cand.propose(rng, 10, 2, None, prior_fraction=0.25)
    assert (kind == cand.PRIOR).all()


def test_select_diverse_spreads_the_batch():
    # 100 candidates piled on one spot with the best score, 3 far apart with lower scores:
    # a batch of 4 takes one from the pile and the 3 others
    rng = np.random.default_rng(4)
    pile = 0.5 + 1e-4 * rng.standard_normal((100, 2))
    far = np.array([[0.1, 0.1], [0.9, 0.1], [0.1, 0.9]])
    points = np.vstack([pile, far])
    score = np.concatenate([np.full(100, 1.0), np.full(3, 0.5)])
    chosen = cand.select_diverse(points, score, 4, radius=0.1)
    assert sorted(chosen[1:]) == [100, 101, 102] and chosen[0] < 100
    # without diversity (a tiny radius) the pile wins
    chosen = cand.select_diverse(points, score, 4, radius=1e-9)
    assert (chosen < 100).all()
    # an evaluated point next to the far corner pushes that candidate last
    chosen = cand.select_diverse(points, score, 3, radius=0.1, evaluated=far[:1])
    assert 100 not in chosen


def test_spacing_is_the_median_nearest_neighbour_distance():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [0.5, 0.0], [0.8, 0.0]])
    # nearest distances 0.1, 0.1, 0.3, 0.3: median 0.2
    assert cand.spacing(points, largest=1.0) == pytest.approx(0.2)
    assert cand.spacing(points[:1], largest=0.7) == 0.7
