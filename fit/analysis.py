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

Effective sample size. For weighted samples (nested sampling, grids) Kish's
(sum w)^2 / sum w^2; for an MCMC chain (emcee: unit weights, correlated steps) the number
of samples over the integrated autocorrelation time of the quantity along the chains
(`autocorrelation_time`, the estimator emcee uses, so that for the slowest parameter it is
the number the run's log prints). Each figure says which it used.

Figure ranges. By default figures zoom to where the profile likelihood is within
Delta chi^2 = 11.83 of the best point (`ZOOM_LEVEL`, the 3 sigma region for two
parameters) or, for posteriors, to the central 99.73% of the posterior mass, widened by
`ZOOM_MARGIN` of its width on each side and clipped to the prior (`zoom_range`,
`posterior_range`). Grid runs are binned on their grid nodes (`node_edges`).
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
#: Delta chi^2 of the default zoom: the 3 sigma (99.73%) region for two parameters.
ZOOM_LEVEL: float = 11.829158081900795
#: Margin on each side of a zoomed range, as a fraction of its width.
ZOOM_MARGIN: float = 0.1
#: An observable whose positive values span this many decades (1st to 99th percentile of
#: the usable points) gets a log axis unless the run file says otherwise.
DECADES_FOR_LOG: float = 2.0


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
    log: bool = False          # log axis: log prior, an observable spanning decades, or asked
    range: tuple[float, float] | None = None   # prior range, if any
    nodes: np.ndarray | None = None            # grid nodes of a parameter of a grid run

    @property
    def label(self) -> str:
        """Axis label: ``$latex$ [unit]`` or the plain name."""
        text = f"${self.latex}$" if self.latex else self.key.split("/", 1)[-1]
        return f"{text} [{self.unit}]" if self.unit else text

    @property
    def short(self) -> str:
        """The name without its group, for file names and tables."""
        return self.key.split("/", 1)[-1].replace("/", "_")


def figure_labels(results: Results) -> dict[str, dict[str, Any]]:
    """The run file's ``labels:`` block (name -> {latex, unit, log}), from its ``config``."""
    import yaml

    try:
        data = yaml.safe_load(results.config) or {}
    except yaml.YAMLError:
        return {}
    labels = data.get("labels") if isinstance(data, dict) else None
    return {str(k): dict(v) for k, v in (labels or {}).items() if isinstance(v, dict)}


def spans_decades(values: np.ndarray, decades: float = DECADES_FOR_LOG) -> bool:
    """Whether positive values spread over ``decades`` or more between their 1st and 99th
    percentiles (the rule for an automatic log axis)."""
    v = values[np.isfinite(values)]
    if v.size < 2 or (v <= 0).any():
        return False
    low, high = np.percentile(v, [1.0, 99.0])
    return bool(high >= low * 10.0**decades)


def quantity(results: Results, name: str, *, log: bool | None = None) -> Quantity:
    """A parameter, observable or likelihood term by name.

    ``name`` is ``'x1'`` or ``'parameters/x1'``, ``'observables/NAME'`` or a plain
    observable name (``'spectrum/mh1'``, or ``'mh1'`` when one observable ends so),
    ``'loglike/TERM'`` (or a plain term name when no parameter or observable has it).
    Labels and units: a parameter's from the run's ``labels`` attribute (``latex:``,
    ``unit:`` in the run file), an observable's as its provider declares them
    (``observable_labels``); an entry of the run file's ``labels:`` block overrides
    either. Log axis: a parameter with a log prior, an observable whose values
    span `DECADES_FOR_LOG` decades; ``log:`` in the ``labels:`` block or the argument
    ``log`` overrides. The parameters of a grid run carry their grid nodes.
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
        tails = [k for k in results.observables if k.rsplit("/", 1)[-1] == name]
        if not found and len(tails) == 1:       # 'mh1' for 'spectrum/mh1'
            found, name = ["observables"], tails[0]
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
        if results.attrs.get("sampler") == "grid" and short in sampled_parameters(results):
            nodes = np.unique(values[np.isfinite(values)])
            q = replace(q, nodes=nodes if nodes.size else None)
    elif group == "observables":
        latex, unit = results.observable_labels.get(short, ("", ""))
        q = replace(q, latex=latex, unit=unit, log=spans_decades(values[usable(results)]))
    else:
        q = replace(q, latex=r"\ln L_\mathrm{" + short.replace("_", r"\_") + "}")
    labels = figure_labels(results)
    override = labels.get(short) or labels.get(q.key) or {}
    q = replace(q, latex=str(override.get("latex", q.latex)),
                unit=str(override.get("unit", q.unit)),
                log=bool(override.get("log", q.log) if log is None else log))
    if q.log:
        inside = values[usable(results) & np.isfinite(values)]
        if (inside <= 0).any():
            raise AnalysisError(f"'{q.key}' has values <= 0 at usable points: it cannot have "
                                f"a log axis")
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


def node_edges(nodes: np.ndarray, *, log: bool = False,
               range: tuple[float, float] | None = None) -> np.ndarray:
    """Bin edges centred on grid nodes: midway between neighbouring nodes (in log10 for a
    log axis), half a spacing beyond the outer ones; only the nodes within ``range``."""
    n = np.unique(np.asarray(nodes, dtype=float))
    if range is not None:
        span = range[1] - range[0]
        tol = 1e-9 * (abs(span) or 1.0)
        n = n[(n >= range[0] - tol) & (n <= range[1] + tol)]
    if n.size == 0:
        raise AnalysisError("no grid node in the range to plot")
    t = np.log10(n) if log else n
    if t.size == 1:
        half = 0.5 * (abs(t[0]) or 1.0) if not log else 0.5
        e = np.array([t[0] - half, t[0] + half])
    else:
        mid = 0.5 * (t[1:] + t[:-1])
        e = np.concatenate([[2 * t[0] - mid[0]], mid, [2 * t[-1] - mid[-1]]])
    return 10.0**e if log else e


def _transform(q: Quantity, values: np.ndarray | float) -> np.ndarray:
    """The axis coordinate: log10 for a log axis."""
    v = np.asarray(values, dtype=float)
    return np.log10(v) if q.log else v


def _untransform(q: Quantity, t: float) -> float:
    return float(10.0**t) if q.log else float(t)


def full_range(results: Results, q: Quantity) -> tuple[float, float] | None:
    """The prior range of a parameter, else the extent of the usable points' values."""
    if q.range is not None and all(np.isfinite(q.range)):
        return q.range
    v = q.values[usable(results) & np.isfinite(q.values)]
    return (float(v.min()), float(v.max())) if v.size else None


def _widen(q: Quantity, low: float, high: float, margin: float,
           full: tuple[float, float] | None) -> tuple[float, float]:
    """[low, high] widened by ``margin`` of its width on each side (axis coordinates),
    clipped to ``full``; grid nodes: the nodes inside, plus one on each side."""
    tl, th = float(_transform(q, low)), float(_transform(q, high))
    tf = tuple(float(_transform(q, f)) for f in full) if full else (-np.inf, np.inf)
    width = th - tl
    if width <= 0:                       # one point: a tenth of the full range, or of |x|
        width = 0.1 * (tf[1] - tf[0]) if np.isfinite(tf).all() and tf[1] > tf[0] \
            else 0.1 * (abs(tl) or 1.0)
    tl, th = max(tl - margin * width, tf[0]), min(th + margin * width, tf[1])
    if q.nodes is not None:
        t = np.sort(_transform(q, q.nodes))
        k0 = max(int(np.searchsorted(t, tl, side="right")) - 1, 0)
        k1 = min(int(np.searchsorted(t, th, side="left")), len(t) - 1)
        tl, th = t[k0], t[k1]
    return _untransform(q, tl), _untransform(q, th)


def zoom_range(results: Results, q: str | Quantity, *, level: float = ZOOM_LEVEL,
               margin: float = ZOOM_MARGIN) -> tuple[float, float] | None:
    """Where the profile likelihood of ``q`` is within Delta chi^2 = ``level`` of the best
    usable point: the extent of the usable points inside (no binning), widened by
    ``margin`` of its width on each side (in log10 for a log axis) and clipped to
    `full_range`. None without a usable point. The 2D region at the same level projects
    onto this range, so 1D and 2D figures of one run share their axes."""
    q = q if isinstance(q, Quantity) else quantity(results, q)
    mask = usable(results) & np.isfinite(q.values)
    if not mask.any():
        return None
    ll = np.asarray(results.loglike, dtype=float)
    best = ll[mask].max()
    inside = q.values[mask & (-2.0 * (ll - best) <= level)]
    return _widen(q, float(inside.min()), float(inside.max()), margin, full_range(results, q))


def posterior_range(results: Results, q: str | Quantity, *, mass: float = 0.9973,
                    margin: float = ZOOM_MARGIN) -> tuple[float, float]:
    """The central ``mass`` of the posterior of ``q`` (weighted quantiles), widened by
    ``margin`` of its width on each side and clipped to the prior range."""
    q = q if isinstance(q, Quantity) else quantity(results, q)
    rows, w = posterior_sample(results)
    x, w = q.values[rows], w
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    if x.size == 0:
        raise AnalysisError(f"no posterior sample with a finite '{q.key}'")
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) / w.sum()
    tail = 0.5 * (1.0 - mass)
    low = x[order][min(int(np.searchsorted(cdf, tail)), x.size - 1)]
    high = x[order][min(int(np.searchsorted(cdf, 1.0 - tail)), x.size - 1)]
    return _widen(q, float(low), float(high), margin, full_range(results, q))


