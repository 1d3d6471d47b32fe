"""Training labels for the classifier-steered scan, from the likelihood of evaluated points.

A point is *in target* when it is valid and either

- ``delta_chi2``: its chi^2 = -2 ln L lies within ``threshold`` of the best point so far
  (by default the 2 sigma region for the number of sampled parameters, Wilks), or
- ``constraints``: every likelihood term was computed and none excluded it (ln L above
  the invalid floor): for run files whose terms are hard cuts.

When fewer than ``min_positive`` points are in target (a thin region, or a first batch
with no hit), the classifier would learn nothing; the best ``pseudo_fraction`` of the
valid points by ln L are then labelled positive too (*pseudo-labels*), so the next
round is steered uphill, as the elite set of the cross-entropy method is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Gaussian two-sided 2 sigma probability content
TWO_SIGMA = float(stats.chi2.cdf(4.0, 1))
TARGETS = ("delta_chi2", "constraints")


def delta_chi2_threshold(ndof: int, confidence: float = TWO_SIGMA) -> float:
    """The Delta chi^2 that bounds a ``confidence`` region for ``ndof`` parameters (Wilks)."""
    if ndof < 1 or not 0.0 < confidence < 1.0:
        raise ValueError(f"need ndof >= 1 and 0 < confidence < 1, got {ndof}, {confidence}")
    return float(stats.chi2.ppf(confidence, ndof))


def in_target(loglike: np.ndarray, valid: np.ndarray, *, target: str, threshold: float,
              floor: float) -> np.ndarray:
    """Boolean mask of the in-target points (see the module docstring)."""
    loglike = np.asarray(loglike, dtype=float)
    usable = np.asarray(valid, dtype=bool) & np.isfinite(loglike) & (loglike > floor)
    if target == "constraints":
        return usable
    if target != "delta_chi2":
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if not usable.any():
        return usable
    best = loglike[usable].max()
    return usable & (2.0 * (best - loglike) <= threshold)


@dataclass
class Labels:
    """Training labels of all evaluated points."""

    positive: np.ndarray      # (n,) bool: label used for training
    in_target: np.ndarray     # (n,) bool: truly in target
    pseudo: bool              # whether pseudo-labels were added

    @property
    def trainable(self) -> bool:
        """Both classes present: a classifier can be trained."""
        n = int(self.positive.sum())
        return 0 < n < len(self.positive)


def training_labels(loglike: np.ndarray, valid: np.ndarray, *, target: str, threshold: float,
                    floor: float, min_positive: int = 20, pseudo_fraction: float = 0.1,
                    rank: np.ndarray | None = None) -> Labels:
    """Labels for the next training round: the in-target points, plus pseudo-labels from
    the best ``pseudo_fraction`` of the valid points while fewer than ``min_positive`` are
    in target. ``rank`` (optional, higher is better) orders points whose ln L is the floor,
    e.g. by how many cut terms they passed; by default ln L alone ranks them."""
    loglike = np.asarray(loglike, dtype=float)
    valid = np.asarray(valid, dtype=bool)
    good = in_target(loglike, valid, target=target, threshold=threshold, floor=floor)
    if good.sum() >= min_positive:
        return Labels(good.copy(), good, False)
    usable = valid & np.isfinite(loglike)
    if rank is None:
        usable &= loglike > floor   # points at the floor cannot be ordered
    candidates = np.flatnonzero(usable)
    k = min(len(candidates), max(min_positive, math.ceil(pseudo_fraction * len(candidates))))
    positive = good.copy()
    if k:
        secondary = np.zeros(len(loglike)) if rank is None else np.asarray(rank, dtype=float)
        # best first: ln L, then (among points at the floor) the rank
        order = np.lexsort((-secondary[candidates], -loglike[candidates]))
        positive[candidates[order[:k]]] = True
    return Labels(positive, good, True)


def term_labels(terms: dict[str, np.ndarray], threshold: float) -> np.ndarray:
    """One column per likelihood term: the point passed that term, i.e. the term was
    computed, is finite and lies within ``threshold`` (in Delta chi^2, one degree of
    freedom) of that term's best value. A term that was not computed (the point had already
    failed another one) counts as not passed. Shape (n, n_terms), bool."""
    columns = []
    for values in terms.values():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        best = values[finite].max() if finite.any() else 0.0
        columns.append(finite & (2.0 * (best - np.where(finite, values, best)) <= threshold))
    return np.column_stack(columns) if columns else np.zeros((0, 0), dtype=bool)


def balanced_weights(positive: np.ndarray) -> np.ndarray:
    """Sample weights that give both classes the same total weight (mean weight 1)."""
    positive = np.asarray(positive, dtype=bool)
    n, n_pos = len(positive), int(positive.sum())
    if n_pos in (0, n):
        return np.ones(n)
    return np.where(positive, n / (2.0 * n_pos), n / (2.0 * (n - n_pos)))
