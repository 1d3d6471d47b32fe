"""fit.analysis on Gaussian toys with known answers: profiles, confidence regions, posteriors.

The runs: a random scan and an importance-weighted posterior of a 2D correlated Gaussian
(mean MU, standard deviations SIGMA, correlation RHO) on the prior box [-6, 6]^2, made by
fit.run.run. For a Gaussian the profile likelihood of x1 is the parabola
Delta chi^2 = (x1 - mu1)^2 / sigma1^2, and the 2D regions are the ellipses
(x - mu)^T C^-1 (x - mu) = 2.30, 5.99.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from fit import analysis
from fit.results import Results, load
from fit.run import run

MU = np.array([1.0, -0.5])
SIGMA = np.array([1.0, 1.5])
RHO = 0.6
COV = np.array([[SIGMA[0] ** 2, RHO * SIGMA[0] * SIGMA[1]],
                [RHO * SIGMA[0] * SIGMA[1], SIGMA[1] ** 2]])
N_POINTS = 40_000
BOX = 12.0 * 12.0

GAUSSIAN = """
    model: 2D correlated Gaussian
    parameters:
      x1: {prior: uniform, range: [-6, 6], latex: 'x_1', unit: GeV}
      x2: {prior: uniform, range: [-6, 6], latex: 'x_2'}
    likelihoods:
      gaussian: {parameters: [x1, x2], mean: [1.0, -0.5], sigma: [1.0, 1.5], correlation: 0.6}
    sampler: SAMPLER
    seed: 3
    """


def write_run(directory: Path, sampler: str, name: str = "run.yaml", seed: int = 3) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    text = textwrap.dedent(GAUSSIAN).replace("SAMPLER", sampler).replace("seed: 3",
                                                                         f"seed: {seed}")
    path.write_text(text)
    return path


def importance_sampler(scan) -> None:
    """A test sampler: prior draws, written as a posterior with weights L (importance
    sampling from the prior, exact in expectation for a uniform prior)."""
    def loop() -> None:
        cube = np.random.default_rng(scan.seed).random((N_POINTS, scan.ndim))
        loglike = np.concatenate([scan.loglike(c) for c in np.array_split(cube, 10)])
        scan.write_posterior(cube, np.exp(loglike - loglike.max()), logz=0.0)
    scan.drive(loop)


@pytest.fixture(scope="module")
def random_run(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("random")
    return run(write_run(d, f"{{name: random, n_points: {N_POINTS}, batch_size: 8192}}"),
               output=d / "out")


@pytest.fixture(scope="module")
def posterior_run(tmp_path_factory) -> Path:
    from fit import samplers

    samplers.discover()
    d = tmp_path_factory.mktemp("posterior")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(samplers.SAMPLERS, "importance_test", importance_sampler)
        return run(write_run(d, "importance_test"), output=d / "out")


def ellipse(level: float, n: int = 720, cov: np.ndarray = COV, mu: np.ndarray = MU
            ) -> np.ndarray:
    """Points on the analytic contour (x - mu)^T C^-1 (x - mu) = level, shape (n, 2)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    circle = np.column_stack([np.cos(t), np.sin(t)]) * np.sqrt(level)
    return mu + circle @ np.linalg.cholesky(cov).T


def ellipse_area_perimeter(level: float, cov: np.ndarray = COV) -> tuple[float, float]:
    pts = ellipse(level, 4000, cov, np.zeros(2))
    perimeter = float(np.sum(np.linalg.norm(np.diff(np.vstack([pts, pts[:1]]), axis=0),
                                            axis=1)))
    return float(np.pi * level * np.sqrt(np.linalg.det(cov))), perimeter


# ---------------------------------------------------------------------------- profiles

