"""Spreading a batch of points over MPI ranks, rank 0 included, with dynamic hand-out.

Rank 0 cuts a batch into chunks, keeps every worker busy with one chunk at a
time, evaluates chunks itself in between, and collects results as they come:
a slow point (a backend near its timeout) holds up one chunk, not the batch.
The chunk width balances the fixed cost of each chunk (an evaluator call, a
vectorised provider's set-up, a message) against the idle ranks at the end of
a batch, from the measured cost of chunks on rank 0 (`Pool.modelled_seconds`). A batch
that runs faster on rank 0 alone (measured, not modelled: see `Pool`) stays there.
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
#: recent batches of the current mode (rank 0 alone, or over all ranks) whose median wall
#: time per point a try of the other mode is compared with; the first try comes after them
MODE_MEMORY = 3
#: after a switch of mode the other one is tried again after this many batches, so that
#: the choice follows a cost that changes during the scan; the interval doubles (up to
#: the cap: at most one batch in 64 runs the slower way) each time a try confirms the mode
PROBE_EVERY, PROBE_CAP = 16, 64
#: chunks of one point cannot be split into two widths: rank 0 then times up to this many
#: of them joined into one call, so that the fixed cost of a call stays measurable
JOINED_CHUNKS = 4
#: rank 0 alone is tried only where the cost model of its chunks puts a batch there within
#: this factor of the measured time over all ranks (the model's chunks run beside busy
#: workers, so it is somewhat pessimistic); a try the model calls hopeless would waste a
#: batch of costly points
TRY_ALONE_WITHIN = 1.5


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
    timed on rank 0, which times a short chunk now and then (or, with chunks of one point,
    a few of them joined) so that the widths differ: with one width alone the fit cannot
    tell a from b, and chunks of one point would stay so however large a is."""

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

    Whether a batch goes over the ranks or stays on rank 0 alone is measured, not
    modelled: a batch so cheap that handing it out costs more than computing it (a toy
    likelihood in small batches, as nested samplers ask for) is faster on rank 0, while
    costly points gain from every rank even where a model of fixed and per-point costs
    would hesitate (ranks that contend for memory, points of uneven cost). The pool starts
    over all ranks, tries the other mode after `MODE_MEMORY` batches and keeps whichever
    gave the lower wall time per point, the try against the median of the current mode's
    last `MODE_MEMORY` batches; it tries again after `PROBE_EVERY` batches, the interval
    doubling (up to `PROBE_CAP`) while the tries confirm the choice. Rank 0 alone is not
    tried while the cost model of its chunks calls it hopeless (`TRY_ALONE_WITHIN`).
    """

    def __init__(self, comm: Any | None, evaluate: Callable[[np.ndarray], PointBatch],
                 depth: int = 3, clock: Callable[[], float] = time.perf_counter):
        self.comm = comm
        self.size = 1 if comm is None else comm.Get_size()
        self.evaluate = evaluate
        self.depth = depth  # chunks queued per worker, so none idles while rank 0 computes
        self.clock = clock  # wall time [s]
        self.cost = ChunkCost()  # measured on rank 0
        self.alone = False                  # current mode: rank 0 alone, or all ranks
        #: wall time per point [s] of the current mode's recent batches
        self.recent: deque[float] = deque(maxlen=MODE_MEMORY)
        self.streak = 0                     # batches in the current mode since the last try
        self.probe_interval = MODE_MEMORY   # batches before the next try of the other mode
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
        start = self.clock()
        batch = self.evaluate(cube)
        self.cost.add(len(cube), self.clock() - start)
        return batch

    def _evaluate_on_rank_0(self, cube: np.ndarray, vary_width: bool) -> PointBatch:
        """Rank 0's own points, timed for the cost model: in two calls of different widths
        when the model needs them (`ChunkCost.wants_short_chunk`), else in one."""
        return (self._evaluate_split if vary_width else self._timed_evaluate)(cube)

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

    def map(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """Evaluate the points (rank 0 only); returns the batch in input order and the ranks."""
        cube = np.atleast_2d(cube)
        n = len(cube)
        if self.size == 1 or n == 0:
            return self.evaluate(cube), np.zeros(n, dtype=np.int32)
        trying = self.streak >= self.probe_interval and (self.alone or self._alone_may_win(n))
        alone = self.alone != trying
        started = self.clock()
        if alone:
            batch = self._evaluate_on_rank_0(cube, self.cost.wants_short_chunk())
            self._background()
            ranks = np.zeros(n, dtype=np.int32)
        else:
            batch, ranks = self._spread(cube)
        self._record(alone, trying, (self.clock() - started) / n)
        return batch, ranks

    def _alone_may_win(self, n: int) -> bool:
        """Whether a try of rank 0 alone is worth a batch: no model yet, or the modelled time
        alone, a + b n, within `TRY_ALONE_WITHIN` of the measured time over all ranks."""
        estimate = self.cost.fit()
        if estimate is None:
            return True
        a, b = estimate
        return a + b * n < TRY_ALONE_WITHIN * float(np.median(self.recent)) * n

    def _record(self, alone: bool, trying: bool, seconds_per_point: float) -> None:
        """Keep the mode of lower wall time per point (see the class docstring)."""
        if not trying:
            self.streak += 1
            self.recent.append(seconds_per_point)
            return
        self.streak = 0
        if seconds_per_point < float(np.median(self.recent)):
            self.alone = alone
            self.recent = deque([seconds_per_point], maxlen=MODE_MEMORY)
            self.probe_interval = PROBE_EVERY
        else:
            self.probe_interval = min(max(2 * self.probe_interval, PROBE_EVERY), PROBE_CAP)

    def _spread(self, cube: np.ndarray) -> tuple[PointBatch, np.ndarray]:
        """The batch in chunks over all ranks, rank 0 included."""
        from mpi4py import MPI

        n = len(cube)
        width = self.chunk_width(n)
        queue = deque((j, start, min(n, start + width))
                      for j, start in enumerate(range(0, n, width)))
        results: dict[int, tuple[PointBatch, int]] = {}  # by first chunk
        load = dict.fromkeys(range(1, self.size), 0)  # chunks each worker holds
        sends = []  # non-blocking: a worker busy with its first chunk must not block rank 0
        status = MPI.Status()

        def receive() -> None:
            wait_for_message(self.comm, MPI.ANY_SOURCE, TAG_RESULT)
            j, batch = self.comm.recv(source=MPI.ANY_SOURCE, tag=TAG_RESULT, status=status)
            results[j] = (batch, status.Get_source())
            load[status.Get_source()] -= 1

        few_chunks = len(queue) < 2 * self.depth * self.size

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

        split = self.cost.wants_short_chunk()  # rank 0 varies its widths (see ChunkCost)
        background = True
        while queue or any(load.values()):
            for worker in sorted(load, key=load.get):
                while queue and wants_work(worker):
                    j, start, stop = queue.popleft()
                    sends.append(self.comm.isend((j, cube[start:stop]), dest=worker,
                                                 tag=TAG_WORK))
                    load[worker] += 1
            if background:  # the workers hold chunks now
                self._background()
                background = False
            if queue:
                j, start, stop = queue.popleft()
                if split and width == 1:   # the queue is a run of chunks: join the next
                    for _ in range(min(JOINED_CHUNKS - 1, len(queue))):
                        stop = queue.popleft()[2]
                results[j] = (self._evaluate_on_rank_0(cube[start:stop], split), 0)
                split = False
                while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_RESULT):
                    receive()
            else:
                receive()
        MPI.Request.waitall(sends)
        chunks = [results[j] for j in sorted(results)]
        ranks = np.concatenate([np.full(len(b), r, dtype=np.int32) for b, r in chunks])
        return PointBatch.concat([b for b, _ in chunks]), ranks

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
