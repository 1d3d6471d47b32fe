"""Hostile or absurd input stays a one-line error (or, for an absurd budget, a warning):
YAML alias and merge bombs, NUL bytes, deep nesting, huge and forbidden expressions,
non-finite numbers; and malformed SLHA output costs one point, with the line.

What `fit check` refuses is what the run refuses: both read the run file through
`fit.config.load_config`, which evaluates every derived parameter once; the command-line
tests below run both and compare.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backends.slha_program import SLHAProgram
from fit import InvalidPoint
from fit.config import load_config
from fit.errors import ConfigError
from fit.run import prepare

ROOT = Path(__file__).resolve().parents[1]
BASE = "parameters:\n  x: [0, 1]\nlikelihoods:\n  gaussian: {parameters: [x]}\n"


def write(tmp_path: Path, text: str, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def fit_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m fit ARGS``; the timeout only guards against a hang."""
    return subprocess.run([sys.executable, "-m", "fit", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


# -- YAML --------------------------------------------------------------------------------------

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi",
                                                                    strict=True))
MERGE = "a: &m0 {k0: 1, k1: 2}\n" + "".join(
    f"m{i + 1}: &m{i + 1} {{<<: [*m{i}, *m{i}], x{i}: 1}}\n" for i in range(40))


@pytest.mark.parametrize(("text", "expected"), [
    (LAUGHS + BASE, "expands to more than 100000 values through aliases"),
    (MERGE + BASE, "expands to more than 100000 values through aliases"),
    ("a: &a [*a]\n" + BASE, "an alias (*name) refers to a node that contains it"),
    (BASE + "model: x\0y\n", "character '\\x00' is not allowed"),
    ("model: " + "[" * 100_000 + "]" * 100_000 + "\n" + BASE, "nested more than 100 levels"),
], ids=["billion laughs", "merge bomb", "recursive alias", "NUL byte", "100000 brackets"])
def test_hostile_yaml_is_refused_in_one_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and "\n" not in message
    assert expected in message


def test_hostile_yaml_at_the_command_line(tmp_path):
    bomb = write(tmp_path, LAUGHS + BASE, "bomb.yaml")
    nul = write(tmp_path, BASE + "model: x\0y\n", "nul.yaml")
    assert one_line_error(fit_cli("check", bomb, cwd=tmp_path)).startswith(f"error: {bomb}:")
    assert one_line_error(fit_cli(nul, "--dry-run", cwd=tmp_path)).startswith(f"error: {nul}:5:")


def test_the_line_of_a_nul_byte_and_bytes_that_are_not_text(tmp_path):
    path = write(tmp_path, BASE + "model: x\0y\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 5
    path.write_bytes(BASE.encode() + b"model: \xff\n")
    with pytest.raises(ConfigError, match=rf"not UTF-8 text \(byte {len(BASE) + 7}\)"):
        load_config(path)


def test_anchors_and_aliases_of_ordinary_size_still_work(tmp_path):
    path = write(tmp_path, "parameters:\n  x: &r [0, 1]\n  y: *r\n"
                           "likelihoods:\n  gaussian: {parameters: [x, y]}\n")
    assert [p.name for p in load_config(path).space.sampled] == ["x", "y"]


def test_a_set_value_is_checked_like_the_file(tmp_path):
    from fit.config import Override

    path = write(tmp_path, BASE)
    with pytest.raises(ConfigError, match="refers to a node that contains it"):
        load_config(path, [Override("--set", "model=&a [*a]")])


# -- expressions: what the run refuses, check refuses --------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    ("x.__class__", "uses Attribute"),
    ("(lambda: 1)()", "calls lambda"),
    ("9**9**9**9", "Invalid exponent"),
    ("'abc'*10**9", "holds 'abc': only numbers"),
    ("[0]*10**9", "uses List"),
    ("x" + "+x" * 200_000, "longer than 10000 characters"),
    ("(" * 100_000 + "x" + ")" * 100_000, "longer than 10000 characters"),
    ("-" * 3000 + "x", "nested too deeply"),
    ('"x\\0"', "null bytes"),   # YAML's escape for a NUL byte inside double quotes
    ("10.0**400", "OverflowError"),
    ("1/(x - x)", None),   # NaN or inf at run time: a point's problem, not the file's
], ids=["attribute", "lambda", "power tower", "string", "list", "200000 terms",
        "100000 brackets", "3000 signs", "NUL byte", "overflow", "division by zero"])
def test_derived_expressions_are_refused_by_check_as_by_the_run(tmp_path, expr, expected):
    scalar = expr if expr.startswith('"') else repr(expr)
    text = BASE.replace("  x: [0, 1]\n", f"  x: [0, 1]\n  d: {{expr: {scalar}}}\n")
    path = write(tmp_path, text)
    if expected is None:
        assert load_config(path).space.derived[0].name == "d"
        return
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: parameters.d.expr: ")
    assert expected in message and "\n" not in message
    assert len(message) < 400


