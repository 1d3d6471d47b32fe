"""MPI: the communicator, a check that mpirun and mpi4py agree, and the ranks' lifeline.

mpi4py is imported only when the process was started by an MPI launcher, so
serial runs work without MPI installed.

Orphaned ranks: when ``mpirun`` is killed (SIGKILL leaves it no time to stop
its ranks) the ranks can go on computing, and rank 0 on writing the file, with
nobody to stop them. Each rank watches its `Lifeline`: its launcher (its
parent process when it started) and, on the machine of rank 0, rank 0 itself.
When one is gone, rank 0 stops as on SIGTERM (the points in flight are written)
and every rank exits at the latest ``grace`` seconds later. The output stays
consistent whenever a rank exits (see `fit.journal`). Left out: a rank on
another machine than rank 0 notices rank 0's death only through its launcher
(mpirun aborts the job when a rank dies, by default).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from typing import Any

from .errors import FitError

log = logging.getLogger(__name__)

#: exit status of a rank that stopped because its launcher or rank 0 was gone
EXIT_ORPHANED = 75

#: environment variables by which launchers announce the world size
LAUNCHER_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS",
                           "SLURM_NTASKS")


def launcher_size() -> int | None:
    """World size announced by mpirun/mpiexec/srun, or None when not under a launcher."""
    for name in LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name)
        if value and value.isdigit():
            if name == "SLURM_NTASKS" and "SLURM_STEP_ID" not in os.environ:
                continue  # inside an allocation but not started by srun
            return int(value)
    return None


def world() -> Any | None:
    """MPI.COMM_WORLD when running under MPI with more than one rank, else None.

    Stops with a clear message when the launcher started N > 1 processes but
    mpi4py sees a world of one: that happens when mpi4py was built against a
    different MPI than the mpirun used, and would otherwise run N independent
    copies that overwrite one output file.
    """
    expected = launcher_size()
    if expected is None or expected == 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise FitError(f"started by an MPI launcher with {expected} processes but mpi4py "
                       f"cannot be imported ({exc}); install it with "
                       f"pip install 'fit[mpi]'") from None
    comm = MPI.COMM_WORLD
    if comm.Get_size() != expected:
        raise FitError(
            f"the MPI launcher started {expected} processes but mpi4py sees a world of "
            f"{comm.Get_size()}: mpi4py was built against another MPI library than this "
            f"mpirun ({MPI.Get_library_version().splitlines()[0]}). Use the mpirun of the "
            f"MPI that mpi4py was built with, or reinstall mpi4py "
            f"(pip install --no-binary mpi4py --force-reinstall mpi4py)")
    launcher = os.getppid()
    places = comm.allgather((socket.gethostname(), os.getpid()))
    rank0 = places[0][1] if comm.Get_rank() > 0 and places[0][0] == places[comm.Get_rank()][0] \
        else None
    Lifeline(launcher=launcher if launcher > 1 else None, rank0=rank0,
             stop=comm.Get_rank() == 0).start()
    return comm


class Lifeline:
    """Ends this process when ``launcher`` or ``rank0`` (pids; None: not watched) is gone.

    Checked every ``interval`` seconds in a daemon thread. On a loss, with ``stop`` (rank 0)
    the process first gets SIGTERM, which makes a run finish and write the points in flight
    and release the other ranks; every process exits with `EXIT_ORPHANED` at the latest
    ``grace`` seconds after the loss (a rank waiting for a message that will not come)."""

    def __init__(self, *, launcher: int | None, rank0: int | None, stop: bool,
                 interval: float = 0.5, grace: float = 5.0):
        self.launcher, self.rank0, self.stop = launcher, rank0, stop
        self.interval, self.grace = interval, grace

    def lost(self) -> str | None:
        """Why this process is orphaned, or None while it is not."""
        if self.launcher is not None and os.getppid() != self.launcher:
            return f"the MPI launcher (pid {self.launcher}) is gone"
        if self.rank0 is not None and not _running(self.rank0):
            return f"rank 0 (pid {self.rank0}) is gone"
        return None

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._watch, name="fit-lifeline", daemon=True)
        thread.start()
        return thread

    def _watch(self) -> None:
        while (reason := self.lost()) is None:
            time.sleep(self.interval)
        log.error("%s: stopping this process (pid %d)", reason, os.getpid())
        if self.stop:
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(self.grace)
        os._exit(EXIT_ORPHANED)


def _running(pid: int) -> bool:
    """Whether a process runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True   # no /proc: it exists


def rank_of(comm: Any | None) -> int:
    return 0 if comm is None else comm.Get_rank()


def size_of(comm: Any | None) -> int:
    return 1 if comm is None else comm.Get_size()
