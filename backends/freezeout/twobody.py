"""Cross sections of 2 -> 2 processes from the interference kernels, vectorised.

A process of a class of ``kernels`` is its four external masses (signed for fermions)
and the effective couplings of its structures, each a sum of terms

    e_a(s, t) = sum_k v_k P_k,   P_k = 1/(s - M^2 + i M Gamma)  (channel 's'),
                                       1/(t - M^2)  ('t'),  1/(u - M^2)  ('u'),  1  ('c'),

with v_k the product of the vertex couplings (and the fermion-propagator mass for the
mass terms). The squared amplitude summed over spins is sum_ab e_a e_b^* K_ab(s, t);
its average over t in the physical range is taken by Gauss-Legendre quadrature (exact
for the polynomial kernels; t- and u-channel poles are at least half a range width
away unless the exchanged particle can be on shell, and such a pole is held at 1.05
half-widths), and

    sigma(s) = factor p_f / (16 pi s p_i) <sum |M|^2>_t,

``factor`` holding the average over initial spins (and colours), colour sums and 1/2
for identical final particles. ``sigma_on_grid`` evaluates the smooth parts at a few
energies and interpolates them, keeping the s-channel propagators that resonate inside
the energy range exact at every node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .kernels import KernelClass

#: Gauss-Legendre points of the t average
GAUSS_POINTS = 8
#: a t- or u-channel pole nearer than this many half-widths of the t range is moved there
NEAR_LIMIT = 1.05
#: rows per chunk of the t average (bounds the memory of the (pairs, rows, s, t) arrays)
CHUNK = 256
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
class _Kinematics:
    s: np.ndarray
    open: np.ndarray
    p_ratio: np.ndarray      # p_f / p_i
    h: np.ndarray            # half-width of the t range, 2 p_i p_f
    t_c: np.ndarray          # centre of the t range
    sum_m2: np.ndarray


@dataclass
class Process:
    """A 2 -> 2 process at n points: kernel class, masses m1..m4 (n,), terms, factor."""

    kclass: KernelClass
    masses: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    terms: list[Term]
    factor: np.ndarray | float = 1.0
    _index: dict = field(default=None, init=False, repr=False)

    # ------------------------------------------------------------------ public
    def threshold(self) -> tuple[np.ndarray, np.ndarray]:
        """sqrt(s) thresholds (n,) of the initial and the final state."""
        m = [np.abs(np.asarray(x, dtype=float)) for x in self.masses]
        return m[0] + m[1], m[2] + m[3]

    def sigma(self, s: np.ndarray) -> np.ndarray:
        """Cross section [GeV^-2] at s (n, K) [GeV^2], every propagator taken at s."""
        s = np.asarray(s, dtype=float)
        kin = self._kinematics(s)
        a, b, c = self._pieces(kin, [])
        total = np.real(a[0, 0]) + 2.0 * np.real(b[0]) + c
        return self._normalise(kin, total)

    def sigma_on_grid(self, s: np.ndarray, n_coarse: int = 6,
                      e_max: np.ndarray | None = None) -> np.ndarray:
        """Cross section at s (n, K): the smooth parts at ``n_coarse`` energies between the
        threshold and the largest s of each row (or ``e_max`` (n,) [GeV] on sqrt(s), above
        which the result is zero), interpolated; resonant s-channel propagators (mediator
        mass inside that range) exact at every s."""
        s = np.asarray(s, dtype=float)
        lo = np.maximum(*self.threshold())
        hi = np.sqrt(np.max(s, axis=1))
        if e_max is not None:
            hi = np.minimum(hi, e_max)
        usable = hi > lo * (1.0 + 1e-9)
        out = np.zeros(s.shape)
        if not usable.any():
            return out
        rows = np.flatnonzero(usable)
        sub = self._rows(rows)
        lo, hi = lo[rows], hi[rows]
        y_c = 0.5 * (1.0 - np.cos(np.pi * (np.arange(n_coarse) + 0.5) / n_coarse))
        e_c = lo[:, None] + (hi - lo)[:, None] * y_c[None, :] ** 2
        kin_c = sub._kinematics(e_c**2)
        resonant = sub._resonant(lo, hi)
        a, b, c = sub._pieces(kin_c, resonant)
        e = np.sqrt(s[rows])
        y = np.sqrt(np.clip((e - lo[:, None]) / (hi - lo)[:, None], 0.0, 1.0))
        weights = _barycentric(y_c, y)                          # (m, K, Kc)
        weights = np.where((e <= hi[:, None])[..., None], weights, 0.0)
        kin = sub._kinematics(s[rows])
        props = sub._propagators(resonant, kin.s)               # (R, m, K)
        a_f = np.einsum("mkc,rqmc->rqmk", weights, a)
        b_f = np.einsum("mkc,rmc->rmk", weights, b)
        c_f = np.einsum("mkc,mc->mk", weights, c)
        total = (np.real(np.einsum("rmk,rqmk,qmk->mk", props, a_f, np.conj(props)))
                 + 2.0 * np.real(np.einsum("rmk,rmk->mk", props, b_f)) + c_f)
        out[rows] = sub._normalise(kin, total)
        return out

    # ------------------------------------------------------------------ internals
    def _rows(self, rows: np.ndarray) -> Process:
        def take(x):
            x = np.asarray(x)
            return x[rows] if x.ndim else x

        shared: dict[int, np.ndarray] = {}  # one slice per mediator array (poles by identity)

        def take_shared(x):
            if x is None:
                return None
            if id(x) not in shared:
                shared[id(x)] = np.asarray(x)[rows]
            return shared[id(x)]

        terms = [Term(t.structure, t.channel, take(t.value), take_shared(t.mass),
                      take_shared(t.width)) for t in self.terms]
        return Process(self.kclass, tuple(take(m) for m in self.masses), terms,
                       take(self.factor))

    def _kinematics(self, s: np.ndarray) -> _Kinematics:
        m2 = [np.asarray(x, dtype=float)[:, None] ** 2 for x in self.masses]
        lam_i = kallen(s, m2[0], m2[1])
        lam_f = kallen(s, m2[2], m2[3])
        m34 = (np.abs(self.masses[2]) + np.abs(self.masses[3]))[:, None]
        open_ = (lam_f > 0) & (lam_i > 0) & (s > m34**2)
        lam_i = np.where(open_, lam_i, 1.0)
        lam_f = np.where(open_, lam_f, 1.0)
        h = 0.5 * np.sqrt(lam_i * lam_f) / s
        t_c = m2[0] + m2[2] - 0.5 * (s + m2[0] - m2[1]) * (s + m2[2] - m2[3]) / s
        return _Kinematics(s=s, open=open_, p_ratio=np.sqrt(lam_f / lam_i), h=h, t_c=t_c,
                           sum_m2=sum(m2))

    def _normalise(self, kin: _Kinematics, average: np.ndarray) -> np.ndarray:
        m3, m4 = (np.asarray(x, dtype=float)[:, None] for x in self.masses[2:])
        den = self.kclass.photon_denominator(kin.s, m3, m4)
        factor = np.asarray(self.factor, dtype=float)
        factor = factor[:, None] if factor.ndim else factor
        out = factor * kin.p_ratio * average / (16.0 * np.pi * kin.s * den)
        return np.where(kin.open, out, 0.0)

    def _resonant(self, lo: np.ndarray, hi: np.ndarray) -> list:
        """s-channel mediators whose mass lies in [lo - 10 Gamma, hi] at some row."""
        keys = []
        for term in self.terms:
            if term.channel != "s" or id(term.mass) in keys:
                continue
            m, w = np.asarray(term.mass), np.asarray(term.width)
            if np.any((m > lo - 10.0 * w) & (m < hi) & (m > 0)):
                keys.append(id(term.mass))
        return keys

    def _propagators(self, resonant: list, s: np.ndarray) -> np.ndarray:
        """(R, m, K): 1 for the smooth slot, the Breit-Wigner of each resonant mediator."""
        out = [np.ones_like(s, dtype=complex)]
        found = {}
        for term in self.terms:
            if term.channel == "s" and id(term.mass) in resonant:
                found[id(term.mass)] = (term.mass, term.width)
        for key in resonant:
            m, w = found[key]
            out.append(1.0 / (s - (m * m)[:, None] + 1j * (m * w)[:, None]))
        return np.array(out)

    def _kernels_in_tau(self, s: np.ndarray, t_c: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Kernel coefficients (P', J, m, K) in tau = t - t_c of the pairs ``keep``."""
        c = self.kclass.coefficients(*self.masses)[keep]        # (P', I, J, m)
        powers = s[None, :, :] ** np.arange(c.shape[1])[:, None, None]
        return _shift(np.einsum("pijn,ink->pjnk", c, powers), t_c)

    def _pieces(self, kin: _Kinematics, resonant: list):
        """<A>_rq, <B>_r, <C> (t averages) of the slots: 0 = smooth s-channel and contact,
        1.. = the resonant mediators; B and C hold the t- and u-channel parts."""
        names = {n: k for k, n in enumerate(self.kclass.structures)}
        n_s = len(self.kclass.structures)
        shape = kin.s.shape
        slots = 1 + len(resonant)
        c_s = np.zeros((n_s, *shape, slots), dtype=complex)
        has_s = np.zeros(n_s, bool)
        t_terms: dict[int, list] = {}
        poles: dict = {}
        props: dict = {}
        for term in self.terms:
            a = names[term.structure]
            v = np.asarray(term.value)[:, None]
            if term.channel == "s":
                has_s[a] = True
                if id(term.mass) in resonant:
                    c_s[a, ..., 1 + resonant.index(id(term.mass))] += v
                else:
                    if id(term.mass) not in props:
                        m, w = term.mass[:, None], term.width[:, None]
                        props[id(term.mass)] = 1.0 / (kin.s - m * m + 1j * m * w)
                    c_s[a, ..., 0] += v * props[id(term.mass)]
            elif term.channel == "c":
                has_s[a] = True
                c_s[a, ..., 0] += v
            else:
                key = (term.channel, id(term.mass))
                if key not in poles:
                    m2 = term.mass[:, None] ** 2
                    alpha = (m2 - kin.t_c if term.channel == "t"
                             else kin.sum_m2 - kin.s - m2 - kin.t_c)
                    # an exchange that can go on shell: the pole is held off the range
                    limit = NEAR_LIMIT * kin.h
                    alpha = np.where(np.abs(alpha) < limit,
                                     np.where(alpha >= 0, limit, -limit), alpha)
                    poles[key] = alpha
                t_terms.setdefault(a, []).append((key, -v if term.channel == "u" else v))
        s_set = np.flatnonzero(has_s)
        t_set = np.array(sorted(t_terms), dtype=int)
        pairs = np.array(self.kclass.pairs)
        a_idx, b_idx = pairs[:, 0], pairs[:, 1]
        in_s, in_t = has_s, np.isin(np.arange(n_s), t_set)
        ss = in_s[a_idx] & in_s[b_idx]
        st = (in_s[a_idx] & in_t[b_idx]) | (in_t[a_idx] & in_s[b_idx])
        tt = in_t[a_idx] & in_t[b_idx]
        keep = ss | st | tt
        ktau = self._kernels_in_tau(kin.s, kin.t_c, keep)        # (P', J, m, K)
        a_idx, b_idx = a_idx[keep], b_idx[keep]
        ss, st, tt = ss[keep], st[keep], tt[keep]
        n_j = ktau.shape[1]
        pos_s = np.full(n_s, -1)
        pos_s[s_set] = np.arange(s_set.size)
        pos_t = np.full(n_s, -1)
        pos_t[t_set] = np.arange(t_set.size)
        c_s = np.moveaxis(c_s[s_set], 0, -2)                      # (m, K, S_s, R)

        # s x s: the t average of the polynomial kernels in closed form, A = C^T Kbar C*
        out_a = np.zeros((*shape, slots, slots), dtype=complex)
        if ss.any():
            p = np.flatnonzero(ss)
            even = np.arange(0, n_j, 2)
            avg = np.einsum("pjmk,jmk->mkp", ktau[p][:, even],
                            kin.h[None] ** even[:, None, None] / (even + 1.0)[:, None, None])
            kbar = _dense(avg, pos_s[a_idx[p]], pos_s[b_idx[p]], s_set.size, s_set.size)
            out_a = np.swapaxes(c_s, -1, -2) @ np.conj(_real_matmul(kbar, c_s))
        out_b = np.zeros((*shape, slots), dtype=complex)
        out_c = np.zeros(shape)
        if not poles:
            return np.moveaxis(out_a, (-2, -1), (0, 1)), np.moveaxis(out_b, -1, 0), out_c

        # t- and u-channel parts: Gauss-Legendre in tau, fewer nodes when every pole is far
        ratio = min(float(np.min(np.abs(al) / kin.h)) for al in poles.values())
        n_g = 4 if ratio > 6.0 else 8 if ratio > 2.0 else 12
        gl_x, gl_w = np.polynomial.legendre.leggauss(n_g)
        x_pow = gl_x[None, :] ** np.arange(n_j)[:, None]             # (J, G)
        p_st, p_tt = np.flatnonzero(st), np.flatnonzero(tt)
        # ordered (s-side, t-side) entries of every s-t pair: (a, b), and (b, a) if a != b
        ab = in_s[a_idx[p_st]] & in_t[b_idx[p_st]]
        ba = in_s[b_idx[p_st]] & in_t[a_idx[p_st]] & (a_idx[p_st] != b_idx[p_st])
        for start in range(0, shape[0], CHUNK):
            sl = slice(start, start + CHUNK)
            h = kin.h[sl]
            tau = h[..., None] * gl_x                                  # (m, K, G)
            inv = {key: 1.0 / (tau - alpha[sl][..., None]) for key, alpha in poles.items()}
            e_t = np.zeros((*tau.shape, t_set.size), dtype=complex)
            for a, lst in t_terms.items():
                for key, v in lst:
                    e_t[..., pos_t[a]] += v[sl][..., None] * inv[key]
            hp = h[None, None] ** np.arange(n_j)[None, :, None, None]
            kg_st = np.moveaxis((np.moveaxis(ktau[p_st][:, :, sl] * hp, 1, -1) @ x_pow), 0, -1)
            kg_tt = np.moveaxis((np.moveaxis(ktau[p_tt][:, :, sl] * hp, 1, -1) @ x_pow), 0, -1)
            k_tt = _dense(kg_tt, pos_t[a_idx[p_tt]], pos_t[b_idx[p_tt]], t_set.size,
                          t_set.size)                                  # (m, K, G, T, T)
            e_c = np.conj(e_t)[..., None]
            y = _real_matmul(k_tt, e_c)[..., 0]
            out_c[sl] = np.real(np.einsum("g,mkgt,mkgt->mk", 0.5 * gl_w, e_t, y))
            if p_st.size:
                a_st, b_st = a_idx[p_st], b_idx[p_st]
                k_st = (_dense(kg_st[..., ab], pos_s[a_st[ab]], pos_t[b_st[ab]], s_set.size,
                               t_set.size, symmetric=False)
                        + _dense(kg_st[..., ba], pos_s[b_st[ba]], pos_t[a_st[ba]],
                                 s_set.size, t_set.size, symmetric=False))
                z = _real_matmul(k_st, e_c)[..., 0]                   # (m, K, G, S_s)
                zbar = np.einsum("g,mkgs->mks", 0.5 * gl_w, z)
                out_b[sl] = np.einsum("mks,mksr->mkr", zbar, c_s[sl])
        return np.moveaxis(out_a, (-2, -1), (0, 1)), np.moveaxis(out_b, -1, 0), out_c


