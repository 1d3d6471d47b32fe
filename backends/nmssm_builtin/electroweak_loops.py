"""Chargino and neutralino loop corrections to the NMSSM Higgs mass matrices.

The fermion part of the one-loop Coleman-Weinberg potential (DRbar),

    V1 = -1/(64 pi^2) [2 sum_neutralinos F(m_i^2) + 4 sum_charginos F(m_i^2)],
    F(x) = x^2 (ln(x/Q^2) - 3/2),

with the field-dependent neutralino and chargino mass matrices of the neutral doublet
fields H_d0 = v_d + (h_d + i a_d)/sqrt2, H_u0 = v_u + (h_u + i a_u)/sqrt2
(arXiv:0910.1785 eqs. (2.34)-(2.37)): superpotential entries (lambda H_u, lambda H_d)
are holomorphic in the fields, gaugino-higgsino entries (sqrt2 g H^* T^a)
anti-holomorphic. Its second derivatives at the vacuum, minus the tadpole terms
absorbed by the soft masses (as for the stops in ``radiative``), correct the doublet
CP-even and CP-odd mass matrices in all directions, the singlet ones included
(through lambda S in the higgsino and 2 kappa S in the singlino masses): the
singlino and higgsino loops in the singlet directions are largely cancelled by the
loops of the Higgs bosons themselves (``higgs_loops``), and only both together
follow NMSSMTools 5.6.0 in the singlet sector.

The derivatives are analytic (no finite differences): M(phi) = M0 + sum_a phi_a dM_a is
linear in the fields, with dM_a real (CP-even) or i times real (CP-odd), so that with
the masses squared l_i and eigenvectors U of H = M^dagger M (real at the vacuum),

    d_a sum F = sum_i F'(l_i) (U^T d_a H U)_ii,
    d_a d_b sum F = sum_i F'(l_i) (U^T d_a d_b H U)_ii
                   + sum_ij D_ij (U^T d_a H U)_ij (U^T d_b H U)_ji,

with D_ij = (F'(l_i) - F'(l_j))/(l_i - l_j) (F''(l_i) for i = j), F'(x) =
2x (ln(x/Q^2) - 1), F''(x) = 2 ln(x/Q^2). For the CP-odd directions d_a H is i times
a real antisymmetric matrix; everything is computed in real arithmetic. Gauge
invariance of V1 keeps the Goldstone boson massless; the tests check it and the
derivatives against finite differences of V1.

Scale: the loops are evaluated at the stop scale Q_st with the parameters run there
(``running``), the scale of the soft terms they correct (A_lambda, mueff): the
heavy-doublet masses then follow NMSSMTools 5.6.0 to 1-2% (at a low scale Q_EW =
|M2 mueff|^(1/2) with A_lambda from Q_st they came out 5-20% heavy). The gauge
couplings are those at Q_st (``p["g1sq"]``, ``p["g2sq"]`` when given).
"""

from __future__ import annotations

import math

import numpy as np

from . import sm_inputs as sm
from .linalg import eig2

#: weights of the fermion traces: -2 per Majorana, -4 per Dirac fermion
NEUTRALINO_WEIGHT = -2.0
CHARGINO_WEIGHT = -4.0
#: floor on masses squared [GeV^2] in the logarithms (massless states contribute 0)
FLOOR = 1e-6
R2 = math.sqrt(0.5)


