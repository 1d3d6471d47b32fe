"""QCD running of alpha_s and of MSbar quark masses at four loops, for the Higgs decays.

The renormalisation-group equations, with a = alpha_s/pi and t = ln(mu^2),

    da/dt = -a^2 (b0 + b1 a + b2 a^2 + b3 a^3),   d ln m/dt = -a (g0 + g1 a + g2 a^2 + g3 a^3),

are integrated numerically once (fourth-order Runge-Kutta on a fine grid in t, cached)
from alpha_s(M_Z) of SMINPUTS, with n_f = 3, 4, 5, 6 active flavours between the
thresholds m_c(m_c), m_b(m_b) and the top pole mass, alpha_s and the masses continuous
there (the two-loop matching terms, O(a^3), are below 1e-4 and left out). Coefficients:
beta function from van Ritbergen, Vermaseren, Larin, hep-ph/9701390, eq. (8); mass
anomalous dimension from Chetyrkin, hep-ph/9703278, and Vermaseren, Larin, van Ritbergen,
hep-ph/9703284 (both in the normalisation above, as collected in RunDec, Chetyrkin, Kuhn,
Steinhauser, hep-ph/0004189, eqs. (3)-(6)).

Quark-mass inputs: m_b(m_b) and the top pole mass from SMINPUTS (``sm_inputs``);
m_c(m_c) = 1.273 GeV and m_s(2 GeV) = 0.0935 GeV (PDG 2024, quark summary tables).
Pole masses from MSbar masses with the relation of Gray, Broadhurst, Grafe, Schilcher,
Z. Phys. C48 (1990) 673, and Chetyrkin, Steinhauser / Melnikov, van Ritbergen,
hep-ph/9911434 (three loops, used for the top; two loops for the bottom, whose series
converges slowly).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from . import sm_inputs as sm

ZETA3 = 1.2020569031595942
ZETA4 = math.pi**4 / 90.0
ZETA5 = 1.0369277551433699
#: m_c(m_c) [GeV], PDG 2024
MC_MC = 1.273
#: m_s(2 GeV) [GeV], PDG 2024
MS_2GEV = 0.0935
#: grid of the tabulated running, mu from MU_MIN to MU_MAX [GeV]
MU_MIN, MU_MAX = 0.9, 1.0e5


def beta_coefficients(nf: int) -> tuple[float, float, float, float]:
    """b0..b3 of da/d ln mu^2 = -a^2 sum b_i a^i, a = alpha_s/pi."""
    b0 = (11.0 - 2.0 * nf / 3.0) / 4.0
    b1 = (102.0 - 38.0 * nf / 3.0) / 16.0
    b2 = (2857.0 / 2.0 - 5033.0 * nf / 18.0 + 325.0 * nf**2 / 54.0) / 64.0
    b3 = (149753.0 / 6.0 + 3564.0 * ZETA3 - (1078361.0 / 162.0 + 6508.0 / 27.0 * ZETA3) * nf
          + (50065.0 / 162.0 + 6472.0 / 81.0 * ZETA3) * nf**2 + 1093.0 / 729.0 * nf**3) / 256.0
    return b0, b1, b2, b3


def gamma_coefficients(nf: int) -> tuple[float, float, float, float]:
    """g0..g3 of d ln m/d ln mu^2 = -a sum g_i a^i (MSbar quark mass), a = alpha_s/pi."""
    g0 = 1.0
    g1 = (202.0 / 3.0 - 20.0 * nf / 9.0) / 16.0
    g2 = (1249.0 + (-2216.0 / 27.0 - 160.0 / 3.0 * ZETA3) * nf - 140.0 / 81.0 * nf**2) / 64.0
    g3 = (4603055.0 / 162.0 + 135680.0 / 27.0 * ZETA3 - 8800.0 * ZETA5
          + (-91723.0 / 27.0 - 34192.0 / 9.0 * ZETA3 + 880.0 * ZETA4 + 18400.0 / 9.0 * ZETA5)
          * nf + (5242.0 / 243.0 + 800.0 / 9.0 * ZETA3 - 160.0 / 3.0 * ZETA4) * nf**2
          + (-332.0 / 243.0 + 64.0 / 27.0 * ZETA3) * nf**3) / 256.0
    return g0, g1, g2, g3


def _rhs(y: np.ndarray, nf: int) -> np.ndarray:
    """d(a, ln m)/dt."""
    a = y[0]
    b = beta_coefficients(nf)
    g = gamma_coefficients(nf)
    return np.array([-a * a * (b[0] + a * (b[1] + a * (b[2] + a * b[3]))),
                     -a * (g[0] + a * (g[1] + a * (g[2] + a * g[3])))])


def _integrate(t0: float, y0: np.ndarray, t1: float, nf: int, steps: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """RK4 from t0 to t1 (either direction): grid and states (steps + 1, 2)."""
    ts = np.linspace(t0, t1, steps + 1)
    h = (t1 - t0) / steps
    ys = np.empty((steps + 1, 2))
    ys[0] = y0
    y = np.array(y0, float)
    for k in range(steps):
        k1 = _rhs(y, nf)
        k2 = _rhs(y + 0.5 * h * k1, nf)
        k3 = _rhs(y + 0.5 * h * k2, nf)
        k4 = _rhs(y + h * k3, nf)
        y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        ys[k + 1] = y
    return ts, ys


@lru_cache(maxsize=1)
def _table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """t = ln mu^2, a(t) and L(t) = ln m(mu)/m(M_Z) (the same for every quark flavour)."""
    tz = 2.0 * math.log(sm.MZ)
    # thresholds: m_c(m_c), m_b(m_b), top pole mass; segments with fixed n_f
    cuts = [2 * math.log(MU_MIN), 2 * math.log(MC_MC), 2 * math.log(sm.MB_MB), tz,
            2 * math.log(sm.MT_POLE), 2 * math.log(MU_MAX)]
    nfs = [3, 4, 5, 5, 6]
    step = 0.02
    start = np.array([sm.ALPHA_S_MZ / math.pi, 0.0])
    pieces: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    y = start
    for k in (3, 4):                                   # upwards from M_Z
        n = max(int((cuts[k + 1] - cuts[k]) / step), 8)
        pieces[k] = _integrate(cuts[k], y, cuts[k + 1], nfs[k], n)
        y = pieces[k][1][-1]
    y = start
    for k in (2, 1, 0):                                # downwards from M_Z
        n = max(int((cuts[k + 1] - cuts[k]) / step), 8)
        ts, ys = _integrate(cuts[k + 1], y, cuts[k], nfs[k], n)
        pieces[k] = (ts[::-1], ys[::-1])
        y = ys[-1]
    ts = np.concatenate([pieces[k][0][(1 if k else 0):] for k in range(5)])
    ys = np.concatenate([pieces[k][1][(1 if k else 0):] for k in range(5)])
    return ts, ys[:, 0], ys[:, 1]


def _log_mu2(q: float | np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(q, float), MU_MIN, MU_MAX)
    return 2.0 * np.log(q)


def alpha_s(q: float | np.ndarray) -> np.ndarray:
    """alpha_s(q) in the MSbar scheme, four-loop running, n_f active flavours at q."""
    ts, a, _ = _table()
    return math.pi * np.interp(_log_mu2(q), ts, a)


def mass_ratio(q: float | np.ndarray, q0: float | np.ndarray) -> np.ndarray:
    """m(q)/m(q0) of an MSbar quark mass (four-loop running)."""
    ts, _, lm = _table()
    return np.exp(np.interp(_log_mu2(q), ts, lm) - np.interp(_log_mu2(q0), ts, lm))


def _pole_series(a: float, nl: int, order: int) -> float:
    """M/m(m) = 1 + 4/3 a + (13.4434 - 1.0414 nl) a^2 + (190.595 - 26.655 nl + 0.6527 nl^2) a^3."""
    terms = [1.0, 4.0 / 3.0, 13.4434 - 1.0414 * nl, 190.595 - 26.655 * nl + 0.6527 * nl**2]
    return sum(c * a**k for k, c in enumerate(terms[:order + 1]))


@lru_cache(maxsize=1)
def _reference_masses() -> dict[str, tuple[float, float]]:
    """(m(mu0), mu0) [GeV] of c, b, s, t; the top from its pole mass at three loops."""
    mt = sm.MT_POLE
    for _ in range(20):                       # m_t(m_t) = M_t / series(alpha_s(m_t(m_t)))
        mt = sm.MT_POLE / _pole_series(float(alpha_s(mt)) / math.pi, 5, 3)
    return {"c": (MC_MC, MC_MC), "b": (sm.MB_MB, sm.MB_MB), "s": (MS_2GEV, 2.0),
            "t": (mt, mt)}


def running_mass(quark: str, q: float | np.ndarray) -> np.ndarray:
    """MSbar mass m_q(q) [GeV] of quark 'c', 'b', 's' or 't'."""
    m0, q0 = _reference_masses()[quark]
    return m0 * mass_ratio(q, q0)


def pole_mass(quark: str) -> float:
    """Pole mass [GeV]: the top's from SMINPUTS; b from m_b(m_b) at two loops, c at one
    (its series does not converge; the charm enters only tiny loop amplitudes)."""
    if quark == "t":
        return sm.MT_POLE
    m0, _ = _reference_masses()[quark]
    nl = {"b": 4, "c": 3}[quark]
    return m0 * _pole_series(float(alpha_s(m0)) / math.pi, nl, 2 if quark == "b" else 1)
