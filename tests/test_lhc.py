"""Built-in LHC limits (likelihoods/lhc.py, lhc_maps.py): the published reach of each
analysis for a wino-like cross section, the map interpolation, the truncated-Gaussian
likelihood, the choice of the analysis and the likelihood term."""

from __future__ import annotations

import numpy as np
import pytest
from ewkino_reference import ROOT, benchmark
from scipy import stats
from shared_inputs import shared_file

from backends.nmssm_builtin.ewkino_provider import (
    nmssm_builtin_ewkino_decays,
    nmssm_builtin_ewkino_xsec,
)
from backends.nmssm_builtin.ewkino_xsec import tables
from likelihoods.lhc import LHCBuiltin, LHCTerm, map_r_values, summarise
from likelihoods.lhc_maps import (
    _muhat_by_bisection,
    log_likelihood_ratio,
    maps_by_name,
    truncated_gaussian,
)


def wino_reach(name: str, lsp: float) -> float:
    """Largest mother mass [GeV] excluded (r_obs > 1) by one map for the wino C1N2 cross
    section of the NLO+NLL table with BR = 1, through the built-in r calculation."""
    m = np.arange(150.0, 1300.0, 1.0)
    mass, sigma = tables()["wino_n2c1"]
    xsec = np.exp(np.interp(m, mass, np.log(sigma)))
    r_obs, _, _ = map_r_values(maps_by_name()[name], [(xsec, m, np.full_like(m, lsp))])
    return float(m[r_obs > 1].max())


def derived_reach(name: str, lsp: float) -> float:
    analysis, topology = name.split(":")
    rows = np.loadtxt(shared_file(f"data/lhc/{analysis}_{topology}_derived_excl_wino.csv"),
                      delimiter=",", comments="#", skiprows=4)
    return float(rows[rows[:, 0] == lsp, 2][0])


@pytest.mark.parametrize(("name", "lsp", "published", "grid_step"), [
    ("ATLAS-SUSY-2019-09:TChiWZ", 0.0, 640.0, 50.0),       # arXiv:2106.01676 (abstract)
    ("ATLAS-SUSY-2019-08:TChiWH", 0.0, 740.0, 100.0),      # arXiv:1909.09226 (abstract)
])
def test_massless_lsp_reach_of_the_published_analyses(name, lsp, published, grid_step):
    """A wino-like C1N2 cross section with BR(WZ or Wh) = 1 is excluded up to the published
    massless-LSP reach within one grid step of the map, and within 5 GeV of the edge derived
    independently from the same map (../shared/data/lhc/*_derived_excl_wino.csv)."""
    reach = wino_reach(name, lsp)
    assert abs(reach - published) <= grid_step
    assert reach == pytest.approx(derived_reach(name, lsp), abs=5.0)


def test_cms_reach_matches_the_derived_edges():
    for name in ("CMS-SUS-21-002:TChiWZ", "CMS-SUS-21-002:TChiWH"):
        assert wino_reach(name, 10.0) == pytest.approx(derived_reach(name, 10.0), abs=5.0)


def test_interpolation_returns_the_grid_values_and_nothing_outside():
    for ul_map in maps_by_name().values():
        p = ul_map.points
        obs, exp = ul_map.upper_limits(p[:, 0], p[:, 1])
        np.testing.assert_allclose(obs, p[:, 2], rtol=1e-9, err_msg=ul_map.name)
        if ul_map.has_expected:
            np.testing.assert_allclose(exp, p[:, 3], rtol=1e-9)
        obs, _ = ul_map.upper_limits(np.array([p[:, 0].max() + 50.0]), np.array([1.0]))
        assert np.isnan(obs).all()


def test_outside_the_grid_r_is_zero_and_flagged():
    """A heavy wino (3 TeV, above every map) and a light one: the heavy point has r = 0 and
    no flag (its sigma x BR is negligible); a large sigma x BR outside every map is flagged."""
    name = "ATLAS-SUSY-2019-09:TChiWZ"
    ul_map = maps_by_name()[name]
    mother = np.array([3000.0, 400.0, 3000.0])
    sigma = np.array([1e-5, 0.05, 10.0])
    r_obs, r_exp, outside = map_r_values(ul_map, [(sigma, mother, np.zeros(3))])
    assert r_obs[0] == 0 and r_obs[2] == 0 and r_obs[1] > 0 and r_exp[1] > 0
    np.testing.assert_array_equal(outside[0], [False, False, True])


