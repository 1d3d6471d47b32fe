"""LEP limits on charginos, sleptons and neutralinos: the ``lep`` likelihood term.

A hard cut (ln L = 0 allowed, -inf excluded; LEP's 95% CL limits are steep in the masses) on
the limits of ``likelihoods/data/lep_limits.csv`` (each with its source and status):

- the lighter chargino heavier than 103.5 GeV, or than the compressed-spectrum limit where
  its splitting to the LSP is below 3 GeV (``chargino_mass_compressed``: 92.4 GeV, a value
  marked there as not yet checked against its source; ALEPH's 88 GeV for any splitting is
  the verified fallback, option ``compressed_limit``);
- selectrons and smuons above 99.9 GeV, the lighter stau above 93.2 GeV;
- Gamma(Z -> chi1 chi1) below 0.5 MeV;
- sigma(e+e- -> chi1 chi_i) below 0.01 pb (i > 1) and sigma(e+e- -> chi_i chi_j) below
  0.1 pb (i, j > 1) at 209 GeV, through Z exchange (``lep_observables``).

These limits assume the LSP is the lightest neutralino and heavy sneutrinos for the chargino;
the slepton limits hold for splittings to the LSP above a few GeV (as NMSSMTools applies them).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np

from fit import likelihood

LIMITS_FILE = Path(__file__).resolve().parent / "data" / "lep_limits.csv"


@cache
def limits() -> dict[str, float]:
    """{key: value} of the LEP limits file (GeV, pb)."""
    with LIMITS_FILE.open() as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {row["key"]: float(row["value"]) for row in rows}


@likelihood("lep", vectorised=True, name="lep")
class LEPTerm:
    """LEP chargino, slepton, invisible-Z and neutralino-pair limits as a hard cut (0 or
    -inf). Options switch each group off; ``compressed_limit`` chooses the chargino limit
    for splittings below 3 GeV: 'combined' (92.4 GeV, LEPSUSYWG/02-04.1, unverified value)
    or 'aleph' (88 GeV, any splitting, Phys. Lett. B 533 (2002) 223)."""

    needs = ("spectrum", "lep_observables")

    def __init__(self, *, chargino: bool = True, sleptons: bool = True,
                 invisible_z: bool = True, neutralino_pairs: bool = True,
                 compressed_limit: str = "combined"):
        if compressed_limit not in ("combined", "aleph"):
            raise ValueError(f"option 'compressed_limit' must be 'combined' or 'aleph', not "
                             f"{compressed_limit!r}")
        self.chargino, self.sleptons = chargino, sleptons
        self.invisible_z, self.neutralino_pairs = invisible_z, neutralino_pairs
        lim = limits()
        self.compressed = lim["chargino_mass_compressed" if compressed_limit == "combined"
                              else "chargino_mass_any_splitting"]

    def excluded(self, spectrum: Mapping, lep_observables: Mapping) -> dict[str, np.ndarray]:
        """Which points each limit excludes (boolean arrays by limit)."""
        lim = limits()
        out = {}
        if self.chargino:
            compressed = lep_observables["dm_chargino_lsp"] < lim["compressed_splitting"]
            bound = np.where(compressed, self.compressed, lim["chargino_mass"])
            out["chargino"] = spectrum["mcha1"] < bound
        if self.sleptons:
            light = np.minimum(spectrum["msmuL"], spectrum["msmuR"])
            out["selectron_smuon"] = light < lim["selectron_smuon_mass"]
            out["stau"] = spectrum["mstau1"] < lim["stau_mass"]
        if self.invisible_z:
            out["invisible_z"] = lep_observables["gamma_z_chi1chi1"] > lim["gamma_z_chi1chi1"]
        if self.neutralino_pairs:
            out["neutralino_pairs"] = (
                (lep_observables["sigma_ee_chi1_chii"] > lim["sigma_chi1_chii"])
                | (lep_observables["sigma_ee_chii_chij"] > lim["sigma_chii_chij"]))
        return out

    def __call__(self, spectrum: Mapping, lep_observables: Mapping) -> np.ndarray:
        n = len(spectrum["mcha1"])
        bad = np.zeros(n, dtype=bool)
        for mask in self.excluded(spectrum, lep_observables).values():
            bad |= mask
        return np.where(bad, -np.inf, 0.0)
