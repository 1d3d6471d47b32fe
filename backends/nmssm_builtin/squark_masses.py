"""Squark masses with radiative corrections: the third generation from the soft terms run
to the stop scale (``running``), and one-loop pole corrections to all squarks.

Running stop and sbottom masses at Q_st: the 2x2 matrices of ``sfermions`` with the soft
terms at Q_st (two-loop running, ``soft_running``), the DRbar MSSM top mass m_t(Q_st)
(``radiative.top_mass``), the QCD-running m_b(Q_st), tan(beta), mueff, v and the gauge
couplings at Q_st. These are the masses NMSSMTools' squark tachyon check and its Higgs
masses use; their eigenvectors give the mixing matrices.

Pole masses m_pole^2 = m^2(Q) - Re Pi(m^2) at one loop (Pierce, Bagger, Matchev, Zhang,
hep-ph/9606211 appendix D, their A0(m) = m^2 (1 - ln(m^2/Q^2)), B0, and

    G(p, m1, m2) = (p^2 - m1^2 - m2^2) B0(p; m1, m2) - A0(m1) - A0(m2),
    F(p, m, 0) = A0(m) - 2 (p^2 + m^2) B0(p; m, 0)    (gluon loop, Feynman gauge)):

- SUSY-QCD (gluon, gluino-quark and squark-quartic loops), for the eigenstate i of a
  pair with mixing angle theta (sin 2theta = 2 R_iL R_iR of the SLHA mixing matrix):

      Pi_ii = 4/3 g3^2/(16 pi^2) [F(p, m_i, 0) + cos^2 2theta A0(m_i) + sin^2 2theta A0(m_j)
              + 2 G(p, m_q, M3) - 4 sin2theta_i m_q M3 B0(p; m_q, M3)],

  sin2theta_i = 2 R_iL R_iR; for a massless quark without mixing this is the familiar
  (2 alpha_s/3 pi) m^2 [1 + 3x + (x-1)^2 ln|x-1| - x^2 ln x + 2x ln(Q^2/m^2)], x = M3^2/m^2,
  which the first two generations take (at Q_SUSY, where their soft masses are given).
- the Yukawa F-term quartics (gaugeless, the tadpole-type loops): |F_Hu|^2 ⊃ h_t^2
  |t_L t_R^*|^2 + h_t^2 |b_L t_R^*|^2, |F_Hd|^2 ⊃ h_b^2 |b_L b_R^*|^2 + h_b^2 |t_L b_R^*|^2
  with the squarks in the loop (colour: N_c for the L-R cross terms), and |F_Q|^2,
  |F_U|^2, |F_D|^2 with the Higgs doublets in the loop in the decoupling limit (h, G0,
  G+- light; H, A, H+- at M_A with the angle beta): Delta m_i^2 = 1/(16 pi^2) sum
  lambda_iikk A(m_k), A(m) = m^2 (ln(m^2/Q^2) - 1). They carry the large logarithms of a
  much heavier squark or Higgs doublet (M_Q3/M_U3 ~ 10: the lighter stop gains 30-40%).
  Left out: the squark-squark-Higgs and quark-higgsino loops of the same order in h_t
  (B0 terms, below 1% of the masses in the seed region) and electroweak gauge loops.

NMSSMTools 5.6.0 computes its squark pole masses from the same running masses with the
SUSY-QCD corrections and a Yukawa part; measured against its stop masses on the seed
sample: median +0.7%, 90% within 1.6% (the lighter stop; the heavier within 1%). Where
M_H+- >> m_stop they part: its stop self-energy weights the charged-Higgs tadpole of the
h_t^2 |t_R|^2 |H_u^+|^2 loop with the H_u content of the lightest CP-even state (~sin^2 beta)
instead of the charged Higgs's cos^2 beta (and the h_b^2 loop with cos^2 beta instead of
sin^2 beta), which puts its stops up to 75% higher at M_H+- ~ 20 TeV; this module keeps
the charged Higgs's own contents (benchmarks/README.md, flavour_gm2_oracle.py).
"""

from __future__ import annotations

import math

import numpy as np

from . import sm_inputs as sm
from .ino_loops import b0
from .linalg import eig2

K16 = 1.0 / (16.0 * math.pi**2)
NC = 3.0


