"""A whole run through fit.run.run: the HDF5 layout, its attributes and the reader API."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from fit.results import load
from fit.run import run

ROOT = Path(__file__).resolve().parents[1]

COUNTING = """
    model: counting toy
    parameters:
      mass: {prior: log, range: [100, 2000], unit: GeV, latex: 'm'}
      coupling: [0, 5]
      g2: {prior: derived, expr: 'coupling**2'}
      lumi: 139
    likelihoods:
      counting: {observed: 10, background: 8.0}
    rules: {cross_section: xsec_leading_order}
    sampler: {name: random, n_points: 300, batch_size: 64}
    seed: 7
    """


@pytest.fixture
def counting_run(write_yaml, tmp_path):
    path = run(write_yaml(COUNTING), output=tmp_path / "out")
    return path


def test_layout_matches_the_documented_one(counting_run):
    """Every group and dataset named in fit/output.py's docstring is there, all of one length."""
    with h5py.File(counting_run, "r") as f:
        n = f["point/id"].shape[0]
        assert n == 300
        assert set(f["point"]) == {"id", "valid", "code", "reason", "rank", "loglike", "time",
                                       "skipped_after"}
        assert set(f["parameters"]) == {"mass", "coupling", "g2", "lumi"}
        assert set(f["cube"]) == {"mass", "coupling"}
        assert set(f["loglike"]) == {"counting"}
        assert set(f["observables"]) == {"cross_section", "signal_yield"}
        assert set(f["timing"]) == {"xsec_leading_order", "signal_yield", "counting"}
        lengths = set()
        f.visititems(lambda _, o: lengths.add(o.shape[0]) if isinstance(o, h5py.Dataset) else None)
        assert lengths == {n}
        attrs = dict(f.attrs)
    assert yaml.safe_load(attrs["config"])["seed"] == 7
    assert attrs["seed"] == 7 and attrs["sampler"] == "random"
    assert json.loads(attrs["sampled_parameters"]) == ["mass", "coupling"]
    assert "numpy" in json.loads(attrs["versions"])
    assert json.loads(attrs["labels"])["mass"] == ["m", "GeV"]
    assert attrs["start_time"].startswith("20")


def test_reader_returns_consistent_arrays(counting_run):
    r = load(counting_run)
    assert len(r) == 300
    np.testing.assert_array_equal(r.point["id"], np.arange(300))
    np.testing.assert_allclose(r.parameters["g2"], r.parameters["coupling"] ** 2)
    assert (r.parameters["lumi"] == 139).all()
    # the log prior maps the cube to [100, 2000] logarithmically
    np.testing.assert_allclose(r.parameters["mass"], 100 * 20 ** r.cube["mass"], rtol=1e-12)
    bad = r.parameters["coupling"] > np.sqrt(4 * np.pi)
    assert (~r.valid == bad).all()
    assert set(r.invalid_codes()) == {"nonperturbative"}
    assert (r.loglike[bad] == -1e100).all()
    best = r.best()
    assert r.valid[best] and r.loglike[best] == r.loglike[r.valid].max()
    assert r.terms["counting"][best] == r.loglike[best]
    df = r.to_pandas()
    assert {"parameters/mass", "loglike/counting", "point/code"} <= set(df.columns)
    assert len(df) == 300


def test_same_seed_same_points(write_yaml, tmp_path):
    a = load(run(write_yaml(COUNTING), output=tmp_path / "a"))
    b = load(run(write_yaml(COUNTING), output=tmp_path / "b"))
    np.testing.assert_array_equal(a.parameters["mass"], b.parameters["mass"])
    c = load(run(write_yaml(COUNTING), output=tmp_path / "c", seed=8))
    assert not np.array_equal(a.parameters["mass"], c.parameters["mass"])


def test_output_observables_can_be_restricted(write_yaml, tmp_path):
    text = COUNTING.replace("seed: 7", "seed: 7\n    output: {observables: [signal_*]}")
    r = load(run(write_yaml(text), output=tmp_path / "o"))
    assert set(r.observables) == {"signal_yield"}


def test_gaussian_toy_best_point_near_the_mean(tmp_path):
    """The random scan of yaml/gaussian.yaml finds its best point near the Gaussian's mean."""
    r = load(run(ROOT / "yaml" / "gaussian.yaml", output=tmp_path / "g"))
    best = r.best()
    x = np.array([r.parameters[f"x{i}"][best] for i in range(1, 5)])
    assert len(r) == 20000
    assert np.all(np.abs(x - [1.0, -1.0, 0.5, 0.0]) < [1.5, 1.5, 3.0, 0.75])


def test_posterior_table_refers_to_written_points(write_yaml, tmp_path, monkeypatch):
    """A sampler's weighted sample is stored by point id; unknown coordinates are refused."""
    from fit import samplers
    from fit.errors import SamplerError

    def weighted(scan):
        def loop():
            cube = np.random.default_rng(0).random((20, scan.ndim))
            loglike = scan.loglike(cube)
            with pytest.raises(SamplerError, match="never written"):
                scan.point_ids(np.full((1, scan.ndim), 0.5))
            scan.write_posterior(cube[::-1][:10], np.exp(loglike[::-1][:10]), logz=-1.5)
        scan.drive(loop)

    samplers.discover()
    monkeypatch.setitem(samplers.SAMPLERS, "weighted_test", weighted)
    path = write_yaml(COUNTING.replace("{name: random, n_points: 300, batch_size: 64}",
                                       "weighted_test"))
    r = load(run(path, output=tmp_path / "p"))
    np.testing.assert_array_equal(r.posterior["id"], np.arange(19, 9, -1))
    expected = np.exp(r.loglike[19:9:-1])
    np.testing.assert_allclose(r.posterior["weight"], expected / expected.sum())
    assert r.posterior_attrs["logz"] == -1.5


def test_a_run_without_sampled_parameters_evaluates_the_fixed_point(write_yaml, tmp_path):
    """All parameters fixed: every point is the same benchmark point, evaluated n times."""
    text = COUNTING.replace("coupling: [0, 5]", "coupling: 1.0").replace(
        "{prior: log, range: [100, 2000], unit: GeV, latex: 'm'}", "500")
    r = load(run(write_yaml(text), output=tmp_path / "fixed"))
    assert len(r) == 300 and r.valid.all() and not r.cube
    assert np.unique(r.loglike).size == 1
