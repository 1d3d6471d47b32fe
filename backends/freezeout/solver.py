"""Freeze-out of a set of coannihilating species: relic density, x_f and channel fractions.

The model supplies the species (masses and internal degrees of freedom per point) and,
per initial pair, a function giving the total cross section of every annihilation
channel at chosen centre-of-mass energies, with the pair's s-channel resonances as
quadrature hints. ``freeze_out`` chooses the energy nodes (``thermal.energy_nodes``),
thermally averages (``thermal``), solves the Boltzmann equation (``boltzmann``) and
attributes the annihilation after freeze-out to the channels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import boltzmann, thermal

#: cross sections: (point indices (m,), sqrt(s) (m, K) [GeV]) -> sigma (m, K, C) [GeV^-2]
CrossSection = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Pair:
    """The initial state of species ``i`` and ``j`` (indices into the species, i <= j).

    ``cross_section`` returns the total cross section of each of the ``channels`` (final
    states), averaged over initial spins and summed over final ones, identical final
    particles counted once. ``resonance_mass``, ``resonance_width`` (n, R) [GeV]: the
    s-channel bosons of the pair (NaN where absent), for the choice of energy nodes.
    """

    i: int
    j: int
    cross_section: CrossSection
    channels: Sequence[str]
    resonance_mass: np.ndarray | None = None
    resonance_width: np.ndarray | None = None


@dataclass(frozen=True)
class FreezeOut:
    """Result per point: ``omega_h2``, ``x_f`` (Y = 2.5 Y_eq), ``y_today``; the yield ``y``
    and ``y_eq`` on ``x``; <sigma_eff v> [GeV^-2] on ``x_sigma_v``; ``channel_fraction``
    (n, C): each channel's share of the annihilation after x_f, i.e. of 1/Omega."""

    omega_h2: np.ndarray
    x_f: np.ndarray
    y_today: np.ndarray
    x: np.ndarray
    y: np.ndarray
    y_eq: np.ndarray
    x_sigma_v: np.ndarray
    sigma_v: np.ndarray
    channels: list[str]
    channel_fraction: np.ndarray


