"""External programs die with the run that started them, however it ends.

Every program a backend starts gets the environment variable ``FIT_CHILD`` set
to ``<token>:<n>`` (`Children.environment`): a token of the process that runs
the backend and a number per program. Every process the program starts
inherits it, also one that leaves the process group with ``setsid`` (which a
kill of the group misses), so `kill_marked` finds and kills them all by it.

A run killed with SIGKILL cannot clean up after itself. So each process that
starts programs also starts a guardian, once: this file run as a script (the
standard library only), in a session of its own, ignoring the signals of the
terminal, its stdin a pipe from the process it guards. When that process ends,
in any way, the pipe closes; the guardian then kills every process that
carries the token, removes the scratch directories it was told about, and exits.

Left out: a program that clears its environment before starting others (e.g.
``env -i``) hides those from the sweep; they are still killed with the
program's process group unless they also call ``setsid``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

VARIABLE = "FIT_CHILD"


def kill_marked(marker: str, *, prefix: bool = False, rounds: int = 50) -> int:
    """SIGKILL every process (of this user) whose environment has ``FIT_CHILD=marker`` (or a
    value starting with ``marker``), again until none is left (a process may start another
    while the first is killed). Returns how many were killed. Linux (/proc) only; elsewhere
    nothing is found."""
    pattern = f"{VARIABLE}={marker}".encode()
    killed = 0
    for _ in range(rounds):
        found = [pid for pid in _marked(pattern, prefix) if pid != os.getpid()]
        if not found:
            break
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.01)
    return killed


def _marked(pattern: bytes, prefix: bool) -> list[int]:
    """Pids of the processes whose environment holds ``pattern`` as a whole entry (or, with
    ``prefix``, an entry starting with it). Zombies (empty environment) are not listed."""
    pids = []
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/environ", "rb") as handle:
                    entries = handle.read().split(b"\0")
            except OSError:   # gone, or another user's
                continue
            if any(e == pattern or (prefix and e.startswith(pattern)) for e in entries):
                pids.append(int(name))
    return pids


class Children:
    """The programs of one process: their environment marker and their guardian."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.token = f"{socket.gethostname()}-{self.pid}-{secrets.token_hex(4)}"
        self._count = 0
        self._guardian: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def environment(self) -> dict[str, str]:
        """``{FIT_CHILD: marker}`` for one program to start (the guardian is started first)."""
        with self._lock:
            self._start_guardian()
            self._count += 1
            return {VARIABLE: f"{self.token}:{self._count}"}

    def watch_directory(self, path: Path) -> None:
        """Have the guardian remove ``path`` should this process die without doing so."""
        with self._lock:
            self._start_guardian()
            self._tell(f"directory {path}")

    def _tell(self, line: str) -> None:
        if self._guardian is not None and self._guardian.stdin is not None:
            with contextlib.suppress(OSError):
                self._guardian.stdin.write(f"{line}\n".encode())
                self._guardian.stdin.flush()

    def _start_guardian(self) -> None:
        if self._guardian is not None:
            return
        self._guardian = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).resolve()), self.token],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)


_CHILDREN: Children | None = None


def children() -> Children:
    """The `Children` of this process (a new one after a fork)."""
    global _CHILDREN
    if _CHILDREN is None or _CHILDREN.pid != os.getpid():
        _CHILDREN = Children()
    return _CHILDREN


def _guard(token: str) -> None:
    """The guardian: wait for the guarded process to end, then clean up after it."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGPIPE"):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    directories = []
    for raw in sys.stdin.buffer:   # ends when the guarded process's end closes the pipe
        kind, _, value = raw.decode(errors="replace").rstrip("\n").partition(" ")
        if kind == "directory" and value:
            directories.append(value)
    kill_marked(f"{token}:", prefix=True)
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    _guard(sys.argv[1])
