"""Registered providers of the built-in NMSSM calculator: ``spectrum``,
``higgs_couplings`` and ``slha`` (vectorised over points)."""

from __future__ import annotations

import numpy as np

from fit import PartlyInvalid, provider

from .checks import REASONS, theory_checks
from .couplings import higgs_couplings as _couplings
from .sfermions import sfermions
from .spectrum import as_arrays, compute


@provider("spectrum", vectorised=True, name="nmssm_builtin")
def nmssm_builtin(params: dict, *, loops: bool = True, two_loop: bool = True,
                  require_neutralino_lsp: bool = True, perturbativity_bound: float = 0.5,
                  vacuum_check: bool = True) -> PartlyInvalid:
    """Z3-NMSSM spectrum in pure numpy, vectorised: masses [GeV] and mixings (SLHA2).

    Higgs: tree level plus the one-loop top/bottom effective potential and the
    chargino/neutralino loops (``loops``), and resummed leading two-loop logarithms
    (``two_loop``); neutralinos and charginos with
    one-loop pole corrections to M1, M2, mueff (with ``loops``); sfermions and gluino
    at tree level. Points failing the theory checks (tachyons, LSP, perturbativity up
    to M_GUT, a deeper singlet-only or trivial vacuum) are invalid, one code per point.
    """
    spec = compute(params, loops=loops, two_loop=two_loop)
    bad, code = theory_checks(spec, params, require_neutralino_lsp=require_neutralino_lsp,
                              perturbativity_bound=perturbativity_bound,
                              vacuum_check=vacuum_check)
    value = {k: v for k, v in spec.items() if not k.startswith("_")}
    # one code and reason per point (the evaluator takes arrays as well as strings)
    reasons = np.array([REASONS.get(c, "") for c in code], dtype=object)
    return PartlyInvalid(value, bad, code, reasons)


@provider("higgs_couplings", vectorised=True, name="nmssm_builtin_couplings")
def nmssm_builtin_couplings(spectrum: dict, params: dict) -> dict[str, np.ndarray]:
    """Reduced couplings of h_1..h_3 to up/down fermions, W/Z, gluons and photons
    (relative to a SM Higgs of the same mass)."""
    return _couplings(spectrum, as_arrays(params))


@provider("slha", vectorised=True, name="nmssm_builtin_slha")
class NMSSMBuiltinSLHA:
    """One pyslha.Doc per point: the built-in spectrum as an SLHA2 document, with the
    Higgs DECAY blocks of ``higgs_decays`` (option ``decays``, default true)."""

    def __init__(self, *, decays: bool = True):
        self.needs = ("spectrum", "params", "higgs_decays") if decays else ("spectrum", "params")

    def __call__(self, spectrum: dict, params: dict, higgs_decays: dict | None = None) -> list:
        from .slha import to_documents

        p = as_arrays(params)
        spec = dict(spectrum)
        spec["_squares"] = {"msnutau_sq": sfermions(p)["msnutau_sq"]}
        return to_documents(spec, p, decays=higgs_decays)
