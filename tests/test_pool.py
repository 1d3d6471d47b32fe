"""Chunk sizes of the MPI pool: the fixed cost of each chunk against idle ranks at the end
of a batch, from the measured chunk times T(w) = a + b w."""

from __future__ import annotations

import math
import time
from collections import deque
from types import SimpleNamespace

import numpy as np
import pytest

from fit.evaluate import PointBatch
from fit.pool import (
    MESSAGE_SECONDS,
    MODE_MEMORY,
    PROBE_CAP,
    PROBE_EVERY,
    ChunkCost,
    Pool,
    wait_for_message,
)


def two_ranks() -> Pool:
    return Pool(SimpleNamespace(Get_size=lambda: 2), evaluate=lambda cube: None)


def batch_seconds(n: int, width: int, a: float, b: float, ranks: int = 2) -> float:
    """Model of a batch: chunks of cost a + b w + a message, in rounds of one per rank, plus
    half a chunk for points of uneven cost."""
    chunk = a + b * width + MESSAGE_SECONDS
    return math.ceil(math.ceil(n / width) / ranks) * chunk + 0.5 * chunk


def test_unmeasured_cost_gives_four_chunks_per_rank():
    assert two_ranks().chunk_width(64) == 8


def test_the_cost_model_recovers_fixed_and_per_point_cost():
    cost = ChunkCost()
    for width in (25, 100, 25, 100):
        cost.add(width, 3e-3 + 2.5e-5 * width)
    a, b = cost.fit()
    assert a == pytest.approx(3e-3) and b == pytest.approx(2.5e-5)


def test_slow_points_go_one_by_one():
    """5 ms per point and no fixed cost: one point per chunk balances best."""
    pool = two_ranks()
    pool.cost.add(1, 5e-3)
    pool.cost.add(1, 5e-3)
    assert pool.chunk_width(16) == 1


def test_a_vectorised_provider_with_set_up_cost_gets_the_fastest_width():
    """3 ms per call and 25 us per point (a vectorised provider): the chosen width makes
    the modelled batch faster than the widths giving each rank one chunk more or less."""
    pool = two_ranks()
    a, b = 3e-3, 2.5e-5
    for width in (500, 125):
        pool.cost.add(width, a + b * width)
    n = 100_000
    width = pool.chunk_width(n)
    k = round(n / (2 * width))
    for other in (math.ceil(n / (2 * (k + 1))), math.ceil(n / (2 * max(k - 1, 1)))):
        if other != width:
            assert batch_seconds(n, width, a, b) <= batch_seconds(n, other, a, b)
    assert 1_000 < width < 10_000


def test_a_large_set_up_cost_gives_one_chunk_per_rank():
    """16 ms per call and 40 us per point (the built-in NMSSM chain), a batch of 2000: two
    chunks of 1000 take 56 ms, four of 500 take 72 ms (rounds of one chunk per rank)."""
    pool = two_ranks()
    a, b = 16e-3, 40e-6
    for width in (250, 1000):
        pool.cost.add(width, a + b * width)
    assert pool.chunk_width(2000) == 1000


