"""The input parameters run to the stop scale, where the Higgs masses are computed.

Input conventions (those of NMSSMTools' ``nmhdecay``, so that the built-in and the
external spectrum read the same numbers the same way; Ellwanger, Hugonie,
hep-ph/0508022 sect. 2): tan(beta) is the DRbar value at M_Z; the soft terms, lambda,
kappa, mueff, A_lambda, A_kappa are DRbar parameters at the SUSY scale

    Q_SUSY^2 = (2 M_Q12^2 + M_U12^2 + M_D12^2)/4

(first-generation squark soft masses, each at least (100 GeV)^2). The Higgs masses are
computed at the stop scale Q_st^2 = |M_Q3 M_U3| (same floor), where the logarithms
of the stop loops are small.

Running between the scales, at one loop:

- lambda, kappa, mueff, A_lambda, A_kappa from Q_SUSY to Q_st in one leading-log step
  with the one-loop NMSSM beta functions (arXiv:0910.1785 appendix C; the step is at
  most ln(Q_SUSY/Q_st) ~ 1, so the neglected second-order terms are below 1e-3).
- M_Q3^2, M_U3^2, M_D3^2, A_t, A_b from Q_SUSY to Q_st in one step with their two-loop
  beta functions at Q_SUSY (``soft_running``, NMSSMTools' treatment): with the
  hypercharge trace S, the soft Higgs masses (from the tree-level minimum at Q_st) and
  the two-loop terms, a light soft mass next to a ten times heavier one stays positive
  where the one-loop step alone drives it negative. The couplings at Q_SUSY: the DRbar
  top Yukawa m_t(Q_st)/v_u(Q_st) run up (QCD and h_t resummed, electroweak and lambda
  terms at one loop), the bottom Yukawa from the QCD-running m_b, g', g and alpha_s
  with their thresholds.
- tan(beta) from M_Z: below the heavy doublet (mass M_A) the vevs run together and
  tan(beta) stays; between M_A and Q_st (type-II two-Higgs-doublet model)
  d ln tan(beta)/d ln Q^2 = (3 h_b^2 + h_tau^2 - 3 h_t^2)/(32 pi^2), with h_t^2(Q)
  the exact one-loop solution of its renormalisation group equation with QCD and its
  own term, 16 pi^2 d h_t^2/d ln Q = h_t^2 (9 h_t^2 - 16 g3^2):

      h_t^2(Q) = h_t^2(Q0) E(Q) / F(Q),  E = (alpha_s(Q)/alpha_s(Q0))^(8/7),
      F = 1 - 9 h_t^2(Q0) (1 - (alpha_s(Q)/alpha_s(Q0))^(1/7)) / (8 pi alpha_s(Q0)),

  so that tan(beta) changes by the factor F^(1/3) (F < 1: it falls). Below M_A the same
  holds for the SM coupling y_t = h_t sin(beta).
- the vevs: the Higgs fields at Q_st run with their anomalous dimensions (Landau
  gauge): the top-Yukawa part 3 h_t^2/(16 pi^2) per ln Q resummed (the SM-like doublet
  below M_A, H_u above), v_u(Q_st) = v_u(M_Z) (F_1 F_2)^(1/3), v_d(Q_st) =
  v_u(Q_st)/tan(beta)(Q_st), and the electroweak part common to both doublets
  (``pole_masses.field_renormalisation``), v -> v/sqrt(1 + dZ_EW).
- the top mass: SM MSbar two-loop QCD running from the pole mass, the DRbar shift,
  its own Yukawa running (the factor F^(-1/6) of the same solution), and the one-loop
  MSSM threshold (gluino-stop and higgsino-stop loops of Pierce, Bagger, Matchev,
  Zhang, hep-ph/9606211 eq. (D.18)); the DRbar MSSM m_t(Q_st) is what the one- and
  two-loop stop corrections take.
"""

from __future__ import annotations

import math

import numpy as np

from . import higgs_loops, pole_masses, soft_running
from . import sm_inputs as sm
from .ino_loops import b0, b1

#: lower bound on the scales squared [GeV^2] (NMSSMTools' Q2MIN)
Q2_MIN = 100.0**2
K16 = 1.0 / (16.0 * math.pi**2)


