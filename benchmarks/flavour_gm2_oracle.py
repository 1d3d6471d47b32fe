"""Score the built-in flavour observables and muon g-2 against the oracle samples.

    python benchmarks/flavour_gm2_oracle.py [--oracle ../shared/reference/oracle/random_A.csv
                                             ../shared/reference/oracle/seed_A.csv]
                                            [--out-dir runs] [--oracle-stop-masses]
                                            [--nmssmtools-stop-weights]

For each oracle file: runs the built-in spectrum on the oracle's inputs, computes br_bsgamma,
br_bsmumu, br_btaunu, delta_ms and delta_amu (in NMSSMTools' convention, and the default
one beyond the SM as delta_amu_bsm), writes ``<out-dir>/flavour_gm2_<oracle
name>.csv`` (``idx``, the observables at every point, and ``valid``/``code`` of the built-in
theory checks, as benchmarks/oracle_table.py does) and runs
``../shared/tools/compare_oracle.py`` on it (it scores
bsg, Bsmumu and del_amu; the other observables of that tool are not in this file and are
reported missing). Then prints Delta a_mu beyond the SM beside GM2Calc 2.3.1
(``gm2calc_A.csv``, for random_A), and the seed benchmark beside NMSSMTools 6.1.2
(``../shared/reference/nmssmtools/spectr_full_minchi2.dat``).

``--nmssmtools-stop-weights`` puts into the flavour coefficients the built-in stop masses
with the charged-Higgs tadpole weighted as NMSSMTools 5.6.0 weights it (``msferm.f``,
subroutine DMSQUARK_YUK: the H_u content of the lightest CP-even state, ~sin^2(beta), for
the h_t^2 |t_R|^2 |H_u^+|^2 loop, and cos^2(beta) for the h_b^2 |t_L|^2 |H_d^-|^2 loop, where
the charged Higgs has cos^2(beta) and sin^2(beta)), and prints how close they come to the
oracle's stop masses; at M_H+- >> m_stop this is what makes NMSSMTools' stops heavier.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backends.flavio_calibration import load  # noqa: E402
from backends.nmssm_builtin import flavour, gm2  # noqa: E402
from backends.nmssm_builtin.checks import theory_checks  # noqa: E402
from backends.nmssm_builtin.spectrum import PARAMETERS, as_arrays, compute  # noqa: E402

SHARED = ROOT.parent / "shared"
OBSERVABLES = ("br_bsgamma", "br_bsmumu", "br_btaunu", "delta_ms")
#: the seed benchmark (inp_minchi2.dat) and NMSSMTools 6.1.2's LOWEN values for it
#: (spectr_full_minchi2.dat, lines 126, 138, 142, 134, 201)
SEED_POINT = {"tanb": 4.69673261, "M1": 1940.59303, "M2": 1535.77145, "M3": 4584.02795,
              "At": -4885.84591, "Ab": 1500.0, "Atau": 1500.0, "ML3": 200.0, "ME3": 200.0,
              "MQ3": 3764.09251, "MU3": 2473.02342, "MD3": 1000.0, "ML12": 200.0,
              "ME12": 200.0, "MQ12": 3764.09251, "MU12": 2473.02342, "MD12": 1000.0,
              "lambda_": 0.293622043, "kappa": 0.190796477, "Alambda": 624.626468,
              "Akappa": -228.918523, "mueff": 135.211331}
SEED_NMSSMTOOLS_612 = {"br_bsgamma": 3.78226189e-04, "br_bsmumu": 3.53421638e-09,
                       "br_btaunu": 1.06716119e-04, "delta_ms": 1.80761187e01,
                       "delta_amu": 2.44714406e-10}


def observables(params: dict[str, np.ndarray], stop_masses: tuple | None = None
                ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The built-in observables, the mask of points the spectrum's checks reject, their codes.

    ``stop_masses`` (lighter, heavier) [GeV] replace the built-in stop masses in the flavour
    coefficients (not in the checks or g-2), to separate the spectrum from the C7 formulae."""
    p = as_arrays(params)
    spec = compute(p)
    flavour_spec = spec
    if stop_masses is not None:
        flavour_spec = {**spec, "mst1": stop_masses[0], "mst2": stop_masses[1]}
    bad, code = theory_checks(spec, p, require_neutralino_lsp=False)
    cal = load()
    wc = flavour.wilson_coefficients(flavour_spec, p, cal)
    out = {name: cal[name](wc) for name in OBSERVABLES}
    out["delta_amu"] = gm2.delta_amu(spec, p, convention="nmssmtools")["delta_amu"]
    out["delta_amu_bsm"] = gm2.delta_amu(spec, p)["delta_amu"]
    return out, bad, code


