"""Two-loop O(alpha_t alpha_s) effective potential of the top/stop sector (DRbar).

The strong two-loop vacuum energy of the third-generation quarks and squarks with
gluon and gluino exchange, Martin, hep-ph/0206136, eqs. (3.14), (3.25), (3.48),
(3.61), with the loop functions of Martin, hep-ph/0111209, eqs. (4.12)-(4.16),
(6.21)-(6.24) (Landau gauge; the gluon is massless, so DRbar' and DRbar agree at
this order):

    (16 pi^2)^2 V2 = 2 g3^2 sum_ij A(T_i) A(T_j) |L_i L_j* - R_i R_j*|^2
                   + 8 g3^2 sum_i [f_FFS(t, g, T_i) - 2 Re(L_i R_i* e^{-i phi_t}) f_ffS(t, g, T_i)]
                   + 2 g3^2 sum_i f_SSV(T_i, T_i, 0)
                   + 4 g3^2 [f_FFV(t, t, 0) - f_ffV(t, t, 0)],

t = |m_t|^2, g = m_gluino^2, T_i the stop masses squared with the L-R composition
(L_i, R_i), phi_t the phase of the top mass, and

    A(x) = x (ln(x/Q^2) - 1),
    f_FFS(x, y, z) = A(x) A(y) - A(x) A(z) - A(y) A(z) + (x + y - z) I(x, y, z),
    f_ffS(x, y, z) = 2 sqrt(x y) I(x, y, z),
    f_SSV(x, x, 0) = 3 A(x)^2 + 6 x I(x, x, 0) - 4 x A(x) + 4 x^2,
    f_FFV(x, x, 0) = 4 x A(x) - 4 x^2,      f_ffV(x, x, 0) = 6 x I(x, x, 0).

For the stop eigenstates (c, s), (-s, c) the mixing factors are |L L* - R R*|^2 =
c_2theta^2 (i = j) and s_2theta^2 (i != j), and 2 Re(L_i R_i* e^{-i phi_t}) =
+-s_2theta cos(phi_X - phi_t), written below through the gauge-invariant
combination Re(m_t^* X) of the top mass and the L-R element X of the stop matrix.
I(x, y, z) is the renormalised two-loop vacuum integral of Ford, Jack, Jones
(Nucl. Phys. B387 (1992) 373) in the form of hep-ph/0111209 eqs. (2.26)-(2.30).
The derivatives of V2 with respect to the Higgs fields give the O(alpha_t alpha_s)
corrections to the Higgs mass matrices, exact in m_stop1, m_stop2, the stop mixing
and the gluino mass (Degrassi, Slavich, Zwirner, hep-ph/0105096; NMSSM: Degrassi,
Slavich, arXiv:0907.4682, where mu -> lambda s); ``radiative`` takes them
numerically.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import spence

#: (16 pi^2)^-2
TWO_LOOP = 1.0 / (16.0 * math.pi**2) ** 2


def a_function(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """A(x) = x (ln(x/Q^2) - 1) [GeV^2], 0 at x = 0."""
    x = np.asarray(x, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * (np.log(np.abs(x) / q2) - 1.0)
    return np.where(x != 0, out, 0.0)


def _li2(z: np.ndarray) -> np.ndarray:
    """Complex dilogarithm Li2(z) (scipy's spence(w) is Li2(1 - w))."""
    return spence(1.0 - z)


def integral_i(x: np.ndarray, y: np.ndarray, z: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """The two-loop vacuum integral I(x, y, z) [GeV^2] (DRbar, masses squared >= 0).

    I = 1/2 [(x-y-z) L_y L_z + (y-z-x) L_z L_x + (z-x-y) L_x L_y]
        + 2 (x L_x + y L_y + z L_z) - 5/2 (x + y + z) - 1/2 xi(x, y, z),
    L_x = ln(x/Q^2), with z the largest argument,
    xi = R [2 ln a ln b - ln(x/z) ln(y/z) - 2 Li2(a) - 2 Li2(b) + pi^2/3],
    a = (z + x - y - R)/(2z), b = (z + y - x - R)/(2z), R^2 = (x-y-z)^2 - 4 y z;
    for R^2 < 0 (inside the threshold) R is imaginary and xi stays real. Vanishing
    arguments are taken as a tiny fraction of the largest (the limit is smooth).
    """
    x, y, z, q2 = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, y, z, q2)))
    s = np.sort(np.stack([x, y, z]), axis=0)
    zz = s[2]
    tiny = 1e-14 * zz
    xx, yy = np.maximum(s[0], tiny), np.maximum(s[1], tiny)
    lx, ly, lz = np.log(xx / q2), np.log(yy / q2), np.log(zz / q2)
    r2 = (xx - yy - zz) ** 2 - 4.0 * yy * zz
    r = np.sqrt(r2.astype(complex))
    a = 2.0 * xx / (zz + xx - yy + r)          # = (z + x - y - R)/(2z), without cancellation
    b = 2.0 * yy / (zz + yy - xx + r)
    xi = r * (2.0 * np.log(a) * np.log(b) - np.log(xx / zz) * np.log(yy / zz)
              - 2.0 * _li2(a) - 2.0 * _li2(b) + math.pi**2 / 3.0)
    return (0.5 * ((xx - yy - zz) * ly * lz + (yy - zz - xx) * lz * lx
                   + (zz - xx - yy) * lx * ly)
            + 2.0 * (xx * lx + yy * ly + zz * lz) - 2.5 * (xx + yy + zz) - 0.5 * xi.real)


