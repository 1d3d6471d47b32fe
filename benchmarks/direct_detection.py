"""Built-in direct detection: points per second on one core, batched against a one-point loop.

    python benchmarks/direct_detection.py [--points 100000] [--batches 1000 10000 100000]
                                          [--loop 300] [--repeats 3]

Draws points in the seed scan's ranges (arXiv:2508.13912), computes their spectra once
(not timed), then times the nucleon amplitudes and the four cross sections
(``nucleon_amplitudes`` + ``sigma_si_p``, ``sigma_si_n``, ``sigma_sd_p``, ``sigma_sd_n``,
as the framework calls them) over batches of several sizes and, in the same run, one point
at a time. Prints the median over ``--repeats`` of points per second and the ratio of the
batched rate to the one-point rate. One BLAS thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.direct_detection import (  # noqa: E402
    NucleonAmplitudes,
    cross_sections,
)
from backends.nmssm_builtin.spectrum import as_arrays, compute  # noqa: E402

#: the seed scan's ranges (DLScanner tests/examples/2508_13912/my_setup.py) and fixed values
RANGES = {"tanb": (3.2, 6.2), "lambda_": (0.07, 0.42), "kappa": (0.05, 0.3),
          "Alambda": (351, 834), "Akappa": (-300, -150), "mueff": (120, 220),
          "M1": (500, 3000), "M2": (750, 10000), "M3": (423, 5000), "At": (-5000, 1288),
          "MQ3": (272, 10000), "MU3": (570, 10000)}
FIXED = {"Ab": 1500.0, "Atau": 1500.0, "ML3": 200.0, "ME3": 200.0, "ML12": 200.0,
         "ME12": 200.0, "MD3": 1000.0, "MD12": 1000.0}


def points(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in RANGES.items()}
    p.update({k: np.full(n, v) for k, v in FIXED.items()})
    p["MQ12"], p["MU12"] = p["MQ3"], p["MU3"]
    return as_arrays(p)


def take(value: dict, sl: slice) -> dict:
    return {k: v[sl] for k, v in value.items()}


def evaluate(amplitudes: NucleonAmplitudes, spec: dict, params: dict) -> dict:
    amp = amplitudes(spec, params)
    return cross_sections(amp, spec["mneu1"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--batches", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--loop", type=int, default=300, help="points of the one-point loop")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    params = points(args.points)
    full = compute(params)
    spec = {k: v for k, v in full.items() if not k.startswith("_")}
    amplitudes = NucleonAmplitudes()
    rates: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.loop):
            sl = slice(i, i + 1)
            evaluate(amplitudes, take(spec, sl), take(params, sl))
        rates.setdefault("one point", []).append(args.loop / (time.perf_counter() - start))
        for size in args.batches:
            size = min(size, args.points)
            start = time.perf_counter()
            for first in range(0, args.points - size + 1, size):
                sl = slice(first, first + size)
                evaluate(amplitudes, take(spec, sl), take(params, sl))
            done = (args.points // size) * size
            rates.setdefault(f"batch {size}", []).append(done / (time.perf_counter() - start))
    single = statistics.median(rates["one point"])
    print(f"{'':16s} {'points/s':>12s} {'x one point':>12s}   [min - max points/s]")
    for name, values in rates.items():
        med = statistics.median(values)
        print(f"{name:16s} {med:12.0f} {med / single:12.1f}   [{min(values):.0f} - "
              f"{max(values):.0f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
