"""Built-in Z3-NMSSM spectrum calculator in pure numpy, vectorised over points.

Modules: ``sm_inputs`` (SMINPUTS), ``neutralinos``, ``charginos``, ``higgs`` (tree
level), ``radiative`` (top/bottom loop corrections), ``electroweak_loops``
(chargino/neutralino loops, D-terms at the electroweakino scale), ``ino_loops``
(pole corrections to M1, M2, mueff), ``linalg``, ``sfermions``, ``couplings``,
``checks``, ``spectrum`` (assembly), ``slha`` (SLHA2 output), ``provider`` (the
registered providers ``nmssm_builtin``, ``nmssm_builtin_couplings``,
``nmssm_builtin_slha``).
"""

from . import (  # noqa: F401  (they register the providers)
    ewkino_lep,  # LEP observables of the electroweakinos
    ewkino_provider,  # electroweakino decays and cross sections
    provider,
)
