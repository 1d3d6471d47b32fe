"""Configuration errors: each names the file, the line and the key path, and says what was
expected (``FILE:LINE: KEY: message``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from fit.config import load_config
from fit.errors import ConfigError, ResolutionError
from fit.run import prepare

LIKELIHOOD = "likelihoods:\n  gaussian: {parameters: [x]}\n"
COLLIDER = """
    parameters:
      mass: {prior: log, range: [100, 2000]}
      coupling: [0, 5]
    """
BUILTIN_TERMS = ("gaussian", "eggbox", "rosenbrock", "shell", "bimodal", "counting")


def write(tmp_path: Path, *parts: str, name: str = "run.yaml") -> Path:
    """Write YAML into tmp_path: the parts, each dedented and without its leading newline."""
    path = tmp_path / name
    path.write_text("".join(textwrap.dedent(part).lstrip("\n") for part in parts))
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based number of the line of ``path`` holding ``needle`` for the nth time."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not in {path}"
    return hits[nth - 1]


def config_error(path: Path, *, full: bool = False) -> ConfigError:
    """The ConfigError of load_config (or of prepare, which also needs the registries)."""
    with pytest.raises(ConfigError) as info:
        (prepare if full else load_config)(path)
    return info.value


def assert_located(exc: ConfigError, path: Path, line: int, key: str | None,
                   *expected: str) -> None:
    """``str(exc)`` starts with ``path:line: key: `` and contains every ``expected`` text."""
    message = str(exc)
    head = f"{path}:{line}: " + (f"{key}: " if key else "")
    assert message.startswith(head), f"expected the message to start with {head!r}: {message}"
    assert (exc.file, exc.line, exc.key) == (str(path), line, key)
    for text in expected:
        assert text in message, f"{text!r} missing from: {message}"


# --- structure and keys ---------------------------------------------------------------------


def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
        likelihood:
          gaussian: {parameters: [x]}
        """)
    assert_located(config_error(path), path, 3, "likelihood",
                   "unknown key 'likelihood'", "did you mean 'likelihoods'?", "'parameters'",
                   "'sampler'")


def test_missing_likelihoods(tmp_path):
    path = write(tmp_path, "parameters:\n  x: [0, 1]\n")
    assert_located(config_error(path), path, 1, "likelihoods", "missing 'likelihoods:'")


def test_unknown_key_inside_a_parameter(tmp_path):
    path = write(tmp_path, """
        parameters:
          x:
            prior: uniform
            rnage: [0, 1]
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.x.rnage",
                   "unknown key 'rnage'", "did you mean 'range'?", "'uniform' prior takes",
                   "'range'")


def test_unknown_prior_suggests_the_right_one(tmp_path):
    path = write(tmp_path, """
        parameters:
          x:
            prior: unifrom
            range: [0, 1]
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 3, "parameters.x.prior",
                   "unknown prior 'unifrom'", "did you mean 'uniform'?", "'gaussian'", "'log'")


def test_prior_that_is_not_a_name(tmp_path):
    """A list where the prior name belongs is a ConfigError, not a TypeError (unhashable)."""
    path = write(tmp_path, "parameters:\n  x:\n    prior: [0, 1]\n", LIKELIHOOD)
    assert_located(config_error(path), path, 3, "parameters.x.prior", "unknown prior",
                   "'uniform'")


# --- ranges and numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["'0, 1'", "[0]", "[0, 1, 2]", "0.5"])
def test_range_of_the_wrong_type(tmp_path, value):
    path = write(tmp_path, f"parameters:\n  x:\n    prior: uniform\n    range: {value}\n",
                 LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.x.range",
                   "expected a range [low, high]")


def test_range_bound_that_is_not_a_number(tmp_path):
    path = write(tmp_path, "parameters:\n  x:\n    prior: uniform\n    range: [0, one]\n",
                 LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.x.range",
                   "expected a number for a range bound, got 'one'")


def test_reversed_range(tmp_path):
    path = write(tmp_path, "parameters:\n  y: [0, 1]\n  x:\n    prior: uniform\n"
                 "    range: [5, 1]\n", LIKELIHOOD)
    assert_located(config_error(path), path, 5, "parameters.x.range",
                   "range [5, 1] is reversed", "expected low < high")


def test_reversed_range_in_the_list_shorthand(tmp_path):
    path = write(tmp_path, "parameters:\n  y: [0, 1]\n  x: [5, 1]\n", LIKELIHOOD)
    assert_located(config_error(path), path, 3, "parameters.x.range", "reversed",
                   "expected low < high")


