"""``include:``: deep merge (nested mappings merge, lists replace, the including file wins),
lists of files merged in order, paths relative to the including file, and errors located in
the file a key came from."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from fit.config import load_config
from fit.errors import ConfigError
from fit.run import prepare

BASE = """
    model: toy collider
    parameters:
      mass: {prior: log, range: [100, 2000], unit: GeV}
      coupling: {prior: uniform, range: [0, 5], latex: 'g'}
    likelihoods:
      counting: {observed: 10, background: 8.0}
    observables: [cross_section, signal_yield]
    rules:
      cross_section: {provider: xsec_leading_order, options: {norm_pb: 100.0}}
      signal_yield: {options: {luminosity_ifb: 139.0, efficiency: 1.0e-3}}
    sampler: {name: random, n_points: 100, batch_size: 10}
    seed: 1
    """


def write(directory: Path, name: str, text: str) -> Path:
    """Write dedented YAML (without its leading newline); returns the resolved path, which is
    how included files are named in error messages."""
    path = directory.resolve() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` holding ``needle``."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def config_error(path: Path, *, full: bool = False) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        (prepare if full else load_config)(path)
    return info.value


# --- deep merge -----------------------------------------------------------------------------


@pytest.fixture
def overridden(tmp_path: Path) -> Path:
    """A run file on top of BASE that overrides single nested keys and replaces lists."""
    write(tmp_path, "base.yaml", BASE)
    return write(tmp_path, "run.yaml", """
        include: base.yaml
        parameters:
          coupling: {range: [0, 2]}
        likelihoods:
          counting: {observed: 4}
        observables: [signal_yield]
        rules:
          cross_section: {options: {norm_pb: 50.0}}
        sampler: {n_points: 7}
        seed: 2
        """)


def test_nested_mappings_merge_and_the_including_file_wins(overridden):
    """Only the keys the run file names change; their siblings come from the base file."""
    config = load_config(overridden)
    data = config.data
    assert "include" not in data
    assert data["model"] == "toy collider"
    assert data["seed"] == 2
    assert config.seed == 2
    assert data["parameters"]["coupling"] == {"prior": "uniform", "range": [0, 2], "latex": "g"}
    assert data["parameters"]["mass"] == {"prior": "log", "range": [100, 2000], "unit": "GeV"}
    assert data["likelihoods"] == {"counting": {"observed": 4, "background": 8.0}}
    assert data["rules"]["cross_section"] == {"provider": "xsec_leading_order",
                                              "options": {"norm_pb": 50.0}}
    assert data["rules"]["signal_yield"] == {"options": {"luminosity_ifb": 139.0,
                                                         "efficiency": 1.0e-3}}
    assert data["sampler"] == {"name": "random", "n_points": 7, "batch_size": 10}
    # the merged values reach the typed configuration
    assert config.space.sampled_names == ["mass", "coupling"]
    assert config.space.sampled[1].bounds == (0.0, 2.0)
    assert config.space.sampled[0].bounds == (100.0, 2000.0)
    assert config.sampler.name == "random"
    assert dict(config.sampler.options) == {"n_points": 7, "batch_size": 10}
    # the resolved YAML written to the output is the merged one
    assert yaml.safe_load(config.yaml_text()) == data


def test_lists_replace(overridden):
    """A list in the including file replaces the included list; it is not appended or merged
    item by item."""
    config = load_config(overridden)
    assert config.observables == ["signal_yield"]
    assert config.data["observables"] == ["signal_yield"]


def test_merged_options_reach_the_providers(overridden):
    """prepare() binds the merged options: the overridden norm_pb with the base provider, the
    overridden observed with the base background, and the untouched base rule."""
    prepared = prepare(overridden)
    providers = prepared.graph.providers
    assert providers["cross_section"].name == "xsec_leading_order"
    assert providers["cross_section"].options == {"norm_pb": 50.0}
    assert providers["counting"].options == {"observed": 4, "background": 8.0}
    assert providers["signal_yield"].options == {"luminosity_ifb": 139.0, "efficiency": 1e-3}
    assert prepared.sampler_options == {"n_points": 7, "batch_size": 10}


def test_a_value_of_another_kind_replaces_the_included_one(tmp_path):
    """A mapping over a list (or a list over a mapping, or a scalar over either) replaces it."""
    write(tmp_path, "base.yaml", """
        parameters:
          x: [0, 1]
          y: {prior: gaussian, mean: 0, sigma: 1}
          z: {prior: uniform, range: [0, 1]}
        likelihoods:
          gaussian: {parameters: [x, y]}
        """)
    run = write(tmp_path, "run.yaml", """
        include: base.yaml
        parameters:
          x: {prior: log, range: [1, 10]}
          y: [-1, 1]
          z: 0.5
        """)
    space = load_config(run).space
    assert [type(p).__name__ for p in space.sampled] == ["LogUniform", "Uniform"]
    assert space.sampled[0].bounds == (1.0, 10.0)
    assert space.sampled[1].bounds == (-1.0, 1.0)
    assert [(p.name, p.value) for p in space.fixed] == [("z", 0.5)]


def test_new_keys_come_after_the_included_ones(tmp_path):
    """Parameters keep the included order; the including file's new ones are appended."""
    write(tmp_path, "base.yaml", "parameters:\n  b: [0, 1]\n  a: [0, 1]\nlikelihoods: [eggbox]\n")
    run = write(tmp_path, "run.yaml", "include: base.yaml\nparameters:\n  c: [0, 1]\n"
                "  a: [0, 2]\n")
    space = load_config(run).space
    assert space.sampled_names == ["b", "a", "c"]
    assert space.sampled[1].bounds == (0.0, 2.0)


