"""Spreading a batch of points over MPI ranks, rank 0 included, with dynamic hand-out.

Rank 0 cuts a batch into chunks, keeps every worker busy with one chunk at a
time, evaluates chunks itself in between, and collects results as they come:
a slow point (a backend near its timeout) holds up one chunk, not the batch.
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


class Pool:
    """Evaluates unit-cube batches over all ranks of ``comm`` (None: this process alone)."""

    def __init__(self, comm: Any | None, evaluate: Callable[[np.ndarray], PointBatch],
                 depth: int = 3, min_chunk_seconds: float = 0.005):
        self.comm = comm
        self.size = 1 if comm is None else comm.Get_size()
        self.evaluate = evaluate
        self.depth = depth  # chunks queued per worker, so none idles while rank 0 computes
        self.min_chunk_seconds = min_chunk_seconds
        self.seconds_per_point: float | None = None  # measured on rank 0

    def chunk_width(self, n: int) -> int:
        """Points per chunk: small chunks balance the ranks at the end of a batch, but each
        chunk costs a message and an evaluator call (~0.1 ms), so a chunk should take at
        least ``min_chunk_seconds``; and every rank should get at least two chunks."""
        most = max(1, math.ceil(n / (2 * self.size)))
        if self.seconds_per_point is None:
            return max(1, math.ceil(n / (4 * self.size)))
        return min(most, max(1, math.ceil(self.min_chunk_seconds / self.seconds_per_point)))

    def _timed_evaluate(self, cube: np.ndarray) -> PointBatch:
        start = time.perf_counter()
        batch = self.evaluate(cube)
        per_point = (time.perf_counter() - start) / max(len(cube), 1)
        old = self.seconds_per_point
        self.seconds_per_point = per_point if old is None else 0.8 * old + 0.2 * per_point
        return batch

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

        def wants_work(worker: int) -> bool:
            # queue up to `depth` chunks per worker while there is plenty of work; near the
            # end of the batch only idle workers get one, so nobody is left holding a queue
            return load[worker] == 0 or (load[worker] < self.depth and len(queue) > self.size)

        while queue or any(load.values()):
            for worker in sorted(load, key=load.get):
                while queue and wants_work(worker):
                    j, start = queue.popleft()
                    sends.append(self.comm.isend((j, cube[start:start + width]), dest=worker,
                                                 tag=TAG_WORK))
                    load[worker] += 1
            if queue:
                j, start = queue.popleft()
                results[j] = (self._timed_evaluate(cube[start:start + width]), 0)
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
