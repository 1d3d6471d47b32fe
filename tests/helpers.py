"""Helpers shared by the tests that launch runs as subprocesses or under mpirun."""

from __future__ import annotations

import shutil
from pathlib import Path

from fit.errors import OutputError
from fit.results import count

MPIRUN = shutil.which("mpirun")
#: Open MPI refuses root without these; oversubscription lets tests use more ranks than cores
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def flushed_points(path: Path) -> int:
    """Points committed to the file of a running scan (0 if there is none yet): a flush
    being written does not count, since a kill at that moment undoes it."""
    try:
        return count(path)
    except OutputError:
        return 0
