"""``python -m fit plot``: the files it writes, the refusals it makes, and fit.plot's API."""

from __future__ import annotations

from pathlib import Path

import pytest

from fit.cli import main
from fit.results import load

pytest.importorskip("matplotlib")

from test_analysis import posterior_run, random_run  # noqa: F401


def names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_cli_writes_the_profile_set_and_the_best_fit_table(random_run, capsys):  # noqa: F811
    """A random scan: profiles (1D each, the 2D pair), bestfit.md; no posterior plots, and
    the table says why."""
    assert main(["plot", str(random_run.parent), "--format", "png", "pdf"]) == 0
    out = random_run.parent / "plots"
    expected = {f"profile_{s}.{f}" for s in ("x1", "x2", "x1_x2") for f in ("png", "pdf")}
    assert names(out) == expected | {"bestfit.md"}
    table = (out / "bestfit.md").read_text()
    printed = capsys.readouterr().out
    assert table in printed and "wrote 7 files" in printed
    r = load(random_run)
    best = r.best()
    assert f"best point: id {r.point['id'][best]}" in table
    assert f"| gaussian | {r.terms['gaussian'][best]:.6g} |" in table
    assert "| x1 |" in table and "GeV" in table
    assert "sampler 'random'" in table and "only profile likelihoods" in table
    assert (out / "profile_x1.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "profile_x1.pdf").read_bytes()[:4] == b"%PDF"


def test_cli_refuses_posterior_plots_of_a_random_scan(random_run, tmp_path, capsys):  # noqa: F811
    assert main(["plot", str(random_run), "--kind", "posterior",
                 "--output", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "made by sampler 'random'" in err and "only profile likelihoods are meaningful" in err
    assert not (tmp_path / "p").exists() or not any((tmp_path / "p").iterdir())


def test_cli_posterior_run_gets_posteriors_and_a_triangle(posterior_run, tmp_path):  # noqa: F811
    out = tmp_path / "figs"
    assert main(["plot", str(posterior_run), "--output", str(out), "--params", "x2", "x1"]) == 0
    assert names(out) == {"profile_x2.png", "profile_x1.png", "profile_x2_x1.png",
                          "posterior_x2.png", "posterior_x1.png", "posterior_x2_x1.png",
                          "triangle.png", "bestfit.md"}


def test_cli_pools_runs_for_profiles_with_pool_and_refuses_to_pool_posteriors(
        random_run, posterior_run, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "pooled"
    assert main(["plot", str(random_run), str(posterior_run), "--output", str(out),
                 "--params", "x1", "--kind", "profile", "--pool"]) == 0
    assert names(out) == {"profile_x1.png", "bestfit.md"}
    assert f"points: {2 * 40_000}" in (out / "bestfit.md").read_text()
    capsys.readouterr()
    assert main(["plot", str(random_run), str(posterior_run), "--output", str(out),
                 "--kind", "posterior", "--pool"]) == 2
    assert "not pooled" in capsys.readouterr().err
    assert main(["plot", str(random_run), str(posterior_run), "--output", str(out),
                 "--pool", "--labels", "a", "b"]) == 2
    assert "--labels names runs drawn over each other" in capsys.readouterr().err


def test_cli_observables_colouring_and_unknown_names(write_yaml, tmp_path, capsys):
    """The counting toy: observables by plain name and by 'observables/NAME', a log prior
    axis, colouring by the largest-penalty term, and a helpful error for a typo."""
    from fit.run import run

    path = run(write_yaml("""
        parameters:
          mass: {prior: log, range: [100, 2000], unit: GeV, latex: 'm'}
          coupling: [0, 5]
        likelihoods:
          counting: {observed: 10, background: 8.0}
        rules: {cross_section: xsec_leading_order}
        sampler: {name: random, n_points: 3000, batch_size: 1000}
        seed: 4
        """), output=tmp_path / "c")
    out = tmp_path / "c" / "figs"
    assert main(["plot", str(path), "--output", str(out), "--params", "mass",
                 "observables/signal_yield", "cross_section", "--color-by", "terms",
                 "--max-pairs", "2", "--bins", "15"]) == 0
    assert names(out) == {"profile_mass.png", "profile_signal_yield.png",
                          "profile_cross_section.png", "profile_mass_signal_yield.png",
                          "profile_mass_cross_section.png", "bestfit.md"}
    table = (out / "bestfit.md").read_text()
    assert "invalid: nonperturbative" in table
    capsys.readouterr()
    assert main(["plot", str(path), "--params", "masss", "--output", str(out)]) == 2
    assert "did you mean 'mass'" in capsys.readouterr().err


def test_api_figures_use_labels_and_log_axes(write_yaml, tmp_path):
    from fit import analysis, plot
    from fit.run import run

    r = load(run(write_yaml("""
        parameters:
          mass: {prior: log, range: [100, 2000], unit: GeV, latex: 'm'}
          coupling: {prior: uniform, range: [0, 5], latex: 'g'}
        likelihoods:
          counting: {observed: 10, background: 8.0}
        rules: {cross_section: xsec_leading_order}
        sampler: {name: random, n_points: 2000, batch_size: 1000}
        seed: 5
        """), output=tmp_path / "c"))
    fig = plot.profile_1d(analysis.profile_1d(r, "mass"))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "$m$ [GeV]"
    prof = analysis.profile_2d(r, "mass", "coupling", color="observables/signal_yield")
    fig = plot.profile_2d(prof)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "$g$"
    assert any(a.get_ylabel() == "signal_yield" for a in fig.axes[1:])  # the colour bar