def test_included_file_is_not_modified_by_the_merge(tmp_path):
    """Two run files including the same base each see the base's own values."""
    write(tmp_path, "base.yaml", BASE)
    one = write(tmp_path, "one.yaml", "include: base.yaml\nrules:\n"
                "  cross_section: {options: {norm_pb: 1.0}}\n")
    two = write(tmp_path, "two.yaml", "include: base.yaml\n")
    assert load_config(one).data["rules"]["cross_section"]["options"] == {"norm_pb": 1.0}
    assert load_config(two).data["rules"]["cross_section"]["options"] == {"norm_pb": 100.0}


# --- lists of includes ----------------------------------------------------------------------


def test_list_of_includes_merges_in_order(tmp_path):
    """Later files win over earlier ones, the including file over all of them."""
    write(tmp_path, "a.yaml", """
        model: from a
        seed: 1
        parameters:
          x: [0, 1]
        likelihoods:
          gaussian: {parameters: [x], mean: [0.1]}
        sampler: {name: random, n_points: 5}
        """)
    write(tmp_path, "b.yaml", """
        model: from b
        seed: 2
        parameters:
          y: [0, 1]
          x: [0, 3]
        likelihoods:
          gaussian: {parameters: [x, y], mean: [0.2, 0.3]}
        """)
    ab = write(tmp_path, "ab.yaml", "include: [a.yaml, b.yaml]\nseed: 3\n")
    ba = write(tmp_path, "ba.yaml", "include:\n  - b.yaml\n  - a.yaml\n")

    config = load_config(ab)
    assert (config.model, config.seed) == ("from b", 3)
    assert config.space.sampled_names == ["x", "y"]
    assert config.space.sampled[0].bounds == (0.0, 3.0)
    assert config.likelihoods[0].options == {"parameters": ["x", "y"], "mean": [0.2, 0.3]}
    assert config.data["sampler"] == {"name": "random", "n_points": 5}

    config = load_config(ba)
    assert (config.model, config.seed) == ("from a", 1)
    assert config.space.sampled_names == ["y", "x"]
    assert config.space.sampled[1].bounds == (0.0, 1.0)
    assert config.likelihoods[0].options == {"parameters": ["x"], "mean": [0.1]}


