"""Samplers: one function per sampler behind one small interface.

A sampler is a function ``run(scan, *, option=default, ...)`` registered with
`sampler`. Its keyword-only arguments are its options (set in the YAML under
``sampler:`` or in its block of ``samplers:``). It gets a `Scan`, which holds
the prior transform, the likelihood, the writer and the MPI communicator, and
it must evaluate points only through ``scan.loglike`` (collective over ranks)
or ``scan.evaluate`` and ``scan.record``, so that every evaluated point is
written.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..config import SamplerChoice, Where
from ..errors import SamplerError, one_of
from ..evaluate import Evaluator, PointBatch
from ..options import bind_options
from ..output import ResumeState, RunWriter
from ..parallel import rank_of, size_of
from ..pool import Pool
from ..priors import ParameterSpace
from ..progress import Progress

SAMPLERS: dict[str, Callable[..., Any]] = {}
#: other names a physicist may try -> the registered name (only for 'did you mean')
ALIASES: dict[str, str] = {}
#: checks of a sampler's options against the parameters, run before anything is evaluated
CHECKS: dict[str, Callable[[ParameterSpace, dict[str, Any], SamplerChoice], None]] = {}
T = TypeVar("T")


def sampler(name: str, *, aliases: tuple[str, ...] = (),
            check: Callable[[ParameterSpace, dict[str, Any], SamplerChoice], None] | None = None
            ) -> Callable:
    """Register a sampler function under ``name``.

    ``aliases`` are names that an unknown-sampler error suggests ``name`` for (they are
    not accepted in its place: one sampler, one name in run files and outputs).
    ``check(space, options, choice)`` validates the bound options against the parameters
    (``python -m fit check`` and ``--dry-run`` run it too) and raises `ConfigError`
    located with ``choice.where_of(option)``.
    """
    def register(function: Callable) -> Callable:
        SAMPLERS[name] = function
        ALIASES.update(dict.fromkeys((a.lower() for a in aliases), name))
        if check is not None:
            CHECKS[name] = check
        return function
    return register


def discover() -> None:
    """Import the sampler modules of this package (each keeps heavy imports inside ``run``)."""
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        importlib.import_module(info.name)


def _did_you_mean(name: str) -> str:
    """' (did you mean 'de'?)' for a misspelt sampler name or a known alias of one."""
    spellings = {**ALIASES, **{n.lower(): n for n in SAMPLERS}}  # -> the registered name
    key = name.lower().replace("-", "_")
    close = [key] if key in spellings else difflib.get_close_matches(key, spellings, n=1,
                                                                       cutoff=0.6)
    return f" (did you mean '{spellings[close[0]]}'?)" if close else ""


def _registered(name: str, where: Where) -> Callable[..., Any]:
    if name not in SAMPLERS:
        raise where.error(f"unknown sampler '{name}'{_did_you_mean(name)}; known samplers: "
                          f"{one_of(SAMPLERS)}")
    return SAMPLERS[name]


def choose(choice: SamplerChoice, space: ParameterSpace | None = None
           ) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The sampler function and its checked options. Raises `ConfigError`.

    Every block of ``samplers:`` is checked against its sampler (a typo in a block that
    does not run is still an error); the chosen sampler's options are its block with the
    ``sampler:`` entry's options on top. With ``space``, the sampler's own check runs too.
    """
    discover()
    for block in choice.blocks.values():
        bind_options(_registered(block.name, block.where), block.options,
                     what=f"sampler '{block.name}'", where=(block.where.file, block.where.line),
                     key=block.where.key, complete=False)
    function = _registered(choice.name, choice.where)
    options = choice.merged_options()
    bound = bind_options(function, options, what=f"sampler '{choice.name}'",
                         where=(choice.where.file, choice.where.line), key="sampler")
    if space is not None and choice.name in CHECKS:
        CHECKS[choice.name](space, bound, choice)
    return function, bound


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
    #: rows handed to `evaluate` -> parameters; None: rows are unit-cube points. Samplers
    #: that evaluate given parameter values (``points``) set it on every rank.
    to_parameters: Callable[[np.ndarray], dict[str, np.ndarray]] | None = None
    pool: Pool = field(init=False)

    def __post_init__(self) -> None:
        self.pool = Pool(self.comm, self.evaluate)
        if self.writer is not None and self.size > 1:
            self.pool.background = self.writer.flush_if_due

    @property
    def rank(self) -> int:
        return rank_of(self.comm)

    @property
    def size(self) -> int:
        return size_of(self.comm)

    @property
    def ndim(self) -> int:
        return self.space.ndim

    def evaluate(self, rows: np.ndarray) -> PointBatch:
        """Evaluate unit-cube points (or rows that `to_parameters` reads) on this rank only;
        nothing is written."""
        if self.to_parameters is not None:
            return self.evaluator(self.to_parameters(rows))
        return self.evaluator(self.space.transform(rows))

    def record(self, batch: PointBatch, cube: np.ndarray, rank: np.ndarray | int = 0,
               extra: dict[str, np.ndarray] | None = None, *,
               timed_flush: bool = True) -> np.ndarray:
        """Write evaluated points (rank 0); returns their ids. ``timed_flush=False``: the
        pool flushes them during the next batch (see `Pool.background`)."""
        if self.writer is None:
            raise RuntimeError("only rank 0 records points")
        ranks = np.broadcast_to(np.asarray(rank, dtype=np.int32), (len(batch),))
        ids = self.writer.append(batch, cube=np.atleast_2d(cube), rank=ranks,
                                 cube_names=self.space.sampled_names, extra=extra,
                                 timed_flush=timed_flush)
        if self.progress is not None:
            self.progress.update(batch.valid, batch.loglike)
        return ids

    def loglike(self, cube: np.ndarray, extra: dict[str, np.ndarray] | None = None, *,
                rows: np.ndarray | None = None) -> np.ndarray:
        """Evaluate unit-cube points over all ranks, write them, return log L (rank 0, in
        `drive`). Invalid points get the configured floor. Raises `Interrupted` after a
        stop signal, once this batch is written.

        ``rows``: what the ranks evaluate instead of ``cube`` (given parameter values, read
        by `to_parameters`); ``cube`` is then only written, as their unit-cube coordinates.
        """
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        batch, ranks = self.pool.map(cube if rows is None else np.atleast_2d(rows))
        self.record(batch, cube, ranks, extra, timed_flush=self.pool.background is None)
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
