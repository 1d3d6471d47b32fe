"""Radiative corrections to the NMSSM Higgs mass matrices from the effective potential
at the stop scale Q_st (DRbar, Landau gauge; parameters at Q_st from ``running``).

One loop, the Coleman-Weinberg potential V1 = sum_i (-1)^F n_i/(64 pi^2) m_i^4
(ln(m_i^2/Q^2) - c_i), c = 3/2 for scalars and fermions, 5/6 for vector bosons, of

- tops, stops, bottoms, sbottoms with field-dependent masses (F-, A- and D-terms; the
  NMSSM trilinear lambda S Hu Hd in the L-R mixing, X = h_t (A_t Hu0 - lambda S* Hd0*)),
  arXiv:0910.1785 sect. 2.3, Ellis, Ridolfi, Zwirner, Phys. Lett. B262 (1991) 477,
  Elliott, King, White, hep-ph/9308309;
- W and Z, M_W^2 = g^2/2 (|Hu0|^2 + |Hd0|^2), M_Z^2 = (g^2 + g'^2)/2 (|Hu0|^2 + |Hd0|^2);
- the other sfermions (first two generations, sleptons, sneutrinos) through their
  D-terms (T3 g^2 - Y g'^2)(|Hd0|^2 - |Hu0|^2)/2;
- (the charginos and neutralinos are in ``electroweak_loops``).

Two loops, O(alpha_t alpha_s) and O(alpha_t^2), from the two-loop potential of
``two_loop_potential`` (exact in the stop masses, mixing and gluino mass; Degrassi,
Slavich, Zwirner, hep-ph/0105096; Brignole, Degrassi, Slavich, Zwirner,
hep-ph/0112177; NMSSM: Degrassi, Slavich, arXiv:0907.4682).

The corrections to the CP-even and CP-odd mass matrices are the second derivatives
of the potential at the vacuum, minus the tadpole terms that the minimisation
conditions absorb into the soft masses,

    dM^2_ij = d^2V/dphi_i dphi_j - delta_ij (1/(sqrt2 v_i)) dV/dphi_iR,

analytic for the one-loop potential (``one_loop_derivatives``: the squark pairs through
the mean and the splitting of their eigenvalues, the rest through one combination of
the fields each), by central finite differences for the two-loop ones
(``field_hessians``: vectorised over points, 0.5 GeV^2 accuracy, checked against the
analytic stop correction and NMSSMTools' two-loop matrices; the CP-odd blocks from the
rank-one phase structure). The top Yukawa is h_t = m_t(Q_st)/v_u(Q_st) with the DRbar
MSSM top mass and the vev at Q_st; the gauge couplings are the DRbar ones at Q_st; the
squark soft terms are run to Q_st at two loops (``running``, ``soft_running``).

Measured against NMSSMTools 5.6.0 (MODSEL 8 = 2, the same fixed-order approach): the
SM-like Higgs within 2 GeV at 97.7% of the seed sample's computed points and 98% of
the random sample's, +0.85 to +1.1 GeV in the median, spread +-0.5 GeV; 1.5 GeV heavy at
|X_t| > 2.5 M_S. Left out (the likely sources of that offset): the momentum dependence
of the loops other than the top quark beyond the leading logarithms of the field
renormalisation, the DRbar vev from G_F with the full one-loop W self-energy (here: the
vevs run from M_Z with their anomalous dimensions), the Goldstone loops at zero momentum
(regulated at the electroweak scale, ``higgs_loops``), the two-loop O(alpha_b alpha_s),
O(alpha_t alpha_b), O(alpha_b^2) terms, and the singlet directions of O(alpha_t^2) (also
absent in NMSSMTools).
"""

from __future__ import annotations

import math

import numpy as np

from . import higgs_loops, running, two_loop_potential
from . import sm_inputs as sm

