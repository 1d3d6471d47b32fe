"""Muon g-2 likelihood: a Gaussian in Delta a_mu = a_mu(experiment) - a_mu(Standard Model).

Numbers in ``likelihoods/data/muon_g2.csv`` (sources there). Default: the 2025 world average
(PRL 135 (2025) 101802) minus the 2025 White Paper (arXiv:2505.21476),
Delta a_mu = (38.5 +- 63.7) x 10^-11; ``sm: wp2020`` selects the 2020 White Paper
(arXiv:2006.04822), (261.5 +- 45.4) x 10^-11, for comparison with older fits. The variance
adds a theory uncertainty of the new-physics prediction,
sigma_th = theory_relative |Delta a_mu^NP| + theory_absolute.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from fit import likelihood

DATA = Path(__file__).parent / "data" / "muon_g2.csv"
UNIT = 1e-11


def read_table(path: Path) -> dict[str, dict[str, str]]:
    """Rows of the g-2 table by name."""
    rows = [line for line in Path(path).read_text().splitlines() if not line.startswith("#")]
    return {row["name"]: row for row in csv.DictReader(rows)}


def discrepancy(experiment: str = "wa2025", sm: str = "wp2025", data: Path = DATA
                ) -> tuple[float, float]:
    """Delta a_mu = experiment - SM and its error (errors in quadrature), absolute units."""
    table = read_table(data)
    for name, kind in ((experiment, "experiment"), (sm, "sm")):
        if name not in table or table[name]["kind"] != kind:
            choices = [n for n, r in table.items() if r["kind"] == kind]
            raise ValueError(f"{data}: no {kind} value '{name}' (has {', '.join(choices)})")
    e, s = table[experiment], table[sm]
    value = (float(e["value_1e-11"]) - float(s["value_1e-11"])) * UNIT
    error = math.hypot(float(e["error_1e-11"]), float(s["error_1e-11"])) * UNIT
    return value, error


@likelihood("gm2", vectorised=True, name="gm2")
class MuonGm2:
    """ln L = -(Delta a_mu^NP - Delta a_mu^exp-SM)^2/(2 sigma^2), sigma^2 = sigma_exp+SM^2 +
    sigma_th^2. ``experiment`` and ``sm`` name rows of ``data``; ``theory_relative`` and
    ``theory_absolute`` set the uncertainty of the new-physics prediction."""

    def __init__(self, *, experiment: str = "wa2025", sm: str = "wp2025",
                 theory_relative: float = 0.10, theory_absolute: float = 1e-11,
                 data: Path | None = None):
        if theory_relative < 0 or theory_absolute < 0:
            raise ValueError("'theory_relative' and 'theory_absolute' must be >= 0")
        self.needs = ("delta_amu",)
        self.value, self.error = discrepancy(experiment, sm, data or DATA)
        self.theory_relative, self.theory_absolute = theory_relative, theory_absolute

    def __call__(self, delta_amu: np.ndarray) -> np.ndarray:
        a = np.asarray(delta_amu, dtype=float)
        theory = self.theory_relative * np.abs(a) + self.theory_absolute
        return -0.5 * (a - self.value) ** 2 / (self.error**2 + theory**2)
