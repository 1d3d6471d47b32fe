"""A scan killed with SIGKILL leaves a readable file, and ``--resume`` continues it.

The scans run as real subprocesses (``python -m fit RUN.yaml``) with a user
module whose likelihood sleeps about a millisecond per point, so that a kill
lands in the middle of the scan.

While a scan is running, these tests look at its file with h5py and
``locking=False``, not with `fit.results.load`: HDF5 locks a file while it is
open, and a reader holding that lock when the writer flushes makes the scan
fail (see `test_reading_a_running_scan_does_not_break_it`). Once the writer is
dead, everything is read with `fit.results.load`.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest

from fit.errors import OutputError
from fit.evaluate import PointBatch
from fit.output import RunWriter
from fit.results import Results, count, load

SLOW_MODULE = '''
import time

from fit import likelihood


@likelihood("slow_toy")
def slow_toy(x, y, *, delay: float = 0.001, centre: float = 0.0) -> float:
    """-r^2/2 around (centre, centre), after sleeping ``delay`` seconds (a slow backend)."""
    time.sleep(delay)
    return -0.5 * ((x - centre) ** 2 + (y - centre) ** 2)
'''

POINT_COLUMNS = {"id", "valid", "code", "reason", "rank", "loglike", "time", "skipped_after"}
STARTUP_TIMEOUT = 30.0  # seconds for a subprocess to write its first points


def write_run(tmp_path: Path, name: str, *, n_points: int, centre: float = 0.0,
              flush_seconds: float = 0.2, delay: float = 0.001) -> Path:
    """A run file for the slow toy (the module is written next to it)."""
    (tmp_path / "slow_toy.py").write_text(SLOW_MODULE)
    path = tmp_path / name
    path.write_text(textwrap.dedent(f"""\
        model: slow toy
        modules: [slow_toy.py]
        parameters:
          x: [-5, 5]
          y: [-5, 5]
        likelihoods:
          slow_toy: {{delay: {delay}, centre: {centre}}}
        sampler: {{name: random, n_points: {n_points}, batch_size: 20}}
        output: {{flush_seconds: {flush_seconds}}}
        seed: 7
        """))
    return path


def fit_args(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "fit", *map(str, args)]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start ``python -m fit ARGS`` in the background; stragglers are killed afterwards."""
    procs: list[subprocess.Popen] = []

    def launch(*args: str | Path) -> subprocess.Popen:
        proc = subprocess.Popen(fit_args(*args, "-q"), cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        return proc

    yield launch
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def fit_cli(*args: str | Path, cwd: Path, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(fit_args(*args), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def flushed_points(path: Path) -> int:
    """Points committed to the file of a running scan (0 if there is none yet): a flush
    being written does not count, since a kill at that moment undoes it."""
    try:
        return count(path)
    except OutputError:
        return 0


def wait_for_points(path: Path, proc: subprocess.Popen, more_than: int) -> int:
    """Wait until the running scan has written more than ``more_than`` points."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the scan ended (status {proc.returncode}) before it was killed:\n"
                        f"{proc.stderr.read()}")
        n = flushed_points(path)
        if n > more_than:
            return n
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    pytest.fail(f"no more than {more_than} points in {path} after {STARTUP_TIMEOUT} s")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def check_file(path: Path) -> Results:
    """The invariants every run file must satisfy, killed or not; returns its points.

    `load` reads first: a kill in the few milliseconds a flush takes to write leaves it
    half written on disk, which load (as the next run) undoes before anything else reads."""
    r = load(path)
    with h5py.File(path, "r") as f:  # opens with the default (locking) settings
        n_ids = f["point/id"].shape[0]
        lengths: dict[str, int] = {}
        f.visititems(lambda name, obj: lengths.__setitem__(name, obj.shape[0])
                     if isinstance(obj, h5py.Dataset) else None)
    expected = ({f"point/{c}" for c in POINT_COLUMNS} | {"parameters/x", "parameters/y",
                "cube/x", "cube/y", "loglike/slow_toy", "timing/slow_toy"})
    assert expected <= set(lengths)
    # rows beyond /point/id may only come from a flush cut short; readers ignore them
    assert all(length >= n_ids for length in lengths.values()), lengths
    n = len(r)
    assert n == n_ids
    assert set(r.point) == POINT_COLUMNS
    for name, values in r.columns().items():
        assert len(values) == n, name
    assert np.array_equal(r.point["id"], np.arange(n))
    assert n % 20 == 0  # whole batches only
    assert r.valid.all()
    assert np.array_equal(r.loglike, r.terms["slow_toy"])
    for name in ("x", "y"):
        np.testing.assert_allclose(r.parameters[name], -5 + 10 * r.cube[name], rtol=1e-12)
    return r


def snapshot(r: Results) -> dict[str, np.ndarray]:
    return {"x": r.parameters["x"].copy(), "y": r.parameters["y"].copy(),
            "cube_x": r.cube["x"].copy(), "loglike": r.loglike.copy()}


def assert_prefix_unchanged(r: Results, before: dict[str, np.ndarray]) -> None:
    n = len(before["x"])
    now = snapshot(r)
    for name, values in before.items():
        np.testing.assert_array_equal(now[name][:n], values, err_msg=name)


def resumes(r: Results) -> list[dict]:
    return json.loads(r.attrs["resumes"]) if "resumes" in r.attrs else []


def test_kill_then_resume(tmp_path: Path, start: Callable[..., subprocess.Popen]) -> None:
    run = write_run(tmp_path, "run.yaml", n_points=3000)
    out = tmp_path / "out" / "scan.h5"  # one file for every run file used below

    proc = start(run, "--output", out)
    wait_for_points(out, proc, more_than=200)  # at least two flushes
    kill(proc)

    killed = check_file(out)
    n_killed = len(killed)
    assert 0 < n_killed < 3000
    assert "resumes" not in killed.attrs
    before = snapshot(killed)

    done = fit_cli(run, "--output", out, "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    r = check_file(out)
    assert len(r) == 3000
    assert_prefix_unchanged(r, before)
    assert len(resumes(r)) == 1
    assert r.attrs["seed"] == killed.attrs["seed"] == 7
    assert r.attrs["physics_hash"] == killed.attrs["physics_hash"]
    assert r.attrs["start_time"] == killed.attrs["start_time"]
    # the resumed run draws new points, not the ones written before the kill again
    old = set(zip(before["x"], before["y"], strict=True))
    new = set(zip(r.parameters["x"][n_killed:], r.parameters["y"][n_killed:], strict=True))
    assert len(new) == 3000 - n_killed
    assert not old & new
    before = snapshot(r)

    # neither --resume nor --overwrite: refused, file untouched
    again = fit_cli(run, "--output", out, cwd=tmp_path)
    assert again.returncode == 2
    assert "--resume" in again.stderr and "--overwrite" in again.stderr
    assert len(load(out)) == 3000

    # the likelihood's options changed: a resume is refused unless forced
    changed = write_run(tmp_path, "changed.yaml", n_points=3040, centre=1.0)
    refused = fit_cli(changed, "--output", out, "--resume", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    r = load(out)
    assert len(r) == 3000 and len(resumes(r)) == 1

    forced = fit_cli(changed, "--output", out, "--resume", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    r = check_file(out)
    assert len(r) == 3040
    assert len(resumes(r)) == 2
    forced_entry = resumes(r)[1]
    assert forced_entry["first_id"] == 3000
    assert "centre: 1.0" in forced_entry["config"]  # the YAML the new points used
    assert "config" not in resumes(r)[0]  # an ordinary resume changed nothing
    assert_prefix_unchanged(r, before)
    x, y = r.parameters["x"][3000:], r.parameters["y"][3000:]
    np.testing.assert_allclose(r.terms["slow_toy"][3000:], -0.5 * ((x - 1) ** 2 + (y - 1) ** 2))

    # --overwrite starts again from an empty file
    small = write_run(tmp_path, "small.yaml", n_points=60)
    replaced = fit_cli(small, "--output", out, "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    r = check_file(out)
    assert len(r) == 60
    assert "resumes" not in r.attrs
    assert "n_points\": 60" in r.attrs["sampler_options"]


def test_repeated_kills(tmp_path: Path, start: Callable[..., subprocess.Popen]) -> None:
    """Five kills at different moments of the flush cycle, each run resuming the last."""
    run = write_run(tmp_path, "run.yaml", n_points=100_000, flush_seconds=0.05)
    out = tmp_path / "scan.h5"
    before: dict[str, np.ndarray] | None = None
    n = 0
    for i, extra_delay in enumerate((0.0, 0.013, 0.029, 0.041, 0.1)):
        proc = start(run, "--output", out, *(["--resume"] if i else []))
        wait_for_points(out, proc, more_than=n)  # the run got going: it wrote new points
        time.sleep(extra_delay)
        kill(proc)
        r = check_file(out)
        assert len(r) > n
        assert len(resumes(r)) == i
        if before is not None:
            assert_prefix_unchanged(r, before)
        before, n = snapshot(r), len(r)

    # finish with a smaller target: sampler options may change on resume
    target = n + 100
    last = write_run(tmp_path, "last.yaml", n_points=target, flush_seconds=0.05)
    done = fit_cli(last, "--output", out, "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    r = check_file(out)
    assert len(r) == target
    assert len(resumes(r)) == 5
    assert_prefix_unchanged(r, before)
    # `info` names the settings of the part that changed them, and only of that part
    shown = fit_cli("info", out, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    resumed = [line for line in shown.stdout.splitlines() if line.startswith("resumed:")]
    assert len(resumed) == 5
    assert not any("sampler" in line for line in resumed[:4])
    assert f'"n_points": {target}' in resumed[4]


def test_info_prints_best_point(tmp_path: Path, registry) -> None:
    """``python -m fit info`` shows the best valid point and its log-likelihood terms."""
    from fit.run import run

    path = tmp_path / "counting.yaml"
    path.write_text(textwrap.dedent("""\
        model: counting plus a Gaussian constraint
        parameters:
          mass: {prior: log, range: [100, 2000]}
          coupling: {prior: uniform, range: [0, 5]}
        likelihoods:
          counting: {observed: 10, background: 8.0}
          gaussian: {parameters: [coupling], mean: [1.0], sigma: [0.5]}
        rules:
          cross_section: xsec_leading_order
        sampler: {name: random, n_points: 2000}
        seed: 3
        """))
    out = run(path, output=tmp_path / "out")
    r = load(out)
    valid = r.valid
    assert 0 < valid.sum() < len(r)  # couplings above sqrt(4 pi) are invalid
    best = int(np.argmax(np.where(valid, r.loglike, -np.inf)))

    shown = fit_cli("info", out, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    match = re.search(r"best point: id (\d+), lnL = (\S+)", text)
    assert match, text
    assert int(match.group(1)) == r.point["id"][best]
    assert float(match.group(2)) == pytest.approx(r.loglike[valid].max(), rel=1e-5)
    assert f"points: {len(r)}" in text
    assert f"invalid: nonperturbative {int((~valid).sum())}" in text

    terms = text.split("likelihood terms (lnL):\n", 1)[1].splitlines()
    printed = {}
    for line in terms:
        if not line.startswith("    "):
            break
        name, value = line.split()
        printed[name] = float(value)
    assert set(printed) == {"counting", "gaussian"}
    for name, value in printed.items():
        assert value == pytest.approx(r.terms[name][best], rel=1e-5, abs=1e-9)
    assert sum(printed.values()) == pytest.approx(r.loglike[best], rel=1e-5, abs=1e-9)


def test_reading_a_running_scan_does_not_break_it(tmp_path: Path,
                                                  start: Callable[..., subprocess.Popen]
                                                  ) -> None:
    """fit.results.load is documented to read 'a run still going': that must not stop it."""
    run = write_run(tmp_path, "run.yaml", n_points=1500, flush_seconds=0.05)
    out = tmp_path / "scan.h5"
    proc = start(run, "--output", out)
    reads = 0
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OutputError):  # not there yet, or busy: fine for a reader
            reads += len(load(out)) > 0
        time.sleep(0.002)
    if proc.poll() is None:
        proc.kill()
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr[-2000:]
    assert reads > 0
    assert len(load(out)) == 1500


def _batch(n: int, *, with_observable: bool) -> PointBatch:
    batch = PointBatch(params={"x": np.arange(n, dtype=float)}, loglike=np.zeros(n),
                       valid=np.ones(n, dtype=bool), code=np.full(n, "", dtype=object),
                       reason=np.full(n, "", dtype=object), terms={"t": np.zeros(n)})
    if with_observable:
        batch.observables["obs"] = np.ones(n)
    return batch


def test_rows_of_a_flush_cut_short_are_overwritten(tmp_path: Path) -> None:
    """Rows beyond /point/id (a flush cut short) are ignored by load and replaced on resume."""
    path = tmp_path / "cut.h5"
    writer = RunWriter.create(path, {"physics_hash": "h"})
    writer.append(_batch(3, with_observable=True), cube=np.zeros((3, 1)), cube_names=["x"],
                  rank=np.zeros(3))
    writer.close()
    with h5py.File(path, "a") as f:  # what a kill between the columns and /point/id leaves
        for name in ("parameters/x", "loglike/t", "observables/obs", "cube/x"):
            f[name].resize(5, axis=0)
            f[name][3:] = 999.0
    assert len(load(path)) == 3
    assert np.array_equal(load(path).parameters["x"], [0, 1, 2])

    writer = RunWriter.resume(path, "h")
    assert writer.state.n_points == writer.state.next_id == 3
    writer.append(_batch(2, with_observable=True), cube=np.zeros((2, 1)), cube_names=["x"],
                  rank=np.zeros(2))
    writer.close()
    r = load(path)
    assert np.array_equal(r.point["id"], np.arange(5))
    assert np.array_equal(r.parameters["x"], [0, 1, 2, 0, 1])
    assert np.array_equal(r.observables["obs"], np.ones(5))


def test_stale_rows_do_not_resurface_in_missing_columns(tmp_path: Path) -> None:
    """A column absent from the next chunk must read as NaN there, not as stale rows."""
    path = tmp_path / "cut.h5"
    writer = RunWriter.create(path, {"physics_hash": "h"})
    writer.append(_batch(3, with_observable=True), cube=np.zeros((3, 1)), cube_names=["x"],
                  rank=np.zeros(3))
    writer.close()
    with h5py.File(path, "a") as f:
        for name in ("parameters/x", "loglike/t", "observables/obs", "cube/x"):
            f[name].resize(5, axis=0)
            f[name][3:] = 999.0
    writer = RunWriter.resume(path, "h")
    writer.append(_batch(2, with_observable=False), cube=np.zeros((2, 1)), cube_names=["x"],
                  rank=np.zeros(2))
    writer.close()
    obs = load(path).observables["obs"]
    np.testing.assert_array_equal(obs, [1, 1, 1, np.nan, np.nan])


def test_resume_of_a_file_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.h5"
    h5py.File(path, "w").close()
    with pytest.raises(OutputError, match="not a fit run file"):
        RunWriter.resume(path, "h", force=True)


def test_changing_a_user_module_changes_the_physics_hash(tmp_path: Path) -> None:
    """Editing the code of a provider module listed under modules: blocks a plain resume."""
    from fit.config import load_config

    run = write_run(tmp_path, "run.yaml", n_points=10)
    before = load_config(run).physics_hash()
    module = tmp_path / "slow_toy.py"
    module.write_text(module.read_text().replace("0.5", "0.25"))
    assert load_config(run).physics_hash() != before
