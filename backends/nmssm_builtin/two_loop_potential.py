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


def _stop_eigensystem(a: np.ndarray, b: np.ndarray, x: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masses squared T1 <= T2 and the (t_L, t_R*) components of the eigenvectors of the
    Hermitian matrix [[a, x*], [x, b]]: returns (T, eL, eR) with T (2, ...), eL, eR
    complex (2, ...): t_L = sum_j eL_j t_j, t_R* = sum_j eR_j t_j."""
    mean, root = 0.5 * (a + b), np.sqrt((0.5 * (a - b)) ** 2 + np.abs(x) ** 2)
    masses = np.stack([mean - root, mean + root])
    vecs_l, vecs_r = [], []
    for lam in masses:
        # two candidate eigenvectors; take the better conditioned one
        u1l, u1r = np.conj(x), lam - a
        u2l, u2r = lam - b, x
        n1 = np.abs(u1l) ** 2 + np.abs(u1r) ** 2
        n2 = np.abs(u2l) ** 2 + np.abs(u2r) ** 2
        first = n1 >= n2
        nrm = np.sqrt(np.where(first, n1, n2))
        nrm = np.where(nrm > 0, nrm, 1.0)
        vecs_l.append(np.where(first, u1l, u2l) / nrm)
        vecs_r.append(np.where(first, u1r, u2r) / nrm)
    return masses, np.stack(vecs_l), np.stack(vecs_r), root


def potential_alpha_t_squared(hu: np.ndarray, hd: np.ndarray, c: dict[str, np.ndarray]
                              ) -> np.ndarray:
    """V2 [GeV^4] at O(alpha_t^2) in the gaugeless limit (MSSM-like: the singlet is a
    background, mu = lambda s fixed), at the complex doublet fields ``hu``, ``hd``.

    Martin's general two-loop potential (hep-ph/0111209 eqs. (4.1)-(4.16)) for the
    fields coupled by h_t (hep-ph/0206136 sect. 3 for the MSSM): tops, stops, the
    left sbottom, the higgsinos (mass |mu|) and the Higgs doublets, whose gaugeless
    tree-level masses do not depend on the background (0 for h, G0, G+-; M_A for H, A,
    H+-, with the mixing angle beta of the vacuum, as in Brignole, Degrassi, Slavich,
    Zwirner, hep-ph/0112177). Terms (colour factor 3 included):

    - stop-stop-Higgs and stop-sbottom-charged Higgs cubics (f_SSS = -I),
    - top-top-h/H/G/A, top-bottom-G+/H+, top-higgsino-stop, bottom-higgsino-stop,
      top-higgsino-sbottom Yukawas (f_FFS, f_ffS with the top-mass insertion),
    - the h_t^2 quartics stop-Higgs, stop-stop, stop-sbottom (f_SS = A A).

    ``c``: ht, At, mu, MQ2, MU2, mA2 (M_A^2), sb, cb (vacuum angle), q2.
    """
    ht, at, mu, q2 = c["ht"], c["At"], c["mu"], c["q2"]
    sb, cb, ma2, mq2 = c["sb"], c["cb"], c["mA2"], c["MQ2"]
    mt_c = ht * hu
    t = np.abs(mt_c) ** 2
    phase = np.where(t > 0, np.conj(mt_c) / np.sqrt(np.where(t > 0, t, 1.0)), 1.0)
    x = ht * (at * hu - mu * np.conj(hd))
    tt, el, er, _ = _stop_eigensystem(mq2 + t, c["MU2"] + t, x)
    a_t = a_function(tt, q2)                                   # (2, ...)
    zero = np.zeros_like(t)
    mu2 = mu * mu + zero
    ma2 = ma2 + zero
    a_ma = a_function(ma2, q2)
    # neutral Higgs components: hu = sum_i c_i phi_i/sqrt2, hd = sum_i d_i phi_i/sqrt2,
    # phi = (h, H, G0, A) with masses (0, M_A, 0, M_A)
    cu = [sb, cb, 1j * sb, 1j * cb]
    cd = [cb, -sb, -1j * cb, 1j * sb]
    masses = [zero, ma2, zero, ma2]
    r2 = math.sqrt(0.5)
    sss = 0.0
    for ci, di, mi in zip(cu, cd, masses, strict=True):
        g = math.sqrt(2.0) * ht**2 * np.real(np.conj(hu) * ci)
        ai = ht * (at * ci - mu * np.conj(di)) * r2
        lam = [[g * (np.conj(el[j]) * el[k] + np.conj(er[j]) * er[k])
                + ai * np.conj(er[j]) * el[k] + np.conj(ai) * np.conj(el[j]) * er[k]
                for k in range(2)] for j in range(2)]
        for j in range(2):
            sss = sss - 0.5 * np.abs(lam[j][j]) ** 2 * integral_i(mi, tt[j], tt[j], q2)
        sss = sss - np.abs(lam[0][1]) ** 2 * integral_i(mi, tt[0], tt[1], q2)
    # charged: P+ b_L t_j* couplings -h_t k_P eR_j* - h_t^2 hu* s_P eL_j*
    for k_p, s_p, m_p in ((at * sb - mu * cb, sb, zero), (at * cb + mu * sb, cb, ma2)):
        for j in range(2):
            kap = -ht * k_p * np.conj(er[j]) - ht**2 * np.conj(hu) * s_p * np.conj(el[j])
            sss = sss - np.abs(kap) ** 2 * integral_i(m_p, mq2 + zero, tt[j], q2)

    def ffs(x_: np.ndarray, y_: np.ndarray, z_: np.ndarray) -> np.ndarray:
        ax, ay, az = a_function(x_, q2), a_function(y_, q2), a_function(z_, q2)
        return ax * ay - ax * az - ay * az + (x_ + y_ - z_) * integral_i(x_, y_, z_, q2)

    fermion = 0.0
    for ci, mi in zip(cu, masses, strict=True):
        cp = ci * phase
        fermion = fermion + 0.5 * ht**2 * (
            abs(ci) ** 2 * ffs(t, t, mi) + 2.0 * t * np.real(cp * cp) * integral_i(t, t, mi, q2))
    fermion = fermion + ht**2 * (sb**2 * ffs(t, zero, zero) + cb**2 * ffs(t, zero, ma2))
    for j in range(2):
        fermion = fermion + ht**2 * (ffs(t, mu2, tt[j])
                                     + np.abs(er[j]) ** 2 * ffs(zero, mu2, tt[j]))
    fermion = fermion + ht**2 * ffs(t, mu2, mq2 + zero)
    s_l = np.abs(el[0]) ** 2 * a_t[0] + np.abs(el[1]) ** 2 * a_t[1]
    s_r = np.abs(er[0]) ** 2 * a_t[0] + np.abs(er[1]) ** 2 * a_t[1]
    s_lr = el[0] * np.conj(er[0]) * a_t[0] + el[1] * np.conj(er[1]) * a_t[1]
    quartic = ht**2 * ((a_t[0] + a_t[1]) * cb**2 * a_ma + s_r * cb**2 * a_ma
                       + s_l * s_r + 3.0 * np.abs(s_lr) ** 2
                       + s_r * a_function(mq2 + zero, q2))
    return TWO_LOOP * 3.0 * (sss + fermion + quartic)
