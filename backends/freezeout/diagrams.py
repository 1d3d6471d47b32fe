"""Tree-level diagrams of two incoming fermions or scalars as terms of the structures'
couplings.

Conventions (those of ``kernels``): the incoming fermions are u(p1), vbar(p2), one
continuous fermion flow from particle 1 to particle 2 (Denner, Eck, Hahn, Kublbeck,
Nucl. Phys. B387 (1992) 467, for Majorana fermions); final fermions ubar(k1) ... v(k2).
A fermion vertex along the flow is i (L P_L + R P_R) or i gamma^mu (L P_L + R P_R),
given as the pair ``(L, R)`` of complex arrays over points; bosonic vertices are i times
a coupling times the Lorentz factor said at each function. Propagators: scalar
i/(p^2 - M^2), fermion i(p-slash + m)/(p^2 - m^2) (p along the flow, m signed), vector
-i(g - p p/M^2)/(p^2 - M^2 + i M Gamma) (unitary gauge; the photon -i g/p^2). Each
function returns the ``twobody.Term`` list of its diagram, with M defined by
i M = (product of vertices and propagators); diagrams whose spinors appear in a
different order than in the s channel carry the sign of that permutation.

Two incoming scalars (classes SS_*): particle 1 a scalar, particle 2 the antiparticle of
a scalar; a vector couples to a scalar line as i a (p_in + p_out)^mu (p_in the momentum
of the scalar coming in, p_out of the one going on, along the charge flow), so to the
initial pair as i a (p1 - p2)^mu; two vectors at one point (contact) as i c g^{mn}.
"""

from __future__ import annotations

import numpy as np

from .twobody import Term

X = ("L", "R")


def _other(x: str) -> str:
    return "R" if x == "L" else "L"


def _pick(pair, x):
    return pair[0] if x == "L" else pair[1]


def _c(v) -> np.ndarray:
    return np.asarray(v, dtype=complex)


# ---------------------------------------------------------------- two fermions out (FF_FF)

def ff_s_scalar(a, b, mass, width) -> list[Term]:
    """s-channel scalar: vbar2 i(a) u1, ubar3 i(b) v4."""
    return [Term(f"sS_{x}{y}", "s", -_c(_pick(a, x)) * _pick(b, y), mass, width)
            for x in X for y in X]


def ff_s_vector(a, b, mass, width) -> list[Term]:
    """s-channel vector: vbar2 i gamma(a) u1, ubar3 i gamma(b) v4 (massless: photon)."""
    out = []
    massless = np.all(np.asarray(mass) == 0)
    for x in X:
        for y in X:
            ab = _c(_pick(a, x)) * _pick(b, y)
            out.append(Term(f"sV_{x}{y}", "s", ab, mass, width))
            if not massless:
                out.append(Term(f"sQ_{x}{y}", "s", -ab / np.asarray(mass) ** 2, mass, width))
    return out


def ff_t_scalar(c, d, mass) -> list[Term]:
    """t-channel scalar: ubar3 i(c) u1 and vbar2 i(d) v4 (sign -1 against the s channel)."""
    return [Term(f"tS_{x}{y}", "t", _c(_pick(c, x)) * _pick(d, y), mass)
            for x in X for y in X]


def ff_u_scalar(e, f, mass) -> list[Term]:
    """u-channel scalar: vbar2 i(e) v3 and ubar4 i(f) u1 (sign +1 against the s channel)."""
    return [Term(f"uS_{x}{y}", "u", -_c(_pick(e, x)) * _pick(f, y), mass)
            for x in X for y in X]


# ---------------------------------------------------------------- two vectors out (FF_VV)

def vv_s_vector(a, g3, mass, width) -> list[Term]:
    """s-channel vector X into V3 V4: vbar2 i gamma^r(a) u1 and the triple vertex
    i g3 [g_rm (q+k1)_n + g_mn (k2-k1)_r - g_nr (k2+q)_m] (X in with q, V3 and V4 out,
    indices r, m, n: the all-incoming cyclic form in the order X, V3, V4)."""
    out = []
    massless = np.all(np.asarray(mass) == 0)
    for x in X:
        v = _c(_pick(a, x)) * g3
        out.append(Term(f"sV_{x}", "s", v, mass, width))
        if not massless:
            out.append(Term(f"sQ_{x}", "s", -v / np.asarray(mass) ** 2, mass, width))
    return out


