"""Degrees of freedom of the Standard-Model plasma: g_eff(T), h_eff(T) and g_*^(1/2)(T).

The table is Drees, Hajkarim and Schmitz, JCAP 06 (2015) 025, arXiv:1503.03513
(``data/dof_drees_hajkarim_schmitz_2015.csv``, 2e-5 GeV < T < 1.3e4 GeV; outside it the
end values are kept). Interpolation is a monotone cubic (PCHIP) in log T, so that the
derivative d ln h_eff / d ln T entering g_*^(1/2) is continuous and has no overshoot at
the QCD transition.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

TABLE = Path(__file__).resolve().parent / "data" / "dof_drees_hajkarim_schmitz_2015.csv"


@lru_cache(maxsize=1)
def _interpolants():
    from scipy.interpolate import PchipInterpolator

    lines = [ln for ln in TABLE.read_text().splitlines() if ln and not ln.startswith("#")]
    data = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    log_t = np.log(data[:, 0])
    g = PchipInterpolator(log_t, data[:, 1], extrapolate=False)
    h = PchipInterpolator(log_t, data[:, 2], extrapolate=False)
    return log_t[0], log_t[-1], g, h, h.derivative()


def _clipped_log(temperature: np.ndarray) -> np.ndarray:
    lo, hi = _interpolants()[:2]
    return np.clip(np.log(np.asarray(temperature, dtype=float)), lo, hi)


def g_eff(temperature) -> np.ndarray:
    """Energy-density degrees of freedom g_eff(T) (T in GeV), rho = g_eff pi^2 T^4 / 30."""
    return _interpolants()[2](_clipped_log(temperature))


def h_eff(temperature) -> np.ndarray:
    """Entropy degrees of freedom h_eff(T) (T in GeV), s = h_eff 2 pi^2 T^3 / 45."""
    return _interpolants()[3](_clipped_log(temperature))


def dlnh_dlnt(temperature) -> np.ndarray:
    """d ln h_eff / d ln T (zero outside the table)."""
    log_t = _clipped_log(temperature)
    lo, hi, _, h, dh = _interpolants()
    return np.where((log_t > lo) & (log_t < hi), dh(log_t), 0.0) / h(log_t)


def sqrt_g_star(temperature) -> np.ndarray:
    """g_*^(1/2) = h_eff / sqrt(g_eff) (1 + (1/3) d ln h_eff / d ln T), the factor of the
    Boltzmann equation for the yield (Gondolo and Gelmini, Nucl. Phys. B360 (1991) 145)."""
    return h_eff(temperature) / np.sqrt(g_eff(temperature)) * (
        1.0 + dlnh_dlnt(temperature) / 3.0)
