"""Write ``backends/freezeout/kernels.py``: the interference kernels of every process class.

    python -m backends.freezeout.derivation.generate

For each class of ``processes`` and each pair a <= b of its structures the spin sum
K_ab(s, t) = sum_spins A_a A_b^* (``algebra.interference``) is a polynomial in s and t
whose coefficients are rational in the external masses; the generated module returns
these coefficients as arrays, with common subexpressions computed once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from .algebra import interference, photon_denominator, s_, t_
from .processes import CLASSES, M

TARGET = Path(__file__).resolve().parents[1] / "kernels.py"

HEADER = '''# ruff: noqa: E501
"""Interference kernels of the generic 2 -> 2 process classes (generated code).

Written by ``python -m backends.freezeout.derivation.generate`` from the structures of
``backends.freezeout.derivation.processes``; do not edit by hand. For a class C,
``C.coefficients(m1, m2, m3, m4)`` returns c[k, i, j] (arrays over points) such that the
spin-summed product of structures a = C.pairs[k][0] and b = C.pairs[k][1] is

    K_ab(s, t) = sum_ij c[k, i, j] s^i t^j / C.photon_denominator(s, m3, m4),

with signed fermion masses and s, t in GeV^2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class KernelClass:
    """One process class: structure names, the nonzero pairs a <= b, the polynomial
    degrees in s and t, the coefficient function and the photon denominator."""

    name: str
    structures: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    degree: tuple[int, int]
    coefficients: Callable[..., np.ndarray]
    photon_denominator: Callable[..., np.ndarray]
'''


def _class_code(name: str) -> str:
    ext, make = CLASSES[name]
    structures = make()
    pairs = []
    polys = []
    for i, a in enumerate(structures):
        for j in range(i, len(structures)):
            k = sp.expand(interference(a, structures[j], ext))
            if k == 0:
                continue
            pairs.append((i, j))
            polys.append(sp.Poly(k, s_, t_))
    ds = max(p.degree(s_) for p in polys)
    dt = max(p.degree(t_) for p in polys)
    entries = []
    for n, p in enumerate(polys):
        for (i, j), c in zip(p.monoms(), p.coeffs(), strict=True):
            entries.append(((n, i, j), sp.factor_terms(c)))
    temps, reduced = sp.cse([c for _, c in entries], symbols=sp.numbered_symbols("x"))
    fn = f"_{name.lower()}"
    lines = [f"def {fn}(m1, m2, m3, m4):",
             "    m1, m2, m3, m4 = np.broadcast_arrays(*(np.asarray(m, dtype=float)"
             " for m in (m1, m2, m3, m4)))"]
    for sym, expr in temps:
        lines.append(f"    {sym} = {sp.pycode(expr)}")
    lines.append(f"    c = np.zeros(({len(polys)}, {ds + 1}, {dt + 1}, *m1.shape))")
    for (idx, _), expr in zip(entries, reduced, strict=True):
        lines.append(f"    c[{idx[0]}, {idx[1]}, {idx[2]}] = {sp.pycode(expr)}")
    lines.append("    return c")
    den = photon_denominator(ext)
    den_fn = f"{fn}_photons"
    lines += ["", "", f"def {den_fn}(s, m3, m4):",
              f"    return {sp.pycode(den) if den != 1 else '1.0'} + 0.0 * s"]
    names = ", ".join(f'"{x.name}"' for x in structures)
    lines += ["", "", f"{name} = KernelClass(", f'    name="{name}",',
              f"    structures=({names},),", f"    pairs={tuple(pairs)!r},",
              f"    degree=({ds}, {dt}),", f"    coefficients={fn},",
              f"    photon_denominator={den_fn},", ")"]
    code = "\n".join(lines)
    for k, m in enumerate(M):  # the mass symbols print as m1..m4 already
        assert str(m) == f"m{k + 1}"
    return code


def generate(names=None) -> str:
    names = list(CLASSES) if names is None else names
    body = "\n\n\n".join(_class_code(n) for n in names)
    footer = "\n\n\nCLASSES = {" + ", ".join(f'"{n}": {n}' for n in names) + "}\n"
    return HEADER + "\n\n" + body + footer


def main() -> int:
    TARGET.write_text(generate())
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
