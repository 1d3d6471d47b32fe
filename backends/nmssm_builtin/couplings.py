"""Couplings of the neutral Higgs states to SM particles, tree level and loop induced.

Tree level (SLHA2 bases: CP-even h_i = S_ij (H_d, H_u, S)_j, CP-odd a_i = P_ij (A_d, A_u,
A_S)_j; arXiv:0910.1785 sect. 2.2), relative to a SM Higgs of the same mass:
k_u = S_i2 / sin(beta), k_d = S_i1 / cos(beta), k_V = cos(beta) S_i1 + sin(beta) S_i2, and
for a_i (coupling to f-bar i gamma5 f) k_u = P_i2 / sin(beta), k_d = P_i1 / cos(beta).
The bottom coupling includes the tan(beta)-enhanced threshold Delta_b (``delta_b``):
k_b = (k_d + Delta_b (k_u + v/s S_i3)) / (1 + Delta_b) and, for a_i,
k_b = (k_d - Delta_b (k_u + v/s P_i3)) / (1 + Delta_b), from the effective Yukawa
coupling h_b b_R b_L (H_d + eps_b S* H_u*) with eps_b = Delta_b/(s tan(beta)) (Carena,
Garcia, Nierste, Wagner, hep-ph/9912516, with mu -> lambda S; v = 174 GeV, s = mueff/lambda).

Loop-induced couplings: amplitudes of h_i, a_i -> g g, gamma gamma, Z gamma at leading order,
with the loop functions of Djouadi, Phys. Rept. 457 (2008) 1, hep-ph/0503172 (SM,
eqs. (2.10), (2.46)-(2.49)), and Phys. Rept. 459 (2008) 1, hep-ph/0503173 (SUSY,
sect. 2.1.4 and 2.3): A_1/2 -> 4/3, A_1 -> -7, A_0 -> 1/3 and A^A_1/2 -> 2 in the
heavy-mass limit. Each charged particle X of mass m enters with its coupling in the
form (v/2) d ln m^2/d phi (v = 246 GeV): for a scalar v g_phiXX/(2 m^2) with
g_phiXX = d m^2/d phi, for a fermion v d m/d phi / m. These derivatives of the
tree-level field-dependent masses along each Higgs direction (Hellmann-Feynman) give the
couplings of stops, sbottoms, staus, first- and second-generation sfermions (D-terms),
charginos and the charged Higgs without writing each vertex out; for CP-odd states the
chargino couplings are the derivatives along the imaginary field directions (the gauge
terms involve H*, the lambda S Hu.Hd term does not). Particles in the loops:

- gluons: t, b, c (k_u, k_b, k_u) and all squarks;
- photons: W (k_V), t, b, c, tau, mu, charged Higgs, charginos, all charged sfermions;
- Z gamma: W, t, b, c, tau, charged Higgs, charginos (vector Z couplings from U, V).

Quark masses in the loops are pole masses (``qcd_running``); the reduced couplings
k_g, k_gamma are |A| / |A_SM| with A_SM the amplitude of a SM Higgs of the same mass
(t, b, c, tau, mu, W). QCD corrections to the widths are applied in ``higgs_decays``.
"""

from __future__ import annotations

import math

import numpy as np

from . import qcd_running as qcd
from . import sm_inputs as sm
from .vertices import Vertices, vertices

SQ2 = math.sqrt(2.0)
#: v = 246 GeV (the loop amplitudes' normalisation)
V246 = SQ2 * sm.V_HIGGS
#: muon mass [GeV] (PDG 2024)
M_MU = 0.1056584
#: the fermions of the SM reference amplitude: (name, colour, charge, weak isospin)
SM_FERMIONS = (("t", 3, 2 / 3, 0.5), ("b", 3, -1 / 3, -0.5), ("c", 3, 2 / 3, 0.5),
               ("tau", 1, -1.0, -0.5), ("mu", 1, -1.0, -0.5))


# ------------------------------------------------------------------ loop functions

