"""The generic 2 -> 2 machinery: the derived interference kernels against an explicit
numerical evaluation with Dirac matrices and spinors, the closed-form t integrals against
quadrature, and cross sections with textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from backends.freezeout import kernels, twobody

sympy = pytest.importorskip("sympy")
from dirac_numeric import spin_sum  # noqa: E402

from backends.freezeout.derivation import generate, processes  # noqa: E402

#: (class, masses with signs for fermions): every class at one generic point
POINTS = {
    "FF_FF": (120.0, -135.0, 5.0, -3.0),
    "FF_SS": (120.0, -135.0, 125.0, 90.0),
    "FF_VS": (120.0, -135.0, 91.0, 125.0),
    "FF_AS": (120.0, -135.0, 0.0, 125.0),
    "FF_VV": (120.0, -135.0, 80.0, 91.0),
    "FF_VA": (120.0, -135.0, 80.0, 0.0),
    "FF_AA": (120.0, -135.0, 0.0, 0.0),
    "SS_VV": (120.0, 135.0, 80.0, 91.0),
    "SS_VA": (120.0, 135.0, 80.0, 0.0),
    "SS_AA": (120.0, 135.0, 0.0, 0.0),
    "SS_FF": (120.0, 135.0, 5.0, -3.0),
    "SS_ff": (120.0, 135.0, 0.0, 0.0),
}


def _kinematics(masses, s=9e4, cos=0.3):
    m1, m2, m3, m4 = (abs(m) for m in masses)
    rs = math.sqrt(s)
    e1, e3 = (s + m1**2 - m2**2) / (2 * rs), (s + m3**2 - m4**2) / (2 * rs)
    p, q = math.sqrt(e1**2 - m1**2), math.sqrt(e3**2 - m3**2)
    return s, m1**2 + m3**2 - 2 * (e1 * e3 - p * q * cos)


def _sample(n_structures, count, seed):
    rng = np.random.default_rng(seed)
    pairs = {(a, a) for a in range(n_structures)}
    while len(pairs) < n_structures + count:
        a, b = sorted(rng.integers(0, n_structures, 2))
        pairs.add((int(a), int(b)))
    return sorted(pairs)


@pytest.mark.parametrize("name", list(POINTS))
def test_generated_kernels_against_explicit_spinors(name):
    # the spin sums of the generated code against an independent numerical evaluation
    # (explicit chiral-basis Dirac matrices, helicity spinors with v = C ubar^T, real
    # polarization vectors): exact agreement up to rounding
    kc = kernels.CLASSES[name]
    ext, make = processes.CLASSES[name]
    structures = make()
    masses = POINTS[name]
    s, t = _kinematics(masses)
    coeff = kc.coefficients(*masses)
    den = kc.photon_denominator(s, masses[2], masses[3])
    vmass = {x: 0.0 if ext.massless[x - 1] else abs(masses[x - 1]) for x in (1, 2, 3, 4)}
    lookup = {pair: k for k, pair in enumerate(kc.pairs)}
    count = 6 if name in ("FF_VV", "FF_VA", "FF_AA", "FF_FF") else 20
    count = min(count, len(structures) * (len(structures) - 1) // 2)  # all pairs at most
    diagonal = [abs(spin_sum(x, x, s, t, masses, ext.spins, vmass)) for x in structures]
    floor = 1e-12 * max(diagonal)  # structures that vanish (e.g. k2.e3 for a photon)
    for a, b in _sample(len(structures), count, seed=len(name)):
        numeric = spin_sum(structures[a], structures[b], s, t, masses, ext.spins, vmass)
        k = lookup.get((a, b))
        value = 0.0 if k is None else sum(
            coeff[k, i, j] * s**i * t**j for i in range(coeff.shape[1])
            for j in range(coeff.shape[2])) / den
        scale = math.sqrt(diagonal[a] * diagonal[b])
        assert abs(value - numeric) <= 1e-9 * scale + floor, (a, b)


def test_generated_module_is_up_to_date():
    code = generate._class_code("FF_SS")
    assert code in (generate.TARGET.read_text())


def _direct_sigma(proc, s):
    """sigma at one s by adaptive quadrature over t of sum_ab Re(e_a e_b*) K_ab(s, t), the
    kernels read from the generated coefficients (independent of the t average)."""
    kc = proc.kclass
    m = [float(np.asarray(x)[0]) for x in proc.masses]
    m2 = [x * x for x in m]
    coeff = kc.coefficients(*m)
    lam_i = twobody.kallen(s, m2[0], m2[1])
    lam_f = twobody.kallen(s, m2[2], m2[3])
    t_c = m2[0] + m2[2] - 0.5 * (s + m2[0] - m2[1]) * (s + m2[2] - m2[3]) / s
    half = 0.5 * math.sqrt(lam_i * lam_f) / s
    names = {n: k for k, n in enumerate(kc.structures)}

    def squared(t):
        u = sum(m2) - s - t
        e = np.zeros(len(kc.structures), dtype=complex)
        for term in proc.terms:
            v = complex(np.asarray(term.value)[0])
            mass = 0.0 if term.mass is None else float(np.asarray(term.mass)[0])
            if term.channel == "s":
                v /= s - mass**2 + 1j * mass * float(np.asarray(term.width)[0])
            elif term.channel == "t":
                v /= t - mass**2
            elif term.channel == "u":
                v /= u - mass**2
            e[names[term.structure]] += v
        total = 0.0
        for k, (a, b) in enumerate(kc.pairs):
            kab = sum(coeff[k, i, j] * s**i * t**j for i in range(coeff.shape[1])
                      for j in range(coeff.shape[2]))
            total += (1 if a == b else 2) * (e[a] * np.conj(e[b])).real * kab
        return total

    integral = quad(squared, t_c - half, t_c + half, limit=200, epsrel=1e-10)[0]
    return float(proc.factor) * integral / (64 * np.pi * s * lam_i / (4 * s))


def _scalar_pair_process(mediator):
    """chi chi -> S S with s-channel scalars and t/u fermions: an FF_SS process at one
    point with random couplings (seeded)."""
    rng = np.random.default_rng(7)
    one = np.ones(1)

    def pair():
        return (rng.normal(size=1) + 1j * rng.normal(size=1),
                rng.normal(size=1) + 1j * rng.normal(size=1))

    from backends.freezeout import diagrams as dg
    terms = dg.ss_s_scalar(pair(), 40.0 * one, 300.0 * one, 5.0 * one)
    terms += dg.ss_s_vector(pair(), 0.3 * one, 91.0 * one, 2.5 * one, 125.0 * one, 90.0 * one)
    for mass in (mediator, 2.5 * mediator):
        mm = mass * one
        terms += dg.ss_t_fermion(pair(), pair(), mm)
        terms += dg.ss_u_fermion(pair(), pair(), -mm)
    return twobody.Process(kernels.FF_SS, (150.0 * one, -170.0 * one, 125.0 * one, 90.0 * one),
                           terms, 0.25)


@pytest.mark.parametrize("mediator", [160.0, 400.0, 3000.0])
def test_t_average_against_quadrature(mediator):
    # a light mediator brings the t- and u-channel poles near the physical range (the
    # Gauss-Legendre average takes 4 to 12 nodes by the distance of the nearest pole)
    proc = _scalar_pair_process(mediator)
    for e in (330.0, 400.0, 700.0):
        s = np.array([[e * e]])
        assert proc.sigma(s)[0, 0] == pytest.approx(_direct_sigma(proc, e * e), rel=1e-4)


def test_interpolated_cross_section_across_a_resonance():
    # a narrow s-channel scalar at 380 GeV inside the energy range: the smooth parts on 6
    # nodes, the Breit-Wigner exact; compared with the direct evaluation everywhere
    proc = _scalar_pair_process(400.0)
    e = 320.0 + np.geomspace(1e-3, 200.0, 60)
    for term in proc.terms:
        if term.channel == "s" and float(term.mass[0]) == 300.0:
            term.mass[0], term.width[0] = 380.0, 0.05
    direct = proc.sigma(e[None] ** 2)[0]
    grid = proc.sigma_on_grid(e[None] ** 2)[0]
    assert grid == pytest.approx(direct, rel=2e-3)


def test_interpolated_cross_section_without_resonance():
    # every s-channel mediator outside the energy range: the pieces are summed on the 6
    # nodes and interpolated as one smooth function; compared with the direct evaluation
    proc = _scalar_pair_process(400.0)
    e = 320.0 + np.geomspace(1e-3, 200.0, 60)
    for term in proc.terms:
        if term.channel == "s" and float(term.mass[0]) == 300.0:
            term.mass[0] = 800.0
    assert not proc._resonant(np.array([320.0]), np.array([e[-1]]))
    direct = proc.sigma(e[None] ** 2)[0]
    grid = proc.sigma_on_grid(e[None] ** 2)[0]
    assert grid == pytest.approx(direct, rel=2e-3)


def test_terms_of_zero_coupling_change_nothing():
    """Terms whose coupling vanishes at every point are left out of the interference sums:
    the interpolated cross section is that of the process without them (to rounding), and
    a process whose terms all vanish has none."""
    proc = _scalar_pair_process(400.0)
    e = 320.0 + np.geomspace(1e-3, 200.0, 20)
    full = proc.sigma_on_grid(e[None] ** 2)[0]
    zeros = [twobody.Term(t.structure, t.channel, np.zeros(1, complex), t.mass, t.width)
             for t in proc.terms]
    padded = twobody.Process(proc.kclass, proc.masses, proc.terms + zeros[::2], proc.factor)
    assert padded.sigma_on_grid(e[None] ** 2)[0] == pytest.approx(full, rel=1e-12)
    silent = twobody.Process(proc.kclass, proc.masses, zeros, proc.factor)
    assert (silent.sigma_on_grid(e[None] ** 2) == 0).all()


def test_muon_pair_production_through_a_photon():
    # e+ e- -> mu+ mu- in QED, massless limit: sigma = 4 pi alpha^2 / (3 s)
    n, e2 = 2, 4 * np.pi / 128.0
    zero = np.zeros(n)
    terms = [twobody.Term(f"sV_{x}{y}", "s", np.full(n, e2 + 0j), zero, zero)
             for x in "LR" for y in "LR"]
    proc = twobody.Process(kernels.FF_FF, (zero + 1e-6, zero + 1e-6, zero + 1e-4,
                                           zero + 1e-4), terms, 0.25)
    s = np.array([[100.0**2, 1000.0**2], [50.0**2, 200.0**2]])
    assert proc.sigma(s) == pytest.approx(4 * np.pi * (e2 / (4 * np.pi)) ** 2 / (3 * s),
                                          rel=1e-9)
