"""A toy collider chain with two providers for one capability (no real physics).

``cross_section`` [pb] of a new particle of mass ``mass`` [GeV] and coupling
``coupling`` comes from a vectorised leading-order formula or from a per-point
"NLO" version (the LO formula times a K-factor); ``signal_yield`` turns it into
an expected number of events. It demonstrates rules, options, per-point and
vectorised providers, and invalid points.
"""

from __future__ import annotations

import math

import numpy as np

from fit import InvalidPoint, PartlyInvalid, provider

#: couplings above this are treated as non-perturbative (sqrt(4 pi))
PERTURBATIVE_LIMIT = math.sqrt(4 * math.pi)


@provider("cross_section", vectorised=True)
def xsec_leading_order(mass: np.ndarray, coupling: np.ndarray, *,
                       norm_pb: float = 100.0) -> PartlyInvalid:
    """sigma = norm_pb g^2 (100 GeV / m)^4 [pb]; non-perturbative couplings are invalid."""
    sigma = norm_pb * coupling**2 * (100.0 / mass) ** 4
    bad = np.abs(coupling) > PERTURBATIVE_LIMIT
    return PartlyInvalid(sigma, bad, "nonperturbative",
                         f"|coupling| > sqrt(4 pi) = {PERTURBATIVE_LIMIT:.3f}")


@provider("cross_section")
def xsec_with_kfactor(mass: float, coupling: float, *, norm_pb: float = 100.0,
                      k_factor: float = 1.3) -> float:
    """The leading-order toy cross section times a constant K-factor [pb], one point at a time."""
    if abs(coupling) > PERTURBATIVE_LIMIT:
        raise InvalidPoint("nonperturbative", f"|coupling| = {abs(coupling):.3f} > sqrt(4 pi)")
    return k_factor * norm_pb * coupling**2 * (100.0 / mass) ** 4


@provider("signal_yield", vectorised=True)
def signal_yield(cross_section: np.ndarray, *, luminosity_ifb: float = 139.0,
                 efficiency: float = 1e-3) -> np.ndarray:
    """Expected signal events: sigma [pb] x 1000 pb/fb x L [fb^-1] x efficiency."""
    return cross_section * 1e3 * luminosity_ifb * efficiency
