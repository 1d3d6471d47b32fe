"""Theory checks of a spectrum: which points are invalid, with a code per point.

- ``tachyon_higgs``: a CP-even, CP-odd or charged Higgs mass squared below
  ``min_higgs_sq`` (default 1 GeV^2, as NMSSMTools' "M_H1^2<1", "M_A1^2<1"), on the
  loop-corrected (pole) masses as NMSSMTools tests them.
- ``tachyon_sfermion``: a sfermion mass squared below NMSSMTools' floors (5.6.0,
  MSFERM: IFAIL 8): a (pole) sfermion mass squared at most 100 GeV^2, or, with loops, a
  running stop or sbottom mass squared at the stop scale at most 10 GeV^2.
- ``charged_lsp``: the lightest sparticle is charged (chargino, charged slepton,
  squark, or gluino lighter than the lightest neutralino and the sneutrinos).
- ``lsp_not_neutralino``: with ``require_neutralino_lsp``, a sneutrino is lighter
  than the lightest neutralino.
- ``nonperturbative``: lambda^2 + kappa^2 > ``perturbativity_bound`` (default 0.5).
  Requiring lambda and kappa to stay perturbative (no Landau pole) up to
  M_GUT ~ 2e16 GeV gives approximately lambda^2 + kappa^2 <~ 0.5 for moderate
  tan(beta) (lambda <~ 0.7 at kappa -> 0): Ellwanger, Hugonie, Teixeira,
  arXiv:0910.1785, sect. 2.2 and Fig. 1; Miller, Nevzorov, Zerwas,
  hep-ph/0304049, sect. 2. Approximate: the true bound depends on tan(beta) and
  on the top Yukawa.
- ``unphysical_vacuum``: the input vacuum (v_u, v_d, s) must be deeper than the
  trivial vacuum, the H_u-only and H_d-only minima and the singlet-only extrema, with
  the soft masses fixed by the minimisation conditions (``vacuum``). Default
  (``vacuum_loops``): with the one-loop effective potential at the stop scale, the
  criterion of NMSSMTools; ``vacuum_loops=False``: at tree level with the parameters
  as given. Charge- and colour-breaking directions are not tested.
"""

from __future__ import annotations

import numpy as np

from . import vacuum

#: sfermion masses squared [GeV^2] at or below which a point is rejected (NMSSMTools
#: 5.6.0, MSFERM): pole masses, and the running stop/sbottom masses at the stop scale
SFERMION_FLOOR = 100.0
RUNNING_SQUARK_FLOOR = 10.0


def theory_checks(spec: dict, params: dict, *, require_neutralino_lsp: bool = True,
                  perturbativity_bound: float = 0.5, min_higgs_sq: float = 1.0,
                  vacuum_check: bool = True, vacuum_loops: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Boolean mask of invalid points and a code per point ('' where valid); the first
    failing check in the order of the module docstring gives the code."""
    sq = spec["_squares"]
    n = np.shape(spec["mh1"])[0]
    code = np.full(n, "", dtype=object)

    def flag(mask: np.ndarray, name: str) -> None:
        code[(code == "") & mask] = name

    flag((sq["mh_sq"].min(axis=1) < min_higgs_sq) | (sq["ma_sq"].min(axis=1) < min_higgs_sq)
         | (sq["mhc_sq"] < min_higgs_sq), "tachyon_higgs")
    pole = np.stack([v for k, v in sq.items() if k.startswith("ms") and "_run" not in k], -1)
    running_sq = [v for k, v in sq.items() if k.startswith("ms") and "_run" in k]
    low = pole.min(axis=-1) <= SFERMION_FLOOR
    if running_sq:
        low |= np.stack(running_sq, -1).min(axis=-1) <= RUNNING_SQUARK_FLOOR
    flag(low, "tachyon_sfermion")
    neut = np.abs(spec["mneu1"])
    charged = np.stack([spec[k] for k in ("mcha1", "mst1", "msb1", "mstau1", "msmuL",
                                          "msmuR", "msuL", "msuR", "msdL", "msdR",
                                          "mgluino")], -1).min(axis=-1)
    sneu = np.minimum(np.sqrt(np.maximum(sq["msnumu_sq"], 0)),
                      np.sqrt(np.maximum(sq["msnutau_sq"], 0)))
    flag(charged < np.minimum(neut, sneu), "charged_lsp")
    if require_neutralino_lsp:
        flag(sneu < neut, "lsp_not_neutralino")
    lam = np.broadcast_to(np.asarray(params["lambda_"], float), (n,))
    kap = np.broadcast_to(np.asarray(params["kappa"], float), (n,))
    flag(lam**2 + kap**2 > perturbativity_bound, "nonperturbative")
    if vacuum_check:
        v_phys, v_other = vacuum.depths(params, loops=vacuum_loops,
                                        run=spec.get("_running"))
        flag(v_phys >= v_other, "unphysical_vacuum")
    return code != "", code


REASONS = {
    "tachyon_higgs": "a Higgs mass squared is below the threshold (tachyon)",
    "tachyon_sfermion": "a sfermion mass squared is negative",
    "charged_lsp": "the lightest sparticle is charged or coloured",
    "lsp_not_neutralino": "a sneutrino is lighter than the lightest neutralino",
    "nonperturbative": "lambda^2 + kappa^2 above the perturbativity bound up to M_GUT",
    "unphysical_vacuum": ("a trivial, single-doublet or singlet-only vacuum is deeper than "
                          "the input vacuum"),
}
