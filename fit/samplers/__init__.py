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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..config import SamplerChoice
from ..errors import SamplerError, one_of, suggest
from ..evaluate import Evaluator, PointBatch
from ..options import bind_options
from ..output import ResumeState, RunWriter
from ..parallel import rank_of, size_of
from ..pool import Pool
from ..priors import ParameterSpace
from ..progress import Progress

SAMPLERS: dict[str, Callable[..., Any]] = {}
T = TypeVar("T")


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


class Interrupted(Exception):  # noqa: N818 - reads as "the scan was interrupted"
    """Raised in rank 0's sampler loop after SIGTERM/SIGINT, once the batch in flight is
    written; samplers may catch it to save a checkpoint, then re-raise."""


@dataclass
class Scan:
    """What a sampler is given: prior, likelihood, writer and communicator.

    Samplers that drive the search from one process wrap their loop in
    `drive`: rank 0 runs it and evaluates batches with `loglike`, which spreads
    them over all ranks and writes them; the other ranks serve evaluations
    until rank 0's loop ends. Samplers with their own MPI (MultiNest) call
    `evaluate` on every rank and bring the points to rank 0 for `record`.
    """

    space: ParameterSpace
    evaluator: Evaluator
    comm: Any | None
    writer: RunWriter | None          # rank 0 only
    seed: int
    resume: ResumeState
    run_dir: Path
    progress: Progress | None = None  # rank 0 only
    stop_requested: bool = False      # set by the signal handler on rank 0
    pool: Pool = field(init=False)

    def __post_init__(self) -> None:
        self.pool = Pool(self.comm, self.evaluate)

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

    def loglike(self, cube: np.ndarray, extra: dict[str, np.ndarray] | None = None
                ) -> np.ndarray:
        """Evaluate unit-cube points over all ranks, write them, return log L (rank 0, in
        `drive`). Invalid points get the configured floor. Raises `Interrupted` after a
        stop signal, once this batch is written."""
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        batch, ranks = self.pool.map(cube)
        self.record(batch, cube, ranks, extra)
        if self.stop_requested:
            raise Interrupted
        return batch.loglike

    def point_ids(self, cube: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
        """Ids of written points at these unit-cube coordinates (rank 0).

        Samplers report their posterior sample as coordinates; this finds the
        written points they belong to. Raises `SamplerError` for a coordinate
        that was never evaluated.
        """
        from scipy.spatial import cKDTree

        ids, written = self.writer.cube(self.space.sampled_names)
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        if len(cube) == 0:
            return np.zeros(0, dtype=np.int64)
        distance, index = cKDTree(written).query(cube)
        if np.any(distance > tolerance):
            worst = int(np.argmax(distance))
            raise SamplerError(f"posterior point {cube[worst].tolist()} was never written "
                               f"(nearest written point at distance {distance[worst]:.3g})")
        return ids[index]

    def write_posterior(self, cube: np.ndarray, weights: np.ndarray, **attributes: Any) -> None:
        """Write the sampler's weighted posterior sample as ``/posterior/{id,weight}`` (rank 0);
        ``attributes`` (e.g. logz, logz_err) go on the group."""
        weights = np.asarray(weights, dtype=float)
        ids = self.point_ids(cube)
        self.writer.write_group("posterior", {"id": ids, "weight": weights / weights.sum()},
                                attributes)

    def drive(self, loop: Callable[[], T]) -> T | None:
        """Run ``loop`` on rank 0 while the other ranks serve its evaluations."""
        if self.rank != 0:
            self.pool.serve()
            return None
        try:
            return loop()
        finally:
            self.pool.stop()
