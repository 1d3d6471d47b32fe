"""Cross sections of 2 -> 2 processes from the interference kernels, vectorised.

A process of a class of ``kernels`` is its four external masses (signed for fermions)
and the effective couplings of its structures, each a sum of terms

    e_a(s, t) = sum_k v_k P_k,   P_k = 1/(s - M^2 + i M Gamma)  (channel 's'),
                                       1/(t - M^2)  ('t'),  1/(u - M^2)  ('u'),  1  ('c'),

with v_k the product of the vertex couplings (and the fermion-propagator mass for the
mass terms). The squared amplitude summed over spins is sum_ab e_a e_b^* K_ab(s, t);
its integral over t is done in closed form (t- and u-channel poles by partial
fractions: logarithms near the physical region, Gauss-Legendre quadrature when every
pole is at least three half-widths of the t range away), and

    sigma(s) = factor / (64 pi s p_i^2) int_{t-}^{t+} dt sum |M|^2,

``factor`` holding the average over initial spins (and colours), colour sums and 1/2
for identical final particles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernels import KernelClass

#: Gauss-Legendre points for t integrals whose poles are all far from the physical range
GAUSS_POINTS = 12
#: a pole closer than this many half-widths of the t range is integrated analytically
NEAR = 3.0
_GL_X, _GL_W = np.polynomial.legendre.leggauss(GAUSS_POINTS)


@dataclass(frozen=True)
class Term:
    """One term of the effective coupling of ``structure``: v (n,) complex, the channel
    of its propagator and the mediator mass and width (n,) [GeV]. Terms of one mediator
    share the mass array (the poles are grouped by it)."""

    structure: str
    channel: str
    value: np.ndarray
    mass: np.ndarray | None = None
    width: np.ndarray | None = None


def kallen(a, b, c):
    return a * a + b * b + c * c - 2 * (a * b + b * c + c * a)


@dataclass
class Process:
    """A 2 -> 2 process at n points: kernel class, masses m1..m4 (n,), terms, factor."""

    kclass: KernelClass
    masses: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    terms: list[Term]
    factor: np.ndarray | float = 1.0

    def sigma(self, s: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cross section [GeV^-2] at s (m, K) [GeV^2] for the points ``rows`` (default all)."""
        rows = np.arange(s.shape[0]) if rows is None else rows
        m = [np.asarray(x, dtype=float)[rows] for x in self.masses]
        m2 = [x * x for x in m]
        s = np.asarray(s, dtype=float)
        lam_i = kallen(s, m2[0][:, None], m2[1][:, None])
        lam_f = kallen(s, m2[2][:, None], m2[3][:, None])
        open_ = (lam_f > 0) & (lam_i > 0) & (s > (np.abs(m[2]) + np.abs(m[3]))[:, None] ** 2)
        lam_i = np.where(open_, lam_i, 1.0)
        lam_f = np.where(open_, lam_f, 1.0)
        h = 0.5 * np.sqrt(lam_i * lam_f) / s  # half-width of the t range: 2 p_i p_f
        e1e3 = (s + m2[0][:, None] - m2[1][:, None]) * (s + m2[2][:, None] - m2[3][:, None])
        t_c = m2[0][:, None] + m2[2][:, None] - 0.5 * e1e3 / s
        kt = self._kernels_in_t(m, s)                       # (P, J, m, K)
        ktau = _shift(kt, t_c)
        total = self._integrate(ktau, rows, s, t_c, h, sum(m2))
        den = self.kclass.photon_denominator(s, m[2][:, None], m[3][:, None])
        p_i2 = lam_i / (4 * s)
        factor = np.asarray(self.factor, dtype=float)
        factor = factor[rows][:, None] if factor.ndim else factor
        out = factor * total / (64 * np.pi * s * p_i2 * den)
        return np.where(open_, out, 0.0)

    def _kernels_in_t(self, m, s):
        c = self.kclass.coefficients(*m)                    # (P, I, J, m)
        powers = s[None, :, :] ** np.arange(c.shape[1])[:, None, None]
        return np.einsum("pijn,ink->pjnk", c, powers)

    def _integrate(self, ktau, rows, s, t_c, h, sum_m2):
        names = {n: k for k, n in enumerate(self.kclass.structures)}
        # per structure: list of (pole key, value (m, K)); poles: key -> alpha (m, K)
        per_structure: dict[int, list] = {}
        poles: dict = {None: None}
        for term in self.terms:
            a = names[term.structure]
            v = np.asarray(term.value)[rows][:, None]
            if term.channel == "s":
                mass, width = term.mass[rows][:, None], term.width[rows][:, None]
                v = v / (s - mass * mass + 1j * mass * width)
                key = None
            elif term.channel == "c":
                key = None
            else:
                key = (term.channel, id(term.mass))
                if key not in poles:
                    mass2 = term.mass[rows][:, None] ** 2
                    poles[key] = (mass2 - t_c if term.channel == "t"
                                  else sum_m2[:, None] - s - mass2 - t_c)
                if term.channel == "u":
                    v = -v
            per_structure.setdefault(a, []).append((key, v * np.ones_like(s)))
        keys = list(poles)
        moments: dict = {}
        total = np.zeros(s.shape)
        for p, (a, b) in enumerate(self.kclass.pairs):
            if a not in per_structure or b not in per_structure:
                continue
            acc = 0
            for ka, va in per_structure[a]:
                for kb, vb in per_structure[b]:
                    ia, ib = keys.index(ka), keys.index(kb)
                    pair = (min(ia, ib), max(ia, ib))
                    if pair not in moments:
                        moments[pair] = _moments(h, poles[keys[pair[0]]],
                                                 poles[keys[pair[1]]], ktau.shape[1] - 1)
                    # int tau^j/((tau - a_b)(tau - conj a_a)) = conj of the stored order
                    mom = moments[pair] if ia <= ib else np.conj(moments[pair])
                    integral = np.einsum("jnk,jnk->nk", ktau[p], mom)
                    acc = acc + va * np.conj(vb) * integral
            total += (1.0 if a == b else 2.0) * np.real(acc)
        return total


