"""Is the input vacuum the global minimum of the Higgs potential? Depths of the physical
minimum and of the minima with vanishing vevs, at tree level or with the one-loop
effective potential.

The physical vacuum (v_d, v_u, s) fixes the soft masses m_Hd^2, m_Hu^2, m_S^2 through
the minimisation conditions. With those, the potential is compared at

- the origin (all vevs zero),
- the H_u-only and H_d-only minima (the D-term quartic (g^2 + g'^2)/8 |H|^4 against a
  negative soft mass squared),
- the singlet-only extrema (m_S^2 s^2 + 2/3 kappa A_kappa s^3 + kappa^2 s^4),

(arXiv:0910.1785 sect. 2.2; charge- and colour-breaking directions are not tested).

``loops=True`` (default): the criterion of NMSSMTools' CHECKMIN (Ellwanger, Hugonie,
hep-ph/0508022): at the stop scale Q_st with the parameters run there (``running``),
the soft masses from the one-loop minimisation conditions, and the one-loop potential
of tops, stops, bottoms, sbottoms (here also W, Z and the other sfermions, the
``radiative`` potential) added at each extremum with the field-dependent masses there
(the extrema located at tree level; at the physical one its value and gradient are
analytic, ``radiative.one_loop_derivatives``); a competing minimum counts when it is deeper by
more than 1% of |V| at the physical minimum (NMSSMTools' margin for the precision of
the one-loop potential). The radiative corrections that lift the Higgs masses also
deepen the physical minimum: the tree-level check (``loops=False``, the parameters as
given, no margin) rejects physical points where the loops matter, e.g. at large stop
mixing.
"""

from __future__ import annotations

import math

import numpy as np

from . import radiative, running
from . import sm_inputs as sm

#: relative margin of the one-loop comparison (NMSSMTools' CHECKMIN)
MARGIN = 1e-2


def _tree_rest(vd: np.ndarray, vu: np.ndarray, s: np.ndarray, q: dict[str, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Tree-level potential without the soft masses [GeV^4] at real vevs, and its
    gradient (d/dv_d, d/dv_u, d/ds) (n,3)."""
    lam, kap, al, ak, big_g = q["lam"], q["kap"], q["Alambda"], q["Akappa"], q["G"]
    f = kap * s * s - lam * vu * vd
    v = (f * f + lam**2 * s * s * (vu**2 + vd**2) + 0.25 * big_g * (vu**2 - vd**2) ** 2
         - 2 * lam * al * vu * vd * s + 2.0 / 3.0 * kap * ak * s**3)
    d_d = -2 * f * lam * vu + 2 * lam**2 * s * s * vd - big_g * (vu**2 - vd**2) * vd \
        - 2 * lam * al * vu * s
    d_u = -2 * f * lam * vd + 2 * lam**2 * s * s * vu + big_g * (vu**2 - vd**2) * vu \
        - 2 * lam * al * vd * s
    d_s = 4 * f * kap * s + 2 * lam**2 * s * (vu**2 + vd**2) - 2 * lam * al * vu * vd \
        + 2 * kap * ak * s * s
    return v, np.stack([d_d, d_u, d_s], -1)


def _singlet_minimum(ms2: np.ndarray, q: dict[str, np.ndarray]) -> np.ndarray:
    """Lowest value [GeV^4] of m_S^2 s^2 + 2/3 kappa A_kappa s^3 + kappa^2 s^4 over its
    extrema s != 0 (0 if none lies below the origin)."""
    kap, ak = q["kap"], q["Akappa"]
    disc = (kap * ak) ** 2 - 8 * kap**2 * ms2
    root = np.sqrt(np.maximum(disc, 0.0))
    best = np.zeros_like(ms2)
    with np.errstate(divide="ignore", invalid="ignore"):
        for sign in (1.0, -1.0):
            x = (-kap * ak + sign * root) / (4 * kap**2)
            vs = ms2 * x * x + 2.0 / 3.0 * kap * ak * x**3 + kap**2 * x**4
            best = np.where((disc >= 0) & np.isfinite(vs), np.minimum(best, vs), best)
    return best


def depths(params: dict[str, np.ndarray], loops: bool = True,
           run: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Potential [GeV^4] at the physical minimum and the lowest competing extremum
    (minus the margin of the module docstring); the vacuum is unphysical where the
    second is below the first. ``run``: the parameters at Q_st if already computed
    (``running.run_to_stop_scale``, with the top mass under "mt" and the one-loop potential
    at the vacuum and its gradient under "v1", "v1_gradient")."""
    from .spectrum import as_arrays

    p = as_arrays(params)
    if not loops:
        beta = np.arctan(p["tanb"])
        q = {"lam": p["lambda_"], "kap": p["kappa"], "Alambda": p["Alambda"],
             "Akappa": p["Akappa"], "G": 0.5 * (sm.G1SQ + sm.G2SQ)}
        vd, vu = sm.V_HIGGS * np.cos(beta), sm.V_HIGGS * np.sin(beta)
        s = p["mueff"] / p["lambda_"]
        v_rest, grad = _tree_rest(vd, vu, s, q)
        v_phys = v_rest - 0.5 * (vd * grad[:, 0] + vu * grad[:, 1] + s * grad[:, 2])
        ms2 = -grad[:, 2] / (2 * s)
        return v_phys, _singlet_minimum(ms2, q)
    if run is None:
        run = running.run_to_stop_scale(p)
    mt = run["mt"] if "mt" in run else radiative.top_mass(p, run)
    c = radiative._constants(p, run, mt)
    q = {"lam": run["lambda_"], "kap": run["kappa"], "Alambda": run["Alambda"],
         "Akappa": run["Akappa"], "G": 0.5 * (run["g1sq"] + run["g2sq"])}
    vd, vu, s = c["vd"], c["vu"], c["s"]
    vev = np.stack([vd, vu, s], -1)

    def v1(target: np.ndarray) -> np.ndarray:
        """One-loop potential at real vevs ``target`` (k, n, 3)."""
        fields = np.zeros((*target.shape[:-1], 6))
        fields[..., :3] = math.sqrt(2.0) * (target - vev)
        cb = {k: np.broadcast_to(x, target.shape[:-1]) if np.ndim(x) else x
              for k, x in c.items()}
        return radiative.potential(fields, cb)

    if "v1" in run:
        v1_phys, grad1 = run["v1"], run["v1_gradient"]
    else:
        v1_phys, grad1, _, _ = radiative.one_loop_derivatives(c)   # dV1/dv_i (n, 3)
    v_rest, grad0 = _tree_rest(vd, vu, s, q)
    m2 = -(grad0 + grad1) / (2 * vev)                          # soft masses squared
    v_phys = v_rest + np.sum(m2 * vev**2, -1) + v1_phys
    zero = np.zeros_like(vd)
    candidates = [v1(np.stack([zero, zero, zero], -1)[None])[0]]
    for k in (0, 1):                                            # H_d-only, H_u-only
        mk = m2[:, k]
        h2 = np.where(mk < 0, -2.0 * mk / q["G"], 0.0)
        point = np.zeros_like(vev)
        point[:, k] = np.sqrt(h2)
        tree = np.where(mk < 0, -mk * mk / q["G"], 0.0)
        candidates.append(tree + v1(point[None])[0])
    candidates.append(_singlet_minimum(m2[:, 2], q) + candidates[0])
    other = np.min(np.stack(candidates), 0)
    return v_phys, other + MARGIN * np.abs(v_phys)
