"""Speed of the built-in flavour observables and muon g-2, batched and point by point.

    python benchmarks/flavour_gm2_speed.py [-n 20000] [--loop 300] [--repeats 3]

On random NMSSM points (spectra computed beforehand, not timed) it times, side by side in one
process and one thread, the providers' work per point:

- ``flavour``: the Wilson coefficients (flavour.wilson_coefficients) and the four calibrated
  observables (br_bsgamma, br_bsmumu, br_btaunu, delta_ms);
- ``g-2``: Delta a_mu (gm2.delta_amu);
- ``likelihoods``: the 'flavour' and 'gm2' terms on those predictions;
- ``all``: the three together,

once on the whole batch (vectorised) and once in a Python loop over ``--loop`` single points,
and prints points per second (median over the repeats) and the ratio. flavio is not called:
the observables come from the stored calibration.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.flavio_calibration import load  # noqa: E402
from backends.nmssm_builtin import flavour, gm2  # noqa: E402
from backends.nmssm_builtin.spectrum import as_arrays, compute  # noqa: E402
from likelihoods.flavour import Flavour  # noqa: E402
from likelihoods.gm2 import MuonGm2  # noqa: E402

OBSERVABLES = ("br_bsgamma", "br_bsmumu", "br_btaunu", "delta_ms")


def random_points(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    return as_arrays({"tanb": u(2, 40), "lambda_": u(0.01, 0.7), "kappa": u(0.05, 0.7),
                      "Alambda": u(100, 5000), "Akappa": u(-1000, 0), "mueff": u(100, 1000),
                      "M1": u(50, 1500), "M2": u(150, 2000), "M3": u(1000, 3000),
                      "At": u(-4000, 4000), "Ab": u(-2000, 2000), "Atau": u(-2000, 2000),
                      "MQ3": u(1000, 4000), "MU3": u(1000, 4000), "MD3": u(1000, 4000),
                      "ML3": u(200, 2000), "ME3": u(200, 2000), "MQ12": u(1000, 4000),
                      "MU12": u(1000, 4000), "MD12": u(1000, 4000), "ML12": u(200, 2000),
                      "ME12": u(200, 2000)})


def take(d: dict, sl: slice) -> dict:
    return {k: v[sl] for k, v in d.items() if isinstance(v, np.ndarray)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20000, help="points in the batch")
    ap.add_argument("--loop", type=int, default=300, help="points in the one-point loop")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)

    p = random_points(args.n)
    spec = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    cal = load()
    like_f, like_g = Flavour(), MuonGm2()
    gm2.delta_amu(take(spec, slice(0, 2)), take(p, slice(0, 2)))    # tables, once

    def flav(s: dict, q: dict) -> dict:
        wc = flavour.wilson_coefficients(s, q, cal)
        return {o: cal[o](wc) for o in OBSERVABLES}

    def g2(s: dict, q: dict) -> np.ndarray:
        return gm2.delta_amu(s, q)["delta_amu"]

    def likes(s: dict, q: dict, pred: dict, a: np.ndarray) -> np.ndarray:
        return like_f(**pred) + like_g(a)

    def everything(s: dict, q: dict) -> np.ndarray:
        pred = flav(s, q)
        return likes(s, q, pred, g2(s, q))

    pred_all, amu_all = flav(spec, p), g2(spec, p)
    jobs = {"flavour": lambda s, q, sl: flav(s, q),
            "g-2": lambda s, q, sl: g2(s, q),
            "likelihoods": lambda s, q, sl: likes(s, q, take(pred_all, sl), amu_all[sl]),
            "all": lambda s, q, sl: everything(s, q)}
    print(f"{args.n} points batched, {args.loop} in a one-point loop, best of {args.repeats}; "
          f"one thread")
    print(f"{'':12s} {'batched pts/s':>14s} {'loop pts/s':>11s} {'ratio':>7s}")
    for name, job in jobs.items():
        batched, looped = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            job(spec, p, slice(0, args.n))
            batched.append(args.n / (time.perf_counter() - t))
            t = time.perf_counter()
            for i in range(args.loop):
                sl = slice(i, i + 1)
                job(take(spec, sl), take(p, sl), sl)
            looped.append(args.loop / (time.perf_counter() - t))
        b, lo = max(batched), max(looped)
        print(f"{name:12s} {b:14.0f} {lo:11.0f} {b / lo:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
