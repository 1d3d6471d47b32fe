"""Throughput of a whole likelihood chain per core: batched and one point at a time, the cost
of each provider and term, the effect of the cost ordering (``skip_below``) and peak memory.

    python benchmarks/chain_speed.py [RUN_FILE] [-n 2000] [--single 200] [--repeats 3]
                                     [--skip-below -50] [--seed 1] [--call-sizes 1 10 100]

RUN_FILE (default yaml/nmssm.yaml) is resolved as ``python -m fit`` does; prior points are
drawn from its parameter space. For ``skip_below`` off and on (the run file's value, or
``--skip-below``; -50 if neither), side by side in one run, the script

1. warms the evaluator on one batch (tables built once, the cost ordering learnt),
2. times a batch of ``-n`` prior points (best of ``--repeats``) and ``--single`` of the same
   points one at a time, in CPU time of this process (threads of the numerical libraries set
   to 1: the numbers are per core),
3. keeps the evaluator's own records of the timed batch: the time of each provider and term
   and which terms the cost ordering skipped after which,

4. with ``--call-sizes``, times single evaluator calls of those numbers of points (what
   each MPI rank pays per chunk),

then measures the peak memory of one batch (tracemalloc, numpy arrays included) and prints
the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit.evaluate import Evaluator, PointBatch  # noqa: E402
from fit.run import Prepared, prepare  # noqa: E402

#: ``skip_below`` when the run file sets none
DEFAULT_SKIP_BELOW = -50.0


def prior_points(prepared: Prepared, n: int, seed: int) -> dict[str, np.ndarray]:
    """n points drawn from the run file's prior, derived parameters filled in."""
    space = prepared.config.space
    unit = np.random.default_rng(seed).random((n, space.ndim))
    return space.complete(space.transform(unit))


def rows(params: dict[str, np.ndarray], start: int, stop: int) -> dict[str, np.ndarray]:
    return {k: v[start:stop] for k, v in params.items()}


class Measurement:
    """One evaluator (one ``skip_below``) measured on the same points as the others."""

    def __init__(self, prepared: Prepared, skip_below: float | None):
        config = prepared.config
        self.skip_below = skip_below
        self.evaluator = Evaluator(prepared.graph, floor=config.invalid_loglike,
                                   skip_below=skip_below, provider_errors=config.provider_errors,
                                   record=config.output.observables)
        self.batch_rate = 0.0
        self.single_rate = 0.0
        self.single_cost: dict[str, float] = {}
        self.batch: PointBatch | None = None
        self.order: list[str] = []
        self.term_seconds: dict[str, float] = {}
        self.term_entered: dict[str, int] = {}

    def time_batch(self, params: dict[str, np.ndarray]) -> None:
        """One timed batch: keeps the best rate and the records of that batch."""
        stats = self.evaluator.stats
        before = {t: (s.seconds, s.entered) for t, s in stats.items()}
        order = list(self.evaluator.order)
        n = len(next(iter(params.values())))
        start = time.process_time()
        batch = self.evaluator(params)
        rate = n / (time.process_time() - start)
        if rate > self.batch_rate:
            self.batch_rate, self.batch, self.order = rate, batch, order
            self.term_seconds = {t: s.seconds - before[t][0] for t, s in stats.items()}
            self.term_entered = {t: s.entered - before[t][1] for t, s in stats.items()}

    def time_single(self, params: dict[str, np.ndarray], count: int) -> None:
        """``count`` points one at a time; keeps the best rate and its provider times."""
        timing: Counter = Counter()
        start = time.process_time()
        for i in range(count):
            point = self.evaluator(rows(params, i, i + 1))
            timing.update({k: float(v[0]) for k, v in point.timing.items()})
        rate = count / (time.process_time() - start)
        if rate > self.single_rate:
            self.single_rate = rate
            self.single_cost = {k: 1e6 * v / count for k, v in timing.items()}

    def provider_cost(self) -> dict[str, float]:
        """Microseconds per prior point of each provider in the timed batch."""
        n = self.batch.loglike.size
        return {k: 1e6 * float(v.sum()) / n for k, v in self.batch.timing.items()}

    def skipped(self) -> Counter:
        """Points for which each term was skipped (the terms after the one that made the
        point hopeless, in the order of the timed batch)."""
        counts: Counter = Counter()
        for term, number in Counter(self.batch.skipped_after[
                self.batch.skipped_after != ""]).items():
            for later in self.order[self.order.index(term) + 1:]:
                counts[later] += number
        return counts


