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
and start time. Readers take the length of ``/point/id`` as the number of
points.

Every change to the file is all or nothing (`fit.journal`): the file is
created under a temporary name and renamed, and each flush is written through
a rollback journal after a check of the free space. A run killed at any
moment, a full disk or a failed write leaves the file as of its last flush,
with every point written before. While a run writes a file it holds its lock
(`fit.runlock`): a second run on the same file stops with an error naming it.
"""

from __future__ import annotations

import errno
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import journal
from .errors import OutputError
from .evaluate import PointBatch
from .runlock import RunLock

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


#: the per-point columns every run file has from its creation on, with their types
POINT_COLUMNS = {"valid": "?", "code": STRING, "reason": STRING, "rank": "i4", "loglike": "f8",
                 "time": "f8", "skipped_after": STRING}


class RunWriter:
    """Buffers points and appends them to the HDF5 file (rank 0 only), holding its lock."""

    def __init__(self, path: Path, state: ResumeState, lock: RunLock, *,
                 flush_seconds: float = 2.0, flush_rows: int = 50_000):
        self.path = Path(path)
        self.state = state
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._lock = lock
        self._buffer: list[dict[str, np.ndarray]] = []
        self._buffered = 0
        self._last_flush = time.monotonic()
        self._failure: OutputError | None = None

    @classmethod
    def create(cls, path: Path, attributes: dict[str, Any], *, overwrite: bool = False,
               flush_seconds: float = 2.0) -> RunWriter:
        """Start a new file; refuse to replace an existing one unless ``overwrite``."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise OutputError(f"output {path} exists: pass --resume to continue that run or "
                              f"--overwrite to replace it")
        lock = RunLock.acquire(path)
        try:
            journal.journal_path(path).unlink(missing_ok=True)  # of the file replaced
            journal.create(path, lambda f: _build(f, attributes))
        except (journal.CommitFailed, OSError) as exc:
            lock.release()
            raise OutputError(f"cannot create the output {path}: {_why(exc)}; choose another "
                              f"--output") from None
        except BaseException:
            lock.release()
            raise
        return cls(path, ResumeState(), lock, flush_seconds=flush_seconds)

    @classmethod
    def resume(cls, path: Path, physics_hash: str, *, force: bool = False,
               flush_seconds: float = 2.0, config_text: str | None = None,
               note: dict[str, Any] | None = None) -> RunWriter:
        """Reopen a file to append to it, after checking it belongs to the same run.

        A flush cut short by a kill is rolled back first. Each resume is logged in the
        ``resumes`` attribute (time, first point id, hash, the entries of ``note`` such as
        the sampler and its options; and the YAML when a forced resume changed the physics).
        """
        path = Path(path)
        if not path.exists():
            raise OutputError(f"cannot resume: {path} does not exist (drop --resume to start)")
        lock = RunLock.acquire(path)
        try:
            _recover(path)
            with journal.update(path) as f:
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
        except (journal.CommitFailed, OSError) as exc:
            lock.release()
            raise OutputError(f"cannot open {path} to resume: {_why(exc)}") from None
        except BaseException:
            lock.release()
            raise
        state = ResumeState(n_points=len(ids), next_id=int(ids.max()) + 1 if len(ids) else 0)
        return cls(path, state, lock, flush_seconds=flush_seconds)

    def append(self, batch: PointBatch, *, cube: np.ndarray, cube_names: list[str],
               rank: np.ndarray, extra: dict[str, np.ndarray] | None = None,
               timed_flush: bool = True) -> np.ndarray:
        """Queue a batch of points; returns the ids given to them. ``timed_flush=False``
        leaves the flush every ``flush_seconds`` to a later `flush_if_due` (the MPI pool
        calls it while the workers compute the next batch)."""
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
        if self._buffered >= self.flush_rows or (timed_flush and self._flush_is_due()):
            self.flush()
        return ids

    def _flush_is_due(self) -> bool:
        return time.monotonic() - self._last_flush >= self.flush_seconds

    def flush_if_due(self) -> None:
        """Flush when ``flush_seconds`` have passed since the last flush."""
        if self._buffer and self._flush_is_due():
            self.flush()

    def flush(self, attributes: dict[str, Any] | None = None) -> None:
        """Append the buffered points (and set the root ``attributes``) in one commit.

        Raises `OutputError` when the disk is full or a write fails: the file then holds
        every point of the flushes before, and the writer refuses further flushes."""
        if self._failure is not None:
            raise self._failure
        if not self._buffer and not attributes:
            return
        try:
            with journal.update(self.path) as f:
                if self._buffer:
                    self._append_rows(f)
                for key, value in (attributes or {}).items():
                    f.attrs[key] = value
        except (journal.CommitFailed, OSError) as exc:
            self._failure = self._failed(exc)
            raise self._failure from None
        self._buffer, self._buffered = [], 0
        self._last_flush = time.monotonic()

    def _append_rows(self, f: h5py.File) -> None:
        names = dict.fromkeys(k for columns in self._buffer for k in columns)
        committed = f[ID].shape[0]  # rows beyond it (files of older versions) are overwritten
        total = committed + self._buffered
        for name in names:
            if name == ID:
                continue
            values = self._joined(name)
            dataset = f.get(name)
            if dataset is None:
                dtype = STRING if values.dtype.kind in "OU" else values.dtype
                dataset = f.create_dataset(name, shape=(committed, *values.shape[1:]),
                                           maxshape=(None, *values.shape[1:]), dtype=dtype,
                                           chunks=(4096, *values.shape[1:]),
                                           fillvalue=_fill(name, np.dtype(dtype)))
            dataset.resize(total, axis=0)
            dataset[committed:] = values
        for name in _datasets(f):  # columns this chunk lacks get their fill value
            if name != ID and name not in names and name.split("/")[0] in PER_POINT:
                dataset = f[name]
                dataset.resize(total, axis=0)
                dataset[committed:] = _fill(name, dataset.dtype)
        f[ID].resize(total, axis=0)
        f[ID][committed:] = self._joined(ID)

    def _failed(self, exc: Exception) -> OutputError:
        """The error that stops the run after a failed write, saying what is safe."""
        written = self.state.n_points - self._buffered
        if isinstance(exc, journal.CommitFailed) and not exc.rolled_back:
            safe = (f"{journal.journal_path(self.path).name} next to it restores the "
                    f"{written} points written before when the file is next opened")
        else:
            safe = f"the {written} points written before are intact"
        lost = (f"; the {self._buffered} points evaluated since the last flush were not "
                f"written and are evaluated again on --resume" if self._buffered else "")
        return OutputError(f"cannot write to {self.path}: {_why(exc)}; {safe}{lost}. Free "
                           f"space or fix the file system, then continue with --resume")

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
        """Write what is buffered and release the file's lock (after a failed write, the
        write is not tried again)."""
        try:
            if self._failure is None:
                self.flush()
        finally:
            self._lock.release()

    def write_group(self, group: str, columns: dict[str, np.ndarray],
                    attributes: dict[str, Any] | None = None) -> None:
        """Replace a group that describes the run as a whole (e.g. ``posterior``)."""
        if group in PER_POINT:
            raise ValueError(f"'{group}' holds per-point data and cannot be replaced")
        self.flush()
        try:
            with journal.update(self.path) as f:
                if group in f:
                    del f[group]
                g = f.create_group(group)
                for name, values in columns.items():
                    g.create_dataset(name, data=np.asarray(values))
                for key, value in (attributes or {}).items():
                    g.attrs[key] = value
        except (journal.CommitFailed, OSError) as exc:
            self._failure = self._failed(exc)
            raise self._failure from None

    def cube(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Point ids and unit-cube coordinates of every point written so far."""
        self.flush()
        with open_committed(self.path) as f:
            n = f[ID].shape[0]
            ids = f[ID][:]
            cube = np.column_stack([f[f"cube/{name}"][:n] for name in names]) if names \
                else np.zeros((n, 0))
        return ids, cube


def _build(f: h5py.File, attributes: dict[str, Any]) -> None:
    """The content of a new run file: attributes, groups, and the empty point columns."""
    for key, value in attributes.items():
        f.attrs[key] = value
    f.attrs["layout_version"] = LAYOUT_VERSION
    f.attrs["start_time"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for group in PER_POINT:
        f.create_group(group, track_order=True)  # datasets listed in YAML order
    for name, dtype in {"id": "i8", **POINT_COLUMNS}.items():
        path = f"point/{name}"
        f.create_dataset(path, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(4096,),
                         fillvalue=_fill(path, np.dtype(dtype)))


def open_committed(path: Path) -> h5py.File:
    """Open the run file for reading in the process that writes it, between flushes (the
    file on disk is then its last commit; other processes read with `fit.results.load`)."""
    return h5py.File(path, "r", locking=False)


def _recover(path: Path) -> None:
    """Roll back a flush cut short by a kill (the caller holds the run lock)."""
    try:
        journal.recover(path)
    except journal.JournalMismatch as exc:
        raise OutputError(f"cannot open {path}: {exc}; move the journal away if the file "
                          f"was copied while no run wrote it") from None


def _why(exc: Exception) -> str:
    """A failed write in words: a full disk with the numbers, else the system's reason."""
    if isinstance(exc, journal.CommitFailed) and exc.needed is not None:
        return (f"no space left on its file system (the write needs {_size(exc.needed)}, "
                f"{_size(exc.free or 0)} are free, {_size(journal.RESERVE)} are kept spare)")
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on its file system (or the disk quota is exhausted)"
    reason = getattr(exc, "strerror", None) or str(exc)
    return reason.splitlines()[0] if reason else type(exc).__name__


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


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
