"""Spreading a batch of points over MPI ranks, rank 0 included, with dynamic hand-out.

Rank 0 cuts a batch into chunks, keeps every worker busy with one chunk at a
time, evaluates chunks itself in between, and collects results as they come:
a slow point (a backend near its timeout) holds up one chunk, not the batch.
The chunk width balances the fixed cost of each chunk (an evaluator call, a
vectorised provider's set-up, a message) against the idle ranks at the end of
a batch, from the measured cost of chunks on rank 0.
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
    """Evaluates unit-cube batches over all ranks of ``comm`` (None: this process alone)."""

    def __init__(self, comm: Any | None, evaluate: Callable[[np.ndarray], PointBatch],
                 depth: int = 3):
        self.comm = comm
        self.size = 1 if comm is None else comm.Get_size()
        self.evaluate = evaluate
        self.depth = depth  # chunks queued per worker, so none idles while rank 0 computes
        self.cost = ChunkCost()  # measured on rank 0

    def chunk_width(self, n: int) -> int:
        """Points per chunk. With N = n/w chunks of fixed cost a, spread over the ranks,
        and about one chunk (a + b w) of imbalance at the end, the batch takes
        ~ (n a/w + n b)/size + a + b w: least at w = sqrt(n a/(b size)). At most n/(2 size)
        (every rank gets two chunks); before any measurement, four chunks per rank."""
        most = max(1, math.ceil(n / (2 * self.size)))
        estimate = self.cost.fit()
        if estimate is None:
            return max(1, math.ceil(n / (4 * self.size)))
        a, b = estimate
        best = math.sqrt(n * (a + MESSAGE_SECONDS) / (b * self.size))
        return int(min(most, max(1, math.ceil(best))))

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

    def map(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """Evaluate the points (rank 0 only); returns the batch in input order and the ranks."""
        cube = np.atleast_2d(cube)
        n = len(cube)
        if self.size == 1 or n == 0:
            return self.evaluate(cube), np.zeros(n, dtype=np.int32)
        from mpi4py import MPI

        width = self.chunk_width(n)
        queue = deque((j, start) for j, start in enumerate(range(0, n, width)))
        results: list[tuple[PointBatch, int] | None] = [None] * len(queue)
        load = dict.fromkeys(range(1, self.size), 0)  # chunks each worker holds
        sends = []  # non-blocking: a worker busy with its first chunk must not block rank 0
        status = MPI.Status()

        def receive() -> None:
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
        while queue or any(load.values()):
            for worker in sorted(load, key=load.get):
                while queue and wants_work(worker):
                    j, start = queue.popleft()
                    sends.append(self.comm.isend((j, cube[start:start + width]), dest=worker,
                                                 tag=TAG_WORK))
                    load[worker] += 1
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
