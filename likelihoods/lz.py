"""LZ 2024 direct-detection likelihood (term ``lz``).

Data: LZ WS2022+WS2024 (4.2 t yr), arXiv:2410.17036, HEPData record 155182 v2 table 1
(``likelihoods/data/lz2024_si.csv``): the observed power-constrained 90% CL limit and the
median expected limit on the spin-independent WIMP-nucleon cross section, 9 GeV - 10 TeV.
Both are interpolated linearly in (ln m, ln sigma).

From two limits to a likelihood
-------------------------------
The signal is the cross section the detector sees, s = xi sigma (``xi`` rescales the local
density when the neutralino is a fraction of the dark matter). Its likelihood is taken as a
Gaussian in s whose width follows from the median expected limit and whose centre from the
observed one (after Azatov, Contino, Galloway, arXiv:1202.3415, here at the 90% CL and
with the centre fixed so that the observed limit is reproduced exactly):

- In the asymptotic regime (Cowan, Cranmer, Gross, Vitells, arXiv:1007.1727) the
  background-only median of the best-fit signal is 0 and the two-sided 90% CL limit lies
  z = sqrt(2.71) = 1.645 standard deviations above it (LZ uses a two-sided profile-likelihood
  ratio, as recommended by Baxter et al., arXiv:2105.00599). Hence the width
  sigma_s = S_exp / z.
- The centre s_hat is fixed by requiring Delta chi^2 = 2.71 at the observed limit S_obs,
  with Delta chi^2 measured from the best physical signal s_best = max(s_hat, 0):

      Delta chi^2(s) = [(s - s_hat)^2 - (s_best - s_hat)^2] / sigma_s^2,
      s_hat = S_obs - S_exp                        if S_obs >= S_exp (an excess),
      s_hat = (S_obs^2 - S_exp^2) / (2 S_obs)      if S_obs <  S_exp (a deficit),

  and ln L = -Delta chi^2 / 2 (0 for no signal when s_hat <= 0).

The two branches meet at S_obs = S_exp (s_hat = 0, the textbook half-Gaussian). LZ 2024
observed a deficit at every mass (its power-constrained limit is ~0.43 of the median
expected), so s_hat < 0 and ln L falls monotonically with s: at small s linearly (slope
set by the deficit), at large s quadratically.

Outside the table: below 9 GeV LZ published nothing and the term is 0 (no constraint);
above 10 TeV both limits grow in proportion to the mass (the number density of dark matter
falls as 1/m while the recoil spectrum no longer changes), so they are extrapolated with
that slope.

Protons and neutrons: the published limit is per nucleon for isospin-conserving couplings
(f_p = f_n). For f_p != f_n the xenon rate scales as (Z f_p + (A - Z) f_n)^2, so the
per-nucleon cross section to compare is sigma_eff = [(Z sqrt(sigma_p) + (A - Z)
sqrt(sigma_n)) / A]^2 with Z = 54 and A = 131.29 (natural xenon), taking f_p and f_n of the
same sign (true of neutralino scattering through Higgs exchange away from the rare
isospin-violating blind spots; the cross sections do not carry the sign).

Spin-dependent limits (``channel: sd_n`` or ``sd_p``) use the same construction with the
neutron or proton cross section; LZ 2024 SD numbers are not in ``likelihoods/data`` yet, so
the option ``data`` must name a CSV in the same format.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from fit import likelihood

#: default data file of the spin-independent limits
SI_DATA = Path(__file__).parent / "data" / "lz2024_si.csv"
#: Delta chi^2 of a two-sided 90% CL interval, one degree of freedom (chi2 quantile 0.90)
DELTA_CHI2_90 = 2.705543454095404
#: xenon: atomic number and mean mass number of natural xenon (atomic weight 131.293)
XENON_Z, XENON_A = 54.0, 131.293
#: 1 pb in cm^2
PB_TO_CM2 = 1e-36
#: capabilities each channel needs
CHANNELS = {"si": ("sigma_si_p", "sigma_si_n"), "sd_p": ("sigma_sd_p",),
            "sd_n": ("sigma_sd_n",)}


def read_table(path: Path) -> dict[str, np.ndarray]:
    """Columns of a CSV file with ``#`` comment lines and one header line."""
    lines = [line for line in Path(path).read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    header = [name.strip() for name in lines[0].split(",")] if lines else []
    rows = np.array([[float(x) for x in line.split(",")] for line in lines[1:]], ndmin=2)
    if rows.size and rows.shape[1] != len(header):
        raise ValueError(f"{len(header)} columns in the header, {rows.shape[1]} in the rows")
    return {name: rows[:, i] if rows.size else np.empty(0) for i, name in enumerate(header)}


def read_limits(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mass [GeV], observed and median expected limits [cm^2] from a project data file."""
    needed = ("mass_GeV", "observed_cm2", "expected_median_cm2")
    try:
        table = read_table(path)
    except OSError:
        raise ValueError(f"LZ data file '{path}' not found; set the option 'data' to a CSV "
                         f"with columns {', '.join(needed)}") from None
    except ValueError as exc:
        raise ValueError(f"LZ data file '{path}' is not a table of numbers: {exc}") from None
    missing = [c for c in needed if c not in table]
    if missing:
        raise ValueError(f"LZ data file '{path}': columns {', '.join(missing)} missing "
                         f"(expected {', '.join(needed)})")
    mass, obs, exp = (table[c] for c in needed)
    if mass.size < 2 or np.any(np.diff(mass) <= 0) or np.any(mass <= 0) \
            or np.any(obs <= 0) or np.any(exp <= 0):
        raise ValueError(f"LZ data file '{path}': need at least two rows with increasing "
                         f"positive masses and positive limits")
    return mass, obs, exp


def gaussian_delta_chi2(s: np.ndarray, observed: np.ndarray, expected: np.ndarray,
                        delta_chi2_at_limit: float = DELTA_CHI2_90) -> np.ndarray:
    """Delta chi^2 of a signal s given the observed and median expected limits (module doc).

    Equals ``delta_chi2_at_limit`` at s = observed; 0 at the best physical signal.
    """
    s, obs, exp = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                        for x in (s, observed, expected)))
    width = exp / math.sqrt(delta_chi2_at_limit)
    centre = np.where(obs >= exp, obs - exp, (obs**2 - exp**2) / (2.0 * obs))
    best = np.maximum(centre, 0.0)
    return ((s - centre) ** 2 - (best - centre) ** 2) / width**2


class Limits:
    """Observed and expected limits as functions of mass: log-log interpolation in the
    table, no constraint below it, limits proportional to the mass above it."""

    def __init__(self, mass: np.ndarray, observed: np.ndarray, expected: np.ndarray):
        self.mass, self.observed, self.expected = mass, observed, expected
        self._lm, self._lo, self._le = np.log(mass), np.log(observed), np.log(expected)

    def __call__(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(observed, expected, inside) at masses m [GeV]; limits in cm^2, inf below range."""
        m = np.asarray(m, dtype=float)
        lm = np.log(np.clip(m, self.mass[0], self.mass[-1]))
        above = np.maximum(np.log(np.maximum(m, self.mass[-1])) - self._lm[-1], 0.0)
        obs = np.exp(np.interp(lm, self._lm, self._lo) + above)
        exp = np.exp(np.interp(lm, self._lm, self._le) + above)
        inside = m >= self.mass[0]
        return np.where(inside, obs, np.inf), np.where(inside, exp, np.inf), inside


def xenon_equivalent(sigma_p: np.ndarray, sigma_n: np.ndarray) -> np.ndarray:
    """Isospin-conserving per-nucleon cross section giving the same xenon rate (same-sign
    couplings): [(Z sqrt(sigma_p) + (A - Z) sqrt(sigma_n)) / A]^2."""
    amp = (XENON_Z * np.sqrt(np.maximum(sigma_p, 0.0))
           + (XENON_A - XENON_Z) * np.sqrt(np.maximum(sigma_n, 0.0))) / XENON_A
    return amp**2


@likelihood("lz", vectorised=True, name="lz_2024")
class LZ2024:
    """LZ 2024 90% CL limit as a log-likelihood (Gaussian construction from the observed
    and median expected limits, Delta chi^2 = 2.71 at the limit; module docstring).

    ``channel``: ``si`` (default; sigma_si_p and sigma_si_n combined for xenon), ``sd_n`` or
    ``sd_p``; ``data``: a CSV with columns mass_GeV, observed_cm2, expected_median_cm2
    (default: the SI table of arXiv:2410.17036); ``rescale``: multiply the cross section by
    ``xi`` (the neutralino's share of the relic density).
    """

    def __init__(self, *, channel: str = "si", data: Path | None = None, rescale: bool = True):
        if channel not in CHANNELS:
            raise ValueError(f"option 'channel' must be one of {', '.join(CHANNELS)}, "
                             f"got {channel!r}")
        if data is None and channel != "si":
            raise ValueError(f"channel '{channel}': LZ 2024 spin-dependent limits are not in "
                             f"likelihoods/data; set the option 'data' to a CSV with columns "
                             f"mass_GeV, observed_cm2, expected_median_cm2")
        self.channel, self.rescale = channel, rescale
        self.limits = Limits(*read_limits(Path(data) if data is not None else SI_DATA))
        self.needs = ("dm_mass", *CHANNELS[channel], *(("xi",) if rescale else ()))

    def signal(self, **inputs: np.ndarray) -> np.ndarray:
        """The per-nucleon cross section compared with the limit [cm^2] (times xi)."""
        if self.channel == "si":
            sigma = xenon_equivalent(np.asarray(inputs["sigma_si_p"], dtype=float),
                                     np.asarray(inputs["sigma_si_n"], dtype=float))
        else:
            sigma = np.asarray(inputs[CHANNELS[self.channel][0]], dtype=float)
        if self.rescale:
            sigma = sigma * np.asarray(inputs["xi"], dtype=float)
        return sigma * PB_TO_CM2

    def __call__(self, **inputs: np.ndarray) -> np.ndarray:
        observed, expected, inside = self.limits(np.abs(inputs["dm_mass"]))
        s = self.signal(**inputs)
        chi2 = gaussian_delta_chi2(s, np.where(inside, observed, 1.0),
                                   np.where(inside, expected, 1.0))
        return np.where(inside, -0.5 * chi2, 0.0)
