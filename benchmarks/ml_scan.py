"""ML-steered scan against random sampling, a nested sampler and DLScanner on two toys.

    python benchmarks/ml_scan.py [--toys shell two_modes] [--methods ...]
                                 [--ml-options selection=cells,...]
                                 [--dlscanner-python .venv-dlscanner/bin/python]

Toys (yaml/shell6d.yaml, yaml/two_modes.yaml): a 6-D thin shell (in target 3.05e-3 of
the prior) and two narrow 6-D modes (1.0e-6 of the prior, no hit expected in a first batch
of 100). "In target" is fixed by the toy's exact maximum, the same for every method:
Delta chi^2 = 2 (ln L_max - ln L) <= 12.85 (2 sigma for six parameters). Every method runs
once, one after the other in this process (DLScanner in its own environment), and the
script prints per method: the evaluations spent, the in-target points found, the
evaluations to the 1000th in-target point (in the order of evaluation), the coverage (the
orthants about the shell's centre holding in-target points among the first 1000, of 64;
the modes holding in-target points, of 2), the wall time, and for the ML scan its ML
seconds per round (training, screening). Then the cost per evaluation above which the
ML scan reaches 1000 in-target points first in wall time (break-even).

The ML scan runs with its defaults (and the options of ``--ml-options``). It counts its
in-target points from the best point it has found, which lies a little below the exact
maximum, so it is asked for 1300 by its own count, enough for 1000 by the exact one. The
random scan and dynesty get ten times the toy's budget, to measure their rates; a method
that did not reach 1000 in-target points is extrapolated at its measured rate. DLScanner
(pip package `dlscanner`, numpy < 2 and TensorFlow) runs with its defaults (seed 42, K =
100 points per round, a VEGAS map, probability threshold 0.5, class balancing) except
``--dlscanner-epochs`` (100 instead of its 1000, for wall time) on the same toy as a 0/1
label. Its first round trains on its first batch and fails when that batch holds a single
class; if so, it is run a second time from a first batch that holds a hit (the first seed
from 43 on whose 100 prior draws hold one), to compare the loops themselves.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
THRESHOLD = 12.85      # chi2.ppf(0.9545, 6)
TARGET = 1000
TOYS = {
    "shell": {"yaml": "shell6d.yaml", "budget": 3000, "fraction": 3.05e-3},
    "two_modes": {"yaml": "two_modes.yaml", "budget": 20000, "fraction": 1.0e-6},
}
METHODS = ("ml_scan", "random", "dynesty", "dlscanner")


def delta_chi2(toy: str, x: np.ndarray) -> np.ndarray:
    """Delta chi^2 from the toy's exact maximum (for two modes, the nearer mode; the
    other adds e^-175 to L)."""
    if toy == "shell":
        return ((np.linalg.norm(x, axis=1) - 2.0) / 0.02) ** 2
    centres = np.zeros((2, 6))
    centres[:, 0] = [-0.5, 0.5]
    d = np.min(np.linalg.norm(x[:, None, :] - centres[None], axis=2), axis=1)
    return (d / 0.0378) ** 2


def score(toy: str, x: np.ndarray) -> dict:
    """Evaluations, in-target points, evaluations to the 1000th, and coverage of the
    in-target points among the first 1000 (all, when fewer)."""
    good = delta_chi2(toy, x) <= THRESHOLD if len(x) else np.zeros(0, bool)
    count = np.cumsum(good)
    reach = int(np.searchsorted(count, TARGET) + 1) if len(x) and count[-1] >= TARGET \
        else None
    hits = x[:reach][good[:reach]] if reach else x[good]
    if toy == "shell":
        cover = f"{len({tuple(s) for s in (hits > 0).astype(int)})}/64 orthants"
    else:
        cover = f"{len(set((hits[:, 0] > 0).tolist()))}/2 modes"
    return {"evaluations": len(x), "in_target": int(good.sum()), "to_1000": reach,
            "coverage": cover}


def run_fit(toy: str, sampler: dict, workdir: Path, label: str) -> tuple[dict, float, dict]:
    """One run of the framework on the toy with this sampler entry."""
    import h5py

    from fit.results import load
    from fit.run import run

    config = yaml.safe_load((ROOT / "yaml" / TOYS[toy]["yaml"]).read_text())
    config["sampler"] = sampler
    path = workdir / f"{toy}_{label}.yaml"
    path.write_text(yaml.safe_dump(config))
    start = time.perf_counter()
    out = run(path, output=workdir / f"{toy}_{label}.h5", overwrite=True)
    wall = time.perf_counter() - start
    r = load(out)
    x = np.column_stack([r.parameters[f"x{i}"] for i in range(1, 7)])
    info = {}
    if sampler["name"] == "ml_scan":
        with h5py.File(out, "r") as f:
            info = {k: f["sampler_info"][k][:] for k in ("train_seconds", "screen_seconds",
                                                          "evaluations")}
    return score(toy, x), wall, info


DLSCANNER = textwrap.dedent("""
    import contextlib, json, os, sys, time
    import numpy as np
    toy, budget, epochs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    lim = [[-3.0, 3.0]] * 6 if toy == "shell" else [[-1.0, 1.0]] * 6
    def chi2(x):
        if toy == "shell":
            return ((np.linalg.norm(x, axis=1) - 2.0) / 0.02) ** 2
        c = np.zeros((2, 6)); c[:, 0] = [-0.5, 0.5]
        return (np.min(np.linalg.norm(x[:, None] - c[None], axis=2), axis=1) / 0.0378) ** 2
    def label(x):
        return (chi2(np.atleast_2d(x)) <= %(threshold)r).astype(float)
    def run(seed, first=None):
        from DLScanner.gen_scanner import sampler
        kw = {} if first is None else {"samples0": first, "out0": label(first)}
        s = sampler(label, 6, lim, K=100, epochs=epochs, verbose=1, seed=seed, **kw)
        while s.samples.shape[0] < budget and (s.samples_out > 0.5).sum() < %(target)d:
            s.advance(steps=1)
        return s.samples
    result = {}
    t = time.time()
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        try:
            x = run(42)
        except Exception as exc:
            x = np.zeros((0, 6))
            result["error"] = f"{type(exc).__name__}: {exc}"[:160]
        result["wall"] = time.time() - t
        if "error" in result and toy == "shell":
            for seed in range(43, 200):   # a first batch (100 prior draws) with a hit
                first = np.random.default_rng(seed).uniform(-3, 3, (100, 6))
                if label(first).any():
                    break
            t = time.time()
            x = run(seed, first)
            result.update(rescued_seed=seed, rescued_wall=time.time() - t)
    np.save(out, x)
    print(json.dumps(result))
