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


def _on_stencil(fn, m: np.ndarray, *args: np.ndarray) -> np.ndarray:
    """fn(m, *args) on a finite-difference stencil in the fields (axis 0 over the displaced
    points, the first the centre; ``args`` the same at all of them): exact at the centre,
    elsewhere the second-order Taylor expansion in m, its derivatives from fn at m0 +- d
    with d the largest displacement of m on the stencil (so that the expansion samples fn
    on the scale the field differences probe). The neglected third-order terms are odd
    in the displacement and cancel in central differences (error O(h^2), as that of the
    differences themselves)."""
    m0 = m[0]
    dm = m - m0
    step = np.maximum(np.max(np.abs(dm), axis=0), 1e-9 * np.abs(m0) + 1e-300)
    three = fn(np.stack([m0 - step, m0, m0 + step]), *(a[:1] for a in args))
    d1 = (three[2] - three[0]) / (2.0 * step)
    d2 = (three[2] - 2.0 * three[1] + three[0]) / (step * step)
    out = three[1] + dm * (d1 + 0.5 * d2 * dm)
    out[0] = three[1]
    return out


def potential_alpha_t_squared(hu: np.ndarray, hd: np.ndarray, c: dict[str, np.ndarray],
                              stencil: bool = False) -> np.ndarray:
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

    ``c``: ht, At, mu, MQ2, MU2, mA2 (M_A^2), sb, cb (vacuum angle), q2. ``stencil``: the
    fields along axis 0 are a finite-difference stencil around the first (``_on_stencil``):
    the integrals that depend on one field-dependent mass are expanded about it.
    """
    ht, at, mu, q2 = c["ht"], c["At"], c["mu"], c["q2"]
    sb, cb, ma2, mq2 = c["sb"], c["cb"], c["mA2"], c["MQ2"]
    ht2 = ht * ht
    t = ht2 * (hu.real**2 + hu.imag**2)
    x = ht * (at * hu - mu * np.conj(hd))
    tt, el, er, _ = _stop_eigensystem(mq2 + t, c["MU2"] + t, x)
    zero = np.zeros_like(t)
    mu2, ma2, mq2 = mu * mu + zero, ma2 + zero, mq2 + zero
    a_t, a_tt = a_function(t, q2), a_function(tt, q2)
    a_mu, a_ma, a_mq = a_function(mu2, q2), a_function(ma2, q2), a_function(mq2, q2)
    q2 = q2 + zero

    def one(fn, m: np.ndarray, *const: np.ndarray) -> np.ndarray:
        """fn(m, *const, Q^2) of the one field-dependent mass m."""
        return _on_stencil(fn, m, *const, q2) if stencil else fn(m, *const, q2)

    def i_mm(m: np.ndarray, x: np.ndarray, q: np.ndarray) -> np.ndarray:
        """I(x, m, m)."""
        return integral_i_xyy(x, m, q)

    # neutral Higgs bosons phi = (h, G0; H, A) with masses (0, 0; M_A, M_A): hu = sum_phi
    # c_phi phi/sqrt2, hd = sum_phi d_phi phi/sqrt2, (c, d) = (s_b, c_b), (i s_b, -i c_b);
    # (c_b, -s_b), (i c_b, i s_b). Stop couplings (the eigenvectors are orthonormal):
    # lambda_phi,jk = g_phi delta_jk + a_phi eR_j^* eL_k + a_phi^* eL_j^* eR_k with
    # g_phi = sqrt2 h_t^2 Re(hu^* c_phi), a_phi = h_t (A_t c_phi - mu d_phi^*)/sqrt2;
    # a_G0 = i a_h and a_A = i a_H are imaginary, the others real.
    w = [np.conj(er[j]) * el[j] for j in range(2)]             # eR_j^* eL_j
    z1, z2 = np.conj(er[0]) * el[1], np.conj(el[0]) * er[1]
    off = 2.0 * (np.abs(z1) ** 2 + np.abs(z2) ** 2)           # |z1 + z2|^2 + |z1 - z2|^2
    r2 = math.sqrt(2.0)
    sss = 0.0
    for size, a_phi, i_diag, i_off in (
            (sb, ht * (at * sb - mu * cb) / r2,
             (integral_i_00x(tt[0], q2), integral_i_00x(tt[1], q2)),
             integral_i_0xy(tt[0], tt[1], q2)),
            (cb, ht * (at * cb + mu * sb) / r2,
             (one(i_mm, tt[0], ma2), one(i_mm, tt[1], ma2)),
             integral_i(ma2, tt[0], tt[1], q2))):
        g_even, g_odd = r2 * ht2 * size * hu.real, r2 * ht2 * size * hu.imag
        for j in range(2):
            lam_even = g_even + 2.0 * a_phi * w[j].real
            lam_odd = g_odd - 2.0 * a_phi * w[j].imag
            sss = sss - 0.5 * (lam_even**2 + lam_odd**2) * i_diag[j]
        sss = sss - a_phi**2 * off * i_off
    # charged (G+, H+) - b_L - stop_j: |coupling|^2 = h_t^2 |k_P eR_j + h_t s_P hu eL_j|^2
    for k_p, s_p, massless in ((at * sb - mu * cb, sb, True), (at * cb + mu * sb, cb, False)):
        for j in range(2):
            coupling = k_p * er[j] + ht * s_p * hu * el[j]
            i_p = (one(integral_i_0xy, tt[j], mq2) if massless
                   else one(integral_i, tt[j], ma2, mq2))
            sss = sss - ht2 * (coupling.real**2 + coupling.imag**2) * i_p

    def ffs(x_: np.ndarray, ax: np.ndarray, y_: np.ndarray, ay: np.ndarray, z_: np.ndarray,
            az: np.ndarray, i_xyz: np.ndarray) -> np.ndarray:
        return ax * ay - ax * az - ay * az + (x_ + y_ - z_) * i_xyz

    # top-top-neutral Higgs: the top-mass insertions of h and G0 (H and A) cancel in pairs
    fermion = (sb * sb * ffs(t, a_t, t, a_t, zero, zero, integral_i_00x(t, q2))
               + cb * cb * ffs(t, a_t, t, a_t, ma2, a_ma, one(i_mm, t, ma2))
               + sb * sb * ffs(t, a_t, zero, zero, zero, zero, integral_i_000x(t, q2))
               + cb * cb * ffs(t, a_t, zero, zero, ma2, a_ma, one(integral_i_0xy, t, ma2)))
    for j in range(2):
        fermion = fermion + (
            ffs(t, a_t, mu2, a_mu, tt[j], a_tt[j], integral_i(t, mu2, tt[j], q2))
            + np.abs(er[j]) ** 2 * ffs(zero, zero, mu2, a_mu, tt[j], a_tt[j],
                                       one(integral_i_0xy, tt[j], mu2)))
    fermion = fermion + ffs(t, a_t, mu2, a_mu, mq2, a_mq, one(integral_i, t, mu2, mq2))
    s_l = np.abs(el[0]) ** 2 * a_tt[0] + np.abs(el[1]) ** 2 * a_tt[1]
    s_r = np.abs(er[0]) ** 2 * a_tt[0] + np.abs(er[1]) ** 2 * a_tt[1]
    s_lr = el[0] * np.conj(er[0]) * a_tt[0] + el[1] * np.conj(er[1]) * a_tt[1]
    quartic = ((a_tt[0] + a_tt[1]) * cb**2 * a_ma + s_r * cb**2 * a_ma
               + s_l * s_r + 3.0 * np.abs(s_lr) ** 2 + s_r * a_mq)
    return TWO_LOOP * 3.0 * (sss + ht2 * (fermion + quartic))