def test_empty_range(tmp_path):
    path = write(tmp_path, "parameters:\n  x: {prior: uniform, range: [2, 2]}\n", LIKELIHOOD)
    assert_located(config_error(path), path, 2, "parameters.x.range",
                   "range [2, 2] is empty", "expected low < high")


@pytest.mark.parametrize("low", ["0", "-1"])
def test_log_prior_over_a_non_positive_range(tmp_path, low):
    path = write(tmp_path, f"parameters:\n  x:\n    prior: log\n    range: [{low}, 10]\n",
                 LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.x.range",
                   "a log prior needs a positive range", f"[{low}, 10]")


@pytest.mark.parametrize("sigma", ["0", "-1.5"])
def test_gaussian_with_non_positive_sigma(tmp_path, sigma):
    path = write(tmp_path, f"parameters:\n  x:\n    prior: gaussian\n    mean: 0\n"
                 f"    sigma: {sigma}\n", LIKELIHOOD)
    assert_located(config_error(path), path, 5, "parameters.x.sigma",
                   "sigma must be positive", f"got {float(sigma):g}")


def test_gaussian_sigma_as_a_string(tmp_path):
    path = write(tmp_path, "parameters:\n  x:\n    prior: gaussian\n    mean: 0\n"
                 "    sigma: one\n", LIKELIHOOD)
    assert_located(config_error(path), path, 5, "parameters.x.sigma",
                   "expected a number for sigma, got 'one'")


def test_gaussian_without_sigma(tmp_path):
    path = write(tmp_path, "parameters:\n  x:\n    prior: gaussian\n    mean: 0\n", LIKELIHOOD)
    assert_located(config_error(path), path, 2, "parameters.x", "'gaussian' prior needs sigma")


@pytest.mark.parametrize("seed", ["-1", "one", "1.5", "true"])
def test_seed_that_is_not_a_non_negative_integer(tmp_path, seed):
    path = write(tmp_path, f"parameters:\n  x: [0, 1]\n{LIKELIHOOD}seed: {seed}\n")
    assert_located(config_error(path), path, line_of(path, "seed:"), "seed",
                   "expected a non-negative integer", f"got {yaml.safe_load(seed)!r}")


# --- derived parameters ---------------------------------------------------------------------


def test_derived_parameter_with_an_unknown_name(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          y: [0, 1]
          r: {expr: 'sqrt(x**2 + z**2)'}
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.r",
                   "unknown name(s) z", "known parameters: x, y")


def test_cyclic_derived_parameters(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          a: {expr: 'b + x'}
          b: {expr: '2 * a'}
        """, LIKELIHOOD)
    exc = config_error(path)
    assert exc.key in ("parameters.a", "parameters.b")
    name = exc.key.split(".")[1]
    assert_located(exc, path, line_of(path, f"  {name}: "), exc.key, "cycle")
    assert "a -> b -> a" in str(exc) or "b -> a -> b" in str(exc)


def test_syntax_error_in_a_derived_expression(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          r:
            prior: derived
            expr: 'x +* 2'
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 5, "parameters.r.expr",
                   "cannot parse expression 'x +* 2'")


# --- registries: likelihoods, samplers, providers, rules ------------------------------------


def test_unknown_likelihood_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "parameters:\n  x: [0, 1]\nlikelihoods:\n  gausian: {parameters: [x]}\n")
    exc = config_error(path, full=True)
    assert_located(exc, path, 4, "likelihoods.gausian", "unknown likelihood 'gausian'",
                   "did you mean 'gaussian'?", "known likelihoods:")
    for name in BUILTIN_TERMS:
        assert f"'{name}'" in str(exc)


def test_unknown_likelihood_in_list_form(tmp_path):
    path = write(tmp_path, "parameters:\n  x: [0, 1]\nlikelihoods:\n",
                 "  - gaussian: {parameters: [x]}\n  - egbox\n")
    assert_located(config_error(path, full=True), path, 5, "likelihoods[1]",
                   "unknown likelihood 'egbox'", "did you mean 'eggbox'?")


@pytest.mark.parametrize(("sampler", "key"), [("randm", "sampler"),
                                              ("{name: randm, n_points: 10}", "sampler.name")])
def test_unknown_sampler_lists_the_known_ones(tmp_path, sampler, key):
    path = write(tmp_path, f"parameters:\n  x: [0, 1]\n{LIKELIHOOD}sampler: {sampler}\n")
    assert_located(config_error(path, full=True), path, 5, key, "unknown sampler 'randm'",
                   "did you mean 'random'?", "known samplers:", "'random'")


def test_unknown_sampler_option(tmp_path):
    path = write(tmp_path, f"parameters:\n  x: [0, 1]\n{LIKELIHOOD}"
                 "sampler: {name: random, n_ponts: 10}\n")
    assert_located(config_error(path, full=True), path, 5, "sampler.n_ponts",
                   "sampler 'random' has no option 'n_ponts'", "did you mean 'n_points'?",
                   "valid options: 'batch_size' or 'n_points'")


def test_sampler_option_of_the_wrong_type(tmp_path):
    path = write(tmp_path, f"parameters:\n  x: [0, 1]\n{LIKELIHOOD}"
                 "sampler: {name: random, n_points: many}\n")
    assert_located(config_error(path, full=True), path, 5, "sampler.n_points",
                   "option 'n_points' expects int, got str 'many'")


def test_provider_option_of_the_wrong_type(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods:
          counting: {observed: "ten"}
        rules: {cross_section: xsec_leading_order}
        """)
    assert_located(config_error(path, full=True), path, line_of(path, "counting:"),
                   "likelihoods.counting.observed",
                   "provider 'counting' option 'observed' expects int, got str 'ten'")


