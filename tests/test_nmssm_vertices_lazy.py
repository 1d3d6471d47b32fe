"""The couplings of ``vertices`` are computed per group and per sfermion species when first
read (consumers that need one species, like the muon g-2, pay for that one only), with the
same values as when everything is computed."""

from __future__ import annotations

import numpy as np

from backends.nmssm_builtin import vertices
from backends.nmssm_builtin.spectrum import as_arrays, compute


def batch(n: int = 8) -> tuple[dict, dict]:
    rng = np.random.default_rng(3)
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    p = as_arrays({"tanb": u(2, 30), "lambda_": u(0.05, 0.6), "kappa": u(0.05, 0.5),
                   "Alambda": u(100, 3000), "Akappa": u(-500, 0), "mueff": u(100, 600),
                   "M1": u(-800, 800), "M2": u(150, 900), "M3": u(1500, 3000),
                   "At": u(-3000, 3000), "Ab": u(-2000, 2000), "Atau": u(-2000, 2000),
                   "MQ3": u(800, 3000), "MU3": u(800, 3000), "MD3": u(800, 3000),
                   "ML3": u(200, 1500), "ME3": u(200, 1500), "MQ12": u(1000, 3000),
                   "MU12": u(1000, 3000), "MD12": u(1000, 3000), "ML12": u(200, 1500),
                   "ME12": u(200, 1500)})
    return compute(p, loops=False), p


def test_one_species_and_one_group_at_a_time():
    spec, p = batch()
    v = vertices.vertices(spec, p)
    assert v.sfermion_neutralino["mu"].L.shape == (len(p["tanb"]), 2, 5)
    assert list(v.sfermion_neutralino._done) == ["mu"]
    assert v.neutralino_h.L.shape == (len(p["tanb"]), 3, 5, 5)
    assert "_neutral_scalar_charginos" not in v.__dict__
    assert v.chargino_a.L.shape == (len(p["tanb"]), 2, 2, 2)
    assert "_neutral_scalar_charginos" in v.__dict__


def test_lazy_values_equal_the_full_computation():
    spec, p = batch()
    lazy, full = vertices.vertices(spec, p), vertices.vertices(spec, p)
    everything = {f: full.sfermion_chargino[f] for f in full.sfermion_chargino}
    assert set(everything) == set(vertices.SPECIES)
    for f in ("tau", "mu", "t"):
        np.testing.assert_array_equal(lazy.sfermion_chargino[f].L, everything[f].L)
        np.testing.assert_array_equal(lazy.sfermion_chargino[f].R, everything[f].R)
    np.testing.assert_array_equal(lazy.chargino_h.L, full.chargino_h.L)
    np.testing.assert_array_equal(lazy.neutralino_a.R, full.neutralino_a.R)
