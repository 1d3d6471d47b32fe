"""Orphaned ranks stop within seconds: when their launcher or rank 0 dies, with real processes.

`fit.parallel.Lifeline` is tested on process trees built here (a "launcher" process that
starts a "rank"; a "rank 0" beside a "worker"), since Open MPI's own mpirun already takes its
ranks down when it is killed; the last test kills a real mpirun during a run and checks the
file and the resume.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import MPI_ENV, MPIRUN, flushed_points

from fit.parallel import EXIT_ORPHANED
from fit.results import load

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

#: a rank that goes on computing; argv: marker file, launcher|rank0, pid to watch or "parent"
RANK = """
import os, signal, sys, time
from fit.parallel import Lifeline

def on_sigterm(signum, frame):
    with open(sys.argv[1], "w") as f:
        f.write("SIGTERM")

signal.signal(signal.SIGTERM, on_sigterm)
watched = os.getppid() if sys.argv[3] == "parent" else int(sys.argv[3])
is_rank0 = sys.argv[2] == "launcher"
Lifeline(launcher=watched if is_rank0 else None, rank0=None if is_rank0 else watched,
         stop=is_rank0, interval=0.1, grace=1.0).start()
print(os.getpid(), flush=True)
while True:
    sum(range(1000))
"""

#: starts a rank (its stdout passed on) and waits
LAUNCHER = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
time.sleep(600)
"""


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_a_rank_whose_launcher_is_killed_stops(tmp_path):
    """SIGKILL to the launcher: the rank (as rank 0) gets SIGTERM for a clean stop, and is
    gone within the grace period even though it ignores it."""
    marker = tmp_path / "marker"
    launcher = subprocess.Popen([sys.executable, "-c", textwrap.dedent(LAUNCHER),
                                 textwrap.dedent(RANK), str(marker), "launcher", "parent"],
                                cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True)
    rank = int(launcher.stdout.readline())
    try:
        time.sleep(0.5)
        assert running(rank) and not marker.exists()       # no false alarm
        launcher.send_signal(signal.SIGKILL)
        launcher.communicate()
        deadline = time.monotonic() + 10
        while running(rank) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(rank), "the orphaned rank kept running"
        assert marker.read_text() == "SIGTERM"
    finally:
        if running(rank):
            os.kill(rank, signal.SIGKILL)


def test_a_worker_whose_rank0_dies_exits(tmp_path):
    rank0 = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    worker = subprocess.Popen([sys.executable, "-c", textwrap.dedent(RANK), str(tmp_path / "m"),
                               "worker", str(rank0.pid)], cwd=ROOT, env=ENV,
                              stdout=subprocess.PIPE, text=True)
    try:
        worker.stdout.readline()
        time.sleep(0.5)
        assert worker.poll() is None
        rank0.kill()
        rank0.wait()
        assert worker.wait(timeout=10) == EXIT_ORPHANED
        assert not (tmp_path / "m").exists()   # workers are not sent SIGTERM
    finally:
        for proc in (rank0, worker):
            if proc.poll() is None:
                proc.kill()


SLOW = '''
import time

from fit import likelihood


@likelihood("slow_toy")
def slow_toy(x, y):
    time.sleep(0.002)
    return -0.5 * (x * x + y * y)
'''


def children_of(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(name))
    return found


@pytest.mark.mpi
@pytest.mark.skipif(MPIRUN is None, reason="mpirun not installed (see README)")
def test_sigkill_to_mpirun_stops_the_ranks_and_leaves_a_resumable_file(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW)
    run_file = tmp_path / "run.yaml"
    run_file.write_text(textwrap.dedent("""\
        modules: [slow.py]
        parameters: {x: [-5, 5], y: [-5, 5]}
        likelihoods: [slow_toy]
        sampler: {name: random, n_points: 100000, batch_size: 40}
        output: {flush_seconds: 0.1}
        seed: 5
        """))
    out = tmp_path / "run.h5"
    mpirun = subprocess.Popen([MPIRUN, "-n", "2", sys.executable, "-m", "fit", str(run_file),
                               "--output", str(out), "-q"], cwd=tmp_path,
                              env={**ENV, **MPI_ENV}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    ranks: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while flushed_points(out) < 200 and time.monotonic() < deadline:
            assert mpirun.poll() is None
            time.sleep(0.05)
        ranks = children_of(mpirun.pid)
        assert len(ranks) == 2
        mpirun.send_signal(signal.SIGKILL)
        mpirun.communicate()
        deadline = time.monotonic() + 15
        while any(running(r) for r in ranks) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(running(r) for r in ranks), "ranks outlived mpirun"
    finally:
        for pid in ranks:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        if mpirun.poll() is None:
            mpirun.kill()
            mpirun.communicate()
    r = load(out)
    n = len(r)
    assert n >= 200
    np.testing.assert_array_equal(r.point["id"], np.arange(n))
    resumed = subprocess.run([sys.executable, "-m", "fit", str(run_file), "--output", str(out),
                              "--resume", "-q", "--set", f"sampler.n_points={n + 200}"],
                             cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert len(load(out)) == n + 200