def test_provider_option_the_provider_lacks(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods:
          counting: {obsreved: 3}
        rules: {cross_section: xsec_leading_order}
        """)
    assert_located(config_error(path, full=True), path, line_of(path, "counting:"),
                   "likelihoods.counting.obsreved",
                   "provider 'counting' has no option 'obsreved'", "did you mean 'observed'?",
                   "valid options: 'background' or 'observed'")


def test_rule_option_the_provider_lacks(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          cross_section: {provider: xsec_with_kfactor, options: {k_factr: 2.0}}
        """)
    assert_located(config_error(path, full=True), path, line_of(path, "k_factr"),
                   "rules.cross_section.options.k_factr",
                   "provider 'xsec_with_kfactor' has no option 'k_factr'",
                   "did you mean 'k_factor'?", "'k_factor' or 'norm_pb'")


def test_option_rejected_by_the_provider_itself(tmp_path):
    """The eggbox takes exactly two parameters; its ValueError becomes a located ConfigError."""
    path = write(tmp_path, "parameters:\n  x: [0, 1]\nlikelihoods:\n"
                 "  eggbox: {parameters: [x]}\n")
    assert_located(config_error(path, full=True), path, 4, "likelihoods.eggbox",
                   "exactly two parameters")


OPTION_ON_ITS_OWN_LINE = {
    "sampler-unknown": ("""
        sampler:
          name: random
          n_points: 10
          n_ponts: 10
        """, "n_ponts:", "sampler.n_ponts"),
    "sampler-type": ("""
        sampler:
          name: random
          n_points: 10
          batch_size: ten
        """, "batch_size:", "sampler.batch_size"),
    "likelihood-type": ("""
        likelihoods:
          counting:
            background: 8.0
            observed: ten
        rules: {cross_section: xsec_leading_order}
        """, "observed:", "likelihoods.counting.observed"),
    "rule-unknown": ("""
        likelihoods: [counting]
        rules:
          cross_section:
            provider: xsec_with_kfactor
            options:
              norm_pb: 50.0
              k_factr: 2.0
        """, "k_factr:", "rules.cross_section.options.k_factr"),
}


@pytest.mark.parametrize("case", OPTION_ON_ITS_OWN_LINE)
def test_option_errors_point_at_the_option_line(tmp_path, case):
    """An option written on its own line is reported at that line, not at the line of the
    sampler name, the likelihood term or the rule above it."""
    body, needle, key = OPTION_ON_ITS_OWN_LINE[case]
    text = textwrap.dedent(COLLIDER) + textwrap.dedent(body).lstrip("\n")
    if "likelihoods" not in body:
        text += "likelihoods: [eggbox]\n"
    path = write(tmp_path, text)
    assert_located(config_error(path, full=True), path, line_of(path, needle), key)


def test_rule_naming_a_provider_that_does_not_provide_the_capability(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          cross_section: signal_yield
        """)
    assert_located(config_error(path, full=True), path, 6, "rules.cross_section",
                   "provider 'signal_yield' does not provide 'cross_section'",
                   "candidates: 'xsec_leading_order' or 'xsec_with_kfactor'")


def test_rule_naming_a_misspelt_provider(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          cross_section: xsec_leading_ordr
        """)
    assert_located(config_error(path, full=True), path, 6, "rules.cross_section",
                   "provider 'xsec_leading_ordr' does not provide 'cross_section'",
                   "did you mean 'xsec_leading_order'?")