def peak_memory(prepared: Prepared, params: dict[str, np.ndarray]) -> float:
    """Peak traced memory [MB] of evaluating one batch (after a warm-up batch)."""
    measurement = Measurement(prepared, None)
    measurement.evaluator(params)
    tracemalloc.start()
    measurement.evaluator(params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def call_costs(prepared: Prepared, sizes: list[int], seed: int, skip_below: float | None
               ) -> None:
    """CPU time of one evaluator call against the number of points in it (points drawn
    anew for each call; calls repeated up to ~3000 points per size, the mean kept): what a
    rank pays per chunk, and so how many points an MPI rank needs per call."""
    measurement = Measurement(prepared, skip_below)
    measurement.evaluator(prior_points(prepared, 500, seed + 2))
    print(f"\nCost of one evaluator call ({label(skip_below)}):")
    print(f"  {'points':>7} {'ms per call':>12} {'ms per point':>13}")
    for k, n in enumerate(sizes):
        calls = min(40, max(2, 3000 // n))
        points = prior_points(prepared, n * calls, seed + 3 + k)
        start = time.process_time()
        for c in range(calls):
            measurement.evaluator(rows(points, c * n, (c + 1) * n))
        seconds = (time.process_time() - start) / calls
        print(f"  {n:7d} {1e3 * seconds:12.1f} {1e3 * seconds / n:13.3f}")


def label(skip_below: float | None) -> str:
    return "skip_below off" if skip_below is None else f"skip_below {skip_below:g}"


def report(runs: list[Measurement], n: int, single: int) -> None:
    heads = "".join(f"{label(m.skip_below):>18}" for m in runs)
    print(f"\n{'':34}{heads}")
    print(f"{f'batched ({n} points) points/s':34}"
          + "".join(f"{m.batch_rate:18.0f}" for m in runs))
    print(f"{f'one at a time ({single}) points/s':34}"
          + "".join(f"{m.single_rate:18.1f}" for m in runs))
    print(f"{'batched / one at a time':34}"
          + "".join(f"{m.batch_rate / m.single_rate:18.0f}" for m in runs))
    print(f"{'valid points':34}"
          + "".join(f"{m.batch.valid.mean():18.1%}" for m in runs))
    skipped = [int((m.batch.skipped_after != "").sum()) for m in runs]
    print(f"{'points that skipped terms':34}" + "".join(f"{s / n:18.1%}" for s in skipped))

    print("\nCost per provider [us per prior point]" + " " * 10 + "".join(
        f"{label(m.skip_below):>26}" for m in runs))
    print(" " * 48 + "      batched  one at a time" * len(runs))
    costs = [(m.provider_cost(), m.single_cost) for m in runs]
    names = sorted(set().union(*(c for pair in costs for c in pair)),
                   key=lambda k: -max(c.get(k, 0.0) for pair in costs for c in pair))
    for name in names:
        print(f"  {name:46}" + "".join(f"{b.get(name, 0.0):13.1f}{s.get(name, 0.0):15.1f}"
                                       for b, s in costs))
    print(f"  {'sum (wall clock inside providers)':46}" + "".join(
        f"{sum(b.values()):13.1f}{sum(s.values()):15.1f}" for b, s in costs))
    print("\nCost per term, batched: us per point entering it (providers count for the first "
          "term that needs them) / points entering it / points skipping it")
    for term in runs[0].order:
        cells = []
        for m in runs:
            entered = m.term_entered.get(term, 0)
            cost = 1e6 * m.term_seconds.get(term, 0.0) / entered if entered else 0.0
            cells.append(f"{cost:8.1f} /{entered / n:5.0%} /{m.skipped()[term] / n:5.0%}")
        print(f"  {term:22}" + "".join(f"{c:>26}" for c in cells))
    print("  order of the timed batch: " + " | ".join(
        f"{label(m.skip_below)}: {', '.join(m.order)}" for m in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_file", nargs="?", default=str(ROOT / "yaml" / "nmssm.yaml"))
    parser.add_argument("-n", type=int, default=2000, help="batch size (default 2000)")
    parser.add_argument("--single", type=int, default=200,
                        help="points evaluated one at a time (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches (best kept)")
    parser.add_argument("--skip-below", type=float, default=None,
                        help="skip_below of the 'on' column (default: the run file's, or -50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--call-sizes", type=int, nargs="+", default=None,
                        help="also time single evaluator calls of these sizes, e.g. 1 10 100 "
                             "1000 (with the 'on' skip_below)")
    args = parser.parse_args()

    start = time.process_time()
    prepared = prepare(args.run_file)
    on = args.skip_below if args.skip_below is not None else prepared.config.skip_below
    on = DEFAULT_SKIP_BELOW if on is None else on
    params = prior_points(prepared, args.n, args.seed)
    warm = prior_points(prepared, args.n, args.seed + 1)
    runs = [Measurement(prepared, None), Measurement(prepared, on)]
    for m in runs:
        m.evaluator(warm)
    print(f"{args.run_file}: {len(prepared.graph.terms)} terms, "
          f"{len(prepared.graph.providers)} capabilities; set-up and warm-up "
          f"{time.process_time() - start:.1f} s CPU")
    for _ in range(args.repeats):            # interleaved: a busier machine affects both
        for m in runs:
            m.time_batch(params)
    for _ in range(2):
        for m in runs:
            m.time_single(params, min(args.single, args.n))
    report(runs, args.n, min(args.single, args.n))
    if args.call_sizes:
        call_costs(prepared, args.call_sizes, args.seed, on)
    peak = peak_memory(prepared, params)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of one batch of {args.n} (tracemalloc): {peak:.0f} MB; "
          f"{peak / args.n * 1024:.0f} kB per point; process max RSS {maxrss:.0f} MB")
    print(f"total {time.process_time() - start:.0f} s CPU")


if __name__ == "__main__":
    main()