def susy_scale_sq(p: dict[str, np.ndarray]) -> np.ndarray:
    """Q_SUSY^2 [GeV^2] where the soft parameters are given."""
    m = [np.maximum(p[k] ** 2, Q2_MIN) for k in ("MQ12", "MU12", "MD12")]
    return (2.0 * m[0] + m[1] + m[2]) / 4.0


def stop_scale_sq(p: dict[str, np.ndarray]) -> np.ndarray:
    """Q_st^2 = |M_Q3 M_U3| [GeV^2] (each mass squared at least Q2_MIN)."""
    return np.sqrt(np.maximum(p["MQ3"] ** 2, Q2_MIN) * np.maximum(p["MU3"] ** 2, Q2_MIN))


def alpha_s_6(q2: np.ndarray, m_gluino: np.ndarray | None = None) -> np.ndarray:
    """alpha_s(Q) above m_t at one loop (6 flavours; with ``m_gluino``, the gluino adds to
    the running above its mass), from the 5-flavour one-loop alpha_s(m_t)."""
    a_mt = sm.ALPHA_S_MZ / (1.0 + 23.0 / (12.0 * math.pi) * sm.ALPHA_S_MZ
                            * math.log(sm.MT_POLE**2 / sm.MZ**2))
    lq = np.log(np.maximum(q2, sm.MT_POLE**2) / sm.MT_POLE**2)
    inv = 1.0 + a_mt / (4.0 * math.pi) * 7.0 * lq
    if m_gluino is not None:
        mg2 = np.maximum(m_gluino**2, sm.MT_POLE**2)
        inv = inv - a_mt / (4.0 * math.pi) * 2.0 * np.log(np.maximum(q2, mg2) / mg2)
    return a_mt / inv


