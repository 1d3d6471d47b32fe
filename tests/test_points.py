"""The ``points`` sampler: given points (CSV rows or an earlier run's points) through the chain.

Expected values come from the definitions: the log-likelihood of the correlated Gaussian at
a point is `likelihoods.toys.CorrelatedGaussian` evaluated there directly; the unit-cube
coordinate of a given value is the prior's cumulative distribution (uniform: linear, log:
logarithmic, Gaussian: the normal CDF); a point outside the box has a coordinate outside
[0, 1]."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import MPI_ENV, MPIRUN
from scipy import stats

from fit.config import Override
from fit.errors import ConfigError, FitError
from fit.priors import Gaussian, LogUniform, Uniform
from fit.results import load
from fit.run import prepare, run
from likelihoods.toys import CorrelatedGaussian

ROOT = Path(__file__).resolve().parents[1]
GAUSSIAN = {"mean": [1.0, -1.0], "sigma": [1.0, 2.0], "correlation": 0.5}

RUN = """\
parameters:
  x: {prior: uniform, range: [-10, 10]}
  y: {prior: uniform, range: [-10, 10]}
  lumi: 139
  r: {prior: derived, expr: 'sqrt(x**2 + y**2)'}
likelihoods:
  gaussian: {parameters: [x, y], mean: [1.0, -1.0], sigma: [1.0, 2.0], correlation: 0.5}
sampler: {name: points, file: points.csv, batch_size: 2}
"""

CSV = """\
# benchmark points of a made-up paper, with a name per point
id,x_paper,y,comment
BP1,1.0,-1.0,the best fit
BP2,0.5,2,
BP3,12,0,outside the box
BP4,-3,3e-1,"quoted, with a comma"
"""


def expected_loglike(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The Gaussian toy evaluated directly (not through the chain)."""
    return CorrelatedGaussian(parameters=["x", "y"], **GAUSSIAN)(x=np.asarray(x, float),
                                                                 y=np.asarray(y, float))


def setup(tmp_path: Path, csv: str = CSV, run_text: str = RUN) -> Path:
    (tmp_path / "points.csv").write_text(csv)
    path = tmp_path / "run.yaml"
    path.write_text(run_text)
    return path


def sets(*texts: str) -> list[Override]:
    return Override.from_command_line(None, texts)


def config_error(path: Path, *texts: str) -> str:
    with pytest.raises(ConfigError) as info:
        prepare(path, overrides=sets(*texts))
    return str(info.value)


def test_rows_are_evaluated_with_their_ids_lines_and_flags(tmp_path):
    path = setup(tmp_path)
    out = run(path, output=tmp_path / "out",
              overrides=sets("sampler.columns={x_paper: x}"))
    r = load(out)
    x, y = np.array([1.0, 0.5, 12.0, -3.0]), np.array([-1.0, 2.0, 0.0, 0.3])
    np.testing.assert_array_equal(r.parameters["x"], x)
    np.testing.assert_array_equal(r.parameters["y"], y)
    np.testing.assert_array_equal(r.parameters["lumi"], 139.0)          # fixed: the YAML value
    np.testing.assert_allclose(r.parameters["r"], np.hypot(x, y), rtol=1e-15)  # derived
    np.testing.assert_allclose(r.terms["gaussian"], expected_loglike(x, y), rtol=1e-12)
    assert r.valid.all()
    assert list(r.sampler["id"]) == ["BP1", "BP2", "BP3", "BP4"]
    np.testing.assert_array_equal(r.sampler["line"], [3, 4, 5, 6])
    np.testing.assert_array_equal(r.sampler["outside_prior"], [False, False, True, False])
    # the cube is the prior's CDF: linear for a uniform prior, outside [0, 1] outside the box
    np.testing.assert_allclose(r.cube["x"], (x + 10) / 20, rtol=1e-15)
    assert r.cube["x"][2] > 1
    assert "posterior" not in h5py.File(out, "r")            # given points are no posterior
    with h5py.File(out, "r") as f:
        info = dict(f["sampler_info"].attrs)
    assert info["kind"] == "points" and info["points"] == 4 and info["outside_prior"] == 1