def test_nested_includes(tmp_path):
    """An included file may include others; the nearer file wins."""
    write(tmp_path, "grand.yaml", "seed: 1\nmodel: grand\nparameters:\n  x: [0, 1]\n"
          "likelihoods: [eggbox]\n")
    write(tmp_path, "parent.yaml", "include: grand.yaml\nseed: 2\n")
    run = write(tmp_path, "run.yaml", "include: parent.yaml\nmodel: run\n")
    config = load_config(run)
    assert (config.seed, config.model) == (2, "run")
    assert config.space.sampled_names == ["x"]


# --- relative paths -------------------------------------------------------------------------


def test_paths_are_relative_to_the_including_file(tmp_path, monkeypatch):
    """runs/run.yaml includes ../common/base.yaml, which includes physics/model.yaml (next to
    it in common/), whatever the working directory."""
    write(tmp_path, "common/physics/model.yaml", "parameters:\n  x: [0, 1]\n  y: [0, 1]\n")
    write(tmp_path, "common/base.yaml", "include: physics/model.yaml\n"
          "likelihoods:\n  gaussian: {parameters: [x, y]}\n")
    # decoys where a cwd-relative lookup would find them
    write(tmp_path, "physics/model.yaml", "parameters:\n  wrong: [0, 1]\n")
    run = write(tmp_path, "runs/run.yaml", "include: ../common/base.yaml\nseed: 4\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    monkeypatch.chdir(elsewhere)
    assert load_config(run).space.sampled_names == ["x", "y"]
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("runs/run.yaml"))
    assert config.space.sampled_names == ["x", "y"]
    assert config.seed == 4


def test_missing_include_names_the_including_file_and_the_path_looked_for(tmp_path):
    write(tmp_path, "common/base.yaml", "seed: 1\ninclude: physics/model.yaml\n")
    run = write(tmp_path, "runs/run.yaml", "include: ../common/base.yaml\n")
    exc = config_error(run)
    base = tmp_path.resolve() / "common" / "base.yaml"
    assert str(exc).startswith(f"{base}:2: include: included file 'physics/model.yaml' "
                               "not found")
    assert str(base.parent / "physics" / "model.yaml") in str(exc)


# --- errors located in the included file ----------------------------------------------------


def test_error_in_an_included_parameter_names_the_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", """
        parameters:
          x: [0, 1]
          y:
            prior: uniform
            rnage: [0, 1]
        likelihoods:
          gaussian: {parameters: [x]}
        """)
    run = write(tmp_path, "run.yaml", "include: base.yaml\nseed: 1\n")
    exc = config_error(run)
    assert str(exc).startswith(f"{base}:{line_of(base, 'rnage')}: parameters.y.rnage: ")
    assert "did you mean 'range'?" in str(exc)


def test_error_in_an_overridden_key_names_the_including_file(tmp_path):
    """The range comes from the run file (reversed there): the run file is named. A run file
    that changes the kind of prior replaces the base's entry, so it must give the range."""
    write(tmp_path, "base.yaml", "parameters:\n  x: {prior: uniform, range: [0, 1]}\n"
          "likelihoods:\n  gaussian: {parameters: [x]}\n")
    run = write(tmp_path, "run.yaml", "include: base.yaml\nparameters:\n  x:\n"
                "    range: [1, 0]\n")
    assert str(config_error(run)).startswith(f"{run}:4: parameters.x.range: ")

    run.write_text("include: base.yaml\nparameters:\n  x:\n    prior: log\n")
    assert str(config_error(run)).startswith(f"{run}:3: parameters.x: a 'log' prior needs "
                                             f"range")


def test_unknown_likelihood_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", "parameters:\n  x: [0, 1]\nlikelihoods:\n"
                 "  gausian: {parameters: [x]}\n")
    run = write(tmp_path, "run.yaml", "include: base.yaml\n")
    exc = config_error(run, full=True)
    assert str(exc).startswith(f"{base}:4: likelihoods.gausian: unknown likelihood")


