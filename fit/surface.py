"""A smooth 2D profile likelihood from its bins, without inventing what no point supports.

The binned profile (`fit.analysis.Profile2D`) knows Delta chi^2 at each filled bin's best
point: an exact point of the scan, where the true profile is at least as good. This module
interpolates between those points for smooth filled regions and contour lines, under two
rules that keep the figure honest:

1. Linear interpolation on triangles whose corners are the best points of three bins of
   one 2x2 block of adjacent bins. The best points form a structured mesh (each lies in
   its own bin, so the lines joining neighbours never cross): every 2x2 block of filled
   bins gives a quadrilateral, cut into two triangles along an inner diagonal; a block
   with one empty bin gives the triangle of the other three. A linear interpolant takes
   its extreme values at the corners, so a place is inside the region Delta chi^2 <=
   level only if a scanned point inside it lies in its bin or a neighbouring one; no
   triangle bridges an empty bin or a gap in the scan.
2. Places in a bin without any usable point get no value (NaN): a hole in the scan, an
   invalid region or the edge of the sampled area stays a hole in the figure, shown as
   such. Places in a filled bin outside every triangle (at the rim of the sampled area,
   around empty bins) take the bin's own value.

So a drawn region reaches at most one bin beyond the bins whose best point is inside it,
as the binned region does, and follows the scanned points between the bins' best points.
The interpolation works in bin-index coordinates (log10 for log axes), so both axes are
treated alike whatever their units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Surface:
    """Delta chi^2 on a fine grid over the bins: ``delta_chi2[i, j]`` at ``(x[i], y[j])``
    (centres of sub-cells, ``upsample`` per bin and axis), NaN where no point supports it."""

    x: np.ndarray
    y: np.ndarray
    xedges: np.ndarray        # of the fine cells, in the quantities' units
    yedges: np.ndarray
    delta_chi2: np.ndarray
    upsample: int

    def region(self, level: float) -> np.ndarray:
        """Fine cells with Delta chi^2 <= ``level``."""
        return np.nan_to_num(self.delta_chi2, nan=np.inf) <= level

    def supported(self) -> np.ndarray:
        """Fine cells that have a value (their bin holds a usable point)."""
        return np.isfinite(self.delta_chi2)


def fractional_index(values: np.ndarray, edges: np.ndarray, log: bool) -> np.ndarray:
    """Position of values in units of bins: 0 at the first edge, k at the k-th edge."""
    t = np.log10(values) if log else values
    te = np.log10(edges) if log else edges
    return np.interp(t, te, np.arange(len(te), dtype=float))


def from_index(u: np.ndarray, edges: np.ndarray, log: bool) -> np.ndarray:
    """Inverse of `fractional_index`."""
    te = np.log10(edges) if log else edges
    t = np.interp(u, np.arange(len(te), dtype=float), te)
    return 10.0**t if log else t


def interpolate(delta_chi2: np.ndarray, index: np.ndarray, at_x: np.ndarray,
                at_y: np.ndarray, xedges: np.ndarray, yedges: np.ndarray, *,
                xlog: bool = False, ylog: bool = False, upsample: int = 8) -> Surface:
    """The fine-grid surface of a binned profile (see the module docstring).

    ``delta_chi2`` and ``index`` are per bin, shape (nx, ny) (index -1: empty bin);
    ``at_x``, ``at_y`` the coordinates of each filled bin's best point (same shape).
    """
    nx, ny = delta_chi2.shape
    u = upsample
    filled = index >= 0
    centres = (np.arange(nx * u) + 0.5) / u, (np.arange(ny * u) + 0.5) / u
    bin_i = np.repeat(np.arange(nx), u)
    bin_j = np.repeat(np.arange(ny), u)
    fine = np.where(filled[np.ix_(bin_i, bin_j)], delta_chi2[np.ix_(bin_i, bin_j)], np.nan)
    pu = np.full((nx, ny), np.nan)
    pv = np.full((nx, ny), np.nan)
    pu[filled] = fractional_index(at_x[filled], xedges, xlog)
    pv[filled] = fractional_index(at_y[filled], yedges, ylog)
    corners = _triangles(filled, pu, pv)                     # (t, 3, 2) bin indices
    if len(corners):
        _rasterise(fine, corners, pu, pv, delta_chi2, filled, u)
    fx = from_index(np.arange(nx * u + 1) / u, xedges, xlog)
    fy = from_index(np.arange(ny * u + 1) / u, yedges, ylog)
    return Surface(x=from_index(centres[0], xedges, xlog), y=from_index(centres[1], yedges, ylog),
                   xedges=fx, yedges=fy, delta_chi2=fine, upsample=u)


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z of (a - o) x (b - o) for arrays of 2D points."""
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) \
        - (a[..., 1] - o[..., 1]) * (b[..., 0] - o[..., 0])


