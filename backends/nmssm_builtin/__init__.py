"""Built-in Z3-NMSSM spectrum calculator in pure numpy, vectorised over points.

Modules: ``sm_inputs`` (SMINPUTS), ``running`` (the inputs at the stop scale),
``neutralinos``, ``charginos``, ``higgs`` (tree level), ``radiative`` (the loop
corrections to the Higgs mass matrices from the effective potential),
``two_loop_potential`` (O(alpha_t alpha_s), O(alpha_t^2)), ``electroweak_loops``
(chargino/neutralino loops), ``higgs_loops`` (Higgs-boson loops), ``pole_masses``
(momentum dependence, field renormalisation), ``ino_loops`` (pole corrections to M1, M2,
mueff), ``linalg``, ``sfermions``, ``couplings``, ``vacuum`` (global-minimum check),
``checks``, ``spectrum`` (assembly), ``slha`` (SLHA2 output), ``provider`` (the
registered providers ``nmssm_builtin``, ``nmssm_builtin_couplings``,
``nmssm_builtin_slha``).
"""

from . import (  # noqa: F401  (they register the providers)
    direct_detection,  # direct detection
    ewkino_lep,  # LEP observables of the electroweakinos
    ewkino_provider,  # electroweakino decays and cross sections
    flavour,  # flavour observables
    gm2,  # muon g-2
    higgs_decays,  # Higgs decays
    provider,
)
