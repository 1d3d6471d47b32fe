"""Higgs self-couplings for the two-body decays: tree level plus the top/bottom loops [GeV].

Tree level: the third derivatives of the tree-level potential of ``vertices`` (the shared
Lagrangian; the same numbers as its ``hhh``, ``haa``, ``hcc``, computed here only for the
couplings the decays need). Loops: the potential whose second derivatives correct the
mass matrices of the spectrum (``radiative``, at the stop scale with the parameters run
there): the one-loop tops, stops, bottoms, sbottoms, W, Z and sfermions, and the
O(alpha_t alpha_s) two-loop potential (``radiative._two_loop_part``), differentiated the
same way (the effective-potential approximation at zero external momenta; e.g. Nhung,
Muhlleitner, Streicher, Walz, arXiv:1306.3926, sect. 3, for the size of these corrections
in the NMSSM). The soft masses fixed by the minimum absorb only quadratic terms, so no
tadpole subtraction enters the cubic ones. Compared with the leading logarithm that
NMSSMTools adds (3 h_t^4/(8 pi^2) ln(Q^2/m_t^2) in the H_u^4 coupling, h_t from m_t at
the Higgs mass), the top loop here has the top mass at the stop scale and contains the
stop-mixing threshold (X_t^2/M_S^2 terms, large in scans with |A_t| of several TeV) and
the bottom/sbottom loops. Not included: the O(alpha_t^2) potential, the electroweakino
and Higgs-boson loops of the mass matrices, and loop corrections to h H+ H- (the loop
potential has no charged fields; the tree-level coupling stands).

Third derivatives by central differences along the mass eigenstates, all points in one
batched evaluation of both potentials, with a step of 2 GeV: exact for the quartic tree
potential; for the loop potential the rounding error (1e-16 V1/h^3) and the truncation
error (h^2 d^5 V1) stay below 0.05 GeV at 99% of the points (checked against other steps
and against derivatives along the field axes), against couplings of tens to thousands
of GeV.
"""

from __future__ import annotations

import numpy as np

from . import radiative, running
from .vertices import _field_values, potential

#: finite-difference step [GeV]
STEP = 2.0
#: the couplings the two-body decays need: hhh[a, b, b'] (h_a -> h_b h_b'),
#: haa[a, b, b'] (h_a -> a_b a_b', a_2 -> a_1 h_a) and hcc[a] (h_a -> H+ H-)
HHH = ((1, 0, 0), (2, 0, 0), (2, 0, 1), (2, 1, 1))
HAA = tuple((a, b, c) for a in range(3) for b, c in ((0, 0), (0, 1), (1, 1)))


def _stencil(pattern: str) -> list[tuple[float, tuple[float, float, float]]]:
    """Central differences of d^3/du dv dw for a unit step: (weight, multiples of the step
    along u, v, w); ``pattern`` 'uvv' (v = w) or 'uvw' (three directions)."""
    if pattern == "uvv":           # d/du d^2/dv^2
        return [(0.5, (1, 1, 0)), (-1.0, (1, 0, 0)), (0.5, (1, -1, 0)),
                (-0.5, (-1, 1, 0)), (1.0, (-1, 0, 0)), (-0.5, (-1, -1, 0))]
    return [(su * sv * sw / 8.0, (su, sv, sw))
            for su in (1, -1) for sv in (1, -1) for sw in (1, -1)]


def decay_trilinears(p: dict[str, np.ndarray], smix: np.ndarray, pmix: np.ndarray,
                     loops: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hhh (n,3,3,3), haa (n,3,2,2), hcc (n,3) [GeV] in the normalisation of ``vertices``
    (V ⊃ hhh/6 h h h + haa/2 h a a + hcc h H+ H-): the entries of HHH and HAA with their
    permutations, and hcc; the other entries are zero. ``loops``: add the one-loop part."""
    n = p["tanb"].shape[0]
    zeros = np.zeros((n, 3, 5))
    # directions in the real fields of vertices' potential:
    # (h_d, h_u, h_s, a_d, a_u, a_s, re H+, im H+)
    even = np.concatenate([smix, zeros], -1)                                   # (n, 3, 8)
    odd = np.concatenate([np.zeros_like(pmix), pmix, np.zeros((n, 2, 2))], -1)  # (n, 2, 8)
    charged = np.zeros((n, 8))
    charged[:, 6] = 1.0
    jobs = [(even[:, a], even[:, b], even[:, c], "uvv" if b == c else "uvw")
            for a, b, c in HHH]
    jobs += [(even[:, a], odd[:, b], odd[:, c], "uvv" if b == c else "uvw")
             for a, b, c in HAA]
    jobs += [(even[:, a], charged, charged, "uvv") for a in range(3)]
    shifts, weights = [], []
    for du, dv, dw, pattern in jobs:
        stencil = _stencil(pattern)
        steps = STEP * np.array([m for _, m in stencil], float)[:, :, None, None]  # (s,3,1,1)
        shifts.append(steps[:, 0] * du + steps[:, 1] * dv + steps[:, 2] * dw)    # (s, n, 8)
        weights.append(np.array([w for w, _ in stencil]))
    # (k, n, 8) as a view of a field-major array: each field's values are contiguous
    x = np.moveaxis(np.ascontiguousarray(np.moveaxis(np.concatenate(shifts), -1, 0)), 0, -1)
    values = potential(_field_values(p, x), p)
    if loops:
        run = running.run_to_stop_scale(p)
        constants = radiative._constants(p, run, radiative.top_mass(p, run))
        k = x.shape[0]
        c = {key: np.broadcast_to(v, (k, n)) if np.ndim(v) else v
             for key, v in constants.items()}
        hd, hu, sc = radiative._field_values(x[..., :6], c)
        values = (values + radiative.potential(x[..., :6], c)
                  + radiative._two_loop_part(hu, hd, sc, c))
    hhh = np.zeros((n, 3, 3, 3))
    haa = np.zeros((n, 3, 2, 2))
    hcc = np.zeros((n, 3))
    row = 0
    for job, w in enumerate(weights):
        d = np.tensordot(w, values[row:row + w.size], axes=1) / STEP**3
        row += w.size
        if job < len(HHH):
            a, b, c = HHH[job]
            for perm in {(a, b, c), (a, c, b), (b, a, c), (b, c, a), (c, a, b), (c, b, a)}:
                hhh[(slice(None), *perm)] = d
        elif job < len(HHH) + len(HAA):
            a, b, c = HAA[job - len(HHH)]
            haa[:, a, b, c] = haa[:, a, c, b] = d
        else:
            hcc[:, job - len(HHH) - len(HAA)] = d
    return hhh, haa, hcc
