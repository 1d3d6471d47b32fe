"""Partial widths [GeV] of neutral and charged Higgs bosons, vectorised over points.

Pure functions of masses and (reduced) couplings; ``higgs_decays`` assembles them.
Normalisations follow Djouadi, Phys. Rept. 457 (2008) 1, hep-ph/0503172 (SM Higgs,
sect. 2) and Phys. Rept. 459 (2008) 1, hep-ph/0503173 (SUSY Higgs, sect. 2); G_F from
SMINPUTS, alpha(0) for real photons.

Quark pairs (Braaten, Leveille, Phys. Rev. D22 (1980) 715; Drees, Hikasa, Phys. Lett.
B240 (1990) 455; the interpolation of Djouadi, Kalinowski, Spira, hep-ph/9704448):
near threshold the width with the pole mass and the full O(alpha_s) mass dependence,
Gamma_1 = N_c G_F M m^2 k^2 beta^p / (4 sqrt2 pi) [1 + 4/3 a Delta(beta)] (p = 3 for
CP-even, 1 for CP-odd states, a = alpha_s(M)/pi); far above it the running mass m(M) with
the massless corrections to O(a^4) (Gorishny, Kataev, Larin, Surguladze, Mod. Phys. Lett.
A5 (1990) 2703; Chetyrkin, Phys. Lett. B390 (1997) 309; Baikov, Chetyrkin, Kuhn,
hep-ph/0511063), the O(a) mass terms rewritten for the running mass, and the O(a^2)
top-loop term (Chetyrkin, Kwiatkowski, hep-ph/9505358; Larin, van Ritbergen, Vermaseren,
hep-ph/9506465), Gamma_2; the width is r^2 Gamma_1 + (1 - r^2) Gamma_2, r = 2 m_pole/M.
Below the open-flavour threshold (two lightest mesons) the width is zero.

Gluons: the leading-order amplitude times the QCD K-factor of the heavy-top limit with
five flavours: NLO (Spira, Djouadi, Graudenz, Zerwas, hep-ph/9504378), NNLO (Chetyrkin,
Kniehl, Steinhauser, hep-ph/9705240), N3LO (Baikov, Chetyrkin, hep-ph/0604194) for CP-even
states; NLO and NNLO (Chetyrkin, Kniehl, Steinhauser, Bardeen, hep-ph/9807241) for CP-odd.

W W, Z Z: both bosons off shell (Djouadi eq. (2.37)), integrated once over the two
Breit-Wigner virtualities on a grid of Higgs masses and interpolated; above threshold this
reproduces the on-shell width.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from . import qcd_running as qcd
from . import sm_inputs as sm

SQ2 = math.sqrt(2.0)
ZETA2 = math.pi**2 / 6.0
ZETA3 = 1.2020569031595942
#: fine-structure constant at zero momentum (PDG 2024), for real photons
ALPHA_0 = 1.0 / 137.035999
#: W and Z total widths [GeV] (PDG 2024)
GAMMA_W, GAMMA_Z = 2.085, 2.4955
#: open-flavour thresholds [GeV]: twice the lightest B, D, K meson masses (PDG 2024)
MESON_THRESHOLD = {"b": 2 * 5.27934, "c": 2 * 1.86484, "s": 2 * 0.493677}
#: active flavours of the massless QCD corrections
NF = 5


def kallen(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """lambda(x, y, z) = x^2 + y^2 + z^2 - 2xy - 2xz - 2yz."""
    return x * x + y * y + z * z - 2 * (x * y + x * z + y * z)


def phase_space(m: np.ndarray, m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """lambda^(1/2)(1, m1^2/m^2, m2^2/m^2), zero below threshold."""
    m = np.maximum(np.asarray(m, float), 1e-12)
    lam = kallen(1.0, (m1 / m) ** 2, (m2 / m) ** 2)
    return np.where(m > np.abs(m1) + np.abs(m2), np.sqrt(np.maximum(lam, 0.0)), 0.0)


def _li2(x: np.ndarray) -> np.ndarray:
    """Real dilogarithm Li2(x), x <= 1."""
    from scipy.special import spence

    return spence(1.0 - np.asarray(x, float))


# ------------------------------------------------------------------ fermion pairs

def lepton_pair(m: np.ndarray, mf: float, kappa: np.ndarray, cp_odd: bool) -> np.ndarray:
    """Gamma(phi -> l+ l-) = G_F M m_l^2 k^2 beta^p / (4 sqrt2 pi)."""
    beta2 = np.maximum(1.0 - 4.0 * mf**2 / np.maximum(m, 1e-12) ** 2, 0.0)
    p = 1.0 if cp_odd else 3.0
    out = sm.G_F * m * mf**2 * kappa**2 * beta2 ** (p / 2) / (4.0 * SQ2 * math.pi)
    return np.where(m > 2 * mf, out, 0.0)


def _delta_massive(beta: np.ndarray, cp_odd: bool) -> np.ndarray:
    """Delta_H(beta), Delta_A(beta) of the O(alpha_s) correction 1 + 4/3 a Delta with the
    pole mass (Drees, Hikasa; Djouadi hep-ph/0503172 eq. (2.12), hep-ph/0503173 eq. (2.7))."""
    b = np.clip(beta, 1e-6, 1 - 1e-9)
    lg = np.log((1 + b) / (1 - b))
    r = (1 - b) / (1 + b)
    a_b = ((1 + b * b) * (4 * _li2(r) + 2 * _li2(-r) - 3 * lg * np.log(2 / (1 + b))
                          - 2 * lg * np.log(b))
           - 3 * b * np.log(4 / (1 - b * b)) - 4 * b * np.log(b))
    if cp_odd:
        return a_b / b + (19 + 2 * b * b + 3 * b**4) / (16 * b) * lg + 3.0 / 8.0 * (7 - b * b)
    return (a_b / b + (3 + 34 * b * b - 13 * b**4) / (16 * b**3) * lg
            + 3.0 / (8 * b * b) * (7 * b * b - 1))


def _massless_qcd(a: np.ndarray) -> np.ndarray:
    """Massless corrections beyond O(a): a^2 .. a^4 terms with n_f = 5."""
    nf = NF
    c2 = 35.94 - 1.359 * nf
    c3 = 164.14 - 25.77 * nf + 0.259 * nf**2
    c4 = 39.34 - 220.9 * nf + 9.685 * nf**2 - 0.0205 * nf**3
    return c2 * a**2 + c3 * a**3 + c4 * a**4


def quark_pair(m: np.ndarray, quark: str, kappa: np.ndarray, kappa_top: np.ndarray,
               cp_odd: bool) -> np.ndarray:
    """Gamma(phi -> q qbar) [GeV] with QCD corrections (module docstring); ``kappa_top``
    is the phi-top reduced coupling (the O(a^2) top-loop term, zero for the top itself)."""
    m = np.maximum(np.asarray(m, float), 1e-6)
    a = qcd.alpha_s(m) / math.pi
    # the strange quark has no perturbative pole mass: m_s(2 GeV) stands in (its weight
    # (2 m/M)^2 in the interpolation is negligible above the kaon threshold)
    m_pole = qcd.pole_mass(quark) if quark != "s" else qcd.MS_2GEV
    m_run = qcd.running_mass(quark, m)
    pref = 3.0 * sm.G_F * m / (4.0 * SQ2 * math.pi) * kappa**2
    p = 1.0 if cp_odd else 3.0
    # pole mass, full O(a) mass dependence
    beta_p = np.sqrt(np.maximum(1.0 - 4.0 * m_pole**2 / m**2, 1e-12))
    g1 = pref * m_pole**2 * beta_p**p * (1 + 4.0 / 3.0 * a * _delta_massive(beta_p, cp_odd))
    # running mass at M: O(a) mass terms in the running-mass scheme, massless higher orders
    x = np.minimum(m_run**2 / m**2, 0.2499)
    beta_r = np.sqrt(1.0 - 4.0 * x)
    scheme = (1 - 6 * x if cp_odd else 1 - 10 * x) / (1 - 4 * x)
    first = 4.0 / 3.0 * _delta_massive(beta_r, cp_odd) + 2 * (4.0 / 3.0 - np.log(x)) * scheme
    lt = np.log(m**2 / sm.MT_POLE**2)
    lq = np.log(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(kappa != 0, kappa_top / np.where(kappa != 0, kappa, 1.0), 0.0)
    top = (23.0 / 6.0 - lt + lq**2 / 6.0) if cp_odd else (1.57 - 2.0 / 3.0 * lt + lq**2 / 9.0)
    corr = 1 + first * a + _massless_qcd(a) + ratio * top * a**2
    g2 = np.maximum(pref * m_run**2 * beta_r**p * corr, 0.0)
    r2 = np.minimum(4.0 * m_pole**2 / m**2, 1.0)
    width = r2 * g1 + (1.0 - r2) * g2
    threshold = MESON_THRESHOLD.get(quark, 2.0 * m_pole)
    return np.where(m > max(threshold, 2.0 * m_pole), np.maximum(width, 0.0), 0.0)


# ------------------------------------------------------------------ loop-induced

def gluon_k_factor(m: np.ndarray, cp_odd: bool) -> np.ndarray:
    """QCD K-factor of phi -> g g (heavy-top limit, n_f = 5, alpha_s(M))."""
    a = qcd.alpha_s(m) / math.pi
    lt = np.log(m**2 / sm.MT_POLE**2)
    nf = NF
    if cp_odd:
        nnlo = 237311.0 / 864.0 - 529.0 / 24.0 * ZETA2 - 445.0 / 8.0 * ZETA3 + 5.0 * lt
        return 1 + a * (97.0 / 4.0 - 7.0 * nf / 6.0) + a**2 * nnlo
    nnlo = (149533.0 / 288.0 - 363.0 / 8.0 * ZETA2 - 495.0 / 8.0 * ZETA3 + 19.0 / 8.0 * lt
            + nf * (-4157.0 / 72.0 + 11.0 / 2.0 * ZETA2 + 5.0 / 4.0 * ZETA3 + 2.0 / 3.0 * lt)
            + nf**2 * (127.0 / 108.0 - ZETA2 / 6.0))
    n3lo = 467.683620788 + 122.440972222 * lt + 10.9409722222 * lt**2
    return 1 + a * (95.0 / 4.0 - 7.0 * nf / 6.0) + a**2 * nnlo + a**3 * n3lo


def gluon_pair(m: np.ndarray, amplitude: np.ndarray, cp_odd: bool) -> np.ndarray:
    """Gamma(phi -> g g) = G_F alpha_s^2 M^3/(36 sqrt2 pi^3) |3/4 A|^2 K."""
    a_s = qcd.alpha_s(m)
    lo = sm.G_F * a_s**2 * m**3 / (36.0 * SQ2 * math.pi**3) * np.abs(0.75 * amplitude) ** 2
    return lo * gluon_k_factor(m, cp_odd)


def photon_pair(m: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Gamma(phi -> gamma gamma) = G_F alpha(0)^2 M^3/(128 sqrt2 pi^3) |A|^2."""
    return sm.G_F * ALPHA_0**2 * m**3 / (128.0 * SQ2 * math.pi**3) * np.abs(amplitude) ** 2


