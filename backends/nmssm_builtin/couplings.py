"""Reduced couplings of the CP-even Higgs states (``higgs_couplings`` capability).

Tree level (SLHA2 NMHMIX basis H_d, H_u, S; arXiv:0910.1785 sect. 2.2):
k_u = S_i2 / sin(beta), k_d = S_i1 / cos(beta), k_V = cos(beta) S_i1 + sin(beta) S_i2.

Loop-induced couplings: ratio of the h_i -> gg (gamma gamma) amplitude to that of
a SM Higgs of the same mass, leading order, with the loop functions A_1/2, A_1,
A_0 of Djouadi, Phys. Rept. 457 (2008) 1, hep-ph/0503172, eqs. (2.9)-(2.11) and
hep-ph/0503173 sect. 2.3 (normalisation: top -> 4/3, W -> -7, scalar -> 1/3 in
the heavy limit). Each particle enters with (v/2) d ln m^2 / d h_i (v = 246 GeV):
the coupling of a scalar S is g_{h S S} = d m_S^2 / d h_i (low-energy-theorem
normalisation), that of a fermion (v/m) dm/dh_i.

- gluons: top, bottom (k_u, k_d), stops;
- photons: W (k_V), top, bottom, tau, charged Higgs, charginos, stops.

The couplings of stops, charginos and the charged Higgs to h_i are derivatives of
their tree-level field-dependent masses along h_i (Hellmann-Feynman).
"""

from __future__ import annotations

import math

import numpy as np

from . import sm_inputs as sm

SQ2 = math.sqrt(2.0)
V246 = SQ2 * sm.V_HIGGS


def _f(tau: np.ndarray) -> np.ndarray:
    """f(tau) of Djouadi eq. (2.10), tau = m_h^2 / (4 m^2), complex above threshold."""
    tau = np.asarray(tau, dtype=complex)
    low = np.arcsin(np.sqrt(np.minimum(tau.real, 1.0))) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(1.0 - 1.0 / np.maximum(tau.real, 1.0))
        high = -0.25 * (np.log((1 + r) / np.maximum(1 - r, 1e-300)) - 1j * math.pi) ** 2
    return np.where(tau.real <= 1.0, low, high)


def a_half(tau: np.ndarray) -> np.ndarray:
    """Spin-1/2 loop function A_1/2 = 2 [tau + (tau - 1) f(tau)] / tau^2 (-> 4/3)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return 2.0 * (tau + (tau - 1.0) * _f(tau)) / tau**2


def a_one(tau: np.ndarray) -> np.ndarray:
    """Spin-1 loop function A_1 = -[2 tau^2 + 3 tau + 3 (2 tau - 1) f(tau)] / tau^2 (-> -7)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return -(2.0 * tau**2 + 3.0 * tau + 3.0 * (2.0 * tau - 1.0) * _f(tau)) / tau**2


