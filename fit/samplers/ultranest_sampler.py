"""UltraNest (Buchner 2021, arXiv:2101.09604): reactive nested sampling with MLFriends.

Robust evidence and posterior with few tuning knobs: MLFriends regions find
multiple modes by themselves, the evidence error comes from bootstrapped
integrators, and the number of live points grows where the posterior needs it.
For more than about ten parameters, ``slice_steps`` switches from region
sampling to UltraNest's vectorised slice sampler.

- Batches: UltraNest is vectorised here: it proposes between ``ndraw_min``
  and ``ndraw_max`` points at a time and the candidates go to
  ``scan.loglike`` as one batch (spread over the MPI ranks, written by rank
  0). UltraNest would use mpi4py's world communicator by itself; it is given
  a one-process communicator (older versions: mpi4py is hidden while it is
  built), so that only the framework's pool runs in parallel. Its transform
  is the identity; the framework applies the priors.
- Resume: UltraNest stores every point it evaluates in
  ``<run dir>/<output stem>-ultranest/results/points.hdf5`` and, with
  ``--resume``, replays them before evaluating new ones. (Its text stores,
  tsv and csv, cannot be read back by UltraNest 4.6: every line is skipped,
  so they are not offered.) After SIGTERM/SIGINT the store is flushed and
  closed. An HDF5 file open for writing when the process is killed is not
  guaranteed to be readable; if it is not, the run starts UltraNest afresh,
  with a warning (the points stay in the output). A fresh run deletes the
  folder.
- Seed: UltraNest draws from numpy's global generator; it is seeded from the
  run's seed for the run and restored afterwards.
- Result: UltraNest's weighted samples go to ``/posterior`` with ``logz``
  and its ``logzerr`` (bootstrapped integrators plus the tail).
"""

from __future__ import annotations

import inspect
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Interrupted, Scan, sampler
from ._nested import checkpoint_path, finish, require_dimensions, seed_for, start_fresh

log = logging.getLogger(__name__)
_ABSENT = object()


class _OneProcess:
    """The communicator UltraNest gets: a world of one, so it never calls MPI itself."""

    def Get_size(self) -> int:  # noqa: N802 - mpi4py's spelling
        return 1

    def Get_rank(self) -> int:  # noqa: N802
        return 0