def _shift(kt: np.ndarray, t_c: np.ndarray) -> np.ndarray:
    """Coefficients in tau = t - t_c from those in t (axis 1 is the power)."""
    from math import comb

    n = kt.shape[1]
    out = np.zeros_like(kt)
    powers = [np.ones_like(t_c)]
    for _ in range(1, n):
        powers.append(powers[-1] * t_c)
    for j in range(n):
        for k in range(j, n):
            out[:, j] += comb(k, j) * powers[k - j] * kt[:, k]
    return out


def _plain_moments(h, jmax):
    """int_{-h}^{h} tau^j dtau for j = 0..jmax."""
    return np.array([2 * h ** (j + 1) / (j + 1) if j % 2 == 0 else np.zeros_like(h)
                     for j in range(jmax + 1)])


def _pole_moments(h, alpha, jmax):
    """int tau^j / (tau - alpha) for j = 0..jmax: logarithm and recursion near the range,
    Gauss-Legendre far from it."""
    plain = _plain_moments(h, jmax)
    alpha = alpha.astype(complex)
    near = np.abs(alpha) <= NEAR * h
    # analytic: J_0 = log((h - alpha)/(-h - alpha)), J_j = mu_{j-1} + alpha J_{j-1}
    a_near = np.where(near, alpha, 1.0 + 2 * NEAR * h)
    j0 = np.log((h - a_near) / (-h - a_near))
    analytic = [j0]
    for j in range(1, jmax + 1):
        analytic.append(plain[j - 1] + a_near * analytic[-1])
    tau = h[..., None] * _GL_X
    w = h[..., None] * _GL_W
    f = w / (tau - np.where(near, 2 * NEAR * h + 1.0, alpha)[..., None])
    quad = [np.sum(f * tau**j, axis=-1) for j in range(jmax + 1)]
    return np.array([np.where(near, an, qu) for an, qu in zip(analytic, quad, strict=True)])


def _moments(h, alpha, beta, jmax):
    """int_{-h}^{h} tau^j / ((tau - alpha)(tau - conj(beta))), alpha or beta None: no pole."""
    if alpha is None and beta is None:
        return _plain_moments(h, jmax)
    if alpha is None or beta is None:
        return _pole_moments(h, alpha if beta is None else np.conj(beta), jmax)
    a = alpha.astype(complex)
    b = np.conj(beta).astype(complex)
    far = (np.abs(a) > NEAR * h) & (np.abs(b) > NEAR * h)
    tau = h[..., None] * _GL_X
    w = h[..., None] * _GL_W
    f = w / ((tau - a[..., None]) * (tau - b[..., None]))
    quad = np.array([np.sum(f * tau**j, axis=-1) for j in range(jmax + 1)])
    same = np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), h)
    # near and distinct: partial fractions
    ja = _pole_moments(h, a, jmax)
    jb = _pole_moments(h, b, jmax)
    diff = np.where(same, 1.0, a - b)
    split = (ja - jb) / diff
    # near and equal: double pole, K_0 = 2h/(a^2 - h^2), K_j = J_{j-1} + a K_{j-1}
    k = [2 * h / (a * a - h * h)]
    for j in range(1, jmax + 1):
        k.append(ja[j - 1] + a * k[-1])
    double = np.array(k)
    return np.where(far, quad, np.where(same, double, split))
