"""B physics of the built-in NMSSM (backends/nmssm_builtin/flavour.py): limits with known
answers, the published loop functions, the leading-order running, and the oracle sample
(NMSSMTools 5.6.0, ../shared/reference/oracle/)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from backends.flavio_calibration import load
from backends.nmssm_builtin import flavour
from backends.nmssm_builtin import loop_functions as lf
from backends.nmssm_builtin import sm_inputs as sm
from backends.nmssm_builtin.spectrum import as_arrays, compute

ROOT = Path(__file__).resolve().parents[1]
ORACLE = ROOT.parent / "shared" / "reference" / "oracle"


def point(n: int = 1, **changes: float | np.ndarray) -> dict[str, np.ndarray]:
    """A Z3-NMSSM point (GeV) with moderate tan(beta), copied n times, with changes."""
    base = {"tanb": 10.0, "lambda_": 0.2, "kappa": 0.3, "Alambda": 2000.0, "Akappa": -100.0,
            "mueff": 500.0, "M1": 400.0, "M2": 800.0, "M3": 2500.0, "At": -2000.0,
            "Ab": 0.0, "Atau": 0.0, "MQ3": 2000.0, "MU3": 2000.0, "MD3": 2000.0,
            "ML3": 1000.0, "ME3": 1000.0, "MQ12": 2500.0, "MU12": 2500.0, "MD12": 2500.0,
            "ML12": 1000.0, "ME12": 1000.0}
    base.update(changes)
    return as_arrays({k: np.broadcast_to(np.asarray(v, float), (n,)) for k, v in base.items()})


def coefficients(p: dict) -> tuple[dict, dict]:
    spec = compute(p)
    return spec, flavour.wilson_coefficients(spec, p, load())


# ------------------------------------------------------------ published functions


def test_generic_dipole_gives_the_charged_higgs_functions():
    """The top-charged-Higgs loop of the generic dipole (photon charges -1 on H-, 2/3 on t;
    colour on t) with the type-II couplings reproduces C7 = cot^2(b)/3 F7^(1) + F7^(2) and
    C8 likewise (Ciuchini, Degrassi, Gambino, Giudice, hep-ph/9710335, eqs. (15)-(16)):
    (y/4) t1 = F^(1)/3 and (y/4) t2 = F^(2), y = m_t^2/M_H^2."""
    y = np.array([0.02, 0.1, 0.5, 0.97, 1.0, 1.02, 2.0, 6.0])
    t1, t2 = lf.dipole_parts(y, -1.0, 2.0 / 3.0)
    np.testing.assert_allclose(y / 4 * t1, lf.f7_1(y) / 3, rtol=1e-5)
    np.testing.assert_allclose(y / 4 * t2, lf.f7_2(y), rtol=1e-5)
    t1, t2 = lf.dipole_parts(y, 0.0, 1.0)
    np.testing.assert_allclose(y / 4 * t1, lf.f8_1(y) / 3, rtol=1e-5)
    np.testing.assert_allclose(y / 4 * t2, lf.f8_2(y), rtol=1e-5)


def test_standard_model_limits_and_inami_lim_values():
    """F7^(1)(x) -> -7x/24 (x -> 0) and -> -1/3 (x -> infinity), from its formula; Y0(x_t) ~
    0.95 at m_t = 163 GeV (Buchalla, Buras, Lautenbacher, hep-ph/9512380); degenerate limits
    F^N,C(1) = 1 (Martin, Wells, hep-ph/0103067)."""
    assert lf.f7_1(np.array(1e-6)) == pytest.approx(-7e-6 / 24, rel=1e-4)
    assert lf.f7_1(np.array(1e7)) == pytest.approx(-1 / 3, rel=1e-4)
    assert lf.y0(np.array((163.0 / 80.4) ** 2)) == pytest.approx(0.95, abs=0.01)
    for f in (lf.f1n, lf.f2n, lf.f1c, lf.f2c):
        np.testing.assert_allclose(f(np.array([0.999, 1.0, 1.001])), 1.0, atol=2e-3)


def test_threshold_function_limits():
    """I(m^2, m^2, m^2) = 1/(2 m^2); I(a, a, c) = (a - c + c ln(c/a))/(a - c)^2."""
    m2 = np.array([1e4, 4e6])
    np.testing.assert_allclose(lf.i3(m2, m2, m2), 0.5 / m2, rtol=1e-3)
    a, c = np.array([1e6]), np.array([3e6])
    np.testing.assert_allclose(lf.i3(a, a, c), (a - c + c * np.log(c / a)) / (a - c) ** 2,
                               rtol=1e-3)


def test_delta_f2_running_exponents():
    """Leading-order Delta F = 2 evolution: the SLL eigen-exponents -0.6315, 0.7184 (nf = 5)
    and -0.6916, 0.7869 (nf = 6) and the LR ones 3/23, -24/23 (Buras, Jager, Urban,
    hep-ph/0102316, appendix C)."""
    for nf, expect in ((5, (-0.6315, 0.7184)), (6, (-0.6916, 0.7869))):
        beta0 = 11 - 2 * nf / 3
        w = np.sort(np.linalg.eigvals(flavour.GAMMA_SLL.T).real / (2 * beta0))
        np.testing.assert_allclose(w, expect, atol=2e-4)
    w = np.sort(np.linalg.eigvals(flavour.GAMMA_LR.T).real / (2 * (11 - 10 / 3)))
    np.testing.assert_allclose(w, (-24 / 23, 3 / 23), atol=1e-12)
    c = flavour.run_delta_f2({"VLL": np.ones(2)}, np.array([flavour.MU_0, 1000.0]))
    assert c["VLL"][0] == pytest.approx(1.0)
    assert c["VLL"][1] == pytest.approx((sm.alpha_s(1000.0) / sm.alpha_s(flavour.MU_0))
                                        ** (6 / 21))


# ------------------------------------------------------------ physics limits


def test_b_to_tau_nu_is_the_tree_level_charged_higgs_factor():
    """BR/BR_SM = (1 - m_B^2 tan^2(b)/((1 + eps_0 tan(b)) M_H^2))^2 (Hou, PRD 48 (1993) 2342;
    Akeroyd, Recksiegel, hep-ph/0306037), m_B+ = 5.27934 GeV (PDG 2024)."""
    tanb = np.array([5.0, 20.0, 40.0, 50.0, 50.0])
    m_a = np.array([300.0, 500.0, 600.0, 700.0, 2000.0])
    mu, kappa, lam = 500.0, 0.01, 0.2
    # M_A^2 = mueff (A_lambda + kappa s)(tan b + 1/tan b) at tree level, s = mueff/lambda
    alambda = m_a**2 / (mu * (tanb + 1 / tanb)) - kappa * mu / lam
    p = point(5, tanb=tanb, Alambda=alambda, mueff=mu, kappa=kappa, lambda_=lam)
    spec, wc = coefficients(p)
    ratio = load()["br_btaunu"].ratio(wc)
    expect = (1 - 5.27934**2 * tanb**2 / ((1 + wc["eps_0"] * tanb) * spec["mhc"] ** 2)) ** 2
    np.testing.assert_allclose(ratio, expect, rtol=1e-6)
    assert ratio.min() < 0.9             # the sample reaches a visible suppression


def test_decoupling_gives_the_standard_model():
    """Superpartners and heavy Higgs bosons at 20-40 TeV: every new-physics coefficient
    vanishes and the observables are flavio's Standard-Model predictions."""
    heavy = {k: 2.0e4 for k in ("M1", "M2", "MQ3", "MU3", "MD3", "ML3", "ME3", "MQ12",
                                "MU12", "MD12", "ML12", "ME12")}
    p = point(1, mueff=2.0e4, M3=3.0e4, Alambda=4.0e4, Akappa=-1.0e4, lambda_=0.1,
              kappa=0.1, **heavy)
    _, wc = coefficients(p)
    cal = load()
    for name in ("br_bsgamma", "br_bsmumu", "br_btaunu", "delta_ms"):
        assert cal[name](wc)[0] == pytest.approx(cal[name].sm, rel=0.002), name


