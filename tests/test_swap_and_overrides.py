"""Swapping samplers (``include:`` merging of ``sampler:``, the ``samplers:`` block, did-you-mean
with aliases) and command-line overrides (``--set KEY=VALUE``, ``--sampler NAME``): what they
resolve to, that they go through the run file's checks, that their errors name the file and
line or the override, and that the output records them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import h5py
import pytest
import yaml

from fit.cli import main
from fit.config import Override, load_config
from fit.errors import ConfigError
from fit.results import load
from fit.run import prepare, run

ROOT = Path(__file__).resolve().parents[1]
GAUSSIAN = ROOT / "yaml" / "gaussian.yaml"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def sets(*texts: str, sampler: str | None = None) -> list[Override]:
    return Override.from_command_line(sampler, texts)


def error_of(path: Path, overrides: list[Override] = ()) -> str:
    with pytest.raises(ConfigError) as info:
        prepare(path, overrides=overrides)
    return str(info.value)


# --- include: another sampler replaces the entry, the same one merges -----------------------


@pytest.mark.parametrize("entry", ["dynesty", "{name: dynesty}"])
def test_naming_another_sampler_replaces_the_included_entry(tmp_path, entry):
    """gaussian.yaml runs random with n_points; dynesty must not inherit it."""
    path = write(tmp_path, "run.yaml", f"include: {GAUSSIAN}\nsampler: {entry}\n")
    prepared = prepare(path)
    assert prepared.config.sampler.name == "dynesty"
    assert prepared.sampler_options == {}
    assert prepared.config.data["sampler"] == {"name": "dynesty"}


@pytest.mark.parametrize("entry", ["random", "{name: random, batch_size: 5}", "{batch_size: 5}"])
def test_naming_the_same_sampler_merges_key_by_key(tmp_path, entry):
    path = write(tmp_path, "run.yaml", f"include: {GAUSSIAN}\nsampler: {entry}\n")
    options = prepare(path).sampler_options
    assert options["n_points"] == 20000   # from gaussian.yaml
    assert options.get("batch_size", 5) == 5


def test_a_bare_name_in_the_base_takes_options_on_top(tmp_path):
    base = write(tmp_path, "base.yaml", "parameters: {x: [0, 1]}\nlikelihoods:\n"
                 "  gaussian: {parameters: [x]}\nsampler: random\n")
    path = write(tmp_path, "run.yaml", f"include: {base.name}\nsampler: {{n_points: 3}}\n")
    assert prepare(path).sampler_options == {"n_points": 3}


# --- samplers: one block per sampler, sampler: picks one ------------------------------------

#: a run file without a sampler entry, and one that keeps settings for three samplers
BASE = "parameters: {x: [0, 1]}\nlikelihoods:\n  gaussian: {parameters: [x]}\n"
TUNED = BASE + textwrap.dedent("""\
    samplers:                 # settings per sampler; only the chosen one runs
      multinest: {n_live_points: 1000, sampling_efficiency: 0.3}
      dynesty: {nlive: 800, dlogz: 0.1}
      random: {n_points: 200000}
    """)


def test_the_chosen_block_runs_with_the_sampler_entry_on_top(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED + "sampler: {name: dynesty, nlive: 400}\n")
    prepared = prepare(path)
    assert prepared.config.sampler.name == "dynesty"
    assert prepared.sampler_options == {"nlive": 400, "dlogz": 0.1}
    assert prepare(path, overrides=sets(sampler="multinest")).sampler_options == {
        "n_live_points": 1000, "sampling_efficiency": 0.3}


def test_an_included_entry_of_the_same_sampler_wins_over_its_block(tmp_path):
    """gaussian.yaml's 'sampler: {name: random, n_points: 20000}' merges with 'sampler: random'
    and, being the sampler entry, wins over the block's n_points."""
    path = write(tmp_path, "run.yaml", f"include: {GAUSSIAN}\nsamplers: {{random: "
                 "{n_points: 5, batch_size: 7}}\nsampler: random\n")
    assert prepare(path).sampler_options == {"n_points": 20000, "batch_size": 7}


def test_the_block_and_options_are_written_to_the_output(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED + "sampler: random\n")
    out = run(path, output=tmp_path / "out", overrides=sets("samplers.random.n_points=12"))
    r = load(out)
    assert len(r) == 12
    assert r.attrs["sampler"] == "random"
    assert json.loads(r.attrs["sampler_options"]) == {"n_points": 12}
    assert yaml.safe_load(r.config)["samplers"]["random"] == {"n_points": 12}