def test_1d_profile_is_the_parabola(random_run):
    """Delta chi^2 of each bin, taken at the bin's best point x_k, equals (x_k - mu)^2/sigma^2.

    The sampled profile is never below the true one (up to the overall best point's own
    deficit, mean BOX / (N pi sqrt(det C)) ~ 1e-3). Its excess: the bin's best point
    minimises a u + (dy / sigma_c)^2 over the points of the bin, with u the distance from
    the bin's inner edge, a = 2 |x - mu| / sigma^2 the slope of the parabola, dy the
    distance from the conditional maximum in the profiled direction and sigma_c =
    sigma_2 sqrt(1 - rho^2) its width. For points of density rho = N / BOX the number
    below t is rho (4/3) sigma_c t^(3/2) / a, so the excess has scale
    t_k = (3 a / (4 sigma_c rho))^(2/3) (~0.06 at Delta chi^2 = 9) and tail
    exp(-(s / t_k)^(3/2)). The tolerance 5 t_k + 0.01 leaves a chance ~1e-5 per bin.
    A comparison at bin centres would instead be off by up to a slope times half a bin.
    """
    r = load(random_run)
    density = N_POINTS / BOX
    for k, name in enumerate(["x1", "x2"]):
        prof = analysis.profile_1d(r, name)
        ok = (prof.index >= 0) & (prof.delta_chi2 < 9)
        assert ok.sum() >= 20
        x = prof.at[ok]
        expected = (x - MU[k]) ** 2 / SIGMA[k] ** 2
        slope = 2 * np.abs(x - MU[k]) / SIGMA[k] ** 2
        sigma_c = SIGMA[1 - k] * np.sqrt(1 - RHO**2)
        scale = (3 * slope / (4 * sigma_c * density)) ** (2 / 3)
        excess = prof.delta_chi2[ok] - expected
        assert (excess > -0.01).all()
        assert (excess < 5 * scale + 0.01).all(), (excess / (scale + 1e-3)).max()
        # the curve has its minimum at the best point and the 1 sigma interval mu +- sigma
        assert prof.delta_chi2[ok].min() == pytest.approx(0.0, abs=1e-12)
        (lo, hi), = prof.interval(1.0)
        assert lo == pytest.approx(MU[k] - SIGMA[k], abs=0.05)
        assert hi == pytest.approx(MU[k] + SIGMA[k], abs=0.05)
        (lo2, hi2), = prof.interval(4.0)
        assert (lo2, hi2) == pytest.approx((MU[k] - 2 * SIGMA[k], MU[k] + 2 * SIGMA[k]),
                                           abs=0.05)
    assert prof.quantity.label == "$x_2$" and analysis.quantity(r, "x1").label == "$x_1$ [GeV]"


def check_regions(prof: analysis.Profile2D, cov: np.ndarray, mu: np.ndarray) -> None:
    """The region's bins hold the analytic ellipse's boundary, and lie within the ellipse
    grown by one bin diagonal d.

    Inside: a bin that the boundary crosses is in the region when one of its points has
    Delta chi^2 <= level; it is missed only when the part of the bin inside the ellipse
    holds no point (a corner clipped by the boundary), so at least 90% of the boundary
    must be covered (~95% is typical at these densities). Not much larger: every bin in
    the region holds a point with Delta chi^2 <= level, so the region lies within the
    ellipse grown by d and its area is at most the Steiner bound A + P d + pi d^2
    (P the perimeter); and at least A, since the boundary's bins are in."""
    d = float(np.hypot(np.diff(prof.xedges).max(), np.diff(prof.yedges).max()))
    for level in analysis.LEVELS_2D:
        boundary = ellipse(level, cov=cov, mu=mu)
        inside = prof.contains(boundary[:, 0], boundary[:, 1], level).mean()
        assert inside >= 0.9, f"only {inside:.1%} of the {level} ellipse in the region"
        area, perimeter = ellipse_area_perimeter(level, cov)
        assert area < prof.area(level) <= area + perimeter * d + np.pi * d**2


def test_2d_regions_enclose_the_analytic_ellipses(random_run):
    r = load(random_run)
    prof = analysis.profile_2d(r, "x1", "x2")
    assert prof.best_loglike == r.loglike.max()
    check_regions(prof, COV, MU)
    # 68% inside 95%, and the best fit inside 68%
    assert not (prof.region(analysis.LEVELS_2D[0]) & ~prof.region(analysis.LEVELS_2D[1])).any()
    assert prof.contains(np.array([prof.best[0]]), np.array([prof.best[1]]),
                         analysis.LEVELS_2D[0]).all()