def test_chargino_c7_sign_follows_mu_at():
    """The tan(beta)-enhanced chargino-stop C7 goes with mu A_t: for mu > 0, A_t < 0 it has
    the opposite sign to the Standard Model's C7 < 0 and lowers BR(b -> s gamma) (the
    well-known preference of b -> s gamma for mu > 0 in minimal supergravity; Carena, Garcia,
    Nierste, Wagner, hep-ph/0010003); flipping mu or A_t flips it."""
    p = point(4, tanb=40.0, Alambda=3000.0, mueff=np.array([600.0, -600.0, 600.0, -600.0]),
              At=np.array([-2000.0, -2000.0, 2000.0, 2000.0]), M2=300.0)
    _, wc = coefficients(p)
    c = wc["C7_chargino"]
    assert c[0] > 0 and c[1] < 0 and c[2] < 0 and c[3] > 0


def test_neutral_higgs_penguins_vanish_for_the_sm_higgs_and_decouple_singlets():
    """The SM-like Higgs (S_h = (cos b, sin b, 0)) has no b-s coupling; a pure singlet has no
    muon coupling; the MSSM-like heavy pair gives C_P = -C_S for M_H = M_A (Babu, Kolda,
    hep-ph/9909476)."""
    tanb = np.array([20.0])
    beta = np.arctan(tanb)
    cb, sb = np.cos(beta), np.sin(beta)
    s = np.array([[[cb[0], sb[0], 0.0], [sb[0], -cb[0], 0.0], [0.0, 0.0, 1.0]]])
    pm = np.array([[[sb[0], cb[0], 0.0], [0.0, 0.0, 1.0]]])
    spec = {"S": s, "P": pm, "mh1": np.array([125.0]), "mh2": np.array([800.0]),
            "mh3": np.array([300.0]), "ma1": np.array([800.0]), "ma2": np.array([50.0])}
    sig_s, sig_p = flavour.higgs_sums(spec, tanb)
    assert sig_s[0] == pytest.approx(-tanb[0] / 800.0**2, rel=1e-12)
    assert sig_p[0] == pytest.approx(tanb[0] / 800.0**2, rel=1e-12)


