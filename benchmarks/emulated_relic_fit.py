"""The main job with Omega h^2 emulated: its speed, and its best fits checked by the real chain.

    python benchmarks/emulated_relic_fit.py [--model FILE.onnx | --training RUN]
        [--seeds 1 2 3 4] [--top 300] [--builtin RUN] [--work DIR]
        [--set samplers.de.maxgen=1000 term_order=yaml ...]

``yaml/examples/nmssm_emulated_relic.yaml`` replaces the built-in freeze-out by an emulator
of Omega h^2 (``fit.ml.emulators``): the one shipped beside it (``--model``, by default),
or one trained here on a prior scan of the main job's model (``--training``, a run file).
The emulated main job runs once per seed (differential evolution, its settings in
``yaml/nmssm.yaml``), one after the other on one core, timed in CPU seconds. The ``--top``
best points of each run are evaluated again by the built-in chain (the ``points`` sampler
through ``yaml/nmssm.yaml``, freeze-out included), and the script prints per seed: the CPU
time, the best log L by the emulated chain and by the built-in one at the same points,
lambda, kappa, mu_eff, tan(beta) of the best point, and how often -2 ln L moved by more than
1 between the two chains. ``--builtin`` adds a run of the built-in main job for comparison
(its best point and, from its timing records, its CPU time inside the providers).
``--set`` passes settings to the emulated runs as the command line's ``--set`` does (the
sampler's budget, ``term_order: yaml`` for runs that repeat themselves).
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

from fit.analysis import sampled_parameters  # noqa: E402
from fit.config import Override  # noqa: E402
from fit.ml.emulators import train_from_run  # noqa: E402
from fit.results import Results, load  # noqa: E402
from fit.run import run  # noqa: E402

EMULATED = ROOT / "yaml" / "examples" / "nmssm_emulated_relic.yaml"
BUILTIN = ROOT / "yaml" / "nmssm.yaml"
SHOWN = ("lambda_", "kappa", "mueff", "tanb")


def best_rows(r: Results, top: int) -> np.ndarray:
    """Indices of the ``top`` valid points of highest log L, best first."""
    score = np.where(r.valid, r.loglike, -np.inf)
    order = np.argsort(-score)[:top]
    return order[np.isfinite(score[order])]


def write_points(r: Results, rows: np.ndarray, path: Path) -> Path:
    """The sampled parameters of some points as a CSV file for the ``points`` sampler."""
    names = sampled_parameters(r)
    table = np.column_stack([r.parameters[n][rows] for n in names])
    np.savetxt(path, table, delimiter=",", header=",".join(names), comments="")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=EMULATED.with_name("nmssm_omega_h2.onnx"),
                    help="an emulator written before (default: the shipped one)")
    ap.add_argument("--training", type=Path, default=None,
                    help="a run file to train a new emulator on instead")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--top", type=int, default=300)
    ap.add_argument("--builtin", type=Path, default=None,
                    help="a run of yaml/nmssm.yaml to compare with")
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "emulated_relic_fit")
    ap.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                    help="settings of the emulated runs, e.g. samplers.de.maxgen=1000")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    model = args.model
    if args.training is not None:
        cpu = time.process_time()
        emulator = train_from_run(args.training, sampled_parameters(load(args.training)),
                                  "observables/omega_h2", kind="mlp")
        model = emulator.export(args.work / "omega_h2.onnx")
        print(f"emulator trained on {args.training} in {time.process_time() - cpu:.1f} CPU s: "
              f"{emulator.validation.lines()[0]}")

    rows = []
    for seed in args.seeds:
        overrides = Override.from_command_line(None, [
            f"rules.omega_h2.options.model_file={Path(model).resolve()}", *args.set])
        cpu = time.process_time()
        out = run(EMULATED, output=args.work / f"seed{seed}", seed=seed, overwrite=True,
                  overrides=overrides)
        seconds = time.process_time() - cpu
        emulated = load(out)
        top = best_rows(emulated, args.top)
        points = write_points(emulated, top, args.work / f"seed{seed}_top.csv")
        check = load(run(BUILTIN, output=args.work / f"seed{seed}_builtin", overwrite=True,
                         overrides=Override.from_command_line(
                             "points", [f"sampler.file={points}"])))
        moved = np.abs(2.0 * (check.loglike - emulated.loglike[top]))
        best = top[0]
        rows.append((f"emulated, seed {seed}", seconds, len(emulated),
                     emulated.loglike[best], check.loglike[0],
                     [emulated.parameters[n][best] for n in SHOWN],
                     f"{np.mean(moved > 1.0):.1%}", f"{np.median(moved):.3f}"))
    if args.builtin is not None:
        r = load(args.builtin)
        best = r.best()
        seconds = float(sum(np.sum(t) for t in r.timing.values()))
        rows.append(("built-in (providers only)", seconds, len(r), r.loglike[best],
                     r.loglike[best], [r.parameters[n][best] for n in SHOWN], "-", "-"))

    print(f"\nthe main job with Omega h^2 emulated; the best {args.top} points of each run "
          f"evaluated again by the built-in chain")
    print(f"{'run':28s} {'CPU s':>7s} {'points':>7s} {'lnL emul.':>10s} {'lnL built-in':>12s}"
          f"  {'lambda':>6s} {'kappa':>6s} {'mu_eff':>6s} {'tanb':>5s}"
          f"  {'|d(-2lnL)|>1':>12s} {'median':>7s}")
    for name, seconds, n, lnl, lnl_check, values, share, median in rows:
        lam, kap, mu, tb = values
        print(f"{name:28s} {seconds:7.1f} {n:7d} {lnl:10.3f} {lnl_check:12.3f}"
              f"  {lam:6.3f} {kap:6.3f} {mu:6.1f} {tb:5.2f}  {share:>12s} {median:>7s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
