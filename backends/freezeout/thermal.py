"""Relativistic thermal averages of annihilation cross sections, with coannihilation.

For species i with masses m_i and internal degrees of freedom g_i in kinetic equilibrium
(Maxwell-Boltzmann statistics), the effective thermal average of Griest and Seckel in the
relativistic form of Gondolo and Gelmini (Nucl. Phys. B360 (1991) 145) and Edsjo and
Gondolo (Phys. Rev. D56 (1997) 1879, hep-ph/9704361) is

    <sigma_eff v>(T) = sum_ij g_i g_j int dE E^2 p_ij^2 sigma_ij(E) K1(E/T)
                       / (T [sum_i g_i m_i^2 K2(m_i/T)]^2),

E = sqrt(s) from m_i + m_j, p_ij the centre-of-mass momentum, sigma_ij the total cross
section of i j (summed over final states, averaged over initial spins), the sum over
ordered pairs. No expansion in the velocity: resonances and thresholds inside the
thermal range are integrated as they are.

The energy integral uses fixed nodes per point and pair that serve every temperature of
the freeze-out: composite Gauss-Legendre in a variable u(eps), eps = E - m_i - m_j,

    u = log(1 + sqrt(eps/eps0)) + sum_r w_r [atan((eps - eps_r)/gamma_r) - atan(-eps_r/gamma_r)],

logarithmic from eps0 (far below the smallest temperature) up to eps_max, square-root
like at threshold (where p ~ sqrt(eps)), and with a Breit-Wigner-shaped node density
around every s-channel resonance r inside the range (eps_r = M_r - m_i - m_j, gamma_r =
Gamma_r / 2), so that narrow and wide resonances alike are integrated accurately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Gauss-Legendre points per composite panel
PANEL = 4
#: smallest half-width allowed for a resonance, relative to its mass (a zero width would
#: leave the pole on the real axis)
MIN_RELATIVE_HALF_WIDTH = 1e-9


@dataclass(frozen=True)
class Nodes:
    """Energy nodes of one pair at every point: E = sqrt(s) [GeV] and eps = E - m_i - m_j,
    shapes (n, K), and the weights [GeV] of int dE f(E) = sum_k weight_k f(E_k)."""

    energy: np.ndarray
    eps: np.ndarray
    weight: np.ndarray


def _gauss_panels(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights on [0, 1] with PANEL points per panel."""
    if n_nodes % PANEL:
        raise ValueError(f"n_nodes = {n_nodes}: expected a multiple of {PANEL}")
    x, w = np.polynomial.legendre.leggauss(PANEL)
    panels = n_nodes // PANEL
    left = np.arange(panels)[:, None] / panels
    nodes = (left + (x[None, :] + 1.0) / (2 * panels)).ravel()
    weights = np.tile(w / (2 * panels), panels)
    return nodes, weights


def _eps_of_y(y, eps0):
    return eps0 * np.expm1(y) ** 2


def _deps_dy(y, eps0):
    return 2.0 * eps0 * np.expm1(y) * np.exp(y)


