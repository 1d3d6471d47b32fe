"""The NMSSM couplings (backends/nmssm_builtin/vertices.py) against independent derivations:
the spectrum's own mass matrices, a mechanical derivation of the fermion mass matrix from the
general supersymmetric Lagrangian, the Ward identities of the Z, the electroweakino derivatives
of the effective-potential module, the tree-level Higgs mass matrices, the Standard-Model limit
of the Higgs self-coupling, and published coupling formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends.nmssm_builtin import electroweak_loops, vertices
from backends.nmssm_builtin import sm_inputs as sm
from backends.nmssm_builtin.charginos import mass_matrix as chargino_matrix
from backends.nmssm_builtin.higgs import tree_matrices
from backends.nmssm_builtin.neutralinos import mass_matrix as neutralino_matrix
from backends.nmssm_builtin.spectrum import as_arrays, compute

R2 = math.sqrt(0.5)
SQ2 = math.sqrt(2.0)


def points(n: int = 40, seed: int = 7) -> dict[str, np.ndarray]:
    """Random points with light, mixed electroweakinos (every coupling matters)."""
    rng = np.random.default_rng(seed)
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    return as_arrays({
        "tanb": u(2, 30), "lambda_": u(0.05, 0.6), "kappa": u(-0.5, 0.5),
        "Alambda": u(100, 3000), "Akappa": u(-500, 100), "mueff": u(100, 600),
        "M1": u(-800, 800), "M2": u(150, 900), "M3": u(1500, 3000), "At": u(-3000, 3000),
        "Ab": u(-2000, 2000), "Atau": u(-2000, 2000), "MQ3": u(800, 3000),
        "MU3": u(800, 3000), "MD3": u(800, 3000), "ML3": u(200, 1500), "ME3": u(200, 1500),
        "MQ12": u(1000, 3000), "MU12": u(1000, 3000), "MD12": u(1000, 3000),
        "ML12": u(200, 1500), "ME12": u(200, 1500)})


@pytest.fixture(scope="module")
def batch():
    p = points()
    spec = compute(p, loops=False, ino_corrections=False)   # tree level: exact relations
    return p, spec, vertices.vertices(spec, p)


def vevs(p):
    beta = np.arctan(p["tanb"])
    return sm.V_HIGGS * np.cos(beta), sm.V_HIGGS * np.sin(beta), p["mueff"] / p["lambda_"]


# ----------------------------------------------- the mass matrices the couplings come from

def test_field_derivatives_rebuild_the_spectrum_mass_matrices(batch):
    """M is linear in the fields: M1, M2 plus sum_x (hol_x + anti_x) <H_x> must be the
    neutralino and chargino matrices of the spectrum modules."""
    p, _, _ = batch
    g, gp, _, _ = vertices.gauge_couplings()
    vd, vu, s = vevs(p)
    fields = np.stack([vd, vu, s], -1)
    n = len(p["tanb"])
    hol, anti = vertices.field_derivatives(
        vertices.neutralino_entries(p["lambda_"], p["kappa"], g, gp), 5, n, symmetric=True)
    m = np.einsum("nx,nxij->nij", fields, hol + anti)
    m[:, 0, 0], m[:, 1, 1] = p["M1"], p["M2"]
    expect = neutralino_matrix(p["M1"], p["M2"], p["mueff"], p["lambda_"], p["kappa"],
                               p["tanb"])
    np.testing.assert_allclose(m, expect, atol=1e-9)
    hol, anti = vertices.field_derivatives(vertices.chargino_entries(p["lambda_"], g), 2, n,
                                           symmetric=False)
    x = np.einsum("nx,nxij->nij", fields, hol + anti)
    x[:, 0, 0] = p["M2"]
    np.testing.assert_allclose(x, chargino_matrix(p["M2"], p["mueff"], p["tanb"]), atol=1e-9)


def general_fermion_mass_matrix(phi: np.ndarray, lam: float, kappa: float, m1: float,
                                m2: float) -> np.ndarray:
    """The two-component fermion mass matrix of the Higgs sector from the general
    supersymmetric Lagrangian (S. P. Martin, hep-ph/9709356, eqs. (3.2.x), (3.4.x)):
    M_ij = d^2W/dphi_i dphi_j for the chiral fermions, M_(i,a) = sqrt2 g_a (phi^* T^a)_i
    between chiral fermion i and gaugino a, gaugino masses M1, M2.

    Fields phi = (Hu+, Hu0, Hd0, Hd-, S) (complex); fermions (H~u+, H~u0, H~d0, H~d-, S~,
    B~, W~1, W~2, W~3); W = lambda S (Hu+ Hd- - Hu0 Hd0) + kappa/3 S^3;
    H_u = (Hu+, Hu0), H_d = (Hd0, Hd-) are SU(2) doublets with Y = +1/2, -1/2."""
    g, gp, _, _ = vertices.gauge_couplings()
    hup, hu0, hd0, hdm, s = phi
    m = np.zeros((9, 9), dtype=complex)
    # superpotential second derivatives
    m[0, 3] = m[3, 0] = lam * s
    m[1, 2] = m[2, 1] = -lam * s
    m[0, 4] = m[4, 0] = lam * hdm
    m[3, 4] = m[4, 3] = lam * hup
    m[1, 4] = m[4, 1] = -lam * hd0
    m[2, 4] = m[4, 2] = -lam * hu0
    m[4, 4] = 2 * kappa * s
    sigma = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
             np.array([[1, 0], [0, -1]])]
    doublets = ((np.array([hup, hu0]), [0, 1], 0.5), (np.array([hd0, hdm]), [2, 3], -0.5))
    for field, idx, y in doublets:
        for a in range(3):
            row = math.sqrt(2) * g * (field.conj() @ (sigma[a] / 2))
            for k, i in enumerate(idx):
                m[i, 6 + a] = m[6 + a, i] = row[k]
        row = math.sqrt(2) * gp * y * field.conj()
        for k, i in enumerate(idx):
            m[i, 5] = m[5, i] = row[k]
    m[5, 5] = m1
    m[6, 6] = m[7, 7] = m[8, 8] = m2
    # (W~1, W~2) -> (W~+, W~-) with W~+- = (W~1 -+ i W~2)/sqrt2
    c = np.eye(9, dtype=complex)
    c[6, 6], c[6, 7] = R2, R2
    c[7, 6], c[7, 7] = 1j * R2, -1j * R2
    return c.T @ m @ c      # basis (..., B~, W~+, W~-, W~3)


def test_general_lagrangian_gives_the_neutral_and_charged_couplings(batch):
    """Derivatives of the mechanically built 9x9 matrix along H+ and along the neutral
    fields reproduce the hand-derived couplings of `vertices` (gauge basis)."""
    p, spec, v = batch
    vd, vu, s = vevs(p)
    cb, sb = np.cos(np.arctan(p["tanb"])), np.sin(np.arctan(p["tanb"]))
    neutral = [5, 8, 2, 1, 4]        # B~, W~3, H~d0, H~u0, S~
    minus, plus = [7, 3], [6, 0]     # (W~-, H~d-), (W~+, H~u+)
    step = 1e-3
    for n in range(0, len(cb), 7):
        lam, kap = p["lambda_"][n], p["kappa"][n]
        vac = np.array([0, vu[n], vd[n], 0, s[n]], dtype=complex)
        m0 = general_fermion_mass_matrix(vac, lam, kap, p["M1"][n], p["M2"][n])
        expect_n = neutralino_matrix(p["M1"][n:n + 1], p["M2"][n:n + 1], p["mueff"][n:n + 1],
                                     p["lambda_"][n:n + 1], p["kappa"][n:n + 1],
                                     p["tanb"][n:n + 1])[0]
        np.testing.assert_allclose(m0[np.ix_(neutral, neutral)], expect_n, atol=1e-9)
        np.testing.assert_allclose(m0[np.ix_(minus, plus)],
                                   chargino_matrix(p["M2"][n:n + 1], p["mueff"][n:n + 1],
                                                   p["tanb"][n:n + 1])[0], atol=1e-9)
        # H+ = cb Hu+ + sb Hd-*: a displacement h of H+ (H- = h^*) shifts Hu+ by cb h and
        # Hd- by sb h^*; L ⊃ -H+ (chi0 A chi-) - H- (chi0 B chi+)
        shift = np.zeros(5, dtype=complex)
        shift[0], shift[3] = cb[n], sb[n]
        args = (lam, kap, p["M1"][n], p["M2"][n])

        def shifted(h, shift=shift, vac=vac, args=args):
            phi = vac + shift * np.array([h, 0, 0, np.conj(h), 0])
            return general_fermion_mass_matrix(phi, *args)

        # d/dH+ and d/dH- from the real and imaginary directions
        d_re = (shifted(step) - shifted(-step)) / (2 * step)
        d_im = (shifted(1j * step) - shifted(-1j * step)) / (2 * step)
        d_hplus, d_hminus = 0.5 * (d_re - 1j * d_im), 0.5 * (d_re + 1j * d_im)
        a_gauge = d_hplus[np.ix_(neutral, minus)]
        b_gauge = d_hminus[np.ix_(neutral, plus)]
        nmix, u, vv = spec["N"][n], spec["U"][n], spec["V"][n]
        hc = v.hc_neutralino_chargino
        np.testing.assert_allclose(hc.L[n], -(nmix @ b_gauge @ vv.T), atol=1e-6)
        np.testing.assert_allclose(hc.R[n], -(nmix @ a_gauge @ u.T), atol=1e-6)


# ----------------------------------------------- gauge invariance: Ward identities

def test_goldstone_couplings_obey_the_z_ward_identity(batch):
    """Gauge invariance of the mass terms under the Z's U(1) ties the G^0 couplings to the
    Z couplings: neutralinos L^G_ij = -i (m_i + m_j) L^Z_ij / M_Z; charginos
    L^G_ij = i (R^Z_ij m_j - m_i L^Z_ij) / M_Z (derivation in the test module's text)."""
    _, spec, v = batch
    m0 = np.stack([spec[f"mneu{i}"] for i in range(1, 6)], -1)
    expect = -1j * (m0[:, :, None] + m0[:, None, :]) * v.z_neutralino.L / sm.MZ
    np.testing.assert_allclose(v.neutralino_g0.L, expect, atol=1e-9)
    np.testing.assert_allclose(v.neutralino_g0.R, np.conj(expect), atol=1e-9)
    mc = np.stack([spec["mcha1"], spec["mcha2"]], -1)
    z = v.z_chargino
    expect = 1j * (z.R * mc[:, None, :] - mc[:, :, None] * z.L) / sm.MZ
    np.testing.assert_allclose(v.chargino_g0.L, expect, atol=1e-9)


def test_neutralino_couplings_are_majorana_symmetric_and_cp_definite(batch):
    v = batch[2]
    for c in (v.neutralino_h, v.neutralino_a, v.z_neutralino):
        np.testing.assert_allclose(c.L, np.swapaxes(c.L, -1, -2), atol=1e-12)
    np.testing.assert_allclose(v.neutralino_h.L.imag, 0, atol=1e-12)
    np.testing.assert_allclose(v.neutralino_a.L.real, 0, atol=1e-12)
    np.testing.assert_allclose(v.neutralino_h.R, np.conj(v.neutralino_h.L), atol=1e-12)
    np.testing.assert_allclose(v.z_neutralino.R, -v.z_neutralino.L, atol=1e-12)


def test_doublet_derivatives_agree_with_the_effective_potential_module(batch):
    """The electroweakino loops of the Higgs masses differentiate the same mass matrices
    (their own implementation): along h_d, h_u, h_s, a_d, a_u, a_s the derivatives must
    agree."""
    p = batch[0]
    g, gp, _, _ = vertices.gauge_couplings()
    n = len(p["tanb"])
    # unit directions h_d, h_u, h_s (CP-even) and a_d, a_u, a_s (CP-odd)
    directions = np.zeros((n, 6, 3), dtype=complex)
    for k in range(3):
        directions[:, k, k] = R2
        directions[:, k + 3, k] = 1j * R2
    neutralino = vertices.neutralino_entries(p["lambda_"], p["kappa"], g, gp)
    chargino = vertices.chargino_entries(p["lambda_"], g)
    for (hol, anti), (_, loops) in (
            (vertices.field_derivatives(neutralino, 5, n, symmetric=True),
             electroweak_loops.neutralino_matrices(p)),
            (vertices.field_derivatives(chargino, 2, n, symmetric=False),
             electroweak_loops.chargino_matrices(p))):
        ours = (np.einsum("nax,nxij->naij", directions, hol)
                + np.einsum("nax,nxij->naij", directions.conj(), anti))
        np.testing.assert_allclose(ours[:, :3].real, loops[:, :3], atol=1e-12)
        np.testing.assert_allclose(ours[:, 3:].imag, loops[:, 3:], atol=1e-12)


# ----------------------------------------------- Higgs potential and trilinears

def test_potential_reproduces_the_tree_level_higgs_mass_matrices(batch):
    """Second derivatives of `vertices.potential` at the input vacuum equal the tree-level
    CP-even, CP-odd and charged mass matrices of ``higgs`` (and the first derivatives
    vanish: the minimisation conditions)."""
    p, _, _ = batch
    n = len(p["tanb"])
    h = 0.5 * (np.abs(p["mueff"] / p["lambda_"]) + sm.V_HIGGS)   # any step: V is quartic

    def value(pairs):
        x = np.zeros((n, 8))
        for i, a in pairs:
            x[:, i] += a * h
        return vertices.potential(vertices._field_values(p, x), p)

    # stencils exact for a quartic polynomial (error terms carry 5th and higher derivatives)
    for i in range(8):
        grad = (-value([(i, 2)]) + 8 * value([(i, 1)]) - 8 * value([(i, -1)])
                + value([(i, -2)])) / (12 * h)
        assert np.all(np.abs(grad) < 1e-9 * h**3)

    def mixed(i, j, k):
        return (value([(i, k), (j, k)]) - value([(i, k), (j, -k)]) - value([(i, -k), (j, k)])
                + value([(i, -k), (j, -k)])) / (4 * (k * h) ** 2)

    hess = np.zeros((n, 8, 8))
    for i in range(8):
        hess[:, i, i] = (-value([(i, 2)]) + 16 * value([(i, 1)]) - 30 * value([])
                         + 16 * value([(i, -1)]) - value([(i, -2)])) / (12 * h**2)
        for j in range(i + 1, 8):
            hess[:, i, j] = hess[:, j, i] = (4 * mixed(i, j, 1) - mixed(i, j, 2)) / 3
    even, odd_ga, mhc2 = tree_matrices(p["tanb"], p["lambda_"], p["kappa"], p["Alambda"],
                                       p["Akappa"], p["mueff"])
    np.testing.assert_allclose(hess[:, :3, :3], even, rtol=1e-7, atol=1e-8 * np.max(even))
    beta = np.arctan(p["tanb"])
    rot = np.zeros((n, 3, 3))      # rows G, A, A_S in (a_d, a_u, a_s)
    rot[:, 0, 0], rot[:, 0, 1] = np.cos(beta), -np.sin(beta)
    rot[:, 1, 0], rot[:, 1, 1] = np.sin(beta), np.cos(beta)
    rot[:, 2, 2] = 1
    odd = np.einsum("nij,njk,nlk->nil", rot, hess[:, 3:6, 3:6], rot)
    np.testing.assert_allclose(odd, odd_ga, rtol=1e-7, atol=1e-8 * np.max(np.abs(odd_ga)))
    np.testing.assert_allclose(hess[:, 6, 6], mhc2, rtol=1e-7)
    np.testing.assert_allclose(hess[:, 7, 7], mhc2, rtol=1e-7)


def test_sm_limit_of_the_higgs_self_coupling():
    """With a heavy doublet and a decoupled singlet the light CP-even state is the SM Higgs
    of its own tree-level mass: d^3V/dh^3 = 3 m_h^2 / v_246 (v_246 = sqrt2 v)."""
    p = points(20, seed=3)
    p["lambda_"] = np.full(20, 1e-4)
    p["kappa"] = np.full(20, 1e-4)
    p["Akappa"] = np.zeros(20)
    p["Alambda"] = np.full(20, 20000.0)     # M_A ~ several TeV
    p["tanb"] = np.full(20, 20.0)
    spec = compute(p, loops=False)
    v = vertices.vertices(spec, p)
    light = np.argmin(np.abs(np.stack([spec["mh1"], spec["mh2"], spec["mh3"]], -1)), -1)
    rows = np.arange(20)
    mh = np.stack([spec["mh1"], spec["mh2"], spec["mh3"]], -1)[rows, light]
    hhh = v.hhh[rows, light, light, light]
    np.testing.assert_allclose(np.abs(hhh), 3 * mh**2 / (math.sqrt(2) * sm.V_HIGGS),
                               rtol=1e-3)
    np.testing.assert_allclose(np.abs(v.k_v[rows, light]), 1.0, atol=1e-3)


def test_trilinear_tensor_is_symmetric(batch):
    _, _, v = batch
    for perm in ((0, 2, 1, 3), (0, 3, 2, 1), (0, 1, 3, 2)):
        np.testing.assert_allclose(v.hhh, np.transpose(v.hhh, perm), atol=1e-6)
    np.testing.assert_allclose(v.haa, np.swapaxes(v.haa, -1, -2), atol=1e-6)


# ----------------------------------------------- published formulas

def test_muon_couplings_match_martin_wells(batch):
    """Martin and Wells, hep-ph/0103067, eqs. (5)-(8) (their P_L and P_R are exchanged with
    respect to the projectors here; the g-2 formulas use |n^L|^2 + |n^R|^2 and n^L n^R):
    n^L_i = (g1 N_i1 + g2 N_i2)/sqrt2 (smuon_L), -y N_i3 (smuon_R); n^R_i = y N_i3
    (smuon_L), sqrt2 g1 N_i1 (smuon_R); c^L_k = -g2 V_k1, c^R_k = y U_k2 (sneutrino)."""
    p, spec, v = batch
    g, gp, _, _ = vertices.gauge_couplings()
    nmix, u, vv = spec["N"], spec["U"], spec["V"]
    y = vertices.M_MUON / (sm.V_HIGGS * np.cos(np.arctan(p["tanb"])))[:, None]
    neu = v.sfermion_neutralino["mu"]
    n_l = np.stack([(gp * nmix[:, :, 0] + g * nmix[:, :, 1]) * R2, -y * nmix[:, :, 2]], 1)
    n_r = np.stack([y * nmix[:, :, 2], math.sqrt(2) * gp * nmix[:, :, 0]], 1)
    np.testing.assert_allclose(np.abs(neu.R), np.abs(n_l), atol=1e-12)
    np.testing.assert_allclose(np.abs(neu.L), np.abs(n_r), atol=1e-12)
    # the product that carries the chirality flip (sign-sensitive)
    np.testing.assert_allclose((neu.L * neu.R).real, -(n_l * n_r), atol=1e-12)
    cha = v.sfermion_chargino["nu_mu"]
    np.testing.assert_allclose(cha.R[:, 0], -g * vv[:, :, 0], atol=1e-12)
    np.testing.assert_allclose(cha.L[:, 0], y * u[:, :, 1], atol=1e-12)


def test_charged_higgs_neutralino_chargino_mssm_form(batch):
    """Gunion and Haber, Nucl. Phys. B272 (1986) 1, the H+ chi0_i chi-_j couplings
    g Q'^L = g cos(b) [N_i4 V_j1 + (N_i2 + N_i1 tan(thw)) V_j2 / sqrt2] plus, in the
    NMSSM, lambda sin(b) N_i5 V_j2 (arXiv:0910.1785, appendix): same magnitudes."""
    p, spec, v = batch
    g, gp, _, _ = vertices.gauge_couplings()
    nmix, vv = spec["N"], spec["V"]
    cb, sb = np.cos(np.arctan(p["tanb"])), np.sin(np.arctan(p["tanb"]))
    q_l = (g * cb[:, None, None] * (nmix[:, :, None, 3] * vv[:, None, :, 0]
                                    + (nmix[:, :, None, 1] + nmix[:, :, None, 0] * gp / g)
                                    * vv[:, None, :, 1] * R2)
           + p["lambda_"][:, None, None] * sb[:, None, None] * nmix[:, :, None, 4]
           * vv[:, None, :, 1])
    np.testing.assert_allclose(np.abs(v.hc_neutralino_chargino.L), np.abs(q_l), atol=1e-12)


def stop_matrix(p: dict, hd: np.ndarray, hu: np.ndarray, s: np.ndarray,
                mt_running: np.ndarray) -> np.ndarray:
    """The tree-level stop mass matrix (n, 2, 2) [GeV^2] at real neutral fields (H_d, H_u, S)
    (arXiv:0910.1785 sect. 2.2 with the fields kept general): M_LL = M_Q3^2 + y_t^2 H_u^2
    + (g^2/2 T3 - g'^2/2 Y_Q)(H_d^2 - H_u^2), M_RR = M_U3^2 + y_t^2 H_u^2 + g'^2/2 Q_t
    (H_d^2 - H_u^2), M_LR = y_t (A_t H_u - lambda S H_d), y_t = m_t / v_u."""
    g1, g2 = sm.G1SQ, sm.G2SQ
    vu = sm.V_HIGGS * np.sin(np.arctan(p["tanb"]))
    yt = mt_running / vu
    d = hd**2 - hu**2
    m = np.empty((len(hd), 2, 2))
    m[:, 0, 0] = p["MQ3"] ** 2 + yt**2 * hu**2 + 0.5 * (g2 * 0.5 - g1 / 6.0) * d
    m[:, 1, 1] = p["MU3"] ** 2 + yt**2 * hu**2 + 0.5 * g1 * (2.0 / 3.0) * d
    m[:, 0, 1] = m[:, 1, 0] = yt * (p["At"] * hu - p["lambda_"] * s * hd)
    return m


def test_higgs_stop_couplings_are_the_stop_matrix_derivatives(batch):
    """h_a stop_k stop_l = d M^2/d h_a rotated to the stop states: central differences of
    the stop matrix written out here, along S_a (H = v + h/sqrt2)."""
    from backends.nmssm_builtin.vertices import quark_masses

    p, spec, v = batch
    vd, vu, s = vevs(p)
    mt = quark_masses(p)["t"]
    rot, smix = spec["stop_mix"], spec["S"]
    eps = 1e-3
    for a in range(3):
        shift = smix[:, a, :] * eps * R2
        up = stop_matrix(p, vd + shift[:, 0], vu + shift[:, 1], s + shift[:, 2], mt)
        down = stop_matrix(p, vd - shift[:, 0], vu - shift[:, 1], s - shift[:, 2], mt)
        derivative = np.einsum("nki,nij,nlj->nkl", rot, (up - down) / (2 * eps), rot)
        np.testing.assert_allclose(v.higgs_sfermion["t"][:, a], derivative,
                                   rtol=1e-6, atol=1e-6 * np.abs(derivative).max())


def test_higgs_sfermion_d_terms_follow_the_sfermion_masses_in_tan_beta(batch):
    """First-generation squarks and smuons: at fixed v, d m^2/d beta of the spectrum's
    masses (D-terms) plus that of the F-term y_f^2 |H_f|^2 they neglect,
    2 m_f^2 (dv_f/dbeta)/v_f, equals sum_x dm^2/dh_x sqrt2 dv_x/dbeta, dm^2/dh_x = S_ax hsf_a."""
    from backends.nmssm_builtin.sfermions import sfermions

    p, spec, v = batch
    beta = np.arctan(p["tanb"])
    dtanb = 1e-6 * p["tanb"]
    up = sfermions({**p, "tanb": p["tanb"] + dtanb})
    down = sfermions({**p, "tanb": p["tanb"] - dtanb})
    dbeta = (np.arctan(p["tanb"] + dtanb) - np.arctan(p["tanb"] - dtanb))
    direction = np.stack([-np.sin(beta), np.cos(beta), 0 * beta], -1) * sm.V_HIGGS * SQ2
    masses = vertices.quark_masses(p)
    for species, k, key in (("u", 0, "msuL_sq"), ("u", 1, "msuR_sq"), ("d", 0, "msdL_sq"),
                            ("d", 1, "msdR_sq"), ("mu", 0, "msmuL_sq"), ("mu", 1, "msmuR_sq")):
        hsf = v.higgs_sfermion[species][:, :, k, k]                   # (n, a)
        along = np.einsum("na,nax,nx->n", hsf, spec["S"], direction)
        f_term = 2 * masses[species] ** 2 * (1 / np.tan(beta) if species == "u"
                                              else -np.tan(beta))
        numeric = (up[key] - down[key]) / dbeta + f_term
        np.testing.assert_allclose(along, numeric, rtol=1e-4, atol=1e-3)
