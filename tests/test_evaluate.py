"""Evaluation of batches through the graph: caching, invalid points, NaN, errors, term order."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fit import InvalidPoint, PartlyInvalid, likelihood, provider
from fit.config import load_config
from fit.errors import FitError
from fit.evaluate import Evaluator, PointBatch
from fit.graph import resolve

FLOOR = -1e100


def evaluator_for(path, registry, **kwargs) -> tuple[Evaluator, object]:
    config = load_config(path)
    graph = resolve(config, registry)
    return Evaluator(graph, floor=config.invalid_loglike, **kwargs), config


def test_vectorised_and_per_point_providers_agree(registry, write_yaml):
    """xsec_with_kfactor with K = 1 is the per-point twin of the vectorised xsec_leading_order."""
    body = """
        parameters: {{mass: [100, 2000], coupling: [0, 3]}}
        likelihoods: [counting]
        rules: {{cross_section: {{provider: {p}, options: {o}}}}}
        """
    lo, _ = evaluator_for(write_yaml(body.format(p="xsec_leading_order", o="{}"), "lo.yaml"),
                          registry)
    nlo, config = evaluator_for(
        write_yaml(body.format(p="xsec_with_kfactor", o="{k_factor: 1.0}"), "nlo.yaml"), registry)
    params = config.space.transform(np.random.default_rng(0).random((50, 2)))
    a, b = lo(params), nlo(params)
    assert a.valid.all() and b.valid.all()
    np.testing.assert_allclose(a.loglike, b.loglike, rtol=1e-12)
    np.testing.assert_allclose(a.observables["signal_yield"], b.observables["signal_yield"])


def test_invalid_points_get_the_floor_and_a_reason(registry, write_yaml):
    """Couplings above sqrt(4 pi) are invalid: floor lnL, code and reason kept, others computed."""
    path = write_yaml("""
        parameters: {mass: 500, coupling: [0, 8]}
        likelihoods: [counting]
        rules: {cross_section: xsec_with_kfactor}
        """)
    ev, config = evaluator_for(path, registry)
    coupling = np.array([1.0, 5.0, 2.0, 7.0])
    batch = ev(config.space.complete({"coupling": coupling}))
    assert batch.valid.tolist() == [True, False, True, False]
    assert batch.code.tolist() == ["", "nonperturbative", "", "nonperturbative"]
    assert "sqrt(4 pi)" in batch.reason[1]
    assert batch.loglike[1] == FLOOR and batch.loglike[3] == FLOOR
    assert np.isnan(batch.terms["counting"][[1, 3]]).all()
    assert np.isfinite(batch.terms["counting"][[0, 2]]).all()
    # the valid points are unaffected by their invalid neighbours
    alone = ev(config.space.complete({"coupling": coupling[[0, 2]]}))
    np.testing.assert_array_equal(alone.loglike, batch.loglike[[0, 2]])


def test_partly_invalid_with_one_reason_per_point(registry, write_yaml):
    @provider("spectrum_toy", vectorised=True)
    def spectrum_toy(x):
        bad = x < 0
        reasons = [f"m^2 = {v:.1f} < 0" if b else "" for v, b in zip(x, bad, strict=True)]
        return PartlyInvalid(np.sqrt(np.abs(x)), bad, "tachyon", reasons)

    @likelihood("uses_spectrum", vectorised=True)
    def uses_spectrum(spectrum_toy):
        return -spectrum_toy

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [-1, 1]}
        likelihoods: [uses_spectrum]
        """), registry)
    batch = ev({"x": np.array([4.0, -2.0, 9.0])})
    assert batch.valid.tolist() == [True, False, True]
    assert batch.reason[1] == "m^2 = -2.0 < 0" and batch.code[1] == "tachyon"
    np.testing.assert_allclose(batch.loglike[[0, 2]], [-2.0, -3.0])
    np.testing.assert_allclose(batch.observables["spectrum_toy"][[0, 2]], [2.0, 3.0])
    assert np.isnan(batch.observables["spectrum_toy"][1])


