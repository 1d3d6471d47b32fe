"""The Boltzmann equation for the yield Y = n / s through freeze-out, vectorised over points.

    dY/dx = -sqrt(pi/45) M_Pl m g_*^(1/2)(T) <sigma_eff v>(x) / x^2 (Y^2 - Y_eq^2),

x = m/T with m the lightest of the coannihilating species, Y and Y_eq summed over them
(Gondolo and Gelmini, Nucl. Phys. B360 (1991) 145; Edsjo and Gondolo, Phys. Rev. D56
(1997) 1879). It is solved in t = ln x on a uniform grid with the second-order,
L-stable backward differentiation formula (one quadratic per step, no iteration), from
the point where the quasi-static departure from equilibrium reaches ``start_departure``
(before it, Y follows the quasi-static solution) to the end of the grid; the remaining
annihilation after the grid is integrated with Y_eq = 0 and <sigma v> extrapolated as
a + b/x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import dof, thermal

#: Planck mass [GeV] (PDG 2024, 1.220890(14) x 10^19 GeV)
M_PLANCK = 1.220890e19
#: Omega h^2 per GeV of mass and unit yield: s_0 / (rho_c / h^2) with s_0 = 2891.2 cm^-3
#: (T_0 = 2.7255 K) and rho_c = 1.05371e-5 h^2 GeV cm^-3 (PDG 2024, astrophysical constants)
OMEGA_H2_PER_GEV_YIELD = 2891.2 / 1.05371e-5
#: Y / Y_eq at the freeze-out point x_f (the definition micrOMEGAs uses for its Xf)
FREEZE_OUT_RATIO = 2.5


@dataclass(frozen=True)
class YieldSolution:
    """Y(x) and Y_eq(x) on ``x`` (G,), shapes (n, G); x_f where Y = 2.5 Y_eq; Y today."""

    x: np.ndarray
    y: np.ndarray
    y_eq: np.ndarray
    x_f: np.ndarray
    y_today: np.ndarray


def equilibrium_yield(x: np.ndarray, m_ref: np.ndarray, masses: np.ndarray,
                      dofs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Y_eq = 45/(4 pi^4 h_eff) sum_i g_i z_i^2 K2(z_i), z_i = m_i/T, and d ln Y_eq / d ln x;
    shapes x (G,), masses and dofs (n, S), results (n, G)."""
    t = m_ref[:, None] / x[None, :]
    # species of equal masses at every point (particle and antiparticle, ...) once
    masses, column = np.unique(masses, axis=1, return_inverse=True)
    merged = np.zeros(masses.shape)
    for k, c in enumerate(np.ravel(column)):
        merged[:, c] += dofs[:, k]
    dofs = merged
    # only the (point, species) entries with degrees of freedom (the others add zeros),
    # summed per point: entries come point by point (row-major nonzero)
    rows, cols = np.nonzero(dofs)
    z = masses[rows, cols][:, None] / t[rows]                       # (entries, G)
    g = dofs[rows, cols][:, None]
    scale = np.exp(-z)  # K_nu(z) = e^z K_nu(z) e^-z
    k1_scaled, k2_scaled = thermal.scaled_k1_k2(z)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    k2 = np.zeros(t.shape)
    k1z = np.zeros(t.shape)
    if rows.size:
        k2[rows[starts]] = np.add.reduceat(g * z**2 * k2_scaled * scale, starts, axis=0)
        k1z[rows[starts]] = np.add.reduceat(g * z**3 * k1_scaled * scale, starts, axis=0)
    y_eq = 45.0 / (4 * np.pi**4 * dof.h_eff(t)) * k2
    # d(z^2 K2)/dz = -z^2 K1, dz/d ln x = z; h_eff(T) with d ln T = -d ln x
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = -k1z / k2 + dof.dlnh_dlnt(t)
    return y_eq, np.where(np.isfinite(slope), slope, -x[None, :])


def rate_coefficient(x: np.ndarray, m_ref: np.ndarray, sigma_v: np.ndarray) -> np.ndarray:
    """x^2 times the coefficient of (Y^2 - Y_eq^2) in -dY/dx:
    sqrt(pi/45) M_Pl m g_*^(1/2) <sigma v>; ``sigma_v`` (n, G) [GeV^-2] on ``x`` (G,)."""
    t = m_ref[:, None] / x[None, :]
    return np.sqrt(np.pi / 45.0) * M_PLANCK * m_ref[:, None] * dof.sqrt_g_star(t) * sigma_v


