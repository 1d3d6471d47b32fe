"""Fast parametrisations of flavour observables in new-physics Wilson coefficients, made once
with flavio and read from a data file at run time (flavio stays out of the per-point path).

flavio (Straub, arXiv:1810.08132) predicts each observable as a polynomial in the Wilson
coefficients of the weak effective theory: branching ratios are quadratic forms of the
(linearly running) coefficients and the mixing amplitude M12 is linear in them. So each
observable is stored exactly as

    ``quadratic``:  O = O_SM (1 + l.x + x.Q.x)       (BR(B -> X_s gamma), BR(B_s -> mu mu),
                                                       BR(B+ -> tau nu))
    ``linear_abs``: O = O_SM |1 + l.x|                (Delta M_s = 2 |M12|)

for real new-physics coefficients x (minimal flavour violation: the new-physics amplitudes
carry the Standard-Model CKM factors), with O_SM, l and Q fitted to flavio and checked on
independent random coefficients. The file also holds the flavio numbers the coefficients are
computed with (m_b(4.8 GeV), m_tau, alpha_e(4.8 GeV), the SM C10, ...), so that a provider
and flavio agree on conventions, e.g. B -> tau nu reproduces the tree-level charged-Higgs
factor exactly.

Coefficients (flavio's WET basis, arXiv:1712.05298 [WCxf]):

- ``br_bsgamma``: ``C7_bs``, ``C8_bs`` at 160 GeV (H = -4 G_F/sqrt2 V_tb V_ts* e/(16 pi^2)
  m_b C7 O7 + ...).
- ``br_bsmumu``: ``C10_bsmumu``, ``CS_bsmumu``, ``CP_bsmumu`` [GeV^-1] at 4.8 GeV
  (H = -4 G_F/sqrt2 V_tb V_ts* e^2/(16 pi^2) (C10 O10 + CS O_S + CP O_P),
  O_S = m_b (s P_R b)(mu mu), O_P = m_b (s P_R b)(mu g5 mu)).
- ``br_btaunu``: ``CSR_butaunutau`` at 4.8 GeV (H = 4 G_F/sqrt2 V_ub [(1 + C_VL) O_VL
  + C_SR (u P_R b)(tau P_L nu)]).
- ``delta_ms``: ``VLL``, ``LR1``, ``LR2``, ``SLL1`` at 160 GeV in the normalisation of
  Buras, Misiak, Urban (hep-ph/0005183) and Buras, Jager, Urban (hep-ph/0102316):
  H = G_F^2 M_W^2/(16 pi^2) (V_tb V_ts*)^2 sum_i C_i Q_i; flavio gets C = -that prefactor x.

Regenerate (needs ``pip install flavio 'particle<1'``; about a minute):

    python -m backends.flavio_calibration [--out backends/data/flavio_calibration.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

#: the calibration shipped with the project
DEFAULT_FILE = Path(__file__).parent / "data" / "flavio_calibration.json"
#: hbar [GeV ps] (CODATA 2018), to give Delta M in ps^-1
HBAR_GEV_PS = 6.582119569e-13


#: observable -> flavio name, form, scale [GeV], variables with their calibration ranges
OBSERVABLES: dict[str, dict] = {
    "br_bsgamma": {"flavio": "BR(B->Xsgamma)", "form": "quadratic", "scale": 160.0,
                   "variables": {"C7_bs": 0.5, "C8_bs": 1.0}},
    "br_bsmumu": {"flavio": "BR(Bs->mumu)", "form": "quadratic", "scale": 4.8,
                  "variables": {"C10_bsmumu": 3.0, "CS_bsmumu": 0.05, "CP_bsmumu": 0.05}},
    "br_btaunu": {"flavio": "BR(B+->taunu)", "form": "quadratic", "scale": 4.8,
                  "variables": {"CSR_butaunutau": 1.0}},
    # ranges where 1 + l.x > 0, so that |1 + l.x| is fitted as the linear function it is there
    "delta_ms": {"flavio": "DeltaM_s", "form": "linear_abs", "scale": 160.0,
                 "variables": {"VLL": 0.5, "LR1": 0.5, "LR2": 0.5, "SLL1": 0.5}},
}
#: Buras-Misiak-Urban operator -> flavio coefficient name (same operators and matrix elements)
DELTA_F2_NAMES = {"VLL": "CVLL_bsbs", "LR1": "CVLR_bsbs", "LR2": "CSLR_bsbs",
                  "SLL1": "CSLL_bsbs"}


class Parametrisation:
    """One observable as a polynomial in its new-physics coefficients (see module doc)."""

    def __init__(self, name: str, entry: Mapping):
        self.name = name
        self.form = entry["form"]
        self.variables = tuple(entry["variables"])
        self.sm = float(entry["sm"])
        self.sm_uncertainty = float(entry["sm_uncertainty"])
        self.linear = np.asarray(entry["linear"], dtype=float)
        self.quadratic = np.asarray(entry.get("quadratic", np.zeros((len(self.linear),) * 2)),
                                    dtype=float)
        if self.form not in ("quadratic", "linear_abs"):
            raise ValueError(f"flavio calibration, observable '{name}': unknown form "
                             f"'{self.form}' (expected 'quadratic' or 'linear_abs')")

    def ratio(self, coefficients: Mapping[str, np.ndarray]) -> np.ndarray:
        """O / O_SM for arrays of the new-physics coefficients (missing ones are zero)."""
        x = np.stack(np.broadcast_arrays(*(np.asarray(coefficients.get(v, 0.0), dtype=float)
                                           for v in self.variables)), axis=-1)
        lin = 1.0 + x @ self.linear
        if self.form == "linear_abs":
            return np.abs(lin)
        return lin + np.einsum("...i,ij,...j->...", x, self.quadratic, x)

    def __call__(self, coefficients: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.sm * self.ratio(coefficients)


class Calibration:
    """The calibration file: parametrisations, flavio's constants and the file's header."""

    def __init__(self, data: Mapping, path: Path | str = ""):
        self.path = str(path)
        try:
            self.header = dict(data["header"])
            self.constants = {k: float(v) for k, v in data["constants"].items()}
            self.observables = {name: Parametrisation(name, entry)
                                for name, entry in data["observables"].items()}
        except KeyError as exc:
            raise ValueError(f"{self.path}: flavio calibration lacks the key {exc}; "
                             f"regenerate it with 'python -m backends.flavio_calibration'"
                             ) from None

    def __getitem__(self, observable: str) -> Parametrisation:
        try:
            return self.observables[observable]
        except KeyError:
            raise KeyError(f"{self.path}: no observable '{observable}' (has "
                           f"{', '.join(self.observables)})") from None


@lru_cache(maxsize=4)
def load(path: str | Path = DEFAULT_FILE) -> Calibration:
    """Read a calibration file (cached)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"flavio calibration {path} not found; make it with "
                                f"'python -m backends.flavio_calibration --out {path}'"
                                ) from None
    return Calibration(data, path)


