"""Candidate points for the ML-steered scan: the prior and an adaptive density.

All coordinates are in the unit cube of the sampled parameters (the framework applies
the priors), so "from the prior" means uniform in the cube.

- `LocalDensity`: an adaptive Gaussian mixture around the good points. Each centre gets a
  bandwidth from the distance to its k-th nearest good neighbour (wide where good points
  are sparse, narrow where they crowd) and a weight that grows with that distance, so the
  mixture spreads its draws over the region found so far instead of piling them where
  most points already are (the seed loop's VEGAS map, adapted to the accepted points,
  bunches on one patch).
- `propose`: a pool mixing prior draws and mixture draws.
- `refine`: draws around the best point, contracting as better points are found, so the
  best point converges to the maximum (which sets the region's Delta chi^2).

The batch is chosen among them by `fit.ml.selection`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

PRIOR, DENSITY, EXPLORE, INITIAL, REFINE = 0, 1, 2, 3, 4
#: names of the proposal kinds, as written to the run file (column ``sampler/proposal``)
PROPOSALS = {PRIOR: "prior", DENSITY: "density", EXPLORE: "explore", INITIAL: "initial",
             REFINE: "refine"}
#: `refine` takes the second moments of this many best points per parameter
ELITE_PER_DIM = 2
#: spread of the kernel widths: each draw takes one of these multiples of its bandwidth
SCALES = (0.1, 0.3, 1.0)


def reflect(points: np.ndarray) -> np.ndarray:
    """Mirror coordinates that left the unit cube back into it (repeatedly, for wide kernels)."""
    points = np.mod(points, 2.0)
    return np.where(points > 1.0, 2.0 - points, points)


@dataclass
class LocalDensity:
    """Isotropic Gaussian kernels at ``centres`` with per-centre ``bandwidth`` and ``weight``."""

    centres: np.ndarray     # (m, ndim)
    bandwidth: np.ndarray   # (m,) standard deviation per coordinate
    weight: np.ndarray      # (m,) sums to 1

    @classmethod
    def around(cls, points: np.ndarray, *, neighbours: int = 5, smallest: float = 1e-3,
               largest: float = 0.25, max_weight_ratio: float = 10.0) -> LocalDensity:
        """The mixture around ``points`` (unit cube). Bandwidth: the distance to the k-th
        nearest other point over sqrt(ndim) (a kernel's typical step is then that
        distance), clipped to [smallest, largest]. Weight proportional to bandwidth^ndim
        (each centre's share of the region, so the draws spread evenly over it), capped at
        ``max_weight_ratio`` times the median weight."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        m, ndim = points.shape
        if m == 0:
            raise ValueError("a local density needs at least one centre")
        if m == 1:
            distance = np.full(1, largest * np.sqrt(ndim))
        else:
            k = min(neighbours, m - 1)
            distance = cKDTree(points).query(points, k=k + 1)[0][:, -1]
        bandwidth = np.clip(distance / np.sqrt(ndim), smallest, largest)
        log_weight = ndim * np.log(bandwidth / np.median(bandwidth))
        weight = np.exp(np.minimum(log_weight, np.log(max_weight_ratio)))
        return cls(points, bandwidth, weight / weight.sum())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws, reflected into the unit cube."""
        which = rng.choice(len(self.centres), size=n, p=self.weight)
        scale = rng.choice(SCALES, size=n)
        step = rng.standard_normal((n, self.centres.shape[1]))
        return reflect(self.centres[which] + (scale * self.bandwidth[which])[:, None] * step)


def propose(rng: np.random.Generator, n: int, ndim: int, density: LocalDensity | None,
            prior_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """A pool of ``n`` candidates: ``prior_fraction`` uniform in the cube, the rest from the
    density (all uniform without one). Returns the points and their proposal kind."""
    n_prior = n if density is None else round(prior_fraction * n)
    points = [rng.random((n_prior, ndim))]
    kind = [np.full(n_prior, PRIOR, dtype=np.int8)]
    if n - n_prior > 0:
        points.append(density.sample(rng, n - n_prior))
        kind.append(np.full(n - n_prior, DENSITY, dtype=np.int8))
    return np.concatenate(points), np.concatenate(kind)


def refine(rng: np.random.Generator, points: np.ndarray, y: np.ndarray, n: int
           ) -> np.ndarray:
    """``n`` draws around the best of ``points`` (unit cube; lowest distance ``y``): a
    Gaussian centred on it with the second moments about it of its elite, reflected into
    the cube. The elite: of the 2 `ELITE_PER_DIM` ndim + 1 points nearest the best (itself
    included), the better half by ``y`` (`ELITE_PER_DIM` ndim + 1). This is the
    cross-entropy method's update (Rubinstein, Methodol. Comput. Appl. Probab. 1 (1999)
    127), centred on the best point and local:
    as better points join the elite the Gaussian contracts, so the best point converges to
    the maximum, where a fill of the region approaches it only as fast as the region fills
    (in-target points by Delta chi^2 are counted from the best point: one below the
    maximum makes the region too large). Local, because the best points of a region with
    several modes, or of a thin one, lie far apart: their moments would span the gaps."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    ndim = points.shape[1]
    if n <= 0 or not len(points):
        return np.zeros((0, ndim))
    y = np.asarray(y, dtype=float)
    best = points[np.argmin(y)]
    size = ELITE_PER_DIM * ndim
    near = cKDTree(points).query(best, k=min(2 * size + 1, len(points)))[1]
    near = np.atleast_1d(near)
    elite = points[near[np.argsort(y[near], kind="stable")[:size + 1]]] - best
    moments = elite.T @ elite / max(len(elite) - 1, 1) + 1e-12 * np.eye(ndim)
    return reflect(rng.multivariate_normal(best, moments, size=n, method="eigh"))
