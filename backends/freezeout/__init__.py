"""Model-independent freeze-out of thermal relics, vectorised over parameter points.

A model supplies its species (masses, internal degrees of freedom) and, per initial pair,
the total cross section of each annihilation channel at centre-of-mass energies chosen
by the solver; ``freeze_out`` returns Omega h^2, x_f, the yield Y(x) and each channel's
share of the annihilation after freeze-out.

Modules: ``dof`` (g_eff, h_eff of the plasma: Drees, Hajkarim, Schmitz, arXiv:1503.03513),
``thermal`` (relativistic thermal average with coannihilation, Gondolo-Gelmini and
Edsjo-Gondolo; energy nodes adapted to thresholds and resonances), ``boltzmann`` (the
yield through freeze-out), ``solver`` (the bookkeeping: which pairs coannihilate, the
channel shares).
"""

from .solver import FreezeOut, Pair, freeze_out

__all__ = ["FreezeOut", "Pair", "freeze_out"]
