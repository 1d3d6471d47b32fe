"""Symbolic Dirac and Lorentz algebra for tree-level 2 -> 2 amplitudes (needs sympy).

An amplitude is a sum of *structures*, each a product of fermion chains
[spinor-bar Gamma spinor] and bosonic factors (polarization vectors, momenta, metric
tensors), times an effective coupling that holds everything else (couplings,
propagators, fermion-propagator masses). ``interference(a, b)`` returns the spin sum
sum_spins A_a A_b^* as a polynomial in the Mandelstam variables s and t and the
external masses: the kernels of ``..kernels``.

Conventions: momenta p1, p2 incoming, k1, k2 outgoing; s = (p1+p2)^2, t = (p1-k1)^2,
u = (p1-k2)^2. Spin sums u u-bar = p-slash + m, v v-bar = p-slash - m with the signed
mass m (a Majorana fermion of negative mass eigenvalue keeps a real mixing matrix);
massive vectors sum_pol eps eps* = -g + k k / M^2, photons the sum over the two
transverse polarizations, -g + (k q + q k)/(k.q) - q^2 k k/(k.q)^2 with q = p1 + p2, so
that every kernel is physical on its own (the factors 1/(k.q)^2 are kept apart:
``photon_denominator``). Chains whose spinor types differ between A_a
and A_b are reversed with the charge-conjugation identity for c-number spinors,
abar(x) Gamma b(y) = -b'bar(y) C Gamma^T C^-1 a'(x) (u' = v, v' = u), reversing the
order, gamma^mu -> -gamma^mu, projectors unchanged. Traces with gamma5 produce
Levi-Civita tensors; after all indices are contracted a single one has only external
momenta as arguments, of which three are independent, and vanishes, while a product of
two (two fermion lines joined by a vector) is the determinant of the metric pairings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from itertools import permutations, product

import sympy as sp

s_, t_ = sp.symbols("s t")
#: external momenta and the composite momenta the structures use, as sums of the externals
VECTORS: dict[str, dict[str, int]] = {
    "p1": {"p1": 1}, "p2": {"p2": 1}, "k1": {"k1": 1}, "k2": {"k2": 1},
    "q": {"p1": 1, "p2": 1},         # s-channel
    "qt": {"p1": 1, "k1": -1},       # t-channel, from the p1 side
    "qu": {"p1": 1, "k2": -1},       # u-channel, from the p1 side
    "r": {"p2": 1, "k2": -1},        # t-channel, from the p2 side (= -qt)
}
EXTERNAL_MOMENTUM = {1: "p1", 2: "p2", 3: "k1", 4: "k2"}


# ----------------------------------------------------------------------------------------
# building blocks

def slash(*terms) -> list:
    """A slashed vector: slash("p1"), or a combination slash((2, "p2"), (-1, "k2"))."""
    out = []
    for term in terms:
        c, v = (1, term) if isinstance(term, str) else term
        out.append((sp.sympify(c), ("v", v)))
    return out


def gamma(index: str) -> list:
    return [(sp.Integer(1), ("i", index))]


def proj(chirality: str) -> list:
    return [(sp.Integer(1), ("P", chirality))]


def scalar(c) -> list:
    return [(sp.sympify(c), None)]


def plus(*elements) -> list:
    return [alt for e in elements for alt in e]


@dataclass(frozen=True)
class End:
    """An external fermion at one end of a chain: ``ext`` 1-4, ``kind`` 'u' or 'v'."""

    ext: int
    kind: str


@dataclass(frozen=True)
class Chain:
    """left-bar Gamma right, Gamma a product of elements (each a sum of alternatives)."""

    left: End
    elements: tuple
    right: End


@dataclass(frozen=True)
class Structure:
    """One Lorentz-Dirac structure: chains times bosonic factors (each factor a sum of
    alternatives ('pol', ext, index) = eps*(ext)^index, ('comp', vector, index),
    ('metric', i, j)); ``coefficient`` a plain number."""

    name: str
    chains: tuple = ()
    bosonic: tuple = ()
    coefficient: sp.Expr = field(default_factory=lambda: sp.Integer(1))


def comp(*terms_and_index) -> list:
    """Components of a vector combination: comp("p2", "mu") or comp((2,"p2"), (-1,"k2"), "mu")."""
    *terms, index = terms_and_index
    out = []
    for term in terms:
        c, v = (1, term) if isinstance(term, str) else term
        out.append((sp.sympify(c), ("comp", v, index)))
    return out


def pol(ext: int, index: str) -> list:
    return [(sp.Integer(1), ("pol", ext, index))]


def metric(i: str, j: str) -> list:
    return [(sp.Integer(1), ("metric", i, j))]


def times(*elements) -> list:
    """The product of bosonic elements as one element (alternatives are slot products)."""
    out = [(sp.Integer(1), ())]
    for element in elements:
        out = [(c0 * c, (*s0, *(slot if isinstance(slot[0], tuple) else (slot,))))
               for c0, s0 in out for c, slot in element]
    return out


def add(*elements) -> list:
    """The sum of bosonic elements (as produced by ``times``)."""
    return [alt for e in elements for alt in e]


# ----------------------------------------------------------------------------------------
# chain manipulations

def _flip(ch: str) -> str:
    return "R" if ch == "L" else "L"


def _conjugate_element(element):
    out = []
    for c, slot in element:
        if slot is not None and slot[0] == "P":
            slot = ("P", _flip(slot[1]))
        out.append((sp.conjugate(c), slot))
    return out


def _charge_conjugate_element(element):
    """C element^T C^-1: gamma^mu and slashed vectors change sign, projectors stay."""
    out = []
    for c, slot in element:
        if slot is not None and slot[0] in ("i", "v"):
            c = -c
        out.append((c, slot))
    return out


def reverse(chain: Chain) -> tuple[int, Chain]:
    """abar(x) G b(y) = - b'bar(y) G^c a'(x): the sign and the reversed chain."""
    other = {"u": "v", "v": "u"}
    elements = tuple(_charge_conjugate_element(e) for e in reversed(chain.elements))
    return -1, Chain(End(chain.right.ext, other[chain.right.kind]), elements,
                     End(chain.left.ext, other[chain.left.kind]))


def _rename(structure: Structure, suffix: str) -> Structure:
    def ren_slot(slot):
        if slot is None:
            return None
        if isinstance(slot[0], tuple):
            return tuple(ren_slot(x) for x in slot)
        kind = slot[0]
        if kind == "i":
            return ("i", slot[1] + suffix)
        if kind == "comp":
            return ("comp", slot[1], slot[2] + suffix)
        if kind == "pol":
            return ("pol", slot[1], slot[2] + suffix)
        if kind == "metric":
            return ("metric", slot[1] + suffix, slot[2] + suffix)
        return slot

    def ren(element):
        return [(c, ren_slot(s)) for c, s in element]

    chains = tuple(Chain(ch.left, tuple(ren(e) for e in ch.elements), ch.right)
                   for ch in structure.chains)
    return Structure(structure.name, chains, tuple(ren(f) for f in structure.bosonic),
                     structure.coefficient)


def _ends(chains) -> dict[int, tuple[str, str]]:
    out = {}
    for ch in chains:
        out[ch.left.ext] = ("left", ch.left.kind)
        out[ch.right.ext] = ("right", ch.right.kind)
    return out


def _matched(a_chains, b_chains):
    """Reverse chains of a and/or b until every external has the same spinor in both."""
    best = None
    for flips in product((False, True), repeat=len(a_chains) + len(b_chains)):
        sign = 1
        chains = []
        for flip, ch in zip(flips, (*a_chains, *b_chains), strict=True):
            if flip:
                sgn, ch = reverse(ch)
                sign *= sgn
            chains.append(ch)
        ca, cb = chains[:len(a_chains)], chains[len(a_chains):]
        if _ends(ca) == _ends(cb):
            best = (sign, ca, cb)
            break
    if best is None:
        raise ValueError("chains cannot be matched by reversal")
    return best


# ----------------------------------------------------------------------------------------
# traces

def _pair(x, y):
    """Metric pairing of two trace slots (('v', name) or ('i', index))."""
    if x[0] == "v" and y[0] == "v":
        a, b = sorted((x[1], y[1]))
        return ("dot", a, b)
    if x[0] == "v":
        return ("comp", x[1], y[1])
    if y[0] == "v":
        return ("comp", y[1], x[1])
    a, b = sorted((x[1], y[1]))
    return ("metric", a, b)


@cache
def _trace(slots: tuple) -> tuple:
    """Tr of gamma slots without gamma5: tuple of (sign, pairings)."""
    n = len(slots)
    if n == 0:
        return ((4, ()),)
    if n % 2:
        return ()
    out = []
    first = slots[0]
    for k in range(1, n):
        sign = 1 if k % 2 == 1 else -1
        rest = slots[1:k] + slots[k + 1:]
        p = _pair(first, slots[k])
        for sgn, pairs in _trace(rest):
            out.append((sign * sgn, (p, *pairs)))
    return tuple(out)


def _reduce_projectors(slots):
    """Move projectors to the front: (chirality or None, gamma slots), or None if zero."""
    front = None
    gammas = []
    for slot in slots:
        if slot[0] == "P":
            ch = slot[1] if len(gammas) % 2 == 0 else _flip(slot[1])
            if front is None:
                front = ch
            elif front != ch:
                return None
        else:
            gammas.append(slot)
    return front, tuple(gammas)


def _expand(elements):
    """Product of sums -> list of (coefficient, slots)."""
    out = [(sp.Integer(1), ())]
    for element in elements:
        new = []
        for c0, s0 in out:
            for c, slot in element:
                if slot is None:
                    new.append((c0 * c, s0))
                elif isinstance(slot[0], tuple):  # a product of slots
                    new.append((c0 * c, (*s0, *slot)))
                else:
                    new.append((c0 * c, (*s0, slot)))
        out = new
    return out


def _loop_traces(elements, keep_gamma5: bool):
    """Trace of a loop: list of (coefficient, pairings, eps) with eps None or a tuple of
    four slots for the coefficient of Tr[gamma5 a b c d]."""
    out = []
    for c, slots in _expand(elements):
        if c == 0:
            continue
        reduced = _reduce_projectors(slots)
        if reduced is None:
            continue
        front, gammas = reduced
        if len(gammas) % 2:
            continue
        half = sp.Integer(1) if front is None else sp.Rational(1, 2)
        for sgn, pairs in _trace(gammas):
            out.append((c * half * sgn, pairs, None))
        if front is not None and keep_gamma5 and len(gammas) >= 4:
            if len(gammas) > 4:
                raise NotImplementedError("gamma5 trace of more than four gammas in a "
                                          "product of two fermion lines")
            s5 = sp.Integer(1) if front == "R" else sp.Integer(-1)
            out.append((c * half * s5, (), gammas))
    return out


def _levi_civita_product(e1, e2):
    """Tr[g5 a1..a4] Tr[g5 b1..b4] = (+-4i)^2 eps^{a} eps^{b} = 16 det[pair(a_i, b_j)]:
    list of (sign, pairings)."""
    out = []
    for perm in permutations(range(4)):
        inv = sum(1 for i in range(4) for j in range(i + 1, 4) if perm[i] > perm[j])
        out.append((16 * (-1) ** inv, tuple(_pair(e1[i], e2[perm[i]]) for i in range(4))))
    return out


# ----------------------------------------------------------------------------------------
# contraction

def _contract(pairs):
    """Contract repeated Lorentz indices: (factor, tuple of ('dot', a, b)) or None (zero)."""
    pairs = list(pairs)
    factor = 1
    changed = True
    while changed:
        changed = False
        seen: dict[str, int] = {}
        for n, p in enumerate(pairs):
            idx = ([p[2]] if p[0] == "comp" else [p[1], p[2]] if p[0] == "metric" else [])
            if p[0] == "metric" and p[1] == p[2]:
                factor *= 4
                pairs.pop(n)
                changed = True
                break
            hit = None
            for i in idx:
                if i in seen:
                    hit = (seen[i], n, i)
                    break
                seen[i] = n
            if hit is None:
                continue
            m, n, i = hit
            a, b = pairs[m], pairs[n]

            def other(p, i):
                return p[2] if p[1] == i else p[1]

            if a[0] == "comp" and b[0] == "comp":
                x, y = sorted((a[1], b[1]))
                new = ("dot", x, y)
            elif a[0] == "comp":
                new = ("comp", a[1], other(b, i))
            elif b[0] == "comp":
                new = ("comp", b[1], other(a, i))
            else:
                x, y = sorted((other(a, i), other(b, i)))
                new = ("metric", x, y)
            for k in sorted((m, n), reverse=True):
                pairs.pop(k)
            pairs.append(new)
            changed = True
            break
    for p in pairs:
        if p[0] != "dot":
            raise ValueError(f"uncontracted index in {p}")
    return factor, tuple(sorted(pairs))


# ----------------------------------------------------------------------------------------
# interference of two structures

@dataclass(frozen=True)
class Externals:
    """Masses (sympy symbols, fermions signed) and types of the four external particles:
    ``spin`` 'F', 'S' or 'V'; ``massless`` vectors use -g for the polarization sum."""

    masses: tuple
    spins: tuple
    massless: tuple = (False, False, False, False)


def interference(a: Structure, b: Structure, ext: Externals) -> sp.Expr:
    """sum over all spins of A_a A_b^*, a polynomial in s, t and the masses."""
    bb = _rename(b, "'")
    sign, ca, cb = _matched(a.chains, bb.chains)
    # conjugate b: reverse each chain, swap projectors, conjugate coefficients
    cbar = [Chain(ch.right, tuple(_conjugate_element(e) for e in reversed(ch.elements)),
                  ch.left) for ch in cb]
    loops = _loops(ca, cbar, ext)
    keep5 = len(loops) == 2
    traced = [_loop_traces(loop, keep5) for loop in loops]
    bosonic = _expand([*a.bosonic, *[_conjugate_pol(f) for f in bb.bosonic]])
    bosonic = _polarization_sums(bosonic, ext)
    total: dict[tuple, sp.Expr] = {}
    coef0 = sign * a.coefficient * sp.conjugate(b.coefficient)
    for combo in product(*traced) if traced else [()]:
        c_loops = sp.Integer(1)
        pairs: tuple = ()
        eps = []
        for c, p, e in combo:
            c_loops *= c
            pairs = pairs + p
            if e is not None:
                eps.append(e)
        if len(eps) == 1:
            continue  # a single Levi-Civita tensor of external momenta: zero
        eps_terms = _levi_civita_product(*eps) if eps else [(1, ())]
        for cb_, pb in bosonic:
            for se, pe in eps_terms:
                f, key = _contract(pairs + pb + pe)
                total[key] = total.get(key, 0) + coef0 * c_loops * cb_ * se * f
    return _to_mandelstam(total, ext)


def _conjugate_pol(element):
    def conj(slot):
        if slot is None:
            return None
        if isinstance(slot[0], tuple):
            return tuple(conj(x) for x in slot)
        return ("polc", slot[1], slot[2]) if slot[0] == "pol" else slot

    return [(sp.conjugate(c), conj(slot)) for c, slot in element]


def _polarization_sums(bosonic, ext: Externals):
    """Replace eps*(x)^mu eps(x)^nu by -g^{mu nu} + k^mu k^nu / M^2; returns (coef, pairs)."""
    out = []
    for c, slots in bosonic:
        pols = {s[1]: s[2] for s in slots if s[0] == "pol"}
        polcs = {s[1]: s[2] for s in slots if s[0] == "polc"}
        rest = tuple(_as_pair(s) for s in slots if s[0] not in ("pol", "polc"))
        if set(pols) != set(polcs):
            raise ValueError("unmatched polarization vectors")
        options = [[(c, rest)]]
        for x, mu in pols.items():
            nu = polcs[x]
            k = EXTERNAL_MOMENTUM[x]
            if ext.massless[x - 1]:
                # transverse sum with the reference vector q = p1 + p2, times (k.q)^2:
                # -(k.q)^2 g + (k.q)(k q + q k) - q^2 k k
                kq = photon_factor(x, ext)
                alts = [(-kq**2, (("metric", *sorted((mu, nu))),)),
                        (kq, (("comp", k, mu), ("comp", "q", nu))),
                        (kq, (("comp", "q", mu), ("comp", k, nu))),
                        (-s_, (("comp", k, mu), ("comp", k, nu)))]
            else:
                alts = [(-1, (("metric", *sorted((mu, nu))),)),
                        (1 / ext.masses[x - 1] ** 2, (("comp", k, mu), ("comp", k, nu)))]
            options.append(alts)
        for combo in product(*options):
            coef = sp.Integer(1)
            pairs: tuple = ()
            for cc, pp in combo:
                coef *= cc
                pairs = pairs + pp
            out.append((coef, pairs))
    return out


def photon_factor(x: int, ext: Externals) -> sp.Expr:
    """k.q for the massless outgoing vector x (3 or 4), q = p1 + p2."""
    m_other = ext.masses[4 - x + 2] if x in (3, 4) else None
    if m_other is None:
        raise ValueError("photons are outgoing particles 3 or 4")
    return (s_ - m_other**2) / 2


def photon_denominator(ext: Externals) -> sp.Expr:
    """The kernels of a class with outgoing photons are polynomials divided by this:
    the product of (k.q)^2 over the photons (the transverse polarization sums)."""
    out = sp.Integer(1)
    for x in (3, 4):
        if ext.massless[x - 1]:
            out *= photon_factor(x, ext) ** 2
    return out


def _as_pair(slot):
    if slot[0] == "comp":
        return ("comp", slot[1], slot[2])
    if slot[0] == "metric":
        return ("metric", *sorted((slot[1], slot[2])))
    raise ValueError(f"unexpected bosonic slot {slot}")


def _loops(ca, cbar, ext: Externals):
    """Join the chains of A_a and A_b^* through the spin sums into closed loops."""
    by_left_a = {ch.left.ext: ch for ch in ca}
    by_left_b = {ch.left.ext: ch for ch in cbar}
    used = set()
    loops = []
    for start in ca:
        if start.left.ext in used:
            continue
        elements = []
        ch, side = start, "a"
        while True:
            used.add(ch.left.ext) if side == "a" else None
            elements.extend(ch.elements)
            x = ch.right.ext
            elements.append(_spin_sum(x, ch.right.kind, ext))
            if side == "a":
                ch, side = by_left_b[x], "b"
            else:
                if x == start.left.ext:
                    break
                ch, side = by_left_a[x], "a"
        loops.append(elements)
    return loops


def _spin_sum(x: int, kind: str, ext: Externals):
    m = ext.masses[x - 1]
    return plus(slash(EXTERNAL_MOMENTUM[x]), scalar(m if kind == "u" else -m))


def dot_products(ext: Externals) -> dict[tuple[str, str], sp.Expr]:
    """All dot products of the external momenta in terms of s, t and the masses."""
    m1, m2, m3, m4 = (m**2 for m in ext.masses)
    u = m1 + m2 + m3 + m4 - s_ - t_
    d = {("p1", "p1"): m1, ("p2", "p2"): m2, ("k1", "k1"): m3, ("k2", "k2"): m4,
         ("p1", "p2"): (s_ - m1 - m2) / 2, ("k1", "k2"): (s_ - m3 - m4) / 2,
         ("k1", "p1"): (m1 + m3 - t_) / 2, ("k2", "p2"): (m2 + m4 - t_) / 2,
         ("k2", "p1"): (m1 + m4 - u) / 2, ("k1", "p2"): (m2 + m3 - u) / 2}
    return d


def _to_mandelstam(total: dict, ext: Externals) -> sp.Expr:
    basic = dot_products(ext)

    def dot(a, b):
        out = 0
        for x, cx in VECTORS[a].items():
            for y, cy in VECTORS[b].items():
                out += cx * cy * basic[tuple(sorted((x, y)))]
        return out

    cache: dict = {}
    expr = 0
    for key, coef in total.items():
        if coef == 0:
            continue
        term = sp.Integer(1)
        for _, a, b in key:
            if (a, b) not in cache:
                cache[(a, b)] = sp.expand(dot(a, b))
            term *= cache[(a, b)]
        expr += coef * term
    return sp.expand(expr)
