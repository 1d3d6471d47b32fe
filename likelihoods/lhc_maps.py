"""Simplified-model upper-limit maps of LHC searches and the likelihood built from them.

A map gives the 95% CL upper limit on sigma x BR [pb] of one simplified-model topology of one
analysis, observed and (where published) expected, at scattered points of the (mother, LSP)
mass plane (``likelihoods/data/lhc_<analysis>_<topology>.csv``, each citing its paper).

Interpolation: linear in ln(UL) on the Delaunay triangulation of the map's points, in the
coordinates (m_mother, m_LSP), or (m_mother, ln(m_mother - m_LSP)) for the compressed maps
whose points cluster at small splittings (arXiv:1911.12606), each coordinate scaled to
[0, 1] over the map. Outside the triangulation
(the convex hull of the points) the limit is undefined: the map returns NaN there and the
caller sets r = 0 and raises a flag; nothing is extrapolated. The convex hull can bridge
concave gaps of a map (triangles across a gap interpolate between its edges).

Likelihood from observed and expected limits: the truncated-Gaussian approximation of
Azatov, Contino, Galloway (arXiv:1202.3415, eq. 3.24) as used by SModelS (Alguero et al.,
arXiv:2112.00769, sect. 3.2). In units mu of the predicted signal, the likelihood is
Gaussian, L(mu) ~ exp(-(mu - mu_hat)^2 / (2 s^2)), with s = UL_exp(mu)/1.96 and mu_hat fixed
by requiring that the 95% CL limit of the Gaussian truncated to mu >= 0 equals the observed
limit. As in SModelS, when the observed limit is weaker than the expected one the expected
limit is first inflated by 1/(1 - c (UL_obs - UL_exp)/(UL_obs + UL_exp)), c = 0.6 (their
empirical match to full likelihoods). Without an expected limit, mu_hat = 0 and
s = UL_obs(mu)/1.96 (no excess assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np
from scipy.special import log_ndtr

DATA = Path(__file__).resolve().parent / "data"
#: 95% CL: the one-sided Gaussian quantile of the expected limit
Z95 = 1.959963984540054
#: SModelS' correction of the expected limit for upward fluctuations (arXiv:2112.00769)
EXPECTED_CORRECTION = 0.6


@dataclass(frozen=True)
class ULMap:
    """One upper-limit map: analysis, topology, and whether its points are compressed."""

    analysis: str
    topology: str
    compressed: bool = False

    @property
    def name(self) -> str:
        return f"{self.analysis}:{self.topology}"

    @property
    def path(self) -> Path:
        return DATA / f"lhc_{self.analysis}_{self.topology}.csv"

    @cached_property
    def points(self) -> np.ndarray:
        """(k, 4): m_mother, m_LSP [GeV], UL_obs, UL_exp [pb] (UL_exp NaN if unpublished)."""
        return np.loadtxt(self.path, delimiter=",", comments="#", skiprows=self._header_rows())

    def _header_rows(self) -> int:
        with self.path.open() as f:
            return next(i for i, line in enumerate(f) if not line.startswith("#")) + 1

    @property
    def has_expected(self) -> bool:
        return bool(np.isfinite(self.points[:, 3]).all())

    def _coordinates(self, mother: np.ndarray, lsp: np.ndarray) -> np.ndarray:
        """Interpolation coordinates, each scaled to [0, 1] over the map's points."""
        if self.compressed:
            x = np.stack([mother, np.log(np.maximum(mother - lsp, 1e-6))], -1)
        else:
            x = np.stack([mother, lsp], -1)
        lo, span = self._scale
        return (x - lo) / span

    @cached_property
    def _scale(self) -> tuple[np.ndarray, np.ndarray]:
        p = self.points
        if self.compressed:
            x = np.stack([p[:, 0], np.log(np.maximum(p[:, 0] - p[:, 1], 1e-6))], -1)
        else:
            x = p[:, :2]
        return x.min(axis=0), np.maximum(x.max(axis=0) - x.min(axis=0), 1e-12)

    @cached_property
    def _locator(self) -> TriangleLocator:
        from scipy.spatial import Delaunay

        p = self.points
        x = self._coordinates(p[:, 0], p[:, 1])
        return TriangleLocator(x, Delaunay(x).simplices)

    def upper_limits(self, mother: np.ndarray, lsp: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Observed and expected UL [pb] at the masses (arrays of one shape); NaN outside the
        map (and for the expected limit where none is published)."""
        mother, lsp = np.broadcast_arrays(np.asarray(mother, float), np.asarray(lsp, float))
        simplex, weights = self._locator.locate(self._coordinates(mother.ravel(), lsp.ravel()))
        inside = simplex >= 0
        vertices = self._locator.simplices[np.where(inside, simplex, 0)]      # (k, 3)
        out = []
        for column in (2, 3):
            values = np.log(np.maximum(self.points[vertices, column], 1e-300))
            ul = np.exp(np.sum(weights * values, axis=1))
            out.append(np.where(inside, ul, np.nan).reshape(mother.shape))
        return out[0], out[1]


class TriangleLocator:
    """Point location in a triangulation of the unit square, vectorised: each cell of a
    uniform grid (about one triangle per cell) lists the triangles overlapping it; a point
    is tested against the triangles of its cell (barycentric coordinates, tolerance 1e-9)."""

    def __init__(self, vertices: np.ndarray, simplices: np.ndarray):
        cells = max(16, int(np.sqrt(len(simplices))))
        self.simplices, self.cells = simplices, cells
        corners = vertices[simplices]                                # (t, 3, 2)
        a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
        m = np.stack([a - c, b - c], axis=-1)                        # columns a-c, b-c
        det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
        inv = np.stack([np.stack([m[:, 1, 1], -m[:, 0, 1]], -1),
                        np.stack([-m[:, 1, 0], m[:, 0, 0]], -1)], -2) / det[:, None, None]
        self.inverse, self.origin = inv, c
        lo = np.floor(np.clip(corners.min(axis=1), 0, 1) * cells).astype(int)
        hi = np.floor(np.clip(corners.max(axis=1), 0, 1) * cells).astype(int)
        lo, hi = np.minimum(lo, cells - 1), np.minimum(hi, cells - 1)
        lists: list[list[int]] = [[] for _ in range(cells * cells)]
        for t in range(len(simplices)):
            for i in range(lo[t, 0], hi[t, 0] + 1):
                for j in range(lo[t, 1], hi[t, 1] + 1):
                    lists[i * cells + j].append(t)
        width = max(len(item) for item in lists)
        self.candidates = np.full((cells * cells, width), -1)
        for k, item in enumerate(lists):
            self.candidates[k, :len(item)] = item

    def locate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(triangle index, -1 outside; barycentric weights (k, 3)) of points x (k, 2).
        The first NARROW candidates of each cell are tested for all points, the rest only
        for the few points in crowded cells (long triangles along the hull)."""
        inside_box = np.all((x >= 0) & (x <= 1), axis=1)
        cell = np.minimum(np.floor(np.clip(x, 0, 1) * self.cells).astype(int), self.cells - 1)
        cand = self.candidates[cell[:, 0] * self.cells + cell[:, 1]]          # (k, w)
        simplex, weights = self._test(x, cand[:, :self.NARROW])
        again = np.flatnonzero((simplex < 0) & (cand.shape[1] > self.NARROW)
                               & (cand[:, min(self.NARROW, cand.shape[1] - 1)] >= 0))
        if again.size:
            simplex[again], weights[again] = self._test(x[again], cand[again])
        return np.where(inside_box, simplex, -1), weights

    #: candidates tested for every point
    NARROW = 12

    def _test(self, x: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = np.where(cand >= 0, cand, 0)
        bary = np.einsum("kwij,kwj->kwi", self.inverse[t], x[:, None, :] - self.origin[t])
        weights = np.concatenate([bary, 1.0 - bary.sum(-1, keepdims=True)], -1)  # (k, w, 3)
        hit = (cand >= 0) & np.all(weights >= -1e-9, axis=-1)
        first = np.argmax(hit, axis=1)
        rows = np.arange(len(x))
        return np.where(hit[rows, first], cand[rows, first], -1), weights[rows, first]


#: every map the built-in limits use (docs: README "LHC and LEP limits")
MAPS = (ULMap("ATLAS-SUSY-2019-09", "TChiWZ"), ULMap("ATLAS-SUSY-2018-06", "TChiWZ"),
        ULMap("CMS-SUS-21-002", "TChiWZ"), ULMap("ATLAS-SUSY-2019-08", "TChiWH"),
        ULMap("CMS-SUS-21-002", "TChiWH"), ULMap("ATLAS-SUSY-2018-16", "TChiWZoff", True),
        ULMap("ATLAS-SUSY-2018-16", "TSlepSlep", True), ULMap("ATLAS-SUSY-2018-32", "TSlepSlep"))


@cache
def maps_by_name() -> dict[str, ULMap]:
    return {m.name: m for m in MAPS}


# ----------------------------------------------------------------- likelihood

def _muhat_by_bisection(a: np.ndarray, iterations: int = 60) -> np.ndarray:
    """mu_hat/s for UL_obs/s = a: the root x of P(mu < a | Gaussian of mean x and width 1
    truncated to mu >= 0) = 1 - Phi(x - a)/Phi(x) = 0.95 (vectorised bisection on [-10, a];
    log Phi keeps strong underfluctuations, x << 0, accurate). x = 0 for a = 1.96; x < 0
    for an observed limit stronger than expected."""
    lo = np.full_like(a, -10.0)
    hi = np.maximum(a, 0.0) + 1e-9
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        coverage = 1.0 - np.exp(log_ndtr(mid - a) - log_ndtr(mid))
        # the coverage of [0, a] falls as the mean x grows
        above = coverage > 0.95
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)


#: a = UL_obs/s on which mu_hat/s is tabulated (linear interpolation; beyond the end the
#: observed limit is so weak that mu_hat/s ~ a - 1.64, continued linearly)
MUHAT_GRID = np.linspace(0.0, 40.0, 4001)


@cache
def _muhat_table() -> np.ndarray:
    return _muhat_by_bisection(MUHAT_GRID)


def _muhat_in_sigma(ratio: np.ndarray) -> np.ndarray:
    """mu_hat/s for UL_obs/s = ``ratio`` from the tabulated root (error < 1e-5)."""
    a = np.asarray(ratio, float)
    table = _muhat_table()
    slope = (table[-1] - table[-2]) / (MUHAT_GRID[-1] - MUHAT_GRID[-2])
    return np.where(a <= MUHAT_GRID[-1], np.interp(a, MUHAT_GRID, table),
                    table[-1] + slope * (a - MUHAT_GRID[-1]))


def truncated_gaussian(r_obs: np.ndarray, r_exp: np.ndarray,
                       correction: float = EXPECTED_CORRECTION
                       ) -> tuple[np.ndarray, np.ndarray]:
    """(mu_hat, s) in units of the predicted signal from r = sigma BR / UL (observed and
    expected; r_exp <= 0 where no expected limit exists). Points with r_obs = 0 get mu_hat = 0
    and s = inf (no sensitivity)."""
    r_obs = np.asarray(r_obs, float)
    r_exp = np.asarray(r_exp, float)
    sensitive = r_obs > 0
    ul_obs = np.divide(1.0, r_obs, out=np.full_like(r_obs, np.inf), where=sensitive)
    has_exp = sensitive & (r_exp > 0)
    ul_exp = np.divide(1.0, r_exp, out=ul_obs.copy(), where=has_exp)
    up = has_exp & (ul_obs > ul_exp)
    o, e = np.where(up, ul_obs, 1.0), np.where(up, ul_exp, 1.0)
    ul_exp = np.where(up, ul_exp / (1.0 - correction * (o - e) / (o + e)), ul_exp)
    sigma = ul_exp / Z95
    x = _muhat_in_sigma(np.where(has_exp, ul_obs / np.where(has_exp, sigma, 1.0), Z95))
    muhat = np.where(has_exp, x * sigma, 0.0)
    return np.where(sensitive, muhat, 0.0), np.where(sensitive, sigma, np.inf)


def log_likelihood_ratio(r_obs: np.ndarray, r_exp: np.ndarray,
                         correction: float = EXPECTED_CORRECTION) -> np.ndarray:
    """ln L(mu = 1) - ln L(mu = 0) of the truncated-Gaussian likelihood (0 where r_obs = 0):
    negative where the signal is disfavoured, positive where the data fluctuated up."""
    muhat, sigma = truncated_gaussian(r_obs, r_exp, correction)
    finite = np.isfinite(sigma)
    s = np.where(finite, sigma, 1.0)
    value = (muhat**2 - (1.0 - muhat) ** 2) / (2.0 * s**2)
    return np.where(finite, value, 0.0)