def a_zero(tau: np.ndarray) -> np.ndarray:
    """Spin-0 loop function A_0 = -[tau - f(tau)] / tau^2 (-> 1/3)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return -(tau - _f(tau)) / tau**2


def _stop_couplings(p: dict, rot: np.ndarray) -> np.ndarray:
    """d m^2(stop_a)/d phi_j (n, 2, 3) [GeV], phi_j = (H_d, H_u, S) canonical fields."""
    tanb = p["tanb"]
    beta = np.arctan(tanb)
    vu, vd = sm.V_HIGGS * np.sin(beta), sm.V_HIGGS * np.cos(beta)
    s = p["mueff"] / p["lambda_"]
    qscale = np.sqrt(np.abs(p["MQ3"] * p["MU3"]))
    ht = sm.mt_msbar(np.maximum(qscale, sm.MT_POLE)) / vu
    g1, g2 = sm.G1SQ, sm.G2SQ
    dl, dr = g2 / 4 - g1 / 12, g1 / 3
    n = tanb.shape[0]
    dm = np.zeros((n, 3, 2, 2))  # d(mass matrix)/d(h_d, h_u, s) with H = v + phi/sqrt2
    dm[:, 0, 0, 0] = 2 * dl * vd
    dm[:, 0, 1, 1] = 2 * dr * vd
    dm[:, 1, 0, 0] = 2 * ht**2 * vu - 2 * dl * vu
    dm[:, 1, 1, 1] = 2 * ht**2 * vu - 2 * dr * vu
    offd = np.stack([-ht * p["lambda_"] * s, ht * p["At"], -ht * p["lambda_"] * vd], -1)
    dm[:, :, 0, 1] = dm[:, :, 1, 0] = offd
    dm /= SQ2
    return np.einsum("nai,njik,nak->naj", rot, dm, rot)


def _chargino_couplings(p: dict, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """d m(chargino_k)/d phi_j (n, 2, 3) (dimensionless)."""
    g2 = math.sqrt(sm.G2SQ)
    n = p["tanb"].shape[0]
    dx = np.zeros((n, 3, 2, 2))
    dx[:, 0, 1, 0] = g2
    dx[:, 1, 0, 1] = g2
    dx[:, 2, 1, 1] = p["lambda_"]
    dx /= SQ2
    return np.einsum("nki,njil,nkl->nkj", u, dx, v)


def _charged_higgs_couplings(p: dict) -> np.ndarray:
    """d m^2(H+)/d phi_j (n, 3) [GeV] from the tree-level charged mass matrix in the basis
    (H_u^+, H_d^-*) as a function of the neutral background fields."""
    tanb, lam, kap = p["tanb"], p["lambda_"], p["kappa"]
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    vu, vd = sm.V_HIGGS * sb, sm.V_HIGGS * cb
    s = p["mueff"] / lam
    gp = 0.25 * (sm.G1SQ + sm.G2SQ)
    g2 = sm.G2SQ
    # H+ eigenvector (the Goldstone is (sb, -cb) up to sign in this basis)
    e = np.stack([cb, sb], -1)
    d_aa = np.stack([-2 * gp * vd + g2 * vd, 2 * gp * vu, 2 * lam**2 * s], -1)
    d_bb = np.stack([2 * gp * vd, -2 * gp * vu + g2 * vu, 2 * lam**2 * s], -1)
    d_ab = np.stack([(-lam**2 + g2 / 2) * vu, (-lam**2 + g2 / 2) * vd,
                     2 * lam * kap * s + lam * p["Alambda"]], -1)
    out = (e[:, :1] ** 2 * d_aa + e[:, 1:] ** 2 * d_bb + 2 * e[:, :1] * e[:, 1:] * d_ab)
    return out / SQ2


def _tau(mh: np.ndarray, m: float | np.ndarray) -> np.ndarray:
    """tau = m_h^2 / (4 m^2)."""
    return mh**2 / (4.0 * np.asarray(m) ** 2)


def higgs_couplings(spec: dict, p: dict) -> dict[str, np.ndarray]:
    """Reduced couplings ku_i, kd_i, kV_i, kg_i, kgamma_i (i = 1..3) of the CP-even states."""
    tanb = p["tanb"]
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    smix = spec["S"]
    stop_g = _stop_couplings(p, spec["stop_mix"])                    # (n, 2, 3)
    cha_g = _chargino_couplings(p, spec["U"], spec["V"])              # (n, 2, 3)
    hc_g = _charged_higgs_couplings(p)                                # (n, 3)
    mst = np.stack([spec["mst1"], spec["mst2"]], -1)
    mcha = np.stack([spec["mcha1"], spec["mcha2"]], -1)
    mhc = spec["mhc"]
    mt, mb = sm.MT_POLE, 4.75   # pole masses for the loops (m_b pole ~ 4.75 GeV)
    out: dict[str, np.ndarray] = {}
    for i in range(3):
        mh = np.abs(spec[f"mh{i + 1}"])
        ku = smix[:, i, 1] / sb
        kd = smix[:, i, 0] / cb
        kv = cb * smix[:, i, 0] + sb * smix[:, i, 1]
        at, ab = a_half(_tau(mh, mt)), a_half(_tau(mh, mb))
        aw, atau = a_one(_tau(mh, sm.MW)), a_half(_tau(mh, sm.MTAU))
        g_st = np.einsum("nak,nk->na", stop_g, smix[:, i, :])
        stops = sum(V246 * g_st[:, a] / (2 * mst[:, a] ** 2) * a_zero(_tau(mh, mst[:, a]))
                    for a in range(2))
        g_ch = np.einsum("nak,nk->na", cha_g, smix[:, i, :])
        chas = sum(V246 * g_ch[:, a] / mcha[:, a] * a_half(_tau(mh, mcha[:, a]))
                   for a in range(2))
        g_hc = np.einsum("nk,nk->n", hc_g, smix[:, i, :])
        hcs = V246 * g_hc / (2 * mhc**2) * a_zero(_tau(mh, mhc))
        glu = ku * at + kd * ab + stops
        gam = (kv * aw + 4.0 / 3.0 * ku * at + 1.0 / 3.0 * kd * ab + kd * atau
               + hcs + chas + 4.0 / 3.0 * stops)
        out[f"ku_{i + 1}"], out[f"kd_{i + 1}"], out[f"kV_{i + 1}"] = ku, kd, kv
        out[f"kg_{i + 1}"] = np.abs(glu) / np.abs(at + ab)
        out[f"kgamma_{i + 1}"] = np.abs(gam) / np.abs(aw + 4.0 / 3.0 * at + ab / 3.0 + atau)
    return out