def synthetic(n: int = 1_000_000, seed: int = 1) -> tuple[Results, np.ndarray, np.ndarray]:
    """A Results built directly: 3D Gaussian, uniform points in [-5, 5]^3; the profile over
    x3 of a Gaussian is the Gaussian with the (x1, x2) block of the covariance."""
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.5, 0.3], [0.5, 2.0, -0.6], [0.3, -0.6, 0.8]])
    mu = np.array([0.5, -1.0, 0.0])
    x = rng.uniform(-5, 5, (n, 3))
    z = x - mu
    loglike = -0.5 * np.einsum("ij,jk,ik->i", z, np.linalg.inv(cov), z)
    valid = np.ones(n, dtype=bool)
    valid[:1000] = False                     # invalid points never enter
    loglike[:1000] = -1e100
    code = np.where(valid, "", "no_spectrum").astype(object)
    r = Results(path=Path("synthetic.h5"), attrs={"invalid_loglike": -1e100, "sampler": "test"},
                point={"id": np.arange(n), "valid": valid, "loglike": loglike, "code": code},
                parameters={f"x{i + 1}": x[:, i] for i in range(3)},
                terms={"gaussian": loglike})
    return r, cov, mu


def test_2d_profile_over_a_hidden_parameter():
    r, cov, mu = synthetic()
    prof = analysis.profile_2d(r, "x1", "x2", bins=25)
    check_regions(prof, cov[:2, :2], mu[:2])
    b = analysis.breakdown(r)
    assert b.invalid_codes == {"no_spectrum": 1000} and b.n_usable == len(r) - 1000


def test_colouring_by_a_quantity_and_by_the_largest_penalty():
    r, _, _ = synthetic(50_000)
    r.terms = {"a": -0.5 * (r.parameters["x1"] - 0.5) ** 2,
               "b": -0.5 * (r.parameters["x2"] + 1.0) ** 2 / 4}
    r.point["loglike"] = np.where(r.valid, r.terms["a"] + r.terms["b"], -1e100)
    prof = analysis.profile_2d(r, "x1", "x2", bins=20, color="x3")
    filled = prof.index >= 0
    np.testing.assert_array_equal(prof.color[filled], r.parameters["x3"][prof.index[filled]])
    prof = analysis.profile_2d(r, "x1", "x2", bins=20, color=analysis.PENALTY)
    assert prof.categories == ["a", "b"]
    cx, cy = (analysis.centres(e) for e in (prof.xedges, prof.yedges))
    # far out in x1 (|x1 - 0.5| > 3) with x2 near its best: term a is the penalty
    far = (np.abs(cx - 0.5) > 3)[:, None] & (np.abs(cy + 1) < 0.5)[None, :]
    assert (prof.color[far] == 0).all()
    far = (np.abs(cx - 0.5) < 0.3)[:, None] & (np.abs(cy + 1) > 3)[None, :]
    assert (prof.color[far] == 1).all()


def test_names_are_resolved_and_unknown_names_explained(random_run):
    r = load(random_run)
    assert analysis.quantity(r, "parameters/x1").key == "parameters/x1"
    assert analysis.quantity(r, "loglike/gaussian").key == "loglike/gaussian"
    with pytest.raises(analysis.AnalysisError, match="did you mean 'x1'"):
        analysis.quantity(r, "x11")
    with pytest.raises(analysis.AnalysisError, match="no observable 'm_h'"):
        analysis.quantity(r, "observables/m_h")


def test_log_prior_gives_log_bins(write_yaml, tmp_path):
    text = """
        parameters:
          mass: {prior: log, range: [100, 2000], unit: GeV, latex: 'm'}
          coupling: [0, 5]
        likelihoods:
          counting: {observed: 10, background: 8.0}
        rules: {cross_section: xsec_leading_order}
        sampler: {name: random, n_points: 2000}
        seed: 2
        """
    r = load(run(write_yaml(text), output=tmp_path / "c"))
    prof = analysis.profile_1d(r, "mass", bins=10)
    assert prof.quantity.log and prof.quantity.unit == "GeV"
    np.testing.assert_allclose(np.diff(np.log10(prof.edges)), np.log10(20) / 10)
    assert prof.edges[0] == pytest.approx(100) and prof.edges[-1] == pytest.approx(2000)
    b = analysis.breakdown(r)
    assert b.invalid_codes == {"nonperturbative": int((~r.valid).sum())}
    text = analysis.breakdown_markdown(b, r.labels)
    assert "| mass |" in text and "GeV" in text and "invalid: nonperturbative" in text


