"""Points per second of the Higgs family on one core: couplings, decays, SM-like
observables and the likelihood terms, batched and one point at a time.

    python benchmarks/higgs_speed.py [-n 20000] [--batch 1000] [--single 200] [--repeats 3]

Draws points in the seed-scan ranges (../shared/reference/oracle/README.md), computes the
built-in spectrum once (its time is printed apart), then times on the same spectra:
``higgs_couplings``, ``higgs_decays``, the ten ``hsm_*`` observables and the terms
``higgs_mass``, ``higgs_kappas``, ``higgs_invisible``, ``higgs_lep``, ``higgs_exotic``,
``higgs_targets`` (one mass target), in batches of ``--batch`` and in a loop over
``--single`` points one by one; prints CPU-time rates (best of ``--repeats``) and their
ratio. Threads of the numerical libraries are set to 1, so the numbers are per core.
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

from backends.nmssm_builtin.couplings import higgs_couplings  # noqa: E402
from backends.nmssm_builtin.higgs_decays import higgs_decays  # noqa: E402
from backends.nmssm_builtin.spectrum import as_arrays, compute  # noqa: E402
from likelihoods import higgs as hl  # noqa: E402

BOX = {"tanb": (3.2, 6.2), "lambda_": (0.07, 0.42), "kappa": (0.05, 0.3),
       "Alambda": (351, 834), "Akappa": (-300, -150), "mueff": (120, 220),
       "M1": (500, 3000), "M2": (750, 10000), "M3": (423, 5000), "At": (-5000, 1288),
       "MQ3": (272, 10000), "MU3": (570, 10000)}
FIXED = {"Ab": 1500.0, "Atau": 1500.0, "MD3": 1000.0, "ML3": 200.0, "ME3": 200.0,
         "MD12": 1000.0, "ML12": 200.0, "ME12": 200.0}


def points(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = {k: rng.uniform(lo, hi, n) for k, (lo, hi) in BOX.items()}
    p.update({k: np.full(n, v) for k, v in FIXED.items()})
    p["MQ12"], p["MU12"] = p["MQ3"], p["MU3"]
    return as_arrays(p)


TERMS = [hl.HiggsMass(), hl.HiggsKappas(), hl.HiggsInvisible(), hl.HiggsLEP(),
         hl.HiggsExotic(),
         hl.HiggsTargets(targets=[{"state": "nearest_even", "quantity": "mass",
                                   "value": 95.4, "sigma": 3.0}])]


def higgs_family(spec: dict, p: dict) -> float:
    """Everything of the Higgs family for a batch; returns the summed log L."""
    c = higgs_couplings(spec, p)
    d = higgs_decays(spec, p)
    obs = {**hl.sm_like_couplings(c), **hl.sm_like_decays(c, d)}
    inputs = {"spectrum": spec, "higgs_couplings": c, "higgs_decays": d}
    total = sum(np.sum(t(**{k: inputs[k] for k in t.needs})) for t in TERMS)
    return float(total + sum(float(np.sum(v)) for v in obs.values()))


def take(mapping: dict, sel: slice) -> dict:
    return {k: v[sel] for k, v in mapping.items()}


def rate(fn, repeats: int) -> float:
    """Best CPU time of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--single", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    p = points(args.n)
    start = time.process_time()
    spec = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    t_spec = time.process_time() - start
    higgs_family(take(spec, slice(0, 64)), take(p, slice(0, 64)))      # set-up: tables

    def batched() -> None:
        for lo in range(0, args.n, args.batch):
            sel = slice(lo, lo + args.batch)
            higgs_family(take(spec, sel), take(p, sel))

    def single() -> None:
        for i in range(args.single):
            sel = slice(i, i + 1)
            higgs_family(take(spec, sel), take(p, sel))

    t_batch = rate(batched, args.repeats) / args.n
    t_single = rate(single, args.repeats) / args.single
    print(f"spectrum (built-in, once): {1 / (t_spec / args.n):10.0f} points/s")
    print(f"Higgs family, batches of {args.batch}: {1 / t_batch:10.0f} points/s "
          f"({t_batch * 1e6:.1f} us/point)")
    print(f"Higgs family, one point at a time: {1 / t_single:10.0f} points/s "
          f"({t_single * 1e6:.0f} us/point)")
    print(f"batched / one-point speed-up: {t_single / t_batch:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
