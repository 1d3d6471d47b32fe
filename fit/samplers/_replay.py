"""Resuming by replay: the run file itself is the checkpoint of a deterministic sampler.

The emcee, DE and grid adapters draw every random number from ``scan.seed``,
so a run proposes the same batches in the same order each time it starts. On
``--resume`` they run again from the beginning (or from a checkpoint) and
`Replay` answers the batches already in the file with the log-likelihoods
written there instead of evaluating them again; the first batch beyond the
end of the file is evaluated and written as usual. The resumed run therefore
continues exactly where the killed one stopped: no point is evaluated twice,
ids continue without a gap, and the file is the file of an uninterrupted run.

Why the file and not only a separate checkpoint: the writer flushes every
``output.flush_seconds``, so a checkpoint written at another moment is
always either ahead of the file (its state depends on points a kill
removed from the buffer) or behind it (points that would be evaluated
twice). Replaying from the file makes the two agree by construction. A
sampler checkpoint, where there is one, only shortens the replay.

Each replayed batch is compared with the stored unit-cube coordinates; a
mismatch means the options, the seed or the sampler changed, and the resume
stops with a `SamplerError` instead of silently mixing two runs.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from ..output import open_committed
from . import Interrupted, Scan

#: largest unit-cube distance between a replayed proposal and the stored point
TOLERANCE = 1e-9


class Replay:
    """``loglike`` for a resumed run: stored values for the first ``scan.resume.n_points``
    rows of the file (from row ``start`` on), `Scan.loglike` beyond them (rank 0)."""

    def __init__(self, scan: Scan, start: int = 0, chunk: int = 65536):
        self.scan = scan
        self.cursor = start                    # rows of the file consumed so far
        self.end = scan.resume.n_points        # rows in the file when the run started
        self.chunk = chunk
        self._low = 0
        self._cube = np.zeros((0, scan.ndim))
        self._loglike = np.zeros(0)

    @property
    def replaying(self) -> bool:
        """Whether the next batch still comes from the file."""
        return self.cursor < self.end

    def loglike(self, cube: np.ndarray, extra: dict[str, np.ndarray] | None = None
                ) -> np.ndarray:
        """Log-likelihoods of a batch: read back while replaying, evaluated afterwards."""
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        n = len(cube)
        k = max(0, min(n, self.end - self.cursor))
        if k == 0:
            values = self.scan.loglike(cube, extra)
            self.cursor += n
            return values
        if self.scan.stop_requested:
            raise Interrupted
        stored_cube, stored = self._read(self.cursor, self.cursor + k)
        distance = np.max(np.abs(stored_cube - cube[:k]), axis=1)
        if np.any(distance > TOLERANCE):
            row = self.cursor + int(np.argmax(distance > TOLERANCE))
            raise SamplerError(
                f"cannot resume {self.scan.writer.path}: point {row} there is not the point "
                f"this sampler proposes now (options, seed or sampler changed since the run "
                f"began); restore them, or start again with --overwrite")
        self.cursor += k
        if k == n:
            return stored
        rest = self.scan.loglike(cube[k:], None if extra is None else
                                 {name: np.asarray(v)[k:] for name, v in extra.items()})
        self.cursor += n - k
        return np.concatenate([stored, rest])

    def _read(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows [start, stop) of the file's unit-cube coordinates and log L, read in chunks."""
        if start < self._low or stop > self._low + len(self._loglike):
            high = min(self.end, max(stop, start + self.chunk))
            names = self.scan.space.sampled_names
            with open_committed(self.scan.writer.path) as f:
                self._loglike = np.asarray(f["point/loglike"][start:high], dtype=float)
                self._cube = np.column_stack([f[f"cube/{name}"][start:high] for name in names])
            self._low = start
        i, j = start - self._low, stop - self._low
        return self._cube[i:j], self._loglike[i:j]


def run_started(scan: Scan) -> str:
    """The run file's ``start_time``: ties a checkpoint to one run file (rank 0)."""
    with open_committed(scan.writer.path) as f:
        value = f.attrs.get("start_time", "")
    return value.decode() if isinstance(value, bytes) else str(value)


def save_npz(path: Path, arrays: dict[str, Any]) -> None:
    """Write a checkpoint atomically: a kill leaves the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(tmp, path)


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """A checkpoint's arrays, or None if there is none or it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError):
        return None


def remove(path: Path) -> None:
    """Delete a stale checkpoint (a fresh run must not pick it up later)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def rng_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def rng_from(state: str) -> np.random.Generator:
    rng = np.random.default_rng()
    rng.bit_generator.state = json.loads(state)
    return rng