def _vacuum(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(v_d, v_u, s) [GeV]; v = sqrt(v_u^2 + v_d^2) from ``p["v"]`` if given, else G_F."""
    beta = np.arctan(p["tanb"])
    v = p.get("v", sm.V_HIGGS)
    return v * np.cos(beta), v * np.sin(beta), p["mueff"] / p["lambda_"]


def neutralino_matrices(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mass matrix (n,5,5) in (B~, W~3, H~d, H~u, S~) at the vacuum and its derivatives
    (n,6,5,5) along (h_d, h_u, h_s, a_d, a_u, a_s); the CP-odd ones are i times the
    stored matrix."""
    vd, vu, s = _vacuum(p)
    g1, g2 = np.sqrt(p.get("g1sq", sm.G1SQ)), np.sqrt(p.get("g2sq", sm.G2SQ))
    lam = p["lambda_"]
    m = np.zeros((vd.shape[0], 5, 5))
    m[:, 0, 0], m[:, 1, 1] = p["M1"], p["M2"]
    m[:, 0, 2], m[:, 0, 3] = -g1 * vd * R2, g1 * vu * R2
    m[:, 1, 2], m[:, 1, 3] = g2 * vd * R2, -g2 * vu * R2
    m[:, 2, 3], m[:, 2, 4], m[:, 3, 4] = -lam * s, -lam * vu, -lam * vd
    m[:, 4, 4] = 2.0 * p["kappa"] * s
    d = np.zeros((vd.shape[0], 6, 5, 5))
    # dH0/dh = 1/sqrt2, dH0/da = i/sqrt2; anti-holomorphic (gauge) entries take -i
    for direction, sign in ((0, 1.0), (3, -1.0)):               # h_d, a_d
        d[:, direction, 0, 2] = -g1 * 0.5 * sign
        d[:, direction, 1, 2] = g2 * 0.5 * sign
        d[:, direction, 3, 4] = -lam * R2
    for direction, sign in ((1, 1.0), (4, -1.0)):               # h_u, a_u
        d[:, direction, 0, 3] = g1 * 0.5 * sign
        d[:, direction, 1, 3] = -g2 * 0.5 * sign
        d[:, direction, 2, 4] = -lam * R2
    for direction in (2, 5):                                    # h_s, a_s (holomorphic)
        d[:, direction, 2, 3] = -lam * R2
        d[:, direction, 4, 4] = 2.0 * p["kappa"] * R2
    iu = np.triu_indices(5, 1)
    m[:, iu[1], iu[0]] = m[:, iu[0], iu[1]]
    d[:, :, iu[1], iu[0]] = d[:, :, iu[0], iu[1]]
    return m, d


def chargino_matrices(p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """X (n,2,2) in (W~+, H~u+) x (W~-, H~d-) and its derivatives (n,6,2,2) along
    (h_d, h_u, h_s, a_d, a_u, a_s), stored as for the neutralinos."""
    vd, vu, s = _vacuum(p)
    g2 = np.sqrt(p.get("g2sq", sm.G2SQ))
    x = np.empty((vd.shape[0], 2, 2))
    x[:, 0, 0], x[:, 0, 1] = p["M2"], g2 * vu
    x[:, 1, 0], x[:, 1, 1] = g2 * vd, p["lambda_"] * s
    d = np.zeros((vd.shape[0], 6, 2, 2))
    d[:, 0, 1, 0], d[:, 3, 1, 0] = g2 * R2, -g2 * R2            # H_d0^*
    d[:, 1, 0, 1], d[:, 4, 0, 1] = g2 * R2, -g2 * R2            # H_u0^*
    d[:, 2, 1, 1] = d[:, 5, 1, 1] = p["lambda_"] * R2           # S
    return x, d


def potential(p: dict[str, np.ndarray], fields: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """V1 [GeV^4] of the electroweakinos at fields (n,6) = (h_d, h_u, h_s, a_d, a_u, a_s)
    around the vacuum, by diagonalisation (the derivatives below are analytic)."""
    phase = np.array([1.0, 1.0, 1.0, 1j, 1j, 1j])
    total = np.zeros(fields.shape[0])
    for (m, dm), weight in ((neutralino_matrices(p), NEUTRALINO_WEIGHT),
                            (chargino_matrices(p), CHARGINO_WEIGHT)):
        mf = m + np.einsum("na,naij->nij", fields * phase, dm)
        lam = np.maximum(np.linalg.eigvalsh(np.einsum("nji,njk->nik", mf.conj(), mf)), FLOOR)
        total += weight * np.sum(lam**2 * (np.log(lam / q2[:, None]) - 1.5), axis=-1)
    return total / (64.0 * math.pi**2)


def _derivative_weights(lam: np.ndarray, q2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F'(l_i) (n,k) and the divided differences D_ij = (F'(l_i) - F'(l_j))/(l_i - l_j)
    (n,k,k), F''(l) = 2 ln(l/Q^2) at (nearly) equal eigenvalues."""
    log = np.log(lam / q2[:, None])
    f1 = 2.0 * lam * (log - 1.0)
    gap = lam[:, :, None] - lam[:, None, :]
    close = np.abs(gap) <= 1e-9 * (lam[:, :, None] + lam[:, None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        div = (f1[:, :, None] - f1[:, None, :]) / gap
    mean_log = np.log(0.5 * (lam[:, :, None] + lam[:, None, :]) / q2[:, None, None])
    return f1, np.where(close, 2.0 * mean_log, div)


def trace_derivatives(m: np.ndarray, dm: np.ndarray, q2: np.ndarray, symmetric: bool = False
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of sum_i F(m_i^2) for M = m + sum_a phi_a dm_a (CP-even a = 0, 1, 2) + i phi_a dm_a
    (CP-odd a = 3, 4, 5): gradient (n,3) [GeV^3] along (h_d, h_u, h_s) and Hessians
    (n,3,3) [GeV^2] of the CP-even and of the CP-odd directions (CP forbids mixed
    terms).

    With the singular-value decomposition m = L diag(s) R^T (R the eigenvectors of
    H = m^T m, eigenvalues l = s^2) and D_a = L^T dm_a R: R^T d_a H R = diag(s) D_a +
    D_a^T diag(s) (CP-even), i (diag(s) D_a - D_a^T diag(s)) (CP-odd), and
    R^T dm_a^T dm_b R = D_a^T D_b, so that (module docstring)

        d_a d_b sum F = 2 sum_ik F'(l_i) D_a,ki D_b,ki + sum_ij D_ij S_a,ij S_b,ij,

    S_a,ij = s_i D_a,ij +- s_j D_a,ji. ``symmetric``: m is symmetric (neutralinos), with
    eigenvalues mu_i and eigenvectors R; then D_a,ij = sign(mu_i) E_a,ij with the symmetric
    E_a = R^T dm_a R, S_a,ij = (mu_i +- mu_j) E_a,ij, and both terms combine into
    sum_ij [F'(l_i) + F'(l_j) + D_ij (mu_i +- mu_j)^2] E_a,ij E_b,ij."""
    n, k = m.shape[0], m.shape[-1]
    if symmetric:
        mu, r = np.linalg.eigh(m)
        lam = np.maximum(mu * mu, FLOOR)
        f1, div = _derivative_weights(lam, q2)
        e = (np.swapaxes(dm.reshape(n, 6 * k, k) @ r, 1, 2).reshape(n, k * 6, k) @ r
             ).reshape(n, k, 6, k).transpose(0, 2, 3, 1)           # E_a = R^T dm_a R (n,6,k,k)
        grad = 2.0 * np.einsum("naii->nai", e[:, :3]) @ (mu * f1)[:, :, None]
        common = f1[:, :, None] + f1[:, None, :]
        flat = e.reshape(n, 6, k * k)
        hessians = []
        for block, sign in ((slice(0, 3), 1.0), (slice(3, 6), -1.0)):
            weight = common + div * (mu[:, :, None] + sign * mu[:, None, :]) ** 2
            part = flat[:, block]
            hessians.append(np.matmul(part * weight.reshape(n, 1, k * k),
                                      part.swapaxes(-1, -2)))
        return grad[..., 0], hessians[0], hessians[1]
    mtm = np.matmul(m.swapaxes(-1, -2), m)                   # 2x2 (charginos)
    lo, hi, rows = eig2(mtm[:, 0, 0], mtm[:, 1, 1], mtm[:, 0, 1])
    lam, r = np.stack([lo, hi], -1), rows.swapaxes(-1, -2)
    s = np.sqrt(np.maximum(lam, 0.0))
    left = np.matmul(m, r) / np.maximum(s, 1e-300)[:, None, :]
    f1, div = _derivative_weights(np.maximum(lam, FLOOR), q2)
    d = np.matmul(left.swapaxes(-1, -2)[:, None], np.matmul(dm, r[:, None]))   # (n,6,k,k)
    sd = s[:, None, :, None] * d                                # s_i D_ij
    sdt = sd.swapaxes(-1, -2)                                   # s_j D_ji
    grad = 2.0 * np.einsum("naii->nai", sd[:, :3]) @ f1[:, :, None]
    weighted = (d * f1[:, None, None, :]).reshape(n, 6, k * k)  # F'(l_i) D_ki
    flat = d.reshape(n, 6, k * k)
    hessians = []
    for block, sign in ((slice(0, 3), 1.0), (slice(3, 6), -1.0)):
        curv = np.matmul(weighted[:, block], flat[:, block].swapaxes(-1, -2))
        rot = (sd[:, block] + sign * sdt[:, block]).reshape(n, 3, k * k)
        pair = np.matmul(rot * div.reshape(n, 1, k * k), rot.swapaxes(-1, -2))
        hessians.append(2.0 * curv + pair)
    return grad[..., 0], hessians[0], hessians[1]


def loop_corrections(p: dict[str, np.ndarray], q2: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Electroweakino loop corrections (n,3,3) [GeV^2] to the CP-even (H_d, H_u, S) and
    the CP-odd (A_d, A_u, A_S) Higgs mass matrices, at Q^2 = ``q2``."""
    vd, vu, s = _vacuum(p)
    grad = np.zeros((vd.shape[0], 3))
    even = np.zeros((vd.shape[0], 3, 3))
    odd = np.zeros((vd.shape[0], 3, 3))
    for (m, dm), weight, symmetric in ((neutralino_matrices(p), NEUTRALINO_WEIGHT, True),
                                       (chargino_matrices(p), CHARGINO_WEIGHT, False)):
        g, h_even, h_odd = trace_derivatives(m, dm, q2, symmetric)
        grad += weight * g
        even += weight * h_even
        odd += weight * h_odd
    scale = 1.0 / (64.0 * math.pi**2)
    vev = math.sqrt(2.0) * np.stack([vd, vu, s], -1)
    tad = (grad * scale / vev)[:, :, None] * np.eye(3)
    return even * scale - tad, odd * scale - tad
