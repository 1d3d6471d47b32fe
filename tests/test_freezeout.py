"""The model-independent freeze-out solver against analytic results and direct integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.special import k1e, kve

from backends.freezeout import Pair, boltzmann, dof, freeze_out, thermal


def test_dof_table_limits():
    # Standard-Model limits (Kolb and Turner, The Early Universe, ch. 3): all SM particles
    # relativistic, g = 106.75; today h_eff = 2 + (7/8) 6 (4/11) = 3.91, slightly above with
    # the incomplete neutrino decoupling in the table (3.94)
    assert dof.g_eff(1e4) == pytest.approx(106.75, rel=2e-3)
    assert dof.h_eff(1e-5) == pytest.approx(3.91, rel=1e-2)
    assert dof.g_eff(1e-5) == pytest.approx(3.36, rel=1e-2)
    # the QCD transition: far fewer degrees of freedom at 100 MeV than at 1 GeV
    assert dof.g_eff(0.1) < 0.5 * dof.g_eff(1.0)
    # g_*^1/2 -> h/sqrt(g) where h_eff is flat
    assert dof.sqrt_g_star(5e3) == pytest.approx(dof.h_eff(5e3) / np.sqrt(dof.g_eff(5e3)),
                                                 rel=1e-4)


def _direct_average(sigma, x, m, **kw):
    """<sigma v> of one species (g cancels) by adaptive quadrature, Gondolo-Gelmini eq.
    (3.8): int ds sigma (s - 4m^2) sqrt(s) K1(sqrt(s)/T) / (8 m^4 T K2(m/T)^2)."""
    t = m / x

    def integrand(e):  # Bessel functions scaled by exp(2m/T)
        s = e * e
        return 2 * e * sigma(e) * (s - 4 * m * m) * e * k1e(e / t) * np.exp(-(e - 2 * m) / t)

    value = quad(integrand, 2 * m, 2 * m + 40 * t, limit=400, epsabs=0, epsrel=1e-11, **kw)[0]
    return value / (8 * m**4 * t * kve(2, m / t) ** 2)


def _node_average(sigma, x, m, resonance=None):
    one = np.array([m])
    rm = rw = None
    if resonance:
        rm, rw = np.array([[resonance[0]]]), np.array([[resonance[1]]])
    nodes = thermal.energy_nodes(2 * one, 1.5 * one, 1e-5 * one, rm, rw, n_nodes=32)
    t = np.array([[m / x]])
    rate = thermal.pair_rate(nodes, sigma(nodes.energy)[..., None], one, one, t, one)
    eq = thermal.equilibrium_sum(one[:, None], np.ones((1, 1)), t, one)
    return (rate[..., 0] / (t * eq**2))[0, 0]


@pytest.mark.parametrize("x", [10.0, 25.0, 100.0, 400.0])
def test_thermal_average_of_constant_and_p_wave(x):
    m = 100.0

    def const(e):
        return np.full_like(np.asarray(e, dtype=float), 3.0)

    def p_wave(e):
        return (np.asarray(e) ** 2 - 4 * m * m) / (4 * m * m)

    for sigma in (const, p_wave):
        assert _node_average(sigma, x, m) == pytest.approx(_direct_average(sigma, x, m),
                                                           rel=5e-4)


@pytest.mark.parametrize(("mass", "width"), [(210.0, 0.004), (205.0, 1.0), (230.0, 2.5),
                                             (199.0, 0.5), (300.0, 10.0)])
@pytest.mark.parametrize("x", [10.0, 25.0, 100.0])
def test_thermal_average_across_a_breit_wigner(mass, width, x):
    # narrow and wide resonances above threshold, and one just below it
    m = 100.0

    def bw(e):
        s = np.asarray(e) ** 2
        return 1e4 / ((s - mass**2) ** 2 + mass**2 * width**2)

    direct = _direct_average(bw, x, m, points=[mass] if mass > 2 * m else None)
    assert _node_average(bw, x, m, (mass, width)) == pytest.approx(direct, rel=1e-3)


def test_energy_nodes_beside_a_narrow_resonance_among_others():
    # a neutralino pair 2.7 GeV below a narrow pseudoscalar (Gamma = 0.1 GeV) with five
    # more bosons listed (inputs of a seed-region point): the nodes must follow the map
    # (increasing energies) and integrate 1 and the resonance's Breit-Wigner, whose
    # integral is elementary (atan)
    threshold, reach, eps0 = 412.70617576020095, 206.35308788010047, 0.005158827197002512
    mass = np.array([[91.187, 114.566, 648.654, 780.536, 415.37437406400550, 774.049]])
    width = np.array([[2.4955, 0.004, 0.1, 1.0, 0.1, 1.0]])
    nodes = thermal.energy_nodes(np.array([threshold]), np.array([reach]), np.array([eps0]),
                                 mass, width)
    assert np.all(np.diff(nodes.energy) > 0)
    assert nodes.weight.sum() == pytest.approx(reach, rel=1e-5)
    m, half = mass[0, 4], width[0, 4] / 2
    exact = (np.arctan((threshold + reach - m) / half) - np.arctan((threshold - m) / half)) / half
    bw = 1.0 / ((nodes.energy - m) ** 2 + half**2)
    assert (nodes.weight * bw).sum() == pytest.approx(exact, rel=1e-3)


def _constant_sigma_v(mass, sigma0):
    """sigma with sigma * v_cm = sigma0 (v_cm = 4 p / sqrt(s), equal masses)."""
    def cross_section(idx, e):
        mm = mass[idx][:, None]
        p = np.sqrt(np.maximum(e * e / 4 - mm * mm, 0.0))
        return (sigma0[idx][:, None] * e / (4 * p))[..., None]
    return cross_section


def test_boltzmann_solution_against_a_stiff_integrator():
    # a constant <sigma v>: the BDF2 grid solution against scipy's Radau at rtol 1e-10
    m = np.array([100.0, 1000.0])
    sv0 = np.array([2.5e-9, 1e-10])
    g = np.full((2, 1), 2.0)
    x = np.geomspace(6, 2000, 300)
    sol = boltzmann.solve_yield(x, m, m[:, None], g, np.broadcast_to(sv0[:, None], (2, 300)))
    for i in range(2):
        def rhs(xx, y, i=i):
            xa = np.array([xx])
            y_eq = boltzmann.equilibrium_yield(xa, m[i:i + 1], m[i:i + 1, None], g[i:i + 1])[0]
            a = boltzmann.rate_coefficient(xa, m[i:i + 1], np.array([[sv0[i]]])) / xx**2
            return -a[0, 0] * (y**2 - y_eq[0, 0] ** 2)

        y0 = boltzmann.equilibrium_yield(np.array([6.0]), m[i:i + 1], m[i:i + 1, None],
                                         g[i:i + 1])[0][0, 0]
        ref = solve_ivp(rhs, (6.0, 2000.0), [y0], method="Radau", rtol=1e-10, atol=1e-30)
        tail = boltzmann._tail(np.array([1000.0, 2000.0]), m[i:i + 1],
                               np.array([[sv0[i], sv0[i]]]))[0]
        assert sol.y_today[i] == pytest.approx(1 / (1 / ref.y[0, -1] + tail), rel=1e-3)


def test_standard_wimp_against_kolb_turner():
    # s-wave sigma v = 2.5e-9 GeV^-2 (~3e-26 cm^3/s) at 100 GeV: Omega h^2 ~ 0.1, x_f ~ 20-25;
    # the Kolb-Turner freeze-out approximation (The Early Universe, eqs. 5.45, 5.46, with
    # c(c+2) = 5/4) agrees within its usual ~10%
    m, sv = np.array([100.0]), np.array([2.5e-9])
    res = freeze_out(m[:, None], [2.0], [Pair(0, 0, _constant_sigma_v(m, sv), ["X X"])])
    x_f = 25.0
    for _ in range(30):
        x_f = np.log(1.25 * np.sqrt(45 / 8) * 2 * m[0] * boltzmann.M_PLANCK * sv[0]
                     / (2 * np.pi**3 * np.sqrt(dof.g_eff(m[0] / x_f) * x_f)))
    approx = boltzmann.OMEGA_H2_PER_GEV_YIELD * x_f / (
        np.sqrt(np.pi / 45) * boltzmann.M_PLANCK * dof.sqrt_g_star(m[0] / x_f) * sv[0])
    assert 20 < res.x_f[0] < 26
    assert res.omega_h2[0] == pytest.approx(approx, rel=0.1)
    assert res.channel_fraction[0, 0] == pytest.approx(1.0)


def test_degenerate_partners_act_as_more_degrees_of_freedom():
    # Griest-Seckel bookkeeping: two species of one mass and equal cross sections for all
    # pairs are one species with g1 + g2 degrees of freedom
    m, sv = np.array([200.0]), np.array([2e-9])
    cs = _constant_sigma_v(m, sv)
    two = freeze_out(np.array([[200.0, 200.0]]), [2.0, 2.0],
                     [Pair(0, 0, cs, ["a"]), Pair(0, 1, cs, ["b"]), Pair(1, 1, cs, ["c"])])
    one = freeze_out(m[:, None], [4.0], [Pair(0, 0, cs, ["a"])])
    assert two.omega_h2[0] == pytest.approx(one.omega_h2[0], rel=1e-6)
    # shares follow the weights g_i g_j: 4, 2 x 4, 4 of 16
    assert two.channel_fraction[0] == pytest.approx([0.25, 0.5, 0.25], rel=1e-6)


def test_partners_outside_the_gap_and_inert_partners():
    m, sv = np.array([200.0]), np.array([2e-9])
    cs = _constant_sigma_v(m, sv)

    def nothing(idx, e):
        return np.zeros((*e.shape, 1))

    alone = freeze_out(m[:, None], [2.0], [Pair(0, 0, cs, ["a"])]).omega_h2[0]
    far = freeze_out(np.array([[200.0, 400.0]]), [2.0, 2.0],
                     [Pair(0, 0, cs, ["a"]), Pair(0, 1, nothing, ["b"])]).omega_h2[0]
    assert far == pytest.approx(alone, rel=1e-9)
    # a degenerate partner that does not annihilate dilutes <sigma_eff v> by
    # (g1/(g1+g2))^2 = 1/4: Omega ~ x_f / <sigma_eff v> grows by a little less than 4, as
    # x_f moves earlier by ~ln 4 / 2 (Griest and Seckel, Phys. Rev. D43 (1991) 3191)
    inert = freeze_out(np.array([[200.0, 200.0]]), [2.0, 2.0],
                       [Pair(0, 0, cs, ["a"]), Pair(0, 1, nothing, ["b"])]).omega_h2[0]
    assert 3.5 < inert / alone < 4.0


def test_channel_shares_follow_cross_sections():
    m = np.array([150.0, 150.0])

    def two_channels(idx, e):
        p = np.sqrt(np.maximum(e * e / 4 - 150.0**2, 0.0))
        base = 1e-9 * e / (4 * p)
        return np.stack([base, 3 * base * (1 + 0 * idx[:, None])], axis=-1)

    res = freeze_out(m[:, None], [2.0], [Pair(0, 0, two_channels, ["b b~", "W+ W-"])],
                     names=["chi1"])
    assert res.channels == ["chi1 chi1 -> b b~", "chi1 chi1 -> W+ W-"]
    assert res.channel_fraction == pytest.approx(np.array([[0.25, 0.75]] * 2))
