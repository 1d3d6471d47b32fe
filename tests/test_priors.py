"""Prior transforms and densities against scipy.stats, and the ParameterSpace built from them.

scipy.stats is the independent reference throughout: ``ppf`` for the unit-cube transform,
``logpdf`` for the log-density.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fit.config import load_config
from fit.errors import ConfigError, FitError
from fit.expressions import Expression
from fit.priors import Derived, Fixed, Gaussian, LogUniform, ParameterSpace, Uniform

RTOL = 1e-10
#: unit-cube coordinates: dense in the bulk, plus points close to both edges
QUANTILES = np.concatenate([[1e-12, 1e-9, 1e-6, 1e-3], np.linspace(0.01, 0.99, 99),
                            [1 - 1e-3, 1 - 1e-6]])


def write(tmp_path: Path, text: str, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


# --- single priors against scipy.stats ------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-5.0, 3.0), (1e3, 1e4), (-1e-3, 2e-3)])
def test_uniform_matches_scipy(low, high):
    """Expected: scipy.stats.uniform(loc=low, scale=high - low) ppf and logpdf."""
    prior = Uniform("x", low=low, high=high)
    ref = stats.uniform(loc=low, scale=high - low)
    np.testing.assert_allclose(prior.transform(QUANTILES), ref.ppf(QUANTILES), rtol=RTOL)
    np.testing.assert_allclose(prior.transform(np.array([0.0, 1.0])), [low, high], rtol=RTOL)
    inside = ref.ppf(QUANTILES)
    np.testing.assert_allclose(prior.log_density(inside), ref.logpdf(inside), rtol=RTOL)
    width = high - low
    outside = np.array([low - 1e-6 * width, high + 1e-6 * width, low - 10 * width,
                        high + 10 * width])
    assert np.all(np.isneginf(ref.logpdf(outside)))  # the reference agrees these are outside
    assert np.all(np.isneginf(prior.log_density(outside)))
    assert prior.bounds == (low, high)


@pytest.mark.parametrize(("low", "high"), [(1.0, 10.0), (1e-3, 1e3), (100.0, 2000.0)])
def test_log_uniform_matches_scipy(low, high):
    """Expected: scipy.stats.loguniform(low, high) ppf and logpdf."""
    prior = LogUniform("m", low=low, high=high)
    ref = stats.loguniform(low, high)
    np.testing.assert_allclose(prior.transform(QUANTILES), ref.ppf(QUANTILES), rtol=RTOL)
    np.testing.assert_allclose(prior.transform(np.array([0.0, 1.0])), [low, high], rtol=RTOL)
    inside = ref.ppf(QUANTILES)
    np.testing.assert_allclose(prior.log_density(inside), ref.logpdf(inside), rtol=RTOL)
    outside = np.array([-1.0, 0.0, low * (1 - 1e-6), high * (1 + 1e-6), 10 * high])
    assert np.all(np.isneginf(ref.logpdf(outside)))
    assert np.all(np.isneginf(prior.log_density(outside)))
    assert prior.bounds == (low, high)


@pytest.mark.parametrize(("mean", "sigma"), [(0.0, 1.0), (3.0, 0.5), (-100.0, 20.0)])
def test_gaussian_matches_scipy_norm(mean, sigma):
    """Expected: scipy.stats.norm(mean, sigma) ppf and logpdf; the support is the real line."""
    prior = Gaussian("x", mean=mean, sigma=sigma)
    ref = stats.norm(mean, sigma)
    np.testing.assert_allclose(prior.transform(QUANTILES), ref.ppf(QUANTILES), rtol=RTOL)
    x = mean + sigma * np.linspace(-30, 30, 121)
    np.testing.assert_allclose(prior.log_density(x), ref.logpdf(x), rtol=RTOL)
    assert prior.bounds == (-math.inf, math.inf)


TRUNCATED = [
    (0.0, 1.0, -1.0, 2.0),          # two-sided, around the mean
    (1.0, 2.0, 0.0, math.inf),      # one-sided (lower cut only)
    (1.0, 2.0, -math.inf, 1.5),     # one-sided (upper cut only)
    (5.0, 0.1, 4.0, 5.05),          # narrow window, asymmetric
    (0.0, 1.0, 3.0, 4.0),           # in the upper tail
    (0.0, 1.0, -8.0, -7.0),         # in the lower tail
]


@pytest.mark.parametrize(("mean", "sigma", "low", "high"), TRUNCATED)
def test_truncated_gaussian_matches_scipy_truncnorm(mean, sigma, low, high):
    """Expected: scipy.stats.truncnorm(a, b, loc=mean, scale=sigma) with a, b the cuts in
    standard units; -inf outside [low, high]."""
    prior = Gaussian("x", mean=mean, sigma=sigma, low=low, high=high)
    ref = stats.truncnorm((low - mean) / sigma, (high - mean) / sigma, loc=mean, scale=sigma)
    np.testing.assert_allclose(prior.transform(QUANTILES), ref.ppf(QUANTILES), rtol=RTOL)
    inside = ref.ppf(QUANTILES)
    assert np.all((inside >= low) & (inside <= high))
    np.testing.assert_allclose(prior.log_density(inside), ref.logpdf(inside), rtol=RTOL)
    outside = np.array([v for v in (low - sigma, low - 1e-9 * sigma, high + 1e-9 * sigma,
                                    high + sigma) if math.isfinite(v)])
    assert np.all(np.isneginf(ref.logpdf(outside)))
    assert np.all(np.isneginf(prior.log_density(outside)))
    assert prior.bounds == (low, high)


@pytest.mark.parametrize(("low", "high"), [(7.0, 8.0), (10.0, 12.0), (-40.0, -39.0)])
def test_truncated_gaussian_far_in_a_tail_matches_scipy(low, high):
    """Expected: scipy.stats.truncnorm(low, high).logpdf (standard normal cut to a window far
    in a tail). The normalisation Phi(b) - Phi(a) must not be computed as a difference of CDFs
    that round to 1 (upper tail) or underflow to 0 (lower tail)."""
    prior = Gaussian("x", mean=0.0, sigma=1.0, low=low, high=high)
    x = np.linspace(low, high, 11)
    np.testing.assert_allclose(prior.log_density(x), stats.truncnorm.logpdf(x, low, high),
                               rtol=RTOL)


# --- ParameterSpace -------------------------------------------------------------------------


def space() -> ParameterSpace:
    """x ~ U(-1, 3), m ~ logU(10, 1000), g ~ N(0.5, 0.2) on [0, 1]; k fixed; two derived,
    given in reverse dependency order (s uses r)."""
    return ParameterSpace(
        sampled=[Uniform("x", low=-1.0, high=3.0), LogUniform("m", low=10.0, high=1000.0),
                 Gaussian("g", mean=0.5, sigma=0.2, low=0.0, high=1.0)],
        fixed=[Fixed("k", 2.5)],
        derived=[Derived("s", Expression("r * k")), Derived("r", Expression("sqrt(x**2 + g**2)"))])


def scipy_references():
    return [stats.uniform(loc=-1.0, scale=4.0), stats.loguniform(10.0, 1000.0),
            stats.truncnorm(-2.5, 2.5, loc=0.5, scale=0.2)]


def test_transform_maps_each_column_through_its_prior():
    """Expected: column i of the cube through scipy's ppf of prior i; arrays of shape (n,)."""
    sp = space()
    cube = np.random.default_rng(1).random((40, 3))
    values = sp.transform(cube)
    for i, (name, ref) in enumerate(zip(["x", "m", "g"], scipy_references(), strict=True)):
        assert values[name].shape == (40,)
        np.testing.assert_allclose(values[name], ref.ppf(cube[:, i]), rtol=RTOL)