NC = 3.0
#: finite-difference step in the field directions [GeV]
STEP = 0.5
#: points x displaced fields per batched evaluation of a potential (the temporaries of a
#: block stay in the processor cache: 2-3 times faster than whole batches)
BLOCK_ELEMENTS = 32768
#: sfermions other than stops and sbottoms: (T3, Y, multiplicity with colour, soft mass)
OTHER_SFERMIONS = ((0.5, 1.0 / 6.0, 6, "MQ12"), (-0.5, 1.0 / 6.0, 6, "MQ12"),
                   (0.0, -2.0 / 3.0, 6, "MU12"), (0.0, 1.0 / 3.0, 6, "MD12"),
                   (0.5, -0.5, 2, "ML12"), (-0.5, -0.5, 2, "ML12"), (0.0, 1.0, 2, "ME12"),
                   (0.5, -0.5, 1, "ML3"), (-0.5, -0.5, 1, "ML3"), (0.0, 1.0, 1, "ME3"))


def _f(m2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """m^4 (ln(m^2/Q^2) - 3/2), continued as 0 at m^2 = 0 (only |m^2| enters)."""
    a = np.abs(m2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = m2 * m2 * (np.log(a / q2) - 1.5)
    return np.where(a > 0, out, 0.0)


def _squark_part(hu2, hd2, xx2, mlsq, mrsq, y, dl, dr, q2, mq2):
    """V1 (without the common prefactor) of one quark/squark pair."""
    a = mlsq + mq2 + dl
    b = mrsq + mq2 + dr
    mean = 0.5 * (a + b)
    root = np.sqrt((0.5 * (a - b)) ** 2 + y * y * xx2)
    return _f(mean - root, q2) + _f(mean + root, q2) - 2.0 * _f(mq2, q2)


def _field_values(fields: np.ndarray, c: dict[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H_d0, H_u0, S*) at fields (..., 6) = (dR, uR, sR, dI, uI, sI) around the vacuum."""
    r2 = math.sqrt(0.5)
    hd = (c["vd"] + r2 * fields[..., 0]) + 1j * r2 * fields[..., 3]
    hu = (c["vu"] + r2 * fields[..., 1]) + 1j * r2 * fields[..., 4]
    sc = (c["s"] + r2 * fields[..., 2]) - 1j * r2 * fields[..., 5]
    return hd, hu, sc


def potential(fields: np.ndarray, c: dict[str, np.ndarray]) -> np.ndarray:
    """V1 [GeV^4] of quarks, squarks, sleptons, W and Z at fields (..., 6) = (dR, uR, sR,
    dI, uI, sI) around the vacuum."""
    hd, hu, sc = _field_values(fields, c)
    hu2 = hu.real**2 + hu.imag**2
    hd2 = hd.real**2 + hd.imag**2
    dd = hd2 - hu2
    g1, g2 = c["g1sq"], c["g2sq"]
    q2 = c["q2"]
    rho = hu2 + hd2
    gauge = 0.0
    for k, weight in ((0.5 * g2, 2.0), (0.5 * (g1 + g2), 1.0)):
        m2 = k * rho
        with np.errstate(divide="ignore", invalid="ignore"):
            term = m2 * m2 * (np.log(m2 / q2) - 5.0 / 6.0)
        gauge = gauge + 3.0 * weight * np.where(m2 > 0, term, 0.0)
    sfermions = 0.0
    for t3, y, mult, key in OTHER_SFERMIONS:
        sfermions = sfermions + mult * _f(c[key] ** 2 + 0.5 * (t3 * g2 - y * g1) * dd, q2)
    xt = c["At"] * hu - c["lam"] * sc * np.conj(hd)
    xb = c["Ab"] * hd - c["lam"] * sc * np.conj(hu)
    vt = _squark_part(hu2, hd2, xt.real**2 + xt.imag**2, c["MQ2"], c["MU2"], c["ht"],
                      (g2 / 4 - g1 / 12) * dd, (g1 / 3) * dd, c["q2"], c["ht"] ** 2 * hu2)
    vb = _squark_part(hu2, hd2, xb.real**2 + xb.imag**2, c["MQ2"], c["MD2"], c["hb"],
                      (-g2 / 4 - g1 / 12) * dd, (-g1 / 6) * dd, c["q2"], c["hb"] ** 2 * hd2)
    return (NC * (vt + vb) + sfermions) / (32.0 * math.pi**2) + gauge / (64.0 * math.pi**2)


def _f_derivatives(x: np.ndarray, q2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f' = 2 x (ln(|x|/Q^2) - 1) and f'' = 2 ln(|x|/Q^2) of ``_f``."""
    log = np.log(np.maximum(np.abs(x), 1e-300) / q2)
    return 2.0 * x * (log - 1.0), 2.0 * log


def _pair_derivatives(p: np.ndarray, rho: np.ndarray, q2: np.ndarray
                      ) -> tuple[np.ndarray, ...]:
    """S(p, rho) = f(p - r) + f(p + r), r = sqrt(rho) (the two squark eigenvalues), and its
    derivatives S_p, S_rho, S_pp, S_prho, S_rhorho; smooth in rho, with r floored at
    1e-4 p where the eigenvalues are degenerate."""
    r = np.maximum(np.sqrt(np.maximum(rho, 0.0)), 1e-4 * np.abs(p) + 1e-12)
    lo, hi = p - r, p + r
    f1_lo, f2_lo = _f_derivatives(lo, q2)
    f1_hi, f2_hi = _f_derivatives(hi, q2)
    value = _f(lo, q2) + _f(hi, q2)
    s_p, s_pp = f1_hi + f1_lo, f2_hi + f2_lo
    s_rho = (f1_hi - f1_lo) / (2.0 * r)
    s_prho = (f2_hi - f2_lo) / (2.0 * r)
    s_rhorho = (f2_hi + f2_lo) / (4.0 * r * r) - (f1_hi - f1_lo) / (4.0 * r**3)
    return value, s_p, s_rho, s_pp, s_prho, s_rhorho


def one_loop_derivatives(c: dict[str, np.ndarray]
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one-loop potential of ``potential`` at the vacuum, analytically: its value
    [GeV^4], its gradient in the real fields z = (H_d, H_u, S) [GeV^3] (n,3), and the
    corrections to the CP-even and CP-odd mass matrices [GeV^2] (n,3,3) (second
    derivatives in h_i, z_i = v_i + h_i/sqrt2, minus the tadpole terms).

    At real fields every term depends on z through a few functions: the squark pairs
    through p = (a + b)/2 and rho = ((a - b)/2)^2 + y^2 X^2 (a, b the diagonal entries,
    X = A_t H_u - lambda S H_d or A_b H_d - lambda S H_u) with S(p, rho) of
    ``_pair_derivatives``, the quarks through y^2 H^2, the other sfermions through the
    D-term H_d^2 - H_u^2, W and Z through H_u^2 + H_d^2; the chain rule gives the Hessian.
    CP-odd: the potential depends on the CP-odd fields through the moduli (cancelled by the
    tadpoles) and through R = Re(H_u H_d S) in |X_t|^2 = A_t^2 |H_u|^2 + lambda^2 |S H_d|^2
    - 2 A_t lambda R (and |X_b|^2), whose phase theta = sum_i a_i/(sqrt2 v_i) gives
    c w w^T, w_i = 1/(sqrt2 v_i), c = -R dV/dR (``field_hessians``)."""
    hd, hu, sv = c["vd"], c["vu"], c["s"]
    n = hd.shape[0]
    q2, g1, g2, lam = c["q2"], c["g1sq"], c["g2sq"], c["lam"]
    zero, one = np.zeros(n), np.ones(n)
    e = np.eye(3)
    dd = hd * hd - hu * hu
    d_dd = np.stack([2 * hd, -2 * hu, zero], -1)
    dd_dd = np.diag([2.0, -2.0, 0.0])
    value = np.zeros(n)
    grad = np.zeros((n, 3))
    hess = np.zeros((n, 3, 3))
    d_r = np.zeros(n)                                           # dV/dR
    outer = np.einsum

    def add(weight: float, v: np.ndarray, f1: np.ndarray, f2: np.ndarray, du: np.ndarray,
            ddu: np.ndarray) -> None:
        """weight * F(u) with F, F', F'' = v, f1, f2, gradient du (n,3), Hessian ddu."""
        nonlocal value, grad, hess
        value = value + weight * v
        grad = grad + weight * f1[:, None] * du
        hess = hess + weight * (f2[:, None, None] * outer("ni,nj->nij", du, du)
                                + f1[:, None, None] * ddu)

    scalar, vector = 1.0 / (32.0 * math.pi**2), 1.0 / (64.0 * math.pi**2)
    for k, weight in ((0.5 * g2, 2.0), (0.5 * (g1 + g2), 1.0)):     # W, Z
        m2 = k * (hu * hu + hd * hd)
        log = np.log(m2 / q2)
        kk = k * one
        add(3.0 * weight * vector, m2 * m2 * (log - 5.0 / 6.0), (2.0 * log - 2.0 / 3.0) * m2,
            2.0 * log + 4.0 / 3.0, kk[:, None] * np.stack([2 * hd, 2 * hu, zero], -1),
            kk[:, None, None] * np.diag([2.0, 2.0, 0.0]))
    for t3, y, mult, key in OTHER_SFERMIONS:
        kk = 0.5 * (t3 * g2 - y * g1) * one
        m2 = c[key] ** 2 + kk * dd
        f1, f2 = _f_derivatives(m2, q2)
        add(mult * scalar, _f(m2, q2), f1, f2, kk[:, None] * d_dd,
            kk[:, None, None] * dd_dd)
    for yuk, h_q, (ml, mr), (kl, kr), trilinear, index, x_val, x_grad, x_hess in (
            (c["ht"], hu, (c["MQ2"], c["MU2"]), (g2 / 4 - g1 / 12, g1 / 3), c["At"], 1,
             c["At"] * hu - lam * sv * hd, np.stack([-lam * sv, c["At"] * one, -lam * hd], -1),
             ((0, 2),)),
            (c["hb"], hd, (c["MQ2"], c["MD2"]), (-g2 / 4 - g1 / 12, -g1 / 6), c["Ab"], 0,
             c["Ab"] * hd - lam * sv * hu, np.stack([c["Ab"] * one, -lam * sv, -lam * hu], -1),
             ((1, 2),))):
        y2 = yuk * yuk
        mq2 = y2 * h_q * h_q
        d_mq = 2.0 * y2[:, None] * h_q[:, None] * e[index]
        dd_mq = 2.0 * y2[:, None, None] * np.outer(e[index], e[index])
        cp, cq = 0.5 * (kl + kr) * one, 0.5 * (kl - kr) * one
        p_val = 0.5 * (ml + mr) + mq2 + cp * dd
        q_val = 0.5 * (ml - mr) + cq * dd
        d_p = d_mq + cp[:, None] * d_dd
        dd_p = dd_mq + cp[:, None, None] * dd_dd
        d_q = cq[:, None] * d_dd
        dd_q = cq[:, None, None] * dd_dd
        dd_x = np.zeros((n, 3, 3))
        for i, j in x_hess:
            dd_x[:, i, j] = dd_x[:, j, i] = -lam
        rho = q_val**2 + y2 * x_val**2
        d_rho = 2.0 * q_val[:, None] * d_q + 2.0 * (y2 * x_val)[:, None] * x_grad
        dd_rho = 2.0 * (outer("ni,nj->nij", d_q, d_q) + q_val[:, None, None] * dd_q
                        + y2[:, None, None] * (outer("ni,nj->nij", x_grad, x_grad)
                                               + x_val[:, None, None] * dd_x))
        v, s_p, s_r, s_pp, s_pr, s_rr = _pair_derivatives(p_val, rho, q2)
        w = NC * scalar
        value = value + w * v
        grad = grad + w * (s_p[:, None] * d_p + s_r[:, None] * d_rho)
        cross = outer("ni,nj->nij", d_p, d_rho)
        hess = hess + w * (s_pp[:, None, None] * outer("ni,nj->nij", d_p, d_p)
                           + s_pr[:, None, None] * (cross + cross.swapaxes(-1, -2))
                           + s_rr[:, None, None] * outer("ni,nj->nij", d_rho, d_rho)
                           + s_p[:, None, None] * dd_p + s_r[:, None, None] * dd_rho)
        f1, f2 = _f_derivatives(mq2, q2)
        add(-2.0 * w, _f(mq2, q2), f1, f2, d_mq, dd_mq)
        d_r = d_r + w * s_r * y2 * (-2.0 * trilinear * lam)        # d rho/dR = -2 y^2 A lambda
    vev = math.sqrt(2.0) * np.stack([hd, hu, sv], -1)
    even = 0.5 * hess - (grad / (2.0 * np.stack([hd, hu, sv], -1)))[:, :, None] * e
    w_odd = 1.0 / vev
    odd = (-d_r * hu * hd * sv)[:, None, None] * w_odd[:, :, None] * w_odd[:, None, :]
    return value, grad, even, odd


def _two_loop_part(hu: np.ndarray, hd: np.ndarray, sc: np.ndarray,
                   c: dict[str, np.ndarray]) -> np.ndarray:
    """V2 [GeV^4] at O(alpha_t alpha_s) at complex fields (``two_loop_potential``), with
    the stop matrix in the gaugeless limit (the D-terms are of higher order)."""
    mtc = c["ht"] * hu
    t = mtc.real**2 + mtc.imag**2
    x = c["ht"] * (c["At"] * hu - c["lam"] * sc * np.conj(hd))
    x2 = x.real**2 + x.imag**2
    a, b = c["MQ2"] + t, c["MU2"] + t
    mean = 0.5 * (a + b)
    root = np.sqrt((0.5 * (a - b)) ** 2 + x2)
    t1, t2 = mean - root, mean + root
    s2t_sq = x2 / (root * root)
    s2t_phase = -np.real(np.conj(mtc) * x) / (np.sqrt(t) * root)
    return two_loop_potential.potential_alpha_t_alpha_s(t, t1, t2, s2t_sq, s2t_phase,
                                                        c["mg"], c["g3sq"], c["q2"])


def _constants(p: dict[str, np.ndarray], run: dict[str, np.ndarray], mt: np.ndarray
               ) -> dict[str, np.ndarray]:
    """Couplings and soft terms of the loop potentials at Q_st (``running``)."""
    beta = np.arctan(run["tanb"])
    vu, vd = run["v"] * np.sin(beta), run["v"] * np.cos(beta)
    mb = float(sm.mb_msbar(sm.MT_POLE))
    q2 = run["q2"]
    return {"vu": vu, "vd": vd, "s": run["mueff"] / run["lambda_"], "lam": run["lambda_"],
            "At": run["At"], "Ab": run["Ab"], "MQ2": run["MQ3sq"], "MU2": run["MU3sq"],
            "MD2": run["MD3sq"], "ht": mt / vu, "hb": mb / vd, "q2": q2, "mg": p["M3"],
            "g3sq": 4.0 * math.pi * sm.alpha_s_two_loop(np.sqrt(q2)), "mu": run["mueff"],
            "g1sq": run["g1sq"], "g2sq": run["g2sq"],
            **{k: p[k] for k in ("MQ12", "MU12", "MD12", "ML12", "ME12", "ML3", "ME3")},
            "mA2": np.maximum(run["m_A2"], 0.0), "sb": np.sin(beta), "cb": np.cos(beta)}


def stop_masses(run: dict[str, np.ndarray], mt: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m_st1^2, m_st2^2, sin 2theta_t) [GeV^2] of the stop matrix at Q_st (parameters
    ``run``) with the top mass ``mt`` (gaugeless: the D-terms are left out)."""
    xt = run["At"] - run["mueff"] / run["tanb"]
    a, b = run["MQ3sq"] + mt**2, run["MU3sq"] + mt**2
    mean, root = 0.5 * (a + b), np.sqrt((0.5 * (a - b)) ** 2 + (mt * xt) ** 2)
    return mean - root, mean + root, -mt * xt / root


def field_hessians(potential_fn, c: dict[str, np.ndarray], step: float = STEP,
                   directions: tuple[int, ...] = (0, 1, 2)) -> tuple[np.ndarray, np.ndarray]:
    """Second derivatives minus tadpole terms (n,3,3) [GeV^2] of ``potential_fn(fields, c)``
    in the CP-even (H_d, H_u, S) and CP-odd (A_d, A_u, A_S) directions: the loop
    corrections to the mass matrices. Only the field indices in ``directions`` (0 = d,
    1 = u, 2 = s) are varied (the rest of the matrices is zero).

    CP-even block: central differences with step ``step`` [GeV] from f(+-e_i) and
    f(+-(e_i + e_j)), O(h^2), all displaced points in one batched evaluation.
    CP-odd block: the stop-sector potentials depend on the CP-odd fields only through the
    phase theta of the gauge-invariant product H_u H_d S (H_u H_d when S is not varied:
    X_t = A_t H_u - lambda S^* H_d^*, |X_t|^2 and Re(m_t^* X_t) contain it, the moduli
    give terms that the tadpoles cancel). With theta = sum_i a_i/(sqrt2 v_i), the block is
    c w w^T, w_i = 1/v_i (rank one: the Goldstone boson stays massless, and so does the
    combination of A and A_S orthogonal to the phase); c from one evaluation along w,
    O(h^2) as the potential is even in the CP-odd fields."""
    n = np.shape(c["vu"])[0]
    h = step
    pairs = [(i, j) for k, i in enumerate(directions) for j in directions[k + 1:]]
    vev = np.stack([c["vd"], c["vu"], c["s"]], -1) * math.sqrt(2.0)   # sqrt2 v_i (n, 3)
    w = np.zeros((n, 3))
    w[:, list(directions)] = 1.0 / vev[:, list(directions)]
    w_norm = np.sqrt(np.sum(w * w, -1))
    shifts = [np.zeros((n, 6))]

    def add(*terms: tuple[int, float]) -> None:
        e = np.zeros((n, 6))
        for index, amount in terms:
            e[:, index] += amount * h
        shifts.append(e)

    for i in directions:
        add((i, 1.0))
        add((i, -1.0))
    for i, j in pairs:
        add((i, 1.0), (j, 1.0))
        add((i, -1.0), (j, -1.0))
    odd_shift = np.zeros((n, 6))
    odd_shift[:, 3:] = h * w / w_norm[:, None]
    shifts.append(odd_shift)
    fields = np.stack(shifts)                                   # (k, n, 6)
    val = np.empty((len(shifts), n))
    block = max(1, BLOCK_ELEMENTS // len(shifts))
    for lo in range(0, n, block):                               # cache-sized blocks
        part = slice(lo, lo + block)
        cb = {k: np.broadcast_to(v[part], (len(shifts), v[part].shape[0])) if np.ndim(v)
              else v for k, v in c.items()}
        val[:, part] = potential_fn(fields[:, part], cb)        # (k, n)
    f0 = val[0]
    nd = len(directions)
    plus = dict(zip(directions, val[1:2 * nd + 1:2], strict=True))
    minus = dict(zip(directions, val[2:2 * nd + 2:2], strict=True))
    k0 = 2 * nd + 1
    even = np.zeros((n, 3, 3))
    grad = np.zeros((n, 3))
    for i in directions:
        grad[:, i] = (plus[i] - minus[i]) / (2 * h)
        even[:, i, i] = (plus[i] - 2 * f0 + minus[i]) / h**2
    for m, (i, j) in enumerate(pairs):
        pp, mm = val[k0 + 2 * m], val[k0 + 2 * m + 1]
        even[:, i, j] = even[:, j, i] = (pp + mm - plus[i] - minus[i] - plus[j] - minus[j]
                                         + 2 * f0) / (2 * h * h)
    tad = grad / vev                                            # (n, 3)
    # along the unit vector u = w/|w|: 2 (f(h u) - f0)/h^2 = c |w|^2 + sum_i u_i^2 tad_i
    u2 = (w / w_norm[:, None]) ** 2
    c_odd = (2.0 * (val[-1] - f0) / h**2 - np.sum(u2 * tad, -1)) / w_norm**2
    odd = c_odd[:, None, None] * w[:, :, None] * w[:, None, :]
    return even - tad[:, :, None] * np.eye(3), odd


def top_mass(p: dict[str, np.ndarray], run: dict[str, np.ndarray]) -> np.ndarray:
    """DRbar MSSM m_t(Q_st) [GeV] (``running.top_mass_drbar``), its stop threshold
    evaluated with the stops of the top mass before the MSSM thresholds (1e-4 from the
    self-consistent value, 1e-3 at most on a broad random sample)."""
    return running.top_mass_drbar(p, run, stop_masses(run, running.top_mass_drbar(p, run, None)))


def corrections(p: dict[str, np.ndarray], run: dict[str, np.ndarray] | None = None,
                two_loop: bool = True, mt: np.ndarray | None = None,
                one_loop: tuple[np.ndarray, ...] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Top/stop and bottom/sbottom corrections at Q_st: CP-even (H_d, H_u, S) and CP-odd
    (A_d, A_u, A_S) [GeV^2]; ``two_loop``: with the O(alpha_t alpha_s) and O(alpha_t^2)
    potentials. ``run``: the parameters at Q_st (``running.run_to_stop_scale``);
    ``mt``: the DRbar m_t(Q_st) (``top_mass``); ``one_loop``: ``one_loop_derivatives``
    if already computed. The one-loop part is analytic, the two-loop parts are taken by
    finite differences (``field_hessians``)."""
    if run is None:
        run = running.run_to_stop_scale(p)
    if mt is None:
        mt = top_mass(p, run)
    c = _constants(p, run, mt)
    if one_loop is None:
        one_loop = one_loop_derivatives(c)
    even, odd = one_loop[2], one_loop[3]
    if two_loop:
        def strong(fields: np.ndarray, cc: dict[str, np.ndarray]) -> np.ndarray:
            hd, hu, sc = _field_values(fields, cc)
            return _two_loop_part(hu, hd, sc, cc)

        def yukawa(fields: np.ndarray, cc: dict[str, np.ndarray]) -> np.ndarray:
            hd, hu, _ = _field_values(fields, cc)
            return two_loop_potential.potential_alpha_t_squared(hu, hd, cc, stencil=True)

        for fn, directions in ((strong, (0, 1, 2)), (yukawa, (0, 1))):
            e2, o2 = field_hessians(fn, c, STEP, directions)
            even, odd = even + e2, odd + o2
    # points with tachyonic squarks (flagged by the checks) must not poison the rest
    return np.nan_to_num(even), np.nan_to_num(odd)


def higgs_boson_corrections(q: dict[str, np.ndarray], q2: np.ndarray) -> np.ndarray:
    """Higgs-boson loop corrections (n,3,3) [GeV^2] to the CP-even matrix in (H_d, H_u, S)
    at Q^2 = ``q2`` (``higgs_loops``; parameters ``q`` at that scale, vev ``q["v"]``)."""
    beta = np.arctan(q["tanb"])
    c = {"lam": q["lambda_"], "kap": q["kappa"], "Alambda": q["Alambda"],
         "Akappa": q["Akappa"], "g1sq": q["g1sq"], "g2sq": q["g2sq"],
         "vd": q["v"] * np.cos(beta), "vu": q["v"] * np.sin(beta),
         "s": q["mueff"] / q["lambda_"], "q2": q2}
    c.update(higgs_loops.soft_masses(c))
    return np.nan_to_num(higgs_loops.curvature(c))
