"""Leading-order Drell-Yan-like pair production at the 13 TeV LHC: electroweakinos and sleptons.

q qbar' -> V* -> X_a X_b through s-channel photon, Z and W exchange (squark t/u-channel
exchange neglected: the LHC SUSY cross-section working group tables assume decoupled squarks
too). Spin- and colour-averaged partonic cross sections, for one quark chirality lambda and
the effective couplings A_lambda,X(s) = sum_V c^V_lambda X^V P_V(s) of the final-state
current (P_V = 1/(s - M_V^2 + i M_V Gamma_V)):

- fermions a, b (current Xbar_a gamma (L P_L + R P_R) X_b, signed masses):
  sigma = p/(24 pi sqrt s) [(|A_L|^2 + |A_R|^2)(E_a E_b + p^2/3) + 2 m_a m_b Re(A_L A_R^*)]
  (times 1/2 for identical Majorana particles);
- scalars (current i kappa (S_b^* d S_a - S_a d S_b^*)): sigma = p^3 |A|^2/(36 pi sqrt s);

p, E_a, E_b are the centre-of-mass momentum and energies. Both formulas reduce to the
textbook e+e- -> mu+mu- and -> smuon pair cross sections (times the colour average 1/3);
the tests check them against a numerical angular integration of the squared amplitude.

Hadronic cross sections sigma = int dtau dL/dtau(tau, mu_F) sigma_hat(tau s) use the parton
luminosities of ``backends/data/pp13TeV_parton_luminosities.csv`` (PDF4LHC15_nlo_mc central
member) at mu_F = (|m_a| + |m_b|)/2, the scale of the NLO+NLL tables. Everything that depends
on the masses alone is integrated once on a grid of (|m_a|, |m_b|) (``structure``); the
couplings of a model multiply these integrals, so a batch of points costs one bilinear
interpolation per pair and structure.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np

from . import sm_inputs as sm

#: centre-of-mass energy squared [GeV^2]
S_HADRONIC = 13000.0**2
#: 1 GeV^-2 in pb
GEV2_PB = 0.3893794e9
#: Z and W widths [GeV] (PDG 2024) in the propagators
GAMMA_Z, GAMMA_W = 2.4955, 2.085
LUMINOSITY_FILE = Path(__file__).resolve().parents[1] / "data" / "pp13TeV_parton_luminosities.csv"
#: parton channels of the luminosity table
CHANNELS = ("up", "down", "wplus", "wminus")
#: propagator structures: |P_W|^2, |P_Z|^2, 1/s^2, Re(P_Z)/s
PROPAGATORS = ("WW", "ZZ", "AA", "AZ")
#: kinematic structures: fermion pairs F1 = E_a E_b + p^2/3 and F2 = 2 |m_a m_b|, scalars
KINEMATICS = ("F1", "F2", "S")
#: the (|m_a|, |m_b|) grid of the structure integrals [GeV]; outside it sigma = 0 (above)
#: or the edge value (below 20 GeV, where the luminosity table ends)
MASS_GRID = np.geomspace(20.0, 3500.0, 72)
#: Gauss-Legendre nodes of the tau integration (in ln tau)
TAU_NODES = 40


@cache
def luminosities() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(ln mu grid, ln tau grid, {channel: ln dL/dtau (n_mu, n_tau)}) from the data file."""
    data = np.loadtxt(LUMINOSITY_FILE, delimiter=",", comments="#")
    mu, tau = np.unique(data[:, 0]), np.unique(data[:, 1])
    table = {c: np.log(data[:, 2 + k].reshape(mu.size, tau.size)) for k, c in
             enumerate(CHANNELS)}
    return np.log(mu), np.log(tau), table


