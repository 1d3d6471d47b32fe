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

is differentiated in the CP-even directions analytically (``curvature``). The Goldstone
masses vanish at the vacuum, and the zero-momentum second derivatives of their
contribution diverge logarithmically; the physical self-energies have them at the
external momentum instead, B0(p^2; 0, 0) = 2 - ln(p^2/Q^2). The regulator mu_IR^2 =
e M_Z^2 makes F'' at m^2 -> 0 equal that of a massless pair at p^2 = M_Z^2 and leaves
massive states unchanged (to O(mu_IR^2/m^2)); it is the one approximation here.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .linalg import eig2, eigh3

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


def _f_derivatives(m2: np.ndarray, q2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivatives of ``_f`` in m^2: with a = |m^2| + mu_IR^2,
    F' = 2 m^2 (ln(a/Q^2) - 3/2) + m^2 |m^2|/a, F'' = 2 ln(a/Q^2) - 3 + 4 |m^2|/a - m^4/a^2."""
    a = np.abs(m2) + MU_IR_SQ
    log = np.log(a / q2)
    r = np.abs(m2) / a
    return 2.0 * m2 * (log - 1.5) + m2 * r, 2.0 * log - 3.0 + 4.0 * r - r * r


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


#: the coupling products in which the second derivatives of the mass matrices are linear
COUPLINGS = ("lam2", "lamkap", "kap2", "gsum", "g2sq")
#: Gamma_a[k, i] = d^2 F_k/dz_a dz_i per unit lambda and kappa (F = (F_S, F_Hu, F_Hd)):
#: the F-term gradients G = sum_a z_a Gamma_a are linear in the fields
_GAMMA_LAM = np.zeros((3, 3, 3))
_GAMMA_LAM[0, 0, 1] = _GAMMA_LAM[0, 1, 2] = -1.0                   # d/dH_d
_GAMMA_LAM[1, 0, 0] = _GAMMA_LAM[1, 2, 2] = -1.0                   # d/dH_u
_GAMMA_LAM[2, 1, 0] = _GAMMA_LAM[2, 2, 1] = -1.0                   # d/dS
_GAMMA_KAP = np.zeros((3, 3, 3))
_GAMMA_KAP[2, 0, 2] = 2.0
#: P = diag(-1, 1, 0): P z = (-H_d, H_u, 0), z^T P z = H_u^2 - H_d^2 (the D-terms)
_P = np.diag([-1.0, 1.0, 0.0])


def _derivatives_at(hd, hu, s, c):
    """First derivatives dM/dz_a (n,3,k,k) of the CP-even, CP-odd (k = 3) and charged
    (k = 2) mass matrices in the real fields z = (H_d0, H_u0, S) [GeV], from ``_blocks``'
    structure: A = G^T G + G_D/4 [(P z)(P z)^T + (z^T P z) P] with the F-term gradients
    G = sum_a z_a Gamma_a, B = G_D/4 (P z)(P z)^T + E (F-term and soft trilinear entries),
    CP-even A + B, CP-odd A - B; G_D = g^2 + g'^2."""
    lam, kap = c["lam"], c["kap"]
    la, ka = lam * c["Alambda"], kap * c["Akappa"]
    n = hd.shape[0]
    zero = np.zeros(n)
    big_g = np.broadcast_to(c["g1sq"] + c["g2sq"], (n,))
    g2h = np.broadcast_to(0.5 * c["g2sq"], (n,))
    gam = (lam[:, None, None, None] * _GAMMA_LAM + kap[:, None, None, None] * _GAMMA_KAP)
    g = np.einsum("nakl,na->nkl", gam, np.stack([hd, hu, s], -1))
    d_gg = gam.swapaxes(-1, -2) @ g[:, None]
    d_gg = d_gg + d_gg.swapaxes(-1, -2)
    pz = np.stack([-hd, hu, zero], -1)
    quarter = (big_g / 4)[:, None, None, None]
    d_out = _P[None, :, :, None] * pz[:, None, None, :]             # (P e_a)(P z)^T
    d_out = d_out + d_out.swapaxes(-1, -2)
    d_common = d_gg + quarter * 2.0 * pz[:, :, None, None] * _P   # + G_D/4 d(z^T P z) P
    d_e = np.zeros((n, 3, 3, 3))
    for (i, j), grad in {(0, 1): (lam**2 * hu, lam**2 * hd, -2 * lam * kap * s - la),
                         (2, 2): (-2 * kap * lam * hu, -2 * kap * lam * hd,
                                  4 * kap**2 * s + 2 * ka),
                         (1, 2): (-la + zero, lam**2 * s, lam**2 * hu),
                         (0, 2): (lam**2 * s, -la + zero, lam**2 * hd)}.items():
        for a in range(3):
            d_e[:, a, i, j] = d_e[:, a, j, i] = grad[a]
    d_even = d_common + 2.0 * quarter * d_out + d_e
    d_odd = d_common - d_e
    half_g, mix = 0.5 * big_g, g2h - lam**2
    d_ch = np.zeros((n, 3, 2, 2))
    d_ch[:, :, 0, 0] = np.stack([(2 * g2h - half_g) * hd, half_g * hu, 2 * lam**2 * s], -1)
    d_ch[:, :, 1, 1] = np.stack([half_g * hd, (2 * g2h - half_g) * hu, 2 * lam**2 * s], -1)
    d_ch[:, :, 0, 1] = d_ch[:, :, 1, 0] = np.stack([mix * hu, mix * hd,
                                                     2 * lam * kap * s + la], -1)
    return d_even, d_odd, d_ch


def _second_derivatives(lam: float, kap: float, big_g: float, g2sq: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """d^2M/dz_a dz_b (3,3,k,k) of the CP-even, CP-odd and charged matrices for scalar
    couplings (constant in the fields: every entry is quadratic in z)."""
    gam = lam * _GAMMA_LAM + kap * _GAMMA_KAP
    gg = np.einsum("aki,bkj->abij", gam, gam)
    gg = gg + gg.swapaxes(-1, -2)
    out = np.einsum("ai,bj->abij", _P, _P)
    out = out + out.swapaxes(-1, -2)
    common = gg + big_g / 4 * 2.0 * _P[:, :, None, None] * _P
    e = np.zeros((3, 3, 3, 3))
    for (i, j), second in {(0, 1): {(0, 1): lam**2, (2, 2): -2 * lam * kap},
                           (2, 2): {(0, 1): -2 * kap * lam, (2, 2): 4 * kap**2},
                           (1, 2): {(1, 2): lam**2}, (0, 2): {(0, 2): lam**2}}.items():
        for (a, b), val in second.items():
            e[a, b, i, j] = e[a, b, j, i] = e[b, a, i, j] = e[b, a, j, i] = val
    half_g, mix = 0.5 * big_g, 0.5 * g2sq - lam**2
    ch = np.zeros((3, 3, 2, 2))
    ch[0, 0, 0, 0] = ch[1, 1, 1, 1] = g2sq - half_g
    ch[1, 1, 0, 0] = ch[0, 0, 1, 1] = half_g
    ch[2, 2, 0, 0] = ch[2, 2, 1, 1] = 2 * lam**2
    ch[0, 1, 0, 1] = ch[0, 1, 1, 0] = ch[1, 0, 0, 1] = ch[1, 0, 1, 0] = mix
    ch[2, 2, 0, 1] = ch[2, 2, 1, 0] = 2 * lam * kap
    return common + big_g / 2 * out + e, common - e, ch


@functools.lru_cache(maxsize=1)
def _second_derivative_basis() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The second derivatives as linear maps of the coupling products ``COUPLINGS``:
    (5, 9, k*k) for the CP-even, CP-odd and charged matrices, from ``_second_derivatives``
    at unit couplings."""
    unit = {"lam2": (1, 0, 0, 0), "kap2": (0, 1, 0, 0), "gsum": (0, 0, 1, 0),
            "g2sq": (0, 0, 0, 1)}
    basis = {k: _second_derivatives(*v) for k, v in unit.items()}
    both = _second_derivatives(1, 1, 0, 0)
    basis["lamkap"] = tuple(b - x - y for b, x, y in zip(both, basis["lam2"], basis["kap2"],
                                                          strict=True))
    return tuple(np.stack([basis[k][m].reshape(9, -1) for k in COUPLINGS])
                 for m in range(3))


def curvature(c: dict[str, np.ndarray]) -> np.ndarray:
    """The Higgs-boson loop correction (n,3,3) [GeV^2] to the CP-even mass matrix in
    (H_d, H_u, S): the second derivatives of V1 in the fields h_a (z_a = v_a + h_a/sqrt2)
    minus the tadpole terms (1/(sqrt2 v_a)) dV1/dh_a, analytic. With the eigenvalues l_i
    and the rotation Z of each mass matrix M (Z M Z^T = diag(l)),

        d_a sum F = sum_i F'(l_i) (Z d_a M Z^T)_ii = <d_a M, F'(M)>,
        d_a d_b sum F = <d_a d_b M, F'(M)> + sum_ij D_ij (Z d_a M Z^T)_ij (Z d_b M Z^T)_ij,

    F'(M) = Z^T diag(F'(l)) Z, <X, Y> = sum_kl X_kl Y_kl, D_ij = (F'(l_i) - F'(l_j))/(l_i -
    l_j) (F'' for close eigenvalues). The mass matrices are quadratic in the fields: their
    first derivatives are linear in them (``_derivatives_at``), the second constant."""
    q2 = c["q2"]
    hd, hu, s = c["vd"], c["vu"], c["s"]
    n = hd.shape[0]
    lam, kap = c["lam"], c["kap"]
    couplings = np.stack(np.broadcast_arrays(lam * lam, lam * kap, kap * kap,
                                             c["g1sq"] + c["g2sq"], c["g2sq"] + 0.0 * lam), -1)
    grad = np.zeros((n, 3))
    hess = np.zeros((n, 3, 3))
    mats = mass_matrices(hd, hu, s, c)
    firsts = _derivatives_at(hd, hu, s, c)
    for m, dm, basis, weight in zip(mats, firsts, _second_derivative_basis(), (1.0, 1.0, 2.0),
                                    strict=True):
        k = m.shape[-1]
        if k == 3:
            w, z = eigh3(m)
        else:
            lo, hi, z = eig2(m[:, 0, 0], m[:, 1, 1], m[:, 0, 1])
            w = np.stack([lo, hi], -1)
        f1, f2 = _f_derivatives(w, q2[:, None])
        gap = w[:, :, None] - w[:, None, :]
        close = np.abs(gap) <= 1e-9 * (np.abs(w[:, :, None]) + np.abs(w[:, None, :]) + 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            div = np.where(close, 0.5 * (f2[:, :, None] + f2[:, None, :]),
                           (f1[:, :, None] - f1[:, None, :]) / gap)
        f_prime = (z.swapaxes(-1, -2) * f1[:, None, :]) @ z                    # F'(M)
        flat = f_prime.reshape(n, k * k)
        grad += weight * (dm.reshape(n, 3, k * k) @ flat[:, :, None])[..., 0]
        table = (flat @ basis.reshape(-1, k * k).T).reshape(n, len(COUPLINGS), 9)
        second = np.einsum("nc,nca->na", couplings, table).reshape(n, 3, 3)
        rot = (z[:, None] @ dm @ z.swapaxes(-1, -2)[:, None]).reshape(n, 3, k * k)
        pair = (rot * div.reshape(n, 1, k * k)) @ rot.swapaxes(-1, -2)
        hess += weight * (second + pair)
    vev = np.stack([hd, hu, s], -1)
    out = 0.5 * hess - (grad / (2.0 * vev))[:, :, None] * np.eye(3)
    return out / (64.0 * math.pi**2)