def z_photon(m: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Gamma(phi -> Z gamma) = G_F^2 M_W^2 alpha(0) M^3/(64 pi^4) (1 - M_Z^2/M^2)^3 |A|^2."""
    ps = np.maximum(1.0 - sm.MZ**2 / np.maximum(m, 1e-6) ** 2, 0.0) ** 3
    out = sm.G_F**2 * sm.MW**2 * ALPHA_0 * m**3 / (64.0 * math.pi**4) * ps * np.abs(amplitude) ** 2
    return np.where(m > sm.MZ, out, 0.0)


# ------------------------------------------------------------------ W W*, Z Z*

def _bw_nodes(mv: float, gv: float, hi: np.ndarray, n: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes q^2 and weights w (shape hi.shape + (3 n,)) with sum w f(q^2) ~
    int_0^hi dq^2 BW(q^2) f(q^2) / pi, BW = M_V G_V/((q^2 - M_V^2)^2 + M_V^2 G_V^2)
    normalised to unity on q^2 >= 0: Gauss-Legendre on three panels, in q^2 below the peak
    (q < M_V - 5 G_V), in y = arctan((q^2 - M_V^2)/(M_V G_V)) across it and above it."""
    x, w = np.polynomial.legendre.leggauss(n)
    hi = np.asarray(hi, float)[..., None]
    edges = [0.0, (mv - 5 * gv) ** 2, (mv + 5 * gv) ** 2]
    norm = math.pi / 2 + math.atan(mv / gv)           # int_0^inf BW dq^2
    nodes, weights = [], []
    for k, (a, b) in enumerate(zip(edges, [edges[1], edges[2], np.inf], strict=True)):
        lo, up = np.minimum(a, hi), np.minimum(b, hi)
        if k > 0:                                     # across and above the peak: flat in y
            ylo = np.arctan((lo - mv**2) / (mv * gv))
            yhi = np.arctan((up - mv**2) / (mv * gv))
            y = ylo + (yhi - ylo) * 0.5 * (x + 1)
            nodes.append(mv**2 + mv * gv * np.tan(y))
            weights.append((yhi - ylo) * 0.5 * w / norm * np.ones_like(y))
        else:
            q2 = lo + (up - lo) * 0.5 * (x + 1)
            bw = mv * gv / ((q2 - mv**2) ** 2 + (mv * gv) ** 2)
            nodes.append(q2)
            weights.append((up - lo) * 0.5 * w * bw / norm)
    return np.concatenate(nodes, -1), np.concatenate(weights, -1)


@lru_cache(maxsize=2)
def _vv_table(boson: str) -> tuple[np.ndarray, np.ndarray]:
    """Log-spaced Higgs masses [GeV] and Gamma(h_SM -> V(*) V(*)) [GeV] with both bosons
    off shell: int dq1^2 dq2^2 BW(q1^2) BW(q2^2) Gamma_0(q1^2, q2^2) / pi^2, Djouadi
    eq. (2.37), Gamma_0 = delta_V G_F M^3/(16 sqrt2 pi) lambda^(1/2) (lambda + 12 x y), the
    Breit-Wigners normalised to unity on q^2 >= 0 (so that the narrow-width limit is the
    on-shell width). Quadrature and interpolation within 2e-3 of adaptive quadrature."""
    mv, gv, delta = (sm.MW, GAMMA_W, 2.0) if boson == "W" else (sm.MZ, GAMMA_Z, 1.0)
    # log-spaced, denser across the threshold 2 M_V
    masses = np.union1d(np.geomspace(2.0, 5000.0, 400),
                        np.linspace(2 * mv - 15.0, 2 * mv + 15.0, 121))
    q1sq, w1 = _bw_nodes(mv, gv, masses**2, 20)                      # (m, k)
    q2sq, w2 = _bw_nodes(mv, gv, (masses[:, None] - np.sqrt(q1sq)) ** 2, 20)   # (m, k, k)
    m2 = masses[:, None, None] ** 2
    x, y = q1sq[:, :, None] / m2, q2sq / m2
    lam = np.maximum(kallen(1.0, x, y), 0.0)
    gamma0 = (delta * sm.G_F * masses[:, None, None] ** 3 / (16.0 * SQ2 * math.pi)
              * np.sqrt(lam) * (lam + 12.0 * x * y))
    width = np.sum(w1[:, :, None] * w2 * gamma0, axis=(1, 2))
    return masses, width


def vector_pair(m: np.ndarray, kappa_v: np.ndarray, boson: str) -> np.ndarray:
    """Gamma(h -> V V) [GeV] with both V off shell, k_V^2 times the SM width at mass M."""
    masses, width = _vv_table(boson)
    lm = np.log(np.clip(m, masses[0], masses[-1]))
    sm_width = np.exp(np.interp(lm, np.log(masses), np.log(np.maximum(width, 1e-300))))
    return np.where(m > masses[0], kappa_v**2 * sm_width, 0.0)


# ------------------------------------------------------------------ two-body, generic

def scalar_pair(m: np.ndarray, g: np.ndarray, m1: np.ndarray, m2: np.ndarray,
                identical: bool) -> np.ndarray:
    """Gamma(phi -> S1 S2) = g^2 lambda^(1/2)/(16 pi M) (x 1/2 for identical), g [GeV]."""
    m = np.maximum(np.asarray(m, float), 1e-6)
    out = g**2 * phase_space(m, m1, m2) / (16.0 * math.pi * m)
    return 0.5 * out if identical else out


def vector_scalar(m: np.ndarray, g: np.ndarray, m_scalar: np.ndarray, m_vector: float
                  ) -> np.ndarray:
    """Gamma(phi -> V S) = G_F M^3 lambda^(3/2)/(8 sqrt2 pi) g^2 for the gauge coupling
    (g_V/2)(... ) g (p_phi + p_S) normalised to g = 1 for the MSSM H -> A Z
    (Djouadi hep-ph/0503173 eq. (2.22))."""
    ps = phase_space(m, m_scalar, m_vector)
    return sm.G_F * m**3 * ps**3 / (8.0 * SQ2 * math.pi) * g**2


def fermion_pair(m: np.ndarray, c_l: np.ndarray, c_r: np.ndarray, m1: np.ndarray,
                 m2: np.ndarray, symmetry: float = 1.0) -> np.ndarray:
    """Gamma(phi -> f1-bar f2) for L = phi f1-bar (c_L P_L + c_R P_R) f2 + h.c. (masses
    signed as the spinors': real-mixing Majorana masses carry their sign):
    lambda^(1/2)/(16 pi M) [(|c_L|^2 + |c_R|^2)(M^2 - m1^2 - m2^2) - 4 Re(c_L c_R*) m1 m2],
    times ``symmetry`` (1/2 for identical Majorana fermions counted once)."""
    m = np.maximum(np.asarray(m, float), 1e-6)
    amp2 = ((np.abs(c_l) ** 2 + np.abs(c_r) ** 2) * (m**2 - m1**2 - m2**2)
            - 4.0 * np.real(c_l * np.conj(c_r)) * m1 * m2)
    return symmetry * np.maximum(amp2, 0.0) * phase_space(m, m1, m2) / (16.0 * math.pi * m)


# ------------------------------------------------------------------ charged Higgs

def charged_quarks(m: np.ndarray, m_up: np.ndarray, m_down: np.ndarray, m_up_kin: float,
                   m_down_kin: float, tanb: np.ndarray, vckm: float) -> np.ndarray:
    """Gamma(H+ -> u dbar) = 3 G_F M^3 |V|^2 lambda^(1/2)/(4 sqrt2 pi) [(1 - x_u - x_d)
    (x_u cot^2 b + x_d tan^2 b) - 4 x_u x_d] (x = m^2/M^2; Djouadi hep-ph/0503173
    eq. (2.32)), couplings from the running masses m(M), phase space from the pole masses,
    times the massless QCD corrections at alpha_s(M)."""
    m = np.maximum(np.asarray(m, float), 1e-6)
    xu, xd = (m_up / m) ** 2, (m_down / m) ** 2
    ps = phase_space(m, m_up_kin, m_down_kin)
    a = qcd.alpha_s(m) / math.pi
    qcd_factor = 1 + 17.0 / 3.0 * a + _massless_qcd(a)
    coup = (1 - xu - xd) * (xu / tanb**2 + xd * tanb**2) - 4 * xu * xd
    return (3.0 * sm.G_F * m**3 * vckm**2 / (4.0 * SQ2 * math.pi) * ps
            * np.maximum(coup, 0.0) * qcd_factor)


def charged_leptons(m: np.ndarray, ml: float, tanb: np.ndarray) -> np.ndarray:
    """Gamma(H+ -> l+ nu) = G_F M m_l^2 tan^2 b (1 - m_l^2/M^2)^2 / (4 sqrt2 pi)."""
    m = np.maximum(np.asarray(m, float), 1e-6)
    return (sm.G_F * m * ml**2 * tanb**2 / (4.0 * SQ2 * math.pi)
            * np.maximum(1.0 - ml**2 / m**2, 0.0) ** 2)