def test_nan_from_a_provider_invalidates_the_point_and_names_the_provider(registry, write_yaml):
    @provider("ratio", vectorised=True)
    def ratio_provider(x):
        with np.errstate(invalid="ignore"):
            return x / x  # NaN at x = 0

    @likelihood("flat_in_ratio", vectorised=True)
    def flat(ratio):
        return 0.0 * ratio

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [-1, 1]}
        likelihoods: [flat_in_ratio]
        """), registry)
    batch = ev({"x": np.array([1.0, 0.0])})
    assert batch.valid.tolist() == [True, False]
    assert batch.code[1] == "nan"
    assert "ratio_provider" in batch.reason[1] and "'ratio'" in batch.reason[1]


def test_provider_exceptions_invalidate_or_raise(registry, write_yaml):
    @likelihood("fragile")
    def fragile(x):
        if x > 0.5:
            raise ZeroDivisionError("backend divided by zero")
        return -x

    text = """
        parameters: {x: [0, 1]}
        likelihoods: [fragile]
        provider_errors: %s
        """
    ev, _ = evaluator_for(write_yaml(text % "invalidate"), registry,
                               provider_errors="invalidate")
    batch = ev({"x": np.array([0.2, 0.9])})
    assert batch.valid.tolist() == [True, False]
    assert batch.code[1] == "error"
    assert batch.reason[1] == "fragile: ZeroDivisionError: backend divided by zero"
    ev_raise, _ = evaluator_for(write_yaml(text % "raise"), registry, provider_errors="raise")
    with pytest.raises(FitError, match="provider 'fragile' failed: ZeroDivisionError"):
        ev_raise({"x": np.array([0.9])})


def test_each_capability_is_computed_once_per_point(registry, write_yaml):
    calls = {"shared": 0}

    @provider("shared_quantity")
    def shared(x):
        calls["shared"] += 1
        return 2 * x

    @likelihood("term_a")
    def term_a(shared_quantity):
        return -shared_quantity

    @likelihood("term_b")
    def term_b(shared_quantity, x):
        return -shared_quantity * x

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods: [term_a, term_b]
        """), registry)
    x = np.array([0.1, 0.2, 0.3])
    batch = ev({"x": x})
    assert calls["shared"] == 3
    np.testing.assert_allclose(batch.loglike, -2 * x - 2 * x * x)


