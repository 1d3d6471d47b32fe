"""Helpers for capability values over a batch of points.

A batch value is a numpy array whose first axis runs over points, a mapping of
batch values (e.g. a spectrum with one array per mass), or a list with one
opaque object per point (e.g. an SLHA document from a per-point backend).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np


def take(value: Any, keep: np.ndarray) -> Any:
    """The rows ``keep`` (boolean mask or indices) of a batch value."""
    if isinstance(value, np.ndarray):
        return value[keep]
    if isinstance(value, Mapping):
        return {k: take(v, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else keep
        return [value[i] for i in idx]
    kind = type(value).__name__
    raise TypeError(f"a batch value must be an array, mapping or list, not {kind}")


def row(value: Any, i: int) -> Any:
    """Point ``i`` of a batch value (numpy scalars become Python floats)."""
    if isinstance(value, np.ndarray):
        item = value[i]
        return item.item() if item.ndim == 0 else item
    if isinstance(value, Mapping):
        return {k: row(v, i) for k, v in value.items()}
    return value[i]


def stack(rows: list[Any]) -> Any:
    """A batch value from one value per point (the inverse of `row`)."""
    if rows and all(isinstance(r, Mapping) for r in rows):
        return {k: stack([r[k] for r in rows]) for k in rows[0]}
    if all(isinstance(r, numbers.Number | np.ndarray) for r in rows):
        return np.asarray(rows)
    return list(rows)


def length(value: Any) -> int | None:
    """Number of points in a batch value (None for a mapping without arrays)."""
    if isinstance(value, Mapping):
        for v in value.values():
            n = length(v)
            if n is not None:
                return n
        return None
    if isinstance(value, np.ndarray):
        return value.shape[0] if value.ndim else None
    return len(value)


#: NaN checks look at this many numbers at once (leaves concatenated into blocks: one numpy
#: call per block instead of several per leaf, which dominate for one point at a time)
NAN_BLOCK = 1 << 16


def numeric_leaves(name: str, value: Any) -> list[tuple[str, np.ndarray]]:
    """(name, array) for every real numeric array in a batch value; mappings add ``/key``."""
    out: list[tuple[str, np.ndarray]] = []
    _named_leaves(name, value, out)
    return out


def _named_leaves(name: str, value: Any, out: list[tuple[str, np.ndarray]]) -> None:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _named_leaves(f"{name}/{key}", sub, out)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "fiub" and value.ndim >= 1:
        out.append((name, value))


def _float_leaves(value: Any, out: list[np.ndarray]) -> None:
    if isinstance(value, Mapping):
        for sub in value.values():
            _float_leaves(sub, out)
    elif isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim >= 1:
        out.append(value)


def nan_rows(value: Any, n: int) -> np.ndarray:
    """Points where any floating-point entry of a batch value is NaN."""
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return bad
    leaves: list[np.ndarray] = []
    _float_leaves(value, leaves)
    block: list[np.ndarray] = []
    size = 0
    for k, array in enumerate(leaves):
        block.append(array.reshape(n, -1))
        size += array.size
        if size >= NAN_BLOCK or k == len(leaves) - 1:
            columns = block[0] if len(block) == 1 else np.concatenate(block, axis=1)
            bad |= np.isnan(columns).any(axis=1)
            block, size = [], 0
    return bad
