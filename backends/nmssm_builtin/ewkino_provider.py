"""Registered providers of the built-in electroweakino physics: ``ewkino_decays`` (widths and
branching ratios) and ``ewkino_xsec`` (13 TeV pair cross sections), vectorised over points."""

from __future__ import annotations

import numpy as np

from fit import provider

from .spectrum import as_arrays


@provider("ewkino_decays", vectorised=True, name="nmssm_builtin_ewkino_decays")
def nmssm_builtin_ewkino_decays(spectrum: dict, params: dict) -> dict:
    """Neutralino, chargino and slepton decays at tree level, with virtual W/Z three-body
    decays of compressed states: {"width": {pdg: [GeV]}, "br": {pdg: {"d1,d2[,d3]": BR}}}."""
    from .ewkino_decays import decays
    from .vertices import vertices

    p = as_arrays(params)
    return decays(spectrum, p, vertices(spectrum, p)).as_mapping()


@provider("ewkino_xsec", vectorised=True, name="nmssm_builtin_ewkino_xsec")
def nmssm_builtin_ewkino_xsec(spectrum: dict, params: dict) -> dict[str, np.ndarray]:
    """13 TeV cross sections [pb] of electroweakino and slepton pairs, {"pdg1,pdg2": sigma}
    (charge signs kept: "1000023,-1000024" is chi2 chi1-): LO with the model's couplings
    times the NLO+NLL K-factor of the pure states."""
    from .ewkino_xsec import electroweakinos, sleptons
    from .vertices import vertices

    p = as_arrays(params)
    out = electroweakinos(spectrum, vertices(spectrum, p))
    out.update(sleptons(spectrum, spectrum["msnutau"]))
    return out