def f_loop(tau: np.ndarray) -> np.ndarray:
    """f(tau), tau = M^2/(4 m^2) (Djouadi eq. (2.10)); complex above threshold."""
    tau = np.asarray(tau, dtype=float)
    low = np.arcsin(np.sqrt(np.clip(tau, 0.0, 1.0))) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(1.0 - 1.0 / np.maximum(tau, 1.0))
        high = -0.25 * (np.log((1 + r) / np.maximum(1 - r, 1e-300)) - 1j * math.pi) ** 2
    return np.where(tau <= 1.0, low + 0j, high)


def g_loop(tau: np.ndarray) -> np.ndarray:
    """g(tau), tau = M^2/(4 m^2), of the Z gamma amplitudes (Djouadi eq. (2.49))."""
    tau = np.asarray(tau, dtype=float)
    t = np.clip(tau, 1e-12, 1.0)
    low = np.sqrt(1.0 / t - 1.0) * np.arcsin(np.sqrt(t))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(1.0 - 1.0 / np.maximum(tau, 1.0))
        high = 0.5 * r * (np.log((1 + r) / np.maximum(1 - r, 1e-300)) - 1j * math.pi)
    return np.where(tau <= 1.0, low + 0j, high)


def a_half(tau: np.ndarray) -> np.ndarray:
    """Spin-1/2 loop of a CP-even state, 2 [tau + (tau - 1) f(tau)] / tau^2 (-> 4/3)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return 2.0 * (tau + (tau - 1.0) * f_loop(tau)) / tau**2


def a_half_odd(tau: np.ndarray) -> np.ndarray:
    """Spin-1/2 loop of a CP-odd state, 2 f(tau) / tau (-> 2)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return 2.0 * f_loop(tau) / tau


