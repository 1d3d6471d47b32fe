"""Higgs-boson loops: the scalar part of the one-loop potential of the NMSSM Higgs sector.

The tree-level potential of the Z3 NMSSM (arXiv:0910.1785 eq. (2.9), SLHA2 signs,
H_u.H_d = H_u+ H_d- - H_u0 H_d0) in the complex fields z = (H_d0, H_u0, S, H_u+, H_d-),

    V0 = |lambda H_u.H_d + kappa S^2|^2 + |lambda S|^2 (|H_u|^2 + |H_d|^2)
         + (g^2 + g'^2)/8 (|H_u|^2 - |H_d|^2)^2 + g^2/2 |H_u^dagger H_d|^2
         + m_Hu^2 |H_u|^2 + m_Hd^2 |H_d|^2 + m_S^2 |S|^2
         + (lambda A_lambda H_u.H_d S + kappa A_kappa S^3/3 + h.c.),

with the soft masses fixed by its minimum at (v_d, v_u, s). Its field-dependent mass
matrix follows from A_ij = d^2V0/dz_i dz*_j and B_ij = d^2V0/dz_i dz_j (written out
below from the F-terms F_k: A = sum F_k,i F_k,j^*, B = sum F_k,ij F_k^*, plus the D-terms
and soft terms); for real background fields the CP-even block is A + B and the
CP-odd block A - B (neutral), and the charged pair (H_u+, H_d-^*) has the Hermitian
2x2 matrix [[A_++, B_+-], [B_+-^*, A_--]]. The Coleman-Weinberg potential

    V1 = 1/(64 pi^2) [sum_even F(m^2) + sum_odd F(m^2) + 2 sum_charged F(m^2)],
    F(m^2) = m^4 (ln((|m^2| + mu_IR^2)/Q^2) - 3/2),

is taken in the CP-even directions (``radiative`` differentiates it). The Goldstone
masses vanish at the vacuum, and the zero-momentum second derivatives of their
contribution diverge logarithmically; the physical self-energies have them at the
external momentum instead, B0(p^2; 0, 0) = 2 - ln(p^2/Q^2). The regulator mu_IR^2 =
e M_Z^2 makes F'' at m^2 -> 0 equal that of a massless pair at p^2 = M_Z^2 and leaves
massive states unchanged (to O(mu_IR^2/m^2)); it is the one approximation here.
"""

from __future__ import annotations

import math

import numpy as np

from .linalg import eigh3

#: infrared regulator of the zero-momentum Goldstone contributions [GeV^2] (docstring)
MU_IR_SQ = math.e * 91.187**2


def _blocks(hd: np.ndarray, hu: np.ndarray, s: np.ndarray, c: dict[str, np.ndarray]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At real neutral background fields (charged ones zero), without soft masses: the
    neutral A and B (..,3,3) in (H_d0, H_u0, S), the charged (A_++, A_--, B_+-) packed
    (..,3), and the gradient dV0/dz*_i (..,3) in the neutral directions."""
    lam, kap = c["lam"], c["kap"]
    la, ka = lam * c["Alambda"], kap * c["Akappa"]
    zero = np.zeros_like(hd)
    big_g, g2h = zero + c["g1sq"] + c["g2sq"], zero + 0.5 * c["g2sq"]
    # F_S, F_Hu0 = -lambda S Hd0, F_Hd0 = -lambda S Hu0 and their neutral gradients
    f0, f1, f2 = -lam * hu * hd + kap * s * s, -lam * s * hd, -lam * s * hu
    g = np.stack([np.stack([-lam * hu, -lam * hd, 2 * kap * s], -1),
                  np.stack([-lam * s, zero, -lam * hd], -1),
                  np.stack([zero, -lam * s, -lam * hu], -1)], -2)
    a = np.einsum("...ki,...kj->...ij", g, g)
    zq = np.stack([-hd, hu, zero], -1)
    d = hu * hu - hd * hd
    outer = (big_g / 4)[..., None, None] * zq[..., :, None] * zq[..., None, :]
    a = a + outer
    a[..., 0, 0] -= big_g / 4 * d
    a[..., 1, 1] += big_g / 4 * d
    b = outer.copy()
    for (i, j), val in (((0, 1), -lam * f0 - la * s), ((2, 2), 2 * kap * f0 + 2 * ka * s),
                        ((1, 2), -lam * f2 - la * hd), ((0, 2), -lam * f1 - la * hu)):
        b[..., i, j] += val
        if i != j:
            b[..., j, i] += val
    grad = (np.einsum("...k,...ki->...i", np.stack([f0, f1, f2], -1), g)
            + (big_g / 4 * d)[..., None] * zq
            + np.stack([-la * hu * s, -la * hd * s, -la * hu * hd + ka * s * s], -1))
    charged = np.stack([lam**2 * s * s + big_g / 4 * d + g2h * hd * hd,
                        lam**2 * s * s - big_g / 4 * d + g2h * hu * hu,
                        lam * f0 + g2h * hu * hd + la * s], -1)
    return a, b, charged, grad, d


def soft_masses(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """m_Hd^2, m_Hu^2, m_S^2 [GeV^2] (keys mHd2, mHu2, mS2) from the tree-level minimum
    at (v_d, v_u, s)."""
    z = (c["vd"], c["vu"], c["s"])
    grad = _blocks(*z, c)[3]
    return {k: -grad[..., i] / z[i] for i, k in enumerate(("mHd2", "mHu2", "mS2"))}


def mass_matrices(hd: np.ndarray, hu: np.ndarray, s: np.ndarray, c: dict[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tree-level CP-even (..,3,3) in (H_d, H_u, S), CP-odd (..,3,3) in (A_d, A_u, A_S) and
    charged (..,2,2) in (H_u+, H_d-^*) mass matrices [GeV^2] at real background fields."""
    a, b, ch, _, _ = _blocks(hd, hu, s, c)
    soft = np.stack([c["mHd2"], c["mHu2"], c["mS2"]], -1)
    a = a + soft[..., :, None] * np.eye(3)
    charged = np.stack([np.stack([ch[..., 0] + c["mHu2"], ch[..., 2]], -1),
                        np.stack([ch[..., 2], ch[..., 1] + c["mHd2"]], -1)], -2)
    return a + b, a - b, charged


def _f(m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """m^4 (ln((|m^2| + mu_IR^2)/Q^2) - 3/2)."""
    return m2 * m2 * (np.log((np.abs(m2) + MU_IR_SQ) / q2) - 1.5)


def potential(hd: np.ndarray, hu: np.ndarray, s: np.ndarray, c: dict[str, np.ndarray]
              ) -> np.ndarray:
    """V1 [GeV^4] of the Higgs bosons at real background fields (module docstring)."""
    even, odd, charged = mass_matrices(hd, hu, s, c)
    shape = even.shape[:-2]
    q2 = np.broadcast_to(c["q2"], shape)
    total = np.zeros(shape)
    for m in (even, odd):
        w, _ = eigh3(m.reshape(-1, 3, 3))
        total += np.sum(_f(w.reshape((*shape, 3)), q2[..., None]), -1)
    tr, det = charged[..., 0, 0] + charged[..., 1, 1], (charged[..., 0, 0] * charged[..., 1, 1]
                                                        - charged[..., 0, 1] ** 2)
    root = np.sqrt(np.maximum(0.25 * tr * tr - det, 0.0))
    for w in (0.5 * tr - root, 0.5 * tr + root):
        total += 2.0 * _f(w, q2)
    return total / (64.0 * math.pi**2)
