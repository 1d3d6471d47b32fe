"""MPI: the communicator, and a check that mpirun and mpi4py agree.

mpi4py is imported only when the process was started by an MPI launcher, so
serial runs work without MPI installed.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import FitError

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
    return comm


def rank_of(comm: Any | None) -> int:
    return 0 if comm is None else comm.Get_rank()


def size_of(comm: Any | None) -> int:
    return 1 if comm is None else comm.Get_size()
