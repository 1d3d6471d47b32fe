"""The Higgs likelihood terms and SM-like observables (likelihoods/higgs.py): each term at
values where its answer is known (the measured central values, one standard deviation,
a 95% CL limit), the options' errors, and a run through the framework."""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest

from likelihoods import higgs as hl

#: ATLAS kappas of likelihoods/data/higgs_kappas_2022.csv (arXiv:2207.00092, Fig. 6)
ATLAS_SM = {"kappa_V": 0.99252, "kappa_t": 0.94394, "kappa_b": 0.89158, "kappa_tau": 0.92927,
            "kappa_g": 0.94913, "kappa_gamma": 1.0094}
ATLAS_BSM = {"kappa_V": 0.99252, "kappa_t": 0.93723, "kappa_b": 0.81941, "kappa_tau": 0.91166,
             "kappa_g": 0.94092, "kappa_gamma": 0.98367}


def couplings(kappas: dict, n: int = 2, sm_like: int = 2) -> dict[str, np.ndarray]:
    """A higgs_couplings mapping whose state ``sm_like`` carries ``kappas`` (the others are
    singlet-like), negative k_V to check the sign convention."""
    out = {}
    for i in (1, 2, 3):
        main = i == sm_like
        out[f"kV_{i}"] = np.full(n, -kappas["kappa_V"] if main else 0.05)
        for key, name in (("ku", "kappa_t"), ("kd", "kappa_b"), ("kb", "kappa_b"),
                          ("ktau", "kappa_tau"), ("kg", "kappa_g"), ("kgamma", "kappa_gamma")):
            value = kappas[name] * (1 if key in ("kg", "kgamma") else -1)
            out[f"{key}_{i}"] = np.full(n, value if main else 0.1)
    return out


def decays(n: int = 2, **brs: float) -> dict[str, np.ndarray]:
    """A higgs_decays mapping: every state decays to b b unless ``brs`` says otherwise
    (keys like br_h2_bb); widths 4 MeV."""
    out = {}
    for s in ("h1", "h2", "h3", "a1", "a2"):
        out[f"width_{s}"] = np.full(n, 4e-3)
        for ch in hl.SM_CHANNELS:
            out[f"br_{s}_{ch}"] = np.full(n, 1.0 if ch == "bb" else 0.0)
        out[f"br_{s}_invisible"] = np.zeros(n)
    for k, v in brs.items():
        out[k] = np.full(n, v)
    return out


def spectrum(n: int = 2, **masses: float) -> dict[str, np.ndarray]:
    m = {"mh1": 90.0, "mh2": 125.11, "mh3": 700.0, "ma1": 300.0, "ma2": 700.0, "mhc": 705.0}
    m.update(masses)
    return {k: np.full(n, v) for k, v in m.items()}


def test_sm_like_state_is_the_largest_kv_with_positive_sign():
    c = couplings(ATLAS_SM, sm_like=2)
    k = hl.sm_like_couplings(c)
    np.testing.assert_array_equal(k["index"], [1, 1])
    assert k["kappa_V"][0] == pytest.approx(0.99252)
    assert k["kappa_t"][0] == pytest.approx(0.94394)     # sign of k_V taken out


def test_kappa_chi2_vanishes_at_the_measured_values():
    for scenario, values in (("sm_decays", ATLAS_SM), ("bsm_decays", ATLAS_BSM)):
        term = hl.HiggsKappas(scenario=scenario, experiments=["ATLAS"])
        d = decays(br_h2_bb=1.0)
        assert term(couplings(values), d) == pytest.approx([0.0, 0.0], abs=1e-20)


def test_kappa_errors_are_asymmetric():
    """kappa_t (ATLAS, sm_decays): 0.94394 +0.11139 -0.10907; one sigma up or down is
    Delta chi^2 = 1; k_V above its central value uses its only (lower) error, 0.05652."""
    term = hl.HiggsKappas(scenario="sm_decays", experiments=["ATLAS"])
    for shift in (0.11139, -0.10907):
        k = dict(ATLAS_SM, kappa_t=0.94394 + shift)
        assert term(couplings(k))[0] == pytest.approx(-0.5)
    k = dict(ATLAS_SM, kappa_V=0.99252 + 0.05652 / 2)
    assert term(couplings(k))[0] == pytest.approx(-0.125)


