"""The SM-like Higgs boson of the built-in calculator on the oracle's inputs, scored.

    python benchmarks/higgs_oracle.py [--oracle ../shared/reference/oracle/seed_A.csv]
                                      [--out runs/higgs_oracle.csv] [--oracle-spectrum]

Writes a CSV keyed by the oracle's ``idx`` with the built-in spectrum's Higgs masses and
S (so that the scorer finds the SM-like state), the SM-like observables ``hsm_kappa_V``,
``hsm_kappa_u``, ``hsm_kappa_d``, ``hsm_kappa_g``, ``hsm_kappa_gamma``, ``hsm_width``,
``hsm_br_bb``, ``hsm_br_gamgam``, ``hsm_br_WW``, ``hsm_br_inv``, and runs
``../shared/tools/compare_oracle.py ORACLE OUT`` (which also lists the observables of the
other families as missing). ``--oracle-spectrum`` puts the oracle's own Higgs, neutralino,
chargino and stop masses and mixings into the spectrum first, so that only the couplings
and decays are scored.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.couplings import higgs_couplings  # noqa: E402
from backends.nmssm_builtin.higgs_decays import higgs_decays  # noqa: E402
from backends.nmssm_builtin.spectrum import PARAMETERS, as_arrays, compute  # noqa: E402
from likelihoods.higgs import sm_like_couplings, sm_like_decays  # noqa: E402

#: oracle columns that replace the built-in spectrum with --oracle-spectrum
ORACLE_MASSES = ("mh1", "mh2", "mh3", "ma1", "ma2", "mhc", "mneu1", "mneu2", "mneu3",
                 "mneu4", "mneu5", "mcha1", "mcha2", "mst1", "mst2", "msb1", "mstau1")
ORACLE_MATRICES = (("S", 3, 3), ("P", 2, 3), ("N", 5, 5), ("U", 2, 2), ("V", 2, 2))


def spectrum_of(o, oracle_spectrum: bool) -> tuple[dict, dict]:
    """Parameters and spectrum of the oracle's input rows."""
    p = as_arrays({k: o["lambda" if k == "lambda_" else k].to_numpy(float)
                   for k in PARAMETERS})
    spec = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    if oracle_spectrum:
        n = len(o)
        for k in ORACLE_MASSES:
            spec[k] = o[k].to_numpy(float)
        for key, rows, cols in ORACLE_MATRICES:
            names = [f"{key}{i}{j}" for i in range(1, rows + 1) for j in range(1, cols + 1)]
            spec[key] = o[names].to_numpy(float).reshape(n, rows, cols)
    return p, spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(ROOT.parent / "shared/reference/oracle/seed_A.csv"))
    ap.add_argument("--out", default=str(ROOT / "runs/higgs_oracle.csv"))
    ap.add_argument("--oracle-spectrum", action="store_true",
                    help="the oracle's Higgs and ino masses and mixings in the spectrum")
    args = ap.parse_args(argv)
    import pandas as pd

    o = pd.read_csv(args.oracle, comment="#")
    o = o[o["status"].astype(str).str.startswith("ok")].reset_index(drop=True)
    p, spec = spectrum_of(o, args.oracle_spectrum)
    couplings = higgs_couplings(spec, p)
    decays = higgs_decays(spec, p)
    k = sm_like_couplings(couplings)
    d = sm_like_decays(couplings, decays)
    out = pd.DataFrame({"idx": o["idx"], "tanb": o["tanb"]})
    for i in (1, 2, 3):
        out[f"mh{i}"] = spec[f"mh{i}"]
    s = spec["S"]
    for i in range(3):
        for j in range(3):
            out[f"S{i + 1}{j + 1}"] = s[:, i, j]
    for name, key in (("hsm_kappa_V", "kappa_V"), ("hsm_kappa_u", "kappa_t"),
                      ("hsm_kappa_d", "kappa_d"), ("hsm_kappa_g", "kappa_g"),
                      ("hsm_kappa_gamma", "kappa_gamma")):
        out[name] = k[key]
    out["hsm_width"] = d["width"]
    for name, key in (("hsm_br_bb", "bb"), ("hsm_br_gamgam", "gamgam"), ("hsm_br_WW", "WW"),
                      ("hsm_br_inv", "inv")):
        out[name] = d[key]
    out["hsm_mass"] = np.abs(np.stack([spec[f"mh{i}"] for i in (1, 2, 3)], -1)
                             )[np.arange(len(o)), k["index"]]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"wrote {args.out}")
    tool = ROOT.parent / "shared/tools/compare_oracle.py"
    return subprocess.call([sys.executable, str(tool), args.oracle, args.out])


if __name__ == "__main__":
    sys.exit(main())