# ---------------------------------------------------------------- making it (needs flavio)


def flavio_function(observable: str) -> tuple[Callable[[dict], float], dict]:
    """f(x) = flavio's prediction of ``observable`` for new-physics coefficients x, and
    the constants the conversion to flavio's coefficients uses."""
    import flavio
    from flavio.physics import ckm

    spec = OBSERVABLES[observable]
    par = flavio.default_parameters.get_central_all()
    unit = 1.0 / HBAR_GEV_PS if observable == "delta_ms" else 1.0
    norm = par["GF"] ** 2 * par["m_W"] ** 2 / (16 * math.pi**2)
    xi_t = ckm.xi("t", "bs")(par)

    def predict(x: dict) -> float:
        if observable == "delta_ms":
            coeffs = {DELTA_F2_NAMES[k]: -norm * xi_t**2 * v for k, v in x.items() if v}
        else:
            coeffs = {k: v for k, v in x.items() if v}
        if not coeffs:
            return float(flavio.sm_prediction(spec["flavio"])) * unit
        wc = flavio.WilsonCoefficients()
        wc.set_initial(coeffs, scale=spec["scale"])
        return float(flavio.np_prediction(spec["flavio"], wc)) * unit

    return predict, par


def design(n_var: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-box points for a fit: the axes (+-1/2, +-1), the pairs, and random points."""
    rows = []
    for i in range(n_var):
        for s in (-1.0, -0.5, 0.5, 1.0):
            e = np.zeros(n_var)
            e[i] = s
            rows.append(e)
    rows.extend(rng.uniform(-1, 1, size=(n, n_var)))
    return np.array(rows)


def features(x: np.ndarray, form: str) -> np.ndarray:
    """Columns 1, x_i and (quadratic) x_i x_j (i <= j) of the polynomial fit."""
    cols = [np.ones(len(x))] + [x[:, i] for i in range(x.shape[1])]
    if form == "quadratic":
        cols += [x[:, i] * x[:, j] for i in range(x.shape[1]) for j in range(i, x.shape[1])]
    return np.stack(cols, axis=1)


def fit(observable: str, rng: np.random.Generator, n_fit: int = 40, n_test: int = 100,
        sm_draws: int = 300) -> tuple[dict, dict]:
    """Fit one observable to flavio; returns its file entry and flavio's parameters."""
    import flavio

    spec = OBSERVABLES[observable]
    names = list(spec["variables"])
    width = np.array([spec["variables"][v] for v in names])
    predict, par = flavio_function(observable)
    sm = predict({})
    x = design(len(names), rng, n_fit) * width
    y = np.array([predict(dict(zip(names, row, strict=True))) for row in x]) / sm
    coef, *_ = np.linalg.lstsq(features(x, spec["form"]), y, rcond=None)
    d = len(names)
    linear = coef[1:1 + d] / coef[0]
    quadratic = np.zeros((d, d))
    if spec["form"] == "quadratic":
        k = 1 + d
        for i in range(d):
            for j in range(i, d):
                quadratic[i, j] += coef[k] / coef[0] / (2.0 if i != j else 1.0)
                if i != j:
                    quadratic[j, i] = quadratic[i, j]
                k += 1
    entry = {"flavio": spec["flavio"], "form": spec["form"], "scale_GeV": spec["scale"],
             "variables": names, "sm": sm * coef[0], "linear": linear.tolist()}
    if spec["form"] == "quadratic":
        entry["quadratic"] = quadratic.tolist()
    p = Parametrisation(observable, {**entry, "sm_uncertainty": 0.0})
    test = rng.uniform(-1, 1, size=(n_test, d)) * width
    exact = np.array([predict(dict(zip(names, row, strict=True))) for row in test])
    approx = p({v: test[:, i] for i, v in enumerate(names)})
    entry["check"] = {"n_random": n_test, "ranges": dict(zip(names, width.tolist(),
                                                            strict=True)),
                      "max_relative_deviation": float(np.max(np.abs(approx / exact - 1)))}
    unit = 1.0 / HBAR_GEV_PS if observable == "delta_ms" else 1.0
    entry["sm_uncertainty"] = float(flavio.sm_uncertainty(spec["flavio"], N=sm_draws)) * unit
    entry["sm_flavio"] = sm
    return entry, par


def constants(par: Mapping) -> dict[str, float]:
    """flavio's numbers that the new-physics coefficients are computed with."""
    from flavio.physics import ckm
    from flavio.physics.bdecays.wilsoncoefficients import wcsm_nf5
    from flavio.physics.running import running

    c10 = float(np.real(wcsm_nf5(4.8)[9]))
    return {"GF": par["GF"], "m_W": par["m_W"], "m_tau": par["m_tau"], "m_mu": par["m_mu"],
            "m_Bs": par["m_Bs"], "m_B+": par["m_B+"],
            "m_b_4.8": running.get_mb(par, 4.8), "m_s_4.8": running.get_ms(par, 4.8),
            "alpha_e_4.8": running.get_alpha(par, 4.8)["alpha_e"],
            "C10_SM_4.8": c10, "abs_Vtb_Vts": abs(ckm.xi("t", "bs")(par)),
            "abs_Vub": abs(ckm.get_ckm(par)[0, 2])}


def make(seed: int = 1) -> dict:
    """The whole calibration (calls flavio a few hundred times)."""
    import flavio
    import wilson

    rng = np.random.default_rng(seed)
    entries, par = {}, None
    for name in OBSERVABLES:
        entries[name], par = fit(name, rng)
    header = {"what": "fast parametrisations of flavio predictions in new-physics Wilson "
                      "coefficients; see backends/flavio_calibration.py",
              "flavio": flavio.__version__, "wilson": wilson.__version__,
              "date": datetime.date.today().isoformat(),
              "command": "python -m backends.flavio_calibration",
              "units": "branching ratios dimensionless, delta_ms in ps^-1, masses in GeV"}
    return {"header": header, "constants": constants(par), "observables": entries}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Calibrate the flavour parametrisations "
                                             "against flavio.")
    ap.add_argument("--out", default=str(DEFAULT_FILE))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    data = make(args.seed)
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n")
    for name, entry in data["observables"].items():
        print(f"{name:11s} SM {entry['sm']:.4g} +- {entry['sm_uncertainty']:.2g}  "
              f"max deviation on {entry['check']['n_random']} random points: "
              f"{entry['check']['max_relative_deviation']:.1e}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