def union(ranges: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    """The smallest range holding all given ones (for several runs in one figure)."""
    given = [r for r in ranges if r is not None]
    if not given:
        return None
    return min(r[0] for r in given), max(r[1] for r in given)


def axis_edges(q: Quantity, values: np.ndarray, bins: int,
               range: tuple[float, float] | None) -> np.ndarray:
    """Bin edges of ``q``: centred on the grid nodes of a grid run, else ``bins`` equal
    bins (in log10 for a log axis) over ``range`` (default: the values' extent)."""
    if q.nodes is not None:
        return node_edges(q.nodes, log=q.log, range=range)
    return edges(values, bins, log=q.log, range=range)


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
    (NaN / -1 in empty bins); ``sampled``: bins that hold any point, valid or not."""

    quantity: Quantity
    edges: np.ndarray
    loglike: np.ndarray
    delta_chi2: np.ndarray
    at: np.ndarray              # the quantity's value at each bin's best point
    index: np.ndarray           # index into the run's points of each bin's best point
    best: float                 # the quantity at the best point overall
    best_loglike: float
    sampled: np.ndarray | None = None

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


def _default_bins(n: int, dims: int, hidden: int = 0) -> int:
    """Bins per axis for ``n`` points: about sqrt(n)/2 in 1D (20..80) and sqrt(n/20) per
    axis in 2D (10..50), with 2^(hidden/2) times more points per bin when ``hidden``
    other sampled parameters are profiled over (a bin's best point is sought in that many
    more dimensions), so that bins hold enough points to profile over the rest."""
    per_bin = 2.0 ** (max(hidden, 0) / 2)
    if dims == 1:
        return int(np.clip(math.sqrt(max(n, 1) / per_bin) / 2, 20, 80))
    return int(np.clip(math.sqrt(max(n, 1) / (20 * per_bin)), 10, 50))


def hidden_dimensions(results: Results, *quantities: Quantity) -> int:
    """How many sampled parameters a profile in ``quantities`` maximises over (an
    observable counts as one of the parameters it is made of)."""
    shown = sum(1 for q in quantities)
    return max(len(sampled_parameters(results)) - shown, 0)


def _range(q: Quantity, values: np.ndarray) -> tuple[float, float] | None:
    if q.range is not None and all(np.isfinite(q.range)):
        return q.range
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def _in_range(values: np.ndarray, rng: tuple[float, float] | None) -> np.ndarray:
    if rng is None:
        return np.isfinite(values)
    return np.isfinite(values) & (values >= rng[0]) & (values <= rng[1])


def profile_1d(results: Results, name: str | Quantity, *, bins: int | None = None,
               range: tuple[float, float] | None = None) -> Profile1D:
    """1D profile likelihood of a parameter or observable (see the module docstring).

    Bins span ``range`` (default: the prior range of a parameter, else the values of the
    usable points), equal in log10 for a log axis, centred on the nodes of a grid run;
    the default count follows the number of usable points in the range. Delta chi^2 is
    relative to the best usable point of the whole run, also outside ``range``.
    """
    q = name if isinstance(name, Quantity) else quantity(results, name)
    mask = usable(results) & np.isfinite(q.values)
    if not mask.any():
        raise AnalysisError(f"no usable point (valid, log L above the floor) for '{q.name}'")
    ll = np.where(mask, results.loglike, -np.inf)
    best = int(np.argmax(ll))
    x = q.values
    rng = range or _range(q, x[mask])
    n_in = int((mask & _in_range(x, rng)).sum())
    e = axis_edges(q, x[mask], bins or _default_bins(n_in, 1, hidden_dimensions(results, q)),
                   rng)
    b = np.where(mask, _bin_index(x, e), -1)
    index = best_per_bin(b, ll, len(e) - 1)
    filled = index >= 0
    bin_ll = np.full(len(e) - 1, np.nan)
    bin_ll[filled] = ll[index[filled]]
    at = np.full(len(e) - 1, np.nan)
    at[filled] = x[index[filled]]
    anywhere = _bin_index(x, e)
    sampled = np.bincount(anywhere[anywhere >= 0], minlength=len(e) - 1) > 0
    return Profile1D(quantity=q, edges=e, loglike=bin_ll, delta_chi2=-2 * (bin_ll - ll[best]),
                     at=at, index=index, best=float(x[best]), best_loglike=float(ll[best]),
                     sampled=sampled)


@dataclass
class Profile2D:
    """Profile likelihood in two quantities: per bin (shape ``(nx, ny)``) the maximum
    log L, Delta chi^2, the index of the bin's best point (NaN / -1 when empty) and
    whether any point (valid or not) fell in it (``sampled``)."""

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
    sampled: np.ndarray | None = None

    def region(self, level: float) -> np.ndarray:
        """Mask of the bins inside the confidence region Delta chi^2 <= ``level``
        (`LEVELS_2D`: 2.30 for 68.27%, 5.99 for 95%, two degrees of freedom)."""
        return np.nan_to_num(self.delta_chi2, nan=np.inf) <= level

    def pieces(self, level: float) -> int:
        """Number of separate parts of the region (bins touching at a side or corner are
        one part): more than one where the likelihood has several modes, or where the
        scan is too sparse to find the best point of every bin."""
        from scipy.ndimage import label

        return int(label(self.region(level), structure=np.ones((3, 3)))[1])

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

    def surface(self, upsample: int = 8) -> Any:
        """Delta chi^2 interpolated on a grid ``upsample`` times finer than the bins, for
        smooth regions and contour lines (`fit.surface`: linear between the best points
        of adjacent filled bins only; empty bins stay empty)."""
        from .surface import interpolate

        filled = self.index >= 0
        at_x = np.full(self.index.shape, np.nan)
        at_y = np.full(self.index.shape, np.nan)
        at_x[filled] = self.x.values[self.index[filled]]
        at_y[filled] = self.y.values[self.index[filled]]
        return interpolate(self.delta_chi2, self.index, at_x, at_y, self.xedges, self.yedges,
                           xlog=self.x.log, ylog=self.y.log, upsample=upsample)


def profile_2d(results: Results, x: str | Quantity, y: str | Quantity, *,
               bins: int | tuple[int, int] | None = None,
               xrange: tuple[float, float] | None = None,
               yrange: tuple[float, float] | None = None,
               color: str | None = None) -> Profile2D:
    """2D profile likelihood (maximum log L per bin; regions at Delta chi^2 = 2.30, 5.99
    for two degrees of freedom). Bins as in `profile_1d`.

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
    rx = xrange or _range(qx, qx.values[mask])
    ry = yrange or _range(qy, qy.values[mask])
    n_in = int((mask & _in_range(qx.values, rx) & _in_range(qy.values, ry)).sum())
    nb = bins or _default_bins(n_in, 2, hidden_dimensions(results, qx, qy))
    nx, ny = (nb, nb) if isinstance(nb, int) else nb
    ex = axis_edges(qx, qx.values[mask], nx, rx)
    ey = axis_edges(qy, qy.values[mask], ny, ry)
    nx, ny = len(ex) - 1, len(ey) - 1
    ll = np.where(mask, results.loglike, -np.inf)
    i, j = _bin_index(qx.values, ex), _bin_index(qy.values, ey)
    flat = np.where(mask & (i >= 0) & (j >= 0), i * ny + j, -1)
    index = best_per_bin(flat, ll, nx * ny).reshape(nx, ny)
    filled = index >= 0
    bin_ll = np.full((nx, ny), np.nan)
    bin_ll[filled] = ll[index[filled]]
    best = int(np.argmax(ll))
    anywhere = np.where((i >= 0) & (j >= 0), i * ny + j, -1)
    sampled = (np.bincount(anywhere[anywhere >= 0], minlength=nx * ny) > 0).reshape(nx, ny)
    prof = Profile2D(x=qx, y=qy, xedges=ex, yedges=ey, loglike=bin_ll,
                     delta_chi2=-2 * (bin_ll - ll[best]), index=index,
                     best=(float(qx.values[best]), float(qy.values[best])),
                     best_loglike=float(ll[best]), sampled=sampled)
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


def autocorrelation_time(chain: np.ndarray, window: float = 5.0) -> float:
    """Integrated autocorrelation time, in steps, of one quantity along an ensemble of
    chains, shape (steps, walkers): tau = 1 + 2 sum_{t=1}^{M} rho(t), with rho the
    normalised autocorrelation function of each walker averaged over the walkers, and
    the smallest window M >= ``window`` * tau(M) (Sokal's automatic window; the estimator
    of Goodman & Weare 2010 that emcee uses). A constant chain has tau = 1."""
    x = np.asarray(chain, dtype=float)
    steps = x.shape[0]
    x = x - x.mean(axis=0)
    size = 1 << (2 * steps - 1).bit_length()
    f = np.fft.rfft(x, n=size, axis=0)
    acf = np.fft.irfft(f * np.conj(f), n=size, axis=0)[:steps]
    variance = acf[0]
    moving = variance > 0
    if not moving.any():
        return 1.0
    rho = np.mean(acf[:, moving] / variance[moving], axis=1)
    taus = 2.0 * np.cumsum(rho) - 1.0
    m = np.arange(steps)
    past = m >= window * taus
    return float(taus[int(np.argmax(past))] if past.any() else taus[-1])


def effective_sample_size(results: Results, values: np.ndarray, weights: np.ndarray
                          ) -> tuple[float, str]:
    """Effective size of the posterior sample for one quantity (``values`` and normalised
    ``weights`` at the ``/posterior`` rows, in their order) and how it was estimated.

    An MCMC chain (the table holds ``nwalkers`` walkers step after step, as emcee writes
    it): N / tau with tau the `autocorrelation_time` of this quantity in stored steps.
    Weighted samples (nested sampling, grids): Kish's (sum w)^2 / sum w^2."""
    walkers = int(results.posterior_attrs.get("nwalkers", 0) or 0)
    n = len(values)
    if walkers > 1 and n % walkers == 0 and n // walkers > 1 and np.all(np.isfinite(values)):
        tau = autocorrelation_time(np.asarray(values, dtype=float).reshape(-1, walkers))
        return n / max(tau, 1.0), "chain autocorrelation"
    return effective_size(weights), "Kish, from the weights"


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
    n_eff_method: str = "Kish, from the weights"

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

    ``smooth`` is a Gaussian smoothing width in bins (0: the plain histogram; a grid run
    is never smoothed: its bins are its nodes); the mean, standard deviation and
    effective sample size (`effective_sample_size`) are of the weighted sample itself,
    not of the histogram.
    """
    q = name if isinstance(name, Quantity) else quantity(results, name)
    rows, w = posterior_sample(results)
    x = q.values[rows]
    ok = np.isfinite(x)
    e = axis_edges(q, x[ok], bins, range or _range(q, x[ok]))
    h, _ = np.histogram(np.log10(x[ok]) if q.log else x[ok],
                        bins=np.log10(e) if q.log else e, weights=w[ok])
    h = _smooth(h, 0.0 if q.nodes is not None else smooth)
    h = h / h.sum() if h.sum() > 0 else h
    mean, std = weighted_mean_std(x[ok], w[ok])
    n_eff, method = effective_sample_size(results, x, w) if ok.all() \
        else (effective_size(w[ok]), "Kish, from the weights")
    return Marginal1D(quantity=q, edges=e, mass=h, thresholds=hpd_thresholds(h),
                      mean=mean, std=std, n_eff=n_eff, n_eff_method=method)


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
    ex = axis_edges(qx, vx[ok], bins, xrange or _range(qx, vx[ok]))
    ey = axis_edges(qy, vy[ok], bins, yrange or _range(qy, vy[ok]))
    tx = (lambda a: np.log10(a)) if qx.log else (lambda a: a)
    ty = (lambda a: np.log10(a)) if qy.log else (lambda a: a)
    h, _, _ = np.histogram2d(tx(vx[ok]), ty(vy[ok]), bins=[tx(ex), ty(ey)], weights=w[ok])
    h = _smooth(h, 0.0 if qx.nodes is not None or qy.nodes is not None else smooth)
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