def _triangles(filled: np.ndarray, pu: np.ndarray, pv: np.ndarray) -> np.ndarray:
    """The triangles of rule 1 as bin indices of their corners, shape (t, 3, 2)."""
    nx, ny = filled.shape
    if nx < 2 or ny < 2:
        return np.zeros((0, 3, 2), dtype=int)
    bi, bj = np.meshgrid(np.arange(nx - 1), np.arange(ny - 1), indexing="ij")
    bi, bj = bi.ravel(), bj.ravel()
    # corners of each block in ring order: 00, 10, 11, 01
    ring = np.stack([np.stack([bi, bj], -1), np.stack([bi + 1, bj], -1),
                     np.stack([bi + 1, bj + 1], -1), np.stack([bi, bj + 1], -1)], axis=1)
    present = filled[ring[..., 0], ring[..., 1]]                       # (blocks, 4)
    point = np.stack([pu[ring[..., 0], ring[..., 1]], pv[ring[..., 0], ring[..., 1]]], -1)
    out = []
    full = present.all(axis=1)
    if full.any():
        r, p = ring[full], point[full]
        # diagonal 0-2 is inside the quadrilateral when corners 1 and 3 lie on its two sides
        inner02 = _cross(p[:, 0], p[:, 2], p[:, 1]) * _cross(p[:, 0], p[:, 2], p[:, 3]) < 0
        inner13 = _cross(p[:, 1], p[:, 3], p[:, 0]) * _cross(p[:, 1], p[:, 3], p[:, 2]) < 0
        len02 = np.hypot(*(p[:, 2] - p[:, 0]).T)
        len13 = np.hypot(*(p[:, 3] - p[:, 1]).T)
        use02 = inner02 & (~inner13 | (len02 <= len13))
        split = np.where(use02[:, None], [0, 1, 2], [0, 1, 3])
        second = np.where(use02[:, None], [0, 2, 3], [1, 2, 3])
        rows = np.arange(len(r))[:, None]
        out += [r[rows, split], r[rows, second]]
    three = present.sum(axis=1) == 3
    if three.any():
        r, have = ring[three], present[three]
        keep = np.argsort(~have, axis=1, kind="stable")[:, :3]         # the three present
        out.append(np.take_along_axis(r, keep[..., None], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 3, 2), dtype=int)


def _rasterise(fine: np.ndarray, corners: np.ndarray, pu: np.ndarray, pv: np.ndarray,
               values: np.ndarray, filled: np.ndarray, u: int) -> None:
    """Set the fine cells of filled bins inside each triangle to the linear interpolant
    of its corners' values. Each triangle lies in the 2x2 block of bins of its corners,
    so only that block's (2u)^2 fine cells are tested."""
    ci, cj = corners[..., 0], corners[..., 1]                           # (t, 3)
    a = np.stack([pu[ci, cj], pv[ci, cj]], -1)                          # (t, 3, 2)
    f = values[ci, cj]                                                  # (t, 3)
    base_i, base_j = ci.min(axis=1) * u, cj.min(axis=1) * u             # block origin
    offsets = np.arange(2 * u)
    fi = base_i[:, None, None] + offsets[None, :, None]                 # (t, 2u, 1)
    fj = base_j[:, None, None] + offsets[None, None, :]                 # (t, 1, 2u)
    fi, fj = np.broadcast_arrays(fi, fj)
    q = np.stack([(fi + 0.5) / u, (fj + 0.5) / u], -1)                  # (t, 2u, 2u, 2)
    v0, v1, v2 = a[:, None, None, 0], a[:, None, None, 1], a[:, None, None, 2]
    area = _cross(v0, v1, v2)
    with np.errstate(divide="ignore", invalid="ignore"):
        w0 = _cross(q, v1, v2) / area
        w1 = _cross(v0, q, v2) / area
    w2 = 1.0 - w0 - w1
    tol = -1e-9
    inside = (w0 >= tol) & (w1 >= tol) & (w2 >= tol) & (np.abs(area) > 1e-12)
    inside &= (fi < fine.shape[0]) & (fj < fine.shape[1])
    t, x, y = np.nonzero(inside)
    gi, gj = fi[t, x, y], fj[t, x, y]
    ok = filled[gi // u, gj // u]
    value = (w0[t, x, y] * f[t, 0] + w1[t, x, y] * f[t, 1] + w2[t, x, y] * f[t, 2])
    fine[gi[ok], gj[ok]] = value[ok]
