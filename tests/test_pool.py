"""Chunk sizes of the MPI pool: balance at the end of a batch against per-chunk cost."""

from __future__ import annotations

from types import SimpleNamespace

from fit.pool import Pool


def two_ranks() -> Pool:
    return Pool(SimpleNamespace(Get_size=lambda: 2), evaluate=lambda cube: None)


def test_unmeasured_cost_gives_four_chunks_per_rank():
    assert two_ranks().chunk_width(64) == 8


def test_slow_points_go_one_by_one():
    """5 ms per point: a chunk of one point already outweighs its ~0.1 ms overhead."""
    pool = two_ranks()
    pool.seconds_per_point = 5e-3
    assert pool.chunk_width(16) == 1


def test_fast_points_are_grouped_but_every_rank_gets_two_chunks():
    pool = two_ranks()
    pool.seconds_per_point = 2e-5  # a vectorised built-in calculator
    assert pool.chunk_width(100_000) == 250  # 5 ms of work per chunk
    assert pool.chunk_width(256) == 64  # at most n / (2 ranks x 2)
