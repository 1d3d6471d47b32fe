"""dynesty (Speagle 2020, arXiv:1904.02180): static and dynamic nested sampling.

Two samplers: ``dynesty`` (static: a fixed number of live points; evidence and
posterior) and ``dynesty_dynamic`` (dynamic: a baseline run, then batches of
live points where they help most; ``pfrac`` 1 aims at the posterior, 0 at the
evidence). dynesty samples the unit cube with an identity prior transform; the
framework applies the priors, so dynesty's checkpoints hold cube coordinates.

- Batches: dynesty proposes ``queue_size`` new points at a time by mapping its
  proposal function over a pool. `LockstepPool` is that pool: it runs the
  proposals side by side in threads, and whenever each one waits for a
  likelihood value it evaluates all their points as one batch with
  ``scan.loglike`` (spread over the MPI ranks, written by rank 0). A proposal
  that needs several likelihood calls (the uniform sampler retries until a
  point passes the likelihood constraint; ``rwalk`` and ``slice`` take many
  steps) takes several rounds, and the last rounds hold fewer points: the
  parallel efficiency is that of dynesty with its own pool of ``queue_size``
  workers. dynesty's own MPI/multiprocessing is not used.
- Resume: dynesty's checkpoint (``<run dir>/<output stem>-dynesty.pkl``,
  written every ``checkpoint_every`` seconds and at the end) is restored with
  ``--resume``; a fresh run deletes it. After SIGTERM/SIGINT the static
  sampler saves a checkpoint at once (it drops its queue of unused proposals,
  which is harmless); the dynamic one keeps its last periodic checkpoint,
  because its batch state cannot be saved in the middle of a batch.
- The checkpoint is a pickle, and loading a pickle runs whatever code it
  names: `Checkpoints` records the SHA-256 of each checkpoint in the run file
  (attribute ``dynesty_checkpoint``, with the number of points written when
  it was saved) in the same commit as those points, and ``--resume`` refuses
  a checkpoint whose hash is not the one recorded.
- Points evaluated after the checkpoint are in the file but unknown to the
  restored dynesty, which proposes them again (its random state is in the
  checkpoint): `Repeats` answers those proposals with the log-likelihoods in
  the file instead of evaluating and writing them a second time, so the file
  holds each point once. A resume without a checkpoint (killed before the
  first, or one deleted) starts dynesty again with the run's seed, and the
  whole file answers its proposals the same way.
- Result: the weighted dead and final live points go to ``/posterior`` with
  ``logz`` and ``logz_err``: for the static sampler dynesty's estimate (from
  the information H, about sqrt(H/nlive)); for the dynamic one the scatter of
  simulated copies of the run (see `run_dynamic`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from ..output import open_committed
from . import Interrupted, Scan, sampler
from ._nested import checkpoint_path, finish, require_dimensions, start_fresh

log = logging.getLogger(__name__)

# dynesty maps over the pool only to propose points; the other stages gain nothing from
# threads and would only start them.
USE_POOL = {"prior_transform": False, "loglikelihood": True, "propose_point": True,
            "update_bound": False, "stop_function": False}

_ACTIVE: LockstepPool | None = None   # the pool of the running scan (one per process)


_CALL, _DONE, _FAILED, _ABORT, _STOP = (object() for _ in range(5))  # message tags


class _Aborted(Exception):  # noqa: N818 - internal signal, never seen by users
    """Raised in proposal threads when the batch they wait for will not come."""


def _identity(u: np.ndarray) -> np.ndarray:
    """dynesty's prior transform: the framework applies the priors itself."""
    return u


def _cube_loglike(u: np.ndarray) -> float:
    """dynesty's likelihood: a module-level function, so that checkpoints pickle it."""
    if _ACTIVE is None:
        raise RuntimeError("no dynesty scan is running in this process")
    return _ACTIVE.loglike(u)


