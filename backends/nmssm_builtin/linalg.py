"""Batched diagonalisation of small real matrices (first axis over points)."""

from __future__ import annotations

import numpy as np


def eig2(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Eigen-decomposition of the symmetric 2x2 matrices [[a, c], [c, b]].

    Returns (lam1, lam2, R) with lam1 <= lam2 and R (n, 2, 2) orthogonal, rows the
    eigenvectors: R M R^T = diag(lam1, lam2); R = [[cos t, sin t], [-sin t, cos t]].
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c)))
    half = 0.5 * (a - b)
    root = np.hypot(half, c)
    mean = 0.5 * (a + b)
    lam1, lam2 = mean - root, mean + root
    # eigenvector of lam1: (cos t, sin t) with tan 2t = 2c/(a-b), lam1 branch
    theta = 0.5 * np.arctan2(-2.0 * c, -(a - b))
    ct, st = np.cos(theta), np.sin(theta)
    rot = np.stack([np.stack([ct, st], -1), np.stack([-st, ct], -1)], -2)
    return lam1, lam2, rot


def eigh_sorted(m: np.ndarray, key: str = "value") -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and row-eigenvector matrices of symmetric matrices (n, k, k).

    ``key='value'``: ascending eigenvalues; ``key='abs'``: ascending |eigenvalue|.
    Returns (w, Z) with Z M Z^T = diag(w), rows of Z the eigenvectors.
    """
    w, vecs = np.linalg.eigh(m)
    z = np.swapaxes(vecs, -1, -2)
    if key == "abs":
        order = np.argsort(np.abs(w), axis=-1)
        rows = np.arange(w.shape[0])[:, None]
        w, z = w[rows, order], z[rows, order]
    return w, z


def fix_row_signs(z: np.ndarray) -> np.ndarray:
    """Flip each row so that its largest-magnitude component is positive (a convention
    that makes mixing matrices reproducible; physics does not depend on it)."""
    big = np.max(z, axis=-1, keepdims=True)
    small = np.min(z, axis=-1, keepdims=True)
    return np.where(big >= -small, z, -z)


def eigh3(m: np.ndarray, rel_gap: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of symmetric 3x3 matrices (n, 3, 3), analytic and vectorised.

    Eigenvalues by the trigonometric solution of the characteristic cubic (Smith,
    Comm. ACM 4 (1961) 168), eigenvectors of the extreme eigenvalues by cross
    products of rows of (M - lam I), the middle one by orthogonality. Points with
    nearly degenerate eigenvalues (relative gap < ``rel_gap``) fall back to LAPACK.
    Returns (w ascending, Z) with rows of Z the eigenvectors.
    """
    a11, a22, a33 = m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]
    a12, a13, a23 = m[:, 0, 1], m[:, 0, 2], m[:, 1, 2]
    q = (a11 + a22 + a33) / 3.0
    b11, b22, b33 = a11 - q, a22 - q, a33 - q
    p2 = (b11**2 + b22**2 + b33**2 + 2.0 * (a12**2 + a13**2 + a23**2)) / 6.0
    p = np.sqrt(p2)
    safe = np.where(p > 0, p, 1.0)
    det = (b11 * (b22 * b33 - a23**2) - a12 * (a12 * b33 - a23 * a13)
           + a13 * (a12 * a23 - b22 * a13))
    r = np.clip(det / (2.0 * safe**3), -1.0, 1.0)
    phi = np.arccos(r) / 3.0
    lam3 = q + 2.0 * p * np.cos(phi)
    lam1 = q + 2.0 * p * np.cos(phi + 2.0 * np.pi / 3.0)
    lam2 = 3.0 * q - lam1 - lam3
    w = np.stack([lam1, lam2, lam3], -1)

    def vector(lam: np.ndarray) -> np.ndarray:
        # rows r0 = (x0, a12, a13), r1 = (a12, y1, a23), r2 = (a13, a23, z2) of M - lam I
        x0, y1, z2 = a11 - lam, a22 - lam, a33 - lam
        c01 = (a12 * a23 - a13 * y1, a13 * a12 - x0 * a23, x0 * y1 - a12 * a12)
        c02 = (a12 * z2 - a13 * a23, a13 * a13 - x0 * z2, x0 * a23 - a12 * a13)
        c12 = (y1 * z2 - a23 * a23, a23 * a13 - a12 * z2, a12 * a23 - y1 * a13)
        n01, n02, n12 = (sum(c * c for c in v) for v in (c01, c02, c12))
        use02 = n02 > n01
        best = np.where(use02, n02, n01)
        v = [np.where(use02, b, a) for a, b in zip(c01, c02, strict=True)]
        use12 = n12 > best
        best = np.where(use12, n12, best)
        inv = 1.0 / np.sqrt(np.maximum(best, 1e-300))
        return np.stack([np.where(use12, c, a) * inv for a, c in zip(v, c12, strict=True)], -1)

    v1, v3 = vector(lam1), vector(lam3)
    v3 = v3 - np.einsum("ni,ni->n", v3, v1)[:, None] * v1
    v3 /= np.linalg.norm(v3, axis=1)[:, None]
    v2 = np.cross(v3, v1)
    z = np.stack([v1, v2, v3], 1)
    scale = np.maximum(np.abs(w).max(axis=1), 1e-300)
    gaps = np.minimum(lam2 - lam1, lam3 - lam2) / scale
    slow = ~(gaps > rel_gap)
    if slow.any():
        w[slow], z[slow] = eigh_sorted(m[slow])
    return w, z