def test_charged_higgs_z_penguin_limits():
    """C_A^H = -(x_t/8) cot^2(b) f(y): 0 for a heavy H+ (y -> 0) and x_t cot^2(b)/8 for
    y -> infinity, the large-m_t limit x_t/8 of the Goldstone Z penguin Y0(x_t)
    (hep-ph/9512380); it adds to the Standard-Model Y0 > 0."""
    assert lf.z_penguin_charged_higgs(np.array(1e-6)) == pytest.approx(0.0, abs=2e-5)
    assert lf.z_penguin_charged_higgs(np.array(1e6)) == pytest.approx(-1.0, rel=1e-4)
    assert lf.y0(np.array(1e6)) / (1e6 / 8) == pytest.approx(1.0, rel=1e-4)
    ratio = flavour.charged_higgs_c10_ratio(np.array([500.0, 5000.0]), np.array([2.0, 2.0]))
    assert ratio[0] > ratio[1] > 0


# ------------------------------------------------------------ oracle sample


@pytest.mark.skipif(not (ORACLE / "random_A.csv").is_file(), reason="oracle not available")
@pytest.mark.parametrize("sample", ["random_A.csv", "seed_A.csv"])
def test_against_nmssmtools_oracle(sample):
    """BR(B -> X_s gamma) within 10% of NMSSMTools 5.6.0 for most oracle points (the
    project's SM is flavio's, 1.5% below NMSSMTools'; see README for the outliers)."""
    pd = pytest.importorskip("pandas")
    o = pd.read_csv(ORACLE / sample, comment="#")
    o = o[o["status"].astype(str).str.startswith("ok")]
    p = as_arrays({("lambda_" if k == "lambda" else k): o[k].to_numpy(float)
                   for k in ("tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3",
                             "MU3", "MD3", "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda",
                             "kappa", "Alambda", "Akappa", "mueff")})
    _, wc = coefficients(p)
    ratio = load()["br_bsgamma"](wc) / o["bsg"].to_numpy()
    assert np.mean(np.abs(ratio - 1) < 0.10) >= 0.85
    assert math.isfinite(np.median(ratio))


def test_higgs_penguin_normalisation_gives_the_large_tanb_estimate():
    """BR(Bs -> mu mu) ~ 3.5e-5 [tan(b)/50]^6 (m_t/M_A)^4 (16 pi^2 eps_Y)^2/D^2 for
    tau = 1.5 ps, f_Bs = 230 MeV, |V_ts| = 0.040 (Isidori, Retico, hep-ph/0110121;
    Buras et al., hep-ph/0210145): scaled to flavio's tau, f_Bs, |V_ts V_tb|, 3.76e-5."""
    cal = load()
    tanb, m_a, mt = np.array([50.0]), 170.0, 170.0
    eps = {"eps_Y": np.array([1 / (16 * math.pi**2)]), "eps_b": np.zeros(1),
           "eps_0": np.zeros(1), "y_t": np.array([mt / (sm.V_HIGGS * math.sin(math.atan(50)))])}
    sigma = tanb / m_a**2
    cs, cp = flavour.higgs_penguins(eps, tanb, -sigma, sigma, cal.constants["m_mu"],
                                    cal.constants["alpha_e_4.8"])
    br = cal["br_bsmumu"]({"CS_bsmumu": cs, "CP_bsmumu": cp})[0]
    assert br == pytest.approx(3.76e-5, rel=0.05)
