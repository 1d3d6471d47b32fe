"""Spectra per second of the built-in NMSSM calculator on one core.

    python benchmarks/nmssm_spectrum.py [-n 100000] [--repeats 3] [--chunk 100000]

Times ``backends.nmssm_builtin.spectrum.compute`` plus the theory checks on ``n``
random points (the box of tests/test_nmssm_builtin.py), tree level and with the
radiative corrections, and prints the best of ``--repeats``. Goals:
>= 1e5 spectra/s at tree level, >= 2e4/s with loops. Set OMP/OPENBLAS threads to 1
(done here before numpy is imported) so that the number is per core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backends.nmssm_builtin.checks import theory_checks  # noqa: E402
from backends.nmssm_builtin.spectrum import compute  # noqa: E402


def points(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Random Z3-NMSSM points (masses in GeV)."""
    rng = np.random.default_rng(seed)
    box = {"tanb": (2, 40), "lambda_": (0.01, 0.7), "kappa": (-0.7, 0.7),
           "Alambda": (-2000, 5000), "Akappa": (-1000, 200), "mueff": (100, 1000),
           "M1": (50, 1500), "M2": (150, 2000), "M3": (1000, 3000), "At": (-4000, 4000),
           "Ab": (-2000, 2000), "Atau": (-2000, 2000), "MQ3": (1000, 4000),
           "MU3": (1000, 4000), "MD3": (1000, 4000), "ML3": (200, 2000), "ME3": (200, 2000),
           "MQ12": (1000, 4000), "MU12": (1000, 4000), "MD12": (1000, 4000),
           "ML12": (200, 2000), "ME12": (200, 2000)}
    return {k: rng.uniform(lo, hi, n) for k, (lo, hi) in box.items()}


def rate(p: dict[str, np.ndarray], loops: bool, chunk: int, repeats: int) -> float:
    """Best spectra per second over the repeats."""
    n = len(p["tanb"])
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for lo in range(0, n, chunk):
            q = {k: v[lo:lo + chunk] for k, v in p.items()}
            theory_checks(compute(q, loops=loops), q)
        best = min(best, time.perf_counter() - start)
    return n / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=100_000, help="points per call (batch size)")
    args = ap.parse_args(argv)
    p = points(args.n)
    for label, loops, goal in (("tree level", False, 1e5), ("with loops", True, 2e4)):
        r = rate(p, loops, args.chunk, args.repeats)
        print(f"{label:12s} {r:12.0f} spectra/s  (goal {goal:.0e}: "
              f"{'met' if r >= goal else 'NOT met'})  n={args.n} chunk={args.chunk}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
