"""One run per output file: an exclusive lock on ``<output>.lock``, held while the run lasts.

The lock is ``flock`` on an open file, so the kernel releases it when the
process ends, however it ends (a run killed with SIGKILL leaves no stale
lock). The file holds the host, pid and start of the run holding it, for the
error message of a second run. It is deleted when the run ends; a run that
finds the file deleted under it between opening and locking opens it again, so
that two runs never hold locks on two different files of the same name.

Network file systems: Linux maps ``flock`` on NFS to NFS byte-range locks,
which work across machines when the file system is mounted with locking
(the default; not with ``nolock``) and lock-manager leases are used (NFSv4, or
NFSv3 with ``lockd``). Without them the lock guards against a second run on
the same machine only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path

from .errors import OutputError


def lock_path(output: Path) -> Path:
    return output.with_name(output.name + ".lock")


class RunLock:
    """The lock of one output file, held from `acquire` to `release`."""

    def __init__(self, path: Path, fd: int):
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, output: Path) -> RunLock:
        """Lock ``output`` for this process, or raise `OutputError` naming the run that holds
        it (or why the lock file cannot be made, e.g. a read-only directory)."""
        path = lock_path(Path(output))
        while True:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise OutputError(f"cannot write the output {output}: {exc.strerror} "
                                  f"({exc.filename}); choose another --output") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                os.close(fd)
                raise OutputError(f"{output} is being written by another run ({holder}); wait "
                                  f"for it to end or stop it, or choose another --output"
                                  ) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)   # a run that ended deleted the file after we opened it: again
        _describe(fd)
        return cls(path, fd)

    def release(self) -> None:
        """Delete the lock file and release the lock (deleted first, while still held)."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = -1


def _describe(fd: int) -> None:
    """Write who holds the lock into the lock file (for a second run's error message)."""
    info = {"host": socket.gethostname(), "pid": os.getpid(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv)}
    data = (json.dumps(info) + "\n").encode()
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)


def _holder(fd: int) -> str:
    """'host H, pid P, since T' from a lock file held by another run."""
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "which has not yet said who it is"
    return f"host {info.get('host', '?')}, pid {info['pid']}, since {info.get('started', '?')}"