def test_points_outside_the_prior_can_be_rejected(tmp_path):
    path = setup(tmp_path)
    out = run(path, output=tmp_path / "out",
              overrides=sets("sampler.columns={x_paper: x}", "sampler.outside_prior=reject"))
    r = load(out)
    np.testing.assert_array_equal(r.sampler["line"], [3, 4, 6])
    assert not r.sampler["outside_prior"].any()


def test_given_fixed_and_derived_values_are_used_and_flagged_where_they_differ(tmp_path):
    csv = "x,y,lumi,r\n1,1,139,1.4142135623730951\n1,1,140,1.4142135623730951\n1,1,139,3\n"
    path = setup(tmp_path, csv)
    r = load(run(path, output=tmp_path / "out"))
    np.testing.assert_array_equal(r.parameters["lumi"], [139, 140, 139])
    np.testing.assert_array_equal(r.parameters["r"], [np.sqrt(2), np.sqrt(2), 3])
    np.testing.assert_array_equal(r.sampler["outside_prior"], [False, True, True])


@pytest.mark.parametrize(("prior", "values", "cube"), [
    (Uniform("p", low=2, high=4), [2, 3, 5], [0, 0.5, 1.5]),
    (LogUniform("p", low=1, high=100), [1, 10, 1000, -1], [0, 0.5, 1.5, np.nan]),
    (Gaussian("p", mean=1, sigma=2), [1, 3], [0.5, stats.norm.cdf(1)]),
    (Gaussian("p", mean=0, sigma=1, low=-1, high=1), [0, -2],
     [0.5, (stats.norm.cdf(-2) - stats.norm.cdf(-1)) / (stats.norm.cdf(1) - stats.norm.cdf(-1))]),
    (Gaussian("p", mean=0, sigma=1, low=30, high=31), [30.5],
     [(stats.norm.sf(30) - stats.norm.sf(30.5)) / (stats.norm.sf(30) - stats.norm.sf(31))]),
])
def test_the_cube_of_a_given_value_is_the_prior_cdf(prior, values, cube):
    np.testing.assert_allclose(prior.to_cube(np.array(values, float)), cube, rtol=1e-9)
    u = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(prior.to_cube(prior.transform(u)), u, rtol=1e-9)


def points_run_file(tmp_path: Path, sampler: str) -> Path:
    path = tmp_path / "again.yaml"
    path.write_text(RUN.replace("file: points.csv, batch_size: 2", sampler))
    return path


def test_an_earlier_run_is_evaluated_again_valid_points_only(tmp_path):
    first = setup(tmp_path, run_text=RUN.replace(
        "sampler: {name: points, file: points.csv, batch_size: 2}",
        "sampler: {name: random, n_points: 50}\ninvalid_loglike: -1.0e+100\nseed: 3"))
    old = load(run(first, output=tmp_path / "old"))
    # make a third of the old points invalid: a cut in a module of the user's
    (tmp_path / "cut.py").write_text(textwrap.dedent("""
        from fit import InvalidPoint, likelihood

        @likelihood("cut")
        def cut(x):
            if x > 3:
                raise InvalidPoint("cut", "x above 3")
            return 0.0
        """))
    cut = tmp_path / "cut.yaml"
    cut.write_text(RUN.replace("likelihoods:\n", "modules: [cut.py]\nlikelihoods:\n  cut: {}\n")
                   .replace("file: points.csv", f"file: {old.path}"))
    with_cut = load(run(cut, output=tmp_path / "cut"))
    assert not with_cut.valid.all() and with_cut.valid.any()
    np.testing.assert_array_equal(with_cut.sampler["source_id"], old.point["id"])
    np.testing.assert_array_equal(with_cut.parameters["x"], old.parameters["x"])
    np.testing.assert_allclose(with_cut.terms["gaussian"][with_cut.valid],
                               old.terms["gaussian"][with_cut.valid], rtol=1e-14)
    again = load(run(points_run_file(tmp_path, f"file: {with_cut.path}, valid_only: true"),
                     output=tmp_path / "again"))
    np.testing.assert_array_equal(again.sampler["source_id"], with_cut.point["id"][with_cut.valid])


