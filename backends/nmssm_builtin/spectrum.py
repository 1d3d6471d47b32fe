"""Assemble the NMSSM spectrum (the ``spectrum`` capability) from the sector modules."""

from __future__ import annotations

import numpy as np

from . import electroweak_loops, higgs, ino_loops, pole_masses, radiative, running
from . import sm_inputs as sm
from .charginos import charginos
from .neutralinos import neutralinos
from .sfermions import sfermions

#: points per block of ``compute`` (large batches in blocks: 20-30% faster at 1e5 points)
BLOCK = 4096
#: parameter names (docs/capabilities.md, SLHA2 EXTPAR as NMSSMTools takes them)
PARAMETERS = ("tanb", "lambda_", "kappa", "Alambda", "Akappa", "mueff", "M1", "M2", "M3",
              "At", "Ab", "Atau", "MQ3", "MU3", "MD3", "ML3", "ME3", "MQ12", "MU12", "MD12",
              "ML12", "ME12")


def as_arrays(params: dict) -> dict[str, np.ndarray]:
    """The parameters as 1-d float arrays of a common length (scalars are broadcast)."""
    missing = [k for k in PARAMETERS if k not in params]
    if missing:
        raise KeyError(f"NMSSM parameters missing: {', '.join(missing)}")
    arrs = np.broadcast_arrays(*(np.atleast_1d(np.asarray(params[k], dtype=float))
                                 for k in PARAMETERS))
    return {k: np.ascontiguousarray(a) for k, a in zip(PARAMETERS, arrs, strict=True)}


def higgs_sector(p: dict[str, np.ndarray], loops: bool = True, two_loop: bool = True
                 ) -> dict[str, np.ndarray]:
    """Higgs masses squared, S, P and the charged Higgs mass squared [GeV^2]. With
    ``loops``: computed at the stop scale Q_st with the parameters run there
    (``running``): tree level, the
    top/stop and bottom/sbottom potential to two loops (``radiative``), the
    electroweakino loops (``electroweak_loops``), all at Q_st, and the momentum
    dependence of the top loop and the electroweak field renormalisation
    (``pole_masses``). Without: tree level with the parameters as given."""
    if not loops:
        # tree level with the parameters as given (v from G_F, gauge couplings from M_W, M_Z)
        even, odd_ga, mhc2 = higgs.tree_matrices(p["tanb"], p["lambda_"], p["kappa"],
                                                 p["Alambda"], p["Akappa"], p["mueff"])
        mh2, s = higgs.diagonalise_even(even)
        ma2, pmix = higgs.diagonalise_odd(odd_ga, p["tanb"])
        return {"mh_sq": mh2, "S": s, "ma_sq": ma2, "P": pmix, "mhc_sq": mhc2,
                "M_even": even, "M_odd": odd_ga, "mh_sq_ep": mh2, "ma_sq_ep": ma2}
    run = running.run_to_stop_scale(p)
    q = {**p, **{k: run[k] for k in ("tanb", "lambda_", "kappa", "mueff", "Alambda",
                                     "Akappa", "v", "g1sq", "g2sq")}}
    even, odd_ga, mhc2 = higgs.tree_matrices(q["tanb"], q["lambda_"], q["kappa"],
                                             q["Alambda"], q["Akappa"], q["mueff"], q["v"],
                                             q["g1sq"], q["g2sq"])
    mt = radiative.top_mass(p, run)
    one_loop = radiative.one_loop_derivatives(radiative._constants(p, run, mt))
    # the one-loop potential at the vacuum and its gradient serve the vacuum check
    run = {**run, "mt": mt, "v1": one_loop[0], "v1_gradient": one_loop[1]}
    d_even, d_odd = radiative.corrections(p, run, two_loop=two_loop, mt=mt,
                                          one_loop=one_loop)
    ew_even, ew_odd = electroweak_loops.loop_corrections(q, run["q2"])
    d_even = d_even + ew_even + radiative.higgs_boson_corrections(q, run["q2"])
    d_odd = d_odd + ew_odd
    rot = higgs.odd_rotation(q["tanb"])
    d_odd_ga = np.einsum("nij,njk,nlk->nil", rot, d_odd, rot)
    even = even + d_even
    odd_ga = odd_ga + d_odd_ga
    # the charged Higgs follows the corrected M_A^2 (the loop shift of the effective
    # B_eff); its own zero-momentum top/bottom corrections are a few GeV^2
    mhc2 = mhc2 + d_odd_ga[:, 1, 1]
    mh2, s = higgs.diagonalise_even(even)
    ma2, pmix = higgs.diagonalise_odd(odd_ga, q["tanb"])
    mh2_ep, ma2_ep = mh2, ma2
    sb2 = q["tanb"] ** 2 / (1.0 + q["tanb"] ** 2)
    ht2 = (mt / q["v"]) ** 2 / sb2
    mh2, ma2, mhc2 = pole_masses.top_loop_shifts(mh2, s[:, :, 1], ma2, pmix[:, :, 1], mhc2,
                                                 1.0 - sb2, mt, ht2, run["q2"])
    dz_d, dz_s = pole_masses.field_renormalisation(mh2, run, p)
    mh2 = mh2 * (1.0 - (1.0 - s[:, :, 2] ** 2) * dz_d - s[:, :, 2] ** 2 * dz_s)
    dz_d, dz_s = pole_masses.field_renormalisation(ma2, run, p)
    ma2 = ma2 * (1.0 - (1.0 - pmix[:, :, 2] ** 2) * dz_d - pmix[:, :, 2] ** 2 * dz_s)
    dz_d, _ = pole_masses.field_renormalisation(mhc2[:, None], run, p)
    mhc2 = mhc2 * (1.0 - dz_d[:, 0])
    order = np.argsort(mh2, axis=1)
    rows = np.arange(mh2.shape[0])[:, None]
    mh2, s, mh2_ep = mh2[rows, order], s[rows, order], mh2_ep[rows, order]
    order = np.argsort(ma2, axis=1)
    ma2, pmix, ma2_ep = ma2[rows, order], pmix[rows, order], ma2_ep[rows, order]
    # mh_sq_ep, ma_sq_ep: the eigenvalues of M_even, M_odd (effective potential, before
    # the momentum-dependent and field-renormalisation shifts), in the order of S, P
    return {"mh_sq": mh2, "S": s, "ma_sq": ma2, "P": pmix, "mhc_sq": mhc2,
            "M_even": even, "M_odd": odd_ga, "running": run, "mh_sq_ep": mh2_ep,
            "ma_sq_ep": ma2_ep}


