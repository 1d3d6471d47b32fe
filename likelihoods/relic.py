"""Planck relic-density likelihood (term ``relic``) and the dark-matter fraction ``xi``.

Measurement: Planck 2018 results VI, arXiv:1807.06209, Table 2 (TT,TE,EE+lowE+lensing):
Omega_c h^2 = 0.1200 +- 0.0012.

The term compares the predicted Omega h^2 with it, the errors of measurement and
prediction added in quadrature, sigma^2 = sigma_Planck^2 + (f Omega_pred)^2 with a
fractional theory error f of the prediction (default 10%, the width of the window
NMSSMTools 6 accepts around Planck; GAMBIT's DarkBit defaults to 5%):

- ``mode: upper_limit`` (default): other dark matter may make up the rest, so only an
  excess is penalised: ln L = 0 for Omega_pred <= Omega_Planck, else
  -(Omega_pred - Omega_Planck)^2 / (2 sigma^2) (the one-sided Gaussian of GAMBIT's
  DarkBit, arXiv:1705.07920; the seed scan of this project's NMSSM region cuts at
  Omega h^2 < 0.123 instead);
- ``mode: measurement``: the neutralino is all of the dark matter,
  ln L = -(Omega_pred - Omega_Planck)^2 / (2 sigma^2).

Both are chi^2 / -2 (no normalisation), so ln L = 0 at the best fit.

``xi = min(1, Omega_pred / Omega_ref)`` rescales the local density seen by direct detection
when the neutralino is only a part of the dark matter; Omega_ref defaults to the Planck
central value 0.12.
"""

from __future__ import annotations

import numpy as np

from backends.nmssm_labels import LABELS
from fit import likelihood, provider

#: Planck 2018 Omega_c h^2 and its 1 sigma error (arXiv:1807.06209, Table 2,
#: TT,TE,EE+lowE+lensing)
PLANCK_OMEGA_H2 = 0.1200
PLANCK_OMEGA_H2_ERROR = 0.0012
#: default fractional theory error of the predicted Omega h^2
THEORY_ERROR = 0.10
MODES = ("upper_limit", "measurement")


@provider("xi", vectorised=True, name="relic_fraction", labels=LABELS["xi"])
def relic_fraction(omega_h2: np.ndarray, *, omega_ref: float = PLANCK_OMEGA_H2) -> np.ndarray:
    """xi = min(1, Omega h^2 / omega_ref): the neutralino's share of the dark matter
    (omega_ref: Planck 2018 Omega_c h^2 = 0.120, arXiv:1807.06209)."""
    if omega_ref <= 0:
        raise ValueError(f"option 'omega_ref' must be positive, got {omega_ref}")
    return np.minimum(1.0, np.asarray(omega_h2, dtype=float) / omega_ref)


@likelihood("relic", vectorised=True, name="planck_relic")
class PlanckRelic:
    """Planck 2018 Omega_c h^2 as an upper limit (default) or a measurement, with a
    fractional theory error on the prediction (module docstring).

    ``mode``: ``upper_limit`` or ``measurement``; ``omega_h2``, ``omega_h2_error``: the
    measurement (default Planck 2018, 0.1200 +- 0.0012); ``theory_error``: fractional
    1 sigma error of the prediction (default 0.10).
    """

    def __init__(self, *, mode: str = "upper_limit", omega_h2: float = PLANCK_OMEGA_H2,
                 omega_h2_error: float = PLANCK_OMEGA_H2_ERROR,
                 theory_error: float = THEORY_ERROR):
        if mode not in MODES:
            raise ValueError(f"option 'mode' must be one of {', '.join(MODES)}, got {mode!r}")
        if omega_h2 <= 0 or omega_h2_error < 0 or theory_error < 0:
            raise ValueError("options 'omega_h2' must be positive, 'omega_h2_error' and "
                             "'theory_error' not negative")
        if omega_h2_error == 0 and theory_error == 0:
            raise ValueError("options 'omega_h2_error' and 'theory_error' are both 0: the "
                             "likelihood needs a width")
        self.mode, self.observed = mode, omega_h2
        self.error, self.theory_error = omega_h2_error, theory_error
        self.needs = ("omega_h2",)

    def __call__(self, omega_h2: np.ndarray) -> np.ndarray:
        pred = np.asarray(omega_h2, dtype=float)
        sigma2 = self.error**2 + (self.theory_error * pred) ** 2
        chi2 = (pred - self.observed) ** 2 / sigma2
        if self.mode == "upper_limit":
            chi2 = np.where(pred > self.observed, chi2, 0.0)
        return -0.5 * chi2
