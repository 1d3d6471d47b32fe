"""The built-in relic density on the oracle's inputs, scored against micrOMEGAs 6.0.

    python benchmarks/relic_oracle.py [--oracle ../shared/reference/oracle/seed_A.csv]
        [--out runs/relic_oracle_seed_A.csv] [--widths WIDTHS.csv] [--batch 200]

Computes the built-in spectrum for every oracle point (Omega wherever it has no tachyon),
the Higgs widths (the registered ``higgs_decays`` provider, or a CSV with ``idx`` and
``width_h1`` .. ``width_hc`` given by ``--widths``), and ``omega_h2``, ``x_f`` and the
leading channels of ``nmssm_builtin_freeze_out``; writes them with the oracle's ``idx`` and the LSP
composition, prints the worst points, then runs ``../shared/tools/compare_oracle.py``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.nmssm_builtin.checks import theory_checks  # noqa: E402
from backends.nmssm_builtin.relic import (  # noqa: E402
    leading_channels,
    nmssm_builtin_freeze_out,
)
from backends.nmssm_builtin.spectrum import compute  # noqa: E402

NAMES = ["tanb", "M1", "M2", "M3", "At", "Ab", "Atau", "ML3", "ME3", "MQ3", "MU3", "MD3",
         "ML12", "ME12", "MQ12", "MU12", "MD12", "lambda", "kappa", "Alambda", "Akappa",
         "mueff"]
WIDTHS = ["width_h1", "width_h2", "width_h3", "width_a1", "width_a2", "width_hc"]


def higgs_widths(spec: dict, params: dict, rows: np.ndarray, widths_csv: str | None, idx):
    """Total Higgs widths: from a CSV keyed by idx, or from the higgs_decays provider."""
    if widths_csv:
        import pandas as pd

        w = pd.read_csv(widths_csv).set_index("idx").reindex(idx[rows])
        return {k: w[k].to_numpy(float) for k in WIDTHS}
    from fit.providers import REGISTRY

    REGISTRY.discover()
    specs = REGISTRY.providers_of("higgs_decays")
    builtin = [s for s in specs if "nmssm_builtin" in s.module]
    if not builtin:
        raise SystemExit("no built-in higgs_decays provider: give the widths with --widths")
    target = builtin[0].target
    fn = target() if isinstance(target, type) else target
    return fn({k: v[rows] for k, v in spec.items()}, {k: v[rows] for k, v in params.items()})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", default=str(ROOT.parent / "shared/reference/oracle/seed_A.csv"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--widths", default=None, help="CSV with idx and width_h1..width_hc")
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args(argv)
    import pandas as pd

    o = pd.read_csv(args.oracle, comment="#")
    out_path = args.out or str(ROOT / f"runs/relic_oracle_{Path(args.oracle).stem}.csv")
    params = {("lambda_" if k == "lambda" else k): o[k].to_numpy(float) for k in NAMES}
    full = compute(params)
    bad, code = theory_checks(full, params, require_neutralino_lsp=False)
    spec = {k: v for k, v in full.items() if not k.startswith("_")}
    # the relic density is computed wherever the spectrum has no tachyon (the other theory
    # checks are the spectrum's business; their codes are kept in the output)
    ok = np.flatnonzero(~np.isin(code, ["tachyon_higgs", "tachyon_sfermion"]))
    omega = np.full(len(o), np.nan)
    x_f = np.full(len(o), np.nan)
    leading = np.full(len(o), "", dtype=object)
    start = time.perf_counter()
    for b0 in range(0, ok.size, args.batch):
        rows = ok[b0:b0 + args.batch]
        widths = higgs_widths(spec, params, rows, args.widths, o["idx"].to_numpy())
        res = nmssm_builtin_freeze_out({k: v[rows] for k, v in spec.items()},
                                       {k: v[rows] for k, v in params.items()}, widths)
        value = res.value
        omega[rows] = np.where(res.invalid, np.nan, value["omega_h2"])
        x_f[rows] = value["x_f"]
        for k in range(rows.size):
            leading[rows[k]] = leading_channels(value["channels"], k)
    elapsed = time.perf_counter() - start
    n_mix = full["N"]
    out = pd.DataFrame({"idx": o["idx"], "omega_h2": omega, "x_f": x_f,
                        "mneu1": full["mneu1"], "bino": n_mix[:, 0, 0] ** 2,
                        "wino": n_mix[:, 0, 1] ** 2,
                        "higgsino": n_mix[:, 0, 2] ** 2 + n_mix[:, 0, 3] ** 2,
                        "singlino": n_mix[:, 0, 4] ** 2, "leading": leading,
                        "valid": ~bad, "code": code})
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(out_path, index=False)
    print(f"wrote {out_path}: {ok.size} points in {elapsed:.1f} s "
          f"({ok.size / elapsed:.1f} points/s)")
    scored = o["status"].astype(str).str.startswith("ok") & o["lsp"].astype(str).str.contains(
        "o1")
    ratio = out["omega_h2"] / o["Omega_h2"]
    worst = np.argsort(-np.abs(np.log(np.where(scored, ratio, 1.0))))[:10]
    print("worst points (oracle neutralino LSP):")
    for i in worst:
        print(f"  idx {o['idx'][i]}: Omega {out['omega_h2'][i]:.4g} vs {o['Omega_h2'][i]:.4g} "
              f"(ratio {ratio[i]:.2f}); LSP {out['mneu1'][i]:.0f} GeV, bino "
              f"{out['bino'][i]:.2f} wino {out['wino'][i]:.2f} higgsino "
              f"{out['higgsino'][i]:.2f} singlino {out['singlino'][i]:.2f}; "
              f"{out['leading'][i]} | oracle: {o.get('omega_channels', pd.Series(['']*len(o)))[i]}")
    tool = ROOT.parent / "shared/tools/compare_oracle.py"
    return subprocess.call([sys.executable, str(tool), args.oracle, out_path])


if __name__ == "__main__":
    sys.exit(main())
