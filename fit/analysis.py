"""Profile likelihoods, posteriors and the best-fit breakdown of a run: the numbers behind
``python -m fit plot`` (pure numpy; the drawing is in `fit.plot`).

Statistical conventions
-----------------------
Profile likelihoods (frequentist). Every usable point (valid, log L above the floor
given to invalid or excluded points) enters; the sampler and any weights are ignored,
so random, grid, differential-evolution and ML-steered scans all qualify, and several
runs of one model may be pooled. In each bin of one (or two) quantities the profile is
the *maximum* log L of the points in the bin, and

    Delta chi^2 = -2 (ln L_bin - ln L_best),

with ln L_best the best point of all usable points. By Wilks' theorem -2 ln of the
profile likelihood ratio follows a chi^2 distribution with as many degrees of freedom
as quantities profiled, so the 1D confidence intervals are Delta chi^2 < 1 (68.27%,
"1 sigma") and < 4 (95.45%, "2 sigma") (`SIGMA_1D`), and the 2D confidence regions are
Delta chi^2 < 2.30 (68.27%) and < 5.99 (95%) for two degrees of freedom (`LEVELS_2D`).
Near a physical boundary or for a non-Gaussian likelihood these are approximations.
A sampled profile is never above the true one: the bin maximum is the best point
*found*; its deficit shrinks as the scan gets denser.

Posteriors (Bayesian). Only the sampler's weighted posterior sample, the ``/posterior``
table of nested samplers, MCMC and complete grids (point ids and normalised weights),
is used; points of scans that are not posterior samples (random, DE, ML-steered) are
never mixed in, and runs are never pooled for posteriors (each table is normalised
within its own run). Marginals are weighted histograms; credible regions are
highest-posterior-density (HPD): the smallest set of bins holding 68.27% (95.45%) of
the weight, i.e. the bins above a density threshold. For a parameter with a log prior
the bins are equal in log10 of the parameter, so density and HPD regions refer to
the logarithm.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FitError, suggest
from .results import Results, load

#: Delta chi^2 of the 1D 1 sigma (68.27%) and 2 sigma (95.45%) intervals (1 dof).
SIGMA_1D: tuple[float, float] = (1.0, 4.0)
#: Delta chi^2 of the 2D 68.27% and 95% confidence regions (2 dof: -2 ln(1 - p)).
LEVELS_2D: tuple[float, float] = (2.2957489288986, 5.9914645471080)
#: Posterior mass of the 1 and 2 sigma credible regions.
MASSES: tuple[float, float] = (0.6826894921370859, 0.9544997361036416)
#: Name that colours 2D profile bins by the likelihood term with the largest penalty.
PENALTY = "terms"


class AnalysisError(FitError):
    """A plot or number that cannot be made from these runs (unknown name, no posterior...)."""


# --------------------------------------------------------------------------- inputs

def load_runs(paths: list[str | Path] | tuple[str | Path, ...]) -> list[Results]:
    """Read one or more runs (files or run directories)."""
    if not paths:
        raise AnalysisError("no run given")
    return [load(p) for p in paths]


def combine(runs: list[Results], *, check: bool = True) -> Results:
    """Pool the points of several runs of one model into one `Results` (for profiles).

    Refuses runs of different models (different ``physics_hash``) unless ``check`` is
    false. The pooled result has no posterior table: posteriors are never pooled
    (`posterior_sample` says so); ``attrs['pooled_from']`` lists the files.
    """
    if len(runs) == 1:
        return runs[0]
    if check:
        hashes = {str(r.attrs.get("physics_hash", "")) for r in runs}
        if len(hashes) > 1:
            raise AnalysisError(
                "these runs are of different models (parameters, likelihoods, rules or "
                "provider code differ: physics hashes " + ", ".join(sorted(hashes)) +
                "); profiles can only pool runs of one model")

    def joined(group: str) -> dict[str, np.ndarray]:
        names = [set(getattr(r, group)) for r in runs]
        common = set.intersection(*names)
        return {k: np.concatenate([getattr(r, group)[k] for r in runs])
                for k in getattr(runs[0], group) if k in common}

    first = runs[0]
    attrs = dict(first.attrs)
    attrs["pooled_from"] = json.dumps([str(r.path) for r in runs])
    attrs["sampler"] = "+".join(dict.fromkeys(str(r.attrs.get("sampler", "?")) for r in runs))
    floors = [r.attrs.get("invalid_loglike") for r in runs if "invalid_loglike" in r.attrs]
    if floors:
        attrs["invalid_loglike"] = max(float(f) for f in floors)
    return Results(path=first.path, attrs=attrs, point=joined("point"),
                   parameters=joined("parameters"), cube=joined("cube"),
                   terms=joined("terms"), observables=joined("observables"),
                   timing=joined("timing"), sampler=joined("sampler"))


def usable(results: Results) -> np.ndarray:
    """Mask of the points that enter profiles: valid, finite log L above the floor (points
    removed by a term giving log L = -inf are written valid, with the floor)."""
    ll = np.asarray(results.loglike, dtype=float)
    mask = results.valid & np.isfinite(ll)
    floor = results.attrs.get("invalid_loglike")
    if floor is not None:
        mask &= ll > float(floor)
    return mask


def parameter_specs(results: Results) -> dict[str, dict[str, Any]]:
    """Each parameter's YAML entry from the run's ``config`` attribute, normalised to a
    mapping with ``prior`` (``uniform``, ``log``, ``gaussian``, ``fixed``, ``derived``)."""
    import yaml

    try:
        data = yaml.safe_load(results.config) or {}
    except yaml.YAMLError:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, spec in (data.get("parameters") or {}).items():
        if isinstance(spec, list):
            spec = {"prior": "uniform", "range": spec}
        elif not isinstance(spec, dict):
            spec = {"prior": "fixed", "value": spec}
        else:
            spec = dict(spec)
            spec.setdefault("prior", "derived" if "expr" in spec else
                            "fixed" if "value" in spec else "uniform")
        out[str(name)] = spec
    return out


def sampled_parameters(results: Results) -> list[str]:
    """Names of the sampled parameters, in the order of the YAML."""
    if "sampled_parameters" in results.attrs:
        return list(json.loads(results.attrs["sampled_parameters"]))
    return list(results.cube)


@dataclass
class Quantity:
    """One plottable column: its values at every point and how to label its axis."""

    name: str                  # as asked for
    key: str                   # 'parameters/x1', 'observables/m_h', 'loglike/term'
    values: np.ndarray
    latex: str = ""
    unit: str = ""
    log: bool = False          # log axis (a parameter with a log prior)
    range: tuple[float, float] | None = None   # prior range, if any

    @property
    def label(self) -> str:
        """Axis label: ``$latex$ [unit]`` or the plain name."""
        text = f"${self.latex}$" if self.latex else self.key.split("/", 1)[-1]
        return f"{text} [{self.unit}]" if self.unit else text

    @property
    def short(self) -> str:
        """The name without its group, for file names and tables."""
        return self.key.split("/", 1)[-1].replace("/", "_")


def quantity(results: Results, name: str) -> Quantity:
    """A parameter, observable or likelihood term by name.

    ``name`` is ``'x1'`` or ``'parameters/x1'``, ``'observables/NAME'`` or a plain
    observable name, ``'loglike/TERM'`` (or a plain term name when no parameter or
    observable has it). Labels and units come from the run's ``labels`` attribute,
    the log axis and range from the prior in its ``config`` attribute.
    """
    groups = {"parameters": results.parameters, "observables": results.observables,
              "loglike": results.terms}
    if "/" in name and name.split("/", 1)[0] in groups:
        group, short = name.split("/", 1)
        if short not in groups[group]:
            raise AnalysisError(f"no {group[:-1] if group != 'loglike' else 'term'} '{short}' "
                                f"in the run{suggest(short, groups[group])}; it has: "
                                f"{', '.join(groups[group]) or '(none)'}")
    else:
        found = [g for g in groups if name in groups[g]]
        if not found:
            everything = [k for g in groups.values() for k in g]
            raise AnalysisError(f"no parameter, observable or likelihood term '{name}' in the "
                                f"run{suggest(name, everything)}; parameters: "
                                f"{', '.join(results.parameters) or '(none)'}; observables: "
                                f"{', '.join(results.observables) or '(none)'}")
        group, short = found[0], name
    values = np.asarray(groups[group][short], dtype=float)
    if values.ndim != 1:
        raise AnalysisError(f"'{group}/{short}' has shape {values.shape[1:]} per point; "
                            f"only scalar quantities can be plotted")
    q = Quantity(name=name, key=f"{group}/{short}", values=values)
    if group == "parameters":
        latex, unit = results.labels.get(short, ("", ""))
        spec = parameter_specs(results).get(short, {})
        rng = spec.get("range")
        q = replace(q, latex=latex, unit=unit, log=spec.get("prior") == "log",
                    range=(float(rng[0]), float(rng[1])) if isinstance(rng, list | tuple)
                    and len(rng) == 2 else None)
    elif group == "loglike":
        q = replace(q, latex=r"\ln L_\mathrm{" + short.replace("_", r"\_") + "}")
    return q


def default_names(results: Results) -> list[str]:
    """The sampled parameters (what ``python -m fit plot`` shows when nothing is named)."""
    return [p for p in sampled_parameters(results) if p in results.parameters]


# --------------------------------------------------------------------------- binning

def edges(values: np.ndarray, bins: int, *, log: bool = False,
          range: tuple[float, float] | None = None) -> np.ndarray:
    """``bins + 1`` bin edges over ``range`` (default: the finite values' extent),
    equal in log10 where ``log``."""
    if range is None:
        finite = values[np.isfinite(values) & ((values > 0) if log else True)]
        if finite.size == 0:
            raise AnalysisError("no finite values to bin")
        range = (float(finite.min()), float(finite.max()))
    low, high = range
    if log:
        if low <= 0:
            raise AnalysisError(f"log binning needs positive values, got range [{low}, {high}]")
        low, high = math.log10(low), math.log10(high)
    if high <= low:
        high = low + (abs(low) * 1e-6 or 1e-6)
        low = low - (abs(low) * 1e-6 or 1e-6)
    out = np.linspace(low, high, bins + 1)
    return 10.0**out if log else out


def _bin_index(values: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Bin of each value (-1 outside); the last bin includes its upper edge."""
    i = np.searchsorted(e, values, side="right") - 1
    i[values == e[-1]] = len(e) - 2
    i[(values < e[0]) | (values > e[-1]) | ~np.isfinite(values)] = -1
    return i


def best_per_bin(flat_bin: np.ndarray, loglike: np.ndarray, nbins: int) -> np.ndarray:
    """Index of the point with the highest log L in each bin (-1 for empty bins)."""
    out = np.full(nbins, -1, dtype=np.int64)
    ok = flat_bin >= 0
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    order = np.lexsort((loglike[idx], flat_bin[idx]))   # by bin, then by log L
    sorted_bins = flat_bin[idx][order]
    last = np.r_[sorted_bins[1:] != sorted_bins[:-1], True]
    out[sorted_bins[last]] = idx[order][last]
    return out


def centres(e: np.ndarray, log: bool = False) -> np.ndarray:
    """Bin centres (geometric for log bins)."""
    return np.sqrt(e[1:] * e[:-1]) if log else 0.5 * (e[1:] + e[:-1])


# --------------------------------------------------------------------------- profiles

@dataclass
class Profile1D:
    """Profile likelihood in one quantity. Per bin: maximum log L, Delta chi^2 relative to
    the best of all points used, and the coordinate and index of the bin's best point
    (NaN / -1 in empty bins)."""

    quantity: Quantity
    edges: np.ndarray
    loglike: np.ndarray
    delta_chi2: np.ndarray
    at: np.ndarray              # the quantity's value at each bin's best point
    index: np.ndarray           # index into the run's points of each bin's best point
    best: float                 # the quantity at the best point overall
    best_loglike: float

    @property
    def centres(self) -> np.ndarray:
        return centres(self.edges, self.quantity.log)

    def interval(self, level: float = 1.0) -> list[tuple[float, float]]:
        """The ranges where Delta chi^2 <= ``level`` (1: 68.27%, 4: 95.45% for 1 dof).

        The curve through the bins' best points is interpolated linearly (in log10 for a
        log quantity) to find the crossings; a range that reaches the first or last
        filled bin is cut there (the limit is then the scanned range, not a crossing).
        """
        ok = self.index >= 0
        x, y = self.at[ok], self.delta_chi2[ok]
        if x.size == 0:
            return []
        t = np.log10(x) if self.quantity.log else x
        inside = y <= level
        out: list[tuple[float, float]] = []
        k = 0
        while k < len(t):
            if not inside[k]:
                k += 1
                continue
            j = k
            while j + 1 < len(t) and inside[j + 1]:
                j += 1
            lo = t[k] if k == 0 else _cross(t[k - 1], y[k - 1], t[k], y[k], level)
            hi = t[j] if j == len(t) - 1 else _cross(t[j], y[j], t[j + 1], y[j + 1], level)
            out.append((10**lo, 10**hi) if self.quantity.log else (lo, hi))
            k = j + 1
        return [(float(a), float(b)) for a, b in out]


    def limits(self, level: float = 1.0) -> tuple[float, float] | None:
        """The outermost ends of `interval` (a sparse scan can split a range into pieces)."""
        pieces = self.interval(level)
        return (pieces[0][0], pieces[-1][1]) if pieces else None


def _cross(t0: float, y0: float, t1: float, y1: float, level: float) -> float:
    return t0 if y1 == y0 else t0 + (level - y0) * (t1 - t0) / (y1 - y0)


def _default_bins(n: int, dims: int) -> int:
    """Bins per axis for ``n`` points: about sqrt(n)/2 in 1D (20..80) and sqrt(n/20) per
    axis in 2D (10..50), so that bins hold enough points to profile over the rest."""
    if dims == 1:
        return int(np.clip(math.sqrt(max(n, 1)) / 2, 20, 80))
    return int(np.clip(math.sqrt(max(n, 1) / 20), 10, 50))


def _range(q: Quantity, values: np.ndarray) -> tuple[float, float] | None:
    if q.range is not None and all(np.isfinite(q.range)):
        return q.range
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def profile_1d(results: Results, name: str | Quantity, *, bins: int | None = None,
               range: tuple[float, float] | None = None) -> Profile1D:
    """1D profile likelihood of a parameter or observable (see the module docstring).

    Bins span the prior range of a parameter (else the values of the usable points),
    equal in log10 for a log prior.
    """
    q = name if isinstance(name, Quantity) else quantity(results, name)
    mask = usable(results) & np.isfinite(q.values)
    if not mask.any():
        raise AnalysisError(f"no usable point (valid, log L above the floor) for '{q.name}'")
    ll = np.where(mask, results.loglike, -np.inf)
    x = q.values
    e = edges(x[mask], bins or _default_bins(int(mask.sum()), 1), log=q.log,
              range=range or _range(q, x[mask]))
    b = np.where(mask, _bin_index(x, e), -1)
    index = best_per_bin(b, ll, len(e) - 1)
    best = int(np.argmax(ll))
    filled = index >= 0
    bin_ll = np.full(len(e) - 1, np.nan)
    bin_ll[filled] = ll[index[filled]]
    at = np.full(len(e) - 1, np.nan)
    at[filled] = x[index[filled]]
    return Profile1D(quantity=q, edges=e, loglike=bin_ll, delta_chi2=-2 * (bin_ll - ll[best]),
                     at=at, index=index, best=float(x[best]), best_loglike=float(ll[best]))


@dataclass
class Profile2D:
    """Profile likelihood in two quantities: per bin (shape ``(nx, ny)``) the maximum
    log L, Delta chi^2 and the index of the bin's best point (NaN / -1 when empty)."""

    x: Quantity
    y: Quantity
    xedges: np.ndarray
    yedges: np.ndarray
    loglike: np.ndarray
    delta_chi2: np.ndarray
    index: np.ndarray
    best: tuple[float, float]
    best_loglike: float
    color: np.ndarray | None = None          # per bin: a quantity at the bin's best point
    color_label: str = ""
    categories: list[str] = field(default_factory=list)  # names when ``color`` is a code

    def region(self, level: float) -> np.ndarray:
        """Mask of the bins inside the confidence region Delta chi^2 <= ``level``
        (`LEVELS_2D`: 2.30 for 68.27%, 5.99 for 95%, two degrees of freedom)."""
        return np.nan_to_num(self.delta_chi2, nan=np.inf) <= level

    def area(self, level: float) -> float:
        """Area of the region in the axes' units (log10 units for log axes)."""
        dx = np.diff(np.log10(self.xedges) if self.x.log else self.xedges)
        dy = np.diff(np.log10(self.yedges) if self.y.log else self.yedges)
        return float((np.outer(dx, dy) * self.region(level)).sum())

    def contains(self, x: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
        """Whether points (x, y) fall in a bin of the region Delta chi^2 <= ``level``."""
        i = _bin_index(np.asarray(x, dtype=float), self.xedges)
        j = _bin_index(np.asarray(y, dtype=float), self.yedges)
        ok = (i >= 0) & (j >= 0)
        out = np.zeros(i.shape, dtype=bool)
        out[ok] = self.region(level)[i[ok], j[ok]]
        return out


def profile_2d(results: Results, x: str | Quantity, y: str | Quantity, *,
               bins: int | tuple[int, int] | None = None,
               xrange: tuple[float, float] | None = None,
               yrange: tuple[float, float] | None = None,
               color: str | None = None) -> Profile2D:
    """2D profile likelihood (maximum log L per bin; regions at Delta chi^2 = 2.30, 5.99
    for two degrees of freedom).

    ``color`` names a quantity to report per bin at the bin's best point (e.g. an
    observable), or `PENALTY` (``'terms'``): the likelihood term whose value at the bin's
    best point falls furthest below its value at the overall best point (the term that
    excludes the bin); ``categories`` then names the term of each code.
    """
    qx = x if isinstance(x, Quantity) else quantity(results, x)
    qy = y if isinstance(y, Quantity) else quantity(results, y)
    mask = usable(results) & np.isfinite(qx.values) & np.isfinite(qy.values)
    if not mask.any():
        raise AnalysisError(f"no usable point for '{qx.name}' and '{qy.name}'")
    nb = bins or _default_bins(int(mask.sum()), 2)
    nx, ny = (nb, nb) if isinstance(nb, int) else nb
    ex = edges(qx.values[mask], nx, log=qx.log, range=xrange or _range(qx, qx.values[mask]))
    ey = edges(qy.values[mask], ny, log=qy.log, range=yrange or _range(qy, qy.values[mask]))
    ll = np.where(mask, results.loglike, -np.inf)
    i, j = _bin_index(qx.values, ex), _bin_index(qy.values, ey)
    flat = np.where(mask & (i >= 0) & (j >= 0), i * ny + j, -1)
    index = best_per_bin(flat, ll, nx * ny).reshape(nx, ny)
    filled = index >= 0
    bin_ll = np.full((nx, ny), np.nan)
    bin_ll[filled] = ll[index[filled]]
    best = int(np.argmax(ll))
    prof = Profile2D(x=qx, y=qy, xedges=ex, yedges=ey, loglike=bin_ll,
                     delta_chi2=-2 * (bin_ll - ll[best]), index=index,
                     best=(float(qx.values[best]), float(qy.values[best])),
                     best_loglike=float(ll[best]))
    if color is None:
        return prof
    grid = np.full((nx, ny), np.nan)
    if color == PENALTY:
        code, names = largest_penalty(results, best)
        grid[filled] = code[index[filled]]
        prof.color, prof.color_label, prof.categories = grid, "largest penalty", names
    else:
        qc = quantity(results, color)
        grid[filled] = qc.values[index[filled]]
        prof.color, prof.color_label = grid, qc.label
    return prof


def largest_penalty(results: Results, reference: int | None = None
                    ) -> tuple[np.ndarray, list[str]]:
    """For each point, the term with the largest penalty relative to ``reference`` (the
    best point by default): argmin over terms of ln L_term(point) - ln L_term(reference).
    Returns the code per point (index into the term names; -1 where no term is known)."""
    names = list(results.terms)
    if reference is None:
        reference = results.best()
    if not names or reference is None:
        return np.full(len(results), -1.0), names
    penalty = np.column_stack([np.asarray(results.terms[t], dtype=float)
                               - float(results.terms[t][reference]) for t in names])
    penalty = np.where(np.isnan(penalty), np.inf, penalty)
    code = np.argmin(penalty, axis=1).astype(float)
    code[np.all(np.isinf(penalty) & (penalty > 0), axis=1)] = -1
    return code, names


# --------------------------------------------------------------------------- posteriors

def no_posterior_message(results: Results) -> str:
    """Why a run has no posterior, naming its sampler."""
    if "pooled_from" in results.attrs:
        return ("posteriors of several runs are not pooled: each run's /posterior weights are "
                "normalised within that run (and only runs with a /posterior table have "
                "any); plot the posterior of one run at a time. Profile likelihoods of "
                "pooled runs are meaningful")
    sampler = results.attrs.get("sampler", "?")
    return (f"{results.path} was made by sampler '{sampler}', which writes no posterior "
            f"table (/posterior): its points are not a posterior sample, so only profile "
            f"likelihoods are meaningful. Posterior plots need a run of a nested sampler or "
            f"MCMC (e.g. dynesty, multinest, nautilus, emcee) or a complete grid")


def has_posterior(results: Results) -> bool:
    return "pooled_from" not in results.attrs and "id" in results.posterior \
        and "weight" in results.posterior and len(results.posterior["id"]) > 0


def posterior_sample(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """Indices into the run's points and normalised weights of the ``/posterior`` table
    (a point listed twice keeps both entries). Raises `AnalysisError` (naming the sampler)
    for a run without one, and for pooled runs."""
    if not has_posterior(results):
        raise AnalysisError(no_posterior_message(results))
    ids = np.asarray(results.point["id"])
    order = np.argsort(ids, kind="stable")
    want = np.asarray(results.posterior["id"])
    pos = np.searchsorted(ids[order], want)
    pos = np.clip(pos, 0, len(ids) - 1)
    found = ids[order][pos] == want
    if not found.all():
        raise AnalysisError(f"{results.path}: {int((~found).sum())} posterior entries refer to "
                            f"point ids that are not in the file (a run killed before its "
                            f"last flush?)")
    w = np.asarray(results.posterior["weight"], dtype=float)
    return order[pos], w / w.sum()


def weighted_mean_std(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Weighted mean and standard deviation (weights normalised to 1; no small-sample
    correction: the posterior's own moments)."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    mean = float(np.sum(w * values))
    return mean, float(math.sqrt(max(np.sum(w * (values - mean) ** 2), 0.0)))


def effective_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2))


def hpd_thresholds(density: np.ndarray, masses: tuple[float, ...] = MASSES) -> list[float]:
    """Density thresholds of the highest-density regions holding ``masses`` of the total:
    the region for mass p is ``density >= threshold`` (bins of equal size)."""
    d = np.nan_to_num(np.asarray(density, dtype=float)).ravel()
    order = np.sort(d)[::-1]
    cumulative = np.cumsum(order) / order.sum()
    out = []
    for p in masses:
        k = int(np.searchsorted(cumulative, p))
        out.append(float(order[min(k, len(order) - 1)]))
    return out


def _smooth(h: np.ndarray, sigma_bins: float) -> np.ndarray:
    """Gaussian smoothing over ``sigma_bins`` bins along every axis, normalised so that no
    weight leaks out at the edges."""
    if sigma_bins <= 0:
        return h
    half = math.ceil(3 * sigma_bins)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma_bins) ** 2)

    def convolve(v: np.ndarray) -> np.ndarray:
        return np.convolve(v, kernel, mode="same")

    out, norm = h.astype(float), np.ones_like(h, dtype=float)
    for axis in range(h.ndim):
        out = np.apply_along_axis(convolve, axis, out)
        norm = np.apply_along_axis(convolve, axis, norm)
    out = out / norm
    return out * (h.sum() / out.sum()) if out.sum() > 0 else out


@dataclass
class Marginal1D:
    """1D marginal posterior: weight per bin (sums to 1 over the bins), HPD thresholds for
    `MASSES`, weighted mean and standard deviation of the quantity."""

    quantity: Quantity
    edges: np.ndarray
    mass: np.ndarray
    thresholds: list[float]
    mean: float
    std: float
    n_eff: float

    @property
    def centres(self) -> np.ndarray:
        return centres(self.edges, self.quantity.log)

    def region(self, k: int = 0) -> np.ndarray:
        """Mask of the bins in the k-th HPD region (0: 68.27%, 1: 95.45%)."""
        return self.mass >= self.thresholds[k]

    def intervals(self, k: int = 0) -> list[tuple[float, float]]:
        """The HPD region as intervals (bin edges; several for a multimodal posterior)."""
        inside = self.region(k)
        out, start = [], None
        for b, flag in enumerate(inside):
            if flag and start is None:
                start = b
            if start is not None and (not flag or b == len(inside) - 1):
                stop = b if flag else b - 1
                out.append((float(self.edges[start]), float(self.edges[stop + 1])))
                start = None
        return out


def marginal_1d(results: Results, name: str | Quantity, *, bins: int = 40,
                range: tuple[float, float] | None = None,
                smooth: float = 0.0) -> Marginal1D:
    """1D marginal posterior from the run's ``/posterior`` table (refused without one).

    ``smooth`` is a Gaussian smoothing width in bins (0: the plain histogram); the mean
    and standard deviation are of the weighted sample itself, not of the histogram.
    """
    q = name if isinstance(name, Quantity) else quantity(results, name)
    rows, w = posterior_sample(results)
    x = q.values[rows]
    ok = np.isfinite(x)
    e = edges(x[ok], bins, log=q.log, range=range or _range(q, x[ok]))
    h, _ = np.histogram(np.log10(x[ok]) if q.log else x[ok],
                        bins=np.log10(e) if q.log else e, weights=w[ok])
    h = _smooth(h, smooth)
    h = h / h.sum() if h.sum() > 0 else h
    mean, std = weighted_mean_std(x[ok], w[ok])
    return Marginal1D(quantity=q, edges=e, mass=h, thresholds=hpd_thresholds(h),
                      mean=mean, std=std, n_eff=effective_size(w[ok]))


@dataclass
class Marginal2D:
    """2D marginal posterior: weight per bin, shape ``(nx, ny)`` (sums to 1), and the HPD
    thresholds of the 68.27% and 95.45% credible regions."""

    x: Quantity
    y: Quantity
    xedges: np.ndarray
    yedges: np.ndarray
    mass: np.ndarray
    thresholds: list[float]
    mean: tuple[float, float]

    def region(self, k: int = 0) -> np.ndarray:
        return self.mass >= self.thresholds[k]


def marginal_2d(results: Results, x: str | Quantity, y: str | Quantity, *, bins: int = 30,
                xrange: tuple[float, float] | None = None,
                yrange: tuple[float, float] | None = None,
                smooth: float = 0.0) -> Marginal2D:
    """2D marginal posterior with HPD credible regions (refused without ``/posterior``)."""
    qx = x if isinstance(x, Quantity) else quantity(results, x)
    qy = y if isinstance(y, Quantity) else quantity(results, y)
    rows, w = posterior_sample(results)
    vx, vy = qx.values[rows], qy.values[rows]
    ok = np.isfinite(vx) & np.isfinite(vy)
    ex = edges(vx[ok], bins, log=qx.log, range=xrange or _range(qx, vx[ok]))
    ey = edges(vy[ok], bins, log=qy.log, range=yrange or _range(qy, vy[ok]))
    tx = (lambda a: np.log10(a)) if qx.log else (lambda a: a)
    ty = (lambda a: np.log10(a)) if qy.log else (lambda a: a)
    h, _, _ = np.histogram2d(tx(vx[ok]), ty(vy[ok]), bins=[tx(ex), ty(ey)], weights=w[ok])
    h = _smooth(h, smooth)
    h = h / h.sum() if h.sum() > 0 else h
    return Marginal2D(x=qx, y=qy, xedges=ex, yedges=ey, mass=h, thresholds=hpd_thresholds(h),
                      mean=(weighted_mean_std(vx[ok], w[ok])[0],
                            weighted_mean_std(vy[ok], w[ok])[0]))


# --------------------------------------------------------------------------- best fit

@dataclass
class Breakdown:
    """The best point and what removed the other points."""

    n_points: int
    n_valid: int
    n_usable: int
    best_index: int | None
    best_id: int | None
    best_loglike: float
    parameters: dict[str, float]
    terms: dict[str, float]
    invalid_codes: dict[str, int]         # code -> points it invalidated
    excluded_by_term: dict[str, int]      # term -> valid points where it gave log L = -inf
    intervals: dict[str, list[tuple[float, float]]]   # 1 sigma profile intervals (pieces)
    samplers: str
    files: list[str]


def breakdown(results: Results, *, intervals_for: list[str] | None = None) -> Breakdown:
    """Best point, its parameters and likelihood terms; counts of points per invalidation
    code and per term that gave log L = -inf; the 1 sigma (Delta chi^2 = 1) profile
    intervals of the sampled parameters (or ``intervals_for``)."""
    ok = usable(results)
    best = int(np.argmax(np.where(ok, results.loglike, -np.inf))) if ok.any() else None
    excluded = {t: int(np.sum(results.valid & (np.asarray(v, dtype=float) == -np.inf)))
                for t, v in results.terms.items()}
    intervals: dict[str, list[tuple[float, float]]] = {}
    if best is not None:
        for name in intervals_for if intervals_for is not None else default_names(results):
            try:
                intervals[name] = profile_1d(results, name).interval(SIGMA_1D[0])
            except AnalysisError:
                continue
    files = json.loads(results.attrs["pooled_from"]) if "pooled_from" in results.attrs \
        else [str(results.path)]
    return Breakdown(
        n_points=len(results), n_valid=int(results.valid.sum()), n_usable=int(ok.sum()),
        best_index=best, best_id=None if best is None else int(results.point["id"][best]),
        best_loglike=math.nan if best is None else float(results.loglike[best]),
        parameters={} if best is None else {k: float(v[best]) for k, v in
                                            results.parameters.items()},
        terms={} if best is None else {k: float(v[best]) for k, v in results.terms.items()},
        invalid_codes=dict(results.invalid_codes().most_common()),
        excluded_by_term={t: n for t, n in excluded.items() if n},
        intervals=intervals, samplers=str(results.attrs.get("sampler", "?")), files=files)


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def breakdown_markdown(b: Breakdown, labels: dict[str, tuple[str, str]] | None = None) -> str:
    """The breakdown as a Markdown document (what ``python -m fit plot`` writes and prints)."""
    labels = labels or {}
    lines = ["# Best fit", "", f"runs: {', '.join(b.files)}  ", f"sampler: {b.samplers}  ",
             f"points: {b.n_points}, valid: {b.n_valid}, used in profiles: {b.n_usable}", ""]
    if b.best_index is None:
        lines.append("No usable point: every point is invalid or excluded.")
    else:
        lines += [f"best point: id {b.best_id}, ln L = {_fmt(b.best_loglike)}, "
                  f"-2 ln L = {_fmt(-2 * b.best_loglike)}", "",
                  "| parameter | best fit | unit | 1 sigma profile interval (Delta chi^2 < 1) |",
                  "|---|---|---|---|"]
        for name, value in b.parameters.items():
            unit = labels.get(name, ("", ""))[1]
            pieces = b.intervals.get(name, [])
            iv = f"[{_fmt(pieces[0][0])}, {_fmt(pieces[-1][1])}]" if pieces else ""
            if len(pieces) > 1:
                iv += f" ({len(pieces)} pieces: the scan is sparse here)"
            lines.append(f"| {name} | {_fmt(value)} | {unit} | {iv} |")
        lines += ["", "| likelihood term | ln L at best fit | -2 ln L |", "|---|---|---|"]
        lines += [f"| {t} | {_fmt(v)} | {_fmt(-2 * v)} |" for t, v in b.terms.items()]
    lines += ["", "| removed by | points |", "|---|---|"]
    lines += [f"| invalid: {c or '(no code)'} | {n} |" for c, n in b.invalid_codes.items()]
    lines += [f"| term {t} (ln L = -inf) | {n} |" for t, n in b.excluded_by_term.items()]
    if not b.invalid_codes and not b.excluded_by_term:
        lines.append("| (nothing) | 0 |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- export

def _posterior_columns(results: Results, names: list[str] | None
                       ) -> tuple[list[Quantity], np.ndarray, np.ndarray, np.ndarray]:
    rows, w = posterior_sample(results)
    qs = [quantity(results, n) for n in (names or default_names(results))]
    data = np.column_stack([q.values[rows] for q in qs])
    return qs, data, w, np.asarray(results.loglike, dtype=float)[rows]


def to_getdist(results: Results, names: list[str] | None = None, *, label: str = "") -> Any:
    """The ``/posterior`` sample as a ``getdist.MCSamples`` (needs getdist): weights,
    ``loglikes`` = -ln L (getdist's convention), LaTeX labels and prior ranges."""
    from getdist import MCSamples

    qs, data, w, ll = _posterior_columns(results, names)
    ranges = {q.short: list(q.range) for q in qs if q.range is not None}
    return MCSamples(samples=data, weights=w, loglikes=-ll, names=[q.short for q in qs],
                     labels=[q.latex or q.short for q in qs], ranges=ranges,
                     label=label or str(results.path.stem), sampler="nested"
                     if "logz" in results.posterior_attrs else "mcmc")


def to_anesthetic(results: Results, names: list[str] | None = None, *, label: str = "") -> Any:
    """The ``/posterior`` sample for anesthetic (needs anesthetic).

    A ``NestedSamples`` when the table has birth contours (a ``logL_birth`` column);
    otherwise a weighted ``anesthetic.Samples`` with ``logL``: the stored weights are
    the posterior's, but without birth contours anesthetic cannot recompute the
    evidence or vary the prior volumes.
    """
    import anesthetic

    qs, data, w, ll = _posterior_columns(results, names)
    columns = [q.short for q in qs]
    labels = {q.short: f"${q.latex}$" if q.latex else q.short for q in qs}
    label = label or str(results.path.stem)
    birth = results.posterior.get("logL_birth")
    if birth is not None:
        return anesthetic.NestedSamples(data=data, columns=columns, logL=ll,
                                        logL_birth=np.asarray(birth, dtype=float),
                                        labels=labels, label=label)
    return anesthetic.Samples(data=data, columns=columns, weights=w, logL=ll, labels=labels,
                              label=label)
