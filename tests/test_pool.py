"""Chunk sizes of the MPI pool: the fixed cost of each chunk against idle ranks at the end
of a batch, from the measured chunk times T(w) = a + b w."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace

import numpy as np
import pytest

from fit.pool import MESSAGE_SECONDS, PROBE_EVERY, ChunkCost, Pool, wait_for_message


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


def cheap_pool(spread_calls: list[int]) -> Pool:
    """Two ranks whose spread batches are replaced by a record of their size."""
    pool = Pool(SimpleNamespace(Get_size=lambda: 2), evaluate=lambda cube: len(cube))

    def spread(cube):
        spread_calls.append(len(cube))
        return len(cube), None

    pool._spread = spread
    return pool


def test_a_batch_cheaper_than_its_hand_out_stays_on_rank_0():
    """A toy likelihood in batches of 16 (a nested sampler's queue): 20 us per call, 1 us
    per point, and 5 ms of measured overhead for a spread batch: rank 0 alone is faster,
    so the pool evaluates such batches there, and spreads one now and then to look again,
    less often while the probes confirm the choice."""
    calls: list[int] = []
    pool = cheap_pool(calls)
    for width in (4, 16):
        pool.cost.add(width, 2e-5 + 1e-6 * width)
    pool.overheads.extend([5e-3, 5e-3])
    for _ in range(200):
        pool.map(np.zeros((16, 2)))
    assert 0 < len(calls) <= 200 // PROBE_EVERY          # probes only
    assert pool.probe_interval > PROBE_EVERY               # confirmed: looked less often


def test_an_expensive_batch_is_spread():
    """5 ms per point: 16 points take 80 ms on rank 0, about half over two ranks."""
    calls: list[int] = []
    pool = cheap_pool(calls)
    for width in (4, 16):
        pool.cost.add(width, 5e-3 * width)
    pool.overheads.extend([5e-3, 5e-3])
    for _ in range(10):
        pool.map(np.zeros((16, 2)))
    assert calls == [16] * 10


def test_no_choice_before_the_overhead_is_measured_twice():
    """The first spread batch decides nothing (it carries the workers' warm-up), and a
    warm-up of a second among the measurements does not make cheap batches look dear: the
    least of the recent overheads counts."""
    calls: list[int] = []
    pool = cheap_pool(calls)
    for width in (4, 16):
        pool.cost.add(width, 2e-5 + 1e-6 * width)
    pool.overheads.append(1.0)                   # the first spread batch: warm-up
    assert not pool._alone_is_faster(16)
    pool.overheads.append(1e-4)
    assert pool._alone_is_faster(16)             # 36 us alone against > 0.1 ms spread


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