def luminosity(channel: str, tau: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """dL/dtau of a channel at tau and scale mu [GeV] (bilinear in ln tau, ln mu; mu clamped
    to the table's 50-4000 GeV, tau to [1e-5, 0.6], zero above tau = 0.6)."""
    lmu, ltau, table = luminosities()
    x = np.clip(np.log(tau), ltau[0], ltau[-1])
    y = np.clip(np.log(mu), lmu[0], lmu[-1])
    i = np.clip(np.searchsorted(ltau, x) - 1, 0, ltau.size - 2)
    j = np.clip(np.searchsorted(lmu, y) - 1, 0, lmu.size - 2)
    fx = (x - ltau[i]) / (ltau[i + 1] - ltau[i])
    fy = (y - lmu[j]) / (lmu[j + 1] - lmu[j])
    t = table[channel]
    value = ((1 - fx) * (1 - fy) * t[j, i] + fx * (1 - fy) * t[j, i + 1]
             + (1 - fx) * fy * t[j + 1, i] + fx * fy * t[j + 1, i + 1])
    return np.where(np.log(tau) > ltau[-1], 0.0, np.exp(value))


def kinematics(shat: np.ndarray, ma: np.ndarray, mb: np.ndarray
               ) -> dict[str, np.ndarray]:
    """The kinematic factors of the partonic cross sections [GeV^-2 after the propagators]:
    p (F1 and F2 include the phase-space factor p/(24 pi sqrt s); S = p^3/(36 pi sqrt s))."""
    rs = np.sqrt(shat)
    lam = (shat - (ma + mb) ** 2) * (shat - (ma - mb) ** 2)
    p = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * rs)
    ea = (shat + ma**2 - mb**2) / (2.0 * rs)
    eb = (shat + mb**2 - ma**2) / (2.0 * rs)
    phase = p / (24.0 * math.pi * rs)
    return {"F1": phase * (ea * eb + p**2 / 3.0), "F2": phase * 2.0 * ma * mb,
            "S": p**3 / (36.0 * math.pi * rs)}


def propagators(shat: np.ndarray) -> dict[str, np.ndarray]:
    """|P_W|^2, |P_Z|^2, 1/s^2 and Re(P_Z)/s at partonic energy squared shat [GeV^-4]."""
    pz = 1.0 / (shat - sm.MZ**2 + 1j * sm.MZ * GAMMA_Z)
    pw = 1.0 / (shat - sm.MW**2 + 1j * sm.MW * GAMMA_W)
    return {"WW": np.abs(pw) ** 2, "ZZ": np.abs(pz) ** 2, "AA": 1.0 / shat**2,
            "AZ": pz.real / shat}


#: the structures of W exchange (fermion pairs), of gamma/Z exchange (fermion pairs), of
#: gamma/Z exchange (scalar pairs) and of W exchange (scalar pairs)
W_FERMION = tuple(("WW", c, k) for c in ("wplus", "wminus") for k in ("F1", "F2"))
NEUTRAL_FERMION = tuple((p, q, k) for p in ("AA", "AZ", "ZZ") for q in ("up", "down")
                        for k in ("F1", "F2"))
NEUTRAL_SCALAR = tuple((p, q, "S") for p in ("AA", "AZ", "ZZ") for q in ("up", "down"))
W_SCALAR = (("WW", "wplus", "S"), ("WW", "wminus", "S"))
#: which parton channels each propagator structure needs
PROPAGATOR_CHANNELS = {"WW": ("wplus", "wminus"), "ZZ": ("up", "down"), "AA": ("up", "down"),
                       "AZ": ("up", "down")}