class LockstepPool:
    """A dynesty pool whose ``map`` batches the likelihood calls of its tasks.

    ``map(function, items)`` runs ``function(items[i])`` in worker thread i
    (threads are kept between maps). A worker that calls the likelihood
    waits; once every unfinished task waits, their points go to ``evaluate``
    as one batch, in task order (so a run is reproducible), and the tasks
    continue with their values. ``size`` is dynesty's queue size (read when a
    checkpoint is restored).
    """

    def __init__(self, evaluate: Callable[[np.ndarray], np.ndarray], size: int):
        self.evaluate = evaluate
        self.size = size
        self._local = threading.local()
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()   # workers -> coordinator
        self._inboxes: list[queue.SimpleQueue] = []             # coordinator -> worker i
        self._threads: list[threading.Thread] = []

    def loglike(self, u: np.ndarray) -> float:
        """log L of one cube point: batched with the other tasks inside `map`, else alone."""
        worker = getattr(self._local, "worker", None)
        if worker is None:
            return float(self.evaluate(np.atleast_2d(u))[0])
        self._outbox.put((_CALL, worker, np.array(u, dtype=float)))
        value = self._inboxes[worker].get()
        if value is _ABORT:
            raise _Aborted
        return value

    def _serve(self, worker: int) -> None:
        self._local.worker = worker
        inbox = self._inboxes[worker]
        while True:
            job = inbox.get()
            if job is _STOP:
                return
            function, item = job
            try:
                self._outbox.put((_DONE, worker, function(item)))
            except BaseException as exc:  # noqa: BLE001 - re-raised by the coordinator
                self._outbox.put((_FAILED, worker, exc))

    def _workers(self, n: int) -> None:
        while len(self._threads) < n:
            self._inboxes.append(queue.SimpleQueue())
            thread = threading.Thread(target=self._serve, args=(len(self._threads),),
                                      daemon=True, name=f"dynesty-task-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()

    def map(self, function: Callable[[Any], Any], iterable: Iterable[Any]) -> list[Any]:
        items = list(iterable)
        self._workers(len(items))
        outputs: list[Any] = [None] * len(items)
        errors: dict[int, BaseException] = {}
        for i, item in enumerate(items):
            self._inboxes[i].put((function, item))
        running, calls = len(items), {}
        try:
            while running:
                kind, worker, payload = self._outbox.get()
                if kind is _CALL:
                    calls[worker] = payload
                else:
                    running -= 1
                    if kind is _DONE:
                        outputs[worker] = payload
                    else:
                        errors[worker] = payload
                if running and len(calls) == running:
                    order = sorted(calls)
                    values = self.evaluate(np.array([calls[i] for i in order]))
                    calls = {}
                    for i, value in zip(order, values, strict=True):
                        self._inboxes[i].put(float(value))
        except BaseException:
            self._release(running, calls)
            raise
        if errors:
            raise errors[min(errors)]
        return outputs

    def _release(self, running: int, calls: dict[int, np.ndarray]) -> None:
        """Stop the tasks of a map whose batch failed (e.g. `Interrupted`): each likelihood
        call they make from now on raises. dynesty prints every exception that passes
        through its likelihood wrapper; those prints are dropped."""
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for worker in calls:
                self._inboxes[worker].put(_ABORT)
            while running:
                kind, worker, _ = self._outbox.get()
                if kind is _CALL:
                    self._inboxes[worker].put(_ABORT)
                else:
                    running -= 1

    def close(self) -> None:
        """End the worker threads."""
        for inbox in self._inboxes:
            inbox.put(_STOP)
        for thread in self._threads:
            thread.join()
        self._inboxes, self._threads = [], []


#: the run file's root attribute that records the checkpoint
RECORD = "dynesty_checkpoint"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Checkpoints:
    """dynesty's checkpoint, kept in step with the run file (rank 0).

    dynesty writes each checkpoint to ``<checkpoint>.staged``. `adopt`, called
    before every batch and after each save, finds a new staged file, records its
    SHA-256 and the number of points written so far in the run file, in one
    commit with those points, and only then moves it to its name. A kill at any
    step leaves a checkpoint that is recorded, or one that `verify` sorts out.
    """

    def __init__(self, scan: Scan, path: Path):
        self.scan, self.path = scan, path
        self.staged = path.with_name(path.name + ".staged")

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the checkpoint (deleted by a fresh start)."""
        return tuple(p.with_name(p.name + suffix) for p in (self.path, self.staged)
                     for suffix in ("", ".tmp"))

    def record(self) -> dict[str, Any] | None:
        with open_committed(self.scan.writer.path) as f:
            text = f.attrs.get(RECORD)
        return json.loads(text) if text else None

    def verify(self) -> dict[str, Any] | None:
        """On --resume: finish a move a kill cut short, drop a checkpoint never recorded, and
        refuse one whose hash is not the recorded one. Returns the record of the checkpoint
        to restore (None: there is none). Raises `SamplerError`."""
        record = self.record()
        for leftover in (self.staged.with_name(self.staged.name + ".tmp"),
                         self.path.with_name(self.path.name + ".tmp")):
            leftover.unlink(missing_ok=True)
        if self.staged.exists():
            if record is not None and _sha256(self.staged) == record["sha256"]:
                os.replace(self.staged, self.path)
            else:
                self.staged.unlink()
        if not self.path.exists():
            return None
        output = self.scan.writer.path
        if record is None:
            raise SamplerError(
                f"cannot resume from {self.path}: {output} records no dynesty checkpoint, so "
                f"this file was not written by this run; a checkpoint is a pickle, and "
                f"loading it runs any code it names. Delete it to resume without it")
        found = _sha256(self.path)
        if found != record["sha256"]:
            raise SamplerError(
                f"cannot resume from {self.path}: its SHA-256 ({found[:12]}...) is not the "
                f"one {output} recorded when the run wrote it ({record['sha256'][:12]}...); "
                f"it was changed or replaced, and a checkpoint is a pickle, whose loading "
                f"runs any code it names. Delete it to resume without it")
        return record

    def adopt(self) -> None:
        """Record and move into place a checkpoint dynesty has just written (if any)."""
        if not self.staged.exists():
            return
        writer = self.scan.writer
        record = {"file": self.path.name, "sha256": _sha256(self.staged),
                  "n_points": writer.state.n_points}
        writer.flush(attributes={RECORD: json.dumps(record)})
        os.replace(self.staged, self.path)


class Repeats:
    """``loglike`` for a resumed run (rank 0): proposals that are points of the file written
    from row ``first_row`` on (after the checkpoint restored, or all) get their stored log L
    and are not written again; other points go to `Scan.loglike`."""

    TOLERANCE = 1e-12   # unit-cube distance: the same proposal gives the same bits

    def __init__(self, scan: Scan, first_row: int):
        from scipy.spatial import cKDTree

        self.scan = scan
        end = scan.resume.n_points
        with open_committed(scan.writer.path) as f:
            names = scan.space.sampled_names
            self._cube = np.column_stack([f[f"cube/{n}"][first_row:end] for n in names]) \
                if end > first_row else np.zeros((0, scan.ndim))
            self._loglike = np.asarray(f["point/loglike"][first_row:end], dtype=float)
        self._unused = np.ones(len(self._loglike), dtype=bool)
        self._tree = cKDTree(self._cube) if len(self._cube) else None
        self.answered = 0

    def loglike(self, cube: np.ndarray) -> np.ndarray:
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        if self._tree is None or not self._unused.any():
            return self.scan.loglike(cube)
        distance, index = self._tree.query(cube)
        found = (distance <= self.TOLERANCE) & self._unused[index]
        found &= ~_repeated(index, found)   # one stored point answers one proposal
        self._unused[index[found]] = False
        self.answered += int(found.sum())
        values = np.empty(len(cube))
        values[found] = self._loglike[index[found]]
        if (~found).any():
            values[~found] = self.scan.loglike(cube[~found])
        elif self.scan.stop_requested:
            raise Interrupted
        return values


def _repeated(index: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """True where ``index`` repeats an earlier masked entry."""
    seen: set[int] = set()
    out = np.zeros(len(index), dtype=bool)
    for i in np.flatnonzero(mask):
        out[i] = int(index[i]) in seen
        seen.add(int(index[i]))
    return out


def _queue_size(scan: Scan, queue_size: int | None, nlive: int) -> int:
    """Default batch: four points per MPI rank (so the framework's pool balances the load)
    and at least 16, but at most a quarter of the live points (proposals drawn from an
    older bound lose efficiency, not correctness)."""
    if queue_size is not None:
        return queue_size
    return max(1, min(max(16, 4 * scan.size), nlive // 4))


def _check_options(name: str, nlive: int, bound: str, sample: str, queue_size: int | None
                   ) -> None:
    if nlive < 2 or (queue_size is not None and queue_size < 1):
        raise SamplerError(f"sampler '{name}' needs nlive >= 2 and queue_size >= 1, got "
                           f"{nlive} and {queue_size}")
    for option, value, known in (("bound", bound, ("none", "single", "multi", "balls", "cubes")),
                                 ("sample", sample, ("auto", "unif", "rwalk", "slice", "rslice"))):
        if value not in known:
            raise SamplerError(f"sampler '{name}': unknown {option} '{value}'; one of "
                               f"{', '.join(known)}")


def _finished(dyn: Any) -> bool:
    """Whether a restored sampler had finished (dynesty warns when such a run is resumed)."""
    state = getattr(dyn, "internal_state", None)  # dynamic samplers
    if state is not None:
        return getattr(state, "name", "") == "RUN_DONE"
    return bool(getattr(dyn, "added_live", False))


def _simulated_error(results: Any, n: int, seed: int) -> float:
    """Standard deviation of ln Z over ``n`` simulated copies of a run: dead points resampled
    by strand (bootstrap) and prior volumes jittered (Higson et al. 2018, arXiv:1704.03459)."""
    from dynesty.utils import jitter_run, resample_run

    rng = np.random.default_rng([seed, 1])
    logz = [jitter_run(resample_run(results, rstate=rng), rstate=rng).logz[-1]
            for _ in range(n)]
    return float(np.std(logz, ddof=1))


def _run(scan: Scan, name: str, dynamic: bool, nlive: int, queue_size: int | None,
         checkpoint_every: float, setup: dict[str, Any], run_options: dict[str, Any],
         error_realisations: int = 0) -> dict[str, Any] | None:
    """Build (or restore) a dynesty sampler on rank 0, run it, write the posterior."""
    require_dimensions(scan, name)
    def loop() -> dict[str, Any]:
        global _ACTIVE
        import dynesty
        from dynesty.utils import restore_sampler

        checkpoints = Checkpoints(scan, checkpoint_path(scan, "dynesty.pkl"))
        fresh = start_fresh(scan, *checkpoints.files)
        record = None if fresh else checkpoints.verify()
        size = _queue_size(scan, queue_size, nlive)
        # a resume without a checkpoint starts dynesty again with the run's seed: it
        # proposes the points of the file again, which the file answers
        repeats = None if fresh else Repeats(
            scan, min(record["n_points"], scan.resume.n_points) if record else 0)

        def evaluate(cube: np.ndarray) -> np.ndarray:
            checkpoints.adopt()
            return repeats.loglike(cube) if repeats is not None else scan.loglike(cube)

        pool = LockstepPool(evaluate, size)
        _ACTIVE = pool
        dyn: Any = None
        try:
            if record is not None:
                log.info("%s: resuming from checkpoint %s", name, checkpoints.path)
                dyn = restore_sampler(str(checkpoints.path), pool=pool)
                if dyn.ndim != scan.ndim:
                    raise SamplerError(f"checkpoint {checkpoints.path} has {dyn.ndim} "
                                       f"dimensions, the run {scan.ndim}: delete it or use "
                                       f"--overwrite")
            else:
                cls = dynesty.DynamicNestedSampler if dynamic else dynesty.NestedSampler
                dyn = cls(_cube_loglike, _identity, scan.ndim, nlive=nlive, pool=pool,
                          queue_size=size, use_pool=USE_POOL,
                          rstate=np.random.default_rng([scan.seed]), **setup)
            if record is not None and _finished(dyn):
                log.info("%s: the checkpoint holds a finished run", name)
            else:
                dyn.run_nested(checkpoint_file=str(checkpoints.staged),
                               checkpoint_every=checkpoint_every, resume=record is not None,
                               **run_options)
            checkpoints.adopt()
        except Interrupted:
            if dyn is not None and not dynamic:
                dyn.queue, dyn.nqueue = [], 0  # proposals made before the signal: dropped
                dyn.save(str(checkpoints.staged))
                log.info("%s: checkpoint saved to %s", name, checkpoints.path)
            checkpoints.adopt()   # (the dynamic sampler's last periodic one, if not yet)
            raise
        finally:
            _ACTIVE = None
            pool.close()
            if repeats is not None and repeats.answered:
                log.info("%s: %d proposals of points already in the file were answered "
                         "from it", name, repeats.answered)
        results = dyn.results
        logz_err = float(results.logzerr[-1])
        extra = {}
        if error_realisations > 0:
            extra["logz_err_dynesty"] = logz_err
            logz_err = _simulated_error(results, error_realisations, scan.seed)
        return finish(scan, name, results.samples_u, results.importance_weights(),
                      logz=results.logz[-1], logz_err=logz_err,
                      information=float(results.information[-1]),
                      n_iterations=int(results.niter), n_calls=int(np.sum(results.ncall)),
                      **extra)

    return scan.drive(loop)


@sampler("dynesty", aliases=("dynesty_static", "dynesty_sampler"))
def run_static(scan: Scan, *, nlive: int = 500, bound: str = "multi", sample: str = "auto",
               dlogz: float | None = None, maxiter: int | None = None,
               maxcall: int | None = None, queue_size: int | None = None,
               bootstrap: int | None = None, enlarge: float | None = None,
               walks: int | None = None, slices: int | None = None,
               checkpoint_every: float = 60.0, print_progress: bool = False
               ) -> dict[str, Any] | None:
    """Static nested sampling: evidence and posterior with ``nlive`` live points.

    Options as in dynesty's ``NestedSampler``/``run_nested``: ``bound`` (none,
    single, multi, balls, cubes), ``sample`` (auto: uniform below 10
    dimensions, rwalk up to 20, rslice above), ``dlogz`` (stop when the
    remaining evidence is below this; None: dynesty's 1e-3 (nlive - 1) +
    0.01), ``maxiter``, ``maxcall``, ``bootstrap``, ``enlarge``, ``walks``,
    ``slices``. Framework choices: ``queue_size`` (points per batch; None:
    max(16, 4 x ranks), at most nlive/4), ``checkpoint_every`` [s],
    ``print_progress`` (dynesty's own progress line; off, the framework logs
    progress).
    """
    _check_options("dynesty", nlive, bound, sample, queue_size)
    setup = {"bound": bound, "sample": sample, "bootstrap": bootstrap, "enlarge": enlarge,
             "walks": walks, "slices": slices}
    run_options = {"dlogz": dlogz, "maxiter": maxiter, "maxcall": maxcall,
                   "print_progress": print_progress}
    return _run(scan, "dynesty", False, nlive, queue_size, checkpoint_every, setup,
                run_options)


@sampler("dynesty_dynamic", aliases=("dynamic_nested", "dynesty_dynamic_sampler"))
def run_dynamic(scan: Scan, *, nlive: int = 500, nlive_batch: int | None = None,
                pfrac: float = 0.8, n_effective: int | None = None,
                dlogz_init: float = 0.01, maxbatch: int | None = None,
                maxiter: int | None = None, maxcall: int | None = None,
                bound: str = "multi", sample: str = "auto", queue_size: int | None = None,
                bootstrap: int | None = None, enlarge: float | None = None,
                walks: int | None = None, slices: int | None = None,
                error_realisations: int = 30, checkpoint_every: float = 60.0,
                print_progress: bool = False) -> dict[str, Any] | None:
    """Dynamic nested sampling: a baseline run with ``nlive`` live points, then batches of
    ``nlive_batch`` (None: nlive) where the weight function asks for them.

    ``pfrac`` is the weight's posterior fraction (dynesty's default 0.8; 1:
    posterior only, 0: evidence only); batches are added until the effective
    posterior sample size reaches ``n_effective`` (None: dynesty's
    max(ndim^2, 10000)) or ``maxbatch`` batches. ``dlogz_init`` stops the
    baseline run. Other options as for ``dynesty``. After SIGTERM the run
    continues from its last periodic checkpoint (``checkpoint_every`` [s]).

    ``logz_err`` is the scatter of ln Z over ``error_realisations`` simulated
    copies of the run (bootstrap over strands, jittered volumes): dynesty's
    analytic estimate (kept as ``logz_err_dynesty``) understates the
    uncertainty of dynamic runs, whose evidence rests on the baseline run's
    few live points. 0 keeps dynesty's estimate.
    """
    _check_options("dynesty_dynamic", nlive, bound, sample, queue_size)
    if not 0.0 <= pfrac <= 1.0:
        raise SamplerError(f"sampler 'dynesty_dynamic' needs 0 <= pfrac <= 1, got {pfrac}")
    setup = {"bound": bound, "sample": sample, "bootstrap": bootstrap, "enlarge": enlarge,
             "walks": walks, "slices": slices}
    run_options: dict[str, Any] = {
        "nlive_init": nlive, "nlive_batch": nlive_batch, "dlogz_init": dlogz_init,
        "wt_kwargs": {"pfrac": pfrac}, "n_effective": n_effective, "maxbatch": maxbatch,
        "maxiter": maxiter, "maxcall": maxcall, "print_progress": print_progress}
    if error_realisations < 0 or error_realisations == 1:
        raise SamplerError(f"sampler 'dynesty_dynamic' needs error_realisations = 0 or >= 2, "
                           f"got {error_realisations}")
    return _run(scan, "dynesty_dynamic", True, nlive, queue_size, checkpoint_every, setup,
                run_options, error_realisations)
