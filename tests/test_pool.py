"""Chunk sizes of the MPI pool: the fixed cost of each chunk against idle ranks at the end
of a batch, from the measured chunk times T(w) = a + b w."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from fit.pool import MESSAGE_SECONDS, ChunkCost, Pool


def two_ranks() -> Pool:
    return Pool(SimpleNamespace(Get_size=lambda: 2), evaluate=lambda cube: None)


def batch_seconds(n: int, width: int, a: float, b: float, ranks: int = 2) -> float:
    """Model of a batch: n/w chunks of cost a + b w shared by the ranks, plus one chunk of
    imbalance at the end."""
    chunks = math.ceil(n / width)
    return (chunks * (a + MESSAGE_SECONDS) + n * b) / ranks + a + b * width


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
    """3 ms per call and 25 us per point (the built-in NMSSM spectrum): the chosen width
    makes the modelled batch faster than half or twice that width, and is capped at
    n / (2 ranks x 2) for a small batch."""
    pool = two_ranks()
    a, b = 3e-3, 2.5e-5
    for width in (500, 125):
        pool.cost.add(width, a + b * width)
    n = 100_000
    width = pool.chunk_width(n)
    assert batch_seconds(n, width, a, b) < batch_seconds(n, width // 2, a, b)
    assert batch_seconds(n, width, a, b) < batch_seconds(n, 2 * width, a, b)
    assert pool.chunk_width(256) == 64


def test_chunk_widths_do_not_shrink_into_the_fixed_cost():
    """Feeding the pool the times of its own chunks (one short piece per batch, as rank 0
    times them) keeps the width near the optimum; a cost per point that included the
    fixed cost would shrink chunks until the set-up dominated them."""
    pool = two_ranks()
    a, b, n = 3e-3, 2.5e-5, 20_000
    for _ in range(20):
        width = pool.chunk_width(n)
        pool.cost.add(max(1, width // 4), a + b * max(1, width // 4))
        pool.cost.add(width, a + b * width)
    best = math.sqrt(n * (a + MESSAGE_SECONDS) / (b * 2))
    assert pool.chunk_width(n) == pytest.approx(best, rel=0.01)
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