def test_a_typo_in_a_block_that_does_not_run_is_located(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED.replace("sampling_efficiency", "efficiency")
                 + "sampler: dynesty\n")
    message = error_of(path)
    assert message.startswith(f"{path}:{line_of(path, 'efficiency')}: "
                              "samplers.multinest.efficiency: sampler 'multinest' has no option "
                              "'efficiency' (did you mean 'sampling_efficiency'?)")


def test_a_wrong_type_in_a_block_that_does_not_run_is_located(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED.replace("800", "many") + "sampler: random\n")
    assert error_of(path).startswith(f"{path}:{line_of(path, 'many')}: "
                                     "samplers.dynesty.nlive: sampler 'dynesty' option 'nlive' "
                                     "expects int")


def test_an_unknown_sampler_block_is_located_with_the_alias(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED + "  differential_evolution: {maxgen: 10}\n"
                 "sampler: random\n")
    message = error_of(path)
    assert message.startswith(f"{path}:{line_of(path, 'differential_evolution')}: "
                              "samplers.differential_evolution: unknown sampler "
                              "'differential_evolution' (did you mean 'de'?); known samplers: ")
    assert "'dynesty'" in message and "'points'" in message


def test_without_a_sampler_entry_a_single_block_runs(tmp_path):
    path = write(tmp_path, "run.yaml", TUNED)
    assert error_of(path).startswith(f"{path}:{line_of(path, 'samplers:')}: samplers: several "
                                     "samplers have settings ('dynesty', 'multinest' or "
                                     "'random'): choose the one to run")
    alone = write(tmp_path, "alone.yaml", BASE + "samplers: {de: {maxgen: 2}}\n")
    prepared = prepare(alone)
    assert (prepared.config.sampler.name, prepared.sampler_options) == ("de", {"maxgen": 2})


def test_a_block_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "run.yaml", BASE + "samplers: [dynesty]\n")
    assert error_of(path).startswith(f"{path}:4: samplers: expected a mapping of sampler names")
    options = write(tmp_path, "options.yaml", BASE + "samplers: {dynesty: 400}\n")
    assert error_of(options).startswith(f"{options}:4: samplers.dynesty: expected a mapping "
                                        "of options, got 400")


@pytest.mark.parametrize(("name", "meant"), [("differential_evolution", "de"),
                                             ("Differential-Evolution", "de"), ("mcmc", "emcee"),
                                             ("pymultinest", "multinest"), ("dynasty", "dynesty"),
                                             ("benchmarks", "points")])
def test_unknown_sampler_names_suggest_the_registered_one(tmp_path, name, meant):
    path = write(tmp_path, "run.yaml", f"include: {GAUSSIAN}\nsampler: {name}\n")
    message = error_of(path)
    assert message.startswith(f"{path}:2: sampler.name: unknown sampler '{name}' (did you mean "
                              f"'{meant}'?); known samplers: ")


def test_sampler_aliases_are_not_accepted_as_names(tmp_path):
    """One sampler, one name in run files and outputs: an alias only feeds the suggestion."""
    path = write(tmp_path, "run.yaml", f"include: {GAUSSIAN}\n")
    assert "unknown sampler 'mcmc'" in error_of(path, sets(sampler="mcmc"))


# --- --set and --sampler --------------------------------------------------------------------


def test_overrides_change_the_resolved_file(tmp_path):
    config = load_config(GAUSSIAN, sets("sampler.nlive=400", "parameters.x1.range=[2,10]",
                                        "seed=7", "output.flush_seconds=1e-1",
                                        sampler="dynesty"))
    assert config.sampler.name == "dynesty" and dict(config.sampler.options) == {"nlive": 400}
    assert config.seed == 7
    assert config.space.sampled[0].bounds == (2.0, 10.0)
    assert config.data["parameters"]["x1"]["latex"] == "x_1"   # the rest of the entry stays
    assert config.output.flush_seconds == 0.1                  # YAML 1.2 float
    assert [str(o) for o in config.overrides] == [
        "--sampler dynesty", "--set sampler.nlive=400", "--set parameters.x1.range=[2,10]",
        "--set seed=7", "--set output.flush_seconds=1e-1"]


def test_overrides_apply_in_order_with_the_include_rules():
    """--set sampler.name=X is another sampler (replaces the entry); a later --set adds to it;
    a parameter of another prior kind replaces its entry; a shorthand entry is expanded."""
    config = load_config(GAUSSIAN, sets("sampler.name=grid", "sampler.points=3",
                                        "parameters.x2={prior: gaussian, mean: 0, sigma: 1}",
                                        "parameters.x4.unit=GeV", "parameters.y=[0, 1]"))
    assert config.data["sampler"] == {"name": "grid", "points": 3}
    assert config.data["parameters"]["x2"] == {"prior": "gaussian", "mean": 0, "sigma": 1}
    assert config.data["parameters"]["x4"]["unit"] == "GeV"
    assert config.space.sampled_names == ["x1", "x2", "x3", "x4", "y"]