def test_truncated_gaussian_reproduces_the_observed_limit():
    """mu_hat is such that the 95% CL limit of the Gaussian truncated to mu >= 0 is the
    observed one (checked with scipy's truncnorm); with equal observed and expected limits
    mu_hat = 0 and ln L(1) - ln L(0) = -(1.96 r)^2/2."""
    a = np.array([0.5, 1.0, 1.96, 3.0, 6.0])
    x = _muhat_by_bisection(a)
    for ai, xi in zip(a, x, strict=True):
        dist = stats.truncnorm(-xi, np.inf, loc=xi, scale=1.0)
        assert dist.cdf(ai) == pytest.approx(0.95, abs=1e-9)
    r = np.array([0.3, 1.0, 2.0])
    np.testing.assert_allclose(log_likelihood_ratio(r, r), -(1.959964 * r) ** 2 / 2,
                               rtol=1e-5)
    # without an expected limit: the same, from the observed one
    np.testing.assert_allclose(log_likelihood_ratio(r, -np.ones(3)),
                               -(1.959964 * r) ** 2 / 2, rtol=1e-5)
    # an upward fluctuation (observed limit weaker than expected) gives mu_hat > 0
    muhat, sigma = truncated_gaussian(np.array([1.0]), np.array([2.0]), correction=0.0)
    assert muhat[0] > 0 and sigma[0] == pytest.approx(0.5 / 1.959964, rel=1e-6)


def test_analysis_is_chosen_by_the_expected_r():
    """Result A has the larger observed r, B the larger expected r: B is selected and its
    observed r reported, so that the choice does not follow fluctuations of the data."""
    results = {"A": (np.array([0.9]), np.array([0.4])), "B": (np.array([0.5]), np.array([0.7]))}
    out = summarise(results, lambda name, o, e: log_likelihood_ratio(o, e), np.zeros(1, bool))
    assert out["selected"][0] == "B"
    assert out["r_obs"][0] == 0.5 and out["r_exp"][0] == 0.7 and out["r_obs_max"][0] == 0.9
    assert out["loglike"][0] == pytest.approx(log_likelihood_ratio(np.array([0.5]),
                                                                   np.array([0.7]))[0])


def test_likelihood_term_options():
    limits = {"r_obs": np.array([0.5, 1.5]), "loglike": np.array([0.3, -2.0])}
    np.testing.assert_array_equal(LHCTerm(method="hard_cut")(limits), [0.0, -np.inf])
    np.testing.assert_array_equal(LHCTerm()(limits), [0.0, -2.0])
    np.testing.assert_array_equal(LHCTerm(cap_at_zero=False)(limits), [0.3, -2.0])
    with pytest.raises(ValueError, match="method"):
        LHCTerm(method="cut")
    with pytest.raises(ValueError, match="unknown map"):
        LHCBuiltin(maps=["ATLAS-SUSY-2019-09:TChiWH"])


def test_benchmark_point_is_allowed():
    """The reference benchmark (compressed higgsinos at 124-147 GeV, sleptons at 204 GeV):
    the compressed search ATLAS-SUSY-2018-16 is the most sensitive (expected r ~ 0.6) and
    no analysis excludes it, as in the scan that produced it (SModelS, NMSSMTools)."""
    _, spec, p = benchmark()
    limits = LHCBuiltin()(spec, nmssm_builtin_ewkino_xsec(spec, p),
                          nmssm_builtin_ewkino_decays(spec, p))
    assert limits["selected"][0] == "ATLAS-SUSY-2018-16:TChiWZoff"
    assert 0.3 < limits["r_exp"][0] < 1.0
    assert limits["r_obs_max"][0] < 1.0
    assert not limits["outside_grid"][0]


def test_example_run_file(tmp_path):
    """yaml/examples/nmssm_lhc_lep.yaml runs end to end through the framework (a short scan):
    both terms are recorded, the LHC term is finite where the point is valid, and the
    cross sections are written as observables."""
    from fit.results import load
    from fit.run import run

    text = (ROOT / "yaml" / "examples" / "nmssm_lhc_lep.yaml").read_text()
    text = text.replace("n_points: 2000, batch_size: 1000", "n_points: 300, batch_size: 300")
    path = tmp_path / "run.yaml"
    path.write_text(text)
    result = load(run(path, output=tmp_path / "out"))
    valid = result.valid
    assert valid.sum() > 50
    lhc, lep = result.terms["lhc"], result.terms["lep"]
    reached = valid & np.isfinite(lep) & (lep == 0)
    assert np.all(lhc[reached] <= 0) and np.any(lhc[reached] < 0)
    frame = result.to_pandas()
    assert "observables/ewkino_xsec/1000023,1000024" in frame.columns