def test_wrong_rule_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", """
        parameters:
          mass: [100, 2000]
          coupling: [0, 5]
        rules:
          cross_section: signal_yield
        """)
    run = write(tmp_path, "run.yaml", "include: base.yaml\nlikelihoods: [counting]\n")
    exc = config_error(run, full=True)
    assert str(exc).startswith(f"{base}:{line_of(base, 'cross_section')}: rules.cross_section: ")
    assert "does not provide 'cross_section'" in str(exc)


def test_provider_option_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", BASE.replace("observed: 10", "observed: ten"))
    run = write(tmp_path, "run.yaml", "include: base.yaml\nseed: 5\n")
    exc = config_error(run, full=True)
    assert str(exc).startswith(f"{base}:{line_of(base, 'counting:')}: "
                               "likelihoods.counting.observed: ")
    assert "expects int" in str(exc)


def test_sampler_option_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", BASE.replace("batch_size: 10", "bach_size: 10"))
    run = write(tmp_path, "run.yaml", "include: base.yaml\n")
    exc = config_error(run, full=True)
    assert str(exc).startswith(f"{base}:{line_of(base, 'sampler:')}: sampler.bach_size: ")
    assert "did you mean 'batch_size'?" in str(exc)


def test_error_two_includes_deep_names_the_deepest_file(tmp_path):
    grand = write(tmp_path, "lib/grand.yaml", "parameters:\n  x: {prior: gaussian, mean: 0, "
                  "sigma: -1}\nlikelihoods: [eggbox]\n")
    write(tmp_path, "lib/parent.yaml", "include: grand.yaml\n")
    run = write(tmp_path, "run.yaml", "include: lib/parent.yaml\n")
    exc = config_error(run)
    assert str(exc).startswith(f"{grand}:2: parameters.x.sigma: sigma must be positive")


def test_yaml_error_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", "parameters:\n  x: [0, 1\nlikelihoods: [eggbox]\n")
    run = write(tmp_path, "run.yaml", "include: base.yaml\n")
    exc = config_error(run)
    assert exc.file == str(base)
    assert str(exc).startswith(f"{base}:{exc.line}: not valid YAML")
    assert exc.line in (2, 3)


def test_duplicate_key_in_an_included_file(tmp_path):
    base = write(tmp_path, "base.yaml", "seed: 1\nparameters:\n  x: [0, 1]\nseed: 2\n")
    run = write(tmp_path, "run.yaml", "include: base.yaml\n")
    assert str(config_error(run)).startswith(f"{base}:4: seed: key 'seed' appears twice")


def test_a_parameter_entry_is_replaced_whole(tmp_path):
    """Overriding a gaussian prior with a uniform one must not inherit 'mean' and 'sigma'."""
    (tmp_path / "base.yaml").write_text(
        "parameters:\n  x: {prior: gaussian, mean: 0, sigma: 1}\n  y: [0, 1]\n"
        "likelihoods:\n  gaussian: {parameters: [x, y]}\n")
    run = tmp_path / "run.yaml"
    run.write_text("include: base.yaml\nparameters:\n  x: {prior: uniform, range: [-2, 2]}\n")
    space = load_config(run).space
    assert [(p.name, type(p).__name__) for p in space.sampled] == [("x", "Uniform"),
                                                                    ("y", "Uniform")]


def test_path_options_are_relative_to_the_yaml_file_that_gives_them(tmp_path, monkeypatch,
                                                                   registry):
    """A provider option typed Path, given as a relative path in an included file, is
    taken from that file's directory, whatever the working directory."""
    from fit import likelihood

    @likelihood("reads_a_card")
    class ReadsACard:
        def __init__(self, *, card: Path):
            self.card = card
            self.needs = ("x",)

        def __call__(self, x):
            return 0.0

    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "card.in").write_text("x\n")
    (tmp_path / "base" / "base.yaml").write_text(
        "parameters: {x: [0, 1]}\nlikelihoods:\n  reads_a_card: {card: card.in}\n")
    (tmp_path / "run.yaml").write_text("include: base/base.yaml\nseed: 3\n")
    monkeypatch.chdir(tmp_path.parent)
    provider = prepare(tmp_path / "run.yaml").graph.providers["reads_a_card"]
    assert provider.function.card.resolve() == (tmp_path / "base" / "card.in").resolve()
    assert provider.function.card.read_text() == "x\n"
