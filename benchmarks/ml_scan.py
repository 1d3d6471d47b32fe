"""ML-steered scan against random sampling, a nested sampler and DLScanner on two toys.

    python benchmarks/ml_scan.py [--toys shell two_modes] [--dlscanner-python PATH]

Toys (yaml/shell6d.yaml, yaml/two_modes.yaml): a 6-D thin shell (in target 3.1e-3 of the
prior) and two narrow 6-D modes (1.0e-6 of the prior). "In target" is fixed by the toy's
known maximum, the same for every method: Delta chi^2 = 2 (ln L_max - ln L) <= 12.85
(2 sigma for six parameters). For each method the script prints the evaluations spent,
the in-target points found, the evaluations to the 1,000th in-target point, and the
coverage: the orthants about the shell's centre holding in-target points (of 64), or the
modes holding in-target points (of 2). For the ML scan also the ML seconds per round
(training, screening) and the cost per evaluation above which the ML scan finishes
before the best other method (break-even). DLScanner (pip package `dlscanner`, which
needs numpy < 2 and TensorFlow) runs in its own environment, given by
--dlscanner-python, with a classifier label from the same target definition.
"""

from __future__ import annotations

import argparse
import json
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
TOYS = {
    "shell": {"yaml": "shell6d.yaml", "budget": 3000},
    "two_modes": {"yaml": "two_modes.yaml", "budget": 20000},
}


def distance_chi2(toy: str, x: np.ndarray) -> np.ndarray:
    """Delta chi^2 from the toy's exact maximum (for two modes, the nearer mode; the
    other adds e^-175 to L)."""
    if toy == "shell":
        return ((np.linalg.norm(x, axis=1) - 2.0) / 0.02) ** 2
    centres = np.zeros((2, 6))
    centres[:, 0] = [-0.5, 0.5]
    d = np.min(np.linalg.norm(x[:, None, :] - centres[None], axis=2), axis=1)
    return (d / 0.0378) ** 2


def coverage(toy: str, x: np.ndarray) -> str:
    if toy == "shell":
        return f"{len({tuple(s) for s in (x > 0).astype(int)})}/64 orthants"
    return f"{len(set((x[:, 0] > 0).tolist()))}/2 modes"


def score(toy: str, x: np.ndarray) -> dict:
    good = distance_chi2(toy, x) <= THRESHOLD
    count = np.cumsum(good)
    reach = int(np.searchsorted(count, 1000) + 1) if len(count) and count[-1] >= 1000 \
        else None
    return {"evaluations": len(x), "in_target": int(good.sum()), "to_1000": reach,
            "coverage": coverage(toy, x[good]) if good.any() else "none"}


def ml_total(info: dict) -> float:
    return float(info["train_seconds"].sum() + info["screen_seconds"].sum())


def run_fit(toy: str, sampler: dict, workdir: Path, label: str) -> tuple[dict, float, dict]:
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
        import h5py

        with h5py.File(out, "r") as f:
            info = {k: f["sampler_info"][k][:] for k in ("train_seconds", "screen_seconds")}
    return score(toy, x), wall, info


DLSCANNER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from DLScanner.gen_scanner import sampler
    toy, budget, K = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lim = [[-3, 3]] * 6 if toy == "shell" else [[-1, 1]] * 6
    def chi2(x):
        if toy == "shell":
            return ((np.linalg.norm(x, axis=1) - 2.0) / 0.02) ** 2
        c = np.zeros((2, 6)); c[:, 0] = [-0.5, 0.5]
        return (np.min(np.linalg.norm(x[:, None] - c[None], axis=2), axis=1) / 0.0378) ** 2
    def label(x):
        return (chi2(np.atleast_2d(x)) <= 12.85).astype(float)
    t = time.time()
    try:
        s = sampler(label, 6, lim, K=K, epochs=%(epochs)d, verbose=0, seed=1)
        while s.samples.shape[0] < budget and (s.samples_out > 0.5).sum() < 1000:
            s.advance(steps=1, verbose=0)
        x, err = s.samples, ""
    except Exception as exc:
        x, err = np.zeros((0, 6)), f"{type(exc).__name__}: {exc}"
    np.save(sys.argv[4], x)
    print(json.dumps({"wall": time.time() - t, "error": err[:200]}))