def test_pooled_runs_and_refusals(tmp_path, random_run):
    a = load(random_run)
    other = run(write_run(tmp_path / "b", "{name: random, n_points: 5000}", seed=9),
                output=tmp_path / "b" / "out")
    b = load(other)
    pooled = analysis.combine([a, b])
    assert len(pooled) == len(a) + len(b)
    assert analysis.breakdown(pooled).n_usable == len(a) + len(b)
    assert analysis.profile_1d(pooled, "x1").best_loglike == max(a.loglike.max(), b.loglike.max())
    with pytest.raises(analysis.AnalysisError, match="not pooled"):
        analysis.posterior_sample(pooled)
    c = load(run(write_run(tmp_path / "c", "{name: random, n_points: 100}").parent / "run.yaml",
                 output=tmp_path / "c" / "out"))
    c.attrs["physics_hash"] = "different"
    with pytest.raises(analysis.AnalysisError, match="different models"):
        analysis.combine([a, c])


# ---------------------------------------------------------------------------- posteriors

def test_posterior_is_refused_for_a_random_scan(random_run):
    r = load(random_run)
    with pytest.raises(analysis.AnalysisError, match=r"sampler 'random'.*only profile likelihoods"):
        analysis.marginal_1d(r, "x1")
    with pytest.raises(analysis.AnalysisError, match="sampler 'random'"):
        analysis.marginal_2d(r, "x1", "x2")


def test_posterior_means_and_widths(posterior_run):
    """Weighted means and standard deviations of the importance-weighted sample match the
    Gaussian's within 5 standard errors (sigma / sqrt(n_eff) for a mean, sigma /
    sqrt(2 n_eff) for a standard deviation; n_eff ~ 4 pi sqrt(det C) N / BOX ~ 4000);
    the 68% HPD interval is mu +- sigma to within a bin (0.2) plus that noise."""
    r = load(posterior_run)
    rows, w = analysis.posterior_sample(r)
    assert len(rows) == N_POINTS and w.sum() == pytest.approx(1.0)
    n_eff = analysis.effective_size(w)
    assert 0.5 < n_eff / (4 * np.pi * np.sqrt(np.linalg.det(COV)) * N_POINTS / BOX) < 1.5
    for k, name in enumerate(["x1", "x2"]):
        m = analysis.marginal_1d(r, name, bins=60)
        assert m.mean == pytest.approx(MU[k], abs=5 * SIGMA[k] / np.sqrt(n_eff))
        assert m.std == pytest.approx(SIGMA[k], abs=5 * SIGMA[k] / np.sqrt(2 * n_eff))
        assert m.mass.sum() == pytest.approx(1.0)
        (lo, hi), = m.intervals(0)
        tol = 0.2 + 5 * SIGMA[k] / np.sqrt(n_eff)
        assert lo == pytest.approx(MU[k] - SIGMA[k], abs=tol)
        assert hi == pytest.approx(MU[k] + SIGMA[k], abs=tol)
        assert m.mass[m.region(1)].sum() >= analysis.MASSES[1]
    m2 = analysis.marginal_2d(r, "x1", "x2", bins=40, smooth=1.0)
    assert m2.mass[m2.region(0)].sum() >= analysis.MASSES[0]
    area, _ = ellipse_area_perimeter(analysis.LEVELS_2D[0])
    cell = np.diff(m2.xedges)[0] * np.diff(m2.yedges)[0]
    assert m2.region(0).sum() * cell == pytest.approx(area, rel=0.2)
    inside = ellipse(1.0)  # well inside the 68% region
    i = np.searchsorted(m2.xedges, inside[:, 0]) - 1
    j = np.searchsorted(m2.yedges, inside[:, 1]) - 1
    assert m2.region(0)[i, j].all()


def test_export_to_getdist(posterior_run):
    pytest.importorskip("getdist")
    r = load(posterior_run)
    samples = analysis.to_getdist(r)
    means = samples.getMeans()
    m = [analysis.marginal_1d(r, n) for n in ("x1", "x2")]
    np.testing.assert_allclose(means[:2], [m[0].mean, m[1].mean], rtol=1e-8)
    assert samples.getParamNames().parWithName("x1").label == "x_1"


def test_export_to_anesthetic(posterior_run):
    pytest.importorskip("anesthetic")
    r = load(posterior_run)
    samples = analysis.to_anesthetic(r)
    assert samples["x1"].mean() == pytest.approx(analysis.marginal_1d(r, "x1").mean, rel=1e-8)
    assert samples["x2"].std() == pytest.approx(analysis.marginal_1d(r, "x2").std, rel=0.01)
