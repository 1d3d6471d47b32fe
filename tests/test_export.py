"""``python -m fit export``: a run as one flat CSV table, and the validation loop it serves
(a ``points`` run over reference-code inputs, exported with short names, scored by
``../shared/tools/compare_oracle.py``).

Expected values: the exported numbers must read back to the very floats in the HDF5 file;
the spectrum in the exported table must be the one `backends.nmssm_builtin.spectrum.compute`
gives for the same inputs called directly (the chain and the renaming of columns must not
change a point), and matrix entry ``Sij`` must be ``S[i-1, j-1]`` (SLHA2 numbering)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fit.cli import main
from fit.errors import FitError
from fit.export import write_csv
from fit.results import load
from fit.run import run

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ORACLE = SHARED / "reference" / "oracle" / "seed_A.csv"
SCORER = SHARED / "tools" / "compare_oracle.py"

RUN = """\
parameters:
  x: [-10, 10]
  y: [-10, 10]
  r: {prior: derived, expr: 'sqrt(x**2 + y**2)'}
likelihoods:
  gaussian: {parameters: [x, y], mean: [1.0, -1.0], sigma: [1.0, 2.0]}
  cut: {}
modules: [cut.py]
sampler: {name: points, file: points.csv}
"""
CUT = """
from fit import InvalidPoint, likelihood

@likelihood("cut")
def cut(x):
    if x > 3:
        raise InvalidPoint("cut", "x above 3")
    return 0.0
