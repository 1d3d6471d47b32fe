"""LEP observables of the electroweakinos: Gamma(Z -> chi1 chi1) and sigma(e+e- -> chi_i chi_j)
through Z exchange at the highest LEP energy, vectorised over points (provider
``lep_observables``; the limits are applied by the ``lep`` likelihood).

Gamma(Z -> chi_i chi_j) = p/(8 pi M_Z^2) (1/3) [(|L|^2+|R|^2)(2M_Z^2 - m_i^2 - m_j^2
- (m_i^2-m_j^2)^2/M_Z^2) + 12 m_i m_j Re(L R^*)] (1/2 for i = j), with the couplings of
``vertices`` (signed masses); for chi1 chi1 this is the textbook
Gamma(Z -> nu nubar) (N13^2 - N14^2)^2 beta^3. The cross sections are the s-channel formula of
``ewkino_lo`` without the colour average; selectron exchange is neglected (heavy selectrons),
as in the limits NMSSMTools applies.
"""

from __future__ import annotations

import math

import numpy as np

from fit import provider

from . import ewkino_lo as lo
from . import sm_inputs as sm
from .ewkino_decays import invariants, momentum
from .spectrum import as_arrays
from .vertices import sm_vector, vertices

#: highest LEP centre-of-mass energy [GeV] at which the neutralino limits are applied
SQRT_S_LEP = 209.0


def z_to_fermions(m1: np.ndarray, m2: np.ndarray, ll_rr: np.ndarray, lr: np.ndarray
                  ) -> np.ndarray:
    """Gamma(Z -> F1 F2bar) [GeV] (signed masses; no identical-particle factor)."""
    mz2 = sm.MZ**2
    p = momentum(np.full_like(m1, sm.MZ), m1, m2)
    amp = (ll_rr * (2 * mz2 - m1**2 - m2**2 - (m1**2 - m2**2) ** 2 / mz2)
           + 12 * m1 * m2 * lr)
    return p / (8 * math.pi * mz2) * amp / 3.0


def ee_to_neutralinos(m1: np.ndarray, m2: np.ndarray, z_l: np.ndarray, z_r: np.ndarray,
                      sqrt_s: float = SQRT_S_LEP) -> np.ndarray:
    """sigma(e+e- -> chi_i chi_j) [pb] through Z exchange (no identical-particle factor)."""
    s = np.full_like(m1, sqrt_s**2)
    kin = lo.kinematics(s, np.abs(m1), np.abs(m2))
    prop = lo.propagators(s)["ZZ"]
    ze, _ = sm_vector("e")
    sign = np.sign(m1 * m2)
    total = 0.0
    for zel in (ze.L.real, ze.R.real):
        total = total + zel**2 * ((z_l**2 + z_r**2) * kin["F1"] + sign * z_l * z_r * kin["F2"])
    # the partonic formula carries the colour average 1/3 of quarks
    return 3.0 * total * prop * lo.GEV2_PB * (np.abs(m1) + np.abs(m2) < sqrt_s)


@provider("lep_observables", vectorised=True, name="nmssm_builtin_lep_observables")
def nmssm_builtin_lep_observables(spectrum: dict, params: dict) -> dict[str, np.ndarray]:
    """Gamma(Z -> chi1 chi1) [GeV], the largest sigma(e+e- -> chi1 chi_i), i > 1, and
    sigma(e+e- -> chi_i chi_j), i, j > 1 [pb] at 209 GeV, and the chargino-LSP splitting
    [GeV]."""
    p = as_arrays(params)
    z = vertices(spectrum, p).z_neutralino
    m = [spectrum[f"mneu{i}"] for i in range(1, 6)]
    width = 0.5 * z_to_fermions(m[0], m[0], *invariants(z.L[:, 0, 0], z.R[:, 0, 0]))
    with_lsp = np.zeros_like(m[0])
    heavier = np.zeros_like(m[0])
    for i in range(5):
        for j in range(i, 5):
            sigma = ee_to_neutralinos(m[i], m[j], z.L[:, i, j].real, z.R[:, i, j].real)
            sigma = 0.5 * sigma if i == j else sigma
            if i == 0 and j > 0:
                with_lsp = np.maximum(with_lsp, sigma)
            elif i > 0:
                heavier = np.maximum(heavier, sigma)
    return {"gamma_z_chi1chi1": width, "sigma_ee_chi1_chii": with_lsp,
            "sigma_ee_chii_chij": heavier,
            "dm_chargino_lsp": spectrum["mcha1"] - np.abs(spectrum["mneu1"])}
