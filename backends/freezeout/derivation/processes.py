"""The generic 2 -> 2 process classes and their Lorentz-Dirac structures.

Externals: 1, 2 incoming (p1, p2), 3, 4 outgoing (k1, k2). Fermion lines run from
u(p1) to vbar(p2) for two incoming fermions; final fermion pairs are ubar(k1) ... v(k2).
Every structure carries one chirality label per projector (X, Y in L, R); the effective
coupling of a structure collects the couplings, the propagators and the
fermion-propagator masses of every diagram with that form (see ``..twobody``).
Slashed polarizations eps*(k)-slash appear as gamma^mu eps*_mu.

Classes (F fermion, S scalar, V massive vector, A photon; FF_ff: massless final fermions):

FF_FF  sS  [v2 P_X u1][u3 P_Y v4]            s-channel scalar
       sV  [v2 g^m P_X u1][u3 g_m P_Y v4]      s-channel vector, -g part
       sQ  [v2 q P_X u1][u3 q P_Y v4]          s-channel vector, q q / M^2 part (q = p1+p2)
       tS  [u3 P_X u1][v2 P_Y v4]              t-channel scalar (t = (p1-k1)^2)
       uS  [v2 P_X v3][u4 P_Y u1]              u-channel scalar (u = (p1-k2)^2)
FF_VV  sV  [v2 g^r P_X u1] G_r                  G_r = e3_r (q+k1).e4 + e3.e4 (k2-k1)_r
                                                     - e4_r (k2+q).e3 (triple gauge vertex)
       sQ  [v2 q P_X u1] q^r G_r
       sS  [v2 P_X u1] e3.e4
       t1  [v2 e4 qt e3 P_X u1], t0 [v2 e4 e3 P_X u1]      qt = p1 - k1
       u1  [v2 e3 qu e4 P_X u1], u0 [v2 e3 e4 P_X u1]      qu = p1 - k2
FF_VS  c0  [v2 e3 P_X u1]            (s-channel vector; t- and u-channel mass terms)
       sQ  [v2 q P_X u1] q.e3
       sS  [v2 P_X u1] k2.e3
       t1  [v2 qt e3 P_X u1]         (vector emitted on the p1 side)
       u1  [v2 e3 qu P_X u1]         (scalar emitted on the p1 side)
FF_SS  c0  [v2 P_X u1]               (s-channel scalar; t- and u-channel mass terms)
       sV  [v2 (k1 - k2) P_X u1]
       sQ  [v2 q P_X u1]
       t1  [v2 qt P_X u1], u1 [v2 qu P_X u1]

Two incoming scalars (S1 the particle, S2 the antiparticle of a pair; SS_ff: massless
final fermions):

SS_VV  c0  e3.e4                             (contact and s-channel scalar)
       sV  (p1 - p2)^r G_r                   (s-channel vector, -g part)
       sQ  q^r G_r                           (s-channel vector, q q / M^2 part)
       t   (p1.e3)(p2.e4)                    (t-channel scalar: V3 emitted by S1)
       u   (p1.e4)(p2.e3)                    (u-channel scalar: V4 emitted by S1)
SS_FF  c0  [u3 P_X v4]                       (s-channel scalar; fermion-exchange masses)
       sV  [u3 (p1 - p2) P_X v4]             (s-channel vector, -g part)
       sQ  [u3 q P_X v4]                     (s-channel vector, q q / M^2 part)
       t1  [u3 qt P_X v4]                    (t-channel fermion: S1 turns into fermion 3)
       u1  [u3 qu P_X v4]                    (u-channel fermion: S2 turns into fermion 3)
"""

from __future__ import annotations

import sympy as sp

from .algebra import Chain, End, Externals, Structure, add, comp, gamma, pol, proj, slash, times

M = sp.symbols("m1 m2 m3 m4", real=True)
CHIRALITIES = ("L", "R")


def _chain(left: tuple, right: tuple, *elements) -> Chain:
    return Chain(End(*left), tuple(elements), End(*right))


