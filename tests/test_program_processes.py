"""External programs die with the run, also by SIGKILL and also if they call setsid; scratch
directories of dead processes are removed by the next process that makes one.

Real processes throughout: a driver process runs `SLHAProgram` on a "program" (a Python script)
that starts a child in its process group and a grandchild in a session of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backends.slha_program import OWNER, SLHAProgram, make_scratch, remove_stale_scratch
from fit import InvalidPoint

ROOT = Path(__file__).resolve().parents[1]

#: writes "<its pid> <child pid> <setsid grandchild pid>" to argv[1], then hangs
HANGING = """
import os, subprocess, sys, time
sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
child = subprocess.Popen(sleeper)
detached = subprocess.Popen(sleeper, start_new_session=True)   # leaves the process group
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {child.pid} {detached.pid}")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
"""

DRIVER = """
import sys
from backends.slha_program import SLHAProgram

program = SLHAProgram(command=[sys.argv[1], sys.argv[2]], template_text="BLOCK A\\n 1 1\\n",
                      scratch_dir=sys.argv[3], timeout=600)
print(program.workdir, flush=True)
program(params={})
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def wait_for(path: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture
def hanging(tmp_path: Path) -> Path:
    script = tmp_path / "hanging"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(HANGING))
    script.chmod(0o755)
    return script


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_sigkill_of_the_run_kills_the_program_and_all_it_started(tmp_path, hanging):
    pids_file = tmp_path / "pids"
    scratch = tmp_path / "scratch"
    driver = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(DRIVER), str(hanging), str(pids_file),
         str(scratch)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        workdir = Path(driver.stdout.readline().strip())
        wait_for(pids_file)
        pids = [int(p) for p in pids_file.read_text().split()]
        assert all(alive(p) for p in pids) and workdir.is_dir()
        driver.send_signal(signal.SIGKILL)
        driver.communicate(timeout=10)
        assert wait_gone(pids) == [], "processes outlived the run"
        deadline = time.monotonic() + 10
        while workdir.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not workdir.exists(), "the scratch directory outlived the run"
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
        if pids_file.exists():
            for pid in pids_file.read_text().split():
                if alive(int(pid)):
                    os.kill(int(pid), signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_the_timeout_kills_a_grandchild_that_called_setsid(tmp_path, hanging):
    pids_file = tmp_path / "pids"
    program = SLHAProgram(command=[str(hanging), str(pids_file)], template_text="BLOCK A\n 1 1\n",
                          scratch_dir=str(tmp_path / "scratch"), timeout=2.0)
    with pytest.raises(InvalidPoint) as info:
        program(params={})
    assert info.value.code == "timeout"
    pids = [int(p) for p in pids_file.read_text().split()]
    assert wait_gone(pids, 5.0) == [], "a process survived the timeout"


def _make_and_die(parent: str) -> None:  # pragma: no cover - runs in a child that is killed
    directory, _ = make_scratch(Path(parent), "fit-slha_output-pid1")
    (directory / "input.slha").write_text("left behind\n")
    os.kill(os.getpid(), signal.SIGKILL)


def test_scratch_directories_of_dead_processes_are_removed_at_the_next_start(tmp_path):
    parent = tmp_path / "scratch"
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        _make_and_die(str(parent))
    os.waitpid(pid, 0)
    (stale,) = parent.glob("fit-*")
    assert (stale / OWNER).exists()
    living = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from backends.slha_program import make_scratch; "
         "print(make_scratch(Path(sys.argv[1]), 'fit-x-pid2')[0], flush=True); time.sleep(60)",
         str(parent)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        live = Path(living.stdout.readline().strip())
        foreign = parent / "fit-not-ours"   # no lock file: not made by make_scratch
        foreign.mkdir()
        program = SLHAProgram(command=[sys.executable], template_text="BLOCK A\n 1 1\n",
                              scratch_dir=str(parent))
        mine = program.workdir
        assert not stale.exists()
        assert live.is_dir() and foreign.is_dir() and mine.is_dir()
        assert remove_stale_scratch(parent) == []   # nothing else is stale
    finally:
        living.kill()
        living.communicate()
    assert remove_stale_scratch(parent) == [live]   # its process is gone now
