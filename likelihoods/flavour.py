"""Flavour likelihood: BR(B -> X_s gamma), BR(B_s -> mu mu), BR(B+ -> tau nu), Delta M_s.

Each observable is a Gaussian in the measurement (``likelihoods/data/flavour_measurements.csv``,
sources in the file) with the variance

    sigma^2 = sigma_exp^2 + (r_SM O)^2 + (f_NP (O - O_SM))^2,

r_SM the relative Standard-Model uncertainty of flavio's prediction (from the calibration
file, backends/data/flavio_calibration.json) and f_NP the file's relative uncertainty of the
new-physics shift; with ``theory: gambit``, sigma^2 = sigma_exp^2 + (r_G O)^2 with the relative
theory errors r_G of GAMBIT's FlavBit (the file's gambit_theory_fraction). ln L = -chi^2/2
summed over the chosen observables (0 where every prediction equals its measurement).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from fit import likelihood

DATA = Path(__file__).parent / "data" / "flavour_measurements.csv"
OBSERVABLES = ("br_bsgamma", "br_bsmumu", "br_btaunu", "delta_ms")


@dataclass(frozen=True)
class Measurement:
    """One row of the measurement file."""

    observable: str
    value: float
    error: float
    np_theory_fraction: float
    gambit_theory_fraction: float
    source: str


@lru_cache(maxsize=4)
def measurements(path: str = str(DATA)) -> dict[str, Measurement]:
    """The measurement file as a mapping observable -> Measurement."""
    rows = [line for line in Path(path).read_text().splitlines() if not line.startswith("#")]
    out = {}
    for i, row in enumerate(csv.DictReader(rows), start=2):
        try:
            m = Measurement(row["observable"], float(row["value"]), float(row["error"]),
                            float(row["np_theory_fraction"]),
                            float(row["gambit_theory_fraction"]), row["source"])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: data row {i - 1}: expected observable, value, error, "
                             f"np_theory_fraction, gambit_theory_fraction, source ({exc})"
                             ) from None
        if m.error <= 0:
            raise ValueError(f"{path}: {m.observable}: 'error' must be positive")
        out[m.observable] = m
    return out


def chi2(prediction: np.ndarray, sm: float, sm_relative_error: float, m: Measurement,
         theory: str = "flavio") -> np.ndarray:
    """(O - O_exp)^2/sigma^2 with the variance of the module docstring."""
    o = np.asarray(prediction, dtype=float)
    if theory == "gambit":
        var = m.error**2 + (m.gambit_theory_fraction * o) ** 2
    else:
        var = (m.error**2 + (sm_relative_error * o) ** 2
               + (m.np_theory_fraction * (o - sm)) ** 2)
    return (o - m.value) ** 2 / var


@likelihood("flavour", vectorised=True, name="flavour")
class Flavour:
    """Gaussian likelihood of the B-physics observables against current measurements.

    ``observables``: which of br_bsgamma, br_bsmumu, br_btaunu, delta_ms enter (default
    all). ``data``: the measurement file (default likelihoods/data/flavour_measurements.csv).
    ``calibration``: the flavio calibration whose Standard-Model predictions and
    uncertainties set the theory errors (default backends/data/flavio_calibration.json).
    ``theory``: ``flavio`` (those errors plus the new-physics fraction) or ``gambit`` (the
    relative errors of GAMBIT's FlavBit).
    """

    def __init__(self, *, observables: list | None = None, data: Path | None = None,
                 calibration: Path | None = None, theory: str = "flavio"):
        from backends.flavio_calibration import DEFAULT_FILE, load

        if theory not in ("flavio", "gambit"):
            raise ValueError(f"'theory': expected 'flavio' or 'gambit', got '{theory}'")
        self.theory = theory
        chosen = tuple(observables) if observables is not None else OBSERVABLES
        unknown = [o for o in chosen if o not in OBSERVABLES]
        if unknown or not chosen:
            raise ValueError(f"'observables': unknown {unknown or 'empty list'}; expected "
                             f"some of {', '.join(OBSERVABLES)}")
        self.needs = chosen
        table = measurements(str(data or DATA))
        missing = [o for o in chosen if o not in table]
        if missing:
            raise ValueError(f"'data': {data or DATA} has no row for {', '.join(missing)}")
        self.measurements = {o: table[o] for o in chosen}
        cal = load(str(calibration or DEFAULT_FILE))
        self.sm = {o: (cal[o].sm, cal[o].sm_uncertainty / cal[o].sm) for o in chosen}

    def chi2_terms(self, **predictions: np.ndarray) -> dict[str, np.ndarray]:
        """chi^2 of each observable."""
        return {o: chi2(predictions[o], *self.sm[o], self.measurements[o], self.theory)
                for o in self.needs}

    def __call__(self, **predictions: np.ndarray) -> np.ndarray:
        return -0.5 * sum(self.chi2_terms(**predictions).values())