def a0(m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """A0(m) = m^2 (1 - ln(m^2/Q^2)) [GeV^2] (PBMZ), 0 at m = 0; |m^2| in the log."""
    a = np.abs(m2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = m2 * (1.0 - np.log(a / q2))
    return np.where(a > 0, out, 0.0)


def _sqrt(m2: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(np.abs(m2), 1e-6))


def sqcd_shifts(m_sq: tuple[np.ndarray, np.ndarray], rot: np.ndarray, mq: np.ndarray,
                mg: np.ndarray, alpha_s: np.ndarray, q2: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """-Re Pi_ii(m_i^2) [GeV^2], the SUSY-QCD pole-mass shifts of the eigenstates of a squark
    pair (module docstring): ``m_sq`` the two masses squared, ``rot`` (n,2,2) the SLHA
    mixing matrix (rows the eigenstates in (L, R)), ``mq`` the quark mass, ``mg`` the
    (signed) gluino mass, at Q^2 = ``q2``."""
    coef = 4.0 / 3.0 * 4.0 * math.pi * alpha_s * K16
    s2t = 2.0 * rot[:, 0, 0] * rot[:, 0, 1]
    c2t2 = 1.0 - s2t**2
    mgl = np.abs(mg)
    # both eigenstates at once (first axis): i = 1, 2 with its partner j = 2, 1
    mi2, mj2 = np.stack([m_sq[0], m_sq[1]]), np.stack([m_sq[1], m_sq[0]])
    p2 = np.maximum(np.abs(mi2), 1.0)
    p = np.sqrt(p2)
    s2t_i = 2.0 * rot[:, :, 0].T * rot[:, :, 1].T
    b_qg = b0(p, mq, mgl, q2)
    gluon = a0(p2, q2) - 2.0 * (p2 + p2) * b0(p, p, np.full_like(p, 1e-3), q2)
    quark_gluino = 2.0 * ((p2 - mq**2 - mgl**2) * b_qg - a0(mq**2, q2) - a0(mgl**2, q2))
    pi_ii = coef * (gluon + c2t2 * a0(p2, q2) + s2t**2 * a0(np.abs(mj2), q2)
                    + quark_gluino - 4.0 * s2t_i * mq * mg * b_qg)
    return -pi_ii[0], -pi_ii[1]


def first_generation_shift(m2: np.ndarray, mg: np.ndarray, alpha_s: np.ndarray,
                           q2: np.ndarray) -> np.ndarray:
    """SUSY-QCD pole-mass shift [GeV^2] of a squark with a massless quark and no mixing
    (the closed form of the module docstring), m^2 = ``m2``."""
    x = mg**2 / np.maximum(m2, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_gap = np.where(np.abs(x - 1.0) > 1e-12, (x - 1.0) ** 2 * np.log(np.abs(x - 1.0)),
                           0.0)
        log_x = np.where(x > 0, x * x * np.log(np.maximum(x, 1e-300)), 0.0)
    cor = 1.0 + 3.0 * x + log_gap - log_x + 2.0 * x * np.log(q2 / np.maximum(m2, 1.0))
    return m2 * 2.0 * alpha_s / (3.0 * math.pi) * cor


def _a(m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """A(m) = m^2 (ln(m^2/Q^2) - 1) = -A0 [GeV^2]."""
    return -a0(m2, q2)


def _g_function(p2: np.ndarray, m1: np.ndarray, m2: np.ndarray, q2: np.ndarray
                ) -> np.ndarray:
    """G(p, m1, m2) = (p^2 - m1^2 - m2^2) B0(p; m1, m2) - A0(m1) - A0(m2) [GeV^2]."""
    return ((p2 - m1**2 - m2**2) * b0(np.sqrt(p2), m1, m2, q2) - a0(m1**2, q2)
            - a0(m2**2, q2))


def _top_yukawa_loops(p2: np.ndarray, stop: tuple, sbottom_l2: np.ndarray, sbot_rot: np.ndarray,
                      c: dict[str, np.ndarray]) -> tuple[list, list]:
    """-Re Pi(p^2) [GeV^2] at O(h_t^2) from the trilinear squark-squark-Higgs loops and the
    quark-higgsino loops, for the two stops (at p^2 = ``p2[0]``, ``p2[1]``) and the two
    sbottoms (``p2[2]``, ``p2[3]``): gaugeless, Higgs bosons in the decoupling limit
    (h, G0, G+- massless; H, A, H+- at M_A, angle beta), the neutral couplings
    lambda_phi,jk = d M^2_stop/d phi (g_phi delta_jk + a_phi (R_jR R_kL + R_jL R_kR), and
    i a_phi (R_jR R_kL - R_jL R_kR) for G0, A), the charged ones to b_L
    kappa_Pj = -h_t (k_P R_jR + h_t v_u s_P R_jL); the higgsino-quark loops
    h_t^2 [(R_iL^2 + R_iR^2) G(p, m_t, mu) + R_iR^2 G(p, 0, mu)] (stops),
    h_t^2 R_iL^2 G(p, m_t, mu) (sbottoms; the mass insertions ~ h_t^2 m_t mu B0, below
    1e-3 GeV^2 relative, are left out)."""
    m1, m2, rot = stop
    ht, at, mu, sb, cb, vu, mt, ma, q2 = (c[k] for k in ("ht", "At", "mu", "sb", "cb", "vu",
                                                         "mt", "ma", "q2"))
    r2 = math.sqrt(2.0)
    left, right = rot[:, :, 0], rot[:, :, 1]
    masses = (_sqrt(m1), _sqrt(m2))
    zero = np.zeros_like(mt)
    states = []                                     # (g, a, CP-odd?, Higgs mass)
    for size, k_coef, heavy in ((sb, at * sb - mu * cb, False), (cb, at * cb + mu * sb, True)):
        a_phi = ht * k_coef / r2
        states.append((r2 * ht**2 * vu * size, a_phi, False, heavy))
        states.append((zero, a_phi, True, heavy))
    stops_out, sbots_out = [], []
    mu_abs = np.abs(mu)
    # every B0 of the scalar loops in one call: b[i, j, h] = B0(p_i; m_j, light or M_A),
    # p_i the four external momenta, m_j the two stops and the sbottom_L, h = heavy Higgs
    light = np.full_like(mt, 1e-3)
    p_ext = np.sqrt(np.stack(p2))[:, None, None]
    m_int = np.stack([masses[0], masses[1], _sqrt(sbottom_l2)])[None, :, None]
    b = b0(p_ext, m_int, np.stack([light, ma])[None, None], q2)
    for i in range(2):
        shift = zero.copy()
        for k in range(2):
            b_light, b_heavy = b[i, k, 0], b[i, k, 1]
            for g, a_phi, odd, heavy in states:
                if odd:
                    lam = a_phi * (right[:, i] * left[:, k] - left[:, i] * right[:, k])
                else:
                    lam = (g * (i == k) + a_phi * (right[:, i] * left[:, k]
                                                    + left[:, i] * right[:, k]))
                shift = shift - lam**2 * (b_heavy if heavy else b_light)
        for k_coef, s_p, heavy in ((at * sb - mu * cb, sb, False), (at * cb + mu * sb, cb, True)):
            kap = -ht * (k_coef * right[:, i] + ht * vu * s_p * left[:, i])
            shift = shift - kap**2 * b[i, 2, int(heavy)]
        shift = shift - ht**2 * ((left[:, i] ** 2 + right[:, i] ** 2)
                                 * _g_function(p2[i], mt, mu_abs, q2)
                                 + right[:, i] ** 2 * _g_function(p2[i], zero + 1e-3, mu_abs, q2))
        stops_out.append(shift)
    for i in range(2):
        b_left2 = sbot_rot[:, i, 0] ** 2
        shift = zero.copy()
        for k_coef, s_p, heavy in ((at * sb - mu * cb, sb, False), (at * cb + mu * sb, cb, True)):
            for j in range(2):
                kap = -ht * (k_coef * right[:, j] + ht * vu * s_p * left[:, j])
                shift = shift - b_left2 * kap**2 * b[2 + i, j, int(heavy)]
        shift = shift - ht**2 * b_left2 * _g_function(p2[2 + i], mt, mu_abs, q2)
        sbots_out.append(shift)
    return stops_out, sbots_out


def third_generation(p: dict[str, np.ndarray], run: dict[str, np.ndarray]
                     ) -> dict[str, np.ndarray]:
    """Stop and sbottom masses squared [GeV^2], running at Q_st (``mst1_run_sq``, ...) and
    pole (``mst1_sq``, ...), and the mixing matrices ``stop_mix``, ``sbottom_mix`` (of the
    running matrices), from the parameters at Q_st ``run`` (``running.run_to_stop_scale``
    with the DRbar top mass under "mt")."""
    q2, tanb, mt = run["q2"], run["tanb"], run["mt"]
    beta = np.arctan(tanb)
    vu, vd = run["v"] * np.sin(beta), run["v"] * np.cos(beta)
    g1, g2 = run["g1sq"], run["g2sq"]
    mb = sm.mb_msbar(np.sqrt(q2)) * (1.0 - run["alpha_s"] / (3.0 * math.pi))
    dd = vd**2 - vu**2
    stop = eig2(run["MQ3sq"] + mt**2 + (g2 / 4 - g1 / 12) * dd,
                run["MU3sq"] + mt**2 + g1 / 3 * dd, mt * (run["At"] - run["mueff"] / tanb))
    sbot = eig2(run["MQ3sq"] + mb**2 - (g2 / 4 + g1 / 12) * dd,
                run["MD3sq"] + mb**2 - g1 / 6 * dd, mb * (run["Ab"] - run["mueff"] * tanb))
    ht2, hb2 = (mt / vu) ** 2, (mb / vd) ** 2
    ma2 = np.maximum(run["m_A2"], 0.0)
    cb2 = np.cos(beta) ** 2
    sb2 = 1.0 - cb2
    a_heavy = _a(ma2, q2)
    # loops <|X|^2> of the F-term quartics: the squarks' L/R contents (rows of the mixing
    # matrices); the Higgs doublets in the decoupling limit, <|H_u0|^2> = <|H_u+|^2> =
    # c_b^2 A(M_A), <|H_d0|^2> = <|H_d-|^2> = s_b^2 A(M_A)
    loops = {}
    for name, (m1, m2, rot) in (("t", stop), ("b", sbot)):
        a_k = np.stack([_a(m1, q2), _a(m2, q2)], -1)
        left, right = rot[:, :, 0], rot[:, :, 1]
        loops[name] = (np.sum(left**2 * a_k, -1), np.sum(right**2 * a_k, -1),
                       np.sum(left * right * a_k, -1))
    p2 = [np.maximum(np.abs(x), 1.0) for x in (stop[0], stop[1], sbot[0], sbot[1])]
    trilinear = _top_yukawa_loops(
        p2, stop, run["MQ3sq"] + mb**2, sbot[2],
        {"ht": mt / vu, "At": run["At"], "mu": run["mueff"], "sb": np.sin(beta),
         "cb": np.cos(beta), "vu": vu, "mt": mt, "ma": np.sqrt(ma2), "q2": q2})
    out: dict[str, np.ndarray] = {}
    for name, (m1, m2, rot), mq, partner, (y_own, y_other), (h_own, h_own0, h_other) in (
            ("st", stop, mt, "b", (ht2, hb2), (2 * cb2 * a_heavy, cb2 * a_heavy,
                                                sb2 * a_heavy)),
            ("sb", sbot, mb, "t", (hb2, ht2), (2 * sb2 * a_heavy, sb2 * a_heavy,
                                                cb2 * a_heavy))):
        own_ll, own_rr, own_lr = loops[name[1]]
        other_ll, other_rr, _ = loops[partner]
        qcd = sqcd_shifts((m1, m2), rot, mq, p["M3"], run["alpha_s"], q2)
        loops3 = trilinear[0] if name == "st" else trilinear[1]
        for i, (mi2, shift) in enumerate(((m1, qcd[0] + K16 * loops3[0]),
                                          (m2, qcd[1] + K16 * loops3[1]))):
            left, right = rot[:, i, 0], rot[:, i, 1]
            yukawa = (y_own * (left**2 * own_rr + right**2 * own_ll
                               + 2.0 * NC * left * right * own_lr + right**2 * other_ll
                               + right**2 * h_own + left**2 * h_own0)
                      + y_other * left**2 * (other_rr + h_other))
            out[f"m{name}{i + 1}_run_sq"] = mi2
            out[f"m{name}{i + 1}_sq"] = mi2 + shift + K16 * yukawa
    out["stop_mix"], out["sbottom_mix"] = stop[2], sbot[2]
    return out
