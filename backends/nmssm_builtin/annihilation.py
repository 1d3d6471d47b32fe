"""The coannihilating species of the NMSSM and the cross sections of their pairs.

Species (separate particle and antiparticle where they differ, as the Griest-Seckel sum
counts them): the five neutralinos (2 spin states each), chi+_1,2 and chi-_1,2 (2 each),
and the sleptons of ``annihilation_sleptons`` (1 each). Every pair of inos gets the
tree-level cross sections of ``annihilation_inos`` into each open final state;
chi-_k chi0_i and chi-_k chi-_l are the CP conjugates of chi+_k chi0_i and chi+_k chi+_l
(equal cross sections, conjugate channel names). Slepton pairs: those of
``annihilation_sleptons.pair_types`` (a slepton with an antislepton of its flavour).
``freeze_out_problem`` hands species, pairs and the s-channel resonances of each pair to
``backends.freezeout``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from backends.freezeout import Pair

from . import annihilation_inos as ai
from . import annihilation_sleptons as asl
from . import sm_inputs as sm
from .vertices import Chiral

NEUTRALINOS = tuple(f"chi{i}" for i in range(1, 6))
CHARGINOS_PLUS = ("cha1+", "cha2+")
CHARGINOS_MINUS = ("cha1-", "cha2-")
INOS = NEUTRALINOS + CHARGINOS_PLUS + CHARGINOS_MINUS
SPECIES_NAMES = INOS + asl.SPECIES_NAMES
#: CP conjugation of channel names (particle <-> antiparticle)
_CONJUGATE = {"W+": "W-", "W-": "W+", "H+": "H-", "H-": "H+"}


def conjugate_channel(name: str) -> str:
    """The CP conjugate of a final state: 'u d~' -> 'u~ d', 'W+ Z' -> 'W- Z'."""
    out = []
    for p in name.split():
        if p in _CONJUGATE:
            out.append(_CONJUGATE[p])
        elif p.endswith("~"):
            out.append(p[:-1])
        elif p.endswith("+"):
            out.append(p[:-1] + "-")
        elif p.endswith("-"):
            out.append(p[:-1] + "+")
        elif p in ("Z", "gamma") or (p[0] in "ha" and p[1:].isdigit()):
            out.append(p)
        else:
            out.append(p + "~")
    return " ".join(out)


class _RowVertices:
    """The couplings of a batch restricted to some of its points (sliced when read)."""

    def __init__(self, vx, rows: np.ndarray):
        self._vx, self._rows = vx, rows
        self._cache: dict = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            self._cache[name] = _take(getattr(self._vx, name), self._rows)
        return self._cache[name]


def _take(value, rows):
    if isinstance(value, Chiral):
        return Chiral(value.L[rows], value.R[rows])
    if isinstance(value, Mapping):
        return {k: _take(v, rows) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return value[rows]
    return value


def subset(inp: ai.Inputs, rows: np.ndarray) -> ai.Inputs:
    """The inputs of some points of the batch."""
    return replace(
        inp, vx=_RowVertices(inp.vx, rows), mneu=inp.mneu[rows], mcha=inp.mcha[rows],
        mh=inp.mh[rows], ma=inp.ma[rows], mhc=inp.mhc[rows], width_h=inp.width_h[rows],
        width_a=inp.width_a[rows], width_hc=inp.width_hc[rows],
        msf={k: v[rows] for k, v in inp.msf.items()},
        mf={k: v[rows] for k, v in inp.mf.items()},
        yukawa_mass={k: v[rows] for k, v in inp.yukawa_mass.items()})


@dataclass
class _PairType:
    """How to compute one species pair: builder(inputs) -> [(channel, process)]."""

    i: int
    j: int
    builder: Callable
    conjugate: bool
    charged: bool


_CHANNELS: dict[tuple, list[str]] = {}


def _pair_types() -> list[_PairType]:
    n0, cp, cm = 5, 5, 7
    out = []
    for i in range(5):
        for j in range(i, 5):
            out.append(_PairType(i, j, lambda inp, i=i, j=j: ai.neutralino_pair(inp, i, j),
                                 False, False))
    for k in range(2):
        for i in range(n0):
            def build(inp, k=k, i=i):
                return ai.chargino_neutralino(inp, k, i)
            out.append(_PairType(i, cp + k, build, False, True))
            out.append(_PairType(i, cm + k, build, True, True))
    for k in range(2):
        for m in range(2):
            out.append(_PairType(cp + k, cm + m,
                                 lambda inp, k=k, m=m: ai.chargino_pair(inp, k, m),
                                 False, False))
    for k in range(2):
        for m in range(k, 2):
            def build(inp, k=k, m=m):
                return ai.same_sign_charginos(inp, k, m)
            out.append(_PairType(cp + k, cp + m, build, False, True))
            out.append(_PairType(cm + k, cm + m, build, True, True))
    offset = len(INOS)
    for i, j, build, conjugate, charged in asl.pair_types():
        out.append(_PairType(offset + i, offset + j, build, conjugate, charged))
    return out


PAIR_TYPES = _pair_types()


def species_masses(inp: ai.Inputs) -> tuple[np.ndarray, np.ndarray]:
    """Masses (n, S) [GeV] (absolute) and internal degrees of freedom (S,)."""
    masses = np.concatenate([np.abs(inp.mneu), inp.mcha, inp.mcha,
                             asl.species_masses(inp)], axis=1)
    dofs = np.r_[np.full(len(INOS), 2.0), np.ones(len(asl.SPECIES_NAMES))]
    return masses, dofs


def _resonances(inp: ai.Inputs, charged: bool) -> tuple[np.ndarray, np.ndarray]:
    n = inp.n
    if charged:
        return (np.stack([np.full(n, sm.MW), inp.mhc], axis=1),
                np.stack([np.full(n, ai.WIDTH_W), inp.width_hc], axis=1))
    return (np.concatenate([np.full((n, 1), sm.MZ), inp.mh, inp.ma], axis=1),
            np.concatenate([np.full((n, 1), ai.WIDTH_Z), inp.width_h, inp.width_a], axis=1))


def channel_names(pt: _PairType, inp: ai.Inputs) -> list[str]:
    """The final states of a pair type (computed once, on one point)."""
    key = (pt.builder.__code__, pt.builder.__defaults__)
    if key not in _CHANNELS:
        _CHANNELS[key] = [n for name, _ in pt.builder(subset(inp, np.arange(1)))
                          for n in (name if isinstance(name, tuple) else (name,))]
    names = _CHANNELS[key]
    return [conjugate_channel(c) for c in names] if pt.conjugate else list(names)


def freeze_out_problem(inp: ai.Inputs, relevant: float = 0.6
                       ) -> tuple[np.ndarray, np.ndarray, list[str], list[Pair]]:
    """Species masses, degrees of freedom, names and the pairs for ``freeze_out``.

    Cross sections are computed up to sqrt(s) = (2 + ``relevant``) m_LSP (zero above):
    beyond, the Boltzmann factor exp(-x relevant) of the freeze-out (x > 20) leaves no
    trace in the relic density, and final states heavier than that are left out."""
    masses, dofs = species_masses(inp)
    e_max = (2.0 + relevant) * masses.min(axis=1)
    pairs = []
    shared: dict = {}  # CP-conjugate pairs share their cross sections
    for pt in PAIR_TYPES:
        res_mass, res_width = _resonances(inp, pt.charged)
        pairs.append(Pair(pt.i, pt.j, _cross_section(pt, inp, shared, e_max),
                          channel_names(pt, inp), res_mass, res_width))
    return masses, dofs, list(SPECIES_NAMES), pairs


def _cross_section(pt: _PairType, inp: ai.Inputs, shared: dict, e_max: np.ndarray):
    def cross_section(rows: np.ndarray, sqrt_s: np.ndarray) -> np.ndarray:
        key = (pt.builder.__code__, pt.builder.__defaults__, rows.tobytes(),
               sqrt_s.tobytes())
        if key not in shared:
            s = sqrt_s**2
            columns = []
            top = e_max[rows]
            for name, proc in pt.builder(subset(inp, rows)):
                if isinstance(name, tuple):  # one process stacked over flavours
                    sigma = proc.sigma_on_grid(np.tile(s, (len(name), 1)),
                                               e_max=np.tile(top, len(name)))
                    columns.extend(sigma.reshape(len(name), *s.shape))
                else:
                    columns.append(proc.sigma_on_grid(s, e_max=top))
            shared[key] = np.stack(columns, axis=-1)
        return shared[key]
    return cross_section
