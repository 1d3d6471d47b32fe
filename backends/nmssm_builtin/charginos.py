"""Chargino masses and mixing at tree level.

X = [[M2, sqrt2 MW sin(beta)], [sqrt2 MW cos(beta), mueff]] in the SLHA basis
(W~+, H~u+) x (W~-, H~d-) (SLHA, hep-ph/0311123, eq. (16); the NMSSM only
replaces mu by mueff, arXiv:0910.1785 eq. (2.35)). Real U, V with U X V^T =
diag(m1, m2), 0 <= m1 <= m2 (singular value decomposition, done analytically).
"""

from __future__ import annotations

import numpy as np

from . import sm_inputs as sm
from .linalg import eig2


def mass_matrix(m2: np.ndarray, mueff: np.ndarray, tanb: np.ndarray) -> np.ndarray:
    """The (n, 2, 2) chargino mass matrix [GeV]."""
    beta = np.arctan(tanb)
    x = np.empty((np.shape(m2)[0], 2, 2))
    x[:, 0, 0] = m2
    x[:, 0, 1] = np.sqrt(2.0) * sm.MW * np.sin(beta)
    x[:, 1, 0] = np.sqrt(2.0) * sm.MW * np.cos(beta)
    x[:, 1, 1] = mueff
    return x


def charginos(m2: np.ndarray, mueff: np.ndarray, tanb: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masses (n, 2) [GeV], U (n, 2, 2), V (n, 2, 2)."""
    beta = np.arctan(tanb)
    a, b = np.sqrt(2.0) * sm.MW * np.sin(beta), np.sqrt(2.0) * sm.MW * np.cos(beta)
    # X = [[m2, a], [b, mueff]]; V diagonalises X^T X, U diagonalises X X^T
    l1, l2, v = eig2(m2**2 + b**2, a**2 + mueff**2, m2 * a + b * mueff)
    _, _, u = eig2(m2**2 + a**2, b**2 + mueff**2, m2 * b + a * mueff)
    # diagonal of U X V^T, to make the masses positive
    d1 = (u[:, 0, 0] * (m2 * v[:, 0, 0] + a * v[:, 0, 1])
          + u[:, 0, 1] * (b * v[:, 0, 0] + mueff * v[:, 0, 1]))
    d2 = (u[:, 1, 0] * (m2 * v[:, 1, 0] + a * v[:, 1, 1])
          + u[:, 1, 1] * (b * v[:, 1, 0] + mueff * v[:, 1, 1]))
    sign = np.where(np.stack([d1, d2], -1) < 0, -1.0, 1.0)
    u = u * sign[:, :, None]
    masses = np.sqrt(np.maximum(np.stack([l1, l2], -1), 0.0))
    return masses, u, v