def integral_i_00x(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """I(0, x, x) = x (-L_x^2 + 4 L_x - 5) (hep-ph/0111209 eq. (2.31))."""
    lx = np.log(x / q2)
    return x * (-lx * lx + 4.0 * lx - 5.0)


def potential_alpha_t_alpha_s(t: np.ndarray, t1: np.ndarray, t2: np.ndarray,
                              s2t_sq: np.ndarray, s2t_phase: np.ndarray,
                              mg: np.ndarray, g3sq: np.ndarray, q2: np.ndarray
                              ) -> np.ndarray:
    """V2 [GeV^4] at O(alpha_t alpha_s) (module docstring), up to field-independent terms.

    ``t`` = |m_t|^2, ``t1``, ``t2`` the stop masses squared, ``s2t_sq`` = sin^2(2 theta),
    ``s2t_phase`` = sin(2 theta) cos(phi_X - phi_t) = 2 Re(m_t^* X)/(|m_t| (T1 - T2)),
    ``mg`` the (signed) gluino mass, ``g3sq`` the strong coupling squared at Q.
    """
    g = mg * mg
    at, a1, a2, ag = (a_function(v, q2) for v in (t, t1, t2, g))
    c2t_sq = 1.0 - s2t_sq
    quartic = c2t_sq * (a1 * a1 + a2 * a2) + 2.0 * s2t_sq * a1 * a2
    i1, i2 = integral_i(t, g, t1, q2), integral_i(t, g, t2, q2)
    ffs = (at * (ag - a1) - ag * a1 + (t + g - t1) * i1
           + at * (ag - a2) - ag * a2 + (t + g - t2) * i2)
    mass_insertion = -2.0 * s2t_phase * np.sqrt(t) * mg * (i1 - i2)
    ssv = sum(3.0 * a * a + 6.0 * x * integral_i_00x(x, q2) - 4.0 * x * a + 4.0 * x * x
              for x, a in ((t1, a1), (t2, a2)))
    top_gluon = 4.0 * t * at - 4.0 * t * t - 6.0 * t * integral_i_00x(t, q2)
    return TWO_LOOP * g3sq * (2.0 * quartic + 8.0 * (ffs + mass_insertion) + 2.0 * ssv
                              + 4.0 * top_gluon)
