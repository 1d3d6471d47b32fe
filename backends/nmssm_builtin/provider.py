"""Registered providers of the built-in NMSSM calculator: ``spectrum``,
``higgs_couplings`` and ``slha`` (vectorised over points)."""

from __future__ import annotations

import numpy as np

from fit import PartlyInvalid, provider

from ..nmssm_labels import LABELS
from .checks import REASONS, theory_checks
from .couplings import higgs_couplings as _couplings
from .spectrum import as_arrays, compute


@provider("spectrum", vectorised=True, name="nmssm_builtin", labels=LABELS["spectrum"])
def nmssm_builtin(params: dict, *, loops: bool = True, two_loop: bool = True,
                  require_neutralino_lsp: bool = True, perturbativity_bound: float = 0.5,
                  vacuum_check: bool = True, vacuum_loops: bool = True) -> PartlyInvalid:
    """Z3-NMSSM spectrum in pure numpy, vectorised: masses [GeV] and mixings (SLHA2).

    Higgs: computed at the stop scale with the inputs run there; tree level plus the
    one-loop effective potential (quarks, squarks, W, Z, sfermions, electroweakinos,
    Higgs bosons) and the momentum dependence of the top loop (``loops``), and the
    two-loop O(alpha_t alpha_s) and O(alpha_t^2) potentials (``two_loop``);
    neutralinos and charginos with one-loop pole corrections to M1, M2, mueff (with
    ``loops``); sfermions and gluino at tree level. Points failing the theory checks
    (tachyons, LSP, perturbativity up to M_GUT, a deeper trivial, single-field or
    singlet-only vacuum: with the one-loop potential, or at tree level with
    ``vacuum_loops=False``) are invalid, one code per point.
    """
    spec = compute(params, loops=loops, two_loop=two_loop)
    bad, code = theory_checks(spec, params, require_neutralino_lsp=require_neutralino_lsp,
                              perturbativity_bound=perturbativity_bound,
                              vacuum_check=vacuum_check, vacuum_loops=vacuum_loops)
    value = {k: v for k, v in spec.items() if not k.startswith("_")}
    # one code and reason per point (the evaluator takes arrays as well as strings)
    reasons = np.array([REASONS.get(c, "") for c in code], dtype=object)
    return PartlyInvalid(value, bad, code, reasons)


@provider("higgs_couplings", vectorised=True, name="nmssm_builtin_couplings",
          labels=LABELS["higgs_couplings"])
def nmssm_builtin_couplings(spectrum: dict, params: dict) -> dict[str, np.ndarray]:
    """Reduced couplings of h_1..h_3 to up/down fermions, W/Z, gluons and photons
    (relative to a SM Higgs of the same mass)."""
    return _couplings(spectrum, as_arrays(params))


@provider("slha", vectorised=True, name="nmssm_builtin_slha")
class NMSSMBuiltinSLHA:
    """One pyslha.Doc per point: the built-in spectrum as an SLHA2 document, with the
    Higgs DECAY blocks of ``higgs_decays`` (option ``decays``) and the electroweakino and
    slepton DECAY and XSECTION blocks (option ``ewkinos``), both default true."""

    def __init__(self, *, decays: bool = True, ewkinos: bool = True):
        self.needs = (("spectrum", "params") + (("higgs_decays",) if decays else ())
                      + (("ewkino_decays", "ewkino_xsec") if ewkinos else ()))

    def __call__(self, spectrum: dict, params: dict, higgs_decays: dict | None = None,
                 ewkino_decays: dict | None = None, ewkino_xsec: dict | None = None) -> list:
        from .slha import add_ewkino_blocks, to_documents

        p = as_arrays(params)
        docs = to_documents(spectrum, p, decays=higgs_decays)
        if ewkino_decays is not None:
            add_ewkino_blocks(docs, ewkino_decays, ewkino_xsec)
        return docs
