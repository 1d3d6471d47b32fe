"""Sfermion masses at tree level (soft masses, F- and D-terms, L-R mixing).

Third generation: 2x2 matrices in the (f~_L, f~_R) basis (SLHA STOPMIX ...
convention, arXiv:hep-ph/0311123: (f~_1, f~_2) = R (f~_L, f~_R), m1 < m2),
arXiv:0910.1785 sect. 2.2 with mu -> mueff:

    [[M_L^2 + m_f^2 + (T3 - Q sw^2) MZ^2 cos 2b, m_f X_f],
     [m_f X_f, M_R^2 + m_f^2 + Q sw^2 MZ^2 cos 2b]],
    X_t = A_t - mueff / tan b,  X_b = A_b - mueff tan b,  X_tau = A_tau - mueff tan b.

Quark masses are MSbar at the scale sqrt(MQ3 MU3) (QCD running only). First two
generations and smuons without L-R mixing; sneutrino M_L^2 + MZ^2 cos 2b / 2. With the
parameters at the stop scale (``run``), the slepton D-terms take the running couplings
there, (T3 g2^2 - Y g'^2) v^2 cos 2b / 2 with g2, g', v, tan b at Q_st (Y = Q - T3), as
NMSSMTools computes them: its sneutrino and L-slepton masses of the seed region, 0.6 GeV
apart from the on-shell MZ^2 form, agree with this to 0.01 GeV.
The gluino mass is |M3| (tree level; the one-loop correction, a few percent,
is neglected).

With the parameters at the stop scale (``run``, the spectrum with loops): the third-
generation squarks from the soft terms run there and their one-loop pole corrections,
the first two generations of squarks with their SUSY-QCD pole corrections
(``squark_masses``); the running stop and sbottom masses squared are kept
(``mst1_run_sq``, ...) for the tachyon check.
"""

from __future__ import annotations

import numpy as np

from . import running, squark_masses
from . import sm_inputs as sm
from .linalg import eig2


def d_term(t3: float, q: float, cos2b: np.ndarray) -> np.ndarray:
    """(T3 - Q sw^2) MZ^2 cos 2beta [GeV^2]."""
    return (t3 - q * sm.SW2) * sm.MZ**2 * cos2b


def running_d_term(t3: float, q: float, run: dict[str, np.ndarray], right: bool = False
                   ) -> np.ndarray:
    """D-term [GeV^2] with g2, g' (SM normalisation), v ~ 174 GeV and tan beta running at
    the stop scale (``run``): (T3 g2^2 - (Q - T3) g'^2) v^2 cos 2beta / 2 for a doublet
    member, Q g'^2 v^2 cos 2beta / 2 for an R sfermion of charge Q (``right``); with the
    on-shell MZ^2 = (g2^2 + g'^2) v^2 / 2 these are ``d_term`` and Q sw^2 MZ^2 cos 2beta."""
    tanb = run["tanb"]
    cos2b = (1.0 - tanb**2) / (1.0 + tanb**2)
    coupling = q * run["g1sq"] if right else t3 * run["g2sq"] - (q - t3) * run["g1sq"]
    return coupling * run["v"] ** 2 * cos2b / 2.0


def sfermion_pair(ml: np.ndarray, mr: np.ndarray, mf: np.ndarray, xf: np.ndarray,
                  t3: float, q: float, cos2b: np.ndarray,
                  d_terms: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masses squared (m1^2 <= m2^2) and mixing R (n,2,2) of one L-R sfermion pair
    (``d_terms``: the L and R D-terms [GeV^2], by default the on-shell ones)."""
    d_l, d_r = d_terms or (d_term(t3, q, cos2b), q * sm.SW2 * sm.MZ**2 * cos2b)
    return eig2(ml**2 + mf**2 + d_l, mr**2 + mf**2 + d_r, mf * xf)


def _slepton_d_terms(cos2b: np.ndarray, run: dict[str, np.ndarray] | None
                     ) -> dict[str, np.ndarray]:
    """D-terms [GeV^2] of the L charged slepton, the R one and the sneutrino: running at
    the stop scale with ``run``, on-shell without."""
    if run is None:
        return {"L": d_term(-0.5, -1.0, cos2b), "R": -sm.SW2 * sm.MZ**2 * cos2b,
                "nu": 0.5 * sm.MZ**2 * cos2b}
    return {"L": running_d_term(-0.5, -1.0, run), "R": running_d_term(0.0, -1.0, run, right=True),
            "nu": running_d_term(0.5, 0.0, run)}


def sfermions(p: dict[str, np.ndarray], run: dict[str, np.ndarray] | None = None
              ) -> dict[str, np.ndarray]:
    """All sfermion masses squared [GeV^2] (tachyons negative) and the 3rd-gen. mixings;
    with ``run`` (``running.run_to_stop_scale`` with the DRbar top mass under "mt") the
    squarks with their running and pole corrections (module docstring)."""
    tanb, mu = p["tanb"], p["mueff"]
    cos2b = (1.0 - tanb**2) / (1.0 + tanb**2)
    qscale = np.sqrt(np.abs(p["MQ3"] * p["MU3"]))
    mt = sm.mt_msbar(np.maximum(qscale, sm.MT_POLE))
    mb = sm.mb_msbar(np.maximum(qscale, sm.MT_POLE))
    out: dict[str, np.ndarray] = {}
    out["mst1_sq"], out["mst2_sq"], out["stop_mix"] = sfermion_pair(
        p["MQ3"], p["MU3"], mt, p["At"] - mu / tanb, 0.5, 2.0 / 3.0, cos2b)
    out["msb1_sq"], out["msb2_sq"], out["sbottom_mix"] = sfermion_pair(
        p["MQ3"], p["MD3"], mb, p["Ab"] - mu * tanb, -0.5, -1.0 / 3.0, cos2b)
    d = _slepton_d_terms(cos2b, run)
    out["mstau1_sq"], out["mstau2_sq"], out["stau_mix"] = sfermion_pair(
        p["ML3"], p["ME3"], np.full_like(tanb, sm.MTAU), p["Atau"] - mu * tanb, -0.5, -1.0,
        cos2b, (d["L"], d["R"]))
    out["msmuL_sq"] = p["ML12"] ** 2 + d["L"]
    out["msmuR_sq"] = p["ME12"] ** 2 + d["R"]
    out["msnumu_sq"] = p["ML12"] ** 2 + d["nu"]
    out["msnutau_sq"] = p["ML3"] ** 2 + d["nu"]
    out["msuL_sq"] = p["MQ12"] ** 2 + d_term(0.5, 2.0 / 3.0, cos2b)
    out["msuR_sq"] = p["MU12"] ** 2 + 2.0 / 3.0 * sm.SW2 * sm.MZ**2 * cos2b
    out["msdL_sq"] = p["MQ12"] ** 2 + d_term(-0.5, -1.0 / 3.0, cos2b)
    out["msdR_sq"] = p["MD12"] ** 2 - 1.0 / 3.0 * sm.SW2 * sm.MZ**2 * cos2b
    out["mgluino"] = np.abs(p["M3"])
    if run is not None:
        out.update(squark_masses.third_generation(p, run))
        qs2 = running.susy_scale_sq(p)
        a_s = running.alpha_s_6(np.maximum(qs2, sm.MT_POLE**2), p["M3"])
        for key in ("msuL_sq", "msuR_sq", "msdL_sq", "msdR_sq"):
            out[key] = out[key] + squark_masses.first_generation_shift(out[key], p["M3"],
                                                                        a_s, qs2)
    return out
