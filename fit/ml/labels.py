"""What the ML-steered scan learns, from the likelihood of the evaluated points.

A point is *in target* when it is valid and either

- ``delta_chi2``: its chi^2 = -2 ln L lies within ``threshold`` of the best point so far
  (by default the 2 sigma region for the number of sampled parameters, Wilks), or
- ``constraints``: every likelihood term was computed and none excluded it (ln L above
  the invalid floor): for run files whose terms are hard cuts.

The surrogate does not learn this yes/no label but a continuous *distance to the target*
(`Labels.y`), which says how far outside a point is: near a thin region a label carries
one bit per point, the distance much more, and it orders the points even before the
first hit. ``delta_chi2``: y = ln(1 + Delta chi^2 / threshold), so y <= ln 2 is in target
and the far points, at Delta chi^2 of 1e4 and more, do not dominate the fit; beyond
``CAP`` thresholds (and for invalid points) y is constant. ``constraints``: y = 0 in target,
else ln(3 + the number of terms that failed), so the fewer cuts a point fails, the nearer.

While fewer than ``min_positive`` points are in target (a thin region, or a first batch
with no hit) the best ``pseudo_fraction`` of the points by y are marked positive too
(*pseudo-labels*): the adaptive density is centred on them, so the scan climbs toward the
region even when it has not seen it, as the elite set of the cross-entropy method does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Gaussian two-sided 2 sigma probability content
TWO_SIGMA = float(stats.chi2.cdf(4.0, 1))
TARGETS = ("delta_chi2", "constraints")
#: y at or below this level is in target (both kinds of target)
LEVEL = math.log(2.0)
#: Delta chi^2 beyond CAP thresholds is learnt as CAP thresholds
CAP = 1e4
FAR = math.log1p(CAP)


def delta_chi2_threshold(ndof: int, confidence: float = TWO_SIGMA) -> float:
    """The Delta chi^2 that bounds a ``confidence`` region for ``ndof`` parameters (Wilks)."""
    if ndof < 1 or not 0.0 < confidence < 1.0:
        raise ValueError(f"need ndof >= 1 and 0 < confidence < 1, got {ndof}, {confidence}")
    return float(stats.chi2.ppf(confidence, ndof))


def _usable(loglike: np.ndarray, valid: np.ndarray, floor: float) -> np.ndarray:
    return np.asarray(valid, dtype=bool) & np.isfinite(loglike) & (loglike > floor)


def in_target(loglike: np.ndarray, valid: np.ndarray, *, target: str, threshold: float,
              floor: float, best: float | None = None) -> np.ndarray:
    """Boolean mask of the in-target points (see the module docstring)."""
    loglike = np.asarray(loglike, dtype=float)
    usable = _usable(loglike, valid, floor)
    if target == "constraints":
        return usable
    if target != "delta_chi2":
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if not usable.any():
        return usable
    return usable & (2.0 * (_best(loglike[usable], best) - loglike) <= threshold)


def _best(loglike: np.ndarray, best: float | None) -> float:
    """The best ln L: the points' largest, or ``best`` (known beforehand) if larger."""
    return float(loglike.max() if best is None else max(loglike.max(), best))


def distance(loglike: np.ndarray, valid: np.ndarray, *, target: str, threshold: float,
             floor: float, failed: np.ndarray | None = None, best: float | None = None
             ) -> np.ndarray:
    """The distance to the target y of every point (module docstring). ``failed``: the
    number of likelihood terms each point failed (``constraints`` only; default 0).
    ``best``: the best-fit ln L known beforehand (``delta_chi2`` only: Delta chi^2 is
    taken to it, or to the best point if that is better)."""
    loglike = np.asarray(loglike, dtype=float)
    usable = _usable(loglike, valid, floor)
    if target == "constraints":
        failed = np.zeros(len(loglike)) if failed is None else np.asarray(failed, float)
        return np.where(usable, 0.0, np.log(3.0 + failed))
    if target != "delta_chi2":
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if not usable.any():
        return np.full(len(loglike), FAR)
    delta = 2.0 * (_best(loglike[usable], best) - np.where(usable, loglike, -np.inf))
    return np.log1p(np.minimum(delta, CAP * threshold) / threshold)


def term_distances(terms: dict[str, np.ndarray], threshold: float) -> np.ndarray:
    """One distance column per likelihood term, as `distance` for Delta chi^2 of that term
    alone to its best value, with a one-parameter ``threshold``; a term that was not
    computed (the point had already failed another one) is far. Shape (n, n_terms)."""
    columns = []
    for values in terms.values():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        best = values[finite].max() if finite.any() else 0.0
        delta = np.where(finite, 2.0 * (best - np.where(finite, values, best)), np.inf)
        columns.append(np.log1p(np.minimum(delta, CAP * threshold) / threshold))
    return np.column_stack(columns) if columns else np.zeros((0, 0))


@dataclass
class Labels:
    """What one round knows about every evaluated point."""

    y: np.ndarray             # (n,) distance to the target (module docstring)
    in_target: np.ndarray     # (n,) bool
    positive: np.ndarray      # (n,) bool: in target, or a pseudo-label
    pseudo: bool              # whether pseudo-labels were added

    @property
    def enough(self) -> bool:
        """Enough points in target to learn the region itself (no pseudo-labels)."""
        return not self.pseudo


def labels(y: np.ndarray, *, min_positive: int = 20, pseudo_fraction: float = 0.1
           ) -> Labels:
    """In-target points (y <= `LEVEL`) and, while fewer than ``min_positive`` are, the best
    ``pseudo_fraction`` of the points by y (at least ``min_positive``) as pseudo-labels.
    Points at the far cap have no order and are never pseudo-labels."""
    y = np.asarray(y, dtype=float)
    good = y <= LEVEL
    if good.sum() >= min_positive:
        return Labels(y, good, good.copy(), False)
    ordered = np.flatnonzero(y < FAR)
    k = min(len(ordered), max(min_positive, math.ceil(pseudo_fraction * len(y))))
    positive = good.copy()
    positive[ordered[np.argsort(y[ordered], kind="stable")[:k]]] = True
    return Labels(y, good, positive, True)
