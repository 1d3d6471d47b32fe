"""Figures of a run: profile likelihoods, posteriors, triangle plots, best-fit table.

``python -m fit plot RUN.h5 [RUN2.h5 ...]`` writes the standard set into ``<run dir>/plots/``;
the functions here draw the objects of `fit.analysis` (which holds every number and the
statistical conventions) onto matplotlib axes, for custom figures. matplotlib is imported
inside the functions, with the Agg backend, so that importing this module stays light.

    >>> from fit.results import load
    >>> from fit import analysis, plot
    >>> r = load("runs/gaussian")
    >>> fig = plot.profile_1d(analysis.profile_1d(r, "x1"))
    >>> fig.savefig("x1.png")
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import analysis as A  # noqa: N812 - short, used throughout

#: Fill colours: 68% (1 sigma) region, 95% (2 sigma) region, rest of the sampled area.
INNER, OUTER, SAMPLED = "#1f5fa8", "#8fb8e0", "#eeeeee"
BEST = dict(marker="*", color="#d62728", markersize=14, markeredgecolor="white",
            markeredgewidth=0.8, linestyle="none", zorder=5)
MAX_PAIRS = 15
MAX_TRIANGLE = 8


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Any, size: tuple[float, float] = (5.0, 4.0)) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


def _logscale(ax: Any, x: A.Quantity | None = None, y: A.Quantity | None = None) -> None:
    if x is not None and x.log:
        ax.set_xscale("log")
    if y is not None and y.log:
        ax.set_yscale("log")


def _regions(ax: Any, xedges: np.ndarray, yedges: np.ndarray, inner: np.ndarray,
             outer: np.ndarray, sampled: np.ndarray | None) -> None:
    """Fill bins: inner region dark, outer light, other sampled bins grey, empty white."""
    from matplotlib.colors import ListedColormap

    code = np.full(inner.shape, np.nan)
    if sampled is not None:
        code[sampled] = 0
    code[outer] = 1
    code[inner] = 2
    cmap = ListedColormap([SAMPLED, OUTER, INNER])
    ax.pcolormesh(xedges, yedges, np.ma.masked_invalid(code).T, cmap=cmap, vmin=-0.5,
                  vmax=2.5, shading="flat", rasterized=True)


def _legend_regions(ax: Any, labels: tuple[str, str], best: bool = True,
                    extra: list[Any] | None = None) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=INNER, label=labels[0]), Patch(color=OUTER, label=labels[1])]
    if best:
        handles.append(Line2D([], [], **{**BEST, "markersize": 10}, label="best fit"))
    ax.legend(handles=handles + (extra or []), fontsize=8, loc="best", framealpha=0.8)


# --------------------------------------------------------------------------- profiles

def profile_1d(prof: A.Profile1D, ax: Any = None, *, ymax: float = 9.0) -> Any:
    """Delta chi^2 = -2 Delta ln L through the bins' best points, with the 1 and 2 sigma
    lines (Delta chi^2 = 1, 4: one degree of freedom, Wilks) and the best fit."""
    fig, ax = _axes(ax)
    ok = prof.index >= 0
    ax.plot(prof.at[ok], prof.delta_chi2[ok], color="black", lw=1.5, marker=".", ms=3,
            label="profile likelihood")
    for level, name in zip(A.SIGMA_1D, ("1σ", "2σ"), strict=True):
        ax.axhline(level, color="grey", ls="--", lw=0.8)
        ax.text(1.0, level, f" {name}", transform=ax.get_yaxis_transform(), va="center",
                fontsize=8, color="grey")
    for k, (lo, hi) in enumerate(prof.interval(A.SIGMA_1D[0])):
        ax.axvspan(lo, hi, color=OUTER, alpha=0.4, lw=0,
                   label=None if k else r"68% CL ($\Delta\chi^2 < 1$)")
    ax.plot([prof.best], [0.0], **{**BEST, "clip_on": False}, label="best fit")
    ax.set_xlim(prof.edges[0], prof.edges[-1])
    ax.set_ylim(0, ymax)
    _logscale(ax, prof.quantity)
    ax.set_xlabel(prof.quantity.label)
    ax.set_ylabel(r"$\Delta\chi^2 = -2\,\Delta\ln L$")
    ax.legend(fontsize=8, loc="upper center")
    return fig


def profile_2d(prof: A.Profile2D, ax: Any = None) -> Any:
    """Filled 68% and 95% CL regions (Delta chi^2 = 2.30, 5.99: two degrees of freedom),
    grey where sampled but outside, white where no point fell; the best fit. With
    ``prof.color``, the bins are coloured by that quantity (or by the term with the
    largest penalty) instead, and the regions are outlined."""
    fig, ax = _axes(ax, (5.5, 4.5) if prof.color is not None else (5.0, 4.0))
    inner, outer = (prof.region(level) for level in A.LEVELS_2D)
    if prof.color is None:
        _regions(ax, prof.xedges, prof.yedges, inner, outer, prof.index >= 0)
        _legend_regions(ax, ("68% CL", "95% CL"))
    else:
        _colour_bins(fig, ax, prof)
    ax.plot([prof.best[0]], [prof.best[1]], **BEST)
    ax.set_xlim(prof.xedges[0], prof.xedges[-1])
    ax.set_ylim(prof.yedges[0], prof.yedges[-1])
    _logscale(ax, prof.x, prof.y)
    ax.set_xlabel(prof.x.label)
    ax.set_ylabel(prof.y.label)
    ax.set_title("profile likelihood", fontsize=9)
    return fig


def _colour_bins(fig: Any, ax: Any, prof: A.Profile2D) -> None:
    import matplotlib.patheffects as pe
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
        handles = [Patch(color=cmap(k), label=t) for k, t in enumerate(prof.categories)]
    else:
        finite = grid.compressed()
        wide = finite.size and finite.min() > 0 and finite.max() > 100 * finite.min()
        mesh = ax.pcolormesh(prof.xedges, prof.yedges, grid.T, cmap="viridis",
                             norm=LogNorm() if wide else None, shading="flat",
                             rasterized=True)
        fig.colorbar(mesh, ax=ax, label=prof.color_label)
        handles = []
    # region outlines on the bin-centre grid (empty bins count as outside)
    cx = A.centres(prof.xedges, prof.x.log)
    cy = A.centres(prof.yedges, prof.y.log)
    chi2 = np.nan_to_num(prof.delta_chi2, nan=1e9).T
    outline = [pe.withStroke(linewidth=2.6, foreground="black")]
    lines = ax.contour(cx, cy, chi2, levels=list(A.LEVELS_2D), colors="white",
                       linestyles=["solid", "dashed"], linewidths=1.3)
    lines.set_path_effects(outline)
    handles += [Line2D([], [], color="white", ls=ls, lw=1.3, path_effects=outline, label=lab)
                for ls, lab in (("solid", "68% CL"), ("dashed", "95% CL"))]
    handles.append(Line2D([], [], **{**BEST, "markersize": 10}, label="best fit"))
    title = prof.color_label if prof.categories else None
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8, title=title,
              title_fontsize=7)


# --------------------------------------------------------------------------- posteriors

def marginal_1d(marg: A.Marginal1D, ax: Any = None, *, best: float | None = None,
                labels: bool = True) -> Any:
    """Marginal posterior (histogram scaled to a peak of 1) with the 68% and 95% HPD
    credible regions filled, the posterior mean (dashed) and, if given, the best fit."""
    fig, ax = _axes(ax)
    h = marg.mass / marg.mass.max() if marg.mass.max() > 0 else marg.mass
    e = marg.edges
    for k, colour in ((1, OUTER), (0, INNER)):
        ax.fill_between(e, np.r_[h, h[-1]] * np.r_[marg.region(k), False], step="post",
                        color=colour, lw=0)
    ax.stairs(h, e, color="black", lw=1.2)
    ax.axvline(marg.mean, color="black", ls="--", lw=0.8)
    if best is not None:
        ax.plot([best], [0.0], **{**BEST, "clip_on": False})
    ax.set_xlim(e[0], e[-1])
    ax.set_ylim(0, 1.08)
    _logscale(ax, marg.quantity)
    if labels:
        ax.set_xlabel(marg.quantity.label)
        ax.set_ylabel("posterior (peak = 1)")
        ax.set_title(f"mean {marg.mean:.4g} ± {marg.std:.3g} (sd), "
                     f"{marg.n_eff:.0f} eff. samples", fontsize=8)
        _legend_regions(ax, ("68% HPD", "95% HPD"), best=best is not None)
    return fig


def marginal_2d(marg: A.Marginal2D, ax: Any = None, *, best: tuple[float, float] | None = None,
                labels: bool = True) -> Any:
    """2D marginal posterior: 68% and 95% HPD credible regions, the mean (+), best fit."""
    fig, ax = _axes(ax)
    _regions(ax, marg.xedges, marg.yedges, marg.region(0), marg.region(1), None)
    ax.plot([marg.mean[0]], [marg.mean[1]], marker="+", color="black", ms=10, ls="none")
    if best is not None:
        ax.plot([best[0]], [best[1]], **BEST)
    ax.set_xlim(marg.xedges[0], marg.xedges[-1])
    ax.set_ylim(marg.yedges[0], marg.yedges[-1])
    _logscale(ax, marg.x, marg.y)
    if labels:
        ax.set_xlabel(marg.x.label)
        ax.set_ylabel(marg.y.label)
        ax.set_title("marginal posterior", fontsize=9)
        _legend_regions(ax, ("68% HPD", "95% HPD"), best=best is not None)
    return fig


def triangle(results: Any, names: Sequence[str], *, bins: int = 30, smooth: float = 1.0,
             best: bool = True) -> Any:
    """Triangle plot of the posterior: 1D marginals on the diagonal, 2D below."""
    plt = _pyplot()
    qs = [A.quantity(results, n) for n in names]
    n = len(qs)
    b = results.best() if best else None
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n + 0.6, 2.2 * n + 0.6), squeeze=False,
                             layout="constrained")
    for i, j in itertools.product(range(n), range(n)):
        ax = axes[i, j]
        if j > i:
            ax.set_axis_off()
            continue
        if i == j:
            m = A.marginal_1d(results, qs[i], bins=bins, smooth=smooth)
            marginal_1d(m, ax, best=None if b is None else qs[i].values[b], labels=False)
            ax.set_yticks([])
        else:
            m2 = A.marginal_2d(results, qs[j], qs[i], bins=bins, smooth=smooth)
            marginal_2d(m2, ax, best=None if b is None else (qs[j].values[b],
                                                              qs[i].values[b]), labels=False)
            if j == 0:
                ax.set_ylabel(qs[i].label)
            else:
                ax.set_yticklabels([])
        if i == n - 1:
            ax.set_xlabel(qs[j].label)
        else:
            ax.set_xticklabels([])
    _legend_regions(axes[0, n - 1] if n > 1 else axes[0, 0], ("68% HPD", "95% HPD"),
                    best=b is not None)
    if n > 1:
        axes[0, n - 1].set_axis_off()
    return fig


# --------------------------------------------------------------------------- the set

def _save(fig: Any, directory: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    out = []
    for fmt in formats:
        path = directory / f"{stem}.{fmt}"
        fig.savefig(path, dpi=110)
        out.append(path)
    _pyplot().close(fig)
    return out


def make_plots(paths: Sequence[str | Path], *, names: Sequence[str] | None = None,
               output: str | Path | None = None, formats: Sequence[str] = ("png",),
               kind: str = "auto", bins: int | None = None, max_pairs: int = MAX_PAIRS,
               color: str | None = None, smooth: float = 1.0, force: bool = False,
               echo: bool = True) -> list[Path]:
    """Write the standard figures of one run (or several runs of one model, pooled for
    the profiles) and ``bestfit.md``; returns the files written.

    ``kind``: ``'auto'`` (profiles, and posteriors when the run has a ``/posterior``
    table), ``'profile'``, ``'posterior'`` or ``'all'`` (the last two refuse runs
    without a posterior with `fit.analysis.AnalysisError`). ``names``: parameters
    or observables (default: the sampled parameters); 2D plots for pairs up to
    ``max_pairs``. ``force`` pools runs of different models.
    """
    if kind not in ("auto", "profile", "posterior", "all"):
        raise A.AnalysisError(f"unknown kind '{kind}': expected auto, profile, posterior "
                              f"or all")
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad:
        raise A.AnalysisError(f"unknown format(s) {', '.join(bad)}: expected png, pdf or svg")
    runs = A.load_runs(list(paths))
    pooled = A.combine(runs, check=not force)
    first = runs[0]
    want_posterior = kind in ("posterior", "all") or (kind == "auto" and len(runs) == 1
                                                      and A.has_posterior(first))
    if want_posterior and (len(runs) > 1 or not A.has_posterior(first)):
        raise A.AnalysisError(A.no_posterior_message(pooled))
    names = list(names) if names else A.default_names(pooled)
    if not names:
        raise A.AnalysisError("the run has no sampled parameter; name what to plot with "
                              "--params")
    qs = [A.quantity(pooled, n) for n in names]   # checks every name before drawing
    directory = Path(output) if output else first.path.parent / "plots"
    directory.mkdir(parents=True, exist_ok=True)
    # the table first: it is written even when no point is usable for the figures
    table = A.breakdown_markdown(A.breakdown(pooled, intervals_for=[
        n for n in names if n in pooled.parameters]), pooled.labels)
    if kind == "auto" and not want_posterior:
        table += "\n" + ("Posterior: none. " + A.no_posterior_message(pooled)) + ".\n"
    md = directory / "bestfit.md"
    md.write_text(table)
    written: list[Path] = [md]
    pairs = list(itertools.combinations(qs, 2))[:max_pairs]
    if kind != "posterior":
        for q in qs:
            written += _save(profile_1d(A.profile_1d(pooled, q, bins=bins)), directory,
                             f"profile_{q.short}", formats)
        for qx, qy in pairs:
            prof = A.profile_2d(pooled, qx, qy, bins=bins, color=color)
            written += _save(profile_2d(prof), directory, f"profile_{qx.short}_{qy.short}",
                             formats)
    if want_posterior:
        b = first.best()
        for q in qs:
            m = A.marginal_1d(first, q, bins=bins or 40, smooth=smooth)
            written += _save(marginal_1d(m, best=None if b is None else q.values[b]),
                             directory, f"posterior_{q.short}", formats)
        for qx, qy in pairs:
            m2 = A.marginal_2d(first, qx, qy, bins=bins or 30, smooth=smooth)
            written += _save(marginal_2d(m2, best=None if b is None else
                                         (qx.values[b], qy.values[b])),
                             directory, f"posterior_{qx.short}_{qy.short}", formats)
        if len(qs) > 1:
            written += _save(triangle(first, names[:MAX_TRIANGLE], bins=bins or 30,
                                      smooth=smooth), directory, "triangle", formats)
    if echo:
        print(table)
        print(f"wrote {len(written)} files to {directory}")
    return written


# --------------------------------------------------------------------------- command line

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m fit plot``."""
    parser.add_argument("runs", nargs="+", metavar="RUN",
                        help="run file(s) or directories; several runs of one model are "
                             "pooled for the profile likelihoods")
    parser.add_argument("--params", nargs="+", metavar="NAME",
                        help="parameters or observables ('observables/NAME' or plain names); "
                             "default: the sampled parameters")
    parser.add_argument("--output", help="directory for the figures (default <run dir>/plots)")
    parser.add_argument("--format", nargs="+", default=["png"], choices=["png", "pdf", "svg"],
                        help="file format(s) (default png)")
    parser.add_argument("--kind", default="auto", choices=["auto", "profile", "posterior", "all"],
                        help="auto: profiles, and posteriors if the run has a /posterior table")
    parser.add_argument("--bins", type=int, help="bins per axis (default from the point count)")
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
               smooth=args.smooth, force=args.force)
    return 0
