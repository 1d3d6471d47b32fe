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


@pytest.mark.parametrize("alpha", [1.5, 2.0, 3.5, 10.0, 1e3, -4.0, 0.5 + 0.3j])
@pytest.mark.parametrize("beta", [None, 2.5, 20.0, "same"])
def test_t_integrals_against_quadrature(alpha, beta):
    beta = alpha if beta == "same" else beta
    h = np.array([[1.0]])
    got = twobody._moments(h, np.array([[alpha]]), None if beta is None else
                           np.array([[beta]]), 3)[:, 0, 0]
    for j in range(4):
        def f(x, j=j):
            return x**j / ((x - alpha) * (1 if beta is None else (x - np.conj(beta))))
        ref = (quad(lambda x: f(x).real, -1, 1, limit=200)[0]
               + 1j * quad(lambda x: f(x).imag, -1, 1, limit=200)[0])
        assert got[j] == pytest.approx(ref, rel=1e-10, abs=1e-13)


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