def test_an_earlier_points_run_keeps_its_id_column(tmp_path):
    path = setup(tmp_path)
    first = load(run(path, output=tmp_path / "first", overrides=sets(
        "sampler.columns={x_paper: x}")))
    again = load(run(points_run_file(tmp_path, f"file: {first.path}"), output=tmp_path / "again"))
    assert list(again.sampler["id"]) == list(first.sampler["id"])


def test_resume_continues_after_the_written_points(tmp_path):
    csv = "x,y\n" + "".join(f"{0.1 * i},{-0.2 * i}\n" for i in range(9))
    path = setup(tmp_path, csv)
    out = run(path, output=tmp_path / "out")
    whole = load(out)
    with h5py.File(out, "a") as f:  # a kill after the first two flushed batches
        f["point/id"].resize(4, axis=0)
    run(path, output=tmp_path / "out", resume=True)
    resumed = load(out)
    for name in ("x", "y", "r"):
        np.testing.assert_array_equal(resumed.parameters[name], whole.parameters[name])
    np.testing.assert_array_equal(resumed.point["id"], np.arange(9))
    np.testing.assert_array_equal(resumed.sampler["line"], whole.sampler["line"])
    # a changed file cannot be resumed into this output
    with h5py.File(out, "a") as f:
        f["point/id"].resize(4, axis=0)
    (tmp_path / "points.csv").write_text(csv.replace("0.1,-0.2", "0.15,-0.2"))
    with pytest.raises(FitError, match="its 4 points are not the first 4 points of"):
        run(path, output=tmp_path / "out", resume=True)


# --- wrong input ----------------------------------------------------------------------------


def test_missing_parameters_are_named_in_one_error(tmp_path):
    path = setup(tmp_path)
    message = config_error(path)
    csv = tmp_path / "points.csv"
    assert message.startswith(f"{csv}:2: no column for the sampled parameter(s) x; 'x' (did "
                              "you mean 'x_paper'?) (rename a column with 'columns: {column: "
                              "parameter}')")
    (tmp_path / "points.csv").write_text("a,b\n1,2\n")
    assert "no column for the sampled parameter(s) x, y" in config_error(path)


def test_malformed_rows_stop_the_run_or_are_skipped(tmp_path):
    csv = "x,y\n1,2\n3,abc\n4\n\n5,nan\n6,7\n"
    path = setup(tmp_path, csv)
    with pytest.raises(ConfigError) as info:
        run(path, output=tmp_path / "out")
    assert str(info.value).startswith(f"{tmp_path / 'points.csv'}:3: column 'y': expected a "
                                      "number, got 'abc'")
    r = load(run(path, output=tmp_path / "out", overwrite=True,
                 overrides=sets("sampler.malformed=skip")))
    np.testing.assert_array_equal(r.sampler["line"], [2, 7])
    with h5py.File(r.path) as f:
        skipped = f["sampler_info"].attrs["malformed_skipped"]
    assert "expected 2 fields as in the header (line 1), got 1" in skipped
    assert "5,nan" not in skipped and "nan is not a finite number" in skipped