def _real_matmul(real: np.ndarray, cplx: np.ndarray) -> np.ndarray:
    """real @ cplx for a real matrix stack: one product with the real and imaginary parts
    as columns side by side (several times faster than two products)."""
    n = cplx.shape[-1]
    both = real @ np.concatenate([cplx.real, cplx.imag], axis=-1)
    return both[..., :n] + 1j * both[..., n:]


def _dense(values: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int,
           symmetric: bool = True) -> np.ndarray:
    """Matrices (..., n_rows, n_cols) with ``values`` (..., P) at (rows, cols), and at
    (cols, rows) too if ``symmetric`` (a kernel pair a < b stands for both orders)."""
    out = np.zeros((*values.shape[:-1], n_rows, n_cols))
    out[..., rows, cols] = values
    if symmetric:
        out[..., cols, rows] = values
    return out


def _barycentric(nodes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights (m, K, Kc) of barycentric interpolation on Chebyshev points of the first
    kind ``nodes`` (Kc,) in [0, 1], at y (m, K)."""
    kc = nodes.size
    w = (-1.0) ** np.arange(kc) * np.sin(np.pi * (np.arange(kc) + 0.5) / kc)
    diff = y[..., None] - nodes
    exact = np.isclose(diff, 0.0, atol=1e-14)
    diff = np.where(exact, 1.0, diff)
    terms = w / diff
    out = terms / terms.sum(axis=-1, keepdims=True)
    hit = exact.any(axis=-1)
    return np.where(hit[..., None], exact.astype(float), out)


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


def stack(processes: list[Process]) -> Process:
    """One process whose rows are the rows of ``processes`` one after the other (same
    class and the same terms in the same order, e.g. one final state per flavour):
    evaluated at s tiled alike, its result reshapes to (len(processes), n, K)."""
    first = processes[0]
    shared: dict[tuple, np.ndarray] = {}

    def cat(arrays):
        if arrays[0] is None:
            return None
        key = tuple(id(a) for a in arrays)
        if key not in shared:
            shared[key] = np.concatenate([np.broadcast_to(np.asarray(a),
                                                          np.shape(processes[0].masses[0]))
                                          for a in arrays])
        return shared[key]

    terms = []
    for k, term in enumerate(first.terms):
        group = [p.terms[k] for p in processes]
        if any(t.structure != term.structure or t.channel != term.channel for t in group):
            raise ValueError("stack: processes with different terms")
        terms.append(Term(term.structure, term.channel, cat([t.value for t in group]),
                          cat([t.mass for t in group]), cat([t.width for t in group])))
    masses = tuple(cat([p.masses[i] for p in processes]) for i in range(4))
    return Process(first.kclass, masses, terms, cat([p.factor for p in processes]))
