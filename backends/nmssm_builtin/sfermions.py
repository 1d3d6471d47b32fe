"""Sfermion masses at tree level (soft masses, F- and D-terms, L-R mixing).

Third generation: 2x2 matrices in the (f~_L, f~_R) basis (SLHA STOPMIX ...
convention, arXiv:hep-ph/0311123: (f~_1, f~_2) = R (f~_L, f~_R), m1 < m2),
arXiv:0910.1785 sect. 2.2 with mu -> mueff:

    [[M_L^2 + m_f^2 + (T3 - Q sw^2) MZ^2 cos 2b, m_f X_f],
     [m_f X_f, M_R^2 + m_f^2 + Q sw^2 MZ^2 cos 2b]],
    X_t = A_t - mueff / tan b,  X_b = A_b - mueff tan b,  X_tau = A_tau - mueff tan b.

Quark masses are MSbar at the scale sqrt(MQ3 MU3) (QCD running only). First two
generations and smuons without L-R mixing; sneutrino M_L^2 + MZ^2 cos 2b / 2.
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


def sfermion_pair(ml: np.ndarray, mr: np.ndarray, mf: np.ndarray, xf: np.ndarray,
                  t3: float, q: float, cos2b: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masses squared (m1^2 <= m2^2) and mixing R (n,2,2) of one L-R sfermion pair."""
    a = ml**2 + mf**2 + d_term(t3, q, cos2b)
    b = mr**2 + mf**2 + q * sm.SW2 * sm.MZ**2 * cos2b
    return eig2(a, b, mf * xf)


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
    out["mstau1_sq"], out["mstau2_sq"], out["stau_mix"] = sfermion_pair(
        p["ML3"], p["ME3"], np.full_like(tanb, sm.MTAU), p["Atau"] - mu * tanb, -0.5, -1.0,
        cos2b)
    out["msmuL_sq"] = p["ML12"] ** 2 + d_term(-0.5, -1.0, cos2b)
    out["msmuR_sq"] = p["ME12"] ** 2 - sm.SW2 * sm.MZ**2 * cos2b
    out["msnumu_sq"] = p["ML12"] ** 2 + 0.5 * sm.MZ**2 * cos2b
    out["msnutau_sq"] = p["ML3"] ** 2 + 0.5 * sm.MZ**2 * cos2b
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