def vv_s_scalar(a, g, mass, width) -> list[Term]:
    """s-channel scalar into V3 V4: vbar2 i(a) u1, vertex i g g^{mn}."""
    return [Term(f"sS_{x}", "s", -_c(_pick(a, x)) * g, mass, width) for x in X]


def vv_t_fermion(b, c, mass) -> list[Term]:
    """t-channel fermion: V3 emitted from the particle-1 side, i gamma(b), then V4,
    i gamma(c)."""
    out = []
    for x in X:
        out.append(Term(f"t1_{x}", "t", -_c(_pick(c, x)) * _pick(b, x), mass))
        out.append(Term(f"t0_{x}", "t", -_c(mass) * _pick(c, _other(x)) * _pick(b, x), mass))
    return out


def vv_u_fermion(b, c, mass) -> list[Term]:
    """u-channel fermion: V4 emitted from the particle-1 side, i gamma(b), then V3,
    i gamma(c)."""
    out = []
    for x in X:
        out.append(Term(f"u1_{x}", "u", -_c(_pick(c, x)) * _pick(b, x), mass))
        out.append(Term(f"u0_{x}", "u", -_c(mass) * _pick(c, _other(x)) * _pick(b, x), mass))
    return out


# ---------------------------------------------------------------- vector + scalar (FF_VS)

def vs_s_vector(a, g, mass, width) -> list[Term]:
    """s-channel vector X into V3 S4: vbar2 i gamma(a) u1, vertex i g g^{rm}."""
    out = []
    massless = np.all(np.asarray(mass) == 0)
    for x in X:
        v = _c(_pick(a, x)) * g
        out.append(Term(f"c0_{x}", "s", v, mass, width))
        if not massless:
            out.append(Term(f"sQ_{x}", "s", -v / np.asarray(mass) ** 2, mass, width))
    return out


def vs_s_scalar(a, g, mass, width) -> list[Term]:
    """s-channel scalar S into V3 S4: vbar2 i(a) u1, vertex i g (q + k2).eps3* (the
    scalar momenta along the scalar line: S in with q, S4 out with k2)."""
    return [Term(f"sS_{x}", "s", -2.0 * _c(_pick(a, x)) * g, mass, width) for x in X]


def vs_t_fermion(b, c, mass) -> list[Term]:
    """V3 emitted from the particle-1 side, i gamma(b), then S4, i(c)."""
    out = []
    for x in X:
        out.append(Term(f"t1_{x}", "t", -_c(_pick(c, x)) * _pick(b, x), mass))
        out.append(Term(f"c0_{x}", "t", -_c(mass) * _pick(c, _other(x)) * _pick(b, x), mass))
    return out


def vs_u_fermion(b, c, mass) -> list[Term]:
    """S4 emitted from the particle-1 side, i(b), then V3, i gamma(c)."""
    out = []
    for x in X:
        out.append(Term(f"u1_{x}", "u", -_c(_pick(c, _other(x))) * _pick(b, x), mass))
        out.append(Term(f"c0_{x}", "u", -_c(mass) * _pick(c, x) * _pick(b, x), mass))
    return out


# ---------------------------------------------------------------- two scalars out (FF_SS)

def ss_s_scalar(a, g, mass, width) -> list[Term]:
    """s-channel scalar into S3 S4: vbar2 i(a) u1, vertex i g."""
    return [Term(f"c0_{x}", "s", -_c(_pick(a, x)) * g, mass, width) for x in X]


def ss_s_vector(a, g, mass, width, m3, m4) -> list[Term]:
    """s-channel vector into S3 S4: vbar2 i gamma(a) u1, vertex i g (k1 - k2)^r."""
    out = []
    massless = np.all(np.asarray(mass) == 0)
    for x in X:
        v = _c(_pick(a, x)) * g
        out.append(Term(f"sV_{x}", "s", v, mass, width))
        if not massless:
            out.append(Term(f"sQ_{x}", "s", -v * (np.asarray(m3) ** 2 - np.asarray(m4) ** 2)
                            / np.asarray(mass) ** 2, mass, width))
    return out


def ss_t_fermion(b, c, mass) -> list[Term]:
    """S3 emitted from the particle-1 side, i(b), then S4, i(c)."""
    out = []
    for x in X:
        out.append(Term(f"t1_{x}", "t", -_c(_pick(c, _other(x))) * _pick(b, x), mass))
        out.append(Term(f"c0_{x}", "t", -_c(mass) * _pick(c, x) * _pick(b, x), mass))
    return out


