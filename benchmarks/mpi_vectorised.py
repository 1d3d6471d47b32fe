"""Parallel efficiency with vectorised physics: the built-in NMSSM chain under mpirun.

    python benchmarks/mpi_vectorised.py [--points 200000] [--batch 2000 20000] [--ranks 1 2]
    python benchmarks/mpi_vectorised.py --run yaml/nmssm.yaml --points 20000 --batch 2000

Without ``--run``: a random scan of the Z3-NMSSM (the box of tests/test_nmssm_builtin.py)
with a toy likelihood in the SM-like Higgs mass; each call of the spectrum costs
milliseconds of set-up on top of ~25 us per point, so the width of the chunks the pool
hands out decides whether MPI helps. With ``--run FILE``: that run file's whole chain
(every likelihood term), its sampler replaced by a random scan of the given size.

Prints the scan's own rate (from its closing log line) and rate(N) / (N rate(1)), best of
``--repeat`` runs that alternate between rank counts, and a projection to more ranks from
the measured rates: per point, a serial part s (rank 0 between batches) and a parallel
part p, 1/rate(N) = s + p/N, fitted to the measured rank counts (Amdahl's law; on more
ranks than cores the measured rates are not used for the fit).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mpi_scaling import timed_run

TOY = '''
import numpy as np
from fit import likelihood


@likelihood("toy_higgs_mass", vectorised=True)
def toy_higgs_mass(spectrum, *, mass: float = 125.1, sigma: float = 3.0):
    """Gaussian in the mass of the CP-even state with the largest H_u component [GeV]."""
    masses = np.stack([spectrum["mh1"], spectrum["mh2"], spectrum["mh3"]], -1)
    pick = np.abs(spectrum["S"][:, :, 1]).argmax(axis=1)
    return -0.5 * ((masses[np.arange(len(pick)), pick] - mass) / sigma) ** 2
'''

PARAMETERS = """\
  tanb: [2, 40]
  lambda_: [0.01, 0.7]
  kappa: [-0.7, 0.7]
  Alambda: [-2000, 5000]
  Akappa: [-1000, 200]
  mueff: [100, 1000]
  M1: [50, 1500]
  M2: [150, 2000]
  M3: 3000
  At: [-4000, 4000]
  Ab: 2000
  Atau: 2000
  MQ3: [1000, 4000]
  MU3: [1000, 4000]
  MD3: 1500
  ML3: 2000
  ME3: 2000
  MQ12: 2000
  MU12: 2000
  MD12: 2000
  ML12: 2000
  ME12: 2000
"""


def write_run(directory: Path, points: int, batch: int) -> Path:
    path = directory / f"nmssm_{batch}.yaml"
    path.write_text(f"parameters:\n{PARAMETERS}likelihoods: [toy_higgs_mass]\n"
                    f"prefer: [backends.nmssm_builtin]\nmodules: [toy.py]\n"
                    f"sampler: {{name: random, n_points: {points}, batch_size: {batch}}}\n"
                    f"seed: 1\n")
    return path


def write_chain_run(directory: Path, run_file: Path, points: int, batch: int) -> Path:
    """The run file's chain with a random scan of ``points`` in batches of ``batch``."""
    path = directory / f"chain_{batch}.yaml"
    path.write_text(f"include: {run_file.resolve()}\n"
                    f"sampler: {{name: random, n_points: {points}, batch_size: {batch}}}\n")
    return path


def amdahl(rates: dict[int, float]) -> tuple[float, float] | None:
    """(s, p) [s/point] of 1/rate(N) = s + p/N fitted to the rates at N <= cores."""
    import os

    import numpy as np

    usable = {n: r for n, r in rates.items() if n <= (os.cpu_count() or 1) and r > 0}
    if len(usable) < 2:
        return None
    n = np.array(list(usable), dtype=float)
    inverse = 1.0 / np.array(list(usable.values()))
    (s, p), *_ = np.linalg.lstsq(np.stack([np.ones_like(n), 1.0 / n], 1), inverse, rcond=None)
    return max(float(s), 0.0), float(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--batch", nargs="+", type=int, default=[2000, 20000])
    parser.add_argument("--ranks", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--run", type=Path, help="a run file whose whole chain to scan")
    parser.add_argument("--project", nargs="+", type=int, default=[8, 64],
                        help="rank counts to project to")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "toy.py").write_text(TOY)
        print(f"{'batch':>6} {'ranks':>5} {'points/s':>9} {'efficiency':>10}")
        for batch in args.batch:
            work = (write_chain_run(directory, args.run, args.points, batch) if args.run
                    else write_run(directory, args.points, batch))
            best: dict[int, float] = {}
            for _ in range(args.repeat):
                for ranks in args.ranks:
                    rate = timed_run(work, ranks, directory / work.stem)[2]
                    best[ranks] = max(rate, best.get(ranks, 0.0))
            rate1 = best.get(1)
            for ranks in args.ranks:
                eff = f"{best[ranks] / (ranks * rate1):.0%}" if rate1 else "-"
                print(f"{batch:>6} {ranks:>5} {best[ranks]:>9.0f} {eff:>10}", flush=True)
            fitted = amdahl(best)
            if fitted is not None and fitted[1] <= 0:
                print(f"{batch:>6} no speed-up measured (a loaded machine?): no projection")
            elif fitted is not None:
                s, p = fitted
                print(f"{batch:>6} serial {s * 1e6:.1f} us/point, parallel {p * 1e6:.1f} "
                      f"us/point:", "  ".join(
                          f"{n} ranks {(s + p) / (n * s + p):.0%}" for n in args.project),
                      flush=True)


if __name__ == "__main__":
    main()
