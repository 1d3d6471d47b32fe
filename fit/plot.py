"""Figures of a run: profile likelihoods, posteriors, triangle plots, best-fit table.

``python -m fit plot RUN.h5 [RUN2.h5 ...]`` writes the standard set into ``<run dir>/plots/``;
the functions here draw the objects of `fit.analysis` (which holds every number and the
statistical conventions) onto matplotlib axes, for custom figures. Several runs given to
one function (a list of profiles or marginals) are drawn over each other, one colour
per run. matplotlib is imported inside the functions, with the Agg backend, so that
importing this module stays light; `fit.figstyle.paper` gives the paper settings.

    >>> from fit.results import load
    >>> from fit import analysis, figstyle, plot
    >>> r = load("runs/gaussian")
    >>> with figstyle.paper("one"):
    ...     plot.profile_2d(analysis.profile_2d(r, "x1", "x2")).savefig("x1_x2.pdf")
"""

from __future__ import annotations

import argparse
import itertools
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import analysis as A  # noqa: N812 - short, used throughout
from . import figstyle as S  # noqa: N812

log = logging.getLogger(__name__)

MAX_PAIRS = 15
MAX_TRIANGLE = 8
#: Delta chi^2 of the 1D figures' 68% and 95% CL intervals (one degree of freedom)
LEVELS_1D: tuple[float, float] = (1.0, 3.841458820694124)
#: top of the 1D profile figures: the zoom level, so the curve fills the panel
YMAX_1D = 12.0
#: fine cells per bin and axis of the smooth 2D profiles
UPSAMPLE = 8


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Any, aspect: float = 0.75) -> tuple[Any, Any]:
    """The axes to draw on: ``ax``, or a new figure as wide as ``figure.figsize`` says
    (the paper settings make it one column) and ``aspect`` times as high."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib

    plt = _pyplot()
    width = matplotlib.rcParams["figure.figsize"][0]
    fig, ax = plt.subplots(figsize=(width, aspect * width), layout="constrained")
    return fig, ax


def _many(obj: Any) -> list[Any]:
    return list(obj) if isinstance(obj, list | tuple) else [obj]


def _run_labels(labels: Sequence[str] | None, n: int) -> list[str]:
    return list(labels) if labels else [f"run {k + 1}" for k in range(n)]


def _single_title(labels: Sequence[str] | None, n: int) -> str | None:
    """The legend title naming the one run drawn, when runs are named."""
    return S.tex_safe(labels[0]) if labels and n == 1 else None


def _scales(ax: Any, x: A.Quantity | None = None, y: A.Quantity | None = None) -> None:
    if x is not None:
        ax.set_xscale("log" if x.log else "linear")
        ax.set_xlabel(S.tex_safe(x.label))
    if y is not None:
        ax.set_yscale("log" if y.log else "linear")
        ax.set_ylabel(S.tex_safe(y.label))


def _pct(p: float) -> str:
    """'68%' set so that mathtext and LaTeX both print it."""
    return f"{p:g}$\\%$"


def sparse_note(pieces: tuple[int, int], what: str = "region") -> str | None:
    """The legend title that marks a fragmented 68% or 95% CL region (``pieces``: their
    numbers of separate parts), as ``bestfit.md`` marks a 1D interval in pieces; None if
    both are in one piece."""
    for n, p in zip(pieces, (68, 95), strict=True):
        if n > 1:
            return f"{_pct(p)} CL {what} in {n} pieces:\nsparse scan, or several modes"
    return None


# --------------------------------------------------------------------------- profiles

def _curve_pieces(prof: A.Profile1D) -> list[tuple[np.ndarray, np.ndarray]]:
    """The profile through the filled bins' best points, cut where a bin is empty."""
    filled = prof.index >= 0
    pieces, start = [], None
    for k, f in enumerate(np.r_[filled, False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            pieces.append((prof.at[start:k], prof.delta_chi2[start:k]))
            start = None
    return pieces


def _nothing_there(*quantities: A.Quantity) -> str:
    """What an empty bin means: in parameters, no point was drawn there; along an
    observable, no scanned point gives such a value."""
    if all(q.key.startswith("parameters/") for q in quantities):
        return "not sampled"
    return "no point"


def _holes_1d(ax: Any, prof: A.Profile1D) -> list[Any]:
    """Shade the bins without a usable point: grey (sampled, none valid), hatched (none
    sampled). Returns legend handles for what is shown."""
    from matplotlib.patches import Patch

    handles = []
    empty = prof.index < 0
    sampled = prof.sampled if prof.sampled is not None else np.ones_like(empty)
    for mask, style, label in ((empty & sampled, {"color": S.INVALID, "lw": 0},
                                "no valid point"),
                               (empty & ~sampled, {"facecolor": "none", "hatch": "////",
                                                   "edgecolor": S.UNSAMPLED, "lw": 0},
                                _nothing_there(prof.quantity))):
        for k in np.flatnonzero(mask):
            ax.axvspan(prof.edges[k], prof.edges[k + 1], zorder=0.5, **style)
        if mask.any():
            handles.append(Patch(label=label, **style))
    return handles


def profile_1d(prof: A.Profile1D | Sequence[A.Profile1D], ax: Any = None, *,
               labels: Sequence[str] | None = None, ymax: float = YMAX_1D) -> Any:
    """Delta chi^2 = -2 Delta ln L through the bins' best points (broken where a bin is
    empty), the 68% and 95% CL intervals (Delta chi^2 < 1, 3.84: one degree of freedom,
    Wilks) shaded, and the best fit. Several profiles (one per run, ``labels``) are drawn
    as curves of their own colours, with their best fits, over the reference levels."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    profs = _many(prof)
    fig, ax = _axes(ax, 0.75)
    curves, handles = [], []
    single = len(profs) == 1
    for k, p in enumerate(profs):
        colour = "black" if single else S.run_style(k)["color"]
        for x, y in _curve_pieces(p):
            (line,) = ax.plot(x, y, color=colour, lw=1.2, zorder=4)
            curves.append(line)
        (star,) = ax.plot([p.best], [0.0], **{**S.best_marker(None if single else k),
                                             "clip_on": False})
        curves.append(star)
        if not single:
            handles.append(Line2D([], [], color=colour, lw=1.2,
                                  marker=S.best_marker(k)["marker"], markersize=5,
                                  label=S.tex_safe(_run_labels(labels, len(profs))[k])))
    if single:
        p = profs[0]
        for level, colour in ((LEVELS_1D[1], S.OUTER_1D), (LEVELS_1D[0], S.INNER_1D)):
            for lo, hi in p.interval(level):
                ax.axvspan(lo, hi, color=colour, lw=0, zorder=1)
        handles = [Patch(color=S.INNER_1D, label=f"{_pct(68)} CL"),
                   Patch(color=S.OUTER_1D, label=f"{_pct(95)} CL"),
                   Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit")]
        handles += _holes_1d(ax, p)
    for level, pct in zip(LEVELS_1D, (68, 95), strict=True):
        curves.append(ax.axhline(level, color="0.45", ls=(0, (4, 2)), lw=0.6, zorder=2))
        ax.text(1.0, level, f" {_pct(pct)}", transform=ax.get_yaxis_transform(),
                va="center", ha="left", fontsize="small", color="0.3")
    ref = profs[0]
    ax.set_xlim(min(p.edges[0] for p in profs), max(p.edges[-1] for p in profs))
    ax.set_ylim(0, ymax)
    _scales(ax, ref.quantity)
    ax.set_ylabel(r"$\Delta\chi^2 = -2\,\Delta\ln L$")
    note = sparse_note(tuple(len(ref.interval(level)) for level in LEVELS_1D), "interval") \
        if single else None
    S.legend(ax, handles, avoid=curves, title=note)
    return fig


def _holes_2d(ax: Any, prof: A.Profile2D) -> list[Any]:
    """Bins without a usable point: grey where sampled (all invalid or excluded), hatched
    where no point fell. Returns legend handles for what is shown."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Patch, Rectangle

    handles = []
    empty = prof.index < 0
    sampled = prof.sampled if prof.sampled is not None else np.ones_like(empty)
    for mask, style, label in ((empty & sampled, {"facecolor": S.INVALID, "edgecolor": "none"},
                                "no valid point"),
                               (empty & ~sampled, {"facecolor": "none", "hatch": "////",
                                                   "edgecolor": S.UNSAMPLED},
                                _nothing_there(prof.x, prof.y))):
        ii, jj = np.nonzero(mask)
        if ii.size == 0:
            continue
        x0, y0 = prof.xedges[ii], prof.yedges[jj]
        boxes = [Rectangle((a, b), w, h) for a, b, w, h in
                 zip(x0, y0, prof.xedges[ii + 1] - x0, prof.yedges[jj + 1] - y0, strict=True)]
        ax.add_collection(PatchCollection(boxes, linewidth=0, zorder=0.5, **style))
        handles.append(Patch(label=label, **style))
    return handles


def padded(surface: Any) -> tuple[np.ndarray, np.ndarray, np.ma.MaskedArray]:
    """A surface's coordinates and values, transposed for matplotlib, with the outer cells
    repeated on the outer edges so that regions reach the border of the axes."""
    x = np.r_[surface.xedges[0], surface.x, surface.xedges[-1]]
    y = np.r_[surface.yedges[0], surface.y, surface.yedges[-1]]
    return x, y, np.ma.masked_invalid(np.pad(surface.delta_chi2, 1, mode="edge").T)


def _contour_lines(ax: Any, surface: Any, colour: Any, *, widths: tuple[float, float] = (1.0, 0.8),
                   styles: tuple[str, str] = ("solid", "solid"), outline: bool = False) -> Any:
    """Contour lines of a surface at Delta chi^2 = 2.30 and 5.99."""
    import matplotlib.patheffects as pe

    x, y, chi2 = padded(surface)
    if chi2.count() < 4 or chi2.min() > A.LEVELS_2D[1]:
        return None
    lines = ax.contour(x, y, chi2, levels=list(A.LEVELS_2D), colors=[colour],
                       linewidths=list(widths), linestyles=list(styles), zorder=4)
    if outline:
        lines.set_path_effects([pe.withStroke(linewidth=max(widths) + 1.0, foreground="black")])
    return lines


def profile_2d(prof: A.Profile2D | Sequence[A.Profile2D], ax: Any = None, *,
               labels: Sequence[str] | None = None, chi2_map: bool = False,
               upsample: int = UPSAMPLE) -> Any:
    """Smooth 68% and 95% CL regions (Delta chi^2 < 2.30, 5.99: two degrees of freedom)
    with their contour lines, from `Profile2D.surface` (interpolated only between the best
    points of adjacent filled bins: see `fit.surface`); the best fit; bins without a
    valid point grey, bins without any point hatched.

    ``chi2_map``: Delta chi^2 as a colour map (up to `fit.analysis.ZOOM_LEVEL`) under the
    contour lines. With ``prof.color``, the bins are coloured by that quantity (or by the
    term with the largest penalty) and the regions outlined. Several profiles (one per
    run, ``labels``): the contour lines of each in its colour (68% solid, 95% dashed),
    its 68% region lightly filled, and its best fit."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    profs = _many(prof)
    p0 = profs[0]
    fig, ax = _axes(ax, 0.92 if chi2_map or p0.color is not None else 0.85)
    avoid, filled = [], []
    handles: list[Any] = []
    if len(profs) == 1 and p0.color is not None:
        handles, avoid = _colour_bins(fig, ax, p0, upsample)
    elif len(profs) == 1:
        s = p0.surface(upsample)
        handles += _holes_2d(ax, p0)
        x, y, chi2 = padded(s)
        if chi2_map:
            mesh = ax.pcolormesh(s.xedges, s.yedges,
                                 np.ma.minimum(np.ma.masked_invalid(s.delta_chi2.T),
                                               A.ZOOM_LEVEL),
                                 cmap="viridis_r", vmin=0.0, vmax=A.ZOOM_LEVEL,
                                 shading="flat", rasterized=True, zorder=1)
            fig.colorbar(mesh, ax=ax, label=r"$\Delta\chi^2$", extend="max", pad=0.02)
            lines = _contour_lines(ax, s, "white", styles=("solid", "dashed"), outline=True)
            handles = [Line2D([], [], color="white", lw=1.0, label=f"{_pct(68)} CL",
                              path_effects=_stroke()),
                       Line2D([], [], color="white", lw=0.8, ls="dashed",
                              label=f"{_pct(95)} CL", path_effects=_stroke()), *handles]
        else:
            if chi2.count() and chi2.min() <= A.LEVELS_2D[1]:
                fills = ax.contourf(x, y, chi2, levels=[-1.0, A.LEVELS_2D[0],
                                                            A.LEVELS_2D[1]],
                                    colors=[S.INNER, S.OUTER], zorder=1)
                filled.append(fills)
            lines = _contour_lines(ax, s, S.LINE)
            handles = [Patch(facecolor=S.INNER, edgecolor=S.LINE, lw=0.6,
                             label=f"{_pct(68)} CL"),
                       Patch(facecolor=S.OUTER, edgecolor=S.LINE, lw=0.6,
                             label=f"{_pct(95)} CL"), *handles]
        if lines is not None:
            avoid.append(lines)
        (star,) = ax.plot([p0.best[0]], [p0.best[1]], **S.best_marker())
        avoid.append(star)
        handles.insert(2, Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit"))
    else:
        names = _run_labels(labels, len(profs))
        for k, p in enumerate(profs):
            colour = S.run_style(k)["color"]
            s = p.surface(upsample)
            x, y, chi2 = padded(s)
            if chi2.count() and chi2.min() <= A.LEVELS_2D[0]:
                fills = ax.contourf(x, y, chi2, levels=[-1.0, A.LEVELS_2D[0]],
                                    colors=[S.lighten(colour, 0.75)], alpha=0.6, zorder=1)
                filled.append(fills)
            lines = _contour_lines(ax, s, colour, styles=("solid", "dashed"))
            if lines is not None:
                avoid.append(lines)
            (star,) = ax.plot([p.best[0]], [p.best[1]], **S.best_marker(k))
            avoid.append(star)
            handles.append(Line2D([], [], color=colour, lw=1.0, marker=S.best_marker(k)["marker"],
                                  markersize=5, label=S.tex_safe(names[k])))
        handles += [Line2D([], [], color="0.2", lw=1.0, label=f"{_pct(68)} CL"),
                    Line2D([], [], color="0.2", lw=0.8, ls="dashed", label=f"{_pct(95)} CL")]
    ax.set_xlim(min(p.xedges[0] for p in profs), max(p.xedges[-1] for p in profs))
    ax.set_ylim(min(p.yedges[0] for p in profs), max(p.yedges[-1] for p in profs))
    _scales(ax, p0.x, p0.y)
    note = sparse_note(tuple(p0.pieces(level) for level in A.LEVELS_2D)) \
        if len(profs) == 1 else None
    S.legend(ax, handles, avoid=avoid, avoid_filled=filled, title=note)
    return fig


def _stroke() -> list[Any]:
    import matplotlib.patheffects as pe

    return [pe.withStroke(linewidth=2.0, foreground="black")]


def _colour_bins(fig: Any, ax: Any, prof: A.Profile2D, upsample: int
                 ) -> tuple[list[Any], list[Any]]:
    """Bins coloured by a quantity at their best point (or by the largest-penalty term),
    with the smooth region outlines; returns legend handles and artists to keep clear."""
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    grid = np.ma.masked_invalid(prof.color)
    if prof.categories:
        n = len(prof.categories)
        base = _pyplot().get_cmap("tab10" if n <= 10 else "tab20")
        cmap = ListedColormap([base(k % base.N) for k in range(n)])
        ax.pcolormesh(prof.xedges, prof.yedges, np.ma.masked_less(grid, 0).T, cmap=cmap,
                      norm=BoundaryNorm(np.arange(-0.5, n), n), shading="flat",
                      rasterized=True)
        handles = [Patch(color=cmap(k), label=S.tex_safe(t))
                   for k, t in enumerate(prof.categories)]
    else:
        finite = grid.compressed()
        wide = finite.size and finite.min() > 0 and finite.max() > 100 * finite.min()
        mesh = ax.pcolormesh(prof.xedges, prof.yedges, grid.T, cmap="viridis",
                             norm=LogNorm() if wide else None, shading="flat",
                             rasterized=True)
        fig.colorbar(mesh, ax=ax, label=S.tex_safe(prof.color_label), pad=0.02)
        handles = []
    handles += _holes_2d(ax, prof)
    s = prof.surface(upsample)
    lines = _contour_lines(ax, s, "white", styles=("solid", "dashed"), outline=True)
    handles += [Line2D([], [], color="white", ls=ls, lw=1.0, path_effects=_stroke(),
                       label=f"{_pct(p)} CL") for ls, p in (("solid", 68), ("dashed", 95))]
    (star,) = ax.plot([prof.best[0]], [prof.best[1]], **S.best_marker())
    handles.append(Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit"))
    return handles, [a for a in (lines, star) if a is not None]


# --------------------------------------------------------------------------- posteriors

def mean_sd(mean: float, sd: float) -> str:
    """``'0.99 \\pm 1.00'``: the standard deviation to two significant digits (to units at
    least), the mean to the same decimal place (mathtext, without dollar signs)."""
    if not (np.isfinite(sd) and sd > 0):
        return f"{mean:.4g}"
    places = max(0, 1 - int(np.floor(np.log10(sd))))
    if places > 6 or abs(mean) >= 1e6:
        return f"{mean:.3g} \\pm {sd:.2g}"
    return f"{mean:.{places}f} \\pm {sd:.{places}f}"


def _mean_label(m: A.Marginal1D) -> str:
    method = "autocorrelation" if m.n_eff_method.startswith("chain") else "Kish"
    return (f"mean ${mean_sd(m.mean, m.std)}$ (sd), "
            f"$n_\\mathrm{{eff}} \\approx {m.n_eff:.0f}$ ({method})")


def marginal_1d(marg: A.Marginal1D | Sequence[A.Marginal1D], ax: Any = None, *,
                best: float | list[float | None] | None = None,
                labels: Sequence[str] | None = None, decorate: bool = True) -> Any:
    """Marginal posterior (histogram scaled to a peak of 1) with the 68% and 95% HPD
    credible regions filled, the posterior mean (dashed line) and, if given, the best fit
    (star). The title gives the mean, the standard deviation and the effective sample
    size with its estimator (`fit.analysis.effective_sample_size`). Several marginals
    (one per run, ``labels``): outlines of their colours, each with its mean; the
    legend gives each run's effective sample size."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    margs = _many(marg)
    bests = list(best) if isinstance(best, list) else [best] * len(margs)
    fig, ax = _axes(ax, 0.75)
    avoid, handles = [], []
    single = len(margs) == 1
    for k, m in enumerate(margs):
        h = m.mass / m.mass.max() if m.mass.max() > 0 else m.mass
        e = m.edges
        colour = "black" if single else S.run_style(k)["color"]
        if single:
            for region, fill in ((1, S.OUTER), (0, S.INNER)):
                ax.fill_between(e, np.r_[h, h[-1]] * np.r_[m.region(region), False],
                                step="post", color=fill, lw=0, zorder=1)
        avoid.append(ax.stairs(h, e, color=colour, lw=1.1, zorder=3))
        avoid.append(ax.axvline(m.mean, color=colour, ls=(0, (4, 2)), lw=0.8, zorder=3))
        if bests[k] is not None:
            avoid.append(ax.plot([bests[k]], [0.0], **{**S.best_marker(None if single else k),
                                                      "clip_on": False})[0])
        if not single:
            name = _run_labels(labels, len(margs))[k]
            handles.append(Line2D([], [], color=colour, lw=1.1,
                                  label=S.tex_safe(f"{name}: ") +
                                  f"$n_\\mathrm{{eff}}\\approx{m.n_eff:.0f}$"))
    m0 = margs[0]
    ax.set_xlim(min(m.edges[0] for m in margs), max(m.edges[-1] for m in margs))
    ax.set_ylim(0, 1.08)
    _scales(ax, m0.quantity)
    if not decorate:
        return fig
    ax.set_ylabel("posterior (peak = 1)")
    if single:
        ax.set_title(_mean_label(m0), fontsize="small")
        handles = [Patch(color=S.INNER, label=f"{_pct(68)} HPD"),
                   Patch(color=S.OUTER, label=f"{_pct(95)} HPD"),
                   Line2D([], [], color="black", ls=(0, (4, 2)), lw=0.8, label="posterior mean")]
        if bests[0] is not None:
            handles.append(Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit"))
    else:
        handles.append(Line2D([], [], color="0.3", ls=(0, (4, 2)), lw=0.8,
                              label="posterior means"))
    S.legend(ax, handles, avoid=avoid, title=_single_title(labels, len(margs)))
    return fig


def _hpd_contours(ax: Any, m: A.Marginal2D, colour: Any, *, fill: bool) -> Any:
    """Contours of the (smoothed) posterior density at the HPD thresholds, on bin centres."""
    cx, cy = A.centres(m.xedges, m.x.log), A.centres(m.yedges, m.y.log)
    t68, t95 = m.thresholds
    density = m.mass.T
    if density.max() <= 0 or len(cx) < 2 or len(cy) < 2:
        return None, None
    fills = None
    top = float(density.max()) * 1.01 + 1e-300
    if fill:
        fills = ax.contourf(cx, cy, density, levels=[t95, t68, top],
                            colors=[S.OUTER, S.INNER], zorder=1)
    levels = sorted({t95, t68})
    lines = ax.contour(cx, cy, density, levels=levels, colors=[colour],
                       linewidths=[0.8, 1.0][-len(levels):],
                       linestyles=["dashed", "solid"][-len(levels):] if not fill else "solid",
                       zorder=3)
    return fills, lines


def marginal_2d(marg: A.Marginal2D | Sequence[A.Marginal2D], ax: Any = None, *,
                best: tuple[float, float] | list[tuple[float, float] | None] | None = None,
                labels: Sequence[str] | None = None, decorate: bool = True) -> Any:
    """2D marginal posterior: 68% and 95% HPD credible regions as smooth contours of the
    histogram (smoothed by ``smooth`` bins in `fit.analysis.marginal_2d`), the posterior
    mean (+) and the best fit (star). Several (one per run, ``labels``): contour lines of
    their colours, 68% solid, 95% dashed."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    margs = _many(marg)
    bests = list(best) if isinstance(best, list) else [best] * len(margs)
    fig, ax = _axes(ax, 0.85)
    avoid, filled, handles = [], [], []
    single = len(margs) == 1
    for k, m in enumerate(margs):
        colour = S.LINE if single else S.run_style(k)["color"]
        fills, lines = _hpd_contours(ax, m, colour, fill=single)
        if fills is not None:
            filled.append(fills)
        if lines is not None:
            avoid.append(lines)
        avoid.append(ax.plot([m.mean[0]], [m.mean[1]], marker="+", color="black" if single
                             else colour, ms=8, mew=1.0, ls="none", zorder=5)[0])
        if bests[k] is not None:
            avoid.append(ax.plot([bests[k][0]], [bests[k][1]],
                                 **S.best_marker(None if single else k))[0])
        if not single:
            handles.append(Line2D([], [], color=colour, lw=1.0,
                                  label=S.tex_safe(_run_labels(labels, len(margs))[k])))
    m0 = margs[0]
    ax.set_xlim(min(m.xedges[0] for m in margs), max(m.xedges[-1] for m in margs))
    ax.set_ylim(min(m.yedges[0] for m in margs), max(m.yedges[-1] for m in margs))
    _scales(ax, m0.x, m0.y)
    if not decorate:
        return fig
    if single:
        handles = [Patch(facecolor=S.INNER, edgecolor=S.LINE, lw=0.6, label=f"{_pct(68)} HPD"),
                   Patch(facecolor=S.OUTER, edgecolor=S.LINE, lw=0.6, label=f"{_pct(95)} HPD")]
    else:
        handles += [Line2D([], [], color="0.2", lw=1.0, label=f"{_pct(68)} HPD"),
                    Line2D([], [], color="0.2", lw=0.8, ls="dashed", label=f"{_pct(95)} HPD")]
    handles.append(Line2D([], [], marker="+", color="black", ms=7, ls="none",
                          label="posterior mean"))
    if bests[0] is not None:
        handles.append(Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit"))
    S.legend(ax, handles, avoid=avoid, avoid_filled=filled,
             title=_single_title(labels, len(margs)))
    return fig


def triangle(results: Any, names: Sequence[str], *, bins: int = 30, smooth: float = 1.0,
             best: bool = True, ranges: dict[str, tuple[float, float] | None] | None = None,
             labels: Sequence[str] | None = None) -> Any:
    """Triangle plot of the posterior: 1D marginals on the diagonal, 2D below, as wide as
    ``figure.figsize`` (the paper settings: the page width). ``results`` is one run or a
    list of runs (drawn over each other, ``labels``); ``ranges`` per name (default: the
    prior range)."""
    import matplotlib
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = _pyplot()
    runs = _many(results)
    n = len(names)
    qs = [[A.quantity(r, name) for name in names] for r in runs]
    rng = [(ranges or {}).get(name) for name in names]
    bests = [r.best() if best else None for r in runs]
    width = matplotlib.rcParams["figure.figsize"][0]
    fig, axes = plt.subplots(n, n, figsize=(width, width), squeeze=False, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.01, w_pad=0.01, hspace=0.0, wspace=0.0)
    single = len(runs) == 1
    for i, j in itertools.product(range(n), range(n)):
        ax = axes[i, j]
        if j > i:
            ax.set_axis_off()
            continue
        if i == j:
            margs = [A.marginal_1d(r, q[i], bins=bins, smooth=smooth, range=rng[i])
                     for r, q in zip(runs, qs, strict=True)]
            marginal_1d(margs, ax, best=[None if b is None else q[i].values[b]
                                         for b, q in zip(bests, qs, strict=True)],
                        decorate=False)
            ax.set_yticks([])
            ax.set_yticks([], minor=True)
        else:
            margs = [A.marginal_2d(r, q[j], q[i], bins=bins, smooth=smooth, xrange=rng[j],
                                   yrange=rng[i]) for r, q in zip(runs, qs, strict=True)]
            marginal_2d(margs, ax, best=[None if b is None else (q[j].values[b], q[i].values[b])
                                         for b, q in zip(bests, qs, strict=True)],
                        decorate=False)
            if j == 0:
                ax.set_ylabel(S.tex_safe(qs[0][i].label))
            else:
                ax.set_ylabel("")
                ax.set_yticklabels([])
        if i == n - 1:
            ax.set_xlabel(S.tex_safe(qs[0][j].label))
        else:
            ax.set_xlabel("")
            ax.set_xticklabels([])
    if single:
        handles = [Patch(facecolor=S.INNER, edgecolor=S.LINE, lw=0.6, label=f"{_pct(68)} HPD"),
                   Patch(facecolor=S.OUTER, edgecolor=S.LINE, lw=0.6, label=f"{_pct(95)} HPD"),
                   Line2D([], [], color="black", ls=(0, (4, 2)), lw=0.8,
                          label="posterior mean (line, +)")]
    else:
        handles = [Line2D([], [], color=S.run_style(k)["color"], lw=1.0, label=S.tex_safe(name))
                   for k, name in enumerate(_run_labels(labels, len(runs)))]
        handles += [Line2D([], [], color="0.2", lw=1.0, label=f"{_pct(68)} HPD"),
                    Line2D([], [], color="0.2", lw=0.8, ls="dashed", label=f"{_pct(95)} HPD")]
    if best and bests[0] is not None:
        handles.append(Line2D([], [], **{**S.BEST, "markersize": 8}, label="best fit"))
    corner = axes[0, n - 1] if n > 1 else axes[0, 0]
    if n > 1:
        corner.legend(handles=handles, loc="upper right", frameon=False,
                      title=_single_title(labels, len(runs)), title_fontsize="small")
    else:
        S.legend(corner, handles, title=_single_title(labels, len(runs)))
    return fig


# --------------------------------------------------------------------------- the set

def _save(fig: Any, directory: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    out = []
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        fig.savefig(path)
        out.append(path)
    _pyplot().close(fig)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "run"


def make_plots(paths: Sequence[str | Path], *, names: Sequence[str] | None = None,
               output: str | Path | None = None, formats: Sequence[str] = ("png",),
               kind: str = "auto", bins: int | None = None, max_pairs: int = MAX_PAIRS,
               color: str | None = None, smooth: float = 1.0, force: bool = False,
               echo: bool = True, labels: Sequence[str] | None = None, pool: bool = False,
               range_mode: str = "zoom", width: str | float = "one", dpi: int = S.DPI,
               chi2_map: bool = False, usetex: bool = False, log_axes: Sequence[str] = (),
               linear_axes: Sequence[str] = ()) -> list[Path]:
    """Write the standard figures of one run, or of several runs drawn over each other
    (``labels`` name them; ``pool`` instead pools runs of one model into one set of
    profiles), and ``bestfit.md``; returns the files written.

    ``kind``: ``'auto'`` (profiles, and posteriors of the runs that have a
    ``/posterior`` table), ``'profile'``, ``'posterior'`` or ``'all'`` (the last two
    refuse runs without a posterior with `fit.analysis.AnalysisError`). ``names``:
    parameters or observables (default: the sampled parameters); 2D plots for pairs up
    to ``max_pairs``. ``range_mode``: ``'zoom'`` (where Delta chi^2 < 11.8, or the
    central 99.7% of the posterior, with a margin) or ``'prior'`` (the whole prior
    range, or all usable values of an observable). ``width``: ``'one'`` column,
    ``'two'`` (the page) or inches (triangle plots take the page width at ``'one'``);
    ``dpi`` of PNG files; ``chi2_map``: Delta chi^2 colour maps under the 2D profiles;
    ``usetex``: typeset with LaTeX if installed; ``log_axes`` / ``linear_axes``: names
    whose axis is forced to log / linear. ``force`` pools runs of different models.
    """
    if kind not in ("auto", "profile", "posterior", "all"):
        raise A.AnalysisError(f"unknown kind '{kind}': expected auto, profile, posterior "
                              f"or all")
    if range_mode not in ("zoom", "prior"):
        raise A.AnalysisError(f"unknown range '{range_mode}': expected zoom or prior")
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad:
        raise A.AnalysisError(f"unknown format(s) {', '.join(bad)}: expected png, pdf or svg")
    try:
        page = S.width_inches(width)
    except ValueError as exc:
        raise A.AnalysisError(str(exc)) from None
    runs = A.load_runs(list(paths))
    if labels and len(labels) != len(runs):
        raise A.AnalysisError(f"--labels gives {len(labels)} name(s) for {len(runs)} run(s)")
    if pool or len(runs) == 1:
        if labels and pool:
            raise A.AnalysisError("--labels names runs drawn over each other; pooled runs "
                                  "(--pool) are one set of points")
        groups = [A.combine(runs, check=not force)]
        run_names = list(labels) if labels else None
    else:
        groups = runs
        run_names = list(labels) if labels else _default_run_labels(runs)
        if color is not None:
            raise A.AnalysisError("--color-by colours the bins of one run: give one run, or "
                                  "pool runs of one model with --pool")
    first = groups[0]
    with_posterior = [k for k, r in enumerate(groups) if A.has_posterior(r)]
    if kind in ("posterior", "all") and not with_posterior:
        raise A.AnalysisError(A.no_posterior_message(first))
    want_posterior = kind in ("posterior", "all") or (kind == "auto" and bool(with_posterior))
    names = list(names) if names else A.default_names(first)
    if not names:
        raise A.AnalysisError("the run has no sampled parameter; name what to plot with "
                              "--params")
    forced = {**{n: True for n in log_axes}, **{n: False for n in linear_axes}}
    unknown = [n for n in forced if n not in names]
    if unknown:
        raise A.AnalysisError(f"--log/--linear name(s) {', '.join(unknown)} not among the "
                              f"quantities plotted ({', '.join(names)})")
    qs = [[A.quantity(r, n, log=forced.get(n)) for n in names] for r in groups]  # checks names
    directory = Path(output) if output else runs[0].path.parent / "plots"
    directory.mkdir(parents=True, exist_ok=True)
    written = _tables(groups, names, run_names, directory, kind, echo)
    pairs = list(itertools.combinations(range(len(names)), 2))[:max_pairs]
    with S.paper(width, usetex=usetex, dpi=dpi):
        import matplotlib

        matplotlib.rcParams["figure.figsize"] = (page, 0.75 * page)
        if kind != "posterior":
            ranges = [_profile_range(groups, qs, k, range_mode) for k in range(len(names))]
            for k in range(len(names)):
                profs = [A.profile_1d(r, q[k], bins=bins, range=ranges[k])
                         for r, q in zip(groups, qs, strict=True)]
                written += _save(profile_1d(profs, labels=run_names), directory,
                                 f"profile_{qs[0][k].short}", formats)
            for a, b in pairs:
                profs = [A.profile_2d(r, q[a], q[b], bins=bins, xrange=ranges[a],
                                      yrange=ranges[b], color=color)
                         for r, q in zip(groups, qs, strict=True)]
                written += _save(profile_2d(profs, labels=run_names, chi2_map=chi2_map),
                                 directory, f"profile_{qs[0][a].short}_{qs[0][b].short}",
                                 formats)
        if want_posterior:
            post = [groups[k] for k in with_posterior]
            pq = [qs[k] for k in with_posterior]
            pnames = [run_names[k] for k in with_posterior] if run_names else None
            if len(post) < len(groups):
                log.info("posterior figures: only %s (the other runs have no /posterior "
                         "table)", ", ".join(pnames or []))
            ranges = [_posterior_range(post, pq, k, range_mode) for k in range(len(names))]
            for k in range(len(names)):
                margs = [A.marginal_1d(r, q[k], bins=bins or 40, smooth=smooth, range=ranges[k])
                         for r, q in zip(post, pq, strict=True)]
                bests = [None if r.best() is None else q[k].values[r.best()]
                         for r, q in zip(post, pq, strict=True)]
                written += _save(marginal_1d(margs, best=bests, labels=pnames), directory,
                                 f"posterior_{pq[0][k].short}", formats)
            for a, b in pairs:
                margs = [A.marginal_2d(r, q[a], q[b], bins=bins or 30, smooth=smooth,
                                       xrange=ranges[a], yrange=ranges[b])
                         for r, q in zip(post, pq, strict=True)]
                bests = [None if r.best() is None else (q[a].values[r.best()],
                                                        q[b].values[r.best()])
                         for r, q in zip(post, pq, strict=True)]
                written += _save(marginal_2d(margs, best=bests, labels=pnames), directory,
                                 f"posterior_{pq[0][a].short}_{pq[0][b].short}", formats)
            if len(names) > 1:
                shown = names[:MAX_TRIANGLE]
                matplotlib.rcParams["figure.figsize"] = (max(page, S.WIDTHS["two"]),) * 2
                written += _save(triangle(post, shown, bins=bins or 30, smooth=smooth,
                                          ranges=dict(zip(names, ranges, strict=True)),
                                          labels=pnames), directory, "triangle", formats)
    if echo:
        print(f"wrote {len(written)} files to {directory}")
    return written


def _default_run_labels(runs: list[Any]) -> list[str]:
    """Names of runs in a comparison: their samplers, or their files where samplers repeat."""
    samplers = [str(r.attrs.get("sampler", "?")) for r in runs]
    if len(set(samplers)) == len(samplers):
        return samplers
    stems = [r.path.stem for r in runs]
    return stems if len(set(stems)) == len(stems) else [str(r.path) for r in runs]


def _profile_range(groups: list[Any], qs: list[list[A.Quantity]], k: int, mode: str
                   ) -> tuple[float, float] | None:
    if mode == "prior":
        return A.union([A.full_range(r, q[k]) for r, q in zip(groups, qs, strict=True)])
    return A.union([A.zoom_range(r, q[k]) for r, q in zip(groups, qs, strict=True)])


def _posterior_range(groups: list[Any], qs: list[list[A.Quantity]], k: int, mode: str
                     ) -> tuple[float, float] | None:
    if mode == "prior":
        return A.union([A.full_range(r, q[k]) for r, q in zip(groups, qs, strict=True)])
    return A.union([A.posterior_range(r, q[k]) for r, q in zip(groups, qs, strict=True)])


def _tables(groups: list[Any], names: list[str], run_names: list[str] | None,
            directory: Path, kind: str, echo: bool) -> list[Path]:
    """``bestfit.md`` (one run, or pooled runs) or ``bestfit_<label>.md`` per run; written
    first, so that they exist even when no point is usable for the figures."""
    written = []
    for k, r in enumerate(groups):
        table = A.breakdown_markdown(A.breakdown(r, intervals_for=[
            n for n in names if n in r.parameters]), r.labels)
        if kind == "auto" and not A.has_posterior(r):
            table += "\n" + ("Posterior: none. " + A.no_posterior_message(r)) + ".\n"
        name = "bestfit.md" if len(groups) == 1 else f"bestfit_{_slug(run_names[k])}.md"
        path = directory / name
        path.write_text(table)
        written.append(path)
        if echo:
            print(table)
    return written


# --------------------------------------------------------------------------- command line

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m fit plot``."""
    parser.add_argument("runs", nargs="+", metavar="RUN",
                        help="run file(s) or directories; several runs are drawn over each "
                             "other (or pooled, with --pool)")
    parser.add_argument("--labels", nargs="+", metavar="NAME",
                        help="names of the runs in the legends (default: their samplers)")
    parser.add_argument("--pool", action="store_true",
                        help="pool several runs of one model into one set of profiles")
    parser.add_argument("--params", nargs="+", metavar="NAME",
                        help="parameters or observables ('observables/NAME' or plain names); "
                             "default: the sampled parameters")
    parser.add_argument("--output", help="directory for the figures (default <run dir>/plots)")
    parser.add_argument("--format", nargs="+", default=["png"], choices=["png", "pdf", "svg"],
                        help="file format(s) (default png; pdf and svg are vector)")
    parser.add_argument("--kind", default="auto", choices=["auto", "profile", "posterior", "all"],
                        help="auto: profiles, and posteriors of runs with a /posterior table")
    parser.add_argument("--range", dest="range_mode", default="zoom", choices=["zoom", "prior"],
                        help="zoom: where Delta chi^2 < 11.8 (or the central 99.7%% of the "
                             "posterior) with a margin (default); prior: the whole prior box")
    parser.add_argument("--width", default="one", metavar="one|two|INCHES",
                        help="figure width: one column (3.4 in, default), two (the page, "
                             "7.0 in) or inches")
    parser.add_argument("--dpi", type=int, default=S.DPI,
                        help=f"resolution of PNG files (default {S.DPI})")
    parser.add_argument("--chi2-map", action="store_true",
                        help="draw Delta chi^2 as a colour map under the 2D profile contours")
    parser.add_argument("--log", nargs="+", default=[], metavar="NAME",
                        help="log axes for these quantities")
    parser.add_argument("--linear", nargs="+", default=[], metavar="NAME",
                        help="linear axes for these quantities (e.g. a log prior)")
    parser.add_argument("--usetex", action="store_true",
                        help="typeset text with LaTeX (needs latex and dvipng; else mathtext)")
    parser.add_argument("--bins", type=int, help="bins per axis (default from the point count; "
                                                 "grid runs: their nodes)")
    parser.add_argument("--max-pairs", type=int, default=MAX_PAIRS,
                        help=f"at most this many 2D plots (default {MAX_PAIRS})")
    parser.add_argument("--color-by", metavar="NAME",
                        help="colour 2D profile bins by a quantity at the bin's best point, or "
                             f"'{A.PENALTY}' for the likelihood term with the largest penalty")
    parser.add_argument("--smooth", type=float, default=1.0,
                        help="Gaussian smoothing of posterior histograms, in bins (default 1)")
    parser.add_argument("--force", action="store_true",
                        help="pool runs even if their physics hashes differ")


def command(args: argparse.Namespace) -> int:
    """Run ``python -m fit plot``; errors are `fit.errors.FitError` for the CLI to print."""
    make_plots(args.runs, names=args.params, output=args.output, formats=args.format,
               kind=args.kind, bins=args.bins, max_pairs=args.max_pairs, color=args.color_by,
               smooth=args.smooth, force=args.force, labels=args.labels, pool=args.pool,
               range_mode=args.range_mode, width=args.width, dpi=args.dpi,
               chi2_map=args.chi2_map, usetex=args.usetex, log_axes=args.log,
               linear_axes=args.linear)
    return 0