""")


def run_dlscanner(python: str, toy: str, workdir: Path, batch: int, epochs: int
                  ) -> tuple[dict, float, str]:
    script = workdir / "dlscanner_run.py"
    script.write_text(DLSCANNER % {"epochs": epochs})
    out = workdir / f"{toy}_dlscanner.npy"
    proc = subprocess.run([python, str(script), toy, str(TOYS[toy]["budget"]), str(batch),
                           str(out)], capture_output=True, text=True, check=False)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}"
    meta = json.loads(last) if last.startswith("{") else {"wall": 0.0,
                                                           "error": proc.stderr[-200:]}
    x = np.load(out) if out.exists() else np.zeros((0, 6))
    return score(toy, x), meta.get("wall", 0.0), meta.get("error", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toys", nargs="+", default=list(TOYS), choices=list(TOYS))
    parser.add_argument("--methods", nargs="+",
                        default=["ml_scan", "random", "dynesty", "dlscanner"])
    parser.add_argument("--dlscanner-python", default=None,
                        help="python of an environment with dlscanner and tensorflow")
    parser.add_argument("--dlscanner-epochs", type=int, default=100)
    parser.add_argument("--classifier", default="mlp")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for toy in args.toys:
            budget = TOYS[toy]["budget"]
            samplers = {
                "ml_scan": {"name": "ml_scan", "target_points": 1000,
                            "max_evaluations": budget, "classifier": args.classifier},
                "random": {"name": "random", "n_points": budget, "batch_size": 1000},
                "dynesty": {"name": "dynesty", "nlive": 500, "maxcall": budget},
            }
            for method in args.methods:
                if method == "dlscanner":
                    if args.dlscanner_python is None:
                        continue
                    result, wall, error = run_dlscanner(args.dlscanner_python, toy, workdir,
                                                        100, args.dlscanner_epochs)
                    rows.append((toy, method, result, wall, error or ""))
                    continue
                result, wall, info = run_fit(toy, samplers[method], workdir, method)
                note = ""
                if info:
                    note = (f"ML per round: train {np.median(info['train_seconds']):.2f} s, "
                            f"screen {np.median(info['screen_seconds']):.2f} s (medians), "
                            f"total {ml_total(info):.0f} s")
                rows.append((toy, method, result, wall, note))
    print(f"{'toy':<10} {'method':<10} {'evals':>7} {'in target':>9} {'to 1000':>8} "
          f"{'coverage':<16} {'wall s':>7}  notes")
    for toy, method, r, wall, note in rows:
        print(f"{toy:<10} {method:<10} {r['evaluations']:>7} {r['in_target']:>9} "
              f"{r['to_1000'] or '-':>8} {r['coverage']:<16} {wall:>7.0f}  {note}")
    print("\nbreak-even cost per evaluation (ML scan vs the method, to 1000 in-target points;"
          " methods that did not get there: their expected evaluations at their in-target "
          "rate):")
    for toy in args.toys:
        ml = [r for r in rows if r[0] == toy and r[1] == "ml_scan"]
        if not ml or ml[0][2]["to_1000"] is None:
            print(f"  {toy}: the ML scan did not reach 1000 in-target points")
            continue
        n_ml, wall_ml = ml[0][2]["to_1000"], ml[0][3]
        for t, method, r, wall, _ in rows:
            if t != toy or method == "ml_scan":
                continue
            n = r["to_1000"] or (1000 * r["evaluations"] / r["in_target"] if r["in_target"]
                                 else float("inf"))
            if n <= n_ml:
                print(f"  {toy} vs {method}: needs fewer evaluations; no break-even")
                continue
            # wall = overhead + n t: the ML scan's overhead is its wall time at ~zero cost
            overhead = max(wall_ml - wall * n_ml / max(r["evaluations"], 1), 0.0)
            print(f"  {toy} vs {method}: {n_ml} vs {n:.3g} evaluations; the ML scan is "
                  f"faster above {overhead / (n - n_ml):.2e} s per evaluation")


if __name__ == "__main__":
    main()
