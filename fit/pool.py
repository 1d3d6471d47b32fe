"""Spreading a batch of points over MPI ranks, rank 0 included, with dynamic hand-out.

Rank 0 cuts a batch into chunks, keeps every worker busy with one chunk at a
time, evaluates chunks itself in between, and collects results as they come:
a slow point (a backend near its timeout) holds up one chunk, not the batch.
The chunk width balances the fixed cost of each chunk (an evaluator call, a
vectorised provider's set-up, a message) against the idle ranks at the end of
a batch, from the measured cost of chunks on rank 0 (`Pool.modelled_seconds`).
On a 2-core machine a pool whose master only coordinates leaves a core idle;
here rank 0 works too.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from .evaluate import PointBatch

TAG_WORK, TAG_RESULT, TAG_STOP = 11, 12, 13
#: cost of sending a chunk and its result, on top of the evaluator call [s]
MESSAGE_SECONDS = 1e-4
#: waiting for a message: spin this long [s], then sleep, doubling up to the cap [s]
SPIN_SECONDS, SLEEP_CAP_SECONDS = 2e-4, 1e-3
#: with rank 0 alone chosen, a batch goes over the ranks again after this many, so that
#: the choice follows a cost that changes during the scan; the interval doubles (up to
#: the cap) each time that probe confirms the choice
PROBE_EVERY, PROBE_CAP = 16, 512


def wait_for_message(comm: Any, source: int, tag: int) -> None:
    """Return once a message from ``source`` with ``tag`` has arrived, without spinning:
    a blocking MPI receive busy-waits in most MPI libraries, and a waiting rank then takes
    the CPU from ranks that compute (on a laptop, or a node with more ranks than cores)."""
    start = time.perf_counter()
    pause = 1e-5
    while not comm.Iprobe(source=source, tag=tag):
        if time.perf_counter() - start > SPIN_SECONDS:
            time.sleep(pause)
            pause = min(2.0 * pause, SLEEP_CAP_SECONDS)


class ChunkCost:
    """Running estimate of the time to evaluate a chunk of w points, T(w) = a + b w [s]:
    a is the fixed cost of a call (a vectorised provider's set-up, the evaluator's own
    bookkeeping), b the cost per point. Least squares over the last ``memory`` chunks
    timed on rank 0, which times a short chunk now and then so that the widths differ."""

    def __init__(self, memory: int = 32):
        self.samples: deque[tuple[int, float]] = deque(maxlen=memory)

    def add(self, width: int, seconds: float) -> None:
        self.samples.append((width, seconds))

    def wants_short_chunk(self) -> bool:
        """True while the remembered chunks have one width only, or half of them have
        been replaced since the last short one (costs drift as a scan moves)."""
        widths = [w for w, _ in self.samples]
        return len(set(widths)) < 2 or min(widths) not in widths[len(widths) // 2:]

    def fit(self) -> tuple[float, float] | None:
        """(a, b), or None before the first chunk; a >= 0, b > 0."""
        if not self.samples:
            return None
        width, seconds = np.array(self.samples, dtype=float).T
        if np.ptp(width) == 0:
            return 0.0, max(float(np.mean(seconds / width)), 1e-12)
        b, a = np.polyfit(width, seconds, 1)
        return max(float(a), 0.0), max(float(b), 1e-12)


class Pool:
    """Evaluates unit-cube batches over all ranks of ``comm`` (None: this process alone).

    A batch so cheap that handing it out costs more than computing it (a toy likelihood
    in small batches, as nested samplers ask for) is evaluated on rank 0 alone: the pool
    compares the modelled time of the batch on rank 0, a + b n, with that over all ranks,
    the modelled computing time plus the overhead measured on earlier spread batches (the
    least of the last five, as the first ones carry the workers' warm-up), so
    that N ranks are never much slower than one. After `PROBE_EVERY` such batches one is
    spread anyway, to follow a cost that changes as the scan moves (the interval doubles
    while the probes confirm rank 0 alone, up to `PROBE_CAP`).
    """

    def __init__(self, comm: Any | None, evaluate: Callable[[np.ndarray], PointBatch],
                 depth: int = 3):
        self.comm = comm
        self.size = 1 if comm is None else comm.Get_size()
        self.evaluate = evaluate
        self.depth = depth  # chunks queued per worker, so none idles while rank 0 computes
        self.cost = ChunkCost()  # measured on rank 0
        #: wall time of recent spread batches beyond the model [s]; their minimum is the
        #: overhead (the first batches also carry the workers' warm-up)
        self.overheads: deque[float] = deque(maxlen=5)
        self.local_streak = 0               # batches evaluated on rank 0 alone in a row
        self.probe_interval = PROBE_EVERY   # local batches before the next spread one
        #: rank 0's own serial work (writing output), done once per batch while the
        #: workers compute their first chunks instead of between batches, when they idle
        self.background: Callable[[], None] | None = None

    def chunk_width(self, n: int) -> int:
        """Points per chunk: the width that minimises `modelled_seconds`, among widths that
        give every rank k chunks (k = 1, 2, ...), the smaller one on a tie (finer chunks
        balance uneven points better). Before any measurement, four chunks per rank."""
        estimate = self.cost.fit()
        if estimate is None:
            return max(1, math.ceil(n / (4 * self.size)))
        a, b = estimate
        most_rounds = max(1, math.ceil(n / self.size))
        # k = 1, 2, ... 10, then growing by 10% (the modelled time is smooth in k there)
        rounds = sorted({min(most_rounds, max(1, round(1.1**j))) for j in range(200)}
                        | set(range(1, min(most_rounds, 10) + 1)))
        best, best_seconds = n, math.inf
        for k in rounds:
            width = max(1, math.ceil(n / (k * self.size)))
            seconds = self.modelled_seconds(n, width, a, b)
            if seconds <= best_seconds * (1 + 1e-9):
                best, best_seconds = width, seconds
        return best

    def modelled_seconds(self, n: int, width: int, a: float, b: float) -> float:
        """Modelled wall time [s] of a batch of n points in chunks of ``width`` over the
        ranks, each chunk costing a + b width + a message: with equal points the chunks go
        in rounds of one per rank, ceil(chunks/size) of them, plus half a chunk for the
        uneven cost of real points (they end at different times)."""
        chunk = a + b * width + MESSAGE_SECONDS
        rounds = math.ceil(math.ceil(n / width) / self.size)
        return rounds * chunk + 0.5 * chunk

    def _timed_evaluate(self, cube: np.ndarray) -> PointBatch:
        start = time.perf_counter()
        batch = self.evaluate(cube)
        self.cost.add(len(cube), time.perf_counter() - start)
        return batch

    def _evaluate_split(self, cube: np.ndarray) -> PointBatch:
        """A chunk as a short piece and the rest, each timed (two widths for the fit)."""
        if len(cube) < 2:
            return self._timed_evaluate(cube)
        short = max(1, len(cube) // 4)
        return PointBatch.concat([self._timed_evaluate(cube[:short]),
                                  self._timed_evaluate(cube[short:])])

    def _background(self) -> None:
        if self.background is not None:
            self.background()

    def _alone_is_faster(self, n: int) -> bool:
        """Whether rank 0 alone would finish this batch sooner than all ranks together."""
        estimate = self.cost.fit()
        if estimate is None or len(self.overheads) < 2:
            return False
        a, b = estimate
        spread = self.modelled_seconds(n, self.chunk_width(n), a, b) + min(self.overheads)
        return a + b * n < spread and self.local_streak < self.probe_interval

    def map(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """Evaluate the points (rank 0 only); returns the batch in input order and the ranks."""
        cube = np.atleast_2d(cube)
        n = len(cube)
        if self.size == 1 or n == 0:
            return self.evaluate(cube), np.zeros(n, dtype=np.int32)
        if self._alone_is_faster(n):
            self.local_streak += 1
            batch = self._timed_evaluate(cube)
            self._background()
            return batch, np.zeros(n, dtype=np.int32)
        probing = self.local_streak > 0
        self.local_streak = 0
        started = time.perf_counter()
        batch, ranks = self._spread(cube)
        estimate = self.cost.fit()
        if estimate is not None:
            width = self.chunk_width(n)
            extra = time.perf_counter() - started - self.modelled_seconds(n, width, *estimate)
            self.overheads.append(max(extra, 0.0))
            if probing:   # was the probe worth it? then look again soon, else less often
                confirmed = self._alone_is_faster(n)
                self.probe_interval = (min(2 * self.probe_interval, PROBE_CAP) if confirmed
                                       else PROBE_EVERY)
        return batch, ranks

    def _spread(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """The batch in chunks over all ranks, rank 0 included."""
        from mpi4py import MPI

        n = len(cube)
        width = self.chunk_width(n)
        queue = deque((j, start) for j, start in enumerate(range(0, n, width)))
        results: list[tuple[PointBatch, int] | None] = [None] * len(queue)
        load = dict.fromkeys(range(1, self.size), 0)  # chunks each worker holds
        sends = []  # non-blocking: a worker busy with its first chunk must not block rank 0
        status = MPI.Status()

        def receive() -> None:
            wait_for_message(self.comm, MPI.ANY_SOURCE, TAG_RESULT)
            j, batch = self.comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
            results[j] = (batch, status.Get_source())
            load[status.Get_source()] -= 1

        few_chunks = len(results) < 2 * self.depth * self.size

        def wants_work(worker: int) -> bool:
            # queue up to `depth` chunks per worker while there is plenty of work (near the
            # end only idle workers get one); with few chunks in the batch a queued chunk
            # is a large part of it, so then no worker holds more than its share
            if load[worker] == 0:
                return True
            if load[worker] >= self.depth or len(queue) <= self.size:
                return False
            share = (len(queue) + sum(load.values())) / self.size
            return not few_chunks or load[worker] + 1 <= share

        split = self.cost.wants_short_chunk()  # rank 0 splits one chunk (see ChunkCost)
        background = True
        while queue or any(load.values()):
            for worker in sorted(load, key=load.get):
                while queue and wants_work(worker):
                    j, start = queue.popleft()
                    sends.append(self.comm.isend((j, cube[start:start + width]), dest=worker,
                                                 tag=TAG_WORK))
                    load[worker] += 1
            if background:  # the workers hold chunks now
                self._background()
                background = False
            if queue:
                j, start = queue.popleft()
                evaluate = self._evaluate_split if split else self._timed_evaluate
                results[j] = (evaluate(cube[start:start + width]), 0)
                split = False
                while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_RESULT):
                    receive()
            else:
                receive()
        MPI.Request.waitall(sends)
        batches = [r[0] for r in results]
        ranks = np.concatenate([np.full(len(b), r, dtype=np.int32) for b, r in results])
        return PointBatch.concat(batches), ranks

    def serve(self) -> None:
        """Worker loop (ranks > 0): evaluate chunks until rank 0 says stop.

        Results go back with non-blocking sends: a result too large for MPI's eager
        protocol would otherwise hold the worker until rank 0, busy with its own
        chunk, posts the matching receive (measured: 40% of a worker's time).
        """
        from mpi4py import MPI

        status = MPI.Status()
        pending = []
        while True:
            wait_for_message(self.comm, 0, MPI.ANY_TAG)
            message = self.comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
            if status.Get_tag() == TAG_STOP:
                MPI.Request.waitall(pending)
                return
            j, cube = message
            pending.append(self.comm.isend((j, self.evaluate(cube)), dest=0, tag=TAG_RESULT))
            pending = [r for r in pending if not r.Test()]

    def stop(self) -> None:
        """Release the workers from `serve` (rank 0)."""
        for worker in range(1, self.size):
            self.comm.send(None, dest=worker, tag=TAG_STOP)