def compute(params: dict, loops: bool = True, two_loop: bool = True,
            ino_corrections: bool | None = None) -> dict[str, np.ndarray]:
    """Full spectrum: masses [GeV] (signed square roots where m^2 < 0), mixings, and the
    squared masses (key ``_squares``) that the theory checks use.

    ``loops``: Higgs radiative corrections; ``two_loop``: their two-loop part;
    ``ino_corrections`` (default: as ``loops``): pole corrections to M1, M2, mueff in the
    neutralino and chargino mass matrices (``ino_loops`` module). Large batches are
    computed in blocks of ``BLOCK`` points (the same numbers; the temporaries of a block
    stay in the processor cache).
    """
    p = as_arrays(params)
    n = p["tanb"].shape[0]
    if n > BLOCK:
        parts = [_compute_block({k: v[lo:lo + BLOCK] for k, v in p.items()}, loops, two_loop,
                                ino_corrections) for lo in range(0, n, BLOCK)]
        return _concatenate(parts)
    return _compute_block(p, loops, two_loop, ino_corrections)


def running_couplings(run: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The DRbar couplings at the stop scale that the spectrum used (``running``): q_st
    [GeV], gp_q = g', g_q = g, tanb_q, vev_q = sqrt(v_u^2 + v_d^2) [GeV] (~174 at M_Z),
    as SLHA's GAUGE and HMIX blocks at Q hold them."""
    return {"q_st": np.sqrt(run["q2"]), "gp_q": np.sqrt(run["g1sq"]),
            "g_q": np.sqrt(run["g2sq"]), "tanb_q": run["tanb"], "vev_q": run["v"]}


def _concatenate(parts: list[dict]) -> dict:
    """The spectra of consecutive blocks of points joined (nested mappings included)."""
    first = parts[0]
    return {k: _concatenate([part[k] for part in parts]) if isinstance(v, dict)
            else np.concatenate([part[k] for part in parts]) for k, v in first.items()}


def _compute_block(p: dict[str, np.ndarray], loops: bool, two_loop: bool,
                   ino_corrections: bool | None) -> dict[str, np.ndarray]:
    """``compute`` for one block of points (``p`` from ``as_arrays``)."""
    n = p["tanb"].shape[0]
    out: dict[str, np.ndarray] = {}
    h = higgs_sector(p, loops=loops, two_loop=two_loop)
    for i in range(3):
        out[f"mh{i + 1}"] = higgs.signed_sqrt(h["mh_sq"][:, i])
    for i in range(2):
        out[f"ma{i + 1}"] = higgs.signed_sqrt(h["ma_sq"][:, i])
    out["mhc"] = higgs.signed_sqrt(h["mhc_sq"])
    ino = p
    if loops if ino_corrections is None else ino_corrections:
        ino = {**p, **ino_loops.corrected_parameters(p, np.sqrt(np.abs(h["mhc_sq"])))}
    mneu, nmix = neutralinos(ino["M1"], ino["M2"], ino["mueff"], p["lambda_"], p["kappa"],
                             p["tanb"])
    for i in range(5):
        out[f"mneu{i + 1}"] = mneu[:, i]
    mcha, u, v = charginos(ino["M2"], ino["mueff"], p["tanb"])
    out["mcha1"], out["mcha2"] = mcha[:, 0], mcha[:, 1]
    sf = sfermions(p, h.get("running"))
    for name in ("mst1", "mst2", "msb1", "msb2", "mstau1", "mstau2", "msmuL", "msmuR",
                 "msnumu", "msnutau", "msuL", "msuR", "msdL", "msdR"):
        out[name] = higgs.signed_sqrt(sf[f"{name}_sq"])
    out["mgluino"] = sf["mgluino"]
    out["mW"] = np.full(n, sm.MW)
    out["S"], out["P"], out["N"], out["U"], out["V"] = h["S"], h["P"], nmix, u, v
    out["stop_mix"], out["sbottom_mix"], out["stau_mix"] = (
        sf["stop_mix"], sf["sbottom_mix"], sf["stau_mix"])
    squares = {"mh_sq": h["mh_sq"], "ma_sq": h["ma_sq"], "mhc_sq": h["mhc_sq"]}
    squares.update({k: v for k, v in sf.items() if k.endswith("_sq")})
    # (with loops: the running stop and sbottom masses squared under "m..._run_sq")
    out["_squares"] = squares  # type: ignore[assignment]
    if loops:
        run = h["running"]
        out["_running"] = run  # type: ignore[assignment]  (for the vacuum check)
        out.update(running_couplings(run))
    return out