def nmssmtools_stop_weights(spec: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The built-in stop pole masses [GeV] plus the difference between NMSSMTools 5.6.0's
    charged-Higgs weights (module docstring) and the charged Higgs's H_u and H_d contents,
    times A(M_H+-) = M^2 (ln(M^2/Q_st^2) - 1) / (16 pi^2)."""
    from backends.nmssm_builtin import sm_inputs as sm

    run = spec["_running"]
    cb2 = 1.0 / (1.0 + spec["tanb_q"] ** 2)
    sb2 = 1.0 - cb2
    q2 = spec["q_st"] ** 2
    vu, vd = spec["vev_q"] * np.sqrt(sb2), spec["vev_q"] * np.sqrt(cb2)
    ht2 = (run["mt"] / vu) ** 2
    hb2 = (sm.mb_msbar(spec["q_st"]) * (1.0 - run["alpha_s"] / (3.0 * np.pi)) / vd) ** 2
    h1_up = spec["S"][:, 0, 1] ** 2                 # H_u content of h1, (H_d, H_u, S) order
    m2 = spec["mhc"] ** 2
    a_charged = m2 * (np.log(m2 / q2) - 1.0) / (16.0 * np.pi**2)
    out = []
    for i, key in enumerate(("mst1", "mst2")):
        left2 = spec["stop_mix"][:, i, 0] ** 2
        extra = (ht2 * (1.0 - left2) * (h1_up - cb2) + hb2 * left2 * (cb2 - sb2)) * a_charged
        out.append(np.sqrt(np.maximum(spec[key] ** 2 + extra, 0.0)))
    return out[0], out[1]


def score(oracle: Path, out_dir: Path, oracle_stops: bool = False,
          nmssmtools_weights: bool = False) -> Path:
    import pandas as pd

    o = pd.read_csv(oracle, comment="#")
    params = {k: o["lambda" if k == "lambda_" else k].to_numpy(float) for k in PARAMETERS}
    stops = None
    if oracle_stops:
        m1, m2 = o["mst1"].to_numpy(float), o["mst2"].to_numpy(float)
        stops = (np.fmin(m1, m2), np.fmax(m1, m2))
    if nmssmtools_weights:
        spec = compute(as_arrays(params))
        stops = nmssmtools_stop_weights(spec)
        computed = o["status"].astype(str).str.startswith("ok").to_numpy()
        print(f"== {oracle.name}: stop masses within 2% of the oracle's (computed points)")
        for key, ours in zip(("mst1", "mst2"), stops, strict=True):
            plain, ref = spec[key], o[key].to_numpy(float)
            print(f"   {key}: built-in {np.mean(np.abs(plain / ref - 1)[computed] < 0.02):.1%}, "
                  f"with NMSSMTools' charged-Higgs weights "
                  f"{np.mean(np.abs(ours / ref - 1)[computed] < 0.02):.1%}")
        stops = (np.fmin(*stops), np.fmax(*stops))
    values, bad, code = observables(params, stops)
    table = pd.DataFrame({"idx": o["idx"], **values, "valid": ~bad, "code": code})
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"flavour_gm2_{oracle.stem}.csv"
    table.to_csv(path, index=False)
    computed = o["status"].astype(str).str.startswith("ok").to_numpy()
    rejected = computed & bad
    print(f"== {oracle.name}: wrote {path}; the built-in checks reject {rejected.sum()} of the "
          f"{computed.sum()} points NMSSMTools computed ({', '.join(sorted(set(code[rejected])))})"
          f"; they are scored all the same")
    subprocess.call([sys.executable, str(SHARED / "tools" / "compare_oracle.py"), str(oracle),
                     str(path)])
    gm2calc = oracle.with_name(oracle.name.replace("random", "gm2calc"))
    if gm2calc != oracle and gm2calc.is_file():
        g = pd.read_csv(gm2calc, comment="#").set_index("idx")
        ref = g.reindex(o["idx"])["gm2_amu"].to_numpy(float)
        nmt = o["del_amu"].to_numpy(float)
        ours = table["delta_amu_bsm"].to_numpy(float)
        ok = np.isfinite(ref) & np.isfinite(ours)
        both = ok & np.isfinite(nmt)
        print(f"Delta a_mu beyond the SM vs GM2Calc 2.3.1 ({gm2calc.name}, n={ok.sum()}): "
              "within 15% "
              f"{np.mean(np.abs(ours[ok] / ref[ok] - 1) < 0.15):.1%}, median ratio "
              f"{np.median(ours[ok] / ref[ok]):.3f}; NMSSMTools/GM2Calc median ratio "
              f"{np.median(nmt[both] / ref[both]):.3f}")
    return path


def seed_benchmark() -> None:
    values, bad, _ = observables({k: np.array([v]) for k, v in SEED_POINT.items()})
    print("== seed benchmark (inp_minchi2.dat): built-in vs NMSSMTools 6.1.2")
    print(f"   (built-in spectrum {'rejects' if bad[0] else 'accepts'} the point)")
    for name, ref in SEED_NMSSMTOOLS_612.items():
        print(f"   {name:11s} built-in {values[name][0]:.4g}   NMSSMTools 6.1.2 {ref:.4g}   "
              f"ratio {values[name][0] / ref:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    oracle_dir = SHARED / "reference" / "oracle"
    ap.add_argument("--oracle", nargs="+", type=Path,
                    default=[oracle_dir / "random_A.csv", oracle_dir / "seed_A.csv"])
    ap.add_argument("--out-dir", type=Path, default=ROOT / "runs")
    ap.add_argument("--oracle-stop-masses", action="store_true",
                    help="the oracle's stop masses in the flavour coefficients (the built-in "
                    "mixing angles stay), to tell spectrum from formulae")
    ap.add_argument("--nmssmtools-stop-weights", action="store_true",
                    help="the built-in stop masses with NMSSMTools 5.6.0's charged-Higgs "
                    "weights in the flavour coefficients (module docstring)")
    args = ap.parse_args(argv)
    for oracle in args.oracle:
        score(oracle, args.out_dir, args.oracle_stop_masses, args.nmssmtools_stop_weights)
    seed_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
