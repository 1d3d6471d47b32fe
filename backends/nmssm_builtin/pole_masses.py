"""From the effective-potential Higgs masses at Q_st to pole masses: the momentum
dependence of the top-quark loop.

The effective potential gives the self-energies at zero external momentum. The top
loop varies with p^2 at the scale of the Higgs masses themselves, and in DRbar at
Q_st it carries the large logarithm ln(Q_st^2/m_t^2) (the top-Yukawa part of the
Higgs field renormalisation). With the Higgs coupling h_t/sqrt2 to t tbar (the H_u
components), N_c = 3 and the Passarino-Veltman B0 (Pierce, Bagger, Matchev, Zhang,
hep-ph/9606211 eqs. (B.5)-(B.7), (D.38)-(D.43) for the quark parts):

    CP-even:  Pi(p^2) - Pi(0) = 3 h_t^2/(16 pi^2) [(p^2 - 4 m_t^2) B0(p; m_t, m_t)
                                                   + 4 m_t^2 B0(0; m_t, m_t)],
    CP-odd:   Pi(p^2) - Pi(0) = 3 h_t^2/(16 pi^2) p^2 B0(p; m_t, m_t),
    charged:  Pi(p^2) - Pi(0) = 3 h_t^2 c_b^2/(16 pi^2) [(p^2 - m_t^2) B0(p; m_t, 0)
                                                        + m_t^2 B0(0; m_t, 0)],

(m_b = 0) times the H_u content of each state; each mass is corrected at its own
p^2 = m^2 (first order in the self-energy, as the eigenvector mixing changes only at
the next order): m_pole^2 = m^2 - |H_u component|^2 (Pi(m^2) - Pi(0)). The same
momentum dependence of the other loops (electroweak bosons, Higgs bosons,
electroweakinos, sfermions) is not included.
"""

from __future__ import annotations

import math

import numpy as np

K16 = 1.0 / (16.0 * math.pi**2)


def b0_equal(p2: np.ndarray, m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Re B0(p; m, m) [dimensionless] for p^2 > 0: 2 - ln(m^2/Q^2) - f(4 m^2/p^2) with
    f = 2 sqrt(r-1) arctan(1/sqrt(r-1)) below threshold (r > 1) and
    sqrt(1-r) ln((1 + sqrt(1-r))/(1 - sqrt(1-r))) above."""
    r = 4.0 * m2 / np.maximum(p2, 1e-12)
    below = np.sqrt(np.maximum(r - 1.0, 1e-300))
    above = np.sqrt(np.maximum(1.0 - r, 0.0))
    f = np.where(r > 1.0, 2.0 * below * np.arctan(1.0 / below),
                 above * np.log((1.0 + above) / np.maximum(1.0 - above, 1e-300)))
    return 2.0 - np.log(m2 / q2) - f


def b0_massless(p2: np.ndarray, m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Re B0(p; m, 0) = 2 - ln(m^2/Q^2) - (1 - m^2/p^2) ln|1 - p^2/m^2|."""
    p2 = np.maximum(p2, 1e-12)
    x = p2 / m2
    with np.errstate(divide="ignore"):
        log = np.where(np.abs(1.0 - x) > 1e-12, np.log(np.abs(1.0 - x)), 0.0)
    return 2.0 - np.log(m2 / q2) - (1.0 - 1.0 / x) * log


def top_loop_shifts(mh2: np.ndarray, s_u: np.ndarray, ma2: np.ndarray, p_u: np.ndarray,
                    mhc2: np.ndarray, cb2: np.ndarray, mt: np.ndarray, ht2: np.ndarray,
                    q2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pole masses squared [GeV^2]: CP-even (n,3) with H_u components ``s_u`` (n,3),
    CP-odd (n,2) with H_u components ``p_u`` (n,2), charged (n,) with c_b^2 = ``cb2``."""
    mt2 = (mt * mt)[:, None]
    k = (3.0 * K16 * ht2)[:, None]
    qq = q2[:, None]
    b00 = -np.log(mt2 / qq)
    p2 = np.maximum(mh2, 1.0)
    even = k * ((p2 - 4.0 * mt2) * b0_equal(p2, mt2, qq) + 4.0 * mt2 * b00)
    p2a = np.maximum(ma2, 1.0)
    odd = k * p2a * b0_equal(p2a, mt2, qq)
    mt2c, p2c = mt * mt, np.maximum(mhc2, 1.0)
    charged = 3.0 * K16 * ht2 * cb2 * ((p2c - mt2c) * b0_massless(p2c, mt2c, q2)
                                       + mt2c * (1.0 - np.log(mt2c / q2)))
    return mh2 - s_u**2 * even, ma2 - p_u**2 * odd, mhc2 - charged


def field_renormalisation(p2: np.ndarray, run: dict[str, np.ndarray],
                          p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Electroweak parts of the Higgs wave-function renormalisation dZ [dimensionless] of
    the doublets and of the singlet for states of mass squared ``p2`` (any shape
    broadcasting with the points), in the leading-log approximation: the one-loop
    anomalous dimensions (Landau gauge, DRbar) integrated from max(p^2, M_Z^2, the loop
    masses) up to Q_st,

        doublets: -3/4 (3 g^2 + g'^2) L(M_Z) + g'^2/2 L(M1, mu) + 3 g^2/2 L(M2, mu)
                  + lambda^2 L(mu, 2 kappa s),
        singlet:  2 lambda^2 L(mu) + 2 kappa^2 L(2 kappa s),

    L(m..) = ln(Q_st^2/max(m^2.., p^2, M_Z^2)) (0 above Q_st), divided by 16 pi^2
    (gauge bosons: the Standard Model value; gauginos with higgsinos and singlinos
    with higgsinos: the supersymmetric ones, Martin, Vaughn, hep-ph/9311340). The top
    quark's part is in ``top_loop_shifts`` exactly."""
    from . import sm_inputs as sm
    q2 = run["q2"]
    q2b = np.reshape(q2, q2.shape + (1,) * (np.ndim(p2) - q2.ndim))

    def log(*m2: np.ndarray) -> np.ndarray:
        heavy = np.maximum(np.maximum.reduce([np.broadcast_to(np.reshape(
            x, np.shape(x) + (1,) * (np.ndim(p2) - np.ndim(x))), np.shape(p2)) for x in m2]),
            np.maximum(p2, sm.MZ**2))
        return np.clip(np.log(q2b / heavy), 0.0, None)

    g1, g2, lam, kap = (np.reshape(run[k], run[k].shape + (1,) * (np.ndim(p2) - 1))
                        for k in ("g1sq", "g2sq", "lambda_", "kappa"))
    mu2 = run["mueff"] ** 2
    nu2 = (2.0 * run["kappa"] / run["lambda_"] * run["mueff"]) ** 2
    doublet = K16 * (-0.75 * (3.0 * g2 + g1) * log(np.full_like(mu2, sm.MZ**2))
                     + 0.5 * g1 * log(p["M1"] ** 2, mu2) + 1.5 * g2 * log(p["M2"] ** 2, mu2)
                     + lam**2 * log(mu2, nu2))
    singlet = 2.0 * K16 * (lam**2 * log(mu2) + kap**2 * log(nu2))
    return doublet, singlet
