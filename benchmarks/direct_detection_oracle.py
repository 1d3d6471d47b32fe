"""Score the built-in direct-detection cross sections against the oracle sample.

    python benchmarks/direct_detection_oracle.py [--oracle ../shared/reference/oracle/seed_A.csv]
        [--out runs/dd_oracle_seed_A.csv] [--oracle-higgs-neutralinos] [--valid-only]
        [--worst 10]

Runs the built-in spectrum and ``nucleon_amplitudes`` on the oracle's inputs, writes a CSV
keyed by ``idx`` (sigma_si_p, sigma_si_n, sigma_sd_p, sigma_sd_n [pb], and ``valid``, ``code``
of the built-in theory checks, which do not stop the cross sections from being written, as
in ``oracle_table.py``; ``--valid-only`` leaves them out), scores
it with ``../shared/tools/compare_oracle.py`` (sigma_SI(p) within 30% on the neutralino-LSP
points above 1e-11 pb), and lists the worst of those points with the LSP composition
(bino, wino, higgsino, singlino fractions from the oracle's N) and the ratio of the
light-Higgs masses. ``--oracle-higgs-neutralinos`` takes the Higgs masses and mixing and the
neutralino masses and mixing from the oracle instead (NMSSMTools 5.6.0): it separates the
accuracy of the cross sections from that of the spectrum. Finally prints the seed benchmark
of ``../shared/reference/nmssmtools`` (NMSSMTools 6.1.2) beside the built-in value.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.checks import theory_checks  # noqa: E402
from backends.nmssm_builtin.direct_detection import (  # noqa: E402
    NucleonAmplitudes,
    cross_sections,
)
from backends.nmssm_builtin.spectrum import compute  # noqa: E402

SHARED = ROOT.parent / "shared"
INPUTS = ["tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3", "MU3", "MD3",
          "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda", "kappa", "Alambda", "Akappa",
          "mueff"]
#: the seed benchmark (../shared/reference/nmssmtools/inp_minchi2.dat) and its NMSSMTools
#: 6.1.2 cross sections (spectr_full_minchi2.dat, LOWEN) [pb]
BENCHMARK = {"tanb": 4.69673261, "M1": 1940.59303, "M2": 1535.77145, "M3": 4584.02795,
             "At": -4885.84591, "Ab": 1500.0, "Atau": 1500.0, "ML3": 200.0, "ME3": 200.0,
             "MQ3": 3764.09251, "MU3": 2473.02342, "MD3": 1000.0, "ML12": 200.0,
             "ME12": 200.0, "MQ12": 3764.09251, "MU12": 2473.02342, "MD12": 1000.0,
             "lambda_": 0.293622043, "kappa": 0.190796477, "Alambda": 624.626468,
             "Akappa": -228.918523, "mueff": 135.211331}
BENCHMARK_NMSSMTOOLS = {"sigma_si_p": 6.73821229e-11, "sigma_sd_p": 4.34232372e-04,
                        "sigma_sd_n": 3.32034598e-04}


def oracle_spectrum(o, spec: dict) -> dict:
    """The built-in spectrum with the oracle's Higgs and neutralino masses and mixings."""
    out = dict(spec)
    out["S"] = o[[f"S{i}{j}" for i in (1, 2, 3) for j in (1, 2, 3)]].to_numpy(float
                                                                             ).reshape(-1, 3, 3)
    out["N"] = o[[f"N{i}{j}" for i in range(1, 6) for j in range(1, 6)]].to_numpy(float
                                                                                ).reshape(-1, 5, 5)
    for key in ("mh1", "mh2", "mh3", "mneu1", "mneu2", "mneu3", "mneu4", "mneu5"):
        out[key] = o[key].to_numpy(float)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(SHARED / "reference/oracle/random_A.csv"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--oracle-higgs-neutralinos", action="store_true")
    ap.add_argument("--valid-only", action="store_true",
                    help="no cross sections for points the built-in theory checks reject")
    ap.add_argument("--worst", type=int, default=10)
    args = ap.parse_args(argv)
    import pandas as pd

    o = pd.read_csv(args.oracle, comment="#")
    params = {("lambda_" if k == "lambda" else k): o[k].to_numpy(float) for k in INPUTS}
    full = compute(params)
    bad, code = theory_checks(full, params, require_neutralino_lsp=False)
    spec = {k: v for k, v in full.items() if not k.startswith("_")}
    if args.oracle_higgs_neutralinos:
        spec = oracle_spectrum(o, spec)
    xs = cross_sections(NucleonAmplitudes()(spec, params), spec["mneu1"])
    table = pd.DataFrame({"idx": o["idx"], **xs, "valid": ~bad, "code": code})
    if args.valid_only:
        table.loc[bad, list(xs)] = np.nan
    tag = Path(args.oracle).stem + ("_oracle_higgs" if args.oracle_higgs_neutralinos else "")
    out = Path(args.out or ROOT / "runs" / f"dd_oracle_{tag}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(f"wrote {out}")
    tool = SHARED / "tools" / "compare_oracle.py"
    score = subprocess.run([sys.executable, str(tool), args.oracle, str(out)],
                           capture_output=True, text=True)
    print("\n".join(line for line in score.stdout.splitlines()
                    if line.startswith(("sigSI_p_pb", "    idx"))))
    scored = (o["status"].astype(str).str.startswith("ok") & o["lsp"].astype(str)
              .str.contains("o1") & (o["sigSI_p_pb"] > 1e-11)).to_numpy()
    rejected = table.loc[scored & bad, "code"].value_counts().to_dict()
    print(f"scored points the built-in theory checks reject: {sum(rejected.values())} "
          f"{rejected or ''}")
    worst_cases(o, table, spec, args.worst)
    benchmark()
    return 0


def worst_cases(o, table, spec: dict, n: int) -> None:
    """The n scored points furthest from the oracle, with the LSP composition."""
    scored = (o["status"].astype(str).str.startswith("ok") & o["lsp"].astype(str)
              .str.contains("o1") & (o["sigSI_p_pb"] > 1e-11)).to_numpy()
    ratio = table["sigma_si_p"].to_numpy() / o["sigSI_p_pb"].to_numpy()
    distance = np.where(np.isfinite(ratio), np.abs(np.log(np.abs(ratio) + 1e-300)), np.inf)
    order = [i for i in np.argsort(-np.where(scored, distance, -1)) if scored[i]][:n]
    print(f"\nworst {len(order)} points (LSP composition from the oracle's N):")
    print("   idx   oracle [pb]  built-in  ratio   bino  wino  higgsino singlino  "
          "mh1/mh2 built-in (oracle)")
    for i in order:
        row = o.iloc[i]
        nrow = [row[f"N1{j}"] ** 2 for j in range(1, 6)]
        print(f"{int(row['idx']):6d} {row['sigSI_p_pb']:11.3e} {table['sigma_si_p'][i]:9.3e} "
              f"{ratio[i]:6.2f}  {nrow[0]:5.2f} {nrow[1]:5.2f} {nrow[2] + nrow[3]:8.2f} "
              f"{nrow[4]:8.2f}  {spec['mh1'][i]:5.1f}/{spec['mh2'][i]:5.1f} "
              f"({row['mh1']:5.1f}/{row['mh2']:5.1f})")


def benchmark() -> None:
    """The seed benchmark: built-in cross sections beside NMSSMTools 6.1.2's."""
    full = compute(BENCHMARK)
    spec = {k: v for k, v in full.items() if not k.startswith("_")}
    xs = cross_sections(NucleonAmplitudes()(spec, BENCHMARK), spec["mneu1"])
    print("\nseed benchmark (inp_minchi2.dat):   built-in   NMSSMTools 6.1.2")
    for key, value in BENCHMARK_NMSSMTOOLS.items():
        print(f"  {key:12s}                 {xs[key][0]:9.3e}  {value:9.3e}")
    print(f"  {'sigma_si_n':12s}                 {xs['sigma_si_n'][0]:9.3e}  (not printed)")


if __name__ == "__main__":
    sys.exit(main())