def a_one(tau: np.ndarray) -> np.ndarray:
    """Spin-1 loop, -[2 tau^2 + 3 tau + 3 (2 tau - 1) f(tau)] / tau^2 (-> -7)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return -(2.0 * tau**2 + 3.0 * tau + 3.0 * (2.0 * tau - 1.0) * f_loop(tau)) / tau**2


def a_zero(tau: np.ndarray) -> np.ndarray:
    """Spin-0 loop, -[tau - f(tau)] / tau^2 (-> 1/3)."""
    tau = np.maximum(np.asarray(tau, float), 1e-12)
    return -(tau - f_loop(tau)) / tau**2


def zgam_i1_i2(m_loop: np.ndarray, mh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """I1, I2 of the Z gamma amplitudes (Djouadi eq. (2.48)) for a loop particle of mass
    m_loop: arguments tau = 4 m^2/M_h^2, lambda = 4 m^2/M_Z^2."""
    m2 = np.asarray(m_loop, float) ** 2
    tau = 4.0 * m2 / mh**2
    lam = 4.0 * m2 / sm.MZ**2
    ft, fl = f_loop(1.0 / tau), f_loop(1.0 / lam)
    gt, gl = g_loop(1.0 / tau), g_loop(1.0 / lam)
    d = tau - lam
    d = np.where(np.abs(d) < 1e-9, 1e-9, d)
    i1 = (tau * lam / (2 * d) + tau**2 * lam**2 / (2 * d**2) * (ft - fl)
          + tau**2 * lam / d**2 * (gt - gl))
    i2 = -tau * lam / (2 * d) * (ft - fl)
    return i1, i2


def _tau(mh: np.ndarray, m: float | np.ndarray) -> np.ndarray:
    """tau = M^2 / (4 m^2)."""
    return mh**2 / (4.0 * np.asarray(m, float) ** 2)


def loop_masses() -> dict[str, float]:
    """Masses [GeV] of the SM particles in the loops: pole masses of t, b, c; leptons; W."""
    return {"t": sm.MT_POLE, "b": qcd.pole_mass("b"), "c": qcd.pole_mass("c"),
            "tau": sm.MTAU, "mu": M_MU, "W": sm.MW}


# ------------------------------------------------------------------ Delta_b

def _i3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """I(a, b, c) = [ab ln(a/b) + bc ln(b/c) + ca ln(c/a)] / ((a-b)(b-c)(a-c)) [GeV^-2]
    (masses squared; arguments closer than 0.1% are separated by 0.1%, an error below 1e-3)."""
    a = np.asarray(a, float)
    b = np.where(np.abs(b - a) < 1e-3 * a, a * 1.001, b)
    c = np.where(np.abs(c - a) < 1e-3 * a, a * 0.999, c)
    c = np.where(np.abs(c - b) < 1e-3 * b, b * 0.999 - 1e-3 * a, c)
    num = a * b * np.log(a / b) + b * c * np.log(b / c) + c * a * np.log(c / a)
    return num / ((a - b) * (b - c) * (a - c))


def delta_b(spec: dict, p: dict) -> np.ndarray:
    """Delta_b: the tan(beta)-enhanced correction m_b = h_b v_d (1 + Delta_b) from the
    gluino-sbottom and higgsino-stop loops (hep-ph/9912516 eq. (2.3), mu -> mueff):
    2 alpha_s/(3 pi) M3 mu tb I(m_b1^2, m_b2^2, M3^2) + h_t^2/(16 pi^2) A_t mu tb
    I(m_t1^2, m_t2^2, mu^2), alpha_s and h_t = m_t(Q)/v_u at Q = the stop/sbottom scale.
    The electroweak-gaugino terms (a few per cent of it) are left out."""
    tanb, mu = p["tanb"], p["mueff"]
    msb1, msb2 = spec["msb1"] ** 2, spec["msb2"] ** 2
    mst1, mst2 = spec["mst1"] ** 2, spec["mst2"] ** 2
    m3 = p["M3"]
    q = np.sqrt(np.abs(spec["mst1"] * spec["mst2"]))
    vu = sm.V_HIGGS * np.sin(np.arctan(tanb))
    ht = qcd.running_mass("t", q) / vu
    gluino = 2.0 * qcd.alpha_s(q) / (3.0 * math.pi) * m3 * mu * tanb * _i3(msb1, msb2, m3**2)
    higgsino = ht**2 / (16.0 * math.pi**2) * p["At"] * mu * tanb * _i3(mst1, mst2, mu**2)
    return gluino + higgsino


# ------------------------------------------------------------------ tree level

def tree_couplings(spec: dict, p: dict) -> dict[str, np.ndarray]:
    """Reduced couplings at tree level (plus Delta_b): CP-even keys ku, kd, kb, kV (n, 3),
    CP-odd keys ku_a, kd_a, kb_a (n, 2); and ``delta_b`` (n,)."""
    beta = np.arctan(p["tanb"])
    sb, cb = np.sin(beta)[:, None], np.cos(beta)[:, None]
    s, pm = spec["S"], spec["P"]
    v_over_s = (sm.V_HIGGS * p["lambda_"] / p["mueff"])[:, None]
    db = delta_b(spec, p)[:, None]
    ku, kd = s[:, :, 1] / sb, s[:, :, 0] / cb
    ku_a, kd_a = pm[:, :, 1] / sb, pm[:, :, 0] / cb
    return {"ku": ku, "kd": kd, "kV": cb * s[:, :, 0] + sb * s[:, :, 1],
            "kb": (kd + db * (ku + v_over_s * s[:, :, 2])) / (1.0 + db),
            "ku_a": ku_a, "kd_a": kd_a,
            "kb_a": (kd_a - db * (ku_a + v_over_s * pm[:, :, 2])) / (1.0 + db),
            "delta_b": db[:, 0]}


# ------------------------------------------------------------------ field derivatives

def _vevs(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    beta = np.arctan(p["tanb"])
    return (sm.V_HIGGS * np.sin(beta), sm.V_HIGGS * np.cos(beta), p["mueff"] / p["lambda_"])


def sfermion_odd_derivative(p: dict, kind: str) -> np.ndarray:
    """Derivative of the L-R entry of a third-generation sfermion mass matrix along the
    CP-odd fields (a_d, a_u, a_s), divided by i (n, 3) [GeV]: with M_LR = h (A H - lambda S*
    H'*) (H = H_u for stops, H_d otherwise, H' the other doublet), +h A along a_H,
    +h lambda s along a_H', +h lambda v_H' along a_s. ``kind``: 'stop', 'sbottom' or
    'stau'. (The CP-even couplings are those of ``vertices.higgs_sfermion``.)"""
    vu, vd, s = _vevs(p)
    lam = p["lambda_"]
    qscale = np.sqrt(np.abs(p["MQ3"] * p["MU3"]))
    if kind == "stop":
        a, up = p["At"], True
        h = sm.mt_msbar(np.maximum(qscale, sm.MT_POLE)) / vu
    elif kind == "sbottom":
        a, up = p["Ab"], False
        h = sm.mb_msbar(np.maximum(qscale, sm.MT_POLE)) / vd
    else:
        a, up = p["Atau"], False
        h = sm.MTAU / vd
    vo = vd if up else vu
    odd = np.stack([h * lam * s, h * a, h * lam * vo], -1) if up else \
        np.stack([h * a, h * lam * s, h * lam * vo], -1)
    return odd / SQ2


def charged_higgs_mass_derivative(p: dict) -> np.ndarray:
    """d m^2(H+)/d(h_d, h_u, h_s) (n, 3) [GeV] from the tree-level charged mass matrix in
    the basis (H_u^+, H_d^-*) as a function of the neutral background fields."""
    tanb, lam, kap = p["tanb"], p["lambda_"], p["kappa"]
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    vu, vd, s = _vevs(p)
    gp = 0.25 * (sm.G1SQ + sm.G2SQ)
    g2 = sm.G2SQ
    e = np.stack([cb, sb], -1)    # H+ eigenvector (the Goldstone is (sb, -cb))
    d_aa = np.stack([-2 * gp * vd + g2 * vd, 2 * gp * vu, 2 * lam**2 * s], -1)
    d_bb = np.stack([2 * gp * vd, -2 * gp * vu + g2 * vu, 2 * lam**2 * s], -1)
    d_ab = np.stack([(-lam**2 + g2 / 2) * vu, (-lam**2 + g2 / 2) * vd,
                     2 * lam * kap * s + lam * p["Alambda"]], -1)
    out = (e[:, :1] ** 2 * d_aa + e[:, 1:] ** 2 * d_bb + 2 * e[:, :1] * e[:, 1:] * d_ab)
    return out / SQ2


# ------------------------------------------------------------------ loop amplitudes

#: charged sfermions in the loops: (species of ``vertices``, spectrum mass keys, copies
#: (the first two generations are degenerate), colour, charge)
CHARGED_SFERMIONS = (("t", ("mst1", "mst2"), 1, 3, 2 / 3), ("b", ("msb1", "msb2"), 1, 3, -1 / 3),
                     ("tau", ("mstau1", "mstau2"), 1, 1, -1.0),
                     ("u", ("msuL", "msuR"), 2, 3, 2 / 3), ("d", ("msdL", "msdR"), 2, 3, -1 / 3),
                     ("mu", ("msmuL", "msmuR"), 2, 1, -1.0))


def charged_sfermions(spec: dict, p: dict, v: Vertices | None = None
                      ) -> list[tuple[int, int, float, np.ndarray, np.ndarray]]:
    """(copies, colour, charge, mass (n,), d m^2/d h_a (n, 3)) of every charged sfermion
    mass eigenstate, the couplings from ``vertices.higgs_sfermion`` (of ``v`` if given;
    first and second generations: two degenerate copies, their L and R states unmixed)."""
    couplings = (v if v is not None else vertices(spec, p)).higgs_sfermion
    out = []
    for species, names, copies, colour, charge in CHARGED_SFERMIONS:
        g = couplings[species]                                         # (n, 3, k, k)
        for k, name in enumerate(names):
            out.append((copies, colour, charge, np.abs(spec[name]), g[:, :, k, k]))
    return out


def loop_amplitudes(spec: dict, p: dict, tree: dict | None = None) -> dict[str, np.ndarray]:
    """Complex LO amplitudes of h_1..3 (n, 3) and a_1..2 (n, 2) to gg, gamma gamma, Z gamma,
    with the SM reference amplitudes at the same masses (keys ``*_sm``), the quark part of
    the gluon amplitudes (``gg_quarks``, ``gg_quarks_a``) and the top part of the CP-even
    photon amplitudes (``gamgam_top``, ``gamgam_top_sm``), for the QCD corrections.

    Normalisation: Gamma(gg) = G_F alpha_s^2 M^3/(36 sqrt2 pi^3) |3/4 A_gg|^2,
    Gamma(gamma gamma) = G_F alpha^2 M^3/(128 sqrt2 pi^3) |A|^2,
    Gamma(Z gamma) = G_F^2 M_W^2 alpha M^3/(64 pi^4) (1 - M_Z^2/M^2)^3 |A|^2."""
    tree = tree if tree is not None else tree_couplings(spec, p)
    m = loop_masses()
    s = spec["S"]
    mh = np.abs(np.stack([spec["mh1"], spec["mh2"], spec["mh3"]], -1))      # (n, 3)
    ma = np.abs(np.stack([spec["ma1"], spec["ma2"]], -1))                   # (n, 2)
    sw2, cw = sm.SW2, math.sqrt(sm.CW2)
    ku, kb, kd, kv = tree["ku"], tree["kb"], tree["kd"], tree["kV"]
    ku_a, kb_a, kd_a = tree["ku_a"], tree["kb_a"], tree["kd_a"]
    kappa = {"t": (ku, ku_a), "b": (kb, kb_a), "c": (ku, ku_a), "tau": (kd, kd_a),
             "mu": (kd, kd_a)}

    def vhat(charge: float, t3: float) -> float:
        return 2 * t3 - 4 * charge * sw2

    out: dict[str, np.ndarray] = {}
    # fermions: CP-even and CP-odd
    gg = gg_sm = 0j
    gam = gam_sm = zg = zg_sm = 0j
    gg_a = gam_a = zg_a = 0j
    for name, nc, charge, t3 in SM_FERMIONS:
        ah = a_half(_tau(mh, m[name]))
        aa = a_half_odd(_tau(ma, m[name]))
        k_even, k_odd = kappa[name]
        i1h, i2h = zgam_i1_i2(m[name], mh)
        _, i2a = zgam_i1_i2(m[name], ma)
        zfac = nc * charge * vhat(charge, t3) / cw
        if nc == 3:
            gg = gg + k_even * ah
            gg_sm = gg_sm + ah
            gg_a = gg_a + k_odd * aa
        gam = gam + nc * charge**2 * k_even * ah
        gam_sm = gam_sm + nc * charge**2 * ah
        if name == "t":
            out["gamgam_top"] = nc * charge**2 * k_even * ah
            out["gamgam_top_sm"] = nc * charge**2 * ah
        gam_a = gam_a + nc * charge**2 * k_odd * aa
        if name != "mu":
            zg = zg + zfac * k_even * (i1h - i2h)
            zg_sm = zg_sm + zfac * (i1h - i2h)
            zg_a = zg_a + zfac * k_odd * i2a
    out["gg_quarks"], out["gg_quarks_a"] = gg, gg_a
    # W boson
    aw = a_one(_tau(mh, m["W"]))
    gam = gam + kv * aw
    gam_sm = gam_sm + aw
    i1w, i2w = zgam_i1_i2(m["W"], mh)
    t2 = sw2 / sm.CW2
    tau_w = 4.0 * m["W"] ** 2 / mh**2
    azw = cw * (4.0 * (3.0 - t2) * i2w + ((1.0 + 2.0 / tau_w) * t2 - (5.0 + 2.0 / tau_w)) * i1w)
    zg = zg + kv * azw
    zg_sm = zg_sm + azw
    # charged Higgs
    mhc = np.abs(spec["mhc"])[:, None]
    g_hc = np.einsum("nk,nik->ni", charged_higgs_mass_derivative(p), s)
    c_hc = V246 * g_hc / (2.0 * mhc**2)
    gam = gam + c_hc * a_zero(_tau(mh, mhc))
    i1c, _ = zgam_i1_i2(mhc, mh)
    # a charged scalar enters with the opposite sign of I1 (its heavy limit is -1/2 that of
    # I1 - I2, and heavy particles of equal charges add up like their beta-function terms)
    zg = zg - (1.0 - 2.0 * sw2) / cw * c_hc * i1c
    # charginos (charge +1; vector Z coupling from U, V)
    u, v = spec["U"], spec["V"]
    vx = vertices(spec, p)
    for odd_state in (False, True):
        # d m_k/d phi along h_i (real), or along a_j divided by i: -L_kk of ``vertices``
        # (L ⊃ -phi chi-_k Y_kk chi+_k in two components, L = -Y)
        lk = np.diagonal((vx.chargino_a if odd_state else vx.chargino_h).L, axis1=-2,
                         axis2=-1)                                      # (n, states, 2)
        g_ch = -(lk.imag if odd_state else lk.real)
        masses = ma if odd_state else mh
        for k in range(2):
            mc = np.abs(spec[f"mcha{k + 1}"])[:, None]
            c = V246 * g_ch[:, :, k] / mc
            gv = (v[:, k, 0] ** 2 + 0.5 * v[:, k, 1] ** 2 + u[:, k, 0] ** 2
                  + 0.5 * u[:, k, 1] ** 2 - 2.0 * sw2)[:, None]
            i1k, i2k = zgam_i1_i2(mc, masses)
            if odd_state:
                gam_a = gam_a + c * a_half_odd(_tau(masses, mc))
                zg_a = zg_a + c * 2.0 * gv / cw * i2k
            else:
                gam = gam + c * a_half(_tau(masses, mc))
                zg = zg + c * 2.0 * gv / cw * (i1k - i2k)
    # sfermions (CP-even only)
    for copies, colour, charge, msf, g_sf in charged_sfermions(spec, p):
        c = copies * V246 * g_sf / (2.0 * msf[:, None] ** 2)
        a0 = a_zero(_tau(mh, msf[:, None]))
        if colour == 3:
            gg = gg + c * a0
        gam = gam + colour * charge**2 * c * a0
    out.update({"gg": gg, "gg_sm": gg_sm, "gamgam": gam, "gamgam_sm": gam_sm,
                "Zgam": zg, "Zgam_sm": zg_sm, "gg_a": gg_a, "gamgam_a": gam_a, "Zgam_a": zg_a})
    return out


# ------------------------------------------------------------------ the capability

def higgs_couplings(spec: dict, p: dict) -> dict[str, np.ndarray]:
    """The ``higgs_couplings`` mapping: for h_i (i = 1..3) ku_i, kd_i, kb_i, ktau_i, kV_i,
    kg_i, kgamma_i; for a_j (j = 1, 2) ku_aj, kd_aj, kb_aj, ktau_aj, kg_aj, kgamma_aj."""
    tree = tree_couplings(spec, p)
    amp = loop_amplitudes(spec, p, tree)
    out: dict[str, np.ndarray] = {}
    kg = np.abs(amp["gg"]) / np.abs(amp["gg_sm"])
    kgam = np.abs(amp["gamgam"]) / np.abs(amp["gamgam_sm"])
    for i in range(3):
        for key, arr in (("ku", tree["ku"]), ("kd", tree["kd"]), ("kb", tree["kb"]),
                         ("ktau", tree["kd"]), ("kV", tree["kV"]), ("kg", kg),
                         ("kgamma", kgam)):
            out[f"{key}_{i + 1}"] = arr[:, i]
    # CP-odd: relative to a SM-like CP-even Higgs of the same mass, as NMSSMTools' REDCOUP
    ma = np.abs(np.stack([spec["ma1"], spec["ma2"]], -1))
    m = loop_masses()
    gg_ref = sum(a_half(_tau(ma, m[q])) for q in ("t", "b", "c"))
    gam_ref = (a_one(_tau(ma, m["W"])) + sum(nc * ch**2 * a_half(_tau(ma, m[f]))
                                             for f, nc, ch, _ in SM_FERMIONS))
    kg_a = np.abs(amp["gg_a"]) / np.abs(gg_ref)
    kgam_a = np.abs(amp["gamgam_a"]) / np.abs(gam_ref)
    for j in range(2):
        for key, arr in (("ku", tree["ku_a"]), ("kd", tree["kd_a"]), ("kb", tree["kb_a"]),
                         ("ktau", tree["kd_a"]), ("kg", kg_a), ("kgamma", kgam_a)):
            out[f"{key}_a{j + 1}"] = arr[:, j]
    return out