def test_rule_for_an_unused_capability_is_still_checked(tmp_path):
    """A wrong provider in a rule is an error even if no term needs the capability (a typo
    in a shared base file should not wait for the run that first uses it)."""
    path = write(tmp_path, "parameters:\n  x: [0, 1]\n", LIKELIHOOD,
                 "rules:\n  cross_section: signal_yield\n")
    assert_located(config_error(path, full=True), path, line_of(path, "cross_section"),
                   "rules.cross_section",
                   "provider 'signal_yield' does not provide 'cross_section'")


def test_rule_for_a_misspelt_capability(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          cross_sectoin: xsec_leading_order
        """)
    assert_located(config_error(path, full=True), path, 6, "rules.cross_sectoin",
                   "no provider serves the capability 'cross_sectoin'",
                   "did you mean 'cross_section'?")


def test_rule_for_a_capability_nobody_provides_lists_the_known_ones(tmp_path):
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          axion_relic_density: micromegas
        """)
    assert_located(config_error(path, full=True), path, 6, "rules.axion_relic_density",
                   "no provider serves the capability 'axion_relic_density'",
                   "'cross_section'", "'signal_yield'")


def test_rule_options_for_a_likelihood_term_are_not_dropped(tmp_path):
    """Options for a likelihood term given under rules: either apply or are refused; the run
    must not silently use the defaults (observed = 10)."""
    path = write(tmp_path, COLLIDER, """
        likelihoods: [counting]
        rules:
          cross_section: xsec_leading_order
          counting: {options: {observed: 3}}
        """)
    try:
        prepared = prepare(path)
    except ConfigError as exc:
        assert "rules.counting" in str(exc)
        return
    assert prepared.graph.providers["counting"].options == {"observed": 3}


# --- YAML syntax and includes ---------------------------------------------------------------


def test_invalid_yaml_syntax_reports_the_line(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
         y: [0, 1]
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 3, None, "not valid YAML")


def test_unclosed_flow_sequence(tmp_path):
    path = write(tmp_path, "model: m\nparameters:\n  x: {prior: uniform, range: [0, 1}\n",
                 LIKELIHOOD)
    exc = config_error(path)
    assert exc.line == 3
    assert str(exc).startswith(f"{path}:3: not valid YAML")


def test_top_level_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "- parameters\n- likelihoods\n")
    assert_located(config_error(path), path, 1, None, "top level must be a mapping")


def test_duplicate_key_in_a_mapping(tmp_path):
    path = write(tmp_path, """
        parameters:
          x: [0, 1]
          y: [0, 1]
          x: [0, 2]
        """, LIKELIHOOD)
    assert_located(config_error(path), path, 4, "parameters.x",
                   "key 'x' appears twice in one mapping")


def test_duplicate_top_level_key(tmp_path):
    path = write(tmp_path, "seed: 1\nparameters:\n  x: [0, 1]\n", LIKELIHOOD, "seed: 2\n")
    assert_located(config_error(path), path, 6, "seed", "key 'seed' appears twice")


def test_missing_included_file(tmp_path):
    path = write(tmp_path, "parameters:\n  x: [0, 1]\n", LIKELIHOOD, "include: base.yaml\n")
    assert_located(config_error(path), path, 5, "include", "included file 'base.yaml' not found",
                   str(tmp_path / "base.yaml"))


def test_include_that_is_not_a_file_name(tmp_path):
    path = write(tmp_path, "include: {file: base.yaml}\n", LIKELIHOOD)
    assert_located(config_error(path), path, 1, "include",
                   "expected a file name or a list of file names")


def test_include_cycle(tmp_path):
    """run -> a -> b -> a: reported at the include of b that closes the cycle, with the chain."""
    tmp = tmp_path.resolve()
    run = write(tmp, "include: a.yaml\nparameters:\n  x: [0, 1]\n", LIKELIHOOD)
    write(tmp, "model: a\ninclude: b.yaml\n", name="a.yaml")
    b = write(tmp, "seed: 1\ninclude: [a.yaml]\n", name="b.yaml")
    exc = config_error(run)
    assert_located(exc, b, 2, "include", "include cycle")
    chain = str(exc).split("include cycle")[1]
    assert chain.index("a.yaml") < chain.index("b.yaml") < chain.rindex("a.yaml")


