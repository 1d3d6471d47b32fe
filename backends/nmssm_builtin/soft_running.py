"""Renormalisation-group running of the third-generation squark soft terms, two loops.

The beta functions of m_Q3^2, m_U3^2, m_D3^2, A_t and A_b in the DRbar scheme to two
loops (Martin, Vaughn, hep-ph/9311340, the MSSM in matrix form; the NMSSM terms in
lambda, kappa, A_lambda, A_kappa, m_S^2 from the general two-loop formulas of the same
paper, as listed for the NMSSM by Ellwanger, Hugonie, Teixeira, arXiv:0910.1785
appendix C), here in the third-family approximation (only h_t, h_b, h_tau among the
Yukawa couplings; the first two generations of sfermions enter through the traces):

    16 pi^2 dX/d ln Q = b1(X) + b2(X)/(16 pi^2),

g1 in GUT normalisation (g1^2 = 5/3 g'^2), S = m_Hu^2 - m_Hd^2 + Tr(m_Q^2 - m_L^2 -
2 m_U^2 + m_D^2 + m_E^2) the hypercharge D-term trace. The two-loop parts are written
out per coupling monomial (the expansion of the matrix expressions; checked against the
same expansion used by NMSSMTools 5.6.0 for its squark masses).

``run_squark_soft_terms`` takes them from the input scale Q_SUSY to the stop scale in
one step of the logarithm, the beta functions at Q_SUSY: NMSSMTools' treatment (its
running stop masses at Q_st, which its Higgs masses and its squark tachyon check use),
so that hierarchical soft masses (M_Q3/M_U3 ~ 10, where the S term and the two-loop
terms keep the lighter mass squared positive) come out as there.
"""

from __future__ import annotations

import math

import numpy as np

K16 = 1.0 / (16.0 * math.pi**2)


