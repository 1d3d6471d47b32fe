"""ML-steered scan against the seed scan's loop (DLScanner) and random sampling on the NMSSM
likelihood: evaluations to map the 2 sigma region.

    python benchmarks/ml_scan_nmssm.py [--budget 6000] [--seed 1]
                                       [--methods ml_scan random dlscanner]
                                       [--reference-loglike LNL | --de-generations 60]
                                       [--ml-variants uncertainty_weight=0 ...]
                                       [--dlscanner-python .venv-dlscanner/bin/python]
                                       [--save-runs DIR] [--fixed-map DIR/*.npz]

The likelihood is the main job's, yaml/nmssm.yaml (twelve parameters in the seed scan's
box, every likelihood term, built-in physics). Each method gets the same number of
evaluations (``--budget``), one method after the other in this process (one core):

- ``ml_scan``: the framework's ML-steered scan with the main job's settings (the
  ``samplers.ml_scan`` entry of yaml/nmssm.yaml), with ``max_evaluations`` = budget and a
  ``target_points`` it cannot reach, so that it spends the whole budget, and
  ``best_loglike`` = ln L_ref (the reference below, which DLScanner's labels use too);
- ``ml_scan*1``, ``ml_scan*2``, ...: the same with the options of ``--ml-variants``
  (KEY=VALUE,...) on top; the variant ``defaults`` is the sampler's own defaults instead
  of the main job's entry (by default `VARIANTS`: ``defaults`` alone);
- ``random``: prior draws;
- ``dlscanner``: the seed scan's loop, the pip package ``dlscanner`` (numpy < 2 and
  TensorFlow, so in its own environment), its defaults (K = 100 points per round, 100 K
  candidates of which 10% from a VEGAS map, probability threshold 0.5, 10% prior draws,
  class balancing (which it does only with ``verbose=1``, so set), seed 42) except
  ``--dlscanner-epochs`` and ``--dlscanner-batch`` (epochs and minibatch of its retraining
  each round, for wall time; the network keeps its weights between rounds). Its label is
  1 in target, else 0, and its points are the prior's unit cube (a uniform prior: the same
  sampling, inputs of order one for its network). Every batch it asks for is evaluated by
  the real chain in this process: the DLScanner process writes the points to a pipe and
  reads back ln L. When its first batch holds no point in target it stops (its class
  balancing needs both classes); it is then started again with the next seed, the
  evaluations spent before counted.

"In target": Delta chi^2 = 2 (ln L_ref - ln L) <= 21.35 (chi^2 quantile of 95.45% for 12
parameters, `fit.ml.labels.delta_chi2_threshold`), ln L_ref fixed before the methods run,
the same for all: the best point of a differential-evolution run of ``--de-generations``
generations of 120 (or ``--reference-loglike``). The 2 sigma region's reference map: the
cells of a 10 x 10 grid on each of the 66 planes of two parameters (prior unit cube) that
the in-target points of all runs (the reference run included) occupy; a method's coverage
after n evaluations: the fraction of those cells its in-target points among its first n
evaluations occupy (`fit.ml.coverage`).

With ``--fixed-map`` the reference map is pooled from runs saved before
(``--save-runs``) instead, and the goal is ``--fraction`` of the best coverage among them:
runs of other days, seeds and options are then scored on one map and goal.

Printed per method: evaluations, in-target points, best -2 ln L, coverage after a quarter,
half, three quarters and all of the budget, evaluations to ``--fraction`` (0.8) of the
best coverage any method reached, wall time, and ML seconds. Then the ratios of
evaluations to that coverage, the ML scan's ML seconds per round against its evaluation
seconds per round, and the cost per evaluation above which the ML scan reaches the
coverage first in wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit.ml.coverage import discover, reference_cells  # noqa: E402
from fit.ml.labels import delta_chi2_threshold  # noqa: E402

RUN_FILE = ROOT / "yaml" / "nmssm.yaml"
METHODS = ("ml_scan", "random", "dlscanner")
BINS = 10
#: the variant that drops the main job's ml_scan entry: the sampler's own defaults
DEFAULTS = "defaults"
#: the further ML scans run by default (rows ml_scan*1, ...): the defaults beside the main
#: job's settings
VARIANTS = (DEFAULTS,)


@dataclass
class Run:
    """One method's points in the order evaluated, and what it cost."""

    method: str
    cube: np.ndarray
    loglike: np.ndarray
    wall: float
    #: ML seconds spent before the batch that ends at each entry of ``ml_evaluations``
    ml_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ml_evaluations: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    evaluate_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    note: str = ""

    def ml_overhead(self, evaluations: int) -> float:
        """ML seconds spent choosing the first ``evaluations`` points (none for random)."""
        if not len(self.ml_seconds):
            return 0.0
        starts = np.concatenate([[0], self.ml_evaluations[:-1]])
        return float(self.ml_seconds[starts < evaluations].sum())