def test_cheap_failing_term_moves_first_and_spares_the_expensive_one(registry, write_yaml):
    """After one measured batch, a term that removes most points runs before a costly one."""
    calls = {"expensive": 0}

    @likelihood("expensive")
    def expensive(x):
        calls["expensive"] += 1
        s = 0.0
        for i in range(2000):  # a costly computation
            s += math.sin(i * x)
        return -x * x

    @likelihood("cut", vectorised=True)
    def cut(x):
        return np.where(x < 0.1, 0.0, -np.inf)  # a hard cut removing 90% of points

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods: [expensive, cut]
        """), registry)
    x = np.linspace(0, 0.999, 100)
    first = ev({"x": x})
    assert calls["expensive"] == 100  # YAML order in the first batch
    assert ev.order == ["cut", "expensive"]
    calls["expensive"] = 0
    second = ev({"x": x})
    assert calls["expensive"] == 10  # only the points that survive the cut
    np.testing.assert_array_equal(first.loglike, second.loglike)
    assert second.valid.all()  # excluded by a cut is not invalid
    assert (second.loglike[x >= 0.1] == FLOOR).all()
    assert np.isnan(second.terms["expensive"][x >= 0.1]).all()


def test_hopeless_points_skip_the_remaining_terms(registry, write_yaml):
    """With skip_below, a point whose log L so far is below it skips the expensive term:
    it keeps the partial sum, names the term it stopped after, and the skipped term is NaN
    (not 0); points above the threshold get every term, as without skip_below."""
    calls = {"slow": 0}

    @likelihood("slow_term", vectorised=True)
    def slow_term(x):
        calls["slow"] += len(x)
        return -0.5 * x**2

    @likelihood("steep", vectorised=True)
    def steep(x):
        return -100.0 * x

    text = """
        parameters: {{x: [0, 1]}}
        likelihoods: [steep, slow_term]
        {skip}
        """
    ev, config = evaluator_for(write_yaml(text.format(skip="skip_below: -50"), "a.yaml"),
                               registry, skip_below=-50.0)
    assert config.skip_below == -50.0
    x = np.array([0.1, 0.3, 0.6, 0.9])
    batch = ev({"x": x})
    assert calls["slow"] == 2                       # only x = 0.1, 0.3 reach the slow term
    assert batch.skipped_after.tolist() == ["", "", "steep", "steep"]
    assert np.isnan(batch.terms["slow_term"][2:]).all()
    np.testing.assert_allclose(batch.loglike[2:], -100.0 * x[2:])     # the partial sums
    assert batch.valid.all()
    full, _ = evaluator_for(write_yaml(text.format(skip=""), "b.yaml"), registry)
    reference = full({"x": x})
    np.testing.assert_allclose(batch.loglike[:2], reference.loglike[:2])
    assert (reference.skipped_after == "").all()
    # the upper bound: the full log L of a skipped point is below its partial sum
    assert (reference.loglike[2:] <= batch.loglike[2:]).all()


def test_term_order_yaml_keeps_the_order_of_the_likelihoods(registry, write_yaml):
    """term_order: yaml: the terms run in the YAML's order batch after batch, so which terms
    a hopeless point skipped, and its partial log L, do not depend on measured costs."""
    from fit.errors import ConfigError

    @likelihood("costly", vectorised=True)
    def costly(x):
        s = np.zeros_like(x)
        for i in range(300):  # a costly computation
            s += np.sin(i * x)
        return -x

    @likelihood("cut", vectorised=True)
    def cut(x):
        return np.where(x < 0.1, 0.0, -100.0)

    @likelihood("tail", vectorised=True)
    def tail(x):
        return np.zeros_like(x)

    text = """
        parameters: {{x: [0, 1]}}
        likelihoods: [costly, cut, tail]
        skip_below: -50
        {order}
        """
    config = load_config(write_yaml(text.format(order="term_order: yaml"), "yaml.yaml"))
    assert config.term_order == "yaml"
    fixed = Evaluator(resolve(config, registry), skip_below=-50.0,
                      adaptive_order=config.term_order == "adaptive")
    adaptive, default = evaluator_for(write_yaml(text.format(order=""), "adaptive.yaml"),
                                      registry, skip_below=-50.0)
    assert default.term_order == "adaptive"
    x = np.linspace(0.0, 0.999, 200)
    for _ in range(2):
        fixed_batch, adaptive_batch = fixed({"x": x}), adaptive({"x": x})
    assert fixed.order == ["costly", "cut", "tail"] and adaptive.order[0] == "cut"
    # both stop hopeless points after the cut, but only the adaptive order spares them the
    # costly term: their partial log L differ by that term
    hopeless = x >= 0.1
    assert (fixed_batch.skipped_after[hopeless] == "cut").all()
    assert (adaptive_batch.skipped_after[hopeless] == "cut").all()
    np.testing.assert_allclose(fixed_batch.loglike[hopeless], -100.0 - x[hopeless])
    np.testing.assert_allclose(adaptive_batch.loglike[hopeless], -100.0)
    assert np.isnan(adaptive_batch.terms["costly"][hopeless]).all()
    with pytest.raises(ConfigError, match=r"term_order.*expected 'adaptive' or 'yaml'"):
        load_config(write_yaml(text.format(order="term_order: cheapest"), "bad.yaml"))


@pytest.mark.parametrize("value", ["'-50'", ".nan", "-.inf", "true"])
def test_skip_below_must_be_a_finite_number(write_yaml, value):
    from fit.errors import ConfigError

    path = write_yaml(f"""
        parameters: {{x: [0, 1]}}
        likelihoods: [steep]
        skip_below: {value}
        """)
    with pytest.raises(ConfigError, match=r"skip_below.*expected a (finite )?number"):
        load_config(path)


def test_wrong_number_of_values_is_an_error_naming_the_provider(registry, write_yaml):
    @likelihood("short", vectorised=True)
    def short(x):
        return x[:1]

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods: [short]
        """), registry)
    batch = ev({"x": np.array([0.1, 0.2])})
    assert not batch.valid.any()
    assert "provider 'short' returned 1 values for 2 points" in batch.reason[0]


