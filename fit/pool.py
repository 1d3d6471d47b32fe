"""Spreading a batch of points over MPI ranks, rank 0 included, with dynamic hand-out.

Rank 0 cuts a batch into chunks, keeps every worker busy with one chunk at a
time, evaluates chunks itself in between, and collects results as they come:
a slow point (a backend near its timeout) holds up one chunk, not the batch.
On a 2-core machine a pool whose master only coordinates leaves a core idle;
here rank 0 works too.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from .evaluate import PointBatch

TAG_WORK, TAG_RESULT, TAG_STOP = 11, 12, 13


class Pool:
    """Evaluates unit-cube batches over all ranks of ``comm`` (None: this process alone)."""

    def __init__(self, comm: Any | None, evaluate: Callable[[np.ndarray], PointBatch],
                 chunks_per_rank: int = 4):
        self.comm = comm
        self.size = 1 if comm is None else comm.Get_size()
        self.evaluate = evaluate
        self.chunks_per_rank = chunks_per_rank

    def map(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """Evaluate the points (rank 0 only); returns the batch in input order and the ranks."""
        cube = np.atleast_2d(cube)
        n = len(cube)
        if self.size == 1 or n == 0:
            return self.evaluate(cube), np.zeros(n, dtype=np.int32)
        from mpi4py import MPI

        width = max(1, math.ceil(n / (self.chunks_per_rank * self.size)))
        queue = deque((j, start) for j, start in enumerate(range(0, n, width)))
        results: list[tuple[PointBatch, int] | None] = [None] * len(queue)
        idle = list(range(1, self.size))
        outstanding = 0
        status = MPI.Status()

        def receive() -> None:
            nonlocal outstanding
            j, batch = self.comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
            results[j] = (batch, status.Get_source())
            idle.append(status.Get_source())
            outstanding -= 1

        while queue or outstanding:
            while idle and queue:
                j, start = queue.popleft()
                self.comm.send((j, cube[start:start + width]), dest=idle.pop(), tag=TAG_WORK)
                outstanding += 1
            if queue:
                j, start = queue.popleft()
                results[j] = (self.evaluate(cube[start:start + width]), 0)
                while outstanding and self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_RESULT):
                    receive()
            else:
                receive()
        batches = [r[0] for r in results]
        ranks = np.concatenate([np.full(len(b), r, dtype=np.int32) for b, r in results])
        return PointBatch.concat(batches), ranks

    def serve(self) -> None:
        """Worker loop (ranks > 0): evaluate chunks until rank 0 says stop."""
        from mpi4py import MPI

        status = MPI.Status()
        while True:
            message = self.comm.recv(source=0, tag=MPI.ANY_TAG, status=status)
            if status.Get_tag() == TAG_STOP:
                return
            j, cube = message
            self.comm.send((j, self.evaluate(cube)), dest=0, tag=TAG_RESULT)

    def stop(self) -> None:
        """Release the workers from `serve` (rank 0)."""
        for worker in range(1, self.size):
            self.comm.send(None, dest=worker, tag=TAG_STOP)