def test_transform_shapes():
    """One point as a flat vector or a list becomes a batch of one; a wrong number of
    coordinates is refused, naming both numbers."""
    sp = space()
    point = [0.25, 0.5, 0.75]
    for given in (np.array(point), point, np.array([point])):
        values = sp.transform(given)
        assert set(values) == {"x", "m", "g", "k", "r", "s"}
        assert all(v.shape == (1,) for v in values.values())
        assert values["x"][0] == pytest.approx(0.0)  # -1 + 4 * 0.25
    with pytest.raises(ValueError, match="3 coordinates, got 2"):
        sp.transform(np.zeros((5, 2)))
    empty = sp.transform(np.zeros((0, 3)))
    assert all(v.shape == (0,) for v in empty.values())


def test_fixed_parameters_broadcast_to_the_batch():
    """A fixed value is repeated once per point, as a float array."""
    values = space().transform(np.full((7, 3), 0.5))
    assert values["k"].shape == (7,)
    assert values["k"].dtype == float
    assert np.all(values["k"] == 2.5)


def test_derived_parameters_follow_their_dependencies():
    """s = r k uses r = sqrt(x^2 + g^2), itself derived: r is computed first although s is
    listed first. Expected values from numpy on the transformed columns."""
    sp = space()
    assert [d.name for d in sp.derived] == ["r", "s"]
    assert sp.names == ["x", "m", "g", "k", "r", "s"]
    values = sp.transform(np.random.default_rng(2).random((25, 3)))
    r = np.sqrt(values["x"] ** 2 + values["g"] ** 2)
    np.testing.assert_allclose(values["r"], r, rtol=1e-14)
    np.testing.assert_allclose(values["s"], 2.5 * r, rtol=1e-14)


