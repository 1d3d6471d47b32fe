"""Spectra per second of the built-in NMSSM calculator on one core.

    python benchmarks/nmssm_spectrum.py [-n 100000] [--repeats 3] [--chunk 100000]
                                        [--compare OTHER_CHECKOUT [--rounds 3]]

Times ``backends.nmssm_builtin.spectrum.compute`` plus the theory checks on ``n``
random points (the box of tests/test_nmssm_builtin.py), tree level and with the
radiative corrections, and prints the best of ``--repeats``: wall-clock and CPU-time
rates (on a shared machine the CPU time is the per-core number, the wall clock depends
on the load). Goals: >= 1e5 spectra/s at tree level, >= 2e4/s with loops. Set
OMP/OPENBLAS threads to 1 (done here before numpy is imported) so that the number is per
core. ``--compare``: the same measurement on another checkout of the project (e.g. an
export of an earlier commit), alternating with this one for ``--rounds`` rounds in
fresh processes, and the ratios of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MODES = (("tree level", False, 1e5), ("with loops", True, 2e4))


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


def rate(p: dict[str, np.ndarray], loops: bool, chunk: int, repeats: int
         ) -> tuple[float, float]:
    """Best (wall-clock, CPU-time) spectra per second over the repeats."""
    from backends.nmssm_builtin.checks import theory_checks
    from backends.nmssm_builtin.spectrum import compute

    n = len(p["tanb"])
    warm = {k: v[:16] for k, v in p.items()}                 # imports and caches
    theory_checks(compute(warm, loops=loops), warm)
    wall, cpu = np.inf, np.inf
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for lo in range(0, n, chunk):
            q = {k: v[lo:lo + chunk] for k, v in p.items()}
            theory_checks(compute(q, loops=loops), q)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return n / wall, n / cpu


def measure(root: Path, n: int, chunk: int, repeats: int) -> dict[str, list[float]]:
    """{mode: [wall rate, cpu rate]} of the checkout at ``root`` (this process)."""
    sys.path.insert(0, str(root))
    p = points(n)
    return {label: list(rate(p, loops, chunk, repeats)) for label, loops, _ in MODES}


def compare(other: Path, args: argparse.Namespace) -> None:
    """Alternate fresh processes on this checkout and ``other``; print medians and ratios."""
    results: dict[str, list[dict]] = {"this": [], "other": []}
    for _ in range(args.rounds):
        for name, root in (("this", ROOT), ("other", other)):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--json", "--root", str(root),
                   "-n", str(args.n), "--chunk", str(args.chunk), "--repeats",
                   str(args.repeats)]
            env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            results[name].append(json.loads(out.stdout))
    print(f"{'':12s} {'this (wall/cpu)':>22s} {'other (wall/cpu)':>22s} {'ratio wall/cpu':>16s}"
          f"  [spectra/s, median of {args.rounds} alternating rounds, n={args.n}]")
    for label, _, goal in MODES:
        med = {k: np.median([r[label] for r in v], axis=0) for k, v in results.items()}
        ratio = med["this"] / med["other"]
        print(f"{label:12s} {med['this'][0]:10.0f} {med['this'][1]:10.0f}  "
              f"{med['other'][0]:10.0f} {med['other'][1]:10.0f}  "
              f"{ratio[0]:7.2f} {ratio[1]:7.2f}   (goal {goal:.0e})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=100_000, help="points per call (batch size)")
    ap.add_argument("--compare", type=Path, help="another checkout of the project")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of --compare")
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.compare is not None:
        compare(args.compare.resolve(), args)
        return 0
    result = measure(args.root, args.n, args.chunk, args.repeats)
    if args.json:
        print(json.dumps(result))
        return 0
    for label, _, goal in MODES:
        wall, cpu = result[label]
        print(f"{label:12s} {wall:10.0f} spectra/s wall, {cpu:10.0f} CPU  (goal {goal:.0e}: "
              f"{'met' if cpu >= goal else 'NOT met'} per core)  n={args.n} chunk={args.chunk}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
