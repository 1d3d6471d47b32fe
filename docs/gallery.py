"""The figures of the README's gallery, made by the project's own run files and plot command.

    python docs/gallery.py [--runs runs/gallery] [--dpi 200]

Runs yaml/gaussian.yaml with dynesty, emcee and a random scan,
yaml/examples/nmssm_higgs_scan.yaml (a random scan of the seed region with the built-in
NMSSM spectrum and the Higgs mass and coupling terms), about two minutes on one core, and
the main job, yaml/nmssm.yaml (about ten minutes more); draws their figures with
`fit.plot.make_plots` (what ``python -m fit plot`` does) and copies the ones the README
shows into docs/figures/. ``--reuse`` takes the runs already in ``--runs`` (e.g. a main job
copied to runs/gallery/main_job/main_job.h5) and runs only the missing ones. The figures are
one column wide; 200 dpi (not the default 300) keeps the repository light.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit.cli import main as fit  # noqa: E402
from fit.plot import make_plots  # noqa: E402

FIGURES = ROOT / "docs" / "figures"

#: the runs: name -> command-line arguments of python -m fit
RUNS = {
    "dynesty": ["yaml/gaussian.yaml", "--sampler", "dynesty"],
    "emcee": ["yaml/gaussian.yaml", "--sampler", "emcee", "--set", "sampler.nsteps=6000"],
    "random": ["yaml/gaussian.yaml", "--set", "sampler.n_points=40000"],
    "nmssm": ["yaml/examples/nmssm_higgs_scan.yaml"],
    "main_job": ["yaml/nmssm.yaml"],
}

#: the figures: gallery file -> (runs, make_plots options, figure the plot command writes)
SHOWN = {
    "gaussian_profile_2d.png": (["dynesty"], {"names": ["x1", "x2"]}, "profile_x1_x2.png"),
    "gaussian_profile_1d.png": (["dynesty"], {"names": ["x1", "x2"]}, "profile_x1.png"),
    "gaussian_chi2_map.png": (["dynesty"], {"names": ["x1", "x2"], "chi2_map": True,
                                            "kind": "profile"}, "profile_x1_x2.png"),
    "gaussian_triangle.png": (["dynesty"], {"names": ["x1", "x2", "x3", "x4"],
                                            "kind": "posterior"}, "triangle.png"),
    "gaussian_posterior_compare.png": (["dynesty", "emcee"], {"names": ["x1"],
                                                              "kind": "posterior",
                                                              "labels": ["dynesty", "emcee"]},
                                       "posterior_x1.png"),
    "gaussian_profile_compare.png": (["dynesty", "random"], {"names": ["x1", "x2"],
                                                             "kind": "profile",
                                                             "labels": ["dynesty",
                                                                        "random scan"]},
                                     "profile_x1_x2.png"),
    "nmssm_lambda_kappa.png": (["nmssm"], {"names": ["lambda_", "kappa"]},
                               "profile_lambda__kappa.png"),
    "nmssm_lambda_kappa_terms.png": (["nmssm"], {"names": ["lambda_", "kappa"],
                                                 "color": "terms"},
                                     "profile_lambda__kappa.png"),
    "nmssm_direct_detection.png": (["nmssm"], {"names": ["dm_mass", "sigma_si_p"]},
                                   "profile_dm_mass_sigma_si_p.png"),
    "main_job_lambda_kappa.png": (["main_job"], {"names": ["lambda_", "kappa"]},
                                  "profile_lambda__kappa.png"),
    "main_job_lambda_kappa_terms.png": (["main_job"], {"names": ["lambda_", "kappa"],
                                                       "color": "terms"},
                                        "profile_lambda__kappa.png"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default=str(ROOT / "runs" / "gallery"),
                    help="where the runs are written (default runs/gallery)")
    ap.add_argument("--dpi", type=int, default=200, help="resolution of the PNG files")
    ap.add_argument("--reuse", action="store_true",
                    help="take the runs already written under --runs; run only the others")
    args = ap.parse_args(argv)
    runs = Path(args.runs)
    paths = {}
    for name, command in RUNS.items():
        paths[name] = runs / name / f"{name}.h5"
        if args.reuse and paths[name].exists():
            continue
        status = fit([str(ROOT / command[0]), *command[1:], "--output", str(paths[name]),
                      "--overwrite", "-q"])
        if status:
            return status
    FIGURES.mkdir(parents=True, exist_ok=True)
    for shown, (names, options, made) in SHOWN.items():
        with tempfile.TemporaryDirectory() as scratch:
            make_plots([paths[n] for n in names], output=scratch, dpi=args.dpi, echo=False,
                       **options)
            shutil.copyfile(Path(scratch) / made, FIGURES / shown)
        print(f"docs/figures/{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