def test_constant_derived_parameter_broadcasts():
    """A derived expression with no parameters still gives one value per point."""
    sp = ParameterSpace(sampled=[Uniform("x")], derived=[Derived("c", Expression("2 * pi"))])
    values = sp.transform(np.zeros((4, 1)))
    assert values["c"].shape == (4,)
    np.testing.assert_allclose(values["c"], 2 * np.pi)


def test_space_without_sampled_parameters_gives_one_value_per_point():
    """All parameters fixed: ndim is 0, and n points of the (n, 0) cube still give arrays of
    shape (n,), as for any other space (the random sampler passes such cubes)."""
    sp = ParameterSpace(sampled=[], fixed=[Fixed("a", 1.0)],
                        derived=[Derived("b", Expression("2 * a"))])
    assert sp.ndim == 0
    values = sp.transform(np.zeros((5, 0)))
    assert values["a"].shape == (5,)
    assert values["b"].shape == (5,)


def test_log_prior_is_the_sum_of_the_terms():
    """Expected: the sum of scipy's logpdf of each column; -inf where any one is outside."""
    sp = space()
    refs = scipy_references()
    x = sp.transform(np.random.default_rng(3).random((30, 3)))
    points = np.column_stack([x["x"], x["m"], x["g"]])
    expected = sum(ref.logpdf(points[:, i]) for i, ref in enumerate(refs))
    lp = sp.log_prior(points)
    assert lp.shape == (30,)
    np.testing.assert_allclose(lp, expected, rtol=RTOL)
    # one point as a flat vector
    np.testing.assert_allclose(sp.log_prior(points[0]), expected[:1], rtol=RTOL)
    # each coordinate in turn outside its support
    bad = np.repeat(points[:1], 3, axis=0)
    bad[0, 0], bad[1, 1], bad[2, 2] = 3.5, 5.0, 1.2
    assert np.all(np.isneginf(sp.log_prior(bad)))


# --- parameter-space errors -----------------------------------------------------------------


def test_derived_name_clashing_with_a_sampled_name_is_a_config_error(tmp_path):
    """In YAML a clash is a key given twice under 'parameters:'; it names the second one."""
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          x: {expr: '2 * y'}
          y: [0, 1]
        likelihoods:
          gaussian: {parameters: [x]}
        """)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:3: ")
    assert "'x' appears twice" in str(info.value)


def test_parameter_space_refuses_duplicate_names():
    """Built directly, a space with a derived parameter named like a sampled one would write
    two columns 'x' and silently replace the sampled values: expected an error instead."""
    with pytest.raises((ValueError, FitError), match="x"):
        ParameterSpace(sampled=[Uniform("x")], derived=[Derived("x", Expression("2"))])


@pytest.mark.parametrize(("params", "name", "value"), [
    ("e: [0, 1]\n  y: {expr: '2 * e'}", "e", 0.5),        # a sampled parameter named 'e'
    ("x: [0, 1]\n  pi: 3\n  y: {expr: '2 * pi'}", "pi", 3.0),  # a fixed parameter named 'pi'
], ids=["sampled-e", "fixed-pi"])
def test_parameter_named_like_a_builtin(tmp_path, params, name, value):
    """A parameter named like an expression built-in (e, pi) must either be refused with a
    ConfigError at 'parameters.<name>', or be what the expression uses: y = 2 * <name>.
    Using Euler's e or numpy's pi silently would make y wrong."""
    path = write(tmp_path, f"parameters:\n  {params}\nlikelihoods: [eggbox]\n")
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert f"parameters.{name}" in str(exc)
        return
    values = config.space.transform(np.full((1, config.space.ndim), 0.5))
    assert values["y"][0] == pytest.approx(2 * value)


def test_derived_parameter_using_itself_is_a_cycle(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          a: {expr: 'a + x'}
        likelihoods:
          gaussian: {parameters: [x]}
        """)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: parameters.a: ")
    assert "a -> a" in message


def test_parameter_name_must_be_an_identifier(tmp_path):
    path = write(tmp_path, """
        parameters:
          my-mass: [0, 1]
        likelihoods:
          gaussian: {parameters: [x]}
        """)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:2: parameters.my-mass: ")
    assert "identifiers" in str(info.value)
