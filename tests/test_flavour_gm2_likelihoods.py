"""The 'flavour' and 'gm2' likelihood terms: chi^2 = 0 at the measured central values, the
numbers of their data tables against the publications, option errors, and a run of the
built-in NMSSM with both terms."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pytest

from fit.errors import ConfigError
from fit.run import prepare, run
from likelihoods import flavour, gm2

ROOT = Path(__file__).resolve().parents[1]


def test_flavour_chi2_vanishes_at_the_measurements():
    term = flavour.Flavour()
    central = {o: np.array([m.value, 1.1 * m.value]) for o, m in term.measurements.items()}
    ll = term(**central)
    assert ll[0] == 0.0 and ll[1] < 0.0


def test_flavour_variance_combines_experiment_sm_and_new_physics():
    """One observable, by hand: BR(B -> X_s gamma) at 3.0e-4, HFLAV (3.49 +- 0.19)e-4
    (arXiv:2206.07501), flavio's SM uncertainty and 10% of the new-physics shift."""
    term = flavour.Flavour(observables=["br_bsgamma"])
    sm, rel = term.sm["br_bsgamma"]
    o = 3.0e-4
    var = 0.19e-4**2 + (rel * o) ** 2 + (0.10 * (o - sm)) ** 2
    assert term(br_bsgamma=np.array([o]))[0] == pytest.approx(-0.5 * (o - 3.49e-4) ** 2 / var)


def test_flavour_table_matches_the_publications():
    """HFLAV 2021 (arXiv:2206.07501): BR(B -> X_s gamma) = (3.49 +- 0.19) x 10^-4; HFLAV
    2022 BR(Bs -> mu mu) = (3.45 +- 0.29) x 10^-9; PDG 2024 BR(B+ -> tau nu) = (1.09 +- 0.24)
    x 10^-4, Delta M_s = 17.765 +- 0.006 ps^-1."""
    m = flavour.measurements()
    assert (m["br_bsgamma"].value, m["br_bsgamma"].error) == (3.49e-4, 0.19e-4)
    assert (m["br_bsmumu"].value, m["br_bsmumu"].error) == (3.45e-9, 0.29e-9)
    assert (m["br_btaunu"].value, m["br_btaunu"].error) == (1.09e-4, 0.24e-4)
    assert (m["delta_ms"].value, m["delta_ms"].error) == (17.765, 0.006)
    assert all("arXiv" in x.source or "Particle Data Group" in x.source for x in m.values())


def test_flavour_rejects_unknown_observables():
    with pytest.raises(ValueError, match="br_bsgamma, br_bsmumu"):
        flavour.Flavour(observables=["bsg"])


def test_gm2_default_is_the_2025_discrepancy():
    """(116592071.5 +- 14.5) - (116592033 +- 62) = 38.5 +- 63.7 (x 10^-11): world average 2025
    (PRL 135 (2025) 101802) minus White Paper 2025 (arXiv:2505.21476); the 2020 White Paper
    (arXiv:2006.04822) gives 261.5 +- 45.4."""
    value, error = gm2.discrepancy()
    assert value == pytest.approx(38.5e-11, abs=1e-14)
    assert error == pytest.approx(63.7e-11, abs=0.05e-11)
    value, error = gm2.discrepancy(sm="wp2020")
    assert value == pytest.approx(261.5e-11, abs=1e-14)
    assert error == pytest.approx(45.4e-11, abs=0.05e-11)


def test_gm2_chi2_and_theory_error():
    term = gm2.MuonGm2()
    assert term(np.array([term.value]))[0] == 0.0
    assert term(np.array([38.5e-11]))[0] == pytest.approx(0.0, abs=1e-20)
    a = np.array([238.5e-11])
    sigma2 = 63.7e-11**2 + (0.1 * 238.5e-11 + 1e-11) ** 2
    assert term(a)[0] == pytest.approx(-0.5 * (200e-11) ** 2 / sigma2, rel=2e-3)
    old = gm2.MuonGm2(sm="wp2020", theory_relative=0.0, theory_absolute=0.0)
    assert old(np.array([261.5e-11 + 45.4e-11]))[0] == pytest.approx(-0.5, rel=1e-3)
    with pytest.raises(ValueError, match="no sm value 'wp2030'"):
        gm2.MuonGm2(sm="wp2030")


def test_run_with_the_builtin_nmssm(tmp_path, registry):
    """A random scan of the built-in NMSSM with both terms: the four flavour observables and
    Delta a_mu are written under their names, and the terms are finite for valid points."""
    yaml = tmp_path / "nmssm.yaml"
    yaml.write_text("""\
parameters:
  tanb: [5, 40]
  lambda_: 0.1
  kappa: 0.2
  Alambda: [1500, 3000]
  Akappa: -100
  mueff: [300, 800]
  M1: 400
  M2: [300, 1000]
  M3: 2500
  At: [-3000, 3000]
  Ab: 0
  Atau: 0
  MQ3: 2000
  MU3: 2000
  MD3: 2000
  ML3: 800
  ME3: 800
  MQ12: 2500
  MU12: 2500
  MD12: 2500
  ML12: [300, 1000]
  ME12: [300, 1000]
likelihoods:
  flavour: {}
  gm2: {}
rules:
  spectrum: {options: {require_neutralino_lsp: false}}
prefer: [backends.nmssm_builtin]
observables: [br_bsgamma, br_bsmumu, br_btaunu, delta_ms, delta_amu]
sampler: {name: random, n_points: 40, batch_size: 40}
seed: 3
""")
    prepare(yaml, registry)
    out = run(yaml, output=tmp_path / "out.h5", registry=registry)
    with h5py.File(out) as f:
        valid = f["point/valid"][:]
        assert valid.sum() >= 10
        obs = f["observables"]
        for name in ("br_bsgamma", "br_bsmumu", "br_btaunu", "delta_ms", "delta_amu"):
            assert np.all(np.isfinite(obs[name][:][valid])), name
        assert np.all(np.isfinite(f["loglike/flavour"][:][valid]))
        assert np.all(np.isfinite(f["loglike/gm2"][:][valid]))
        assert np.all(obs["br_bsgamma"][:][valid] > 1e-4)
        assert math.isfinite(float(np.max(f["loglike/gm2"][:][valid])))


def test_wrong_option_names_the_file_and_key(tmp_path, registry):
    yaml = tmp_path / "bad.yaml"
    yaml.write_text("parameters: {x: [0, 1]}\nlikelihoods:\n  gm2: {sm: wp2030}\n"
                    "sampler: {name: random, n_points: 1}\n")
    with pytest.raises(ConfigError, match="wp2030"):
        prepare(yaml, registry)


def test_flavour_with_gambit_theory_errors():
    """theory: gambit takes the relative errors of GAMBIT's FlavBit (flav_data.yaml):
    7% of BR(B -> X_s gamma) (arXiv:1503.01791)."""
    term = flavour.Flavour(observables=["br_bsgamma"], theory="gambit")
    o = 3.0e-4
    var = 0.19e-4**2 + (0.07 * o) ** 2
    assert term(br_bsgamma=np.array([o]))[0] == pytest.approx(-0.5 * (o - 3.49e-4) ** 2 / var)
    with pytest.raises(ValueError, match="'theory'"):
        flavour.Flavour(theory="hepfit")
