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

#: (16 pi^2)^-2
TWO_LOOP = 1.0 / (16.0 * math.pi**2) ** 2
ZETA2 = math.pi**2 / 6.0


def a_function(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """A(x) = x (ln(x/Q^2) - 1) [GeV^2], 0 at x = 0."""
    x = np.asarray(x, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * (np.log(np.abs(x) / q2) - 1.0)
    return np.where(x != 0, out, 0.0)


def _clausen2(theta: np.ndarray) -> np.ndarray:
    """Clausen function Cl2(theta) = -int_0^theta ln|2 sin(t/2)| dt for 0 <= theta <= 2 pi,
    from its Bernoulli series theta - theta ln|theta| + sum_k |B_2k| theta^(2k+1)/(2k (2k+1)!)
    on [0, pi] (Abramowitz, Stegun 27.8.2; 18 terms give 1e-13) and Cl2(2 pi - theta) =
    -Cl2(theta)."""
    t = np.minimum(theta, 2.0 * math.pi - theta)
    t2 = t * t
    series = np.full_like(t, _CLAUSEN_COEFFICIENTS[-1])
    for coef in _CLAUSEN_COEFFICIENTS[-2::-1]:               # Horner in t^2
        series *= t2
        series += coef
    value = t * (1.0 - np.log(np.maximum(t, 1e-300)) + t2 * series)
    return np.where(theta > math.pi, -value, value)


#: |B_2k| / (2k (2k+1)!) for k = 1..18
_CLAUSEN_COEFFICIENTS = tuple(
    abs(float(b)) / (2 * k * math.factorial(2 * k + 1))
    for k, b in enumerate((1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                           -3617 / 510, 43867 / 798, -174611 / 330, 854513 / 138,
                           -236364091 / 2730, 8553103 / 6, -23749461029 / 870,
                           8615841276005 / 14322, -7709321041217 / 510,
                           2577687858367 / 6, -26315271553053477373 / 1919190), start=1))


def integral_i(x: np.ndarray, y: np.ndarray, z: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """The two-loop vacuum integral I(x, y, z) [GeV^2] (DRbar; masses squared taken as
    their absolute values, so that tachyonic points, invalid anyway, stay finite).

    I = 1/2 [(x-y-z) L_y L_z + (y-z-x) L_z L_x + (z-x-y) L_x L_y]
        + 2 (x L_x + y L_y + z L_z) - 5/2 (x + y + z) - 1/2 xi(x, y, z),
    L_x = ln(x/Q^2), with z the largest argument and R^2 = (x-y-z)^2 - 4 y z:
    for R^2 >= 0, xi = R [2 ln a ln b - ln(x/z) ln(y/z) - 2 Li2(a) - 2 Li2(b) + pi^2/3],
    a = (z + x - y - R)/(2z), b = (z + y - x - R)/(2z); for R^2 < 0 (the square roots
    of x, y, z form a triangle with angles phi_i) xi = -2 sqrt(-R^2) sum_i Cl2(2 phi_i),
    the same function continued (Davydychev, Tausk, Nucl. Phys. B397 (1993) 123).
    Vanishing arguments are taken as a tiny fraction of the largest (the limit is
    smooth).
    """
    from scipy.special import spence

    x, y, z, q2 = np.broadcast_arrays(*(np.abs(np.asarray(v, float)) for v in (x, y, z, q2)))
    zz = np.maximum(np.maximum(x, y), z)
    small = np.minimum(np.minimum(x, y), z)
    tiny = 1e-14 * zz
    xx = np.maximum(small, tiny)
    yy = np.maximum(x + y + z - zz - small, tiny)
    lx, ly, lz = np.log(xx / q2), np.log(yy / q2), np.log(zz / q2)
    r2 = (xx - yy - zz) ** 2 - 4.0 * yy * zz
    xi = np.empty_like(zz)
    out = r2 >= 0.0
    if out.any():
        xo, yo, zo = xx[out], yy[out], zz[out]
        r = np.sqrt(r2[out])
        a = 2.0 * xo / (zo + xo - yo + r)      # = (z + x - y - R)/(2z), without cancellation
        b = 2.0 * yo / (zo + yo - xo + r)
        xi[out] = r * (2.0 * np.log(a) * np.log(b) - np.log(xo / zo) * np.log(yo / zo)
                       - 2.0 * spence(1.0 - a) - 2.0 * spence(1.0 - b) + math.pi**2 / 3.0)
    inside = ~out
    if inside.any():
        xi_, yi, zi = xx[inside], yy[inside], zz[inside]
        sx, sy, sz = np.sqrt(xi_), np.sqrt(yi), np.sqrt(zi)
        cl = (_clausen2(2.0 * np.arccos(np.clip((yi + zi - xi_) / (2.0 * sy * sz), -1.0, 1.0)))
              + _clausen2(2.0 * np.arccos(np.clip((xi_ + zi - yi) / (2.0 * sx * sz), -1.0, 1.0)))
              + _clausen2(2.0 * np.arccos(np.clip((xi_ + yi - zi) / (2.0 * sx * sy), -1.0, 1.0))))
        xi[inside] = -2.0 * np.sqrt(-r2[inside]) * cl
    return (0.5 * ((xx - yy - zz) * ly * lz + (yy - zz - xx) * lz * lx
                   + (zz - xx - yy) * lx * ly)
            + 2.0 * (xx * lx + yy * ly + zz * lz) - 2.5 * (xx + yy + zz) - 0.5 * xi)


def integral_i_0xy(x: np.ndarray, y: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """I(0, x, y) [GeV^2] (the general form with a massless line, one dilogarithm; e.g.
    Martin, Robertson, hep-ph/0501132 eq. (2.29)): with x >= y,
    (x - y) [Li2(y/x) + ln(y/x) ln((x - y)/Q^2) + L_x^2/2 - pi^2/6] - 5/2 (x + y)
    + 2 (x L_x + y L_y) - x L_x L_y."""
    from scipy.special import spence

    x, y = np.abs(x), np.abs(y)
    hi = np.maximum(x, y)
    lo = np.maximum(np.minimum(x, y), 1e-14 * hi)
    lh, ll = np.log(hi / q2), np.log(lo / q2)
    gap = hi - lo
    safe = np.where(gap > 0, gap, hi)
    return (gap * (spence(1.0 - lo / hi) + (ll - lh) * np.log(safe / q2) + 0.5 * lh * lh - ZETA2)
            - 2.5 * (hi + lo) + 2.0 * (hi * lh + lo * ll) - hi * lh * ll)


def integral_i_xyy(x: np.ndarray, y: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """I(x, y, y) [GeV^2]: the general form with two equal arguments. R^2 = x (x - 4 y);
    for x >= 4 y, xi = R [2 ln^2 a - ln^2(y/x) - 4 Li2(a) + pi^2/3], a = 2 y/(x + R); for
    x < 4 y the three Clausen functions of ``integral_i`` reduce (Cl2(2 pi - 2u) = -Cl2(2u),
    Cl2(2u) = 2 Cl2(u) - 2 Cl2(pi - u)) to one: xi = -4 sqrt(-R^2) Cl2(phi), cos(phi) =
    1 - x/(2 y), phi the angle opposite sqrt(x)."""
    from scipy.special import spence

    x, y = np.abs(x), np.abs(y)
    x = np.maximum(x, 1e-14 * y)
    lx, ly = np.log(x / q2), np.log(y / q2)
    r2 = x * (x - 4.0 * y)
    xi = np.empty_like(r2)
    out = r2 >= 0.0
    if out.any():
        xo, yo = x[out], y[out]
        r = np.sqrt(r2[out])
        a = 2.0 * yo / (xo + r)
        la, lyx = np.log(a), ly[out] - lx[out]
        xi[out] = r * (2.0 * la * la - lyx * lyx - 4.0 * spence(1.0 - a) + math.pi**2 / 3.0)
    inside = ~out
    if inside.any():
        xi_, yi = x[inside], y[inside]
        phi = np.arccos(np.clip(1.0 - xi_ / (2.0 * yi), -1.0, 1.0))
        xi[inside] = -4.0 * np.sqrt(-r2[inside]) * _clausen2(phi)
    return (0.5 * ((x - 2.0 * y) * ly * ly - 2.0 * x * lx * ly) + 2.0 * (x * lx + 2.0 * y * ly)
            - 2.5 * (x + 2.0 * y) - 0.5 * xi)


def integral_i_00x(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """I(0, x, x) = x (-L_x^2 + 4 L_x - 5) (hep-ph/0111209 eq. (2.31))."""
    x = np.abs(x)
    lx = np.log(np.maximum(x, 1e-300) / q2)
    return x * (-lx * lx + 4.0 * lx - 5.0)


def integral_i_000x(x: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """I(0, 0, x) = -x/2 L_x^2 + 2 x L_x - 5/2 x - pi^2 x/6 (hep-ph/0111209 eq. (2.32))."""
    x = np.abs(x)
    lx = np.log(np.maximum(x, 1e-300) / q2)
    return x * (-0.5 * lx * lx + 2.0 * lx - 2.5 - math.pi**2 / 6.0)


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
    light = [True, False, True, False]                          # massless h, G0; M_A for H, A
    r2 = math.sqrt(0.5)
    # the vacuum integrals, each computed once (h, G0 and G+- are massless)
    i_ss = {True: [integral_i_00x(tt[0], q2), integral_i_00x(tt[1], q2),
                   integral_i_0xy(tt[0], tt[1], q2)],
            False: [integral_i_xyy(ma2, tt[0], q2), integral_i_xyy(ma2, tt[1], q2),
                    integral_i(ma2, tt[0], tt[1], q2)]}
    sss = 0.0
    for ci, di, li in zip(cu, cd, light, strict=True):
        g = math.sqrt(2.0) * ht**2 * np.real(np.conj(hu) * ci)
        ai = ht * (at * ci - mu * np.conj(di)) * r2
        lam = [[g * (np.conj(el[j]) * el[k] + np.conj(er[j]) * er[k])
                + ai * np.conj(er[j]) * el[k] + np.conj(ai) * np.conj(el[j]) * er[k]
                for k in range(2)] for j in range(2)]
        ints = i_ss[li]
        sss = sss - 0.5 * (np.abs(lam[0][0]) ** 2 * ints[0] + np.abs(lam[1][1]) ** 2 * ints[1])
        sss = sss - np.abs(lam[0][1]) ** 2 * ints[2]
    # charged: P+ b_L t_j* couplings -h_t k_P eR_j* - h_t^2 hu* s_P eL_j*
    mq2z = mq2 + zero
    for k_p, s_p, massless in ((at * sb - mu * cb, sb, True), (at * cb + mu * sb, cb, False)):
        for j in range(2):
            kap = -ht * k_p * np.conj(er[j]) - ht**2 * np.conj(hu) * s_p * np.conj(el[j])
            i_p = (integral_i_0xy(mq2z, tt[j], q2) if massless
                   else integral_i(ma2, mq2z, tt[j], q2))
            sss = sss - np.abs(kap) ** 2 * i_p

    def ffs(x_: np.ndarray, y_: np.ndarray, z_: np.ndarray, i_xyz: np.ndarray) -> np.ndarray:
        ax, ay, az = a_function(x_, q2), a_function(y_, q2), a_function(z_, q2)
        return ax * ay - ax * az - ay * az + (x_ + y_ - z_) * i_xyz

    i_tt = {True: integral_i_00x(t, q2), False: integral_i_xyy(ma2, t, q2)}
    fermion = 0.0
    for ci, li in zip(cu, light, strict=True):
        cp = ci * phase
        mi = zero if li else ma2
        fermion = fermion + 0.5 * ht**2 * (abs(ci) ** 2 * ffs(t, t, mi, i_tt[li])
                                           + 2.0 * t * np.real(cp * cp) * i_tt[li])
    fermion = fermion + ht**2 * (sb**2 * ffs(t, zero, zero, integral_i_000x(t, q2))
                                 + cb**2 * ffs(t, zero, ma2, integral_i_0xy(t, ma2, q2)))
    for j in range(2):
        fermion = fermion + ht**2 * (
            ffs(t, mu2, tt[j], integral_i(t, mu2, tt[j], q2))
            + np.abs(er[j]) ** 2 * ffs(zero, mu2, tt[j], integral_i_0xy(mu2, tt[j], q2)))
    fermion = fermion + ht**2 * ffs(t, mu2, mq2z, integral_i(t, mu2, mq2z, q2))
    s_l = np.abs(el[0]) ** 2 * a_t[0] + np.abs(el[1]) ** 2 * a_t[1]
    s_r = np.abs(er[0]) ** 2 * a_t[0] + np.abs(er[1]) ** 2 * a_t[1]
    s_lr = el[0] * np.conj(er[0]) * a_t[0] + el[1] * np.conj(er[1]) * a_t[1]
    quartic = ht**2 * ((a_t[0] + a_t[1]) * cb**2 * a_ma + s_r * cb**2 * a_ma
                       + s_l * s_r + 3.0 * np.abs(s_lr) ** 2
                       + s_r * a_function(mq2 + zero, q2))
    return TWO_LOOP * 3.0 * (sss + fermion + quartic)