def _line(*elements, chirality: str) -> Chain:
    """vbar(p2) elements P_X u(p1)."""
    return _chain((2, "v"), (1, "u"), *elements, proj(chirality))


def _ff_ff() -> list[Structure]:
    out = []
    for x in CHIRALITIES:
        for y in CHIRALITIES:
            out.append(Structure(f"sS_{x}{y}", (_line(chirality=x),
                                                _chain((3, "u"), (4, "v"), proj(y)))))
            out.append(Structure(f"sV_{x}{y}", (_line(gamma("m"), chirality=x),
                                                _chain((3, "u"), (4, "v"), gamma("m"),
                                                       proj(y)))))
            out.append(Structure(f"sQ_{x}{y}", (_line(slash("q"), chirality=x),
                                                _chain((3, "u"), (4, "v"), slash("q"),
                                                       proj(y)))))
            out.append(Structure(f"tS_{x}{y}", (_chain((3, "u"), (1, "u"), proj(x)),
                                                _chain((2, "v"), (4, "v"), proj(y)))))
            out.append(Structure(f"uS_{x}{y}", (_chain((2, "v"), (3, "v"), proj(x)),
                                                _chain((4, "u"), (1, "u"), proj(y)))))
    return out


def _triple_gauge(index: str) -> list:
    """G_r = e3_r (q+k1).e4 + e3.e4 (k2-k1)_r - e4_r (k2+q).e3 (one product per term)."""
    return add(times(pol(3, index), comp("q", "a"), pol(4, "a")),
               times(pol(3, index), comp("k1", "a"), pol(4, "a")),
               times(pol(3, "a"), pol(4, "a"), comp("k2", index)),
               times(pol(3, "a"), pol(4, "a"), comp((-1, "k1"), index)),
               times(pol(4, index), comp((-1, "k2"), "a"), pol(3, "a")),
               times(pol(4, index), comp((-1, "q"), "a"), pol(3, "a")))


def _triple_gauge_q() -> list:
    """q^r G_r."""
    return add(times(comp("q", "b"), pol(3, "b"), comp("q", "a"), pol(4, "a")),
               times(comp("q", "b"), pol(3, "b"), comp("k1", "a"), pol(4, "a")),
               times(pol(3, "a"), pol(4, "a"), comp("k2", "b"), comp("q", "b")),
               times(pol(3, "a"), pol(4, "a"), comp((-1, "k1"), "b"), comp("q", "b")),
               times(comp("q", "b"), pol(4, "b"), comp((-1, "k2"), "a"), pol(3, "a")),
               times(comp("q", "b"), pol(4, "b"), comp((-1, "q"), "a"), pol(3, "a")))


def _ff_vv() -> list[Structure]:
    out = []
    for x in CHIRALITIES:
        out.append(Structure(f"sV_{x}", (_line(gamma("r"), chirality=x),),
                             (_triple_gauge("r"),)))
        out.append(Structure(f"sQ_{x}", (_line(slash("q"), chirality=x),),
                             (_triple_gauge_q(),)))
        out.append(Structure(f"sS_{x}", (_line(chirality=x),),
                             (times(pol(3, "a"), pol(4, "a")),)))
        out.append(Structure(f"t1_{x}", (_line(gamma("n"), slash("qt"), gamma("m"),
                                               chirality=x),), (pol(4, "n"), pol(3, "m"))))
        out.append(Structure(f"t0_{x}", (_line(gamma("n"), gamma("m"), chirality=x),),
                             (pol(4, "n"), pol(3, "m"))))
        out.append(Structure(f"u1_{x}", (_line(gamma("m"), slash("qu"), gamma("n"),
                                               chirality=x),), (pol(4, "n"), pol(3, "m"))))
        out.append(Structure(f"u0_{x}", (_line(gamma("m"), gamma("n"), chirality=x),),
                             (pol(4, "n"), pol(3, "m"))))
    return out


