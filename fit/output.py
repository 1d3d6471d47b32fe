"""The run's HDF5 file: every evaluated point, appended in chunks.

Layout (one 1-D dataset per quantity, one entry per point, all of equal length):

    /point/id, valid, code, reason, rank, loglike, time, skipped_after
    /parameters/<name>        every parameter (sampled, fixed, derived)
    /cube/<name>              unit-cube coordinate of each sampled parameter
    /loglike/<term>           each likelihood term (NaN where not computed)
    /observables/<capability>[/<key>]   numeric capabilities (NaN where not computed)
    /timing/<provider>        wall time per provider [s]
    /sampler/<column>         sampler-specific per-point columns
    /posterior/id, weight     the sampler's weighted posterior sample, by point id
                              (nested samplers and MCMC; attributes such as logz)

Root attributes hold the resolved YAML, its hash, package versions, the seed
and start time. The file is opened, appended to and closed at every flush,
and ``/point/id`` is written last: a run killed at any moment leaves a file
that opens and holds every flushed point, and readers take the length of
``/point/id`` as the number of points.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .errors import OutputError
from .evaluate import PointBatch

LAYOUT_VERSION = 1
STRING = h5py.string_dtype()
ID = "point/id"
#: groups with one entry per point (the others, e.g. /posterior, describe the whole run)
PER_POINT = ("point", "parameters", "cube", "loglike", "observables", "timing", "sampler")


@dataclass
class ResumeState:
    """What a resumed run needs to know about the points already written."""

    n_points: int = 0
    next_id: int = 0


def _fill(path: str, dtype: np.dtype) -> Any:
    if dtype == STRING or dtype.kind == "O":
        return ""
    if path.startswith("timing/"):
        return 0
    return np.nan if dtype.kind == "f" else 0


class RunWriter:
    """Buffers points and appends them to the HDF5 file (rank 0 only)."""

    def __init__(self, path: Path, state: ResumeState, *, flush_seconds: float = 2.0,
                 flush_rows: int = 50_000):
        self.path = Path(path)
        self.state = state
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._buffer: list[dict[str, np.ndarray]] = []
        self._buffered = 0
        self._last_flush = time.monotonic()

    @classmethod
    def create(cls, path: Path, attributes: dict[str, Any], *, overwrite: bool = False,
               flush_seconds: float = 2.0) -> RunWriter:
        """Start a new file; refuse to replace an existing one unless ``overwrite``."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise OutputError(f"output {path} exists: pass --resume to continue that run or "
                              f"--overwrite to replace it")
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w") as f:
            for key, value in attributes.items():
                f.attrs[key] = value
            f.attrs["layout_version"] = LAYOUT_VERSION
            f.attrs["start_time"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for group in PER_POINT:
                f.create_group(group, track_order=True)  # datasets listed in YAML order
            f.create_dataset(ID, shape=(0,), maxshape=(None,), dtype="i8", chunks=(4096,))
        return cls(path, ResumeState(), flush_seconds=flush_seconds)

    @classmethod
    def resume(cls, path: Path, physics_hash: str, *, force: bool = False,
               flush_seconds: float = 2.0, config_text: str | None = None,
               note: dict[str, Any] | None = None) -> RunWriter:
        """Reopen a file to append to it, after checking it belongs to the same run.

        Each resume is logged in the ``resumes`` attribute (time, first point id,
        hash, the entries of ``note`` such as the sampler and its options; and the YAML
        when a forced resume changed the physics).
        """
        path = Path(path)
        if not path.exists():
            raise OutputError(f"cannot resume: {path} does not exist (drop --resume to start)")
        try:
            with open_locked(path, "a") as f:
                if ID not in f:
                    raise OutputError(f"cannot resume {path}: it is not a fit run file "
                                      f"(no /{ID} dataset)")
                old = f.attrs.get("physics_hash", "")
                if old != physics_hash and not force:
                    raise OutputError(
                        f"cannot resume {path}: it was written with different parameters, "
                        f"likelihoods, rules or provider code (hash {old} vs {physics_hash}); "
                        f"use --force to resume anyway or --overwrite to start again")
                ids = f[ID][:]
                resumes = json.loads(f.attrs.get("resumes", "[]"))
                entry = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "first_id": int(ids.max()) + 1 if len(ids) else 0,
                         "physics_hash": physics_hash, **(note or {})}
                if old != physics_hash and config_text is not None:
                    entry["config"] = config_text  # what the points from first_id on used
                resumes.append(entry)
                f.attrs["resumes"] = json.dumps(resumes, default=str)
        except OSError as exc:
            raise OutputError(f"cannot open {path} to resume: {exc}") from None
        state = ResumeState(n_points=len(ids), next_id=int(ids.max()) + 1 if len(ids) else 0)
        return cls(path, state, flush_seconds=flush_seconds)

    def append(self, batch: PointBatch, *, cube: np.ndarray, cube_names: list[str],
               rank: np.ndarray, extra: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Queue a batch of points; returns the ids given to them."""
        n = len(batch)
        ids = np.arange(self.state.next_id, self.state.next_id + n)
        self.state.next_id += n
        self.state.n_points += n
        # copies: until the flush the buffer must not share arrays with the sampler, which
        # may reuse the cube it passed or the log L it got back
        columns: dict[str, np.ndarray] = {
            "point/valid": np.array(batch.valid), "point/code": batch.code.astype(object),
            "point/reason": batch.reason.astype(object), "point/rank": np.array(rank),
            "point/loglike": np.array(batch.loglike), "point/time": batch.time,
            "point/skipped_after": batch.skipped_after.astype(object),
        }
        for group, data in (("parameters", batch.params), ("loglike", batch.terms),
                            ("observables", batch.observables), ("timing", batch.timing),
                            ("sampler", extra or {})):
            for name, values in data.items():
                columns[f"{group}/{name}"] = np.array(values)
        for i, name in enumerate(cube_names):
            columns[f"cube/{name}"] = np.array(cube[:, i])
        columns[ID] = ids
        self._buffer.append(columns)
        self._buffered += n
        if (self._buffered >= self.flush_rows
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()
        return ids

    def flush(self) -> None:
        """Append the buffered points to the file and close it again."""
        if not self._buffer:
            return
        names = dict.fromkeys(k for columns in self._buffer for k in columns)
        with open_locked(self.path, "a") as f:
            committed = f[ID].shape[0]  # rows of a flush cut short by a kill are overwritten
            total = committed + self._buffered
            for name in names:
                if name == ID:
                    continue
                values = self._joined(name)
                if name not in f:
                    dtype = STRING if values.dtype.kind in "OU" else values.dtype
                    f.create_dataset(name, shape=(committed, *values.shape[1:]),
                                     maxshape=(None, *values.shape[1:]), dtype=dtype,
                                     chunks=(4096, *values.shape[1:]),
                                     fillvalue=_fill(name, np.dtype(dtype)))
                f[name].resize(total, axis=0)
                f[name][committed:] = values
            for name in _datasets(f):  # columns this chunk lacks get their fill value
                if name != ID and name not in names and name.split("/")[0] in PER_POINT:
                    f[name].resize(total, axis=0)
                    f[name][committed:] = _fill(name, f[name].dtype)
            f[ID].resize(total, axis=0)
            f[ID][committed:] = self._joined(ID)
        self._buffer, self._buffered = [], 0
        self._last_flush = time.monotonic()

    def _joined(self, name: str) -> np.ndarray:
        parts = []
        for columns in self._buffer:
            n = len(columns[ID])
            if name in columns:
                parts.append(columns[name])
            else:
                like = next(c[name] for c in self._buffer if name in c)
                fill = "" if like.dtype.kind in "OU" else _fill(name, like.dtype)
                parts.append(np.full((n, *like.shape[1:]), fill, dtype=like.dtype))
        return np.concatenate(parts)

    def close(self) -> None:
        self.flush()

    def write_group(self, group: str, columns: dict[str, np.ndarray],
                    attributes: dict[str, Any] | None = None) -> None:
        """Replace a group that describes the run as a whole (e.g. ``posterior``)."""
        if group in PER_POINT:
            raise ValueError(f"'{group}' holds per-point data and cannot be replaced")
        self.flush()
        with open_locked(self.path, "a") as f:
            if group in f:
                del f[group]
            g = f.create_group(group)
            for name, values in columns.items():
                g.create_dataset(name, data=np.asarray(values))
            for key, value in (attributes or {}).items():
                g.attrs[key] = value

    def cube(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Point ids and unit-cube coordinates of every point written so far."""
        self.flush()
        with open_locked(self.path, "r") as f:
            n = f[ID].shape[0]
            ids = f[ID][:]
            cube = np.column_stack([f[f"cube/{name}"][:n] for name in names]) if names \
                else np.zeros((n, 0))
        return ids, cube


def open_locked(path: Path, mode: str, timeout: float = 60.0) -> h5py.File:
    """Open the run file, waiting while another process (a reader) holds HDF5's lock."""
    deadline, delay = time.monotonic() + timeout, 0.02
    while True:
        try:
            return h5py.File(path, mode)
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise OutputError(f"{path} stayed locked by another process for {timeout:.0f} "
                                  f"s; close programs that hold it open") from None
            time.sleep(delay)
            delay = min(2 * delay, 0.5)


def _datasets(f: h5py.File) -> list[str]:
    names: list[str] = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the numbers, for provenance."""
    import importlib.metadata
    import platform

    out = {"python": platform.python_version()}
    for package in ("fit", "numpy", "scipy", "h5py", "pyyaml", "asteval", "mpi4py", "dynesty",
                    "emcee", "pymultinest", "nautilus-sampler", "ultranest", "pyslha",
                    "scikit-learn"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