@pytest.mark.parametrize(("override", "message"), [
    ("sampler.file=nowhere.csv", "--set sampler.file: no such file: nowhere.csv"),
    ("sampler.columns={x_papr: x}", "sampler.columns: {csv} has no column 'x_papr' (did you "
                                    "mean 'x_paper'?)"),
    ("sampler.columns={x_paper: z}", "sampler.columns: 'z' is not a parameter of the run file"),
    ("sampler.columns={x_paper: x, comment: x}", "sampler.columns: columns 'x_paper' and "
                                                 "'comment' both give the parameter 'x'"),
    ("sampler.id_column=name", "--set sampler.id_column: {csv} has no column 'name'"),
    ("sampler.valid_only=true", "--set sampler.valid_only: 'valid_only' selects the valid "
                                "points of an earlier run's HDF5 file; this is a CSV file"),
    ("sampler.outside_prior=flg", "--set sampler.outside_prior: sampler 'points' option "
                                  "'outside_prior' expects 'flag' or 'reject', got str 'flg'"),
    ("sampler.malformed=true", "--set sampler.malformed: sampler 'points' option 'malformed' "
                               "expects 'skip' or 'stop', got bool True"),
    ("sampler.columns=[x]", "--set sampler.columns: sampler 'points' option 'columns' expects "
                            "dict"),
    ("sampler.batch_size=0", "--set sampler.batch_size: expected a batch size >= 1, got 0"),
    ("sampler.id_column=outside_prior", "--set sampler.id_column: {csv} has no column "
                                        "'outside_prior'"),
])
def test_wrong_options_are_located(tmp_path, override, message):
    path = setup(tmp_path)
    csv = tmp_path / "points.csv"
    got = config_error(path, "sampler.columns={x_paper: x}", override)
    expected = message.format(csv=csv)
    if not expected.startswith("--set"):
        expected = f"--set {expected}"
    assert got.startswith(expected), got


def test_a_file_option_in_the_yaml_is_read_relative_to_it(tmp_path):
    path = setup(tmp_path, run_text=RUN.replace("file: points.csv", "file: data/points.csv"))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text(CSV.replace("x_paper", "x"))
    assert prepare(path).sampler_options["file"] == tmp_path / "data" / "points.csv"
    (tmp_path / "data" / "points.csv").unlink()
    assert config_error(path).startswith(f"{path}:8: sampler.file: no such file: "
                                         f"{tmp_path / 'data' / 'points.csv'}")


def test_a_header_with_a_column_twice(tmp_path):
    path = setup(tmp_path, "x,y,x\n1,2,3\n")
    assert config_error(path) == (f"{tmp_path / 'points.csv'}:1: column 'x' appears twice in "
                                  "the header")


@pytest.mark.mpi
@pytest.mark.skipif(MPIRUN is None, reason="needs mpirun")
def test_two_ranks_evaluate_the_points_of_a_serial_run(tmp_path):
    csv = "id,x,y\n" + "".join(f"P{i},{0.1 * i},{-0.2 * i}\n" for i in range(40))
    path = setup(tmp_path, csv)
    serial = load(run(path, output=tmp_path / "serial"))
    command = [MPIRUN, "-n", "2", sys.executable, "-m", "fit", str(path), "-q", "--output",
               str(tmp_path / "mpi"), "--set", "sampler.batch_size=10"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, **MPI_ENV,
                                 "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    parallel = load(tmp_path / "mpi")
    assert set(parallel.point["rank"]) == {0, 1}
    np.testing.assert_array_equal(parallel.parameters["x"], serial.parameters["x"])
    # the Gaussian's vectorised log-density may differ in the last bit between batch sizes
    np.testing.assert_allclose(parallel.loglike, serial.loglike, rtol=1e-13)
    assert list(parallel.sampler["id"]) == list(serial.sampler["id"])


def test_a_file_given_with_set_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    path = setup(tmp_path, CSV.replace("x_paper", "x"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    options = prepare(path, overrides=sets("sampler.file=../points.csv")).sampler_options
    assert options["file"] == Path("../points.csv")


def test_the_run_may_not_read_its_own_output(tmp_path):
    path = setup(tmp_path, CSV.replace("x_paper", "x"))
    out = run(path, output=tmp_path / "out")
    before = out.read_bytes()
    with pytest.raises(ConfigError, match="is this run's own output"):
        run(path, output=out, overwrite=True, overrides=sets(f"sampler.file={out}"))
    assert out.read_bytes() == before
