"""Approximate one-loop pole-mass corrections to the gaugino and higgsino mass parameters.

The inputs M1, M2, M3, mueff are DRbar parameters (at the SUSY scale, as NMSSMTools
reads them; the self-energies are taken at Q = sqrt(MQ3 MU3)); the physical masses
differ by one-loop self-energies,
which for light electroweakinos under heavy sfermions are dominated by gauge
loops. Following Pierce, Bagger, Matchev, Zhang, hep-ph/9606211, appendix D
(gaugino self-energies: gauge boson + gaugino loop C_A (5 + 3 ln(Q^2/M^2)) and
fermion-sfermion loops -2T(R) B1(M; m_f, m_f~) per chiral multiplet), with the
Passarino-Veltman B0, B1 of their appendix B:

    M2_pole = M2 [1 + g2^2/(16 pi^2) (10 + 6 ln(Q^2/M2^2) - sum_12 doublets B1(M2; 0, m_f~)
                                     - B1(M2; mu, M_Z) - B1(M2; mu, M_A))]
    M1_pole = M1 [1 - g'^2/(16 pi^2) (sum_multiplets 2 Y^2 B1(M1; 0, m_f~)
                                      + 1/2 (B1(M1; mu, M_Z) + B1(M1; mu, M_A)))]

and for the higgsinos the gauge part of the self-energy: vector-boson loops
(for a fermion of mass m in DRbar, C g^2/(16 pi^2) (4 B0(m; m, M_V) - 2 B1(m; m, M_V)),
which is C g^2/(16 pi^2) (5 + 3 ln(Q^2/m^2)) for M_V -> 0, as for the gluino's
15 + 9 ln(Q^2/M3^2) in PBMZ eq. (D.44)) and gaugino-Higgs loops (kinetic part):

    mu_pole = mu [1 + 1/(16 pi^2) (3/4 g2^2 (4 B0 - 2 B1)(mu; mu, M_W)
                                  + 1/4 g'^2 (4 B0 - 2 B1)(mu; mu, M_Z)
                                  - 3/2 g2^2 <B1(mu; M2, m_H)> - 1/2 g'^2 <B1(mu; M1, m_H)>)]

with <...> the average over m_H = M_Z, M_A. Neglected: the scalar parts
proportional to M_i sin(2 beta) mu, the quark-squark loops of the higgsinos
(O(1%) and partly cancelling), the singlino (lambda^2, kappa^2 loops), and the
gluino correction (the gluino mass stays |M3|; NMSSMTools differs by ~1%).
Checked against the oracle sample (NMSSMTools 5.6.0): 100% of mneu1, mneu2,
mcha1 within 2% (tree level: 30-54%).

These reproduce the leading logarithms of the split-SUSY running (Giudice,
Romanino, hep-ph/0406088: (4 pi)^2 dM2/dln Q = -12 g2^2 M2,
(4 pi)^2 dmu/dln Q = -(9/2 g2^2 + 3/2 g'^2) mu). The singlino mass is not corrected.
"""

from __future__ import annotations

import math

import numpy as np

from . import sm_inputs as sm