def gauge_couplings_sq(p: dict[str, np.ndarray], q2: np.ndarray, ma2: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """DRbar g'^2, g^2 at Q (one loop from M_Z, each multiplet from its mass up):
    16 pi^2 d g^2/d ln Q = 2 b g^4 with the SM b' = 41/6, b2 = -19/6 plus the second
    Higgs doublet (1/6, 1/6) above M_A, the higgsinos (2/3, 2/3) above |mueff|, the
    winos (0, 4/3) above |M2| and per generation the squark doublet (1/18, 1/2),
    u_R (4/9, 0), d_R (1/9, 0), slepton doublet (1/6, 1/6), e_R (1/3, 0) above their
    soft masses; all below Q: the MSSM b' = 11, b2 = 1 (Martin, hep-ph/9709356)."""
    def above(m2: np.ndarray) -> np.ndarray:
        return np.clip(0.5 * np.log(q2 / np.maximum(m2, sm.MZ**2)), 0.0, None)

    b1 = 41.0 / 6.0 * above(np.array(sm.MZ**2)) + 1.0 / 6.0 * above(ma2) \
        + 2.0 / 3.0 * above(p["mueff"] ** 2)
    b2 = -19.0 / 6.0 * above(np.array(sm.MZ**2)) + 1.0 / 6.0 * above(ma2) \
        + 2.0 / 3.0 * above(p["mueff"] ** 2) + 4.0 / 3.0 * above(p["M2"] ** 2)
    for gens, keys in ((2.0, ("MQ12", "MU12", "MD12", "ML12", "ME12")),
                       (1.0, ("MQ3", "MU3", "MD3", "ML3", "ME3"))):
        mq, mu, md, ml, me = (above(p[k] ** 2) for k in keys)
        b1 = b1 + gens * (mq / 18.0 + 4.0 / 9.0 * mu + md / 9.0 + ml / 6.0 + me / 3.0)
        b2 = b2 + gens * (0.5 * mq + ml / 6.0)
    k = 1.0 / (8.0 * math.pi**2)
    return 1.0 / (1.0 / sm.G1SQ - k * b1), 1.0 / (1.0 / sm.G2SQ - k * b2)


def _yukawa_factor(ht2_0: np.ndarray, a0: np.ndarray, a1: np.ndarray) -> np.ndarray:
    """F of the module docstring between scales with alpha_s = a0 and a1."""
    return 1.0 - 9.0 * ht2_0 * (1.0 - (a1 / a0) ** (1.0 / 7.0)) / (8.0 * math.pi * a0)


def _sm_top_msbar(q2: np.ndarray) -> np.ndarray:
    """SM MSbar m_t(Q) [GeV], two-loop QCD (6 flavours) from m_t(M_t) = M_t/(1 + 4/3 a +
    10.9 a^2) (Gray, Broadhurst et al., Z. Phys. C48 (1990) 673)."""
    a_t = float(sm.alpha_s_two_loop(sm.MT_POLE))
    a_q = sm.alpha_s_two_loop(np.sqrt(q2))
    b0_, b1_, g0, g1 = 7.0, 26.0, 8.0, 404.0 / 3.0 - 40.0 * 6.0 / 9.0
    pole = 1.0 + 4.0 * a_t / (3.0 * math.pi) + 10.9 * (a_t / math.pi) ** 2
    nlo = 1.0 + a_t * g0 / (8.0 * math.pi * b0_) * (g1 / g0 - b1_ / b0_) * (a_q / a_t - 1.0)
    return sm.MT_POLE / pole * (a_q / a_t) ** (g0 / (2.0 * b0_)) * nlo


def run_to_stop_scale(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parameters at Q_st: tanb, lambda_, kappa, mueff, Alambda, Akappa (keys as in the
    input), and q2 = Q_st^2, ht2 = h_t^2(Q_st) (2HDM running, before the DRbar
    threshold), alpha_s = alpha_s(Q_st), m_A2 the tree-level M_A^2 at Q_st [GeV^2],
    v = sqrt(v_u^2 + v_d^2) at Q_st [GeV], g1sq, g2sq the gauge couplings squared,
    MQ3sq, MU3sq, MD3sq [GeV^2], At, Ab [GeV] the squark soft terms."""
    q2 = stop_scale_sq(p)
    lq2 = np.log(q2 / susy_scale_sq(p))
    tb0 = p["tanb"]
    sb2 = tb0**2 / (1.0 + tb0**2)
    vu0, vd0 = sm.V_HIGGS * np.sqrt(sb2), sm.V_HIGGS / np.sqrt(1.0 + tb0**2)
    a_mt = float(alpha_s_6(np.array(sm.MT_POLE**2)))
    ht2_mt = (sm.MT_POLE / (1.0 + 4.0 * a_mt / (3.0 * math.pi) + 11.0 * (a_mt / math.pi) ** 2)
              / vu0) ** 2
    hb2 = (float(sm.mb_msbar(sm.MT_POLE)) / vd0) ** 2
    htau2 = (sm.MTAU / vd0) ** 2
    lam, kap, mu = p["lambda_"], p["kappa"], p["mueff"]
    # tree-level M_A^2 at the input scale, to place the heavy-doublet threshold
    ma2_in = np.maximum(mu * (p["Alambda"] + kap / lam * mu) * (tb0 + 1.0 / tb0), 1.0)
    ma2 = np.clip(ma2_in, sm.MT_POLE**2, np.maximum(q2, sm.MT_POLE**2))
    a_ma, a_q = alpha_s_6(ma2), alpha_s_6(np.maximum(q2, sm.MT_POLE**2), p["M3"])
    f1 = np.abs(_yukawa_factor(sb2 * ht2_mt, a_mt, a_ma))
    ht2_ma = ht2_mt * (a_ma / a_mt) ** (8.0 / 7.0) / f1
    f2 = np.abs(_yukawa_factor(ht2_ma, a_ma, a_q))
    ht2_q = ht2_ma * (a_q / a_ma) ** (8.0 / 7.0) / f2
    l_heavy = np.log(np.maximum(q2, ma2) / ma2)
    tanb = tb0 * f2 ** (1.0 / 3.0) * (1.0 + (3.0 * hb2 + htau2) * l_heavy / (32.0 * math.pi**2))
    # one-loop beta functions, one leading-log step Q_SUSY -> Q_st (ln Q^2 = lq2)
    g1sq, g2sq = sm.G1SQ, sm.G2SQ
    ht2 = ht2_q
    lam_q = lam * (1.0 + 0.5 * K16 * (4 * lam**2 + 2 * kap**2 + 3 * ht2 + 3 * hb2 + htau2
                                      - g1sq - 3 * g2sq) * lq2)
    kap_q = kap * (1.0 + 3.0 * K16 * (lam**2 + kap**2) * lq2)
    mu_q = mu * (1.0 + 0.5 * K16 * (3 * ht2 + 3 * hb2 + htau2 + 2 * lam**2 - g1sq - 3 * g2sq)
                 * lq2)
    al_q = p["Alambda"] + K16 * (4 * lam**2 * p["Alambda"] + 2 * kap**2 * p["Akappa"]
                                 + 3 * ht2 * p["At"] + 3 * hb2 * p["Ab"] + htau2 * p["Atau"]
                                 + g1sq * p["M1"] + 3 * g2sq * p["M2"]) * lq2
    ak_q = p["Akappa"] + 6.0 * K16 * (lam**2 * p["Alambda"] + kap**2 * p["Akappa"]) * lq2
    ma2_q = mu_q * (al_q + kap_q / lam_q * mu_q) * (tanb + 1.0 / tanb)
    # vevs at Q_st: both run with the SM-like doublet below M_A (F1), v_u alone above
    vu_q = vu0 * (f1 * f2) ** (1.0 / 3.0)
    vd_q = vu_q / tanb
    g1sq_q, g2sq_q = gauge_couplings_sq(p, q2, np.maximum(ma2_q, sm.MZ**2))
    out = {"tanb": tanb, "lambda_": lam_q, "kappa": kap_q, "mueff": mu_q, "Alambda": al_q,
           "Akappa": ak_q, "q2": q2, "ht2": ht2_q, "alpha_s": a_q, "m_A2": ma2_q,
           "yukawa_factor": f1 * f2, "g1sq": g1sq_q, "g2sq": g2sq_q}
    # the electroweak parts of the doublet anomalous dimension, from M_Z up
    dz_ew, _ = pole_masses.field_renormalisation(np.full((q2.shape[0], 1), sm.MZ**2), out, p)
    out["v"] = np.hypot(vu_q, vd_q) / np.sqrt(1.0 + dz_ew[:, 0])
    # third-generation squark soft terms: one step with the two-loop beta functions at
    # Q_SUSY (``soft_running``), the couplings there, the soft Higgs masses from the
    # tree-level minimum at Q_st
    qs2 = susy_scale_sq(p)
    a_s = alpha_s_6(np.maximum(qs2, sm.MT_POLE**2), p["M3"])
    g1sq_s, g2sq_s = gauge_couplings_sq(p, qs2, np.maximum(ma2_q, sm.MZ**2))
    # the DRbar top Yukawa at Q_st (no sparticle thresholds; v_u with its electroweak
    # anomalous dimension), run on to Q_SUSY (QCD and h_t resummed, the rest at one loop);
    # the bottom Yukawa from the QCD-running m_b at Q_SUSY
    vu_ew, vd_ew = (x / np.sqrt(1.0 + dz_ew[:, 0]) for x in (vu_q, vd_q))
    ht2_dr = (top_mass_drbar(p, {"q2": q2, "m_A2": ma2_q}, None) / vu_ew) ** 2
    hb2_s = (sm.mb_msbar(np.sqrt(np.maximum(qs2, sm.MT_POLE**2))) / vd_ew) ** 2
    ht2_s = (ht2_dr * (a_s / a_q) ** (8.0 / 7.0) / np.abs(_yukawa_factor(ht2_dr, a_q, a_s))
             * (1.0 + K16 * (hb2_s + lam_q**2 - 3.0 * g2sq_s - 13.0 / 9.0 * g1sq_s)
                * np.log(qs2 / q2)))
    higgs_soft = higgs_loops.soft_masses({
        "lam": lam_q, "kap": kap_q, "Alambda": al_q, "Akappa": ak_q, "g1sq": g1sq_q,
        "g2sq": g2sq_q, "vd": vd_q, "vu": vu_q, "s": mu_q / lam_q})
    couplings = {"yt": ht2_s, "yb": hb2_s, "ytau": (sm.MTAU / vd_ew) ** 2,
                 "lam": lam**2, "kap": kap**2, "g1": 5.0 / 3.0 * g1sq_s, "g2": g2sq_s,
                 "g3": 4.0 * math.pi * a_s, "At": p["At"], "Ab": p["Ab"], "Atau": p["Atau"],
                 "Al": p["Alambda"], "Ak": p["Akappa"], "M1": p["M1"], "M2": p["M2"],
                 "M3": p["M3"]}
    soft = {"Hu": higgs_soft["mHu2"], "Hd": higgs_soft["mHd2"], "S": higgs_soft["mS2"],
            **{k[1] + ("3" if k.endswith("3") else "1"): p[k] ** 2
               for k in ("MQ3", "MU3", "MD3", "ML3", "ME3", "MQ12", "MU12", "MD12", "ML12",
                         "ME12")}}
    out.update(soft_running.run_squark_soft_terms(couplings, soft, 0.5 * lq2))
    return out


def top_mass_drbar(p: dict[str, np.ndarray], run: dict[str, np.ndarray],
                   stops: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> np.ndarray:
    """DRbar MSSM m_t(Q_st) [GeV]: SM MSbar two-loop QCD running, the DRbar shift
    (1 - a/3 - 55/144 a^2, a = alpha_s/pi), the top-Yukawa running F^(-1/6), and the
    one-loop gluino-stop and higgsino-stop thresholds (PBMZ eq. (D.18)) with
    ``stops`` = (m_st1^2, m_st2^2, sin 2theta_t); ``stops=None``: without the MSSM
    thresholds."""
    q2 = run["q2"]
    a_q = sm.alpha_s_two_loop(np.sqrt(q2))
    a = a_q / math.pi
    mt = _sm_top_msbar(q2) * (1.0 - a / 3.0 - 55.0 / 144.0 * a * a)
    # top-Yukawa running, F of the module docstring with the SM MSbar alpha_s
    sb2 = p["tanb"] ** 2 / (1.0 + p["tanb"] ** 2)
    ma2 = np.clip(run["m_A2"], sm.MT_POLE**2, np.maximum(q2, sm.MT_POLE**2))
    a_t, a_a = sm.alpha_s_two_loop(mt), sm.alpha_s_two_loop(np.sqrt(ma2))
    ht2_t = (sm.MT_POLE / (1.0 + 4.0 * a_t / (3.0 * math.pi) + 10.9 * (a_t / math.pi) ** 2)
             / sm.V_HIGGS) ** 2 / sb2
    f1 = np.abs(_yukawa_factor(sb2 * ht2_t, a_t, a_a))
    f2 = np.abs(_yukawa_factor(ht2_t * (a_a / a_t) ** (8.0 / 7.0) / f1, a_a, a_q))
    mt = mt * (f1 * f2) ** (-1.0 / 6.0)
    if stops is None:
        return mt
    t1, t2, s2t = stops
    m1, m2 = np.sqrt(np.abs(t1)), np.sqrt(np.abs(t2))
    mg = p["M3"]
    mgl = np.abs(mg)
    sqcd = a_q / (3.0 * math.pi) * (
        b1(mt, mgl, m1, q2) + b1(mt, mgl, m2, q2)
        - s2t * mg / mt * (b0(mt, mgl, m1, q2) - b0(mt, mgl, m2, q2)))
    mu = np.abs(run["mueff"])
    higgsino = run["ht2"] * K16 / 2.0 * (b1(mt, mu, m1, q2) + b1(mt, mu, m2, q2))
    return mt * (1.0 + sqcd + higgsino + _higgs_threshold(p, run))


def _higgs_threshold(p: dict[str, np.ndarray], run: dict[str, np.ndarray]) -> np.ndarray:
    """Top self-energy from the Higgs doublets (PBMZ eq. (D.18), gaugeless limit):
    h_t^2/(32 pi^2) [s_b^2 (2 B1(m_t; m_t, 0) + B1(m_t; 0, 0))_{Q=m_t}
                      + c_b^2 (2 B1(m_t; m_t, M_A) + B1(m_t; 0, M_A))_{Q=M_A}],
    the light (SM-like and Goldstone) and heavy states at their own scales, whose
    logarithms the running factor F already resums."""
    mt = sm.MT_POLE
    sb2 = run["tanb"] ** 2 / (1.0 + run["tanb"] ** 2)
    ma = np.sqrt(np.maximum(run["m_A2"], sm.MZ**2))
    zero = np.full_like(ma, 1e-3)
    mtv = np.full_like(ma, mt)
    light = 2.0 * b1(mtv, mtv, zero, mt**2) + b1(mtv, zero, zero, mt**2)
    heavy = 2.0 * b1(mtv, mtv, ma, ma**2) + b1(mtv, zero, ma, ma**2)
    ht2 = (mt / sm.V_HIGGS) ** 2 / sb2
    return ht2 * K16 / 2.0 * (sb2 * light + (1.0 - sb2) * heavy)