def freeze_out(masses: np.ndarray, dofs: np.ndarray, pairs: Sequence[Pair], *,
               names: Sequence[str] | None = None, pair_gap: float = 0.4,
               x_min: float = 8.0, x_max: float = 2000.0, n_x: int = 36,
               n_steps: int = 300, n_nodes: int = 32, nodes_per_resonance: int = 8,
               energy_reach: float = 8.0) -> FreezeOut:
    """Relic density of the lightest species and its coannihilation partners.

    ``masses`` (n, S) [GeV], ``dofs`` (S,) or (n, S): internal degrees of freedom (a
    particle and its antiparticle are separate species). A pair enters where
    (m_i + m_j - 2 m_min)/m_min <= ``pair_gap`` and a species where (m_i - m_min)/m_min
    <= ``pair_gap`` (the Boltzmann factor exp(-x_f gap) ~ 1e-4 at x_f ~ 25 beyond).
    <sigma_eff v> is computed at ``n_x`` values of x = m_min/T from ``x_min`` to ``x_max``
    and interpolated for the ``n_steps`` steps of the Boltzmann equation; the energy
    nodes of each pair reach ``energy_reach`` temperatures at x_min above the lightest
    pair's threshold.
    """
    masses = np.abs(np.asarray(masses, dtype=float))
    n, n_species = masses.shape
    dofs = np.broadcast_to(np.asarray(dofs, dtype=float), (n, n_species))
    names = list(names) if names is not None else [f"s{k}" for k in range(n_species)]
    m_ref = masses.min(axis=1)
    included = (masses - m_ref[:, None]) / m_ref[:, None] <= pair_gap
    species_dofs = np.where(included, dofs, 0.0)

    x_sv = np.geomspace(x_min, x_max, n_x)
    temperature = m_ref[:, None] / x_sv[None, :]
    eq_sum = thermal.equilibrium_sum(masses, species_dofs, temperature, m_ref)  # (n, G)
    denominator = temperature * eq_sum**2

    reach = energy_reach * m_ref / x_min
    eps0 = m_ref / (20.0 * x_max)
    per_pair = []  # (pair, active points, nodes, sigma at nodes) for the channel shares
    thermal_cache: dict = {}
    total = np.zeros((n, n_x))
    channel_names: list[str] = []
    for pair in pairs:
        mi, mj = masses[:, pair.i], masses[:, pair.j]
        offset = mi + mj - 2.0 * m_ref
        active = np.flatnonzero((offset / m_ref <= pair_gap) & (reach - offset > 0))
        label = f"{names[pair.i]} {names[pair.j]}"
        channel_names.extend(f"{label} -> {c}" for c in pair.channels)
        if active.size == 0:
            per_pair.append((pair, active, None, None))
            continue
        sub = _rows(pair.resonance_mass, active), _rows(pair.resonance_width, active)
        # pairs of equal masses and resonances (CP conjugates, flavours of equal mass)
        # share their energy nodes and thermal weights
        key = (active.tobytes(), mi[active].tobytes(), mj[active].tobytes(),
               *(None if x is None else x.tobytes() for x in sub))
        if key not in thermal_cache:
            nodes = thermal.energy_nodes((mi + mj)[active], (reach - offset)[active],
                                         eps0[active], *sub, n_nodes=n_nodes,
                                         nodes_per_resonance=nodes_per_resonance)
            thermal_cache[key] = (nodes, thermal.pair_weights(
                nodes, mi[active], mj[active], temperature[active], m_ref[active]))
        nodes, pair_kernel = thermal_cache[key]
        sigma = np.asarray(pair.cross_section(active, nodes.energy), dtype=float)
        if sigma.shape != (*nodes.energy.shape, len(pair.channels)):
            raise ValueError(f"pair {label}: cross_section returned shape {sigma.shape}, "
                             f"expected {(*nodes.energy.shape, len(pair.channels))}")
        weight = (1.0 if pair.i == pair.j else 2.0) * dofs[active, pair.i] * dofs[active, pair.j]
        kernel = pair_kernel * weight[:, None, None]
        total[active] += np.einsum("ngk,nk->ng", kernel, sigma.sum(axis=-1))
        per_pair.append((pair, active, kernel, sigma))

    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_v = total / denominator
    good = np.all(np.isfinite(sigma_v) & (sigma_v > 0), axis=1)
    safe_sv = np.where(good[:, None], sigma_v, 1.0)
    x = np.geomspace(x_min, x_max, n_steps)
    sv_steps = np.exp(_interp_log(x_sv, np.log(safe_sv), x))
    solution = boltzmann.solve_yield(x, m_ref, masses, species_dofs, sv_steps)
    omega = boltzmann.OMEGA_H2_PER_GEV_YIELD * m_ref * solution.y_today

    fractions = _channel_fractions(per_pair, solution.x_f, x_sv, m_ref, denominator, n,
                                   len(channel_names))
    bad = ~good | ~np.isfinite(solution.x_f)
    omega = np.where(bad, np.nan, omega)
    return FreezeOut(omega_h2=omega, x_f=np.where(bad, np.nan, solution.x_f),
                     y_today=np.where(bad, np.nan, solution.y_today), x=x, y=solution.y,
                     y_eq=solution.y_eq, x_sigma_v=x_sv, sigma_v=sigma_v,
                     channels=channel_names, channel_fraction=fractions)


def _rows(array: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if array is None else np.asarray(array, dtype=float).reshape(
        array.shape[0], -1)[rows]


def _interp_log(x_from: np.ndarray, values: np.ndarray, x_to: np.ndarray) -> np.ndarray:
    """Cubic interpolation in ln x along the last axis."""
    from scipy.interpolate import CubicSpline

    return CubicSpline(np.log(x_from), values, axis=-1)(np.log(x_to))


def _channel_fractions(per_pair, x_f, x_sv, m_ref, denominator, n, n_channels) -> np.ndarray:
    """Share of each channel in int_{x_f}^{x_max} dx g_*^(1/2) <sigma v>_c / x^2."""
    # weights in x: trapezoid in ln x on the grid, from x_f on
    log_x = np.log(x_sv)
    inner = np.clip((np.log(np.where(np.isfinite(x_f), x_f, x_sv[0]))[:, None]
                     - log_x[None, :-1]) / np.diff(log_x)[None, :], 0.0, 1.0)
    seg = np.diff(log_x)[None, :] * (1.0 - inner)  # part of each interval above x_f
    w = np.zeros((n, x_sv.size))
    w[:, :-1] += 0.5 * seg
    w[:, 1:] += 0.5 * seg
    factor = boltzmann.rate_coefficient(x_sv, m_ref, np.ones((n, x_sv.size))) / x_sv[None, :]
    w = w * factor / denominator
    out = np.zeros((n, n_channels))
    col = 0
    for pair, active, kernel, sigma in per_pair:
        width = len(pair.channels)
        if kernel is not None:
            per_node = np.einsum("ngk,ng->nk", kernel, w[active])
            out[active, col:col + width] = np.einsum("nk,nkc->nc", per_node, sigma)
        col += width
    norm = out.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, out / norm, np.nan)