def config_with(sampler: dict, seed: int, workdir: Path, label: str) -> Path:
    """The main job's run file with this sampler entry (complete: the file's ``samplers:``
    settings, which would be merged into it, are dropped) and seed. The terms run in the
    file's order (``term_order: yaml``): with the adaptive order the partial ln L of the
    points ``skip_below`` cuts short, which the labels see, vary from run to run, and a
    seed would not repeat its points."""
    config = yaml.safe_load(RUN_FILE.read_text())
    config.pop("samplers", None)
    config["sampler"] = sampler
    config["seed"] = seed
    config["term_order"] = "yaml"
    path = workdir / f"{label}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def main_job_ml_scan() -> dict:
    """The main job's ``samplers.ml_scan`` entry (its options, without ``name``)."""
    config = yaml.safe_load(RUN_FILE.read_text())
    return dict(config.get("samplers", {}).get("ml_scan") or {})


def run_fit(method: str, sampler: dict, seed: int, workdir: Path) -> Run:
    """One run of the framework (one rank) with this sampler entry."""
    import h5py

    from fit.run import run

    path = config_with(sampler, seed, workdir, method)
    start = time.perf_counter()
    out = run(path, output=workdir / f"{method}.h5", overwrite=True)
    wall = time.perf_counter() - start
    with h5py.File(out, "r") as f:
        names = json.loads(f.attrs["sampled_parameters"])
        order = np.argsort(f["point/id"][:], kind="stable")
        cube = np.column_stack([f[f"cube/{name}"][:] for name in names])[order]
        loglike = f["point/loglike"][:][order]
        result = Run(method, cube, loglike, wall)
        if method.startswith("ml_scan"):
            info = f["sampler_info"]
            result.ml_seconds = info["train_seconds"][:] + info["screen_seconds"][:]
            result.ml_evaluations = info["evaluations"][:].astype(int)
            result.evaluate_seconds = info["evaluate_seconds"][:]
    return result


DLSCANNER = textwrap.dedent("""
    import json, os, sys, time
    import numpy as np
    ndim, budget, k, epochs, batch, seed = map(int, sys.argv[1:7])
    threshold, reference, meta = float(sys.argv[7]), float(sys.argv[8]), sys.argv[9]
    points = os.fdopen(os.dup(1), "wb")     # the pipe to the chain; prints go to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    loglikes = os.fdopen(os.dup(0), "rb")
    def send(fp, a):                         # shape (2 int64), then the float64 values
        a = np.ascontiguousarray(np.atleast_2d(a), dtype="<f8")
        fp.write(np.array(a.shape, "<i8").tobytes() + a.tobytes())
        fp.flush()
    def receive(fp):
        shape = np.frombuffer(fp.read(16), "<i8")
        return np.frombuffer(fp.read(8 * int(shape.prod())), "<f8").reshape(shape)
    import keras
    from DLScanner.gen_scanner import sampler
    ml_seconds, sizes = [], []
    last = time.perf_counter()
    def label(x):
        global last
        x = np.atleast_2d(np.asarray(x, dtype=float))
        ml_seconds.append(time.perf_counter() - last)
        sizes.append(len(x))
        send(points, x)
        lnl = receive(loglikes)[0]
        last = time.perf_counter()
        return (2.0 * (reference - lnl) <= threshold).astype(float)
    restarts = 0
    for attempt in range(seed, seed + 20):
        np.random.seed(attempt)             # its VEGAS draws use numpy's global generator
        keras.utils.set_random_seed(attempt)
        try:
            s = sampler(label, ndim, [[0.0, 1.0]] * ndim, K=k, epochs=epochs,
                        batch_size=batch, verbose=1, seed=attempt)
            break
        except UnboundLocalError:           # no hit in its first batch
            restarts += 1
    while sum(sizes) < budget:
        s.advance(steps=1)
    json.dump({"ml_seconds": ml_seconds, "sizes": sizes, "restarts": restarts,
               "seed": attempt}, open(meta, "w"))
""")


