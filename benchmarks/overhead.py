"""Framework overhead per point: a ~1 ms likelihood called bare vs. through a random scan.

Run by hand from the repository root:

    python benchmarks/overhead.py            # about half a minute
    python benchmarks/overhead.py -n 5000 --repeats 5

Three measurements are interleaved in every repetition, so that drifts of the
machine (frequency scaling, other load) affect all of them alike:

* ``bare``: a Python loop calling the likelihood function on the same N
  parameter points the scan evaluates;
* ``scan, batch B``: ``fit.run.run`` on a YAML file with the random sampler
  (``n_points: N``, ``batch_size: B``), the likelihood in a user module, and
  the HDF5 output written as in a real run.

The fixed cost of a run (reading the YAML, resolving the graph, creating the
file) is measured with ``n_points: 0`` and subtracted before the per-point
overhead is computed. Then a trivial likelihood (no work at all) shows how
many points per second the framework itself can push through.

See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import os

# one BLAS thread: the likelihood's cost should not depend on what else is running
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from fit.providers import REGISTRY  # noqa: E402
from fit.results import load  # noqa: E402
from fit.run import prepare, run  # noqa: E402

SEED = 11
LOW, HIGH = -5.0, 5.0

MODULE = '''
"""Likelihoods for benchmarks/overhead.py (written by it into a temporary directory)."""

import numpy as np

from fit import likelihood

SIZE = 128
_A = np.random.default_rng(0).standard_normal((SIZE, SIZE)) / np.sqrt(SIZE)


def workload(x: float, y: float, reps: int) -> float:
    """A fixed CPU-bound cost: ``reps`` dense matrix-vector products."""
    v = np.full(SIZE, x) + y
    for _ in range(reps):
        v = np.tanh(_A @ v)
    return float(v[0])


@likelihood("costly")
def costly(x: float, y: float, *, reps: int = 100) -> float:
    """A 2-d Gaussian after ``reps`` units of work (one point at a time)."""
    w = workload(x, y, reps)
    return -0.5 * (x * x + y * y) + 0.0 * w


@likelihood("trivial", vectorised=True)
def trivial(x, y):
    """A 2-d Gaussian, vectorised, no extra work."""
    return -0.5 * (x * x + y * y)


@likelihood("trivial_per_point")
def trivial_per_point(x: float, y: float) -> float:
    """A 2-d Gaussian, one point at a time, no extra work."""
    return -0.5 * (x * x + y * y)
'''


def write_yaml(directory: Path, name: str, term: str, *, n_points: int, batch_size: int,
               options: str = "") -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(f"""\
        model: overhead benchmark
        modules: [bench_likelihoods.py]
        parameters:
          x: [{LOW}, {HIGH}]
          y: [{LOW}, {HIGH}]
        likelihoods:
          {term}: {{{options}}}
        sampler: {{name: random, n_points: {n_points}, batch_size: {batch_size}}}
        seed: {SEED}
        """))
    return path


def timed_run(yaml_path: Path, out: Path) -> float:
    start = time.perf_counter()
    run(yaml_path, output=out, overwrite=True)
    return time.perf_counter() - start


def same_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The points the random scan draws (one stream per seed; batches cut it in order)."""
    cube = np.random.default_rng([SEED, 0]).random((n, 2))
    x, y = (LOW + (HIGH - LOW) * cube[:, i] for i in range(2))
    return x, y


def calibrate(workload: Callable[[float, float, int], float], target: float) -> int:
    """Repetitions of the workload that cost ``target`` seconds (median of 20 calls)."""
    def cost(reps: int) -> float:
        times = []
        for _ in range(20):
            start = time.perf_counter()
            workload(0.3, 0.2, reps)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    for _ in range(50):
        workload(0.3, 0.2, 10)  # warm up
    reps = 10
    while cost(reps) < 0.25 * target:
        reps *= 4
    for _ in range(3):  # refine at the size that will be used
        reps = max(1, round(reps * target / cost(reps)))
    return reps


