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
from functools import cache
from math import comb

import numpy as np

from .kernels import KernelClass

#: a t- or u-channel pole nearer than this many half-widths of the t range is moved there
NEAR_LIMIT = 1.05
#: rows per chunk of the t average (bounds the memory of the (pairs, rows, s, t) arrays)
CHUNK = 256


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
        sub = (self if rows.size == s.shape[0] else self._rows(rows))._nonzero_terms()
        if not sub.terms:
            return out
        lo, hi = lo[rows], hi[rows]
        y_c = 0.5 * (1.0 - np.cos(np.pi * (np.arange(n_coarse) + 0.5) / n_coarse))
        e_c = lo[:, None] + (hi - lo)[:, None] * y_c[None, :] ** 2
        kin_c = sub._kinematics(e_c**2)
        resonant = sub._resonant(lo, hi)
        a, b, c = sub._pieces(kin_c, resonant)
        e = np.sqrt(s[rows])
        y = np.sqrt(np.clip((e - lo[:, None]) / (hi - lo)[:, None], 0.0, 1.0))
        weights = _barycentric(y_c, y)                          # (m, K, Kc)
        weights *= (e <= hi[:, None])[..., None]
        kin = sub._kinematics(s[rows])
        if not resonant:
            # nothing exact at every s: the sum is smooth and interpolated as one
            total = _interpolate(weights, np.real(a[0, 0]) + 2.0 * np.real(b[0]) + c)
        else:
            props = sub._propagators(resonant, kin.s)           # (R, m, K)
            a_f, b_f, c_f = (_interpolate(weights, x) for x in (a, b, c))
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

    def _nonzero_terms(self) -> Process:
        """The process without the terms whose coupling vanishes at every row (a chirality
        a particle does not have, a mixing that is exactly zero): they add nothing."""
        keep = [t for t in self.terms if np.any(np.asarray(t.value) != 0)]
        if len(keep) == len(self.terms):
            return self
        return Process(self.kclass, self.masses, keep, self.factor)

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

    def _coefficients(self) -> np.ndarray:
        """Kernel coefficients (P, I, J, n) of s^i t^j of every class pair, computed once
        for all rows (the generated expressions are hundreds of array operations: per
        call, not per element, costs dominate small batches)."""
        return self.kclass.coefficients(*(np.asarray(x) for x in self.masses))

    def _pieces(self, kin: _Kinematics, resonant: list):
        """<A>_rq, <B>_r, <C> (t averages) of the slots: 0 = smooth s-channel and contact,
        1.. = the resonant mediators; B and C hold the t- and u-channel parts.

        With the kernels K_ab = sum_ij k_abij s^i t^j and the structures' couplings e_a:
        A = sum_ab <K_ab> c_a c_b^* over the s-type structures (s channel and contact,
        the coefficient c_a of each slot), B_r = sum_ab c_ar <K_ab e_b^*> over s-type a and
        t-type (t and u channel) b, C = sum_ab <K_ab e_a e_b^*> over t-type a and b;
        <t^j> in closed form, <t^j e_b> by Gauss-Legendre in t (moments shared by the
        pairs). The s-independent coefficients k_abij are contracted with the products
        s^i <t^j ...> as matrix products per row, not summed in s first: one pass over the
        (pairs, rows, s) arrays instead of one per power of s."""
        shape = kin.s.shape
        slots = 1 + len(resonant)
        slot = {key: 1 + k for k, key in enumerate(resonant)}
        names = _structure_index(self.kclass)
        s_terms: dict[int, list] = {}
        t_terms: dict[int, list] = {}
        poles: dict = {}
        for term in self.terms:
            a = names[term.structure]
            if term.channel in ("s", "c"):
                s_terms.setdefault(a, []).append(term)
            else:
                key = (term.channel, id(term.mass))
                if key not in poles:
                    poles[key] = _pole(kin, term)
                v = np.asarray(term.value)
                t_terms.setdefault(a, []).append((key, -v if term.channel == "u" else v))
        plan = _plan(self.kclass, tuple(sorted(s_terms)), tuple(sorted(t_terms)))

        # coefficients of the s-type structures per slot (S_s, R, m, K)
        c_s = np.zeros((len(s_terms), slots, *shape), dtype=complex)
        props: dict = {}
        for k, a in enumerate(plan.s_set):
            for term in s_terms[a]:
                v = np.asarray(term.value)[:, None]
                if term.channel == "c":
                    c_s[k, 0] += v
                elif id(term.mass) in slot:
                    c_s[k, slot[id(term.mass)]] += v
                else:
                    if id(term.mass) not in props:
                        m, w = term.mass[:, None], term.width[:, None]
                        props[id(term.mass)] = 1.0 / (kin.s - m * m + 1j * m * w)
                    c_s[k, 0] += v * props[id(term.mass)]

        out_a = np.zeros((slots, slots, *shape), dtype=complex)
        out_b = np.zeros((slots, *shape), dtype=complex)
        out_c = np.zeros(shape)
        coefficients = self._coefficients()                   # (P, I, J, n)
        n_i, n_j = coefficients.shape[1:3]
        n_s = len(s_terms)
        if plan.ss.size:
            # <K_ab> = sum_ij k_abij s^i <t^j> as a symmetric (S, S) matrix per row and s:
            # the coefficients in both orders, (n, I*J, S*S)
            c_ss = np.zeros((shape[0], n_i * n_j, n_s, n_s))
            pairs = coefficients[plan.ss].reshape(plan.ss.size, n_i * n_j, -1).T
            c_ss[:, :, plan.ss_a, plan.ss_b] = pairs
            c_ss[:, :, plan.ss_b, plan.ss_a] = pairs
            c_ss = c_ss.reshape(shape[0], n_i * n_j, -1)
        if poles:
            # Gauss-Legendre in t, fewer nodes when every pole is far
            ratio = min(float(np.min(np.abs(al) / kin.h)) for al in poles.values())
            gl_x, gl_w = _gauss_legendre(4 if ratio > 6.0 else 8 if ratio > 2.0 else 12)
            # e_a = sum_k coupling_ak / (tau - alpha_k): the couplings of the t-type
            # structures to the poles (m, 2T, poles), real parts above imaginary ones
            n_t, pole_index = len(t_terms), {key: k for k, key in enumerate(poles)}
            coupling = np.zeros((shape[0], n_t, len(poles)), dtype=complex)
            for k, a in enumerate(plan.t_set):
                for key, v in t_terms[a]:
                    coupling[:, k, pole_index[key]] += v
            coupling = np.concatenate([coupling.real, coupling.imag], axis=1)
            if plan.tt.size:
                c_tt = coefficients[plan.tt] * plan.tt_mult[:, None, None, None]
                c_tt = np.ascontiguousarray(
                    c_tt.reshape(plan.tt.size, n_i * n_j, -1).T)       # (n, I*J, P_tt)
            if plan.st.size:
                # the coefficients of the (s-type, t-type) entries as a dense
                # (I*S, T*J) matrix per row
                c_st = np.zeros((shape[0], n_i, n_s, n_t, n_j))
                c_st[:, :, plan.st_s, plan.st_t] = coefficients[plan.st].transpose(3, 1, 0, 2)
                c_st = c_st.reshape(shape[0], n_i * n_s, n_t * n_j)
        for start in range(0, shape[0], CHUNK):
            sl = slice(start, start + CHUNK)
            s = kin.s[sl]
            m_c, n_k = s.shape
            s_pow = np.empty((n_i, m_c, n_k))                          # (I, m, K)
            s_pow[0] = 1.0
            for i in range(1, n_i):
                np.multiply(s_pow[i - 1], s, out=s_pow[i])
            t_c, h = kin.t_c[sl], kin.h[sl]
            if plan.ss.size:
                # <t^j> over the range t_c +- h
                t_mean = _uniform_moments(t_c, h, n_j)
                x_ij = (s_pow[:, None] * t_mean).reshape(n_i * n_j, m_c, n_k)
                kernel = (np.moveaxis(x_ij, 0, -1) @ c_ss[sl]).reshape(m_c, n_k, n_s, n_s)
                # A = c^T <K> c^* with c = c_r + i c_i: real products of the (S, 2R)
                # matrices [c_r | c_i] per row and s
                c_ri = np.concatenate([c_s[:, :, sl].real, c_s[:, :, sl].imag], axis=1)
                c_ri = np.ascontiguousarray(c_ri.transpose(2, 3, 0, 1))   # (m, K, S, 2R)
                g = np.swapaxes(c_ri, 2, 3) @ (kernel @ c_ri)             # (m, K, 2R, 2R)
                r = slots
                a = (g[..., :r, :r] + g[..., r:, r:]
                     + 1j * (g[..., r:, :r] - g[..., :r, r:]))
                out_a[:, :, sl] = a.transpose(2, 3, 0, 1)
            if not poles:
                continue
            tau = h[..., None] * gl_x                                  # (m, K, G)
            inv = np.stack([1.0 / (tau - alpha[sl][..., None]) for alpha in poles.values()],
                           axis=1)                                     # (m, poles, K, G)
            t_g = t_c[..., None] + tau
            moment_w = np.empty((n_j, *t_g.shape))                     # (J, m, K, G)
            moment_w[0] = 0.5 * gl_w
            for j in range(1, n_j):
                np.multiply(moment_w[j - 1], t_g, out=moment_w[j])
            if plan.tt.size:
                e_ri = coupling[sl] @ inv.reshape(m_c, len(poles), -1)  # (m, 2T, K*G)
                e_r, e_i = e_ri[:, :n_t], e_ri[:, n_t:]
                # (take along an inner axis is much faster than fancy indexing there)
                re_ab = np.take(e_r, plan.tt_a, axis=1) * np.take(e_r, plan.tt_b, axis=1)
                re_ab += np.take(e_i, plan.tt_a, axis=1) * np.take(e_i, plan.tt_b, axis=1)
                # sum_p k_pij Re(e_a e_b^*), then times the weighted s^i t^j, summed
                summed = (c_tt[sl] @ re_ab).reshape(m_c, n_i, n_j, n_k, -1)  # (m, I, J, K, G)
                per_i = np.einsum("mijkg,jmkg->imk", summed, moment_w)
                out_c[sl] = np.einsum("imk,imk->mk", per_i, s_pow)
            if plan.st.size:
                # <t^j e_a^*> = sum_k coupling_ak^* <t^j / (tau - alpha_k)>
                q = np.einsum("jmkg,mpkg->mpjk", moment_w, inv)
                mom = (coupling[sl] @ q.reshape(m_c, len(poles), -1)).reshape(
                    m_c, 2, n_t, n_j, n_k).transpose(0, 2, 3, 1, 4).reshape(
                    m_c, n_t * n_j, 2 * n_k)                           # (m, T*J, 2*K)
                # real and imaginary parts of sum_tj k_stij <t^j e_t>, times s^i
                z = (c_st[sl] @ mom).reshape(m_c, n_i, n_s, 2, n_k)
                z = np.einsum("mispk,imk->mspk", z, s_pow)               # (m, S_s, 2, K)
                zbar = z[:, :, 0] - 1j * z[:, :, 1]
                out_b[:, sl] = np.einsum("msk,srmk->rmk", zbar, c_s[:, :, sl])
        return out_a, out_b, out_c


