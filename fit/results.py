"""Reading a run's HDF5 file back: arrays by name, or a pandas DataFrame.

    >>> from fit.results import load
    >>> r = load("runs/gaussian/gaussian.h5")
    >>> r.parameters["x1"], r.loglike, r.terms["gaussian"], r.valid
    >>> df = r.to_pandas()          # one column per scalar, 'group/name' (matrices: S11 ...)
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import h5py
import numpy as np

from . import journal
from .errors import OutputError
from .runlock import RunLock

GROUPS = ("parameters", "cube", "loglike", "observables", "timing", "sampler")
T = TypeVar("T")
#: the per-point columns of every run, as a file without points (yet) gives them
POINT_DTYPES = {"id": "i8", "valid": "?", "code": object, "reason": object, "rank": "i4",
                "loglike": "f8", "time": "f8", "skipped_after": object}


@dataclass
class Results:
    """All points of one run. Arrays have one entry per point, in the order written."""

    path: Path
    attrs: dict[str, Any]
    point: dict[str, np.ndarray]
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    cube: dict[str, np.ndarray] = field(default_factory=dict)
    terms: dict[str, np.ndarray] = field(default_factory=dict)
    observables: dict[str, np.ndarray] = field(default_factory=dict)
    timing: dict[str, np.ndarray] = field(default_factory=dict)
    sampler: dict[str, np.ndarray] = field(default_factory=dict)
    posterior: dict[str, np.ndarray] = field(default_factory=dict)
    posterior_attrs: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.point["id"])

    @property
    def loglike(self) -> np.ndarray:
        """Total log-likelihood (the floor for invalid points)."""
        return self.point["loglike"]

    @property
    def valid(self) -> np.ndarray:
        return self.point["valid"].astype(bool)

    @property
    def config(self) -> str:
        """The resolved YAML the run was started with."""
        return str(self.attrs.get("config", ""))

    @property
    def labels(self) -> dict[str, tuple[str, str]]:
        """Parameter name -> (latex, unit), from the run file's ``latex:`` and ``unit:``."""
        return {k: tuple(v) for k, v in json.loads(self.attrs.get("labels", "{}")).items()}

    @property
    def observable_labels(self) -> dict[str, tuple[str, str]]:
        """Observable name (``'omega_h2'``, ``'spectrum/mh1'``) -> (latex, unit), as the
        providers that computed them declare (empty for runs written before labels were
        recorded)."""
        return {k: tuple(v) for k, v in
                json.loads(self.attrs.get("observable_labels", "{}")).items()}

    def best(self) -> int | None:
        """Index of the valid point with the highest log-likelihood (None if none is valid)."""
        if not self.valid.any():
            return None
        ll = np.where(self.valid, self.loglike, -np.inf)
        return int(np.argmax(ll))

    def invalid_codes(self) -> Counter:
        """How many points each invalidation code removed."""
        return Counter(str(c) for c in self.point["code"][~self.valid])

    def datasets(self) -> Iterator[tuple[str, np.ndarray]]:
        """(``'group/name'``, array) of every per-point dataset, in the file's order."""
        for name, values in self.point.items():
            yield f"point/{name}", values
        for group in GROUPS:
            yield from ((f"{group}/{name}", values) for name, values
                        in getattr(self, "terms" if group == "loglike" else group).items())

    def columns(self) -> dict[str, np.ndarray]:
        """Every scalar per point as ``'group/name'`` -> array; a matrix gives one column per
        entry (`entries`: ``observables/spectrum/S11`` ...)."""
        return {column: values for name, data in self.datasets()
                for column, values in entries(name, data)}

    def to_pandas(self) -> Any:
        """A pandas DataFrame with one column per dataset (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.columns())


def entries(name: str, values: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """One column per scalar: a matrix ``S`` of shape (n, 3, 3) gives ``S11`` ... ``S33``
    (1-based, as SLHA numbers mixing matrices; ``S_1_10`` once an index passes 9)."""
    if values.ndim == 1:
        yield name, values
        return
    shape = values.shape[1:]
    separator = "" if max(shape) <= 9 else "_"
    for index in np.ndindex(*shape):
        suffix = separator.join(str(i + 1) for i in index)
        yield f"{name}{separator}{suffix}", values[(slice(None), *index)]


def _decode(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "OS":
        return np.array([v.decode() if isinstance(v, bytes) else v for v in values], dtype=object)
    return values


def load(path: str | Path, attempts: int = 20) -> Results:
    """Read every point of a run file, also of a run still going or killed.

    The file is read without HDF5's lock, so that reading never blocks the
    writer. A read during which the writer committed a flush is read again. A
    flush cut short by a kill is undone on disk first, as the next run on the file
    would (then every tool sees the last commit); while a run holds the file, or
    where this process may not write, it is read as of its last commit instead,
    without being changed.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.h5"))
        if len(files) != 1:
            raise OutputError(f"{path} holds {len(files)} .h5 files; name the one to read")
        path = files[0]
    if not path.is_file():
        raise OutputError(f"cannot read {path}: no such file")
    _undo_abandoned_flush(path)
    return _consistent(path, _read, attempts)


