"""NMSSM Higgs sector: tree-level mass matrices, diagonalisation, charged Higgs.

Z3-invariant NMSSM, W = lambda S Hu.Hd + kappa/3 S^3, soft terms lambda A_lambda
Hu.Hd S + kappa/3 A_kappa S^3; the soft masses are eliminated by the minimisation
conditions. Tree-level matrices from Ellwanger, Hugonie, Teixeira,
arXiv:0910.1785, eqs. (2.22) (CP-even), (2.24)-(2.25) (CP-odd, Goldstone
removed) and (2.26) (charged), written here in the SLHA2 order (H_d, H_u, S)
(arXiv:0801.0045, NMHMIX/NMAMIX), with v ~ 174 GeV, s = mueff/lambda,
B_eff = A_lambda + kappa s and g^2 = (g1^2 + g2^2)/2:

    M_dd = g^2 v_d^2 + mueff B_eff tan(beta)
    M_uu = g^2 v_u^2 + mueff B_eff / tan(beta)
    M_ss = lambda A_lambda v_u v_d / s + kappa s (A_kappa + 4 kappa s)
    M_du = (2 lambda^2 - g^2) v_u v_d - mueff B_eff
    M_ds = lambda (2 v_d mueff - (B_eff + kappa s) v_u)
    M_us = lambda (2 v_u mueff - (B_eff + kappa s) v_d)

CP-odd, basis (A = sin(beta) A_d + cos(beta) A_u, A_S):
    M_AA = 2 mueff B_eff / sin(2 beta) (= M_A^2),
    M_SS = lambda (B_eff + 3 kappa s) v_u v_d / s - 3 kappa A_kappa s,
    M_AS = lambda (A_lambda - 2 kappa s) v.
Charged: M_H+^2 = M_A^2 + v^2 (g2^2/2 - lambda^2) = M_A^2 + M_W^2 - lambda^2 v^2.
"""

from __future__ import annotations

import numpy as np

from . import sm_inputs as sm
from .linalg import eig2, eigh3, fix_row_signs


def tree_matrices(tanb: np.ndarray, lam: np.ndarray, kappa: np.ndarray, a_lambda: np.ndarray,
                  a_kappa: np.ndarray, mueff: np.ndarray, v: np.ndarray | float = sm.V_HIGGS,
                  g1sq: np.ndarray | float = sm.G1SQ, g2sq: np.ndarray | float = sm.G2SQ
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tree-level CP-even (n,3,3) in (H_d, H_u, S), CP-odd (n,3,3) in (G, A, A_S) with the
    Goldstone row/column zero, and the charged Higgs mass squared (n,) [GeV^2];
    ``v`` = sqrt(v_u^2 + v_d^2) [GeV] and the gauge couplings (defaults: from G_F,
    M_W, M_Z)."""
    n = np.shape(tanb)[0]
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    vu, vd = v * sb, v * cb
    s = mueff / lam
    beff = a_lambda + kappa * s
    gsq = 0.5 * (g1sq + g2sq)
    even = np.empty((n, 3, 3))
    even[:, 0, 0] = gsq * vd**2 + mueff * beff * tanb
    even[:, 1, 1] = gsq * vu**2 + mueff * beff / tanb
    even[:, 2, 2] = lam * a_lambda * vu * vd / s + kappa * s * (a_kappa + 4.0 * kappa * s)
    even[:, 0, 1] = even[:, 1, 0] = (2.0 * lam**2 - gsq) * vu * vd - mueff * beff
    even[:, 0, 2] = even[:, 2, 0] = lam * (2.0 * vd * mueff - (beff + kappa * s) * vu)
    even[:, 1, 2] = even[:, 2, 1] = lam * (2.0 * vu * mueff - (beff + kappa * s) * vd)
    odd = np.zeros((n, 3, 3))
    ma2 = 2.0 * mueff * beff / np.sin(2.0 * beta)
    odd[:, 1, 1] = ma2
    odd[:, 2, 2] = lam * (beff + 3.0 * kappa * s) * vu * vd / s - 3.0 * kappa * a_kappa * s
    odd[:, 1, 2] = odd[:, 2, 1] = lam * (a_lambda - 2.0 * kappa * s) * v
    mhc2 = ma2 + v**2 * (0.5 * g2sq - lam**2)
    return even, odd, mhc2


def odd_rotation(tanb: np.ndarray) -> np.ndarray:
    """(n,3,3) rows G, A, A_S in the basis (A_d, A_u, A_S): G = cos(b) A_d - sin(b) A_u,
    A = sin(b) A_d + cos(b) A_u (sign convention of NMSSMTools' NMAMIX)."""
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    r = np.zeros((np.shape(tanb)[0], 3, 3))
    r[:, 0, 0], r[:, 0, 1] = cb, -sb
    r[:, 1, 0], r[:, 1, 1] = sb, cb
    r[:, 2, 2] = 1.0
    return r


def diagonalise_even(even: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masses squared (n,3) ascending and S (n,3,3): h_i = S_ij (H_d, H_u, S)_j."""
    m2, s = eigh3(even)
    return m2, fix_row_signs(s)


def diagonalise_odd(odd_ga: np.ndarray, tanb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masses squared (n,2) ascending and P (n,2,3) (NMAMIX) from the CP-odd matrix in
    the (G, A, A_S) basis (only the (A, A_S) block is used)."""
    l1, l2, rot = eig2(odd_ga[:, 1, 1], odd_ga[:, 2, 2], odd_ga[:, 1, 2])
    beta = np.arctan(tanb)
    sb, cb = np.sin(beta), np.cos(beta)
    p = np.empty((tanb.shape[0], 2, 3))
    p[:, :, 0] = rot[:, :, 0] * sb[:, None]
    p[:, :, 1] = rot[:, :, 0] * cb[:, None]
    p[:, :, 2] = rot[:, :, 1]
    return np.stack([l1, l2], -1), fix_row_signs(p)


def signed_sqrt(m2: np.ndarray) -> np.ndarray:
    """sqrt(m^2) for m^2 >= 0, -sqrt(-m^2) for tachyons (flagged by the checks)."""
    return np.sign(m2) * np.sqrt(np.abs(m2))