def _ff_vs() -> list[Structure]:
    out = []
    for x in CHIRALITIES:
        out.append(Structure(f"c0_{x}", (_line(gamma("m"), chirality=x),), (pol(3, "m"),)))
        out.append(Structure(f"sQ_{x}", (_line(slash("q"), chirality=x),),
                             (times(comp("q", "a"), pol(3, "a")),)))
        out.append(Structure(f"sS_{x}", (_line(chirality=x),),
                             (times(comp("k2", "a"), pol(3, "a")),)))
        out.append(Structure(f"t1_{x}", (_line(slash("qt"), gamma("m"), chirality=x),),
                             (pol(3, "m"),)))
        out.append(Structure(f"u1_{x}", (_line(gamma("m"), slash("qu"), chirality=x),),
                             (pol(3, "m"),)))
    return out


def _ff_ss() -> list[Structure]:
    out = []
    for x in CHIRALITIES:
        out.append(Structure(f"c0_{x}", (_line(chirality=x),)))
        out.append(Structure(f"sV_{x}", (_line(slash("k1", (-1, "k2")), chirality=x),)))
        out.append(Structure(f"sQ_{x}", (_line(slash("q"), chirality=x),)))
        out.append(Structure(f"t1_{x}", (_line(slash("qt"), chirality=x),)))
        out.append(Structure(f"u1_{x}", (_line(slash("qu"), chirality=x),)))
    return out


def _final_line(*elements, chirality: str) -> Chain:
    """ubar(k1) elements P_X v(k2)."""
    return _chain((3, "u"), (4, "v"), *elements, proj(chirality))


def _ss_vv() -> list[Structure]:
    return [Structure("c0", (), (times(pol(3, "a"), pol(4, "a")),)),
            Structure("sV", (), (add(times(comp("p1", "r"), _triple_gauge("r")),
                                     times(comp((-1, "p2"), "r"), _triple_gauge("r"))),)),
            Structure("sQ", (), (_triple_gauge_q(),)),
            Structure("t", (), (times(comp("p1", "a"), pol(3, "a"), comp("p2", "b"),
                                      pol(4, "b")),)),
            Structure("u", (), (times(comp("p1", "a"), pol(4, "a"), comp("p2", "b"),
                                      pol(3, "b")),))]


def _ss_ff() -> list[Structure]:
    out = []
    for x in CHIRALITIES:
        out.append(Structure(f"c0_{x}", (_final_line(chirality=x),)))
        out.append(Structure(f"sV_{x}", (_final_line(slash("p1", (-1, "p2")), chirality=x),)))
        out.append(Structure(f"sQ_{x}", (_final_line(slash("q"), chirality=x),)))
        out.append(Structure(f"t1_{x}", (_final_line(slash("qt"), chirality=x),)))
        out.append(Structure(f"u1_{x}", (_final_line(slash("qu"), chirality=x),)))
    return out


def _externals(spins: str, photons: tuple[int, ...] = (), massless: tuple[int, ...] = ()
               ) -> Externals:
    masses = tuple(sp.Integer(0) if k + 1 in photons + massless else M[k] for k in range(4))
    massless = tuple(k + 1 in photons for k in range(4))
    return Externals(masses=masses, spins=tuple(spins), massless=massless)


#: class name -> (externals, structures)
CLASSES = {
    "FF_FF": (_externals("FFFF"), _ff_ff),
    "FF_ff": (_externals("FFFF", massless=(3, 4)), _ff_ff),
    "FF_VV": (_externals("FFVV"), _ff_vv),
    "FF_VA": (_externals("FFVV", (4,)), _ff_vv),
    "FF_AA": (_externals("FFVV", (3, 4)), _ff_vv),
    "FF_VS": (_externals("FFVS"), _ff_vs),
    "FF_AS": (_externals("FFVS", (3,)), _ff_vs),
    "FF_SS": (_externals("FFSS"), _ff_ss),
    "SS_VV": (_externals("SSVV"), _ss_vv),
    "SS_VA": (_externals("SSVV", (4,)), _ss_vv),
    "SS_AA": (_externals("SSVV", (3, 4)), _ss_vv),
    "SS_FF": (_externals("SSFF"), _ss_ff),
    "SS_ff": (_externals("SSFF", massless=(3, 4)), _ss_ff),
}
