"""Choosing a batch among screened candidates: calibrated probabilities and spread.

- `Calibration`: the committee's score (predicted distance to the target minus the
  uncertainty weight times the members' spread, lower is better) turned into the
  probability of being in target, by an isotonic (monotone) fit to the out-of-bag scores
  of the evaluated points and their true labels. It needs no assumption about the
  committee's errors and is honest where the points are; far from them it is optimistic
  by the spread term, which is what sends the scan to explore.
- `farthest_points`: a greedy batch that maximises weight x distance^power, the distance
  to the nearest point already found or chosen. With weight = P^2 and power 1 it chooses
  candidates that are likely in target *and* add the most to the region already mapped,
  so coverage comes from good candidates, not from unscreened exploration; with weight 1
  it is farthest-point sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree


@dataclass
class Calibration:
    """A monotone map from score (lower is better) to the probability of being in target,
    piecewise linear through the points (``score``, ``probability``)."""

    score: np.ndarray
    probability: np.ndarray

    @classmethod
    def fit(cls, score: np.ndarray, in_target: np.ndarray) -> Calibration:
        """Isotonic (non-increasing) fit of the labels on the scores."""
        from sklearn.isotonic import IsotonicRegression

        score = np.asarray(score, dtype=float)
        in_target = np.asarray(in_target, dtype=float)
        if len(score) == 0:
            raise ValueError("a calibration needs at least one point")
        fit = IsotonicRegression(increasing=False, out_of_bounds="clip").fit(score, in_target)
        return cls(np.asarray(fit.X_thresholds_, float), np.asarray(fit.y_thresholds_, float))

    def __call__(self, score: np.ndarray) -> np.ndarray:
        return np.interp(score, self.score, self.probability)

    def to_dict(self) -> dict[str, list[float]]:
        return {"score": self.score.tolist(), "probability": self.probability.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, list[float]]) -> Calibration:
        return cls(np.asarray(data["score"], float), np.asarray(data["probability"], float))


def farthest_points(points: np.ndarray, k: int, known: np.ndarray | None = None,
                    weight: np.ndarray | None = None, power: float = 1.0) -> np.ndarray:
    """Indices of ``k`` of ``points`` chosen greedily, each maximising
    ``weight * d**power``, d the distance to the nearest ``known`` point or point chosen
    before it (infinite while there is none: then the largest weight goes first)."""
    points = np.asarray(points, dtype=float)
    k = min(k, len(points))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    weight = np.ones(len(points)) if weight is None else np.asarray(weight, dtype=float)
    if known is not None and len(known):
        d = cKDTree(np.asarray(known, dtype=float)).query(points)[0]
    else:
        d = np.full(len(points), np.inf)
    chosen = np.empty(k, dtype=np.int64)
    for j in range(k):
        gain = weight * d**power if np.isfinite(d).all() else np.where(np.isinf(d), weight,
                                                                        -np.inf)
        gain[chosen[:j]] = -np.inf
        i = int(np.argmax(gain))
        chosen[j] = i
        d = np.minimum(d, np.linalg.norm(points - points[i], axis=1))
    return chosen


def new_cells(cells: np.ndarray, probability: np.ndarray, k: int,
              occupied: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Indices of ``k`` candidates chosen greedily for the map cells they add: candidate
    i occupies the cells ``cells[i]`` (one per plane of two parameters,
    `fit.ml.coverage.plane_cells`) if it is in target, with ``probability[i]``; a cell
    counts if no ``occupied`` cell and no candidate chosen before occupies it (chosen ones
    count in expectation: each leaves a cell free with 1 - P). The gain of a candidate is
    P^power x its expected new cells: with power 1 the expected new cells, which is
    submodular, so the greedy choice gets at least 1 - 1/e of the best batch's (Nemhauser,
    Wolsey and Fisher, Math. Program. 14 (1978) 265); a larger power weighs a likely hit
    more against a long shot at many cells (the probabilities of remote candidates are
    extrapolations). Ties (nothing left to add) go to the likeliest hit."""
    k = min(k, len(cells))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    ids, index = np.unique(cells, return_inverse=True)
    index = index.reshape(cells.shape)
    free = np.where(np.isin(ids, occupied), 0.0, 1.0)
    probability = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
    weight = probability**power
    gain = weight * free[index].sum(axis=1)
    # the gains only shrink: the choice is made among the best 20 k by the first gain
    keep = np.argsort(-gain, kind="stable")[:20 * k]
    index, probability, weight = index[keep], probability[keep], weight[keep]
    chosen = np.empty(k, dtype=np.int64)
    taken = np.zeros(len(keep), dtype=bool)
    for j in range(k):
        gain = weight * free[index].sum(axis=1) + 1e-9 * probability
        gain[taken] = -np.inf
        i = int(np.argmax(gain))
        chosen[j], taken[i] = i, True
        free[index[i]] *= 1.0 - probability[i]
    return keep[chosen]
