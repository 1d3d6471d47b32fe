"""Physics check of the whole chain: the main job with the seed scan's Higgs targets, run by
two samplers, against the seed benchmark and against each other.

    python benchmarks/main_job_physics.py                         # de and ml_scan
    python benchmarks/main_job_physics.py --samplers de dynesty --set sampler.maxgen=200
    python benchmarks/main_job_physics.py --mpi 2                 # each run on 2 ranks

Runs ``yaml/examples/nmssm_seed_targets.yaml`` (every likelihood family plus a CP-even state
at 95.4 +- 3 GeV and one at 650 +- 25 GeV) once per sampler (``--sampler NAME``, each with
the settings of the file's ``samplers:`` block and the ``--set`` overrides), then prints

* the best point of each run next to the seed benchmark's inputs
  (``../shared/reference/nmssmtools/inp_minchi2.dat``: lambda, kappa, mu_eff, tan(beta));
* the profile likelihood -2 Delta ln L of lambda and of kappa in bins of the prior range,
  one column per sampler, and the largest difference between the samplers over the bins
  that both place within -2 Delta ln L < 6 (two profiles of the same likelihood differ
  only by how well each sampler found the maximum in each bin).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "yaml" / "examples" / "nmssm_seed_targets.yaml"
BENCHMARK = ROOT.parent / "shared" / "reference" / "nmssmtools" / "inp_minchi2.dat"
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}
#: (SLHA block, index) of the benchmark inputs compared with the best fits
INPUTS = {"lambda_": ("EXTPAR", 61), "kappa": ("EXTPAR", 62), "mueff": ("EXTPAR", 65),
          "tanb": ("MINPAR", 3)}
PROFILED = ("lambda_", "kappa")


def benchmark_inputs(path: Path) -> dict[str, float]:
    """The seed benchmark's inputs from its NMSSMTools card (Fortran ``d`` exponents)."""
    values, block = {}, ""
    for line in path.read_text().splitlines():
        words = line.split("#")[0].split()
        if not words:
            continue
        if words[0].upper() == "BLOCK":
            block = words[1].upper()
            continue
        for name, (wanted, index) in INPUTS.items():
            if block == wanted and re.fullmatch(r"-?\d+", words[0]) and int(words[0]) == index:
                values[name] = float(words[1].lower().replace("d", "e"))
    return values


def run_sampler(name: str, out: Path, overrides: list[str], ranks: int) -> float:
    """Run the physics check file with sampler ``name``; returns the wall time [s]."""
    command = [sys.executable, "-m", "fit", str(RUN), "--sampler", name, "--output", str(out),
               "--overwrite", "-q"]
    for item in overrides:
        command += ["--set", item]
    if ranks > 1:
        command = [shutil.which("mpirun") or "mpirun", "-n", str(ranks), *command]
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, **MPI_ENV})
    return time.perf_counter() - start


def profile(values: np.ndarray, chi2: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """min chi2 (= -2 ln L) of the points in each bin (inf where a bin holds none)."""
    index = np.clip(np.digitize(values, edges) - 1, 0, len(edges) - 2)
    best = np.full(len(edges) - 1, np.inf)
    np.minimum.at(best, index, chi2)
    return best


def main() -> None:
    from fit.results import load
    from fit.run import prepare

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", nargs=2, default=["de", "ml_scan"])
    parser.add_argument("--set", action="append", default=[], dest="overrides",
                        help="KEY=VALUE for every run (a budget)")
    parser.add_argument("--mpi", type=int, default=1, help="ranks per run")
    parser.add_argument("--bins", type=int, default=14)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "main_job_physics")
    parser.add_argument("--reuse", action="store_true", help="score existing runs only")
    args = parser.parse_args()

    space = prepare(RUN).config.space
    runs = {}
    for name in args.samplers:
        out = args.out / name
        if not args.reuse:
            seconds = run_sampler(name, out, args.overrides, args.mpi)
            print(f"{name}: {seconds:.0f} s on {args.mpi} rank(s)", flush=True)
        runs[name] = load(out)

    target = benchmark_inputs(BENCHMARK) if BENCHMARK.exists() else {}
    print(f"\n{'':12}" + "".join(f"{n:>12}" for n in [*runs, "benchmark"]))
    best = {n: r.best() for n, r in runs.items()}
    for name in INPUTS:
        row = [runs[n].parameters[name][best[n]] for n in runs]
        print(f"{name:12}" + "".join(f"{v:12.4g}" for v in row)
              + (f"{target[name]:12.4g}" if name in target else ""))
    print(f"{'-2 ln L':12}" + "".join(f"{-2 * runs[n].loglike[best[n]]:12.3f}" for n in runs))
    print(f"{'points':12}" + "".join(f"{len(r):12d}" for r in runs.values()))

    overall = min(-2 * r.loglike[r.valid].max() for r in runs.values())
    for name in PROFILED:
        prior = next(p for p in space.sampled if p.name == name)
        low, high = prior.low, prior.high
        edges = np.linspace(low, high, args.bins + 1)
        columns = {n: profile(r.parameters[name][r.valid], -2 * r.loglike[r.valid], edges)
                   - overall for n, r in runs.items()}
        print(f"\nprofile of {name}: -2 Delta ln L (best of both runs = 0)")
        print(f"{'bin centre':>12}" + "".join(f"{n:>12}" for n in runs))
        for i in range(args.bins):
            print(f"{0.5 * (edges[i] + edges[i + 1]):12.4g}"
                  + "".join(f"{columns[n][i]:12.2f}" for n in runs))
        a, b = columns.values()
        both = (a < 6) & (b < 6)
        if both.any():
            print(f"largest difference where both < 6: {np.abs(a - b)[both].max():.2f} "
                  f"({both.sum()} bins)")


if __name__ == "__main__":
    main()
