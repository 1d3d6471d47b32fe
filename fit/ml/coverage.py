"""How much of a region a scan has mapped: the cells of a grid on every plane of two
parameters that the scan's in-region points occupy, and how their number grows with the
evaluations.

Scans of one likelihood are compared on a common reference map, the union of the cells
that any of them reached (`reference_cells`); a scan's coverage after n evaluations is the
fraction of the reference cells that its in-region points among its first n evaluations
occupy (`Discovery.coverage`). Coordinates are those of the prior's unit cube, so the grid
is equal in each parameter's prior measure (equal bins of a uniform prior's range).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np


def plane_cells(cube: np.ndarray, bins: int = 10) -> np.ndarray:
    """The cell of each point in each plane of two coordinates: shape (n, ndim (ndim-1)/2),
    ids unique over all planes (plane p, bins i, j: p bins^2 + i bins + j)."""
    cube = np.atleast_2d(np.asarray(cube, dtype=float))
    index = np.clip(np.floor(cube * bins).astype(np.int64), 0, bins - 1)
    pairs = np.array(list(itertools.combinations(range(cube.shape[1]), 2)), dtype=np.int64)
    if not len(pairs):
        return np.zeros((len(cube), 0), np.int64)
    plane = np.arange(len(pairs), dtype=np.int64) * bins * bins
    return plane + index[:, pairs[:, 0]] * bins + index[:, pairs[:, 1]]


@dataclass
class Discovery:
    """The cells a scan's in-region points occupy, and when each was first occupied."""

    cells: np.ndarray    #: sorted unique cell ids
    first: np.ndarray    #: evaluations (counted from 1, in the scan's order) to the first

    def coverage(self, reference: np.ndarray, evaluations: int | None = None) -> float:
        """Fraction of the ``reference`` cells occupied within the first ``evaluations``
        (all when None)."""
        if not len(reference):
            return math.nan
        hit = np.isin(self.cells, reference)
        if evaluations is not None:
            hit &= self.first <= evaluations
        return float(hit.sum()) / len(reference)

    def evaluations_to(self, reference: np.ndarray, fraction: float) -> int | None:
        """Evaluations after which ``fraction`` of the ``reference`` cells are occupied,
        or None if the scan never got there."""
        needed = math.ceil(fraction * len(reference) - 1e-9)
        if needed <= 0:
            return 0
        first = np.sort(self.first[np.isin(self.cells, reference)])
        return int(first[needed - 1]) if needed <= len(first) else None


def discover(cube: np.ndarray, inside: np.ndarray, bins: int = 10) -> Discovery:
    """The `Discovery` of the points ``cube`` (unit cube, in the order evaluated) of which
    ``inside`` are in the region."""
    inside = np.asarray(inside, dtype=bool)
    order = np.flatnonzero(inside)
    cells = plane_cells(np.asarray(cube)[order], bins)
    when = np.broadcast_to((order + 1)[:, None], cells.shape)
    unique, at = np.unique(cells.ravel(), return_index=True)  # first in row-major order
    return Discovery(unique, when.ravel()[at])


def reference_cells(*discoveries: Discovery) -> np.ndarray:
    """The union of the cells of several scans: the reference map."""
    return functools.reduce(np.union1d, (d.cells for d in discoveries),
                            np.zeros(0, np.int64))
