"""Built-in Z3-NMSSM spectrum calculator in pure numpy, vectorised over points.

Modules: ``sm_inputs`` (SMINPUTS), ``neutralinos``, ``charginos``, ``higgs`` (tree
level), ``radiative`` (top/bottom loop corrections), ``electroweak_loops``
(chargino/neutralino loops, D-terms at the electroweakino scale), ``ino_loops``
(pole corrections to M1, M2, mueff), ``linalg``, ``sfermions``, ``couplings``,
``checks``, ``spectrum`` (assembly), ``slha`` (SLHA2 output), ``provider`` (the
registered providers ``nmssm_builtin``, ``nmssm_builtin_couplings``,
``nmssm_builtin_slha``).
"""

from . import (
    direct_detection,  # noqa: F401  (direct detection)
    flavour,  # noqa: F401  (flavour observables)
    gm2,  # noqa: F401  (muon g-2)
    higgs_decays,  # noqa: F401  (registers the Higgs-decay provider)
    provider,  # noqa: F401  (registers the providers)
)