def test_undetected_decays_are_bounded_in_the_bsm_scenario():
    """BR(h_SM -> a a) = 0.16, the 2-sigma bound: Delta chi^2 = 4."""
    term = hl.HiggsKappas(scenario="bsm_decays", experiments=["ATLAS"])
    d = decays(br_h2_bb=0.84, br_h2_a1a1=0.16)
    assert term(couplings(ATLAS_BSM), d)[0] == pytest.approx(-2.0)
    chi2 = term.chi2_terms(couplings(ATLAS_BSM), d)
    assert chi2["undetected"][0] == pytest.approx(4.0)


def test_mass_term():
    term = hl.HiggsMass(measurement="ATLAS", theory_error=3.0)
    sigma = math.hypot(0.11, 3.0)             # arXiv:2308.04775: 125.11 +- 0.11
    c = couplings(ATLAS_SM)
    assert term(spectrum(), c)[0] == pytest.approx(0.0)
    assert term(spectrum(mh2=125.11 + sigma), c)[0] == pytest.approx(-0.5)
    with pytest.raises(ValueError, match="measurement"):
        hl.HiggsMass(measurement="LEP")


def test_limits_give_delta_chi2_384_at_the_limit():
    assert hl.limit_loglike(np.array([1.0]))[0] == pytest.approx(-3.84 / 2, rel=1e-3)
    assert list(hl.limit_loglike(np.array([0.9, 1.1]), "step")) == [0.0, -np.inf]
    inv = hl.HiggsInvisible()                 # arXiv:2301.10731: BR(h -> inv) < 0.107
    d = decays(br_h2_bb=1 - 0.107, br_h2_invisible=0.107)
    assert inv(couplings(ATLAS_SM), d)[0] == pytest.approx(-1.92, rel=1e-3)
    with pytest.raises(ValueError, match="limit_model"):
        hl.HiggsInvisible(limit_model="cls")


def test_lep_bound_on_a_light_singlet():
    """h1 at 100 GeV with k_V^2 BR(bb) equal to the LEP limit there
    (likelihoods/data/lep_hZ_bb.csv, hep-ex/0602042)."""
    mass, limit = hl._table("lep_hZ_bb.csv")
    lim100 = float(np.interp(100.0, mass, limit))
    c = couplings(ATLAS_SM)
    c["kV_1"] = np.full(2, math.sqrt(lim100))
    term = hl.HiggsLEP()
    spec = spectrum(mh1=100.0, mh2=125.11)
    assert term(spec, c, decays())[0] == pytest.approx(-1.92, rel=1e-3)
    # outside the tables' range (a 125 GeV SM-like state) nothing is added
    c["kV_1"] = np.full(2, 0.0)
    assert term(spec, c, decays())[0] == 0.0


def test_exotic_decays_into_a_light_pseudoscalar():
    """h_SM -> a1 a1 -> 4 tau at m_a = 10 GeV at the CMS limit (arXiv:1907.07235)."""
    mass, limit = hl._table("lhc_h_aa_4tau_cms.csv")
    lim = float(np.interp(10.0, mass, limit))
    kappas = dict(ATLAS_SM, kappa_g=1.0)
    d = decays(br_h2_bb=1 - lim, br_h2_a1a1=lim, br_a1_tautau=1.0, br_a1_bb=0.0)
    r = hl.HiggsExotic().ratios(spectrum(ma1=10.0, mh1=90.0), couplings(kappas), d)
    assert r["cms_4tau"][0] == pytest.approx(1.0, rel=1e-9)
    assert r["cms_2tau2b"][0] == 0.0          # 10 GeV is below its table