def ss_u_fermion(b, c, mass) -> list[Term]:
    """S4 emitted from the particle-1 side, i(b), then S3, i(c)."""
    out = []
    for x in X:
        out.append(Term(f"u1_{x}", "u", -_c(_pick(c, _other(x))) * _pick(b, x), mass))
        out.append(Term(f"c0_{x}", "u", -_c(mass) * _pick(c, x) * _pick(b, x), mass))
    return out


# ---------------------------------------------------------- two scalars in, vectors out (SS_VV)

def sv_contact(c) -> list[Term]:
    """Contact vertex i c g^{mn} of the two scalars and the two vectors."""
    return [Term("c0", "c", _c(c))]


def sv_s_scalar(a, g, mass, width) -> list[Term]:
    """s-channel scalar: initial pair i a, vertex to the vectors i g g^{mn}."""
    return [Term("c0", "s", -_c(a) * g, mass, width)]


def sv_s_vector(a, g3, mass, width, m1, m2) -> list[Term]:
    """s-channel vector: initial pair i a (p1 - p2)^r, triple vertex i g3 [...] as in
    ``vv_s_vector``; the q q / M^2 part of the propagator gives (m1^2 - m2^2)/M^2 q^r."""
    v = _c(a) * g3
    out = [Term("sV", "s", v, mass, width)]
    if not np.all(np.asarray(mass) == 0):
        out.append(Term("sQ", "s", -v * (np.asarray(m1) ** 2 - np.asarray(m2) ** 2)
                        / np.asarray(mass) ** 2, mass, width))
    return out


def sv_t_scalar(b, c, mass) -> list[Term]:
    """t-channel scalar: V3 emitted from the particle-1 side, i b (p_in + p_out), then V4,
    i c (p_in + p_out)."""
    return [Term("t", "t", 4.0 * _c(b) * c, mass)]


def sv_u_scalar(b, c, mass) -> list[Term]:
    """u-channel scalar: V4 emitted from the particle-1 side, i b (p_in + p_out), then V3,
    i c (p_in + p_out)."""
    return [Term("u", "u", 4.0 * _c(b) * c, mass)]


# --------------------------------------------------------- two scalars in, fermions out (SS_FF)

def sf_s_scalar(a, y, mass, width) -> list[Term]:
    """s-channel scalar: initial pair i a, ubar3 i(y) v4."""
    return [Term(f"c0_{x}", "s", -_c(a) * _pick(y, x), mass, width) for x in X]


def sf_s_vector(a, f, mass, width, m1, m2) -> list[Term]:
    """s-channel vector: initial pair i a (p1 - p2)^r, ubar3 i gamma_r(f) v4 (massless:
    photon)."""
    out = []
    massless = np.all(np.asarray(mass) == 0)
    for x in X:
        v = _c(a) * _pick(f, x)
        out.append(Term(f"sV_{x}", "s", v, mass, width))
        if not massless:
            out.append(Term(f"sQ_{x}", "s", -v * (np.asarray(m1) ** 2 - np.asarray(m2) ** 2)
                            / np.asarray(mass) ** 2, mass, width))
    return out


def sf_t_fermion(b, c, mass) -> list[Term]:
    """t-channel fermion: scalar 1 turns into fermion 3, ubar3 i(b), scalar 2 absorbs the
    exchanged fermion, i(c) v4 (propagator momentum k1 - p1 along the flow)."""
    out = []
    for x in X:
        out.append(Term(f"t1_{x}", "t", _c(_pick(b, _other(x))) * _pick(c, x), mass))
        out.append(Term(f"c0_{x}", "t", -_c(mass) * _pick(b, x) * _pick(c, x), mass))
    return out


def sf_u_fermion(b, c, mass) -> list[Term]:
    """u-channel fermion: scalar 2 turns into fermion 3, ubar3 i(b), scalar 1 absorbs the
    exchanged fermion, i(c) v4 (propagator momentum p1 - k2 along the flow)."""
    out = []
    for x in X:
        out.append(Term(f"u1_{x}", "u", -_c(_pick(b, _other(x))) * _pick(c, x), mass))
        out.append(Term(f"c0_{x}", "u", -_c(mass) * _pick(b, x) * _pick(c, x), mass))
    return out