def energy_nodes(threshold: np.ndarray, eps_max: np.ndarray, eps0: np.ndarray,
                 res_mass: np.ndarray | None = None, res_width: np.ndarray | None = None,
                 *, n_nodes: int = 32, nodes_per_resonance: int = 8) -> Nodes:
    """Quadrature nodes for int_{threshold}^{threshold + eps_max} dE f(E), shapes (n,).

    ``res_mass``, ``res_width`` (n, R) [GeV]: s-channel resonances of the pair (NaN or
    a mass outside the range: none); each inside the range receives about
    ``nodes_per_resonance`` of the ``n_nodes`` nodes, but the logarithmic part keeps at
    least half of them.
    """
    threshold, eps_max, eps0 = (np.asarray(a, dtype=float) for a in (threshold, eps_max, eps0))
    n = threshold.shape[0]
    if res_mass is None:
        res_mass = np.full((n, 0), np.nan)
        res_width = np.full((n, 0), np.nan)
    res_mass = np.asarray(res_mass, dtype=float).reshape(n, -1)
    res_width = np.asarray(res_width, dtype=float).reshape(n, -1)
    eps_r = res_mass - threshold[:, None]
    gamma = np.maximum(0.5 * np.nan_to_num(res_width, nan=0.0),
                       MIN_RELATIVE_HALF_WIDTH * np.nan_to_num(np.abs(res_mass), nan=1.0))
    inside = np.isfinite(eps_r) & (eps_r > -3.0 * gamma) & (eps_r < eps_max[:, None])
    eps_r = np.where(inside, eps_r, 0.0)
    gamma = np.where(inside, gamma, 1.0)

    y_max = np.log1p(np.sqrt(eps_max / eps0))
    count = inside.sum(axis=1)
    # each resonance gets u-length ~ pi w = share * y_max, i.e. its share of the nodes
    thermal_nodes = np.maximum(n_nodes - count * nodes_per_resonance, n_nodes // 2)
    share = np.where(count > 0, (n_nodes - thermal_nodes) / np.maximum(count, 1), 0.0)
    w_res = np.where(inside, (share / thermal_nodes * y_max / np.pi)[:, None], 0.0)
    # resonances inside the range nowhere add nothing (w_res = 0)
    used = inside.any(axis=0)
    eps_r, gamma, w_res = eps_r[:, used], gamma[:, used], w_res[:, used]
    a0 = np.arctan(-eps_r / gamma)

    def u_of(y, eps, rows=slice(None)):
        """u at y (rows of the points ``rows``), eps = eps(y)."""
        a = np.arctan((eps[..., None] - eps_r[rows, None, :]) / gamma[rows, None, :])
        return y + np.sum(w_res[rows, None, :] * (a - a0[rows, None, :]), axis=-1)

    def du_dy(y, eps, rows=slice(None)):
        g = gamma[rows, None, :]
        lor = g / ((eps[..., None] - eps_r[rows, None, :]) ** 2 + g**2)
        return 1.0 + (np.sum(w_res[rows, None, :] * lor, axis=-1)
                      * _deps_dy(y, eps0[rows, None]))

    u_max = u_of(y_max[:, None], eps_max[:, None])[:, 0]
    t, wt = _gauss_panels(n_nodes)
    target = u_max[:, None] * t[None, :]
    if res_mass.shape[1] == 0 or not inside.any():
        y = target.copy()
    else:
        y = _invert(target, y_max, eps0, u_of, du_dy)
    eps = _eps_of_y(y, eps0[:, None])
    weight = u_max[:, None] * wt[None, :] / du_dy(y, eps) * _deps_dy(y, eps0[:, None])
    return Nodes(energy=threshold[:, None] + eps, eps=eps, weight=weight)


def _invert(target, y_max, eps0, u_of, du_dy, iterations: int = 60):
    """Solve u(y) = target for y in [0, y_max] (u increasing): Newton kept inside a bracket,
    bisecting where a step leaves it or does not halve the step before last (Newton can
    cycle around the steep step of a narrow resonance). ``u_of`` and ``du_dy`` take
    (y, eps(y), rows); each point stops once all its nodes have converged."""
    lo = np.zeros_like(target)
    hi = np.broadcast_to(y_max[:, None], target.shape).copy()
    # first guess: the inverse of the map without resonances, rescaled to the full range
    u_top = u_of(y_max[:, None], _eps_of_y(y_max, eps0)[:, None])
    y = np.clip(target * (y_max[:, None] / u_top), 0.0, hi)
    tolerance = 1e-13 * max(1.0, float(np.max(y_max)))
    dy_old = dy = hi - lo
    rows = np.arange(target.shape[0])
    for _ in range(iterations):
        y_r, lo_r, hi_r = y[rows], lo[rows], hi[rows]
        eps = _eps_of_y(y_r, eps0[rows, None])
        g = u_of(y_r, eps, rows) - target[rows]
        lo_r = np.where(g <= 0, y_r, lo_r)
        hi_r = np.where(g > 0, y_r, hi_r)
        step = y_r - g / du_dy(y_r, eps, rows)
        # a Newton step below the tolerance is converged (y itself is an end of the
        # bracket then, and bisecting would move it away again)
        newton = (((step > lo_r) & (step < hi_r) & (2.0 * np.abs(step - y_r) <= np.abs(dy_old)))
                  | (np.abs(step - y_r) < tolerance))
        new = np.where(newton, step, 0.5 * (lo_r + hi_r))
        dy_old, dy = dy, new - y_r
        y[rows], lo[rows], hi[rows] = new, lo_r, hi_r
        going = np.max(np.abs(dy), axis=1) >= tolerance
        if not going.any():
            break
        rows, dy_old, dy = rows[going], dy_old[going], dy[going]
    return y


def momentum_squared(eps: np.ndarray, m1, m2) -> np.ndarray:
    """Centre-of-mass momentum squared at E = m1 + m2 + eps, free of cancellation at threshold."""
    m1 = np.asarray(m1)[..., None] if np.ndim(m1) else m1
    m2 = np.asarray(m2)[..., None] if np.ndim(m2) else m2
    energy = m1 + m2 + eps
    return eps * (energy + m1 + m2) * (energy - m1 + m2) * (energy + m1 - m2) / (4 * energy**2)


def scaled_k1_k2(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """e^z K_1(z) and e^z K_2(z), the latter by the recurrence K_2 = K_0 + (2/z) K_1
    (Abramowitz and Stegun 9.6.26): scipy's k0e and k1e are several times faster than
    kve(2, z) and agree with it to ~1e-15."""
    from scipy.special import k0e, k1e

    k1 = k1e(z)
    return k1, k0e(z) + (2.0 / z) * k1


def equilibrium_sum(masses: np.ndarray, dofs: np.ndarray, temperature: np.ndarray,
                    m_ref: np.ndarray) -> np.ndarray:
    """S(T) = sum_i g_i m_i^2 K2(m_i/T) exp(m_ref/T) [GeV^2]: masses, dofs (n, S), T (n, G).

    The factor exp(m_ref/T) keeps the numbers finite at low temperature; ``pair_rate``
    carries exp(2 m_ref/T), so that <sigma_eff v> = sum_ij g_i g_j pair_rate / (T S^2)."""
    z = masses[:, None, :] / temperature[..., None]
    boltzmann = np.exp(-(masses[:, None, :] - m_ref[:, None, None]) / temperature[..., None])
    k2 = scaled_k1_k2(z)[1]
    return np.sum(dofs[:, None, :] * masses[:, None, :] ** 2 * k2 * boltzmann, axis=-1)


def pair_weights(nodes: Nodes, m1, m2, temperature: np.ndarray, m_ref: np.ndarray
                 ) -> np.ndarray:
    """Weights (n, G, K) [GeV^4] of the pair's thermal integral at every temperature:
    int dE E^2 p^2 sigma(E) K1(E/T) exp(2 m_ref/T) = sum_k weights_k sigma(E_k)."""
    from scipy.special import k1e

    p2 = momentum_squared(nodes.eps, m1, m2)
    base = nodes.weight * nodes.energy**2 * p2  # (n, K)
    t = temperature[:, :, None]
    e = nodes.energy[:, None, :]
    return k1e(e / t) * np.exp(-(e - 2.0 * m_ref[:, None, None]) / t) * base[:, None, :]


def pair_rate(nodes: Nodes, sigma: np.ndarray, m1, m2, temperature: np.ndarray,
              m_ref: np.ndarray) -> np.ndarray:
    """int dE E^2 p^2 sigma(E) K1(E/T) exp(2 m_ref / T) [GeV^2] for every temperature.

    ``sigma`` (n, K, C) [GeV^-2] at the nodes, ``temperature`` (n, G); result (n, G, C).
    """
    return np.einsum("ngk,nkc->ngc", pair_weights(nodes, m1, m2, temperature, m_ref), sigma)