def test_targets():
    spec = spectrum(mh1=95.4, mh3=650.0)
    c = couplings(ATLAS_SM)
    d = decays()
    t = hl.HiggsTargets(targets=[
        {"name": "h95", "state": "nearest_even", "quantity": "mass", "value": 95.4, "sigma": 3},
        {"state": "nearest", "quantity": "mass", "value": 650.0, "sigma": 25.0}])
    assert t(spec, c, d)[0] == pytest.approx(0.0)
    one = hl.HiggsTargets(targets=[{"state": "h1", "quantity": "mass", "value": 98.4,
                                    "sigma": 3.0}])
    assert one(spec, c, d)[0] == pytest.approx(-0.5)
    for bad, match in (({"state": "h4", "quantity": "mass", "value": 1, "sigma": 1}, "state"),
                       ({"state": "h1", "quantity": "mass", "value": 1}, "missing"),
                       ({"state": "a1", "quantity": "mu_ggF_bb", "value": 1, "sigma": 1},
                        "CP-even"),
                       ({"state": "nearest", "quantity": "kV", "value": 1, "sigma": 1}, "near")):
        with pytest.raises(ValueError, match=match):
            hl.HiggsTargets(targets=[bad])


def test_signal_strength_of_a_sm_like_state_is_one():
    from backends.nmssm_builtin.higgs_decays import sm_branching_ratios
    spec = spectrum(mh2=125.0)
    ones = {k: 1.0 for k in ATLAS_SM}
    c = couplings(ones)
    sm = sm_branching_ratios(np.array([125.0]))
    d = decays(br_h2_bb=float(sm["bb"][0]), br_h2_gamgam=float(sm["gamgam"][0]))
    t = hl.Target({"state": "hsm", "quantity": "mu_ggF_gamgam", "value": 1, "sigma": 1}, 0)
    assert t.predict(spec, c, d)[0] == pytest.approx(1.0, rel=1e-9)


RUN = """
parameters:
  tanb: [3.2, 6.2]
  lambda_: [0.07, 0.42]
  kappa: [0.05, 0.3]
  Alambda: [351, 834]
  Akappa: [-300, -150]
  mueff: [120, 220]
  M1: [500, 3000]
  M2: [750, 10000]
  M3: [423, 5000]
  At: [-5000, 1288]
  MQ3: [272, 10000]
  MU3: [570, 10000]
  Ab: 1500
  Atau: 1500
  MD3: 1000
  ML3: 200
  ME3: 200
  MQ12: {prior: derived, expr: MQ3}
  MU12: {prior: derived, expr: MU3}
  MD12: 1000
  ML12: 200
  ME12: 200
likelihoods:
  higgs_mass: {}
  higgs_kappas: {}
  higgs_invisible: {}
  higgs_lep: {}
  higgs_exotic: {}
  higgs_targets:
    targets:
      - {name: h95, state: nearest_even, quantity: mass, value: 95.4, sigma: 3.0}
rules:
  spectrum: {provider: nmssm_builtin, options: {require_neutralino_lsp: false}}
prefer: [backends.nmssm_builtin]
observables: [hsm_kappa_V, hsm_kappa_u, hsm_kappa_d, hsm_kappa_g, hsm_kappa_gamma, hsm_width,
              hsm_br_bb, hsm_br_gamgam, hsm_br_WW, hsm_br_inv]
sampler: {name: random, n_points: 60, batch_size: 30}
seed: 5
"""


def test_run_writes_the_terms_and_the_sm_like_observables(write_yaml, tmp_path):
    from fit.run import run
    path = run(write_yaml(RUN), output=tmp_path / "out")
    with h5py.File(path, "r") as f:
        terms = set(f["loglike"])
        assert {"higgs_mass", "higgs_kappas", "higgs_invisible", "higgs_lep", "higgs_exotic",
                "higgs_targets"} <= terms
        obs = f["observables"]
        valid = f["point/valid"][:]
        assert valid.sum() > 10
        for name in ("hsm_kappa_V", "hsm_kappa_u", "hsm_kappa_d", "hsm_kappa_g",
                     "hsm_kappa_gamma", "hsm_width", "hsm_br_bb", "hsm_br_gamgam", "hsm_br_WW",
                     "hsm_br_inv"):
            assert np.all(np.isfinite(obs[name][:][valid])), name
        kv = obs["hsm_kappa_V"][:][valid]
        assert np.all((kv > 0.5) & (kv <= 1.0))
        assert np.all(obs["higgs_decays/width_h1"][:][valid] > 0)