def _sampler(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``cls(*args, **kwargs)`` without UltraNest's own MPI: with a one-process communicator
    (UltraNest >= 4.6), or else with mpi4py hidden while it looks for MPI.COMM_WORLD."""
    if "comm" in inspect.signature(cls).parameters:
        return cls(*args, comm=_OneProcess(), **kwargs)
    hidden = sys.modules.get("mpi4py", _ABSENT)
    sys.modules["mpi4py"] = None  # type: ignore[assignment] # makes `import mpi4py` fail
    try:
        return cls(*args, **kwargs)
    finally:
        if hidden is _ABSENT:
            del sys.modules["mpi4py"]
        else:
            sys.modules["mpi4py"] = hidden


def _readable(store: Path) -> bool:
    """Whether UltraNest's point store opens and holds its points table."""
    import h5py

    try:
        with h5py.File(store, "r") as f:
            f["points"][-1:]
    except (OSError, KeyError, ValueError):
        return False
    return True


def _quiet_logger() -> None:
    """UltraNest adds a stdout handler (and a debug.log) to its logger unless the logger has
    handlers already; with a NullHandler its messages go through the framework's logging."""
    logger = logging.getLogger("ultranest")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


@sampler("ultranest", aliases=("ultranest_sampler", "reactive_nested"))
def run(scan: Scan, *, min_num_live_points: int = 400, dlogz: float = 0.5,
        dKL: float = 0.5, frac_remain: float = 0.01, min_ess: int = 400,  # noqa: N803
        max_iters: int | None = None, max_ncalls: int | None = None,
        max_num_improvement_loops: int = -1, cluster_num_live_points: int = 40,
        ndraw_min: int = 128, ndraw_max: int = 65536, num_bootstraps: int = 30,
        slice_steps: int = 0, show_status: bool = False) -> dict[str, Any] | None:
    """Evidence and posterior with UltraNest's ``ReactiveNestedSampler``.

    Options as in UltraNest's ``ReactiveNestedSampler``/``run``:
    ``min_num_live_points``, ``dlogz`` (target ln Z uncertainty), ``dKL``
    (target posterior uncertainty [nat]), ``frac_remain`` (integrate until this
    fraction of the evidence remains; lower it to find small modes),
    ``min_ess``, ``max_iters``, ``max_ncalls``, ``max_num_improvement_loops``,
    ``cluster_num_live_points``, ``ndraw_min``/``ndraw_max`` (points proposed
    per batch), ``num_bootstraps``, ``show_status`` (UltraNest's status
    line). Framework choice: ``slice_steps`` (0: region sampling; n > 0:
    UltraNest's population slice sampler with n steps, for many parameters;
    about 2-4 x the dimension).
    """
    require_dimensions(scan, "ultranest")
    if min_num_live_points < 2 or ndraw_min < 1 or ndraw_max < ndraw_min:
        raise SamplerError(f"sampler 'ultranest' needs min_num_live_points >= 2 and "
                           f"1 <= ndraw_min <= ndraw_max, got {min_num_live_points}, "
                           f"{ndraw_min}, {ndraw_max}")
    if slice_steps < 0:
        raise SamplerError(f"sampler 'ultranest' needs slice_steps >= 0, got {slice_steps}")

    def loop() -> dict[str, Any]:
        import ultranest

        folder = checkpoint_path(scan, "ultranest")
        store = folder / "results" / "points.hdf5"
        fresh = start_fresh(scan, folder)
        if not fresh and store.exists():
            if _readable(store):
                log.info("ultranest: resuming from the points stored in %s", store)
            else:
                log.warning("ultranest: cannot read %s (left broken by a kill?); UltraNest "
                            "starts again", store)
                shutil.rmtree(folder)
                fresh = True
        folder.mkdir(parents=True, exist_ok=True)  # else UltraNest prints that it creates it
        _quiet_logger()
        state = np.random.get_state()
        np.random.seed(seed_for(scan))
        nest: Any = None
        try:
            nest = _sampler(
                ultranest.ReactiveNestedSampler, list(scan.space.sampled_names),
                scan.loglike, transform=None, log_dir=str(folder),
                resume="resume" if not fresh else "overwrite", vectorized=True,
                ndraw_min=ndraw_min, ndraw_max=ndraw_max, num_bootstraps=num_bootstraps,
                num_test_samples=0, storage_backend="hdf5")
            if slice_steps > 0:
                from ultranest.popstepsampler import (
                    PopulationSliceSampler,
                    generate_mixture_random_direction,
                )
                nest.stepsampler = PopulationSliceSampler(
                    popsize=ndraw_min, nsteps=slice_steps,
                    generate_direction=generate_mixture_random_direction)
            result = nest.run(
                min_num_live_points=min_num_live_points, dlogz=dlogz, dKL=dKL,
                frac_remain=frac_remain, min_ess=min_ess, max_iters=max_iters,
                max_ncalls=max_ncalls, max_num_improvement_loops=max_num_improvement_loops,
                cluster_num_live_points=cluster_num_live_points, show_status=show_status,
                viz_callback=False)
        except Interrupted:
            if nest is not None:
                log.info("ultranest: the points it stored in %s are the resume state", store)
            raise
        finally:
            np.random.set_state(state)
            if nest is not None:
                nest.pointstore.close()  # flushes the stored points
        samples = result["weighted_samples"]
        return finish(scan, "ultranest", samples["upoints"], samples["weights"],
                      logz=result["logz"], logz_err=result["logzerr"],
                      n_calls=int(result["ncall"]), n_iterations=int(result["niter"]))

    return scan.drive(loop)
