"""Built-in Z3-NMSSM spectrum calculator in pure numpy, vectorised over points.

Modules: ``sm_inputs`` (SMINPUTS), ``neutralinos``, ``charginos``, ``higgs`` (tree
level), ``radiative`` (loop corrections), ``sfermions``, ``couplings``,
``checks``, ``spectrum`` (assembly), ``slha`` (SLHA2 output), ``provider`` (the
registered providers ``nmssm_builtin``, ``nmssm_builtin_couplings``,
``nmssm_builtin_slha``).
"""

from . import provider  # noqa: F401  (registers the providers)