@dataclass(frozen=True)
class _Plan:
    """Index arrays of the pairs of a class between structures with s-type terms
    (``s_set``) and t-type terms (``t_set``); pair indices count the class's pairs."""

    s_set: np.ndarray
    t_set: np.ndarray
    ss: np.ndarray            # s-s pairs and their positions in s_set
    ss_a: np.ndarray
    ss_b: np.ndarray
    st: np.ndarray            # (s-type, t-type) entries of the s-t pairs, each entry once,
    st_s: np.ndarray          # and their positions in s_set and t_set
    st_t: np.ndarray
    tt: np.ndarray            # t-t pairs, positions in t_set and multiplicity 2 if a != b
    tt_a: np.ndarray
    tt_b: np.ndarray
    tt_mult: np.ndarray


@cache
def _structure_index(kclass: KernelClass) -> dict[str, int]:
    return {n: k for k, n in enumerate(kclass.structures)}


@cache
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


@cache
def _plan(kclass: KernelClass, s_set: tuple[int, ...], t_set: tuple[int, ...]) -> _Plan:
    n_s = len(kclass.structures)
    pos_s, pos_t = np.full(n_s, -1), np.full(n_s, -1)
    pos_s[list(s_set)] = np.arange(len(s_set))
    pos_t[list(t_set)] = np.arange(len(t_set))
    pairs = np.array(kclass.pairs).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    in_s, in_t = pos_s >= 0, pos_t >= 0
    ss = in_s[a] & in_s[b]
    ab = in_s[a] & in_t[b]                   # (a, b) is an (s, t) entry
    ba = in_s[b] & in_t[a] & (a != b)        # (b, a) is one too
    tt = in_t[a] & in_t[b]
    keep = np.flatnonzero(ss | ab | ba | tt)
    a, b = a[keep], b[keep]
    ss, ab, ba, tt = ss[keep], ab[keep], ba[keep], tt[keep]
    st = np.r_[np.flatnonzero(ab), np.flatnonzero(ba)]
    st_s = np.r_[pos_s[a[ab]], pos_s[b[ba]]]
    st_t = np.r_[pos_t[b[ab]], pos_t[a[ba]]]
    if len(set(zip(st_s.tolist(), st_t.tolist(), strict=True))) != st.size:
        raise ValueError(f"{kclass}: an (s-type, t-type) entry in two pairs")
    if len({frozenset(x) for x in zip(a.tolist(), b.tolist(), strict=True)}) != a.size:
        raise ValueError(f"{kclass}: a pair of structures listed twice")
    p_ss, p_tt = keep[np.flatnonzero(ss)], keep[np.flatnonzero(tt)]
    return _Plan(
        s_set=np.array(s_set, dtype=int), t_set=np.array(t_set, dtype=int),
        ss=p_ss, ss_a=pos_s[a[ss]], ss_b=pos_s[b[ss]],
        st=keep[st], st_s=st_s, st_t=st_t,
        tt=p_tt, tt_a=pos_t[a[tt]], tt_b=pos_t[b[tt]],
        tt_mult=np.where(a[tt] == b[tt], 1.0, 2.0))


