"""Helpers shared by the tests that launch runs as subprocesses or under mpirun."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py

MPIRUN = shutil.which("mpirun")
#: Open MPI refuses root without these; oversubscription lets tests use more ranks than cores
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def flushed_points(path: Path) -> int:
    """Points in the file of a running scan, read without HDF5's lock (0 if unreadable)."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return f["point/id"].shape[0]
    except (OSError, KeyError):
        return 0