def send(fp, values: np.ndarray) -> None:
    """One array over a pipe: its shape (two int64), then its float64 values."""
    values = np.ascontiguousarray(np.atleast_2d(values), dtype="<f8")
    fp.write(np.array(values.shape, "<i8").tobytes() + values.tobytes())
    fp.flush()


def receive(fp) -> np.ndarray | None:
    """The next array `send` wrote, or None at the end of the pipe."""
    head = fp.read(16)
    if len(head) < 16:
        return None
    shape = np.frombuffer(head, "<i8")
    return np.frombuffer(fp.read(8 * int(shape.prod())), "<f8").reshape(shape)


def run_dlscanner(python: str, args: argparse.Namespace, reference: float,
                  threshold: float, workdir: Path) -> Run:
    """DLScanner in its own environment; its batches evaluated here by the real chain."""
    from fit.evaluate import Evaluator
    from fit.run import prepare

    prepared = prepare(config_with({"name": "random"}, args.seed, workdir, "dlscanner"))
    config = prepared.config
    evaluator = Evaluator(prepared.graph, floor=config.invalid_loglike,
                          skip_below=config.skip_below, provider_errors=config.provider_errors,
                          record=config.output.observables)
    script = workdir / "dlscanner_run.py"
    script.write_text(DLSCANNER)
    meta = workdir / "dlscanner.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    cubes, loglikes, seconds = [], [], []
    start = time.perf_counter()
    with open(workdir / "dlscanner.log", "w") as log:
        proc = subprocess.Popen(
            [python, str(script), str(config.space.ndim), str(args.budget),
             str(args.dlscanner_k), str(args.dlscanner_epochs), str(args.dlscanner_batch),
             str(args.dlscanner_seed),
             repr(threshold), repr(reference), str(meta)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env)
        while (cube := receive(proc.stdout)) is not None:
            t = time.perf_counter()
            batch = evaluator(config.space.transform(cube))
            seconds.append(time.perf_counter() - t)
            cubes.append(cube)
            loglikes.append(np.asarray(batch.loglike, dtype=float))
            send(proc.stdin, loglikes[-1])
        proc.wait()
    wall = time.perf_counter() - start
    if proc.returncode or not meta.exists():
        tail = (workdir / "dlscanner.log").read_text().strip().splitlines()[-3:]
        raise RuntimeError(f"DLScanner failed ({proc.returncode}): {' | '.join(tail)}")
    info = json.loads(meta.read_text())
    result = Run("dlscanner", np.concatenate(cubes), np.concatenate(loglikes), wall,
                 ml_seconds=np.asarray(info["ml_seconds"]),
                 ml_evaluations=np.cumsum(info["sizes"]).astype(int),
                 evaluate_seconds=np.asarray(seconds))
    if info["restarts"]:
        result.note = (f"{info['restarts']} first batch(es) without a hit: restarted with "
                       f"seed {info['seed']}, those evaluations counted")
    return result


def save_run(run: Run, directory: Path, seed: int) -> None:
    """A run's points, in the order evaluated, to ``directory/<method>-seed<seed>.npz``
    (for ``--fixed-map``)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / f"{run.method}-seed{seed}.npz", cube=run.cube, loglike=run.loglike,
             method=run.method)


def load_run(path: Path) -> Run:
    """A run written by `save_run`."""
    with np.load(path) as f:
        return Run(f"{f['method']}@{Path(path).stem}", f["cube"], f["loglike"], 0.0)


def in_target(run: Run, reference: float, threshold: float) -> np.ndarray:
    return 2.0 * (reference - run.loglike) <= threshold


def report(runs: list[Run], de: Run | None, reference: float, threshold: float,
           args: argparse.Namespace) -> None:
    """The table, the ratios and the wall-time comparison."""
    budget = args.budget
    found = {r.method: discover(r.cube[:budget], in_target(r, reference, threshold)[:budget],
                                BINS) for r in runs}
    if args.fixed_map:
        saved = [load_run(path) for path in args.fixed_map]
        fixed = [discover(r.cube, in_target(r, reference, threshold), BINS) for r in saved]
        cells = reference_cells(*fixed)
        best = max(d.coverage(cells) for d in fixed)
        source = f"the saved runs {', '.join(r.method for r in saved)} (fixed)"
    else:
        pool = list(found.values()) + ([discover(de.cube, in_target(de, reference, threshold),
                                                 BINS)] if de is not None else [])
        cells = reference_cells(*pool)
        best = max(d.coverage(cells) for d in found.values())
        source = f"{'the reference run and ' if de is not None else ''}every method"
    goal = args.fraction * best
    print(f"\nreference: ln L_ref = {reference:.3f} (-2 ln L_ref = {-2 * reference:.2f}); "
          f"in target: Delta chi^2 <= {threshold:.2f}; reference map: {len(cells)} cells "
          f"of {66 * BINS * BINS} ({BINS}x{BINS} on 66 planes), pooled from {source}")
    checkpoints = [budget // 4, budget // 2, 3 * budget // 4, budget]
    print(f"coverage after n evaluations; 'to {100 * args.fraction:.0f}%': evaluations to "
          f"{100 * goal:.1f}% of the map ({100 * args.fraction:.0f}% of the best coverage, "
          f"{100 * best:.1f}%)\n")
    head = "".join(f"{'n=' + str(n):>9}" for n in checkpoints)
    print(f"{'method':<10} {'evals':>6} {'in target':>9} {'best -2lnL':>10}{head} "
          f"{'to ' + format(100 * args.fraction, '.0f') + '%':>8} {'wall s':>7} "
          f"{'ML s':>6}  notes")
    reach = {}
    for r in runs:
        d = found[r.method]
        n = min(len(r.loglike), budget)
        inside = int(in_target(r, reference, threshold)[:budget].sum())
        reach[r.method] = d.evaluations_to(cells, goal)
        cover = "".join(f"{100 * d.coverage(cells, c):>8.1f}%" for c in checkpoints)
        ml = r.ml_overhead(budget)
        print(f"{r.method:<10} {n:>6} {inside:>9} {-2 * np.nanmax(r.loglike[:budget]):>10.2f}"
              f"{cover} {reach[r.method] or '>' + str(n):>8} {r.wall:>7.0f} {ml:>6.0f}  "
              f"{r.note}")
    for ml in (r for r in runs if r.method.startswith("ml_scan")):
        compare(ml, runs, reach, goal, budget)


def compare(ml: Run, runs: list[Run], reach: dict[str, int | None], goal: float,
            budget: int) -> None:
    """One ML scan against the other methods: evaluations to the coverage, its ML seconds
    per round, and wall time to the coverage = ML seconds + n x (cost per evaluation): the
    cost above which the ML scan gets there first, and the wall times at this chain's
    cost."""
    n_ml = reach[ml.method]
    per_eval = ml.evaluate_seconds.sum() / len(ml.loglike)
    print(f"\n{ml.method}: {len(ml.ml_seconds)} rounds; per round (medians) ML "
          f"{np.median(ml.ml_seconds):.2f} s (training and screening) against evaluation "
          f"{np.median(ml.evaluate_seconds):.2f} s ({1e3 * per_eval:.1f} ms per evaluation "
          f"on this chain, one core)")
    others = [r for r in runs if not r.method.startswith("ml_scan")]
    if n_ml is None:
        for r in others:
            n = reach[r.method]
            print(f"  {r.method}: {n or '> ' + str(budget)} evaluations to {100 * goal:.1f}%"
                  f" coverage; {ml.method} did not get there in {budget}")
        return
    overhead_ml = ml.ml_overhead(n_ml)
    print(f"  {n_ml} evaluations to {100 * goal:.1f}% coverage; wall time at this chain's "
          f"cost {overhead_ml + n_ml * per_eval:.0f} s ({overhead_ml:.0f} s of it ML)")
    for r in others:
        n = reach[r.method]
        if n is None:
            print(f"  {r.method}: not reached in {len(r.loglike)} evaluations (ratio > "
                  f"{len(r.loglike) / n_ml:.2f}; wall > "
                  f"{r.ml_overhead(len(r.loglike)) + len(r.loglike) * per_eval:.0f} s)")
            continue
        overhead = r.ml_overhead(n)
        wall = overhead + n * per_eval
        head = f"  {r.method}: {n} evaluations, ratio {n / n_ml:.2f}; wall {wall:.0f} s " \
               f"({overhead:.0f} s of it ML)"
        if n <= n_ml:
            print(f"{head}: it needs no more evaluations than {ml.method}")
            continue
        cost = (overhead_ml - overhead) / (n - n_ml)
        when = f"above {1e3 * cost:.2g} ms per evaluation" if cost > 0 else \
            "at any cost per evaluation"
        print(f"{head}; {ml.method} gets there first {when}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=6000, help="evaluations per method")
    parser.add_argument("--seed", type=int, default=1, help="seed of the framework's runs")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--reference-loglike", type=float,
                        help="ln L_ref; default: the best point of a de run")
    parser.add_argument("--de-generations", type=int, default=60,
                        help="generations of the reference de run (population 120)")
    parser.add_argument("--ml-variants", nargs="*", default=list(VARIANTS),
                        help="further ML scans, each with these options (KEY=VALUE,...)")
    parser.add_argument("--fraction", type=float, default=0.8,
                        help="coverage goal, as a fraction of the best coverage reached")
    parser.add_argument("--save-runs", type=Path,
                        help="write every run's points to DIR/<method>-seed<seed>.npz")
    parser.add_argument("--fixed-map", type=Path, nargs="+",
                        help="saved runs (.npz of --save-runs) whose in-target points make "
                             "the reference map, the goal --fraction of the best coverage "
                             "among them; default: the map pooled from this run's methods")
    parser.add_argument("--dlscanner-python",
                        default=str(ROOT / ".venv-dlscanner" / "bin" / "python"),
                        help="python of an environment with dlscanner and tensorflow")
    parser.add_argument("--dlscanner-k", type=int, default=100, help="points per round")
    parser.add_argument("--dlscanner-epochs", type=int, default=10)
    parser.add_argument("--dlscanner-batch", type=int, default=32)
    parser.add_argument("--dlscanner-seed", type=int, default=42)
    args = parser.parse_args()
    threshold = delta_chi2_threshold(12, 0.9545)
    runs: list[Run] = []
    de = None
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.reference_loglike is None:
            print(f"reference: de, {args.de_generations} generations of 120 ...",
                  file=sys.stderr, flush=True)
            de = run_fit("de", {"name": "de", "popsize": 120, "maxgen": args.de_generations,
                                "convthresh": 1e-4}, args.seed, workdir)
            reference = float(np.nanmax(de.loglike))
            print(f"  {len(de.loglike)} evaluations in {de.wall:.0f} s, best ln L "
                  f"{reference:.3f}", file=sys.stderr)
        else:
            reference = args.reference_loglike
        # the ML scan gets ln L_ref as DLScanner does (its labels are taken to it)
        budget = {"max_evaluations": args.budget, "target_points": args.budget + 1,
                  "best_loglike": reference}
        ml_scan = {**main_job_ml_scan(), "name": "ml_scan", **budget}
        samplers = {"ml_scan": ml_scan,
                    "random": {"name": "random", "n_points": args.budget, "batch_size": 1000}}
        methods = list(args.methods)
        for i, variant in enumerate(args.ml_variants if "ml_scan" in methods else [], 1):
            samplers[f"ml_scan*{i}"] = ({"name": "ml_scan", **budget} if variant == DEFAULTS
                                        else {**ml_scan, **yaml.safe_load(
                                            "{" + variant.replace("=", ": ") + "}")})
            methods.insert(methods.index("ml_scan") + i, f"ml_scan*{i}")
            print(f"ml_scan*{i}: the ML scan with {variant}")
        for method in methods:
            print(f"running {method} ...", file=sys.stderr, flush=True)
            if method == "dlscanner":
                if not Path(args.dlscanner_python).exists():
                    print(f"  no {args.dlscanner_python}: DLScanner skipped", file=sys.stderr)
                    continue
                runs.append(run_dlscanner(args.dlscanner_python, args, reference, threshold,
                                          workdir))
            else:
                runs.append(run_fit(method, samplers[method], args.seed, workdir))
            print(f"  {runs[-1].wall:.0f} s", file=sys.stderr, flush=True)
            if args.save_runs is not None:
                save_run(runs[-1], args.save_runs, args.seed)
    above = [r.method for r in runs if np.nanmax(r.loglike) > reference]
    if above:
        print(f"note: {', '.join(above)} found points above the reference ln L "
              f"({', '.join(f'{np.nanmax(r.loglike):.3f}' for r in runs if r.method in above)})")
    report(runs, de, reference, threshold, args)


if __name__ == "__main__":
    main()
