"""Samplers: one function per sampler behind one small interface.

A sampler is a function ``run(scan, *, option=default, ...)`` registered with
`sampler`. Its keyword-only arguments are its options (set in the YAML under
``sampler:``). It gets a `Scan`, which holds the prior transform, the
likelihood, the writer and the MPI communicator, and it must evaluate points
only through ``scan.loglike`` (collective over ranks) or ``scan.evaluate`` and
``scan.record``, so that every evaluated point is written.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import SamplerChoice
from ..errors import one_of, suggest
from ..evaluate import Evaluator, PointBatch
from ..options import bind_options
from ..output import ResumeState, RunWriter
from ..parallel import rank_of, size_of
from ..priors import ParameterSpace
from ..progress import Progress

SAMPLERS: dict[str, Callable[..., Any]] = {}


def sampler(name: str) -> Callable:
    """Register a sampler function under ``name``."""
    def register(function: Callable) -> Callable:
        SAMPLERS[name] = function
        return function
    return register


def discover() -> None:
    """Import the sampler modules of this package (each keeps heavy imports inside ``run``)."""
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        importlib.import_module(info.name)


def choose(choice: SamplerChoice) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The sampler function and its checked options. Raises `ConfigError`."""
    discover()
    if choice.name not in SAMPLERS:
        raise choice.where.error(f"unknown sampler '{choice.name}'"
                                 f"{suggest(choice.name, SAMPLERS)}; known samplers: "
                                 f"{one_of(SAMPLERS)}")
    function = SAMPLERS[choice.name]
    options = bind_options(function, choice.options, what=f"sampler '{choice.name}'",
                           where=(choice.where.file, choice.where.line), key="sampler")
    return function, options


@dataclass
class Scan:
    """What a sampler is given: prior, likelihood, writer and communicator."""

    space: ParameterSpace
    evaluator: Evaluator
    comm: Any | None
    writer: RunWriter | None          # rank 0 only
    seed: int
    resume: ResumeState
    run_dir: Path
    progress: Progress | None = None  # rank 0 only

    @property
    def rank(self) -> int:
        return rank_of(self.comm)

    @property
    def size(self) -> int:
        return size_of(self.comm)

    @property
    def ndim(self) -> int:
        return self.space.ndim

    def evaluate(self, cube: np.ndarray) -> PointBatch:
        """Evaluate unit-cube points on this rank only; nothing is written."""
        return self.evaluator(self.space.transform(cube))

    def record(self, batch: PointBatch, cube: np.ndarray, rank: np.ndarray | int = 0,
               extra: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Write evaluated points (rank 0); returns their ids."""
        if self.writer is None:
            raise RuntimeError("only rank 0 records points")
        ranks = np.broadcast_to(np.asarray(rank, dtype=np.int32), (len(batch),))
        ids = self.writer.append(batch, cube=np.atleast_2d(cube), rank=ranks,
                                 cube_names=self.space.sampled_names, extra=extra)
        if self.progress is not None:
            self.progress.update(batch.valid, batch.loglike)
        return ids

    def loglike(self, cube: np.ndarray | None, extra: dict[str, np.ndarray] | None = None
                ) -> np.ndarray:
        """Evaluate a batch spread over all ranks, write it, and return log L on every rank.

        Collective: every rank calls it; the points given on rank 0 count.
        Invalid points get the configured floor.
        """
        if self.size == 1:
            cube = np.atleast_2d(cube)
            batch = self.evaluate(cube)
            self.record(batch, cube, 0, extra)
            return batch.loglike
        cube = self.comm.bcast(np.atleast_2d(cube) if self.rank == 0 else None, root=0)
        parts = np.array_split(np.arange(len(cube)), self.size)
        mine = self.evaluate(cube[parts[self.rank]])
        gathered = self.comm.gather(mine, root=0)
        loglike = None
        if self.rank == 0:
            batch = PointBatch.concat(gathered)
            ranks = np.concatenate([np.full(len(p), r) for r, p in enumerate(parts)])
            self.record(batch, cube, ranks, extra)
            loglike = batch.loglike
        return self.comm.bcast(loglike, root=0)
