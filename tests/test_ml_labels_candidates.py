"""Targets, labels and pseudo-labels, training-set balance, candidate pools, calibration and
batch selection of the ML-steered scan (fit.ml.labels, fit.ml.candidates, fit.ml.selection,
the training rows of fit.samplers.ml_scan).

Expected values: the Delta chi^2 thresholds are chi^2 quantiles (Wilks; 2 sigma for one
parameter is 4.0 exactly, for two 6.18, tabulated in the PDG statistics review, table
40.2); the distances are ln(1 + Delta chi^2 / threshold) worked out by hand from the
inputs given here; the rest is counted by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fit.ml import candidates as cand
from fit.ml import labels as lab
from fit.ml.selection import Calibration, farthest_points, new_cells
from fit.samplers.ml_scan import MIN_SHARE, _draw, _shares, _spread, _training_rows

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


def test_distance_orders_points_and_marks_the_target():
    loglike = np.array([0.0, -2.0, -6.0, -1e6, FLOOR, -0.5])
    valid = np.array([True, True, True, True, True, False])
    y = lab.distance(loglike, valid, target="delta_chi2", threshold=4.0, floor=FLOOR)
    # Delta chi^2 = 0, 4, 12, 2e6 (beyond the cap of 4e4), floor, invalid
    assert y[:3] == pytest.approx([0.0, math.log(2.0), math.log(4.0)])
    assert y[3] == y[4] == y[5] == pytest.approx(math.log1p(lab.CAP))
    assert ((y <= lab.LEVEL) == lab.in_target(loglike, valid, target="delta_chi2",
                                              threshold=4.0, floor=FLOOR)).all()
    # hard cuts: in target 0, otherwise ln(3 + terms failed)
    y = lab.distance(loglike, valid, target="constraints", threshold=4.0, floor=FLOOR,
                     failed=np.array([0, 0, 0, 0, 2, 1]))
    assert y.tolist() == pytest.approx([0, 0, 0, 0, math.log(5), math.log(4)])


def test_a_best_fit_known_beforehand_sets_the_region():
    loglike = np.array([0.0, -1.0, -3.0])
    valid = np.ones(3, bool)
    # known best ln L = 1 (better than the points): Delta chi^2 = 2, 4, 8
    y = lab.distance(loglike, valid, target="delta_chi2", threshold=4.0, floor=FLOOR,
                     best=1.0)
    assert y == pytest.approx([math.log(1.5), math.log(2.0), math.log(3.0)])
    got = lab.in_target(loglike, valid, target="delta_chi2", threshold=4.0, floor=FLOOR,
                        best=1.0)
    assert got.tolist() == [True, True, False]
    # a worse known value changes nothing: the best point found is the reference
    assert lab.in_target(loglike, valid, target="delta_chi2", threshold=4.0, floor=FLOOR,
                         best=-2.0).tolist() == [True, True, False]


def test_exploiting_draws_follow_the_weights():
    rng = np.random.default_rng(3)
    weight = np.r_[np.zeros(500), np.ones(400), np.full(100, 4.0)]
    got = _draw(rng, weight, 200)
    assert len(set(got.tolist())) == 200            # distinct
    assert (got >= 500).all()                       # never a weight-0 candidate
    # expected share of the heavy ones: 4 x 100 / (400 + 4 x 100) = 0.5 for the first
    # draw, less as they are used up (without replacement); counted over the draws
    heavy = (got >= 900).mean()
    assert 0.35 < heavy < 0.6
    assert len(_draw(rng, weight, 0)) == 0


def test_spread_avoids_the_points_already_taken():
    points = np.array([[0.0, 0.0], [0.01, 0.0], [1.0, 1.0], [0.5, 0.5]])
    found = np.zeros((0, 2))
    # point 0 taken: the next goes farthest from it (2), never 0 itself nor its twin first
    got = _spread(points, 2, found, np.array([0]), np.ones(4), 1.0)
    assert got.tolist() == [2, 3]
    assert len(_spread(points, 0, found, np.array([0]), np.ones(4), 1.0)) == 0


def test_shares_follow_what_each_added_to_the_map():
    found = np.full((1, 3), 0.05)                 # cells (0, 0) of the 3 planes occupied
    cube = np.array([[0.05, 0.05, 0.05], [0.95, 0.95, 0.95], [0.55, 0.55, 0.55],
                     [0.05, 0.05, 0.05]])
    exploited = np.array([True, True, False, False])
    steered = np.ones(4, bool)
    # both shares hit with one new point each (3 new cells = 1 per plane): even
    hits = np.array([False, True, True, False])
    assert _shares(found, cube, hits, exploited, steered) == pytest.approx(0.5)
    # the exploiting share adds 1 per plane ((1 + 1) / (2 + 2)), the other only hits an
    # occupied cell ((0 + 1) / (2 + 2)): 0.5 / (0.5 + 0.25) = 2/3
    hits = np.array([False, True, False, True])
    assert _shares(found, cube, hits, exploited, steered) == pytest.approx(2 / 3)
    # never below MIN_SHARE: 100 exploited points adding nothing, 2 others adding a lot
    many = np.full((102, 3), 0.05)
    many[100:] = [[0.95, 0.95, 0.95], [0.55, 0.55, 0.55]]
    share = _shares(found, many, np.ones(102, bool), np.arange(102) < 100,
                    np.ones(102, bool))
    assert share == pytest.approx(MIN_SHARE)


def test_no_pseudo_labels_with_enough_hits():
    y = np.array([0.0, 0.1, 0.5, 2.0, 3.0])
    got = lab.labels(y, min_positive=3)
    assert not got.pseudo and got.enough
    assert got.positive.tolist() == got.in_target.tolist() == [True, True, True, False, False]


def test_pseudo_labels_take_the_best_quantile_when_nothing_is_in_target():
    rng = np.random.default_rng(1)
    y = rng.uniform(2.0, 8.0, 200)         # nothing within ln 2
    y[7] = lab.FAR                         # an invalid point is never a pseudo-positive
    got = lab.labels(y, min_positive=5, pseudo_fraction=0.1)
    assert got.pseudo and not got.in_target.any()
    # 10% of 200: the 20 smallest distances
    assert set(np.flatnonzero(got.positive)) == set(np.argsort(y)[:20])
    assert not got.positive[7]
    # fewer points than min_positive: all ordered points
    got = lab.labels(np.array([3.0, lab.FAR, 2.0]), min_positive=5)
    assert got.positive.tolist() == [True, False, True]


def test_term_distances_one_column_per_term():
    terms = {"a": np.array([0.0, -2.0, -6.0, np.nan]), "b": np.array([-2.0, 0.0, np.nan, 0.0])}
    got = lab.term_distances(terms, threshold=4.0)
    far = math.log1p(lab.CAP)
    # a: Delta chi^2 0, 4, 12, not computed; b: 4, 0, not computed, 0
    assert np.allclose(got, [[0, math.log(2)], [math.log(2), 0], [math.log(4), far],
                             [far, 0]])


def test_training_rows_keep_the_nearest_half_and_sample_the_rest():
    y = np.arange(100.0)[::-1] / 10       # point 99 is the nearest
    labels = lab.labels(y, min_positive=1)
    rows = _training_rows(labels, np.random.default_rng(0), max_training=20)
    assert len(rows) == len(set(rows)) == 20
    assert set(range(90, 100)) <= set(rows)   # the ten nearest all kept
    assert (_training_rows(labels, np.random.default_rng(0), 200) == np.arange(100)).all()


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


def test_refine_draws_around_the_best_point_of_its_own_mode():
    # two clusters (modes) in 3-D, 40 points each, y = the squared distance to the nearer
    # centre; the best point is the one nearest 0.3: the draws centre on it (not on the
    # midpoint of the modes, where the moments of the best points of both would put them)
    rng = np.random.default_rng(5)
    a = 0.3 + 0.02 * rng.standard_normal((40, 3))
    b = 0.7 + 0.02 * rng.standard_normal((40, 3))
    points = np.vstack([a, b])
    y = np.minimum(((points - 0.3) ** 2).sum(1), ((points - 0.7) ** 2).sum(1))
    y[:40] *= 0.5                      # mode a is the better one
    best = points[np.argmin(y)]
    draws = cand.refine(rng, points, y, 2000)
    assert draws.shape == (2000, 3)
    assert np.allclose(draws.mean(axis=0), best, atol=0.005)
    assert (np.linalg.norm(draws - 0.7, axis=1) < 0.1).mean() < 0.01
    # the elite (of the 13 points nearest the best, itself included, the 7 best) sets the
    # width: about the rms distance of the nearest points to the best (~0.02 sqrt(2) per
    # coordinate), far below the modes' separation
    assert 0.005 < draws.std(axis=0).mean() < 0.05
    # better points nearer the best: the draws contract
    tight = np.vstack([points, best + 0.002 * rng.standard_normal((12, 3))])
    better = np.r_[y, np.full(12, y.min() + 1e-6)]
    assert cand.refine(rng, tight, better, 2000).std(axis=0).mean() < \
        0.3 * draws.std(axis=0).mean()
    assert cand.refine(rng, points, y, 0).shape == (0, 3)


def test_calibration_is_monotone_and_matches_the_hit_fraction():
    # scores 0..9; points with score < 5 hit 3 times in 4, the others never
    score = np.repeat(np.arange(10.0), 4)
    hit = np.tile([True, True, True, False], 10) & (score < 5)
    calibration = Calibration.fit(score, hit)
    assert calibration(np.array([0.0, 4.0])) == pytest.approx([0.75, 0.75])
    assert calibration(np.array([5.0, 9.0, 100.0])) == pytest.approx([0, 0, 0])
    assert calibration(np.array([-50.0])) == pytest.approx([0.75])   # clipped at the ends
    assert np.all(np.diff(calibration(np.linspace(-1, 10, 50))) <= 0)
    again = Calibration.from_dict(calibration.to_dict())
    assert (again(score) == calibration(score)).all()


def test_farthest_points_spread_and_weigh():
    # 100 candidates piled on one spot and 3 far apart
    rng = np.random.default_rng(4)
    pile = 0.5 + 1e-4 * rng.standard_normal((100, 2))
    far = np.array([[0.1, 0.1], [0.9, 0.1], [0.1, 0.9]])
    points = np.vstack([pile, far])
    # farthest-point sampling: the first of the largest weights (all 1), then the far three
    chosen = farthest_points(points, 4)
    assert chosen[0] == 0 and sorted(chosen[1:].tolist()) == [100, 101, 102]
    # a known point at the first far corner pushes that candidate out of a batch of 3
    assert 100 not in farthest_points(points, 3, known=far[:1])
    # weight 0.01 on the far ones and power 0 (no spread): the pile wins
    weight = np.concatenate([np.ones(100), np.full(3, 0.01)])
    assert (farthest_points(points, 4, weight=weight, power=0) < 100).all()
    # power 1: after the first pile point, a far candidate (distance 0.57, weight 0.01:
    # gain 0.0057) beats the pile (distance ~1e-4, weight 1)
    chosen = farthest_points(points, 4, weight=weight, power=1)
    assert chosen[0] == 0 and sorted(chosen[1:].tolist()) == [100, 101, 102]
    assert len(farthest_points(points, 0)) == 0


def test_new_cells_go_to_the_likeliest_new_map_cells_first():
    # one plane (two parameters), cells counted by hand on the 10 x 10 grid: candidate 0
    # in an occupied cell, 1 and 2 in the same new cell, 3 and 4 in two other new cells
    cells = np.array([[0], [55], [55], [77], [99]])
    occupied = np.array([0])
    p = np.array([1.0, 0.9, 1.0, 0.5, 0.4])
    # gains: 0, 0.9, 1.0, 0.5, 0.4: 2 first; then 1's cell is taken (gain 0.9 x 0):
    # 3 (0.5), then 4 (0.4)
    assert new_cells(cells, p, 3, occupied).tolist() == [2, 3, 4]
    # a cell chosen with P = 0.9 stays free with 0.1: a second candidate there, P 0.5,
    # gains 0.05 and goes after one with P 0.4 in a cell of its own
    cells = np.array([[11], [11], [22]])
    assert new_cells(cells, np.array([0.5, 0.9, 0.4]), 3, np.zeros(0)).tolist() == [1, 2, 0]
    # nothing new anywhere: the likeliest hits
    got = new_cells(np.array([[0], [0], [0]]), np.array([0.2, 0.7, 0.5]), 2, occupied)
    assert got.tolist() == [1, 2]
    assert len(new_cells(cells, np.ones(3), 0, occupied)) == 0
    # ten planes: a long shot (P 0.1) at ten new cells against a likely hit (P 0.5) at one
    # (its other cells occupied): expected cells 1.0 against 0.5, but P^2 x cells 0.1
    # against 0.25
    cells = np.array([np.arange(1, 11), [11] + [0] * 9])
    assert new_cells(cells, np.array([0.1, 0.5]), 1, occupied).tolist() == [0]
    assert new_cells(cells, np.array([0.1, 0.5]), 1, occupied, power=2).tolist() == [1]