def test_chunk_widths_do_not_shrink_into_the_fixed_cost():
    """Feeding the pool the times of its own chunks (one short piece per batch, as rank 0
    times them) keeps the width at the model's optimum; a cost per point that included the
    fixed cost would shrink chunks until the set-up dominated them."""
    pool = two_ranks()
    a, b, n = 3e-3, 2.5e-5, 20_000
    for _ in range(20):
        width = pool.chunk_width(n)
        pool.cost.add(max(1, width // 4), a + b * max(1, width // 4))
        pool.cost.add(width, a + b * width)
    exact = two_ranks()
    exact.cost.add(100, a + b * 100)
    exact.cost.add(1000, a + b * 1000)
    assert pool.chunk_width(n) == pytest.approx(exact.chunk_width(n), rel=0.01)
    assert a < 0.2 * b * pool.chunk_width(n)


def test_short_chunks_only_while_the_widths_do_not_vary():
    """Rank 0 splits a chunk while all remembered chunks have one width, and again once
    the short ones have left the recent half of the memory; not in every batch."""
    cost = ChunkCost(memory=8)
    assert cost.wants_short_chunk()
    cost.add(100, 5e-3)
    assert cost.wants_short_chunk()
    cost.add(25, 2e-3)
    assert not cost.wants_short_chunk()
    for _ in range(4):
        cost.add(100, 5e-3)
    assert cost.wants_short_chunk()


class FakeClock:
    """Wall time [s] that advances only by the modelled cost of what the pool runs."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def evaluated(cube: np.ndarray) -> PointBatch:
    """A batch whose log L is minus the first coordinate (to check the order of points)."""
    n = len(cube)
    return PointBatch(params={"x": cube[:, 0]}, loglike=-cube[:, 0], valid=np.ones(n, bool),
                      code=np.zeros(n, int), reason=np.full(n, "", dtype=object))


def timed_pool(alone_seconds, spread_seconds) -> tuple[Pool, list[int]]:
    """Two ranks on a fake clock: a batch of n points costs ``alone_seconds(n)`` on rank 0
    alone and ``spread_seconds(n)`` over both ranks, where rank 0 times its half as a
    chunk of the cost model; spread batches are recorded."""
    clock = FakeClock()
    spread_calls: list[int] = []

    def evaluate(cube):
        clock.now += alone_seconds(len(cube))
        return evaluated(cube)

    def spread(cube):
        spread_calls.append(len(cube))
        pool.cost.add(len(cube) // 2, alone_seconds(len(cube) // 2))
        clock.now += spread_seconds(len(cube))
        return len(cube), None

    pool = Pool(SimpleNamespace(Get_size=lambda: 2), evaluate=evaluate, clock=clock)
    pool._spread = spread
    return pool, spread_calls


def test_a_batch_cheaper_than_its_hand_out_stays_on_rank_0():
    """A toy likelihood in batches of 16 (a nested sampler's queue): 36 us on rank 0
    against 5 ms over two ranks. After its first batches the pool tries rank 0 alone,
    keeps it, and spreads a batch now and then to look again, less often while those
    tries confirm the choice."""
    pool, calls = timed_pool(lambda n: 2e-5 + 1e-6 * n, lambda n: 5e-3)
    for _ in range(200):
        pool.map(np.zeros((16, 2)))
    assert pool.alone
    # the first MODE_MEMORY batches, then tries after 16, 32, 64 and 64 batches alone
    assert len(calls) == MODE_MEMORY + 4
    assert pool.probe_interval == PROBE_CAP == 4 * PROBE_EVERY


def test_batches_on_rank_0_keep_the_fixed_cost_measured():
    """Batches on rank 0 alone have one width; rank 0 splits one now and then, so that the
    fit still tells the fixed cost from the cost per point. With one width alone it took
    the whole time as cost per point, and the next try over the ranks went in chunks of one
    point, each paying the fixed cost: the try failed whatever the truth."""
    a, b, n = 0.25, 3e-3, 120
    pool, _ = timed_pool(lambda m: a + b * m, lambda m: 10.0)
    for _ in range(100):
        pool.map(np.zeros((n, 2)))
    assert pool.alone
    fixed, per_point = pool.cost.fit()
    assert fixed == pytest.approx(a) and per_point == pytest.approx(b)
    assert pool.chunk_width(n) == n // 2


def test_costly_points_are_spread_even_where_the_cost_model_hesitates():
    """The built-in NMSSM chain in batches of 120 (the main job's population): 0.25 s per
    call and 3 ms per point. The model of rounds of chunks puts the batch on rank 0 alone
    (0.61 s against 1.5 chunks of 0.43 s), but measured over two ranks it takes 0.5 s; the
    pool keeps the ranks and tries rank 0 alone only now and then."""
    a, b, n = 0.25, 3e-3, 120
    pool, calls = timed_pool(lambda m: a + b * m, lambda m: 0.5)
    pool.cost.add(30, a + b * 30)
    pool.cost.add(60, a + b * 60)
    assert a + b * n < pool.modelled_seconds(n, pool.chunk_width(n), a, b)
    for _ in range(100):
        pool.map(np.zeros((n, 2)))
    assert not pool.alone
    assert len(calls) >= 100 - 4     # tries alone after 3, then 16, 32 batches more


def test_a_hopeless_try_of_rank_0_alone_is_not_made():
    """2 ms per point without fixed cost, 1.05 ms over two ranks: the cost model puts rank 0
    alone at 1.9x the measured time, so no batch is spent on trying it."""
    pool, calls = timed_pool(lambda n: 2e-3 * n, lambda n: 1.05e-3 * n)
    for _ in range(100):
        pool.map(np.zeros((200, 2)))
    assert calls == [200] * 100


def test_the_choice_follows_a_cost_that_changes_during_the_scan():
    """Points that become cheap as the scan moves (e.g. a sampler leaving an expensive
    region) move the batches to rank 0 once rank 0's chunks show the change and a try
    shows it faster."""
    cheap = [False]
    pool, _ = timed_pool(lambda n: (1e-5 if cheap[0] else 1e-2) * n, lambda n: 1e-3 + 6e-3 * n)
    for _ in range(60):
        pool.map(np.zeros((16, 2)))
    assert not pool.alone
    cheap[0] = True
    for _ in range(10):
        pool.map(np.zeros((16, 2)))
    assert pool.alone


class InlineComm:
    """Two ranks in one process for `Pool._spread`: a chunk sent to rank 1 is evaluated
    at once, its result waits to be received."""

    def __init__(self, evaluate):
        self.evaluate = evaluate
        self.results: deque = deque()

    def Get_size(self) -> int:  # noqa: N802 (mpi4py's name)
        return 2

    def isend(self, message, dest, tag):
        from mpi4py import MPI

        j, cube = message
        self.results.append((j, self.evaluate(cube)))
        return MPI.REQUEST_NULL

    def Iprobe(self, source, tag) -> bool:  # noqa: N802 (mpi4py's name)
        return bool(self.results)

    def recv(self, source, tag, status):
        status.Set_source(1)
        return self.results.popleft()


def test_chunks_of_one_point_do_not_hide_a_fixed_cost():
    """A cost model that saw chunks of one point only (after a noisy fit put the width
    there) has no second width to measure the fixed cost of a call and, with a = 0, keeps
    chunks of one point: the built-in NMSSM chain then ran ~20x slower under MPI. Rank 0
    times a few such chunks joined into one call, the fit finds the 0.13 s per call, and
    the width grows; the points come back in their order with their ranks."""
    pytest.importorskip("mpi4py")
    a, b, n = 0.13, 5e-3, 120
    clock = FakeClock()

    def evaluate(cube):
        clock.now += a + b * len(cube)
        return evaluated(cube)

    pool = Pool(InlineComm(evaluate), evaluate=evaluate, clock=clock)
    for _ in range(ChunkCost().samples.maxlen):
        pool.cost.add(1, a + b)
    assert pool.chunk_width(n) == 1
    cube = np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    batch, ranks = pool._spread(cube)
    np.testing.assert_array_equal(batch.params["x"], cube[:, 0])
    assert set(ranks) == {0, 1}
    assert pool.cost.fit()[0] == pytest.approx(a)
    assert pool.chunk_width(n) > 10


def test_waiting_for_a_message_sleeps_instead_of_spinning():
    """The wait polls with growing pauses: over ~30 ms it probes far fewer times than a
    spinning loop would (one probe per pause of at least 10 us, capped at 1 ms)."""
    probes = []
    deadline = time.perf_counter() + 0.03

    def iprobe(source, tag):
        probes.append(1)
        return time.perf_counter() > deadline

    wait_for_message(SimpleNamespace(Iprobe=iprobe), 0, 11)
    assert len(probes) < 30_000   # a bare loop probes about a million times in 30 ms
