"""Parallel efficiency with a vectorised provider: the built-in NMSSM spectrum under mpirun.

    python benchmarks/mpi_vectorised.py [--points 200000] [--batch 2000 20000] [--ranks 1 2]

A random scan of the Z3-NMSSM (the box of tests/test_nmssm_builtin.py) with a toy
likelihood in the SM-like Higgs mass. Unlike the 5 ms toys of ``mpi_scaling.py``, each
call of the spectrum costs ~3 ms of set-up on top of ~25 us per point, so the width of
the chunks the pool hands out decides whether MPI helps. Prints the scan's own rate
(from its closing log line) and rate(N) / (N rate(1)), best of ``--repeat`` runs that
alternate between rank counts.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--batch", nargs="+", type=int, default=[2000, 20000])
    parser.add_argument("--ranks", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "toy.py").write_text(TOY)
        print(f"{'batch':>6} {'ranks':>5} {'points/s':>9} {'efficiency':>10}")
        for batch in args.batch:
            work = write_run(directory, args.points, batch)
            best: dict[int, float] = {}
            for _ in range(args.repeat):
                for ranks in args.ranks:
                    rate = timed_run(work, ranks, directory / work.stem)[2]
                    best[ranks] = max(rate, best.get(ranks, 0.0))
            rate1 = best.get(1)
            for ranks in args.ranks:
                eff = f"{best[ranks] / (ranks * rate1):.0%}" if rate1 else "-"
                print(f"{batch:>6} {ranks:>5} {best[ranks]:>9.0f} {eff:>10}", flush=True)


if __name__ == "__main__":
    main()