def structure_integrals(ma: np.ndarray, mb: np.ndarray) -> dict[tuple[str, str, str], np.ndarray]:
    """sigma-structures [pb per unit coupling product]: int dtau dL/dtau P(s) K(s) for every
    (propagator, channel, kinematics), at masses ma, mb >= 0 [GeV] (any shape), mu_F = (ma+mb)/2.

    tau runs from (ma + mb)^2/S to 0.6 with Gauss-Legendre nodes in u = sqrt(ln(tau/tau0)),
    which takes up the threshold behaviour (p ~ sqrt(s - s0))."""
    ma, mb = np.broadcast_arrays(np.asarray(ma, float), np.asarray(mb, float))
    tau0 = np.maximum((ma + mb) ** 2 / S_HADRONIC, 1e-5)
    umax = np.sqrt(np.maximum(np.log(0.6 / tau0), 0.0))
    x, w = np.polynomial.legendre.leggauss(TAU_NODES)
    u = 0.5 * (x + 1.0)[(None,) * ma.ndim] * umax[..., None]
    tau = tau0[..., None] * np.exp(u**2)
    jac = 0.5 * w * umax[..., None] * 2.0 * u * tau            # dtau = 2 u tau du
    shat = tau * S_HADRONIC
    mu = np.broadcast_to(0.5 * (ma + mb)[..., None], tau.shape)
    kin = kinematics(shat, ma[..., None], mb[..., None])
    prop = propagators(shat)
    lum = {c: luminosity(c, tau, mu) for c in CHANNELS}
    out = {}
    for pname, chans in PROPAGATOR_CHANNELS.items():
        for c in chans:
            weight = jac * lum[c] * prop[pname] * GEV2_PB
            for k in KINEMATICS:
                out[(pname, c, k)] = np.sum(weight * kin[k], axis=-1)
    return out


@cache
def structure_tables() -> dict[tuple[str, str, str], np.ndarray]:
    """The structure integrals on MASS_GRID x MASS_GRID (computed once, ~0.3 s)."""
    ma, mb = np.meshgrid(MASS_GRID, MASS_GRID, indexing="ij")
    return structure_integrals(ma, mb)


@cache
def _log_tables() -> tuple[tuple[tuple[str, str, str], ...], np.ndarray, np.ndarray]:
    """(keys, ln|table|, sign(table)) of the structure tables stacked along a first axis:
    the interpolation's inputs, computed once."""
    tables = structure_tables()
    keys = tuple(tables)
    stacked = np.stack([tables[k] for k in keys])
    return keys, np.log(np.maximum(np.abs(stacked), 1e-300)), np.sign(stacked)


@cache
def _key_rows(keys: tuple | None) -> np.ndarray:
    """Rows of ``keys`` (default all) in the stacked tables."""
    order = _log_tables()[0]
    return np.arange(len(order)) if keys is None else np.array([order.index(k) for k in keys])


def structure(ma: np.ndarray, mb: np.ndarray, keys: tuple | None = None
              ) -> dict[tuple[str, str, str], np.ndarray]:
    """Structure integrals ``keys`` (default all) at |ma|, |mb| (arrays of one shape) by
    bilinear interpolation of their logarithm in (ln|ma|, ln|mb|) on the grid; zero above
    the grid, edge value below. The magnitude is interpolated logarithmically and the sign
    kept (Re P_Z / s changes sign only below the Z pole, outside the grid's pair masses)."""
    order, mag, sign = _log_tables()
    rows = _key_rows(keys)
    lg = np.log(MASS_GRID)
    a = np.clip(np.log(np.maximum(np.abs(ma), 1e-3)), lg[0], lg[-1])
    b = np.clip(np.log(np.maximum(np.abs(mb), 1e-3)), lg[0], lg[-1])
    above = (np.abs(ma) > MASS_GRID[-1]) | (np.abs(mb) > MASS_GRID[-1])
    i = np.clip(np.searchsorted(lg, a) - 1, 0, lg.size - 2)
    j = np.clip(np.searchsorted(lg, b) - 1, 0, lg.size - 2)
    fa = (a - lg[i]) / (lg[i + 1] - lg[i])
    fb = (b - lg[j]) / (lg[j + 1] - lg[j])
    m = mag[rows]
    v = ((1 - fa) * (1 - fb) * m[:, i, j] + fa * (1 - fb) * m[:, i + 1, j]
         + (1 - fa) * fb * m[:, i, j + 1] + fa * fb * m[:, i + 1, j + 1])
    values = np.where(above, 0.0, sign[rows][:, i, j] * np.exp(v))
    return {order[r]: values[n] for n, r in enumerate(rows)}