def a0(m: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """A0(m) = m^2 (1 - ln(m^2/Q^2)) [GeV^2]."""
    m2 = np.maximum(np.asarray(m, float) ** 2, 1e-10)
    return m2 * (1.0 - np.log(m2 / q2))


def _x_log_abs(x: np.ndarray) -> np.ndarray:
    """x ln|x|, 0 at x = 0."""
    ax = np.abs(x)
    return np.where(ax > 0, x * np.log(np.where(ax > 0, ax, 1.0)), 0.0)


def b0(p: np.ndarray, m1: np.ndarray, m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Re B0(p; m1, m2) (PBMZ eq. (B.7)), p > 0: -ln(p^2/Q^2) - sum_+- Re f_B(x_+-),
    f_B(x) = ln(1 - x) - x ln(1 - 1/x) - 1, x_+- the roots of p^2 x^2 - s x + m1^2 - i eps,
    s = p^2 - m2^2 + m1^2, in real arithmetic: for real roots Re f_B = (1 - x) ln|1 - x|
    + x ln|x| - 1; for a complex pair a +- i b the two real parts are equal,
    Re f_B = ln|1 - x| - a ln|1 - 1/x| + b arg(1 - 1/x) - 1."""
    p2 = np.maximum(np.asarray(p, float) ** 2, 1e-6)
    m1s, m2s = np.asarray(m1, float) ** 2, np.asarray(m2, float) ** 2
    s = p2 - m2s + m1s
    disc = s * s - 4.0 * p2 * m1s
    root = np.sqrt(np.abs(disc))
    xp, xm = (s + root) / (2.0 * p2), (s - root) / (2.0 * p2)
    f_real = (_x_log_abs(1.0 - xp) + _x_log_abs(xp) + _x_log_abs(1.0 - xm) + _x_log_abs(xm)
              - 2.0)
    a, b = s / (2.0 * p2), root / (2.0 * p2)
    r2 = np.maximum(a * a + b * b, 1e-300)
    u, v = 1.0 - a / r2, b / r2                                  # 1 - 1/x
    with np.errstate(divide="ignore", invalid="ignore"):    # (the branch not taken)
        f_pair = (np.log((1.0 - a) ** 2 + b * b) - a * np.log(u * u + v * v)
                  + 2.0 * b * np.arctan2(v, u) - 2.0)
    return -np.log(p2 / q2) - np.where(disc >= 0, f_real, f_pair)


def b1(p: np.ndarray, m1: np.ndarray, m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Re B1(p; m1, m2) = [A0(m2) - A0(m1) + (p^2 + m1^2 - m2^2) B0] / (2 p^2)."""
    p2 = np.maximum(np.asarray(p, float) ** 2, 1e-6)
    m1, m2 = np.asarray(m1, float), np.asarray(m2, float)
    return (a0(m2, q2) - a0(m1, q2) + (p2 + m1**2 - m2**2) * b0(p, m1, m2, q2)) / (2 * p2)


def corrected_parameters(p: dict[str, np.ndarray], ma: np.ndarray
                         ) -> dict[str, np.ndarray]:
    """Pole-corrected M1, M2, mueff [GeV] (signs kept); ``ma`` the heavy doublet mass."""
    q2 = np.abs(p["MQ3"] * p["MU3"])
    g2sq, g1sq = sm.G2SQ, sm.G1SQ
    k = 1.0 / (16 * math.pi**2)
    m1, m2, mu = (np.abs(p[x]) for x in ("M1", "M2", "mueff"))
    mz, mw = np.full_like(mu, sm.MZ), np.full_like(mu, sm.MW)
    ma = np.maximum(np.abs(ma), sm.MZ)
    # sfermion soft masses per multiplet: (name, mass, multiplicity, 2T for SU(2), 2Y^2)
    qs = [(p["MQ12"], 12, 2 * 3 * 2, 2 * 3 * 2 * (1 / 36)),       # Q1, Q2: 2 doublets x 3 colours
          (p["MQ3"], 6, 3, 3 * 2 * (1 / 36)),
          (p["MU12"], 0, 0, 2 * 3 * 2 * (4 / 9)), (p["MU3"], 0, 0, 3 * 2 * (4 / 9)),
          (p["MD12"], 0, 0, 2 * 3 * 2 * (1 / 9)), (p["MD3"], 0, 0, 3 * 2 * (1 / 9)),
          (p["ML12"], 0, 2, 2 * 2 * (1 / 4)), (p["ML3"], 0, 1, 2 * (1 / 4)),
          (p["ME12"], 0, 0, 2 * 2 * 1.0), (p["ME3"], 0, 0, 2 * 1.0)]
    # every B1 of the corrections in one call over (argument triple, point): the sfermion
    # loops of M2 and M1, then the Higgs, vector and ino loops by name
    wino_sf = [(m2, 0.0, m) for m, _, n2, _ in qs if n2]
    bino_sf = [(m1, 0.0, m) for m, *_ in qs]
    named = {"m2_mu_z": (m2, mu, mz), "m2_mu_a": (m2, mu, ma), "m1_mu_z": (m1, mu, mz),
             "m1_mu_a": (m1, mu, ma), "mu_mu_w": (mu, mu, mw), "mu_mu_z": (mu, mu, mz),
             "mu_m2_z": (mu, m2, mz), "mu_m2_a": (mu, m2, ma), "mu_m1_z": (mu, m1, mz),
             "mu_m1_a": (mu, m1, ma)}
    triples = wino_sf + bino_sf + list(named.values())
    values = b1(*(np.stack(np.broadcast_arrays(*x)) for x in zip(*triples, strict=True)), q2)
    s2 = sum(n2 * v for n2, v in zip((n2 for _, _, n2, _ in qs if n2), values, strict=False))
    s1 = sum(n1 * v for n1, v in zip((n1 for *_, n1 in qs), values[len(wino_sf):],
                                     strict=False))
    b = dict(zip(named, values[len(wino_sf) + len(bino_sf):], strict=True))
    b0_mu_w, b0_mu_z = b0(np.stack([mu, mu]), np.stack([mu, mu]), np.stack([mw, mz]), q2)
    d2 = g2sq * k * (10 + 6 * np.log(q2 / m2**2) - s2 - (b["m2_mu_z"] + b["m2_mu_a"]))
    d1 = -g1sq * k * (s1 + 0.5 * (b["m1_mu_z"] + b["m1_mu_a"]))
    vec = (0.75 * g2sq * (4 * b0_mu_w - 2 * b["mu_mu_w"])
           + 0.25 * g1sq * (4 * b0_mu_z - 2 * b["mu_mu_z"]))
    ino = 0.5 * (1.5 * g2sq * (b["mu_m2_z"] + b["mu_m2_a"])
                 + 0.5 * g1sq * (b["mu_m1_z"] + b["mu_m1_a"]))
    dmu = k * (vec - ino)
    return {"M1": p["M1"] * (1 + d1), "M2": p["M2"] * (1 + d2), "mueff": p["mueff"] * (1 + dmu)}