def test_non_finite_derived_parameter_invalidates(registry, write_yaml):
    ev, config = evaluator_for(write_yaml("""
        parameters:
          x: [-1, 1]
          root: {prior: derived, expr: 'sqrt(x)'}
        likelihoods:
          gaussian: {parameters: [root]}
        """), registry)
    batch = ev(config.space.transform(np.array([[0.75], [0.25]])))  # x = 0.5, -0.5
    assert batch.valid.tolist() == [True, False]
    assert batch.code[1] == "parameter" and "root" in batch.reason[1]


def test_concat_fills_missing_columns():
    a = PointBatch(params={"x": np.array([1.0])}, loglike=np.array([0.0]),
                   valid=np.array([True]), code=np.array([""], dtype=object),
                   reason=np.array([""], dtype=object), observables={"m": np.array([5.0])})
    b = PointBatch(params={"x": np.array([2.0])}, loglike=np.array([FLOOR]),
                   valid=np.array([False]), code=np.array(["tachyon"], dtype=object),
                   reason=np.array(["m^2 < 0"], dtype=object))
    joined = PointBatch.concat([a, b])
    assert len(joined) == 2
    assert joined.observables["m"][0] == 5.0 and np.isnan(joined.observables["m"][1])
    assert joined.code.tolist() == ["", "tachyon"]


def test_invalid_point_raised_by_a_vectorised_provider_invalidates_the_batch(registry,
                                                                              write_yaml):
    @likelihood("all_or_nothing", vectorised=True)
    def all_or_nothing(x):
        raise InvalidPoint("backend_failure", "program exited with status 1")

    ev, _ = evaluator_for(write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods: [all_or_nothing]
        """), registry)
    batch = ev({"x": np.array([0.1, 0.2])})
    assert batch.code.tolist() == ["backend_failure"] * 2
    assert (batch.loglike == FLOOR).all()


def test_a_batch_whose_points_are_all_invalid_per_point(registry, write_yaml):
    """Every point of a batch invalidated by a per-point provider: nothing else runs."""
    ev, config = evaluator_for(write_yaml("""
        parameters: {mass: 500, coupling: [4, 8]}
        likelihoods: [counting]
        rules: {cross_section: xsec_with_kfactor}
        """), registry)
    batch = ev(config.space.complete({"coupling": np.array([5.0, 6.0])}))
    assert batch.code.tolist() == ["nonperturbative"] * 2
    assert "signal_yield" not in batch.timing


def test_nan_rows_finds_nan_in_any_leaf_across_check_blocks():
    """NaN in a nested mapping is found per point wherever it sits, also when the leaves
    span several check blocks (NAN_BLOCK numbers each); integer leaves are ignored."""
    from fit import batch

    n = 5
    rng = np.random.default_rng(3)
    leaves = {f"a{k}": rng.random((n, 3)) for k in range(batch.NAN_BLOCK // 15 + 7)}
    value = {"masses": leaves, "mix": {"N": rng.random((n, 2, 2))}, "index": np.arange(n)}
    assert not batch.nan_rows(value, n).any()
    leaves["a0"][1, 2] = math.nan                      # first leaf, first block
    value["mix"]["N"][3, 1, 0] = math.nan              # last leaf, last block
    assert batch.nan_rows(value, n).tolist() == [False, True, False, True, False]
    assert batch.nan_rows({}, 0).size == 0
