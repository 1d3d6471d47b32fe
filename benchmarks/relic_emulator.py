"""An emulator of the relic density against the built-in freeze-out: accuracy and speed.

    python benchmarks/relic_emulator.py [RUN.h5] [--model mlp gbdt] [--test-fraction 0.2]
                                        [--timing-points 300] [--seed 0]

The relic density is the costly term of the built-in chain (~150 points per CPU second
batched, against ~5,000 for the rest). ``fit.ml.emulators`` can stand in for it inside the
domain it was trained on; this script measures what that costs in accuracy. From a run
file (default ``runs/nmssm/nmssm.h5``, the main job's output) it takes the valid points
with a finite Omega h^2, holds out a random ``--test-fraction`` of them, trains an
emulator of omega_h2 on the scanned parameters from the rest (each ``--model``), and on the
held-out points prints: the fraction within 10% and 30% of the built-in value (over all,
and over Omega h^2 < 1, where the Planck upper limit's log-likelihood is not yet saturated),
and how often the relic term ``planck_relic`` (upper limit, 10% theory error) and the
rescaling xi = min(1, Omega h^2 / 0.12) of the LZ term move: |Delta(-2 ln L_relic)| > 1 and
xi off by more than 30%. Then, side by side in one run, the CPU time per point of the
built-in freeze-out (batched over ``--timing-points`` held-out points, the spectrum computed
beforehand, nominal Higgs widths as in ``relic_speed.py``) and of the emulator's prediction.
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
from backends.nmssm_builtin.spectrum import PARAMETERS, as_arrays, compute  # noqa: E402
from benchmarks.relic_speed import NOMINAL as NOMINAL_WIDTHS  # noqa: E402
from fit.ml.emulators import Emulator  # noqa: E402
from fit.results import load  # noqa: E402
from likelihoods.relic import PlanckRelic, relic_fraction  # noqa: E402


def run_points(path: Path) -> tuple[dict[str, np.ndarray], list[str], np.ndarray]:
    """Every model parameter of the valid points with a finite Omega h^2, the names of the
    scanned (varying) ones, and Omega h^2."""
    run = load(path)
    columns = run.columns()
    keep = run.valid & np.isfinite(np.asarray(columns["observables/omega_h2"], dtype=float))
    params = {name: np.asarray(columns[f"parameters/{name}"], dtype=float)[keep]
              for name in PARAMETERS if f"parameters/{name}" in columns}
    missing = [name for name in PARAMETERS if name not in params]
    if missing:
        raise SystemExit(f"{path}: no parameters/{missing[0]} (a run of the NMSSM model needed)")
    scanned = [name for name, v in params.items() if np.ptp(v) > 0]
    omega = np.asarray(columns["observables/omega_h2"], dtype=float)[keep]
    return params, scanned, omega


def accuracy(label: str, predicted: np.ndarray, true: np.ndarray) -> None:
    """Fractions within 10% and 30%, and the moves of the relic and LZ terms."""
    rel = np.abs(predicted / true - 1.0)
    below = true < 1.0
    relic = PlanckRelic()
    d_chi2 = np.abs(-2.0 * relic(predicted) + 2.0 * relic(true))
    xi_rel = np.abs(relic_fraction(predicted) / relic_fraction(true) - 1.0)
    print(f"{label:6s} within 10%: {np.mean(rel < 0.1):6.1%}  within 30%: {np.mean(rel < 0.3):6.1%}"
          f"  (Omega h^2 < 1, n={below.sum()}: {np.mean(rel[below] < 0.1):6.1%}, "
          f"{np.mean(rel[below] < 0.3):6.1%})  median {np.median(rel):.3f}  "
          f"|Delta(-2lnL_relic)| > 1: {np.mean(d_chi2 > 1):5.1%}  xi off > 30%: "
          f"{np.mean(xi_rel > 0.3):5.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", nargs="?", type=Path, default=ROOT / "runs" / "nmssm" / "nmssm.h5")
    ap.add_argument("--model", nargs="+", default=["mlp", "gbdt"], choices=["mlp", "gbdt"])
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--timing-points", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if not args.run.is_file():
        raise SystemExit(f"{args.run}: no such run file (run `python -m fit yaml/nmssm.yaml` "
                         "first, or name one)")
    params, scanned, omega = run_points(args.run)
    rng = np.random.default_rng(args.seed)
    test = rng.random(len(omega)) < args.test_fraction
    x = np.column_stack([params[name] for name in scanned])
    print(f"{args.run}: {len(omega)} valid points with Omega h^2 ({test.sum()} held out), "
          f"Omega h^2 from {omega.min():.3g} to {omega.max():.3g}; inputs: {', '.join(scanned)}")
    emulators = {}
    for kind in args.model:
        start = time.process_time()
        emulators[kind] = Emulator.train(x[~test], omega[~test], inputs=scanned,
                                         output="omega_h2", kind=kind, seed=args.seed)
        print(f"{kind}: trained on {(~test).sum()} points in {time.process_time() - start:.1f} "
              f"CPU s (log target: {emulators[kind].log_target})")
    print("accuracy on the held-out points against the built-in freeze-out:")
    for kind, emulator in emulators.items():
        accuracy(kind, emulator.predict(x[test]), omega[test])

    rows = np.flatnonzero(test)[:args.timing_points]
    sub = as_arrays({k: v[rows] for k, v in params.items()})
    spectrum = {k: v for k, v in compute(sub).items() if not k.startswith("_")}
    widths = {k: np.full(len(rows), v) for k, v in NOMINAL_WIDTHS.items()}
    nmssm_builtin_freeze_out({k: v[:2] for k, v in spectrum.items()},
                             {k: v[:2] for k, v in sub.items()},
                             {k: v[:2] for k, v in widths.items()})   # set-up outside
    start = time.process_time()
    nmssm_builtin_freeze_out(spectrum, sub, widths)
    built_in = (time.process_time() - start) / len(rows)
    print(f"CPU time per point over {len(rows)} held-out points, one batch, same run:")
    print(f"  built-in freeze-out  {1e3 * built_in:9.3f} ms")
    for kind, emulator in emulators.items():
        emulator.predict(x[rows[:2]])
        start = time.process_time()
        emulator.predict(x[rows])
        cost = (time.process_time() - start) / len(rows)
        print(f"  {kind} emulator {1e3 * cost:14.4f} ms   ({built_in / cost:.0f}x faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
