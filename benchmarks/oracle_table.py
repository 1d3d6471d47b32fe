"""Evaluate the built-in NMSSM spectrum on the oracle's inputs and score it.

    python benchmarks/oracle_table.py [--oracle ../shared/reference/oracle/random_A.csv]
                                      [--out runs/nmssm_builtin_oracle.csv] [--tree]
                                      [--shared ../shared]

Writes a CSV with the oracle's column names and ``idx`` (masses, S, P, N, U, V,
and ``valid``/``code`` of the built-in theory checks), then runs
``../shared/tools/compare_oracle.py ORACLE OUT``. It needs the shared validation data
next to the repository (``--shared``): the oracle sample and the scorer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.checks import theory_checks  # noqa: E402
from backends.nmssm_builtin.spectrum import compute  # noqa: E402

#: oracle input columns -> parameter names of the built-in calculator
INPUTS = {"lambda": "lambda_"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"),
                    help="the shared validation data (reference/oracle/, tools/)")
    ap.add_argument("--oracle", help="oracle sample (default SHARED/reference/oracle/"
                                     "random_A.csv)")
    ap.add_argument("--out", default=str(ROOT / "runs/nmssm_builtin_oracle.csv"))
    ap.add_argument("--tree", action="store_true", help="tree-level Higgs masses only")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    args.oracle = args.oracle or str(shared / "reference/oracle/random_A.csv")
    tool = shared / "tools/compare_oracle.py"
    missing = [str(p) for p in (Path(args.oracle), tool) if not p.is_file()]
    if missing:
        print(f"error: {' and '.join(missing)} not found: this benchmark needs the oracle "
              f"sample (NMSSMTools 5.6.0 inputs and outputs) and the scorer of the shared "
              f"validation data (--shared DIR, default {ROOT.parent / 'shared'})",
              file=sys.stderr)
        return 2
    import pandas as pd

    o = pd.read_csv(args.oracle, comment="#")
    names = ["tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3", "MU3", "MD3",
             "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda", "kappa", "Alambda", "Akappa",
             "mueff"]
    params = {INPUTS.get(k, k): o[k].to_numpy(float) for k in names}
    spec = compute(params, loops=not args.tree)
    bad, code = theory_checks(spec, params, require_neutralino_lsp=False)
    out = pd.DataFrame({"idx": o["idx"]})
    for k in names:
        out[k] = o[k]
    for k, v in spec.items():
        if k.startswith("_"):
            continue
        if v.ndim == 1:
            out[k] = v
        else:
            letter = {"S": "S", "P": "P", "N": "N", "U": "U", "V": "V"}.get(k)
            if letter is None:
                continue
            for i in range(v.shape[1]):
                for j in range(v.shape[2]):
                    out[f"{letter}{i + 1}{j + 1}"] = v[:, i, j]
    out["valid"] = ~bad
    out["code"] = code
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"wrote {args.out}")
    return subprocess.call([sys.executable, str(tool), args.oracle, args.out])


if __name__ == "__main__":
    sys.exit(main())