def test_file_including_itself(tmp_path):
    path = write(tmp_path.resolve(), "include: run.yaml\n", LIKELIHOOD)
    assert_located(config_error(path), path, 1, "include", "include cycle")


# --- ambiguity and its fix ------------------------------------------------------------------


def test_two_providers_and_no_rule_prints_a_ready_to_paste_rule(tmp_path):
    """Without a rule the graph is ambiguous; the message carries a YAML snippet that, pasted
    into the file, makes prepare() succeed, and describe() lists the providers in order."""
    path = write(tmp_path, COLLIDER, "likelihoods: [counting]\n")
    with pytest.raises(ResolutionError) as info:
        prepare(path)
    message = str(info.value)
    assert "capability 'cross_section'" in message
    assert "xsec_leading_order, xsec_with_kfactor" in message
    assert "rules:" in message
    assert "cross_section: xsec_leading_order" in message
    assert "prefer: [backends.toy_collider]" in message          # a YAML comment
    snippet = textwrap.dedent(message[message.index("  rules:"):])
    assert yaml.safe_load(snippet) == {"rules": {"cross_section": "xsec_leading_order"}}

    path.write_text(path.read_text() + snippet + "\n")
    prepared = prepare(path)
    assert prepared.graph.providers["cross_section"].name == "xsec_leading_order"
    plan = prepared.describe()
    lines = [plan.index(f"{cap:<22s} <- {name}") for cap, name in (
        ("cross_section", "xsec_leading_order"), ("signal_yield", "signal_yield"),
        ("counting", "counting"))]
    assert lines == sorted(lines)
    assert "xsec_with_kfactor" not in plan
    assert "sampler: random" in plan


ALTERNATIVE_XSEC = '''
from fit import provider


@provider("cross_section", vectorised=True)
def xsec_alternative(mass, coupling):
    """A second cross-section provider, in the user's module [pb]."""
    return 2.0 * coupling**2 * (100.0 / mass) ** 4
'''


def test_prefer_takes_the_providers_of_the_listed_module_and_rules_still_win(tmp_path,
                                                                              registry):
    (tmp_path / "alt_xsec.py").write_text(ALTERNATIVE_XSEC)
    base = (COLLIDER, "likelihoods: [counting]\nmodules: [alt_xsec.py]\n")
    chosen = {}
    for prefer in ("[alt_xsec.py, backends.toy_collider]", "[alt_xsec.py]"):
        path = write(tmp_path, *base, f"prefer: {prefer}\n")
        chosen[prefer] = prepare(path).graph.providers["cross_section"].name
    assert set(chosen.values()) == {"xsec_alternative"}
    assert "[alt_xsec.py, " in prepare(path).describe()          # the module as written
    # the first listed module that has providers decides; two there stay ambiguous
    path = write(tmp_path, *base, "prefer: [backends.toy_collider, alt_xsec.py]\n")
    with pytest.raises(ResolutionError, match="xsec_leading_order, xsec_with_kfactor"):
        prepare(path)
    # a rule names the provider, whatever prefer says; prefer enters the physics hash
    path = write(tmp_path, *base, "prefer: [alt_xsec.py]\n",
                 "rules: {cross_section: xsec_leading_order}\n")
    assert prepare(path).graph.providers["cross_section"].name == "xsec_leading_order"
    other = write(tmp_path, *base, "rules: {cross_section: xsec_leading_order}\n",
                  name="other.yaml")
    assert load_config(path).physics_hash() != load_config(other).physics_hash()


def test_prefer_names_a_module_without_providers(tmp_path):
    path = write(tmp_path, COLLIDER, "likelihoods: [counting]\n",
                 "prefer: [backends.toy_colider]\n")
    assert_located(config_error(path, full=True), path, line_of(path, "prefer:"), "prefer",
                   "no provider is defined in the module 'backends.toy_colider'",
                   "did you mean 'backends.toy_collider'?")


def test_exponent_without_a_dot_is_a_number(tmp_path):
    """YAML 1.1 (PyYAML) reads 1e-4 as a string; run files read it as the float it means."""
    path = write(tmp_path, """
        parameters:
          x: {prior: log, range: [1e-4, 1e2]}
        likelihoods:
          gaussian: {parameters: [x], sigma: [2e-1]}
        """)
    config = load_config(path)
    assert config.space.sampled[0].bounds == (1e-4, 100.0)
    assert config.likelihoods[0].options["sigma"] == [0.2]