def count(path: str | Path, attempts: int = 20) -> int:
    """The number of points a run file holds as of its last commit (cheap, changes
    nothing: for watching a run; a flush being written is not counted yet)."""
    path = Path(path)
    if not path.is_file():
        raise OutputError(f"cannot read {path}: no such file")

    def points(path: Path, view: Any) -> int:
        with h5py.File(view if view is not None else path, "r", locking=False) as f:
            if "point/id" not in f:
                raise OutputError(f"{path} is not a fit run file (no /point/id dataset)")
            return f["point/id"].shape[0]

    return _consistent(path, points, attempts)


def _consistent(path: Path, read: Callable[[Path, Any], T], attempts: int) -> T:
    """``read(path, view)`` of the file's last commit (``view``: through the journal of a
    flush under way or cut short, else None), again while the writer commits during it."""
    for _ in range(attempts):
        before = _stamp(path)
        try:
            view = journal.committed_view(path)
            try:
                result = read(path, view)
            finally:
                if view is not None:
                    view.close()
        except (OSError, KeyError, ValueError, RuntimeError) as exc:
            if _stamp(path) == before:   # not a read overlapping a flush: the file is bad
                reason = (getattr(exc, "strerror", None) or str(exc)).splitlines()[0]
                raise OutputError(f"cannot read {path}: {reason}") from None
        else:
            if _stamp(path) == before:
                return result
        time.sleep(0.05)
    raise OutputError(f"cannot read {path}: it changed during each of {attempts} attempts")


def _undo_abandoned_flush(path: Path) -> None:
    """Roll back a flush whose run was killed (its journal is there, its lock free)."""
    if not journal.journal_path(path).exists():
        return
    try:
        lock = RunLock.acquire(path)
    except OutputError:   # a run holds the file, or the directory is read-only
        return
    try:
        journal.recover(path)
    except (OSError, journal.JournalMismatch):
        pass   # read through the journal instead (`_consistent`)
    finally:
        lock.release()


def _stamp(path: Path) -> tuple:
    """What changes when the writer commits (the file's identity, length and times, and
    its journal): equal before and after a read means the read saw one commit."""
    def of(p: Path) -> tuple:
        try:
            s = p.stat()
        except FileNotFoundError:
            return ()
        return s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns
    return of(path), of(journal.journal_path(path))


def _read(path: Path, view: Any = None) -> Results:
    """The points of the file at ``path``, or of ``view`` (its last commit) if given."""
    with h5py.File(view if view is not None else path, "r", locking=False) as f:
        if "point/id" not in f:
            raise OutputError(f"{path} is not a fit run file (no /point/id dataset)")
        n = f["point/id"].shape[0]  # rows beyond it: a flush cut short (older versions)

        def group(name: str, prefix: str = "") -> dict[str, np.ndarray]:
            """Datasets under a group, in the order they were written, as 'sub/name'."""
            out: dict[str, np.ndarray] = {}
            if name not in f:
                return out
            for key, obj in f[name].items():
                if isinstance(obj, h5py.Dataset):
                    out[prefix + key] = _decode(obj[:n])
                else:
                    out.update(group(f"{name}/{key}", f"{prefix}{key}/"))
            return out

        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        posterior = {k: v[:] for k, v in f["posterior"].items()} if "posterior" in f else {}
        posterior_attrs = dict(f["posterior"].attrs) if "posterior" in f else {}
        point = {**{name: np.zeros(0, dtype=dtype) for name, dtype in POINT_DTYPES.items()},
                 **group("point")}
        return Results(path=path, attrs=attrs, point=point,
                       parameters=group("parameters"), cube=group("cube"),
                       terms=group("loglike"), observables=group("observables"),
                       timing=group("timing"), sampler=group("sampler"),
                       posterior=posterior, posterior_attrs=posterior_attrs)