@pytest.mark.parametrize(("override", "message"), [
    ("sampler.n_points=many", "--set sampler.n_points: sampler 'random' option 'n_points' "
                              "expects int, got str 'many'"),
    ("sampler.n_pionts=5", "--set sampler.n_pionts: sampler 'random' has no option 'n_pionts' "
                           "(did you mean 'n_points'?)"),
    ("parameters.x1.range=[10, 2]", "--set parameters.x1.range: range [10, 2] is reversed"),
    ("sede=3", "--set sede: unknown key 'sede' (did you mean 'seed'?)"),
    ("seed=-1", "--set seed: expected a non-negative integer, got -1"),
    ("seed.value=1", "--set seed.value: 'seed' is 1 in the run file, not a mapping; set it "
                     "whole: --set seed=..."),
    ("sampler", "--set sampler: expected KEY=VALUE with a dotted KEY"),
    ("sampler..nlive=3", "--set sampler..nlive: expected KEY=VALUE with a dotted KEY"),
    ("parameters.x1.range=[1, 2", "--set parameters.x1.range: not valid YAML"),
    ("likelihoods.gaussian.sigma=[1, 1]", "--set likelihoods.gaussian: provider "
                                          "'correlated_gaussian': 'mean' and 'sigma' need 4 "),
    ("parameters.x1.prior=log", "--set parameters.x1: a 'log' prior needs range"),
])
def test_a_wrong_override_names_itself(override, message):
    with pytest.raises(ConfigError) as info:
        prepare(GAUSSIAN, overrides=sets(override))
    assert str(info.value).startswith(message), str(info.value)


def test_a_wrong_sampler_flag_names_itself():
    with pytest.raises(ConfigError) as info:
        prepare(GAUSSIAN, overrides=sets(sampler="differential_evolution"))
    assert str(info.value).startswith("--sampler: unknown sampler 'differential_evolution' "
                                      "(did you mean 'de'?)")
    with pytest.raises(ConfigError, match=r"^--sampler: sampler 'points' needs option"):
        prepare(GAUSSIAN, overrides=sets(sampler="points"))


def test_check_and_dry_run_take_overrides(capsys):
    assert main(["check", str(GAUSSIAN), "--sampler", "dynesty", "--set",
                 "sampler.nlive=50"]) == 0
    assert "sampler 'dynesty'" in capsys.readouterr().out
    assert main([str(GAUSSIAN), "--dry-run", "--sampler", "dynesty", "--set",
                 "sampler.nlive=50"]) == 0
    plan = capsys.readouterr().out
    assert "command-line overrides: --sampler dynesty --set sampler.nlive=50" in plan
    assert "sampler: dynesty {'nlive': 50}" in plan
    assert main(["check", str(GAUSSIAN), "--set", "sampler.nlive=50"]) == 2
    assert "--set sampler.nlive: sampler 'random' has no option" in capsys.readouterr().err


def test_overrides_are_written_and_resume_refuses_changed_physics(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [str(GAUSSIAN), "-q", "--output", str(out), "--set", "sampler.n_points=10",
            "--set", "seed=7"]
    assert main(argv) == 0
    r = load(out)
    assert json.loads(r.attrs["overrides"]) == ["--set sampler.n_points=10", "--set seed=7"]
    assert r.attrs["seed"] == 7 and len(r) == 10
    assert yaml.safe_load(r.config)["sampler"] == {"name": "random", "n_points": 10}
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "overrides: --set sampler.n_points=10 --set seed=7" in capsys.readouterr().out
    # the sampler may change on resume (it is recorded), the physics may not
    assert main([*argv, "--resume", "--set", "parameters.x1.range=[0, 1]"]) == 2
    assert "it was written with different parameters" in capsys.readouterr().err
    assert main([*argv[:4], "--set", "sampler.n_points=15", "--resume"]) == 0
    assert len(load(out)) == 15
    with h5py.File(out / "gaussian.h5") as f:
        resumes = json.loads(f.attrs["resumes"])
    assert resumes[-1]["overrides"] == ["--set sampler.n_points=15"]
    assert resumes[-1]["sampler_options"] == {"n_points": 15}


def test_observables_only_run_needs_observables(tmp_path):
    path = write(tmp_path, "run.yaml", "parameters: {x: [0, 1]}\nlikelihoods: {}\n")
    assert error_of(path).startswith(f"{path}:2: likelihoods: expected at least one entry (or "
                                     "none, to compute only the capabilities listed under "
                                     "'observables:')")