""")


def run_dlscanner(python: str, toy: str, workdir: Path, epochs: int) -> list[tuple]:
    """Rows for DLScanner: its own run, and the rescued run when the first one failed."""
    script = workdir / "dlscanner_run.py"
    script.write_text(DLSCANNER % {"threshold": THRESHOLD, "target": TARGET})
    out = workdir / f"{toy}_dlscanner.npy"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    proc = subprocess.run([python, str(script), toy, str(TOYS[toy]["budget"]), str(epochs),
                           str(out)], capture_output=True, text=True, check=False, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        return [(toy, "dlscanner", score(toy, np.zeros((0, 6))), 0.0,
                 f"failed to run: {proc.stderr.strip().splitlines()[-1:]}")]
    meta = json.loads(lines[-1])
    x = np.load(out)
    if "error" not in meta:
        return [(toy, "dlscanner", score(toy, x), meta["wall"], "")]
    rows = [(toy, "dlscanner", score(toy, np.zeros((0, 6))), meta["wall"],
             f"stops in its first round: no hit among its 100 first points "
             f"({meta['error']})")]
    if "rescued_seed" in meta:
        rows.append((toy, "dlscanner*", score(toy, x), meta["rescued_wall"],
                     f"* first batch with a hit (seed {meta['rescued_seed']})"))
    return rows


def breakeven(rows: list[tuple], toys: list[str]) -> None:
    """wall = overhead + n x (cost per evaluation): the cost above which the ML scan
    reaches 1000 in-target points first. The toys cost microseconds per evaluation, so
    the measured wall times are the overheads, taken pro rata to the 1000th point (and
    beyond the measured evaluations for a method that did not get there)."""
    print(f"\nbreak-even cost per evaluation (to {TARGET} in-target points; a method that "
          f"did not reach them: extrapolated at its measured rate)")
    for toy in toys:
        ml = [r for r in rows if r[0] == toy and r[1] == "ml_scan"]
        if not ml or ml[0][2]["to_1000"] is None:
            print(f"  {toy}: the ML scan did not reach {TARGET} in-target points")
            continue
        n_ml = ml[0][2]["to_1000"]
        overhead_ml = ml[0][3] * n_ml / ml[0][2]["evaluations"]
        for _, method, r, wall, _ in (row for row in rows if row[0] == toy):
            if method == "ml_scan" or r["evaluations"] == 0:
                continue
            if r["to_1000"]:
                n = r["to_1000"]
            elif r["in_target"]:
                n = TARGET * r["evaluations"] / r["in_target"]
            else:
                n = TARGET / TOYS[toy]["fraction"] if method == "random" else math.inf
            overhead = wall * n / r["evaluations"] if math.isfinite(n) else math.inf
            if n <= n_ml:
                print(f"  {toy}: {method} needs fewer evaluations ({n:.3g} vs {n_ml})")
                continue
            cost = max(overhead_ml - overhead, 0.0) / (n - n_ml) if math.isfinite(n) else 0.0
            note = "" if r["to_1000"] else (" (no hit: random's rate from the target's "
                                            "volume)" if not r["in_target"] else
                                            " (extrapolated)")
            when = f"above {cost:.2g} s per evaluation" if cost > 0 else \
                "at any cost per evaluation"
            print(f"  {toy}: {n_ml} evaluations vs {method}'s {n:.3g}{note}: the ML scan "
                  f"finishes first {when}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toys", nargs="+", default=list(TOYS), choices=list(TOYS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--dlscanner-python",
                        default=str(ROOT / ".venv-dlscanner" / "bin" / "python"),
                        help="python of an environment with dlscanner and tensorflow")
    parser.add_argument("--dlscanner-epochs", type=int, default=100)
    parser.add_argument("--model", default="mlp", help="the ML scan's model")
    parser.add_argument("--ml-options", default="",
                        help="further options of the ML scan (KEY=VALUE,...)")
    args = parser.parse_args()
    extra = yaml.safe_load("{" + args.ml_options.replace("=", ": ") + "}") or {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for toy in args.toys:
            budget = TOYS[toy]["budget"]
            samplers = {
                "ml_scan": {"name": "ml_scan", "target_points": 1300,
                            "max_evaluations": budget, "model": args.model, **extra},
                "random": {"name": "random", "n_points": 10 * budget, "batch_size": 10000},
                "dynesty": {"name": "dynesty", "nlive": 500, "maxcall": 10 * budget},
            }
            for method in args.methods:
                print(f"running {method} on {toy} ...", file=sys.stderr, flush=True)
                if method == "dlscanner":
                    if not Path(args.dlscanner_python).exists():
                        print(f"  no {args.dlscanner_python}: DLScanner skipped",
                              file=sys.stderr)
                        continue
                    rows += run_dlscanner(args.dlscanner_python, toy, workdir,
                                          args.dlscanner_epochs)
                    continue
                result, wall, info = run_fit(toy, samplers[method], workdir, method)
                note = ""
                if info:
                    rounds = len(info["train_seconds"])
                    note = (f"{rounds} rounds; ML per round: train "
                            f"{np.median(info['train_seconds']):.2f} s, screen "
                            f"{np.median(info['screen_seconds']):.2f} s (medians), "
                            f"{info['train_seconds'].sum() + info['screen_seconds'].sum():.0f}"
                            f" s in all")
                rows.append((toy, method, result, wall, note))
    print(f"\n{'toy':<10} {'method':<11} {'evals':>7} {'in target':>9} {'to 1000':>8} "
          f"{'coverage':<15} {'wall s':>7}  notes")
    for toy, method, r, wall, note in rows:
        print(f"{toy:<10} {method:<11} {r['evaluations']:>7} {r['in_target']:>9} "
              f"{r['to_1000'] or '-':>8} {r['coverage']:<15} {wall:>7.1f}  {note}")
    breakeven(rows, args.toys)


if __name__ == "__main__":
    main()