def _uniform_moments(t_c: np.ndarray, h: np.ndarray, n_j: int) -> np.ndarray:
    """<t^j> (J, m, K), j < n_j, of t uniform in t_c +- h: sum over even i of
    C(j, i) t_c^(j-i) h^i / (i + 1)."""
    t_pow = np.empty((n_j, *t_c.shape))
    t_pow[0] = 1.0
    for j in range(1, n_j):
        np.multiply(t_pow[j - 1], t_c, out=t_pow[j])
    h2 = h * h
    h_pow = [np.ones_like(h)]
    for _ in range(2, n_j, 2):
        h_pow.append(h_pow[-1] * h2)
    out = t_pow.copy()
    for j in range(2, n_j):
        for i in range(2, j + 1, 2):
            out[j] += (comb(j, i) / (i + 1.0)) * t_pow[j - i] * h_pow[i // 2]
    return out


def _pole(kin: _Kinematics, term: Term) -> np.ndarray:
    """alpha (m, K) [GeV^2]: the pole of a t- or u-channel term at tau = t - t_c = alpha;
    an exchange that can go on shell has it held NEAR_LIMIT half-widths off the range."""
    m2 = term.mass[:, None] ** 2
    alpha = (m2 - kin.t_c if term.channel == "t" else kin.sum_m2 - kin.s - m2 - kin.t_c)
    limit = NEAR_LIMIT * kin.h
    return np.where(np.abs(alpha) < limit, np.where(alpha >= 0, limit, -limit), alpha)


def _barycentric(nodes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights (m, K, Kc) of barycentric interpolation on Chebyshev points of the first
    kind ``nodes`` (Kc,) in [0, 1], at y (m, K)."""
    kc = nodes.size
    w = (-1.0) ** np.arange(kc) * np.sin(np.pi * (np.arange(kc) + 0.5) / kc)
    diff = y[..., None] - nodes
    exact = np.abs(diff) <= 1e-14
    on_node = exact.any()  # rare: a y on a node takes that node's value
    if on_node:
        diff = np.where(exact, 1.0, diff)
    terms = w / diff
    terms /= terms.sum(axis=-1, keepdims=True)
    if not on_node:
        return terms
    return np.where(exact.any(axis=-1)[..., None], exact.astype(float), terms)


def _interpolate(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """sum_c weights (m, K, Kc) values (..., m, Kc) -> (..., m, K), real or complex values
    (complex ones as pairs of reals: a real-complex einsum converts the weights)."""
    if not np.iscomplexobj(values):
        return np.matmul(weights, values[..., None])[..., 0]
    pairs = np.ascontiguousarray(values).view(float).reshape(*values.shape, 2)
    return np.ascontiguousarray(np.matmul(weights, pairs)).view(complex)[..., 0]


def stack(processes: list[Process]) -> Process:
    """One process whose rows are the rows of ``processes`` one after the other (same
    class and the same terms in the same order, e.g. one final state per flavour):
    evaluated at s tiled alike, its result reshapes to (len(processes), n, K)."""
    first = processes[0]
    shape = np.shape(first.masses[0])
    shared: dict[tuple, np.ndarray] = {}

    def cat(arrays):
        if arrays[0] is None:
            return None
        key = tuple(id(a) for a in arrays)
        if key not in shared:
            shared[key] = np.concatenate([
                a if isinstance(a, np.ndarray) and a.shape == shape
                else np.broadcast_to(np.asarray(a), shape) for a in arrays])
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
