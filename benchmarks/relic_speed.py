"""Speed of the built-in relic density: batched over the seed region against a point loop.

    python benchmarks/relic_speed.py [--oracle ../shared/reference/oracle/seed_A.csv]
        [--batch 400] [--loop 20] [--widths WIDTHS.csv]

Times ``nmssm_builtin_freeze_out`` (species, cross sections, thermal average, Boltzmann
equation) on the built-in spectra of the oracle's seed-region inputs, once over batches
of ``--batch`` points and once point by point for the first ``--loop`` points, in the
same run; prints points per CPU second (one core's rate, whatever else runs) and per wall
second of both, and their ratio (BLAS threads set to 1 unless the environment sets them:
idle BLAS threads would count as CPU time). The Higgs widths come from
``--widths`` (idx, width_h1 .. width_hc) or are nominal (4 MeV for h1, 0.1 GeV for h2
and a1, 1 GeV for the heavier states; they change the work only through which
resonances fall in the energy range).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.relic import nmssm_builtin_freeze_out  # noqa: E402
from backends.nmssm_builtin.spectrum import compute  # noqa: E402

NAMES = ["tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3", "MU3", "MD3",
         "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda", "kappa", "Alambda", "Akappa",
         "mueff"]
NOMINAL = {"width_h1": 0.004, "width_h2": 0.1, "width_h3": 1.0, "width_a1": 0.1,
           "width_a2": 1.0, "width_hc": 1.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(ROOT.parent / "shared/reference/oracle/seed_A.csv"))
    ap.add_argument("--batch", type=int, default=400)
    ap.add_argument("--loop", type=int, default=20)
    ap.add_argument("--widths", default=None)
    args = ap.parse_args(argv)
    import pandas as pd

    o = pd.read_csv(args.oracle, comment="#")
    o = o[o["status"].astype(str).str.startswith("ok")].reset_index(drop=True)
    params = {("lambda_" if k == "lambda" else k): o[k].to_numpy(float) for k in NAMES}
    spec = {k: v for k, v in compute(params).items() if not k.startswith("_")}
    n = len(o)
    if args.widths:
        w = pd.read_csv(args.widths).set_index("idx").reindex(o["idx"])
        widths = {k: w[k].to_numpy(float) for k in NOMINAL}
    else:
        widths = {k: np.full(n, v) for k, v in NOMINAL.items()}

    def run(rows):
        return nmssm_builtin_freeze_out({k: v[rows] for k, v in spec.items()},
                                        {k: v[rows] for k, v in params.items()},
                                        {k: v[rows] for k, v in widths.items()})

    run(np.arange(2))  # imports and one-time set-up outside the timing
    # CPU time of this process: points per second of one core, whatever else the
    # machine runs (wall time alongside)
    wall, cpu = time.perf_counter(), time.process_time()
    for b0 in range(0, n, args.batch):
        run(np.arange(b0, min(n, b0 + args.batch)))
    batched = (n / (time.process_time() - cpu), n / (time.perf_counter() - wall))
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(args.loop):
        run(np.array([i]))
    looped = (args.loop / (time.process_time() - cpu), args.loop / (time.perf_counter() - wall))
    print(f"relic density, {n} seed-region points, points per CPU second (per wall second):")
    print(f"  batched, {args.batch} per call: {batched[0]:.1f} ({batched[1]:.1f})")
    print(f"  one point per call:      {looped[0]:.2f} ({looped[1]:.2f})")
    print(f"  ratio: {batched[0] / looped[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
