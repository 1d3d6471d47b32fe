"""Standard Model inputs (SLHA SMINPUTS) and quantities derived from them.

The values are those of the oracle sample (header of
``../shared/reference/oracle/random_A.csv``: NMSSMTools 5.6.0 with
alpha_s=0.1181, mb(mb)=4.18, mt=173.4, 1/alpha_em=127.92, MZ=91.187) and of
the NMSSMTools input card ``inp_minchi2.dat`` (G_F, m_tau). M_W = 80.42 GeV is
the W mass NMSSMTools 5.6.0 uses (the oracle's ``mW`` column). Conventions:
SLHA2, arXiv:0801.0045; the Higgs vacuum expectation value is normalised as in
Ellwanger, Hugonie, Teixeira, arXiv:0910.1785: v = sqrt(v_u^2 + v_d^2) ~ 174 GeV.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

#: 1/alpha_em(M_Z), MSbar (SMINPUTS 1)
ALPHA_EM_INV_MZ = 127.92
#: Fermi constant [GeV^-2] (SMINPUTS 2)
G_F = 1.1663787e-5
#: alpha_s(M_Z), MSbar (SMINPUTS 3)
ALPHA_S_MZ = 0.1181
#: Z pole mass [GeV] (SMINPUTS 4)
MZ = 91.187
#: bottom MSbar mass m_b(m_b) [GeV] (SMINPUTS 5)
MB_MB = 4.18
#: top pole mass [GeV] (SMINPUTS 6)
MT_POLE = 173.4
#: tau pole mass [GeV] (SMINPUTS 7)
MTAU = 1.777
#: W mass [GeV] used by NMSSMTools 5.6.0 (oracle column mW)
MW = 80.42

#: Higgs vev v = (2 sqrt2 G_F)^(-1/2) ~ 174.1 GeV (v_u^2 + v_d^2 = v^2)
V_HIGGS = (2.0 * math.sqrt(2.0) * G_F) ** -0.5
#: on-shell weak mixing angle sin^2 theta_W = 1 - M_W^2/M_Z^2
SW2 = 1.0 - MW**2 / MZ**2
CW2 = 1.0 - SW2
#: SU(2) and U(1)_Y gauge couplings squared from M_W^2 = g2^2 v^2/2, M_Z^2 = (g1^2+g2^2) v^2/2
G2SQ = 2.0 * MW**2 / V_HIGGS**2
G1SQ = 2.0 * (MZ**2 - MW**2) / V_HIGGS**2


def alpha_s(q: float | np.ndarray, nf: int = 6) -> float | np.ndarray:
    """alpha_s at scale q [GeV]: one-loop running from alpha_s(M_Z) (5 flavours up to
    m_t, 6 above), continuous at m_t."""
    q = np.asarray(q, dtype=float)
    b5 = (33.0 - 2 * 5) / (12 * math.pi)
    b6 = (33.0 - 2 * 6) / (12 * math.pi)
    a_mt = ALPHA_S_MZ / (1.0 + ALPHA_S_MZ * b5 * math.log(MT_POLE**2 / MZ**2))
    low = ALPHA_S_MZ / (1.0 + ALPHA_S_MZ * b5 * np.log(q**2 / MZ**2))
    high = a_mt / (1.0 + a_mt * b6 * np.log(q**2 / MT_POLE**2))
    return np.where(q < MT_POLE, low, high) if nf == 6 else low


def alpha_s_two_loop(q: float | np.ndarray) -> np.ndarray:
    """MSbar alpha_s(q) at two loops from alpha_s(M_Z): 5 flavours up to M_t, 6 above,
    with the standard approximate solution a = a0/w (1 - b1/b0 a0/(4 pi w) ln w),
    w = 1 - b0 a0/(2 pi) ln(q0/q), b0 = 11 - 2 nf/3, b1 = 102 - 38 nf/3 (PDG QCD review)."""
    q = np.asarray(q, dtype=float)

    def step(a0: float | np.ndarray, q0: float, q1: np.ndarray, nf: int) -> np.ndarray:
        b0, b1 = 11.0 - 2.0 * nf / 3.0, 102.0 - 38.0 * nf / 3.0
        w = 1.0 - b0 * a0 / (2.0 * math.pi) * np.log(q0 / q1)
        return a0 / w * (1.0 - b1 / b0 * a0 / (4.0 * math.pi * w) * np.log(w))

    a_mt = float(step(ALPHA_S_MZ, MZ, np.array(MT_POLE), 5))
    return np.where(q <= MT_POLE, step(ALPHA_S_MZ, MZ, q, 5), step(a_mt, MT_POLE, q, 6))


@cache
def alpha_s_at(q: float) -> float:
    """alpha_s (one loop, 6 flavours above m_t) at a fixed scale q [GeV], computed once."""
    return float(alpha_s(q))


@cache
def mt_msbar_at_mt() -> float:
    """MSbar top mass m_t(m_t) [GeV] from the pole mass, two-loop QCD relation
    m_t = M_t / (1 + 4/3 a + 10.9 a^2), a = alpha_s(m_t)/pi (Gray, Broadhurst et al.,
    Z. Phys. C48 (1990) 673)."""
    a = alpha_s_at(MT_POLE) / math.pi
    return MT_POLE / (1.0 + 4.0 / 3.0 * a + 10.9 * a * a)


def mt_msbar(q: float | np.ndarray) -> np.ndarray:
    """MSbar m_t(q) [GeV], one-loop QCD running with 6 flavours from m_t(m_t):
    m(q) = m(m_t) (alpha_s(q)/alpha_s(m_t))^(4/7)."""
    q = np.asarray(q, dtype=float)
    return mt_msbar_at_mt() * (alpha_s(q) / alpha_s_at(MT_POLE)) ** (4.0 / 7.0)


def mb_msbar(q: float | np.ndarray) -> np.ndarray:
    """MSbar m_b(q) [GeV], one-loop QCD running from m_b(m_b) (5 flavours up to m_t,
    6 above; exponents 12/23 and 4/7)."""
    q = np.asarray(q, dtype=float)
    a_mt, a_mb = alpha_s_at(MT_POLE), alpha_s_at(MB_MB)
    mb_mt = MB_MB * (a_mt / a_mb) ** (12.0 / 23.0)
    a_q = alpha_s(q)
    return np.where(q < MT_POLE, MB_MB * (a_q / a_mb) ** (12.0 / 23.0),
                    mb_mt * (a_q / a_mt) ** (4.0 / 7.0))


def sminputs() -> dict[int, float]:
    """The SLHA SMINPUTS block (index: value)."""
    return {1: ALPHA_EM_INV_MZ, 2: G_F, 3: ALPHA_S_MZ, 4: MZ, 5: MB_MB, 6: MT_POLE, 7: MTAU}
