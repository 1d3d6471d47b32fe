"""LEP observables (backends/nmssm_builtin/ewkino_lep.py) against the closed formulas
NMSSMTools 5.6.0 applies (sources/subexp.f), and the lep likelihood term."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ewkino_reference import benchmark

from backends.nmssm_builtin import sm_inputs as sm
from backends.nmssm_builtin.ewkino_decays import invariants
from backends.nmssm_builtin.ewkino_lep import (
    ee_to_neutralinos,
    nmssm_builtin_lep_observables,
    z_to_fermions,
)
from backends.nmssm_builtin.spectrum import as_arrays, compute
from backends.nmssm_builtin.vertices import vertices
from likelihoods.lep import LEPTerm, limits


@pytest.fixture(scope="module")
def light():
    """Points with light higgsinos and singlinos (LEP-sensitive)."""
    rng = np.random.default_rng(11)
    n = 40
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    p = as_arrays({"tanb": u(2, 20), "lambda_": u(0.1, 0.6), "kappa": u(0.02, 0.2),
                   "Alambda": u(100, 2000), "Akappa": u(-200, 0), "mueff": u(100, 250),
                   "M1": u(30, 300), "M2": u(200, 900), "M3": 2500.0, "At": -2000.0,
                   "Ab": 0.0, "Atau": 0.0, "MQ3": 2000.0, "MU3": 2000.0, "MD3": 2000.0,
                   "ML3": 500.0, "ME3": 500.0, "MQ12": 2500.0, "MU12": 2500.0,
                   "MD12": 2500.0, "ML12": 500.0, "ME12": 500.0})
    spec = {k: v for k, v in compute(p, loops=False).items() if not k.startswith("_")}
    return spec, p, vertices(spec, p)


def test_invisible_z_width_is_the_textbook_one(light):
    """Gamma(Z -> chi1 chi1) = G_F M_Z^3/(12 sqrt2 pi) (N13^2 - N14^2)^2 beta^3 (NMSSMTools,
    subexp.f; the neutrino width times the higgsino asymmetry)."""
    spec, _, v = light
    m1 = spec["mneu1"]
    nmix = spec["N"]
    z = v.z_neutralino
    mine = 0.5 * z_to_fermions(m1, m1, *invariants(z.L[:, 0, 0], z.R[:, 0, 0]))
    beta2 = np.clip(1 - 4 * m1**2 / sm.MZ**2, 0, None)
    expected = (sm.G_F * sm.MZ**3 / (12 * math.sqrt(2) * math.pi)
                * (nmix[:, 0, 2] ** 2 - nmix[:, 0, 3] ** 2) ** 2 * beta2**1.5)
    np.testing.assert_allclose(mine, expected, rtol=1e-9, atol=1e-15)


def test_neutralino_pair_cross_sections_match_nmssmtools(light):
    """sigma(e+e- -> chi_i chi_j) at 209 GeV against NMSSMTools' closed formula
    Q/(4 pi sqrt s) (E1 E2 + Q^2/3 - m_i m_j) g^2 O^2 (1/4 - s_W^2 + 2 s_W^4)/(s - M_Z^2)^2,
    O = N_i3 N_j3 - N_i4 N_j4, with its g = (g'^2 + g^2)/2 (NMSSMTools' g1, g2 are squared
    couplings), up to the Z width in our propagator (< 1e-3)."""
    spec, _, v = light
    nmix = spec["N"]
    z = v.z_neutralino
    s = 209.0**2
    sw2 = sm.SW2
    g_nmssmtools = 0.5 * (sm.G1SQ + sm.G2SQ)
    for i, j in ((0, 1), (0, 2), (1, 2), (1, 1)):
        mi, mj = spec[f"mneu{i + 1}"], spec[f"mneu{j + 1}"]
        mine = ee_to_neutralinos(mi, mj, z.L[:, i, j].real, z.R[:, i, j].real)
        e1 = (s + mi**2 - mj**2) / (2 * math.sqrt(s))
        e2 = (s + mj**2 - mi**2) / (2 * math.sqrt(s))
        lam = np.sqrt(np.clip((s - (np.abs(mi) + np.abs(mj)) ** 2)
                              * (s - (np.abs(mi) - np.abs(mj)) ** 2), 0, None))
        q = lam / (2 * math.sqrt(s))
        o = nmix[:, i, 2] * nmix[:, j, 2] - nmix[:, i, 3] * nmix[:, j, 3]
        ref = (q / (4 * math.pi * math.sqrt(s)) * (e1 * e2 + q**2 / 3 - mi * mj)
               * g_nmssmtools**2 * o**2 * (0.25 - sw2 + 2 * sw2**2) / (s - sm.MZ**2) ** 2
               * 0.3893794e9) * (np.abs(mi) + np.abs(mj) < math.sqrt(s))
        np.testing.assert_allclose(mine, ref, rtol=1e-3, atol=1e-12, err_msg=f"{i}{j}")


def test_lep_term_cuts():
    """103.5 GeV for a chargino well above the LSP; below a 3 GeV splitting the compressed
    limit (92.4 GeV combined, or ALEPH's 88 GeV); sleptons, the invisible width and the
    neutralino cross sections likewise."""
    spec = {"mcha1": np.array([95.0, 95.0, 90.0, 110.0, 110.0, 110.0]),
            "msmuL": np.array([300.0, 300, 300, 95, 300, 300]),
            "msmuR": np.full(6, 300.0), "mstau1": np.full(6, 300.0)}
    obs = {"dm_chargino_lsp": np.array([20.0, 1.0, 1.0, 20, 20, 20]),
           "gamma_z_chi1chi1": np.array([0, 0, 0, 0, 1e-3, 0]),
           "sigma_ee_chi1_chii": np.array([0, 0, 0, 0, 0, 0.02]),
           "sigma_ee_chii_chij": np.zeros(6)}
    np.testing.assert_array_equal(np.isinf(LEPTerm()(spec, obs)),
                                  [True, False, True, True, True, True])
    np.testing.assert_array_equal(np.isinf(LEPTerm(compressed_limit="aleph")(spec, obs)),
                                  [True, False, False, True, True, True])
    assert np.all(LEPTerm(chargino=False, sleptons=False, invisible_z=False,
                          neutralino_pairs=False)(spec, obs) == 0)
    assert limits()["chargino_mass"] == 103.5


def test_benchmark_passes_lep():
    _, spec, p = benchmark()
    obs = nmssm_builtin_lep_observables(spec, p)
    assert obs["gamma_z_chi1chi1"][0] == 0.0         # chi1 (124 GeV) heavier than M_Z/2
    assert LEPTerm()(spec, obs)[0] == 0.0
