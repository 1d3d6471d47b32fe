"""Electroweakino cross sections, decays and LHC limits: speed, and the three levels of
``lhc_limits`` side by side.

    python benchmarks/lhc_limits.py [-n 10000] [--repeats 3] [--no-external]

1. Speed on one core (threads pinned to 1): points per second of ``ewkino_xsec``,
   ``ewkino_decays`` and the built-in ``lhc_limits`` on a batch of ``n`` random points
   (spectrum given), best of ``--repeats``, and the same three on a loop over single points
   (the first 200), measured in the same run; the goal is >= 1e4 points/s for the cross
   sections and limits.
2. The reference benchmark (NMSSMTools 6.1.2 output of the seed scan; its MadGraph
   sigma(pp -> chi1+- chi2) = 1.24 pb): our LO and NLO+NLL cross sections and r values.
3. The same points (the benchmark and three NMSSM points with light winos or higgsinos)
   through the built-in limits, SModelS on a database written from the project's maps, and
   pyhf on one-bin models emulating each map (b = n = 10 events, 20% background uncertainty;
   acceptance x efficiency = N_95/(L UL_obs) on the map's points, N_95 the model's 95% CLs
   limit on signal events): r values side by side, with SModelS's import, database and
   per-point times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from backends.nmssm_builtin import ewkino_xsec as xs  # noqa: E402
from backends.nmssm_builtin.ewkino_provider import (  # noqa: E402
    nmssm_builtin_ewkino_decays,
    nmssm_builtin_ewkino_xsec,
)
from backends.nmssm_builtin.spectrum import as_arrays, compute  # noqa: E402
from backends.nmssm_builtin.vertices import vertices  # noqa: E402
from fit.batch import row, stack, take  # noqa: E402
from likelihoods.lhc import LHCBuiltin  # noqa: E402
from likelihoods.lhc_maps import MAPS  # noqa: E402

BOX = {"tanb": (2, 40), "lambda_": (0.01, 0.7), "kappa": (0.01, 0.7), "Alambda": (0, 4000),
       "Akappa": (-1000, 0), "mueff": (100, 1000), "M1": (-800, 1500), "M2": (150, 1500),
       "M3": (1500, 3000), "At": (-4000, 4000), "Ab": (-2000, 2000), "Atau": (-2000, 2000),
       "MQ3": (1000, 4000), "MU3": (1000, 4000), "MD3": (1000, 4000), "ML3": (150, 1500),
       "ME3": (150, 1500), "MQ12": (1000, 4000), "MU12": (1000, 4000), "MD12": (1000, 4000),
       "ML12": (150, 1500), "ME12": (150, 1500)}


def random_points(n: int, seed: int = 1) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    p = as_arrays({k: rng.uniform(lo, hi, n) for k, (lo, hi) in BOX.items()})
    spec = {k: v for k, v in compute(p).items() if not k.startswith("_")}
    return spec, p


def best_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def speed(n: int, repeats: int) -> None:
    spec, p = random_points(n)
    limits = LHCBuiltin()
    decays = nmssm_builtin_ewkino_decays(spec, p)
    sigma = nmssm_builtin_ewkino_xsec(spec, p)
    limits(spec, sigma, decays)                               # set-up (tables, maps)
    batch = {"ewkino_xsec": best_time(lambda: nmssm_builtin_ewkino_xsec(spec, p), repeats),
             "ewkino_decays": best_time(lambda: nmssm_builtin_ewkino_decays(spec, p), repeats),
             "lhc_limits": best_time(lambda: limits(spec, sigma, decays), repeats)}
    k = min(200, n)
    one = [(take(spec, np.array([i])), take(p, np.array([i]))) for i in range(k)]
    one_dec = [nmssm_builtin_ewkino_decays(s, q) for s, q in one]
    one_xs = [nmssm_builtin_ewkino_xsec(s, q) for s, q in one]
    loop = {"ewkino_xsec": best_time(lambda: [nmssm_builtin_ewkino_xsec(s, q)
                                              for s, q in one], 1) / k,
            "ewkino_decays": best_time(lambda: [nmssm_builtin_ewkino_decays(s, q)
                                                for s, q in one], 1) / k,
            "lhc_limits": best_time(lambda: [limits(s, x, d) for (s, _), x, d
                                             in zip(one, one_xs, one_dec, strict=True)],
                                    1) / k}
    print(f"speed on one core, batch of {n} random points (best of {repeats}); "
          f"loop over {k} single points")
    print(f"{'':16s} {'points/s batch':>15s} {'points/s loop':>14s} {'batch/loop':>11s}")
    for name in batch:
        rate, rate1 = n / batch[name], 1.0 / loop[name]
        print(f"{name:16s} {rate:15.0f} {rate1:14.0f} {rate / rate1:11.1f}")
    total = n / (batch["ewkino_xsec"] + batch["lhc_limits"])
    everything = n / sum(batch.values())
    print(f"cross sections + limits: {total:.0f} points/s; with the decays: "
          f"{everything:.0f} points/s")


def seed_benchmark() -> None:
    from ewkino_reference import benchmark

    _, spec, p = benchmark()
    v = vertices(spec, p)
    original = xs.k_factor
    xs.k_factor = lambda name, m: np.ones_like(np.asarray(m, float))
    lo_sigma = xs.electroweakinos(spec, v)
    xs.k_factor = original
    sigma = nmssm_builtin_ewkino_xsec(spec, p)
    decays = nmssm_builtin_ewkino_decays(spec, p)
    pair = ("1000023,1000024", "1000023,-1000024")
    print("\nreference benchmark (NMSSMTools 6.1.2 output of the seed scan)")
    lo_pair, nlo_pair = (sum(x[k][0] for k in pair) for x in (lo_sigma, sigma))
    print(f"  sigma(pp -> chi2 chi1+-): MadGraph LO (seed) 1.24 pb, ours LO {lo_pair:.3f} pb, "
          f"NLO+NLL {nlo_pair:.3f} pb")
    for name, label in (("1000022,1000024", "chi1 chi1+"), ("1000022,-1000024", "chi1 chi1-"),
                        ("1000024,-1000024", "chi1+ chi1-"), ("1000022,1000023", "chi1 chi2"),
                        ("1000011,-1000011", "selectron_L pair"),
                        ("2000011,-2000011", "selectron_R pair")):
        print(f"  sigma({label}) = {sigma[name][0]:.4f} pb")
    out = LHCBuiltin()(spec, sigma, decays)
    print(f"  built-in limits: selected {out['selected'][0]}, r_obs = {out['r_obs'][0]:.3f}, "
          f"r_exp = {out['r_exp'][0]:.3f}, largest r_obs = {out['r_obs_max'][0]:.3f}")


def pyhf_emulation(directory: Path) -> list[dict]:
    """One-bin HistFactory models emulating each map (see the module docstring)."""
    import pyhf

    spec = {"channels": [{"name": "SR", "samples": [{"name": "bkg", "data": [10.0],
            "modifiers": [{"name": "bkg_unc", "type": "normsys",
                           "data": {"hi": 1.2, "lo": 0.8}}]}]}],
            "observations": [{"name": "SR", "data": [10]}],
            "measurements": [{"name": "m", "config": {"poi": "mu_sig", "parameters": [
                {"name": "mu_sig", "bounds": [[0.0, 100.0]]}]}}],
            "version": "1.0.0"}
    workspace = pyhf.Workspace(spec)
    patch = [{"op": "add", "path": "/channels/0/samples/-", "value": {
        "name": "s", "data": [1.0], "modifiers": [{"name": "mu_sig", "type": "normfactor",
                                                   "data": None}]}}]
    model = workspace.model(patches=[patch])
    n95 = float(pyhf.infer.intervals.upper_limits.upper_limit(workspace.data(model), model)[0])
    (directory / "ws.json").write_text(json.dumps(spec))
    entries = []
    for ul_map in MAPS:
        pts = ul_map.points
        eff = n95 / (139.0 * 1000.0 * pts[:, 2])
        path = directory / f"eff_{ul_map.analysis}_{ul_map.topology}.csv"
        path.write_text("m_mother_GeV,m_LSP_GeV,SR\n" + "".join(
            f"{a},{b},{e}\n" for a, b, e in zip(pts[:, 0], pts[:, 1], eff, strict=True)))
        entries.append({"name": ul_map.name, "workspace": "ws.json", "efficiencies": path.name,
                        "topology": ul_map.topology, "luminosity_ifb": 139.0})
    return entries


def side_by_side() -> None:
    from ewkino_reference import benchmark

    from backends.nmssm_builtin.provider import nmssm_builtin_slha

    _, bench_spec, bench_p = benchmark()
    names = ["benchmark"]
    specs, params = [bench_spec], [bench_p]
    light = {"tanb": 10.0, "lambda_": 0.1, "kappa": 0.6, "Alambda": 2000.0, "Akappa": -100.0,
             "M3": 3000.0, "At": -2000.0, "Ab": 0.0, "Atau": 0.0, "MQ3": 3000.0,
             "MU3": 3000.0, "MD3": 3000.0, "ML3": 3000.0, "ME3": 3000.0, "MQ12": 3000.0,
             "MU12": 3000.0, "MD12": 3000.0, "ML12": 3000.0, "ME12": 3000.0}
    for label, changes in (("wino 400, bino 50", {"M1": 50.0, "M2": 400.0, "mueff": 1500.0}),
                           ("wino 650, bino 100", {"M1": 100.0, "M2": 650.0, "mueff": 1500.0}),
                           ("higgsino 180, bino 120", {"M1": 120.0, "M2": 1500.0,
                                                       "mueff": 180.0})):
        p = as_arrays({**light, **changes})
        specs.append({k: v for k, v in compute(p).items() if not k.startswith("_")})
        params.append(p)
        names.append(label)
    spec = stack([row(s, 0) for s in specs])
    spec = {k: np.asarray(v) for k, v in spec.items()}
    p = {k: np.concatenate([q[k] for q in params]) for k in params[0]}
    sigma = nmssm_builtin_ewkino_xsec(spec, p)
    decays = nmssm_builtin_ewkino_decays(spec, p)
    builtin = LHCBuiltin()(spec, sigma, decays)
    docs = nmssm_builtin_slha(spec, p, decays, sigma)
    with tempfile.TemporaryDirectory() as tmp:
        from backends.pyhf_limits import PyhfLimits
        from backends.smodels_limits import SModelSLimits, write_ul_database

        start = time.perf_counter()
        import smodels.matching.theoryPrediction
        imported = time.perf_counter() - start
        smodels = SModelSLimits(database=write_ul_database(Path(tmp) / "db"))
        start = time.perf_counter()
        smodels._load()
        loaded = time.perf_counter() - start
        smodels_out, times = [], []
        for doc in docs:
            start = time.perf_counter()
            smodels_out.append(smodels(doc))
            times.append(time.perf_counter() - start)
        pyhf = PyhfLimits(analyses=pyhf_emulation(Path(tmp)), base_dir=Path(tmp))
        pyhf_out = [pyhf(row(spec, i), row(sigma, i), row(decays, i))
                    for i in range(len(names))]
    print(f"\nSModelS {smodels.__class__.__module__}: import {imported:.1f} s, database "
          f"{loaded:.1f} s, per point {np.median(times):.1f} s (median of {len(times)})")
    print("r_obs per result: built-in / SModelS (local database) / pyhf (one-bin emulation)")
    for i, name in enumerate(names):
        print(f"  {name}: selected built-in {builtin['selected'][i] or '-'}, "
              f"SModelS {smodels_out[i]['selected'] or '-'}, pyhf {pyhf_out[i]['selected'] or '-'}")
        for result in builtin["results"]:
            b = builtin["results"][result]["r_obs"][i]
            s = smodels_out[i]["results"].get(result, {}).get("r_obs", float("nan"))
            h = pyhf_out[i]["results"][result]["r_obs"]
            if max(b, s if s == s else 0, h) > 1e-3:
                print(f"    {result:32s} {b:8.3f} {s:8.3f} {h:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-external", action="store_true",
                        help="skip SModelS and pyhf (section 3)")
    args = parser.parse_args()
    speed(args.n, args.repeats)
    seed_benchmark()
    if not args.no_external:
        side_by_side()


if __name__ == "__main__":
    main()