"""


@pytest.fixture
def toy_run(tmp_path: Path) -> Path:
    """Four given points, one of them invalid (x > 3)."""
    (tmp_path / "points.csv").write_text("id,x,y\nA,0.1,0.2\nB,5,0\nC,-1,1e-3\nD,0.3,-7\n")
    (tmp_path / "cut.py").write_text(CUT)
    (tmp_path / "run.yaml").write_text(RUN)
    return run(tmp_path / "run.yaml", output=tmp_path / "out")


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def exported(path: Path, **options) -> list[dict[str, str]]:
    """The rows of the table `write_csv` makes of a run."""
    target = path.parent / "table.csv"
    write_csv(load(path), target, **options)
    return table(target.read_text())


def test_the_default_table_holds_identity_validity_parameters_and_terms(toy_run):
    rows = exported(toy_run)
    r = load(toy_run)
    assert list(rows[0]) == ["point/id", "point/valid", "point/code", "point/loglike",
                             "sampler/outside_prior", "sampler/line", "sampler/id",
                             "parameters/x", "parameters/y", "parameters/r", "loglike/gaussian",
                             "loglike/cut"]
    assert [row["point/valid"] for row in rows] == ["1", "0", "1", "1"]
    assert [row["point/code"] for row in rows] == ["", "cut", "", ""]
    assert [row["sampler/id"] for row in rows] == ["A", "B", "C", "D"]
    # floats read back exactly; a term not computed (the invalid point's) is an empty cell
    for name in ("parameters/r", "point/loglike"):
        values = np.array([float(row[name]) for row in rows])
        np.testing.assert_array_equal(values, r.columns()[name])
    assert [row["loglike/cut"] == "" for row in rows] == [False, True, False, False]


def test_valid_only_columns_and_short_names(toy_run):
    rows = exported(toy_run, valid_only=True, short=True,
                    patterns=["sampler/id", "parameters/[xy]", "loglike/*"])
    assert list(rows[0]) == ["id", "x", "y", "gaussian", "cut"]
    assert [row["id"] for row in rows] == ["A", "C", "D"]


def test_short_names_that_clash_are_an_error_naming_both(toy_run):
    with pytest.raises(FitError) as info:
        exported(toy_run, short=True)
    assert str(info.value) == ("--short-names: 'id' would name point/id and sampler/id; leave "
                               "one out with --columns, or name one with --rename "
                               "sampler/id=NEW")
    rows = exported(toy_run, short=True, rename={"sampler/id": "name"})
    assert {"id", "name", "x", "gaussian"} <= set(rows[0])


def test_wrong_columns_and_renames_are_named(toy_run, capsys):
    assert main(["export", str(toy_run), "--csv", "-", "--columns", "parameters/z"]) == 2
    assert capsys.readouterr().err.startswith("error: --columns parameters/z: no dataset of ")
    assert main(["export", str(toy_run), "--csv", "-", "--rename", "parameters/z=zz"]) == 2
    assert capsys.readouterr().err.startswith("error: --rename parameters/z=...: no such column")
    assert main(["export", str(toy_run), "--csv", "-", "--rename", "parameters/x"]) == 2
    assert "expected COLUMN=NEW" in capsys.readouterr().err
    assert main(["export", str(toy_run.parent / "nothing.h5"), "--csv", "-"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_export_to_standard_output(toy_run, capsys):
    assert main(["export", str(toy_run), "--csv", "-", "--columns", "parameters/x"]) == 0
    assert capsys.readouterr().out == "parameters/x\n0.1\n5.0\n-1.0\n0.3\n"


# --- the validation loop: run, export, score ------------------------------------------------

needs_oracle = pytest.mark.skipif(not ORACLE.is_file() or not SCORER.is_file(),
                                  reason="needs ../shared/reference/oracle and the scorer")
INPUTS = ["tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3", "MU3", "MD3",
          "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda", "kappa", "Alambda", "Akappa",
          "mueff"]


@needs_oracle
def test_validation_loop_on_a_few_oracle_rows(tmp_path):
    """yaml/validate_nmssm.yaml on the first rows of seed_A.csv (read directly: its comment
    line, the 'idx' column, 'lambda' renamed), exported with short names, is scored as is."""
    lines = ORACLE.read_text().splitlines(keepends=True)
    oracle = tmp_path / "seed_A_head.csv"
    oracle.write_text("".join(lines[:14]))  # the comment, the header and 12 points
    out = tmp_path / "out"
    assert main([str(ROOT / "yaml" / "validate_nmssm.yaml"), "-q", "--output", str(out),
                 "--set", f"sampler.file={oracle}"]) == 0
    scored = tmp_path / "scored.csv"
    assert main(["export", str(out), "--csv", str(scored), "--short-names"]) == 0
    project = pd.read_csv(scored)
    reference = pd.read_csv(oracle, comment="#")
    np.testing.assert_array_equal(project["idx"], reference["idx"])
    np.testing.assert_array_equal(project["lambda_"], reference["lambda"])

    from backends.nmssm_builtin.checks import theory_checks
    from backends.nmssm_builtin.spectrum import compute

    params = {("lambda_" if k == "lambda" else k): reference[k].to_numpy(float) for k in INPUTS}
    spectrum = compute(params)
    bad, _ = theory_checks(spectrum, params, require_neutralino_lsp=False)
    np.testing.assert_array_equal(project["valid"].to_numpy(bool), ~bad)
    valid = ~bad
    assert valid.sum() >= 6
    for name in ("mh1", "mh2", "ma1", "mhc", "mneu1", "mneu5", "mcha1"):
        np.testing.assert_allclose(project[name][valid], spectrum[name][valid], rtol=1e-12)
        assert project[name][~valid].isna().all()
    for i, j in ((1, 1), (1, 2), (3, 2), (2, 3)):
        np.testing.assert_allclose(project[f"S{i}{j}"][valid],
                                   spectrum["S"][valid, i - 1, j - 1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(project["N54"][valid], spectrum["N"][valid, 4, 3], rtol=1e-12,
                               atol=1e-15)

    result = subprocess.run([sys.executable, str(SCORER), str(oracle), str(scored)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr  # 1: some observable short of its goal
    report = result.stdout
    for name in ("mh_sm", "mneu1", "mneu2", "mcha1", "mh1", "ma1", "mhc"):
        line = next(line for line in report.splitlines() if line.startswith(name + " "))
        assert "missing" not in line and " n=" in line, line