def solve_yield(x: np.ndarray, m_ref: np.ndarray, masses: np.ndarray, dofs: np.ndarray,
                sigma_v: np.ndarray, *, start_departure: float = 0.01) -> YieldSolution:
    """Integrate the yield on the grid ``x`` (G,), uniform in ln x, for every point.

    ``sigma_v`` (n, G) is <sigma_eff v> [GeV^-2] on the grid; ``masses``, ``dofs`` (n, S)
    the coannihilating species (m_ref the lightest). The unknown is the departure
    D = Y - Y_eq, which varies slowly where Y_eq falls like e^-x:
    dD/dt = -dY_eq/dt - b D (2 Y_eq + D), t = ln x.
    """
    h = np.log(x[1] / x[0])
    if not np.allclose(np.diff(np.log(x)), h, rtol=1e-9, atol=0):
        raise ValueError("x grid: expected uniform spacing in ln x")
    # Y_eq on every 8th point, log-interpolated (smooth in ln x: e^-x times powers)
    coarse = np.unique(np.r_[np.arange(0, x.size, 8), x.size - 1])
    y_coarse, slope = equilibrium_yield(x[coarse], m_ref, masses, dofs)
    from scipy.interpolate import CubicSpline

    with np.errstate(divide="ignore"):
        ln_y = np.log(y_coarse)
    finite = np.isfinite(ln_y).all(axis=1)
    ln_y = np.where(finite[:, None], ln_y, -1e300)
    y_eq = np.exp(CubicSpline(np.log(x[coarse]), ln_y, axis=1)(np.log(x)))
    dlny_eq = CubicSpline(np.log(x[coarse]), slope, axis=1)(np.log(x))
    if not finite.all():  # Y_eq underflows at some point of the grid: exact values there
        y_eq[~finite], dlny_eq[~finite] = equilibrium_yield(x, m_ref[~finite],
                                                            masses[~finite], dofs[~finite])
    source = -dlny_eq * y_eq  # -dY_eq/dt >= 0
    b = rate_coefficient(x, m_ref, sigma_v) / x[None, :]
    # quasi-static departure (dD/dt neglected, D << Y_eq): D = source / (2 b Y_eq)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        quasi = source / (2.0 * b * y_eq)
        relative = np.where(np.isfinite(quasi) & (y_eq > 0), quasi / y_eq, np.inf)
    tracking = relative < start_departure
    start = np.argmin(tracking, axis=1)
    start = np.where(tracking.all(axis=1), x.size - 1, np.maximum(start, 1))
    d = np.where(np.isfinite(quasi), quasi, 0.0)
    prev = np.take_along_axis(d, (start - 1)[:, None], axis=1)[:, 0]
    prev2 = prev.copy()
    for k in range(1, x.size):
        active = k >= start
        if not active.any():
            continue
        first = k == start
        # BDF2; the first step of each point is backward Euler
        step = np.where(first, h, 2.0 * h / 3.0)
        a = step * b[:, k]
        lin = 1.0 + 2.0 * a * y_eq[:, k]
        c = np.where(first, prev, (4.0 * prev - prev2) / 3.0) + step * source[:, k]
        new = 2.0 * c / (lin + np.sqrt(lin**2 + 4.0 * a * c))
        d[:, k] = np.where(active, new, d[:, k])
        prev2 = np.where(active, prev, prev2)
        prev = np.where(active, new, prev)
    y = y_eq + d
    y_today = 1.0 / (1.0 / y[:, -1] + _tail(x, m_ref, sigma_v))
    return YieldSolution(x=x, y=y, y_eq=y_eq, x_f=freeze_out_point(x, y, y_eq),
                         y_today=y_today)


def _tail(x: np.ndarray, m_ref: np.ndarray, sigma_v: np.ndarray,
          decades: float = 4.0, points: int = 80) -> np.ndarray:
    """int_{x_end}^inf dx sqrt(pi/45) M_Pl m g_*^(1/2) <sigma v> / x^2, with <sigma v> =
    a + b/x through the last two grid values, g_* from the table down to its end."""
    x1, x2 = x[-2], x[-1]
    s1, s2 = sigma_v[:, -2], sigma_v[:, -1]
    slope = (s1 - s2) / (1.0 / x1 - 1.0 / x2)
    slope = np.where(np.isfinite(slope), slope, 0.0)
    const = s2 - slope / x2
    bad = const < 0  # a p-wave fit that would turn negative: keep the last value
    const = np.where(bad, s2, const)
    slope = np.where(bad, 0.0, slope)
    xs = x2 * np.logspace(0.0, decades, points)
    sv = const[:, None] + slope[:, None] / xs[None, :]
    integrand = rate_coefficient(xs, m_ref, sv) / xs[None, :]  # d/d ln x
    near = np.trapezoid(integrand, np.log(xs), axis=1)
    # beyond: g_* constant at its table end, int_X^inf (a + b/x)/x^2 dx
    far_x = xs[-1]
    coeff = np.sqrt(np.pi / 45.0) * M_PLANCK * m_ref * dof.sqrt_g_star(m_ref / far_x)
    return near + coeff * (const / far_x + slope / (2 * far_x**2))


def freeze_out_point(x: np.ndarray, y: np.ndarray, y_eq: np.ndarray) -> np.ndarray:
    """x_f: the first x where Y = 2.5 Y_eq (log-linear interpolation between grid points)."""
    with np.errstate(divide="ignore", over="ignore"):
        r = np.log(y / y_eq) - np.log(FREEZE_OUT_RATIO)
    above = r >= 0
    k = np.argmax(above, axis=1)
    found = above.any(axis=1) & (k > 0)
    k = np.maximum(k, 1)
    r1 = np.take_along_axis(r, (k - 1)[:, None], axis=1)[:, 0]
    r2 = np.take_along_axis(r, k[:, None], axis=1)[:, 0]
    x1, x2 = x[k - 1], x[k]
    frac = np.where(r2 != r1, -r1 / (r2 - r1), 0.0)
    return np.where(found, x1 + frac * (x2 - x1), np.nan)