def test_check_and_run_refuse_an_expression_with_the_same_line(tmp_path):
    path = write(tmp_path, BASE.replace("  x: [0, 1]\n",
                                        "  x: [0, 1]\n  d: {expr: '9**9**9**9'}\n"))
    checked = one_line_error(fit_cli("check", path, cwd=tmp_path))
    ran = one_line_error(fit_cli(path, "--output", tmp_path / "out", cwd=tmp_path))
    assert checked == ran
    assert "parameters.d.expr" in checked and "Invalid exponent" in checked
    assert not (tmp_path / "out").exists()


# -- numbers that cannot make sense ------------------------------------------------------------

def test_a_range_wider_than_a_double_is_refused(tmp_path):
    path = write(tmp_path, BASE.replace("[0, 1]", "[-1.7e308, 1.7e308]"))
    with pytest.raises(ConfigError, match="wider than the largest double"):
        load_config(path)


@pytest.mark.parametrize("value", [".nan", "-.inf"])
def test_a_non_finite_floor_is_refused(tmp_path, value):
    path = write(tmp_path, BASE + f"invalid_loglike: {value}\n")
    with pytest.raises(ConfigError, match="invalid_loglike: expected a finite number"):
        load_config(path)


def test_non_finite_options_are_refused(tmp_path, registry):
    path = write(tmp_path, BASE + "sampler: {name: dynesty, dlogz: .nan}\n")
    with pytest.raises(ConfigError, match=r"sampler.dlogz: expected a finite number"):
        load_config(path)
    path = write(tmp_path, BASE.replace("{parameters: [x]}", "{parameters: [x], mean: [.inf]}"))
    with pytest.raises(ConfigError, match="option 'mean' expects finite numbers"):
        prepare(path, registry)


def test_an_absurd_budget_is_warned_about(tmp_path, caplog):
    path = write(tmp_path, BASE + "sampler: {name: random, n_points: 10000000000000000000000000"
                                  "0}\n")
    with caplog.at_level("WARNING"):
        load_config(path)
    assert "sampler.n_points = 1e+26 is more than any run can spend" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        load_config(write(tmp_path, BASE + "sampler: {name: random, n_points: 100000}\n"))
    assert caplog.text == ""


# -- SLHA output -------------------------------------------------------------------------------

@pytest.mark.parametrize(("output", "expected"), [
    ("BLOCK MASS\n  24  8.0E+01\n  25  1.2345E+0",   # cut short in the middle of a number
     "ends in the middle of line 3 ('25  1.2345E+0')"),
    ("BLOCK MASS\n  25  1.0E+99999   # h\n",
     "MASS 25 (mh) is inf, not a finite number (line 2: '25  1.0E+99999   # h')"),
    ("BLOCK MASS\n  25  NaN\n", "MASS 25 (mh) is 'NaN', not a finite number (line 2"),
    ("BLOCK MASS\n  25  1.2.5\n", "MASS 25 (mh) is '1.2.5', not a finite number"),
    ("BLOCK MASS\n  25  125.0\nBLOCK SMINPUTS\n  1  127.9\nBLOCK MASS\n  25  126.0\n",
     "writes MASS 2 times (lines 1, 5): MASS 25 (mh) is ambiguous"),
])
def test_malformed_slha_output_invalidates_the_point_with_the_line(tmp_path, output, expected):
    from backends.slha_program import SLHAValues

    script = tmp_path / "prog"
    script.write_text(f"#!{sys.executable}\nopen('output.slha', 'w').write({output!r})\n")
    script.chmod(0o755)
    program = SLHAProgram(command=[str(script)], template_text="BLOCK A\n 1 1\n",
                          scratch_dir=str(tmp_path / "scratch"))
    with pytest.raises(InvalidPoint) as info:
        SLHAValues(entries={"mh": ["MASS", 25]})(slha_output=program(params={}))
    assert info.value.code == "backend_output"
    assert expected in info.value.reason


def test_fortran_exponents_are_numbers(tmp_path):
    from backends.slha_program import SLHAValues, parse_slha

    out = parse_slha(textwrap.dedent("""\
        BLOCK MASS
            25     1.25D+02   # h
            35    -3.5d-1
        DECAY  25   4.1D-03
            5.8D-01    2     5    -5
        BLOCK SPINFO
             3   # Warning 1.0D+00 stays text
        """))
    values = SLHAValues(entries={"mh": ["MASS", 25], "mH": ["MASS", 35],
                                 "width": ["DECAY", 25]})(slha_output=out)
    assert values == {"mh": 125.0, "mH": -0.35, "width": 4.1e-3}
    assert out.doc.decays[25].decays[0].br == pytest.approx(0.58)
    assert out.warnings == ["Warning 1.0D+00 stays text"]