def bare_loop(function: Callable[..., float], x: np.ndarray, y: np.ndarray,
              reps: int) -> float:
    start = time.perf_counter()
    out = np.empty(len(x))
    for i in range(len(x)):
        out[i] = function(float(x[i]), float(y[i]), reps=reps)
    return time.perf_counter() - start


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} [{min(values):.3g}-{max(values):.3g}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--points", type=int, default=2000,
                        help="points per measurement with the ~1 ms likelihood (default 2000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="interleaved repetitions (default 3)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 256],
                        help="batch sizes of the scans (default: 1 256)")
    parser.add_argument("--cost-ms", type=float, default=1.0,
                        help="cost of the likelihood per point [ms] (default 1)")
    parser.add_argument("--trivial-points", type=int, default=200_000,
                        help="points of the trivial-likelihood scans (default 200000)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="fit-overhead-") as tmp:
        tmp_dir = Path(tmp)
        (tmp_dir / "bench_likelihoods.py").write_text(MODULE)
        out = tmp_dir / "scan.h5"
        n = args.points

        first = write_yaml(tmp_dir, "probe", "costly", n_points=0, batch_size=1)
        prepare(first)  # imports the user module into the registry
        costly = REGISTRY.by_name["costly"].target
        workload = costly.__globals__["workload"]
        reps = calibrate(workload, args.cost_ms * 1e-3)
        options = f"reps: {reps}"

        empty = write_yaml(tmp_dir, "empty", "costly", n_points=0, batch_size=1,
                           options=options)
        scans = {b: write_yaml(tmp_dir, f"batch{b}", "costly", n_points=n, batch_size=b,
                               options=options) for b in args.batch_sizes}
        x, y = same_points(n)

        # warm-up, and a check that the bare loop sees the scan's points
        timed_run(scans[args.batch_sizes[0]], out)
        r = load(out)
        if not (np.allclose(r.parameters["x"], x) and np.allclose(r.parameters["y"], y)):
            raise SystemExit("the bare loop would not use the scan's points")
        bare_loop(costly, x[:50], y[:50], reps)

        fixed: list[float] = []
        bare: list[float] = []
        framework: dict[int, list[float]] = {b: [] for b in args.batch_sizes}
        in_likelihood: dict[int, list[float]] = {b: [] for b in args.batch_sizes}
        for _ in range(args.repeats):
            fixed.append(timed_run(empty, out))
            bare.append(bare_loop(costly, x, y, reps) / n)
            for b, path in scans.items():
                framework[b].append((timed_run(path, out) - fixed[-1]) / n)
                in_likelihood[b].append(float(np.mean(load(out).timing["costly"])))

        per_point = statistics.median(bare)
        print(f"likelihood: {reps} x (128x128 matrix-vector product + tanh) = "
              f"{1e3 * per_point:.3f} ms per point (bare, median)")
        print(f"{n} points per measurement, {args.repeats} interleaved repetitions; "
              f"fixed cost of a run (n_points: 0), subtracted below: "
              f"{1e3 * statistics.median(fixed):.1f} ms")
        print("values: median [min-max] over the repetitions\n")
        header = (f"{'':<16s} {'s/point':>28s} {'framework/bare':>15s} "
                  f"{'overhead us/point':>18s} {'in likelihood us/pt':>20s}")
        print(header)
        print("-" * len(header))
        print(f"{'bare loop':<16s} {summary(bare):>28s} {'1':>15s} {'0':>18s} "
              f"{'':>20s}")
        for b in args.batch_sizes:
            ratio = [f / s for f, s in zip(framework[b], bare, strict=True)]
            overhead = [1e6 * (f - s) for f, s in zip(framework[b], bare, strict=True)]
            inside = [1e6 * t for t in in_likelihood[b]]
            print(f"{f'scan, batch {b}':<16s} {summary(framework[b]):>28s} "
                  f"{statistics.median(ratio):>15.4f} {statistics.median(overhead):>18.1f} "
                  f"{statistics.median(inside):>20.1f}")

        print("\ntrivial likelihood (no work): framework throughput")
        header = f"{'':<40s} {'points/s':>12s} {'us/point':>10s}"
        print(header)
        print("-" * len(header))
        m = args.trivial_points
        for term, b, points in (("trivial", 256, m), ("trivial", 4096, m),
                                ("trivial_per_point", 256, m // 10)):
            path = write_yaml(tmp_dir, f"{term}{b}", term, n_points=points, batch_size=b)
            timed_run(path, out)  # warm-up
            seconds = min(timed_run(path, out) - statistics.median(fixed)
                          for _ in range(args.repeats))
            kind = "vectorised" if term == "trivial" else "per point"
            label = f"{kind}, batch {b}, {points} points"
            print(f"{label:<40s} {points / seconds:>12.4g} {1e6 * seconds / points:>10.2f}")


if __name__ == "__main__":
    main()
