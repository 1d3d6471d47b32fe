"""Neutralino masses and mixing at tree level.

Mass matrix in the SLHA2 basis (B~, W~3, H~d, H~u, S~), Ellwanger, Hugonie,
Teixeira, arXiv:0910.1785, eq. (2.37) (signs of SLHA2, arXiv:0801.0045, sect. 3.3):

    [[M1, 0, -MZ sw cb, MZ sw sb, 0],
     [0, M2, MZ cw cb, -MZ cw sb, 0],
     [., ., 0, -mueff, -lambda v_u],
     [., ., ., 0, -lambda v_d],
     [., ., ., ., 2 kappa s]],   s = mueff/lambda, v ~ 174 GeV.

Diagonalised with a real orthogonal N (SLHA2 real convention): N M N^T =
diag(m_i), m_i signed, ordered by |m_i|. Radiative corrections are neglected.
"""

from __future__ import annotations

import numpy as np

from . import sm_inputs as sm
from .linalg import eigh_sorted, fix_row_signs


def mass_matrix(m1: np.ndarray, m2: np.ndarray, mueff: np.ndarray, lam: np.ndarray,
                kappa: np.ndarray, tanb: np.ndarray) -> np.ndarray:
    """The (n, 5, 5) neutralino mass matrix [GeV]."""
    n = np.shape(m1)[0]
    beta = np.arctan(tanb)
    cb, sb = np.cos(beta), np.sin(beta)
    sw, cw = np.sqrt(sm.SW2), np.sqrt(sm.CW2)
    vu, vd = sm.V_HIGGS * sb, sm.V_HIGGS * cb
    m = np.zeros((n, 5, 5))
    m[:, 0, 0] = m1
    m[:, 1, 1] = m2
    m[:, 0, 2] = -sm.MZ * sw * cb
    m[:, 0, 3] = sm.MZ * sw * sb
    m[:, 1, 2] = sm.MZ * cw * cb
    m[:, 1, 3] = -sm.MZ * cw * sb
    m[:, 2, 3] = -mueff
    m[:, 2, 4] = -lam * vu
    m[:, 3, 4] = -lam * vd
    m[:, 4, 4] = 2.0 * kappa * mueff / lam
    iu = np.triu_indices(5, 1)
    m[:, iu[1], iu[0]] = m[:, iu[0], iu[1]]
    return m


def neutralinos(m1: np.ndarray, m2: np.ndarray, mueff: np.ndarray, lam: np.ndarray,
                kappa: np.ndarray, tanb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed masses (n, 5) [GeV] ordered by |m| and the real mixing matrix N (n, 5, 5)."""
    w, z = eigh_sorted(mass_matrix(m1, m2, mueff, lam, kappa, tanb), key="abs")
    return w, fix_row_signs(z)
