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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .errors import OutputError

GROUPS = ("parameters", "cube", "loglike", "observables", "timing", "sampler")


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
        return {k: tuple(v) for k, v in json.loads(self.attrs.get("labels", "{}")).items()}

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


def load(path: str | Path, attempts: int = 5) -> Results:
    """Read every point of a run file, also of a run still going or killed.

    The file is read without HDF5's lock, so that reading never blocks the
    writer; a read that overlaps a flush is retried.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.h5"))
        if len(files) != 1:
            raise OutputError(f"{path} holds {len(files)} .h5 files; name the one to read")
        path = files[0]
    if not path.is_file():
        raise OutputError(f"cannot read {path}: no such file")
    for attempt in range(attempts):
        try:
            return _read(path)
        except OSError as exc:
            if attempt == attempts - 1:
                raise OutputError(f"cannot read {path}: {exc}") from None
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _read(path: Path) -> Results:
    with h5py.File(path, "r", locking=False) as f:
        if "point/id" not in f:
            raise OutputError(f"{path} is not a fit run file (no /point/id dataset)")
        n = f["point/id"].shape[0]  # rows beyond it belong to a flush cut short by a kill

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
        return Results(path=path, attrs=attrs, point=group("point"),
                       parameters=group("parameters"), cube=group("cube"),
                       terms=group("loglike"), observables=group("observables"),
                       timing=group("timing"), sampler=group("sampler"),
                       posterior=posterior, posterior_attrs=posterior_attrs)
