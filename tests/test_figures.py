"""Figures a physicist puts in a paper, checked against known answers.

The runs are those of test_analysis: a 2D correlated Gaussian (mean MU, standard
deviations SIGMA, correlation RHO) on the prior box [-6, 6]^2, scanned at random and
sampled by importance weights. Expected values are analytic: the profile likelihood of
a Gaussian is Delta chi^2 = (x - mu)^T C^-1 (x - mu), so the 1D zoom range is
mu +- sqrt(ZOOM_LEVEL) sigma and the 2D contours are the ellipses of LEVELS_2D.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from test_analysis import (  # noqa: F401 - fixtures
    COV,
    MU,
    SIGMA,
    ellipse,
    posterior_run,
    random_run,
    write_run,
)

from fit import analysis, figstyle, plot
from fit.results import Results, load
from fit.run import run


@pytest.fixture
def captured(monkeypatch) -> dict[str, object]:
    """The figures make_plots draws, by file stem, instead of closing them."""
    figures: dict[str, object] = {}

    def keep(fig, directory, stem, formats):
        figures[stem] = fig
        return [Path(directory) / f"{stem}.{f}" for f in formats]

    monkeypatch.setattr(plot, "_save", keep)
    yield figures
    import matplotlib.pyplot as plt

    plt.close("all")


def zoom_expected(k: int, margin: float = analysis.ZOOM_MARGIN) -> tuple[float, float]:
    """mu +- sqrt(ZOOM_LEVEL) sigma widened by the margin, clipped to the box [-6, 6]."""
    half = np.sqrt(analysis.ZOOM_LEVEL) * SIGMA[k] * (1 + 2 * margin)
    return max(MU[k] - half, -6.0), min(MU[k] + half, 6.0)


# ---------------------------------------------------------------------------- zoom

def test_zoom_range_is_the_3_sigma_region_with_a_margin(random_run):  # noqa: F811
    """The points with Delta chi^2 <= 11.83 reach to within ~0.05 of the analytic ends
    (40000 points in 144 units^2: the extreme point of a thin cap), so the zoomed range
    is the analytic one to 0.1."""
    r = load(random_run)
    for k, name in enumerate(["x1", "x2"]):
        low, high = analysis.zoom_range(r, name)
        assert (low, high) == pytest.approx(zoom_expected(k), abs=0.1)
    # x2 reaches the prior's lower edge: clipped there, not beyond
    assert analysis.zoom_range(r, "x2")[0] == -6.0


def test_figures_zoom_by_default_and_span_the_prior_with_range_prior(
        random_run, tmp_path, captured):  # noqa: F811
    plot.make_plots([random_run], output=tmp_path / "z", echo=False)
    for stem, k in (("profile_x1", 0), ("profile_x2", 1)):
        assert captured[stem].axes[0].get_xlim() == pytest.approx(zoom_expected(k), abs=0.1)
    ax = captured["profile_x1_x2"].axes[0]
    assert ax.get_xlim() == pytest.approx(zoom_expected(0), abs=0.1)
    assert ax.get_ylim() == pytest.approx(zoom_expected(1), abs=0.1)
    captured.clear()
    plot.make_plots([random_run], output=tmp_path / "p", range_mode="prior", echo=False)
    ax = captured["profile_x1_x2"].axes[0]
    assert ax.get_xlim() == (-6.0, 6.0) and ax.get_ylim() == (-6.0, 6.0)


def test_posterior_figures_zoom_to_the_central_posterior_mass(
        posterior_run, tmp_path, captured):  # noqa: F811
    """Central 99.73% of a Gaussian marginal: mu +- 3 sigma, widened by the margin (the
    importance sample's quantiles scatter by ~0.1 sigma this far out)."""
    plot.make_plots([posterior_run], output=tmp_path / "z", echo=False, kind="posterior")
    for k in range(2):
        ax = captured[f"posterior_x{k + 1}"].axes[0]
        half = 3 * SIGMA[k] * (1 + 2 * analysis.ZOOM_MARGIN)
        expected = (max(MU[k] - half, -6.0), min(MU[k] + half, 6.0))
        assert ax.get_xlim() == pytest.approx(expected, abs=0.25 * SIGMA[k])


# ---------------------------------------------------------------------------- contours

def contour_vertices(fig, level: float) -> np.ndarray:
    """The drawn contour line at ``level`` (data coordinates) of the 2D profile figure."""
    from matplotlib.contour import ContourSet

    sets = [c for c in fig.axes[0].collections if isinstance(c, ContourSet) and not c.filled]
    assert len(sets) == 1
    k = list(sets[0].levels).index(level)
    vertices = sets[0].get_paths()[k].vertices
    assert len(vertices) > 50
    return vertices


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from each point of a to the nearest point of b."""
    return np.min(np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2), axis=1)


def test_contour_lines_are_the_analytic_ellipses_within_a_bin(random_run):  # noqa: F811
    """The 68% and 95% contour lines drawn (Delta chi^2 = 2.30, 5.99) and the analytic
    ellipses are within one bin diagonal of each other both ways (Hausdorff distance):
    the line neither strays from the ellipse nor leaves part of it out. The smooth
    surface agrees point by point: the ellipse moved a bin diagonal inwards is inside the
    region, moved outwards is outside."""
    r = load(random_run)
    qx, qy = analysis.quantity(r, "x1"), analysis.quantity(r, "x2")
    prof = analysis.profile_2d(r, qx, qy, xrange=analysis.zoom_range(r, qx),
                               yrange=analysis.zoom_range(r, qy))
    d = float(np.hypot(np.diff(prof.xedges).max(), np.diff(prof.yedges).max()))
    with figstyle.paper():
        fig = plot.profile_2d(prof)
    surface = prof.surface()
    inverse = np.linalg.inv(COV)
    for level in analysis.LEVELS_2D:
        truth = ellipse(level, 2000)
        drawn = contour_vertices(fig, level)
        assert distances(drawn, truth).max() < d
        assert distances(truth, drawn).max() < d
        normal = (truth - MU) @ inverse
        normal /= np.linalg.norm(normal, axis=1)[:, None]
        for shift, expected in ((-d, True), (d, False)):
            moved = truth + shift * normal
            i = np.searchsorted(surface.xedges, moved[:, 0]) - 1
            j = np.searchsorted(surface.yedges, moved[:, 1]) - 1
            assert (surface.region(level)[i, j] == expected).all()


def test_surface_never_fills_a_bin_without_points():
    """A scan with a hole: a square of the plane where no point was drawn, in the middle
    of the 68% region. The hole's bins have no value, the region stops at them, and no
    cell farther than one bin from a bin whose best point is inside gets inside."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-4, 4, (60_000, 2))
    hole = (np.abs(x[:, 0] - 0.3) < 0.6) & (np.abs(x[:, 1] + 0.2) < 0.6)
    x = x[~hole]
    loglike = -0.5 * np.sum(x**2, axis=1)
    r = Results(path=Path("hole.h5"), attrs={"invalid_loglike": -1e100, "sampler": "test"},
                point={"id": np.arange(len(x)), "valid": np.ones(len(x), bool),
                       "loglike": loglike, "code": np.full(len(x), "", dtype=object)},
                parameters={"a": x[:, 0], "b": x[:, 1]}, terms={"g": loglike})
    prof = analysis.profile_2d(r, "a", "b", bins=40)
    s = prof.surface(upsample=4)
    empty = np.repeat(np.repeat(prof.index < 0, 4, axis=0), 4, axis=1)
    assert empty.any() and np.isnan(s.delta_chi2[empty]).all()
    assert np.isfinite(s.delta_chi2[~empty]).all()
    for level in analysis.LEVELS_2D:
        grown = prof.region(level)
        grown = np.pad(grown, 1)
        grown = np.logical_or.reduce([np.roll(np.roll(grown, a, 0), b, 1)
                                      for a in (-1, 0, 1) for b in (-1, 0, 1)])[1:-1, 1:-1]
        near = np.repeat(np.repeat(grown, 4, axis=0), 4, axis=1)
        assert not (s.region(level) & ~near).any()


def test_the_legend_hides_no_curve(random_run):  # noqa: F811
    from matplotlib.contour import ContourSet

    r = load(random_run)
    with figstyle.paper():
        for fig in (plot.profile_1d(analysis.profile_1d(r, "x1")),
                    plot.profile_2d(analysis.profile_2d(r, "x1", "x2"))):
            ax = fig.axes[0]
            legend = ax.get_legend()
            fig.canvas.draw()
            box = legend.get_window_extent(fig.canvas.get_renderer())
            lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
            curves = [*ax.lines, *lines]
            assert curves and figstyle.clear_of(box, curves)


def test_1d_profile_shades_the_68_and_95_percent_intervals(random_run):  # noqa: F811
    """Delta chi^2 < 1 and < 3.84 (one degree of freedom): mu +- sigma and mu +- 1.96
    sigma, to the bin resolution."""
    from matplotlib.patches import Rectangle

    r = load(random_run)
    with figstyle.paper():
        fig = plot.profile_1d(analysis.profile_1d(r, "x1"))
    spans = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    widths = sorted(p.get_width() for p in spans)
    assert len(spans) == 2
    assert widths == pytest.approx([2 * SIGMA[0], 2 * 1.959964 * SIGMA[0]], abs=0.1)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[:3] == ["68$\\%$ CL", "95$\\%$ CL", "best fit"]


# ---------------------------------------------------------------------------- several runs

def test_several_runs_in_one_figure(random_run, posterior_run, tmp_path, captured):  # noqa: F811
    """Two runs with --labels: one curve, one set of contour lines and one best fit per
    run, in its colour, named in the legend; one best-fit table per run; posterior
    figures of the run that has a posterior only."""
    from matplotlib.contour import ContourSet

    out = tmp_path / "cmp"
    written = plot.make_plots([random_run, posterior_run], labels=["random", "weighted"],
                              output=out, echo=False)
    assert {p.name for p in written if p.suffix == ".md"} == {"bestfit_random.md",
                                                             "bestfit_weighted.md"}
    colours = [figstyle.RUN_COLOURS[0], figstyle.RUN_COLOURS[1]]
    ax = captured["profile_x1"].axes[0]
    drawn = {line.get_color() for line in ax.lines if len(line.get_xdata()) > 5}
    assert drawn == set(colours)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random", "weighted"]
    ax = captured["profile_x1_x2"].axes[0]
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    from matplotlib.colors import to_hex

    assert sorted(to_hex(c.get_edgecolor()[0]) for c in lines) == sorted(
        to_hex(c) for c in colours)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["random", "weighted"]
    # the best fits of both runs are marked
    best = [line for line in ax.lines if len(line.get_xdata()) == 1]
    assert len(best) == 2
    # posteriors: only the weighted run has one; its figure names it
    ax = captured["posterior_x1"].axes[0]
    assert ax.get_legend().get_title().get_text() == "weighted"
    assert "triangle" in captured


def test_labels_must_match_the_runs(random_run, posterior_run, tmp_path):  # noqa: F811
    with pytest.raises(analysis.AnalysisError, match="2 run"):
        plot.make_plots([random_run, posterior_run], labels=["one"], output=tmp_path)


# ---------------------------------------------------------------------------- sizes

def test_paper_sizes_and_resolution(random_run, tmp_path):  # noqa: F811
    """PNG at 300 dpi, one column 3.4 in wide (1020 pixels), the page 7.0 in; PDF vector."""
    from PIL import Image

    out = tmp_path / "one"
    plot.make_plots([random_run], output=out, names=["x1"], formats=["png", "pdf"],
                    echo=False)
    with Image.open(out / "profile_x1.png") as image:
        assert image.size[0] == round(3.4 * 300)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    assert (out / "profile_x1.pdf").read_bytes()[:4] == b"%PDF"
    out = tmp_path / "two"
    plot.make_plots([random_run], output=out, names=["x1"], width="two", dpi=150, echo=False)
    with Image.open(out / "profile_x1.png") as image:
        assert image.size[0] == round(7.0 * 150)
    with pytest.raises(analysis.AnalysisError, match="width"):
        plot.make_plots([random_run], output=out, width="wide", echo=False)


# ---------------------------------------------------------------------------- posteriors

def test_effective_sample_size_of_a_chain_is_n_over_tau():
    """AR(1) chains x_t = phi x_{t-1} + noise have the integrated autocorrelation time
    (1 + phi) / (1 - phi) (19 for phi = 0.9); 16 walkers of 20000 steps estimate it to a
    few per cent."""
    rng = np.random.default_rng(7)
    phi, steps, walkers = 0.9, 20_000, 16
    x = np.zeros((steps, walkers))
    noise = rng.normal(size=(steps, walkers))
    for t in range(1, steps):
        x[t] = phi * x[t - 1] + noise[t]
    tau = analysis.autocorrelation_time(x)
    assert tau == pytest.approx((1 + phi) / (1 - phi), rel=0.1)
    assert analysis.autocorrelation_time(rng.normal(size=(5000, 8))) == pytest.approx(1, abs=0.1)


def test_emcee_titles_give_the_autocorrelation_sample_size(write_yaml, tmp_path):
    """An emcee run: the posterior title's n_eff is N / tau of that parameter, and for the
    slowest parameter the number the run records (and logs): walkers x steps / tau_max;
    never the chain length."""
    pytest.importorskip("emcee")
    path = run(write_yaml("""
        parameters:
          x1: [-6, 6]
          x2: [-6, 6]
        likelihoods:
          gaussian: {parameters: [x1, x2], mean: [1.0, -0.5], sigma: [1.0, 1.5], correlation: 0.9}
        sampler: {name: emcee, nwalkers: 16, nsteps: 1500, burn: 500}
        seed: 2
        """), output=tmp_path / "e")
    r = load(path)
    recorded = float(r.posterior_attrs["effective_samples"])
    margs = [analysis.marginal_1d(r, name) for name in ("x1", "x2")]
    assert all(m.n_eff_method == "chain autocorrelation" for m in margs)
    assert min(m.n_eff for m in margs) == pytest.approx(recorded, rel=1e-6)
    assert max(m.n_eff for m in margs) < 16 * 1000 / 3
    with figstyle.paper():
        fig = plot.marginal_1d(margs[0])
    title = fig.axes[0].get_title()
    assert f"\\approx {margs[0].n_eff:.0f}$" in title and "autocorrelation" in title


def test_weighted_samples_use_kish(posterior_run):  # noqa: F811
    r = load(posterior_run)
    m = analysis.marginal_1d(r, "x1")
    _, w = analysis.posterior_sample(r)
    assert m.n_eff_method.startswith("Kish") and m.n_eff == analysis.effective_size(w)
    with figstyle.paper():
        fig = plot.marginal_1d(m, best=1.0)
    ax = fig.axes[0]
    assert "Kish" in ax.get_title()
    # the posterior mean: a dashed line at the weighted mean, named in the legend
    dashed = [line for line in ax.lines if line.get_linestyle() not in ("-", "None")
              and len(set(line.get_xdata())) == 1]
    assert [line.get_xdata()[0] for line in dashed] == [pytest.approx(m.mean)]
    assert "posterior mean" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_mean_and_standard_deviation_are_rounded_together():
    assert plot.mean_sd(0.98988, 0.99712) == "0.99 \\pm 1.00"
    assert plot.mean_sd(1234.4, 152.0) == "1234 \\pm 152"
    assert plot.mean_sd(0.012342, 0.00034) == "0.01234 \\pm 0.00034"


# ---------------------------------------------------------------------------- grids

def test_grid_runs_are_binned_on_their_nodes(write_yaml, tmp_path):
    """A 7 x 9 grid of cell centres: the bins of profiles and posteriors are centred on
    the nodes (one node per bin, edges midway), also when zoomed; with nodes on the
    edges of the box, the outer bins reach half a spacing beyond it."""
    for nodes, shape in (("centres", (7, 9)), ("edges", (5, 6))):
        path = run(write_yaml(f"""
            parameters:
              x1: [-6, 6]
              x2: {{prior: log, range: [0.1, 100]}}
            likelihoods:
              gaussian: {{parameters: [x1, x2], mean: [1.0, 3.0], sigma: [2.0, 20.0]}}
            sampler: {{name: grid, points: {list(shape)}, nodes: {nodes}}}
            """, name=f"{nodes}.yaml"), output=tmp_path / nodes)
        r = load(path)
        for name, n in zip(("x1", "x2"), shape, strict=True):
            q = analysis.quantity(r, name)
            values = np.unique(q.values)
            assert len(values) == n
            for e in (analysis.profile_1d(r, q).edges, analysis.marginal_1d(r, q).edges,
                      analysis.profile_1d(r, q, range=analysis.zoom_range(r, q)).edges):
                t, tv = (np.log10(e), np.log10(values)) if q.log else (e, values)
                centres = 0.5 * (t[1:] + t[:-1])
                inside = (tv >= t[0]) & (tv <= t[-1])
                np.testing.assert_allclose(centres, tv[inside], atol=1e-9)
        prof = analysis.profile_2d(r, "x1", "x2")
        assert (prof.index >= 0).all()          # one node in every bin


# ---------------------------------------------------------------------------- gallery

def test_the_readme_gallery_is_what_the_gallery_script_makes(capsys):
    """Every figure the README shows is in docs/figures and made by docs/gallery.py, and
    the NMSSM run file it uses is valid."""
    import importlib.util
    import re

    from fit.cli import main

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("gallery", root / "docs" / "gallery.py")
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    shown = set(re.findall(r"docs/figures/([\w.-]+\.png)", (root / "README.md").read_text()))
    assert shown and shown == set(gallery.SHOWN)
    assert all((root / "docs" / "figures" / name).is_file() for name in shown)
    assert main(["check", str(root / "yaml/examples/nmssm_higgs_scan.yaml")]) == 0
    assert "2 likelihood terms" in capsys.readouterr().out
