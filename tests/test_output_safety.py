"""The run file survives a full disk, a failed write, a kill inside a flush, a second run on
the same file, a read-only directory; and is read back with one-line errors when it cannot be.

A full disk is simulated by making the operating system's write call fail the way a full
disk makes it fail (a short write, then ENOSPC) inside the real commit code; one test also
fills a real small file system where this machine lets a test mount one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from test_kill_resume import fit_args, flushed_points, write_run

from fit import journal
from fit.cli import info_text
from fit.errors import OutputError
from fit.evaluate import PointBatch
from fit.output import RunWriter
from fit.results import load
from fit.run import run
from fit.runlock import RunLock, lock_path

#: a 40 x 50 grid in batches of 100, one flush per batch: resumed by replay, so a resumed run
#: writes the file an uninterrupted one writes
GRID = """
    model: grid toy
    parameters:
      x: [-4, 4]
      y: [-5, 5]
    likelihoods:
      gaussian: {parameters: [x, y], mean: [0.5, -1.0], sigma: [1.0, 2.0]}
    sampler: {name: grid, points: [40, 50], batch_size: 100}
    output: {flush_seconds: 0}
    seed: 3
    """
N_GRID = 2000
COMPARED = ("point/id", "point/valid", "point/loglike", "parameters/x", "parameters/y",
            "cube/x", "cube/y", "loglike/gaussian")


def columns(path: Path) -> dict[str, np.ndarray]:
    r = load(path)
    every = {name: values for name, values in r.datasets()}
    return {name: every[name] for name in COMPARED}


def assert_prefix_of(path: Path, reference: dict[str, np.ndarray]) -> int:
    """The file holds the first rows of the reference run exactly; returns how many."""
    got = columns(path)
    n = len(got["point/id"])
    for name, values in reference.items():
        np.testing.assert_array_equal(got[name], values[:n], err_msg=name)
    return n


@pytest.fixture
def grid(write_yaml, tmp_path, registry) -> tuple[Path, dict[str, np.ndarray]]:
    """The grid run file and the columns of its uninterrupted run."""
    path = write_yaml(GRID)
    reference = columns(run(path, output=tmp_path / "reference" / "grid.h5"))
    assert len(reference["point/id"]) == N_GRID
    return path, reference


class FullDisk:
    """os.pwrite as on a disk that fills up during the commit after the first ``commits``
    ones (each commit writes one journal): a write that needs new space in a file whose name
    ends in ``target`` comes back short, the next fails with ENOSPC. Overwriting bytes a file
    already has needs no space and goes through, unless ``broken``: then every write to the
    file fails, with EIO (a failing device)."""

    def __init__(self, target: str, commits: int, *, broken: bool = False):
        self.target, self.commits, self.broken, self.real = target, commits, broken, os.pwrite
        self.seen, self.failures, self.short_write_done = 0, 0, False

    def __call__(self, fd: int, data, offset: int) -> int:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if name.endswith("-journal") and offset == 0:
            self.seen += 1
        if not name.endswith(self.target) or self.seen <= self.commits:
            return self.real(fd, data, offset)
        if offset + len(data) <= os.fstat(fd).st_size and not self.broken:
            return self.real(fd, data, offset)
        if not self.short_write_done and len(data) > 1:
            self.short_write_done = True
            return self.real(fd, memoryview(data)[:len(data) // 2], offset)
        self.failures += 1
        code = errno.EIO if self.broken else errno.ENOSPC
        raise OSError(code, os.strerror(code))


@pytest.mark.parametrize("where", ["journal", "file", "failing device"])
def test_a_failed_write_loses_no_written_point(grid, tmp_path, monkeypatch, where):
    """Disk full while the journal is written or while the file grows, or a device that fails
    every write: the run stops with a one-line error, the file holds the flushes before (at
    once, or once the journal is applied when it is next opened), resuming finishes the run."""
    path, reference = grid
    out = tmp_path / "out" / "grid.h5"
    # four flushes go through, then a write fails in the middle of the fifth
    disk = {"journal": FullDisk("-journal", 4), "file": FullDisk("grid.h5", 4),
            "failing device": FullDisk("grid.h5", 4, broken=True)}[where]
    monkeypatch.setattr(os, "pwrite", disk)
    with pytest.raises(OutputError) as info:
        run(path, output=out)
    monkeypatch.setattr(os, "pwrite", disk.real)
    message = str(info.value)
    assert disk.failures > 0
    assert "\n" not in message and "--resume" in message
    assert not lock_path(out).exists()                      # the lock went with the run
    # the rollback failed as well on the failing device: its journal stays for the next
    # opening (here the reader's, the device being replaced); else rolled back at once
    assert journal.journal_path(out).exists() == (where == "failing device")
    n = assert_prefix_of(out, reference)                    # readers see the last commit
    assert n == 400
    if where == "failing device":
        assert "Input/output error" in message
        assert f"grid.h5-journal next to it restores the {n} points" in message
    else:
        assert "no space left" in message
        assert f"the {n} points written before are intact" in message
    assert not journal.journal_path(out).exists()

    run(path, output=out, resume=True)                      # space freed, device replaced
    assert assert_prefix_of(out, reference) == N_GRID
    assert not journal.journal_path(out).exists()


def test_free_space_is_checked_before_a_flush(grid, tmp_path, monkeypatch):
    """Too little free space: the flush is refused before anything is written."""
    path, reference = grid
    out = tmp_path / "out" / "grid.h5"
    calls = {"n": 0}
    real = journal.free_bytes

    def shrinking(directory: Path) -> int:
        calls["n"] += 1
        return real(directory) if calls["n"] < 6 else journal.RESERVE + 10_000

    monkeypatch.setattr(journal, "free_bytes", shrinking)
    with pytest.raises(OutputError, match=r"no space left on its file system \(the write needs "
                                          r"[\d.]+ [kM]B, [\d.]+ MB are free"):
        run(path, output=out)
    monkeypatch.undo()
    n = assert_prefix_of(out, reference)
    assert n == 400   # the creation and four flushes had space
    run(path, output=out, resume=True)
    assert assert_prefix_of(out, reference) == N_GRID


def _kill_inside_a_commit(path: Path, pages_written: int) -> None:
    """Child process: append 100 rows to ``path`` and die (os._exit) after writing
    ``pages_written`` pages of the file itself, journal complete."""
    real = os.pwrite
    count = {"n": 0}

    def dying(fd: int, data, offset: int) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(path.name):
            if count["n"] == pages_written:
                os._exit(9)
            count["n"] += 1
        return real(fd, data, offset)

    os.pwrite = dying
    writer = RunWriter.resume(path, "h")
    writer.append(_batch(100, start=1000), cube=np.zeros((100, 1)), cube_names=["x"],
                  rank=np.zeros(100))
    writer.flush()
    os._exit(0)


def _batch(n: int, start: int = 0) -> PointBatch:
    x = np.arange(start, start + n, dtype=float)
    return PointBatch(params={"x": x}, loglike=-x, valid=np.ones(n, dtype=bool),
                      code=np.full(n, "", dtype=object), reason=np.full(n, "", dtype=object),
                      terms={"t": -x})


@pytest.mark.parametrize(("pages_written", "resume"), [(0, True), (3, False), (12, True)])
def test_a_kill_inside_a_commit_is_rolled_back(tmp_path, pages_written, resume):
    """A process killed while it writes a flush's pages leaves the journal: while a run holds
    the file, readers see the last commit without changing anything; otherwise the next
    writer, or reader, rolls the file back on disk."""
    path = tmp_path / "run.h5"
    writer = RunWriter.create(path, {"physics_hash": "h"})
    for k in range(5):
        writer.append(_batch(200, start=200 * k), cube=np.zeros((200, 1)), cube_names=["x"],
                      rank=np.zeros(200))
        writer.flush()
    writer.close()
    before = path.read_bytes()

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child dies inside
        _kill_inside_a_commit(path, pages_written)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9
    assert journal.journal_path(path).exists()

    live = RunLock.acquire(path)                     # as if a run held the file:
    r = load(path)                                   # a reader sees the last commit ...
    np.testing.assert_array_equal(r.parameters["x"], np.arange(1000))
    assert "points: 1000" in info_text(str(path))
    assert journal.journal_path(path).exists()       # ... and changes nothing on disk
    live.release()

    if resume:                                       # a writer rolls back first
        writer = RunWriter.resume(path, "h")
        assert writer.state.n_points == 1000
        writer.close()
    else:                                            # so does a reader, the run being dead
        np.testing.assert_array_equal(load(path).loglike, -np.arange(1000))
    assert not journal.journal_path(path).exists()
    with h5py.File(path, "r") as f:                  # and every other tool sees it too
        assert f["point/id"].shape == (1000,)
    np.testing.assert_array_equal(load(path).loglike, -np.arange(1000))
    assert len(path.read_bytes()) >= len(before)


def test_a_journal_of_another_file_is_not_applied(tmp_path):
    path = tmp_path / "run.h5"
    RunWriter.create(path, {"physics_hash": "h"}).close()
    other = tmp_path / "other.h5"
    RunWriter.create(other, {"physics_hash": "h"}).close()
    transaction = journal.Transaction(other)
    transaction.write(b"x")
    journal.journal_path(path).write_bytes(transaction._journal())  # names other's inode
    transaction.close()
    with pytest.raises(OutputError, match="was written for another file"):
        RunWriter.resume(path, "h")
    assert len(load(path)) == 0


def test_transaction_reads_back_what_it_wrote(tmp_path):
    """The paged file behaves as a plain file under random writes, reads and truncations."""
    rng = np.random.default_rng(5)
    path = tmp_path / "blob"
    start = rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    path.write_bytes(start)
    plain = bytearray(start)
    transaction = journal.Transaction(path)
    for _ in range(300):
        action = rng.integers(3)
        offset = int(rng.integers(0, 70_000))
        if action == 0:
            data = rng.integers(0, 256, int(rng.integers(1, 9000)), dtype=np.uint8).tobytes()
            transaction.seek(offset)
            transaction.write(data)
            if offset > len(plain):
                plain += bytes(offset - len(plain))
            plain[offset:offset + len(data)] = data
        elif action == 1:
            n = int(rng.integers(1, 9000))
            transaction.seek(offset)
            assert transaction.read(n) == bytes(plain[offset:offset + n])
        else:
            size = int(rng.integers(40_000, 70_000))
            transaction.truncate(size)
            plain = plain[:size] + bytes(max(0, size - len(plain)))
    assert path.read_bytes() == start                 # nothing on disk before the commit
    transaction.commit()
    transaction.close()
    assert path.read_bytes() == bytes(plain)
    assert not journal.journal_path(path).exists()


# -- two runs, one file ----------------------------------------------------------------------

def test_a_second_run_on_a_running_output_is_refused(tmp_path):
    """A second process with --overwrite (or --resume) on the file of a live run stops with a
    one-line error naming the live run's host and pid; the live run is not disturbed. Once
    the first is killed, its lock does not stay stuck."""
    run_file = write_run(tmp_path, "run.yaml", n_points=1_000_000, delay=0.002)
    out = tmp_path / "out" / "scan.h5"
    first = subprocess.Popen(fit_args(run_file, "--output", out, "-q"), cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while flushed_points(out) == 0 and time.monotonic() < deadline:
            assert first.poll() is None, first.communicate()
            time.sleep(0.02)
        for flag in ("--overwrite", "--resume"):
            second = subprocess.run(fit_args(run_file, "--output", out, flag), cwd=tmp_path,
                                    capture_output=True, text=True, timeout=60)
            assert second.returncode == 2
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert f"host {socket.gethostname()}, pid {first.pid}" in lines[0]
            assert "another run" in lines[0]
            assert first.poll() is None                  # still running
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    n = len(load(out))
    assert n > 0
    assert lock_path(out).exists()                       # left behind, but not held
    done = subprocess.run(fit_args(run_file, "--output", out, "--resume", "-q",
                                   "--set", f"sampler.n_points={n + 40}"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    r = load(out)
    assert np.array_equal(r.point["id"], np.arange(n + 40))   # one run's points, once each
    assert "resumes" in r.attrs
    assert not lock_path(out).exists()


# -- read-only output, unreadable files --------------------------------------------------------

@contextlib.contextmanager
def read_only_directory(path: Path):
    """``path`` as a directory this process cannot write: a read-only tmpfs mounted there
    (as root, where mounting is allowed), or permissions (as another user); else skip."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    mount = shutil.which("mount")
    if mount is None or subprocess.run([mount, "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs",
                                        str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only directory here (root, and mounting not allowed)")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_read_only_output_directory_is_a_one_line_error(tmp_path, write_yaml):
    path = write_yaml(GRID)
    with read_only_directory(tmp_path / "ro") as directory:
        result = subprocess.run(fit_args(path, "--output", directory / "grid.h5"),
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write the output {directory / 'grid.h5'}")
    assert "Read-only file system" in lines[0] or "Permission denied" in lines[0]


def test_a_read_only_file_system_is_a_one_line_error_everywhere(grid, tmp_path, monkeypatch):
    """The same, with the file system's refusal simulated (runs where nothing can be
    mounted): creating and resuming both stop with one line before anything is written."""
    path, _ = grid
    directory = tmp_path / "ro"
    directory.mkdir()
    real_open = os.open

    def read_only(name, flags, *args, **kwargs):
        if str(name).startswith(str(directory)) and flags & (os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(name))
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    for resume in (False, True):
        if resume:
            monkeypatch.undo()
            run(path, output=directory / "grid.h5")
            monkeypatch.setattr(os, "open", read_only)
        with pytest.raises(OutputError) as info:
            run(path, output=directory / "grid.h5", resume=resume, overwrite=not resume)
        message = str(info.value)
        assert message.startswith(f"cannot write the output {directory / 'grid.h5'}: "
                                  f"Read-only file system")
        assert "\n" not in message


def test_info_on_a_file_without_points_and_on_broken_files(tmp_path):
    """A run killed before its first flush leaves a file with no points: info says so. Files
    that are not run files, or not HDF5, give one-line errors."""
    path = tmp_path / "fresh.h5"
    RunWriter.create(path, {"physics_hash": "h", "model": "m"}).close()
    text = info_text(str(path))
    assert "points: 0" in text and "no valid point" in text

    old = tmp_path / "old.h5"   # the layout of earlier versions before the first flush
    with h5py.File(old, "w") as f:
        f.create_dataset("point/id", shape=(0,), maxshape=(None,), dtype="i8")
    assert "points: 0" in info_text(str(old))

    for name, content in (("cut.h5", path.read_bytes()[:700]), ("text.h5", b"hello\n" * 50)):
        (tmp_path / name).write_bytes(content)
        result = subprocess.run(fit_args("info", tmp_path / name), capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"error: cannot read {tmp_path / name}: ")


# -- a real small file system --------------------------------------------------------------------

@pytest.fixture
def small_filesystem(tmp_path):
    """A 4 MB tmpfs mounted for the test (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
            capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system is not allowed here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.mark.slow
def test_filling_a_real_file_system(tmp_path, small_filesystem):
    """The run fills a 4 MB file system: exit status 2 with a one-line error, every flushed
    point readable, and with space freed the run resumes and finishes."""
    module = tmp_path / "toy.py"
    module.write_text(textwrap.dedent('''
        from fit import likelihood

        @likelihood("wide", vectorised=True)
        def wide(x, y):
            return -0.5 * (x * x + y * y)
        '''))
    run_file = tmp_path / "fill.yaml"
    run_file.write_text(textwrap.dedent(f"""\
        modules: [{module}]
        parameters: {{x: [-5, 5], y: [-5, 5]}}
        likelihoods: {{wide: {{}}}}
        sampler: {{name: random, n_points: 400000, batch_size: 500}}
        output: {{flush_seconds: 0}}
        seed: 1
        """))
    out = small_filesystem / "fill.h5"
    ballast = small_filesystem / "ballast"
    ballast.write_bytes(bytes(2_000_000))
    full = subprocess.run(fit_args(run_file, "--output", out, "-q"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert full.returncode == 2, full.stderr
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and "no space left" in lines[0], full.stderr
    r = load(out)
    n = len(r)
    assert 0 < n < 400_000
    assert np.array_equal(r.point["id"], np.arange(n))
    np.testing.assert_allclose(r.loglike, -0.5 * (r.parameters["x"] ** 2 +
                                                  r.parameters["y"] ** 2))
    ballast.unlink()
    target = n + 5_000
    resumed = subprocess.run(fit_args(run_file, "--output", out, "--resume", "-q",
                                      "--set", f"sampler.n_points={target}"),
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    r2 = load(out)
    assert len(r2) == target
    np.testing.assert_array_equal(r2.parameters["x"][:n], r.parameters["x"])
    assert json.loads(r2.attrs["resumes"])[0]["first_id"] == n


def test_a_flush_left_to_the_pool_waits_for_flush_if_due(tmp_path):
    """Under MPI the pool writes while the workers compute: `append(timed_flush=False)`
    queues the points even when a flush is due, and `flush_if_due` writes them (rows beyond
    `flush_rows` are written at once, whatever is asked)."""
    path = tmp_path / "run.h5"
    writer = RunWriter.create(path, {"physics_hash": "h"}, flush_seconds=0.0)
    writer.append(_batch(10), cube=np.zeros((10, 1)), cube_names=["x"], rank=np.zeros(10),
                  timed_flush=False)
    assert len(load(path)) == 0
    writer.flush_if_due()
    assert len(load(path)) == 10
    writer.flush_rows = 5
    writer.append(_batch(6, start=10), cube=np.zeros((6, 1)), cube_names=["x"],
                  rank=np.zeros(6), timed_flush=False)
    np.testing.assert_array_equal(load(path).parameters["x"], np.arange(16))
    writer.close()