def _traces(m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sums over the three generations (m: soft masses squared; '1' the first two
    generations each, '3' the third) and the D-term trace S."""
    t = {k: 2.0 * m[k + "1"] + m[k + "3"] for k in ("Q", "U", "D", "L", "E")}
    t["S"] = m["Hu"] - m["Hd"] + t["Q"] - t["L"] - 2.0 * t["U"] + t["D"] + t["E"]
    return t


def beta_soft(c: dict[str, np.ndarray], m: dict[str, np.ndarray]
              ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(b1, b2) of m_Q3^2, m_U3^2, m_D3^2 [GeV^2] and A_t, A_b [GeV] (keys 'Q3', 'U3',
    'D3', 'At', 'Ab'), module docstring. ``c``: squared couplings yt, yb, ytau, lam, kap,
    g1 (GUT normalisation), g2, g3 and the soft terms At, Ab, Atau, Al, Ak, M1, M2, M3
    [GeV]; ``m``: soft masses squared [GeV^2] Q3, U3, D3, L3, E3, Q1, U1, D1, L1, E1 (the
    first two generations each), Hu, Hd, S."""
    yt, yb, ytau, lam, kap = (c[k] for k in ("yt", "yb", "ytau", "lam", "kap"))
    g1, g2, g3 = c["g1"], c["g2"], c["g3"]
    at, ab, atau, al, ak = (c[k] for k in ("At", "Ab", "Atau", "Al", "Ak"))
    m1, m2, m3 = c["M1"], c["M2"], c["M3"]
    q3, u3, d3, l3, e3 = (m[k] for k in ("Q3", "U3", "D3", "L3", "E3"))
    hu, hd, ms = m["Hu"], m["Hd"], m["S"]
    tr = _traces(m)
    s = tr["S"]
    xt = at * at + hu + q3 + u3                   # the stop and sbottom combinations
    xb = ab * ab + hd + q3 + d3
    # colour-octet trace sigma_3 / g3^2 and the Q-U-D combination of the g1^2 g3^2 terms
    sig3 = 2.0 * tr["Q"] + tr["U"] + tr["D"]
    qud = tr["D"] + tr["Q"] - 2.0 * tr["U"]
    g34 = -16.0 / 3.0 * (8.0 * m3**2 - sig3)
    one = {
        "Q3": (2 * yt * xt + 2 * yb * xb - 32 / 3 * g3 * m3**2 - 6 * g2 * m2**2
               - 2 / 15 * g1 * m1**2 + g1 * s / 5),
        "U3": 4 * yt * xt - 32 / 3 * g3 * m3**2 - 32 / 15 * g1 * m1**2 - 4 / 5 * g1 * s,
        "D3": 4 * yb * xb - 32 / 3 * g3 * m3**2 - 8 / 15 * g1 * m1**2 + 2 / 5 * g1 * s,
        "At": (12 * yt * at + 2 * yb * ab + 2 * lam * al + 32 / 3 * g3 * m3 + 6 * g2 * m2
               + 26 / 15 * g1 * m1),
        "Ab": (12 * yb * ab + 2 * yt * at + 2 * ytau * atau + 2 * lam * al
               + 32 / 3 * g3 * m3 + 6 * g2 * m2 + 14 / 15 * g1 * m1),
    }
    lam_t = (al + at) ** 2 + hd + 2 * hu + q3 + u3 + ms     # lambda^2 h_t^2 combinations
    lam_b = (ab + al) ** 2 + d3 + 2 * hd + hu + q3 + ms
    tb = (ab + at) ** 2 + d3 + hd + hu + 2 * q3 + u3
    btau = (ab + atau) ** 2 + d3 + e3 + 2 * hd + l3 + q3
    two_q3 = (
        g3**2 * g34 + 16 * g2 * g3 * m3 * (m2 + 2 * m3)
        + 3 * g2**2 * (hd + hu + tr["L"] + 3 * tr["Q"])
        + 16 / 45 * g1 * g3 * (2 * (m1**2 + m1 * m3 + m3**2) + 3 * qud)
        + g1 * g2 / 5 * (2 * m1**2 + m1 * m2 - 3 * hd + 3 * hu - 3 * tr["L"] + 3 * tr["Q"])
        + g1**2 / 75 * (199 * m1**2 + 6 * tr["D"] + 42 * tr["E"] - 6 * hd + 12 * hu
                        - 6 * tr["L"] + 2 * tr["Q"] - 24 * tr["U"])
        + 2 / 5 * g1 * lam * (hd - hu) - 2 / 5 * g1 * ytau * (2 * e3 - hd - l3)
        + 2 / 5 * g1 * yb * (2 * ab**2 - 4 * ab * m1 + 4 * m1**2 + 5 * hd + q3)
        + 2 / 5 * g1 * yt * (4 * at**2 - 8 * at * m1 + 8 * m1**2 + hu + 3 * q3 + 8 * u3)
        - 2 * lam * yb * lam_b - 2 * yb * ytau * btau - 20 * yb**2 * (xb + ab**2)
        - 2 * lam * yt * lam_t - 20 * yt**2 * (xt + at**2))
    two_u3 = (
        g3**2 * g34 + 64 / 45 * g1 * g3 * (8 * (m1**2 + m1 * m3 + m3**2) - 3 * qud)
        + 12 / 5 * g1 * g2 * (hd - hu + tr["L"] - tr["Q"])
        + 4 / 75 * g1**2 * (856 * m1**2 + 4 * tr["D"] - 12 * tr["E"] + 21 * hd + 3 * hu
                            + 21 * tr["L"] + 3 * tr["Q"] + 64 * tr["U"])
        - 8 / 5 * g1 * lam * (hd - hu) + 8 / 5 * g1 * ytau * (2 * e3 - hd - l3)
        + 8 / 5 * g1 * yb * (2 * d3 - 3 * hd + q3)
        + 12 * g2 * yt * (at**2 - 2 * at * m2 + 2 * m2**2 + hu + q3 + u3)
        - 4 / 5 * g1 * yt * (at**2 - 2 * at * m1 + 2 * m1**2 - 5 * hu - q3 + 9 * u3)
        - 4 * lam * yt * lam_t - 4 * yb * yt * tb - 32 * yt**2 * (xt + at**2))
    two_d3 = (
        g3**2 * g34 + 32 / 45 * g1 * g3 * (4 * (m1**2 + m1 * m3 + m3**2) + 3 * qud)
        - 6 / 5 * g1 * g2 * (hd - hu + tr["L"] - tr["Q"])
        + 2 / 75 * g1**2 * (404 * m1**2 + 8 * tr["D"] + 48 * tr["E"] - 3 * hd + 15 * hu
                            - 3 * tr["L"] + 3 * tr["Q"] - 16 * tr["U"])
        + 4 / 5 * g1 * lam * (hd - hu) - 4 / 5 * g1 * ytau * (2 * e3 - hd - l3)
        + 12 * g2 * yb * (ab**2 - 2 * ab * m2 + 2 * m2**2 + d3 + hd + q3)
        + 4 / 5 * g1 * yb * (ab**2 - 2 * ab * m1 + 2 * m1**2 - d3 + 4 * hd)
        - 4 * lam * yb * lam_b - 4 * yb * ytau * btau - 32 * yb**2 * (xb + ab**2)
        - 4 / 5 * g1 * yt * (3 * hu + q3 - 4 * u3) - 4 * yb * yt * tb)
    gauge_a = (64 / 9 * g3**2 * m3 - 16 * g2 * g3 * (m2 + m3) - 30 * g2**2 * m2
               - 2 * g1 * g2 * (m1 + m2) - 4 * kap * lam * (ak + al) - 12 * lam**2 * al)
    two_at = (
        gauge_a - 272 / 45 * g1 * g3 * (m1 + m3) - 5486 / 225 * g1**2 * m1
        - 2 * lam * ytau * (al + atau) + 4 / 5 * g1 * yb * (ab - m1) - 8 * lam * yb * (ab + al)
        - 2 * yb * ytau * (ab + atau) - 20 * yb**2 * ab + 32 * g3 * yt * (at - m3)
        + 12 * g2 * yt * (at - m2) + 12 / 5 * g1 * yt * (at - m1) - 6 * lam * yt * (al + at)
        - 10 * yb * yt * (ab + at) - 88 * yt**2 * at)
    two_ab = (
        gauge_a - 16 / 9 * g1 * g3 * (m1 + m3) - 574 / 45 * g1**2 * m1
        + 12 / 5 * g1 * ytau * (atau - m1) - 12 * ytau**2 * atau + 32 * g3 * yb * (ab - m3)
        + 12 * g2 * yb * (ab - m2) + 4 / 5 * g1 * yb * (ab - m1) - 6 * lam * yb * (ab + al)
        - 6 * yb * ytau * (ab + atau) - 88 * yb**2 * ab + 8 / 5 * g1 * yt * (at - m1)
        - 8 * lam * yt * (al + at) - 10 * yb * yt * (ab + at) - 20 * yt**2 * at)
    two = {"Q3": two_q3, "U3": two_u3, "D3": two_d3, "At": two_at, "Ab": two_ab}
    return {k: (one[k], two[k]) for k in one}


def run_squark_soft_terms(c: dict[str, np.ndarray], m: dict[str, np.ndarray],
                          log: np.ndarray) -> dict[str, np.ndarray]:
    """m_Q3^2, m_U3^2, m_D3^2 [GeV^2] (keys MQ3sq, MU3sq, MD3sq) and A_t, A_b [GeV] after
    one step ``log`` = ln(Q_st/Q_SUSY) with the two-loop beta functions of ``beta_soft``
    at the input scale (``c``, ``m`` as there)."""
    start = {"Q3": m["Q3"], "U3": m["U3"], "D3": m["D3"], "At": c["At"], "Ab": c["Ab"]}
    names = {"Q3": "MQ3sq", "U3": "MU3sq", "D3": "MD3sq", "At": "At", "Ab": "Ab"}
    return {names[k]: start[k] + K16 * log * (b1 + K16 * b2)
            for k, (b1, b2) in beta_soft(c, m).items()}
