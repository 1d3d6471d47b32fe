"""Relic density of the lightest neutralino (the ``omega_h2``, ``x_f``, ``omega_channels``
capabilities), vectorised over points.

``nmssm_builtin_freeze_out`` (capability ``freeze_out``) assembles the coannihilating
species and their tree-level cross sections (``annihilation``, ``annihilation_inos``)
from the spectrum, the shared couplings (``vertices``) and the Higgs widths
(``higgs_decays``), and solves the freeze-out with ``backends.freezeout``; three small
providers give its parts under the capability names users plot.

``omega_channels``: the share of each channel in the annihilation after freeze-out
(which sets 1/Omega), grouped by initial state (``initial/...``) and by final state
(``final/...``), each family summing to one, and the three leading channels: their
fractions (``leading_1_fraction`` ...) and codes (``leading_1`` ...), the index of the
channel in ``channel_table()`` (names as 'chi1 chi1 -> W+ W-').
"""

from __future__ import annotations

import numpy as np

from fit import PartlyInvalid, provider

#: final-state groups of ``omega_channels`` (a channel's final state -> its group)
FINAL_GROUPS = ("WW", "ZZ", "WZ", "Zgamma", "Vh", "hh", "tt", "tb", "bb", "quarks",
                "leptons", "neutrinos")
INITIAL_GROUPS = ("chi1_chi1", "neutralinos", "neutralino_chargino", "charginos")
_HIGGS = ("h1", "h2", "h3", "a1", "a2", "H+", "H-")
_QUARKS = ("u", "d", "s", "c", "b", "t")


def final_group(final: str) -> str:
    """The final-state group of a channel's final state ('W+ W-' -> 'WW')."""
    a, b = final.split()
    bosons = {a.rstrip("+-"), b.rstrip("+-")}
    higgs = [x in _HIGGS for x in (a, b)]
    if all(higgs):
        return "hh"
    if any(higgs):
        return "Vh"
    if bosons == {"W"}:
        return "WW"
    if bosons == {"Z"}:
        return "ZZ"
    if "W" in bosons:
        return "WZ"
    if bosons <= {"Z", "gamma"}:
        return "Zgamma"
    flavours = {a.rstrip("~"), b.rstrip("~")}
    if flavours == {"t"}:
        return "tt"
    if flavours == {"t", "b"}:
        return "tb"
    if flavours == {"b"}:
        return "bb"
    if flavours <= set(_QUARKS):
        return "quarks"
    if all(f.startswith("nu") for f in flavours):
        return "neutrinos"
    return "leptons"


def initial_group(initial: str) -> str:
    """The initial-state group of 'chi1 chi2+' and the like."""
    a, b = initial.split()
    charged = [x[-1] in "+-" for x in (a, b)]
    if not any(charged):
        return "chi1_chi1" if a == b == "chi1" else "neutralinos"
    return "charginos" if all(charged) else "neutralino_chargino"


def channel_table() -> list[str]:
    """Every channel the relic module can name, in the order of the ``leading_k`` codes."""
    from .annihilation import PAIR_TYPES, SPECIES_NAMES, channel_names

    inp = _one_point_inputs()
    return [f"{SPECIES_NAMES[pt.i]} {SPECIES_NAMES[pt.j]} -> {c}" for pt in PAIR_TYPES
            for c in channel_names(pt, inp)]


def _one_point_inputs():
    """A generic point for naming the channels (no physics is read from it)."""
    from .spectrum import compute

    params = {"tanb": 5.0, "lambda_": 0.2, "kappa": 0.15, "Alambda": 500.0,
              "Akappa": -200.0, "mueff": 200.0, "M1": 500.0, "M2": 800.0, "M3": 2000.0,
              "At": -1000.0, "Ab": 1000.0, "Atau": 1000.0, "MQ3": 2000.0, "MU3": 2000.0,
              "MD3": 2000.0, "ML3": 500.0, "ME3": 500.0, "MQ12": 2000.0, "MU12": 2000.0,
              "MD12": 2000.0, "ML12": 500.0, "ME12": 500.0}
    spectrum = compute(params)
    widths = {f"width_{x}": np.ones(1) for x in ("h1", "h2", "h3", "a1", "a2", "hc")}
    return inputs(spectrum, params, widths)


def inputs(spectrum: dict, params: dict, higgs_decays: dict):
    """The per-point masses, widths and couplings of the annihilation processes."""
    from . import annihilation_inos as ai
    from .sfermions import sfermions
    from .spectrum import as_arrays
    from .vertices import vertices

    p = as_arrays(params)
    n = p["tanb"].shape[0]
    spec = {k: np.asarray(v) for k, v in spectrum.items() if not k.startswith("_")}
    mneu = np.stack([spec[f"mneu{i}"] for i in range(1, 6)], axis=1)
    m_nutau = np.sqrt(np.abs(sfermions(p)["msnutau_sq"]))
    msf = {"u": ("msuL", "msuR"), "c": ("msuL", "msuR"), "d": ("msdL", "msdR"),
           "s": ("msdL", "msdR"), "t": ("mst1", "mst2"), "b": ("msb1", "msb2"),
           "e": ("msmuL", "msmuR"), "mu": ("msmuL", "msmuR"), "tau": ("mstau1", "mstau2"),
           "nu_e": ("msnumu",), "nu_mu": ("msnumu",)}
    msf = {f: np.stack([np.abs(spec[k]) for k in keys], axis=1) for f, keys in msf.items()}
    msf["nu_tau"] = m_nutau[:, None]
    return ai.Inputs(
        vx=vertices(spec, p), mneu=mneu,
        mcha=np.stack([spec["mcha1"], spec["mcha2"]], axis=1),
        mh=np.stack([spec[f"mh{i}"] for i in (1, 2, 3)], axis=1),
        ma=np.stack([spec["ma1"], spec["ma2"]], axis=1), mhc=np.abs(spec["mhc"]),
        width_h=np.stack([higgs_decays[f"width_h{i}"] for i in (1, 2, 3)], axis=1),
        width_a=np.stack([higgs_decays[f"width_a{i}"] for i in (1, 2)], axis=1),
        width_hc=np.asarray(higgs_decays["width_hc"]), msf=msf,
        mf=ai.kinematic_masses(n), yukawa_mass=ai.yukawa_masses(2.0 * np.abs(mneu[:, 0])))


@provider("freeze_out", vectorised=True, name="nmssm_builtin_freeze_out")
def nmssm_builtin_freeze_out(spectrum: dict, params: dict, higgs_decays: dict, *,
                             mass_gap: float = 0.4, x_min: float = 8.0,
                             x_max: float = 2000.0, energy_nodes: int = 32,
                             ode_steps: int = 300) -> PartlyInvalid:
    """Omega h^2, x_f and the annihilation channels of the lightest neutralino.

    Coannihilation with every neutralino and chargino whose pair with the LSP lies
    within ``mass_gap`` (relative) above twice the LSP mass; relativistic thermal average
    on ``energy_nodes`` energies per pair, <sigma v> from x = ``x_min`` to ``x_max``,
    ``ode_steps`` steps of the Boltzmann equation (``backends.freezeout``).
    """
    from backends.freezeout import freeze_out

    from .annihilation import freeze_out_problem

    inp = inputs(spectrum, params, higgs_decays)
    masses, dofs, names, pairs = freeze_out_problem(inp)
    res = freeze_out(masses, dofs, pairs, names=names, pair_gap=mass_gap, x_min=x_min,
                     x_max=x_max, n_nodes=energy_nodes, n_steps=ode_steps)
    value = {"omega_h2": res.omega_h2, "x_f": res.x_f,
             "channels": channel_summary(res.channels, res.channel_fraction)}
    bad = ~np.isfinite(res.omega_h2)
    return PartlyInvalid(value, bad, "relic_density",
                         "no annihilation channel open at freeze-out")


def channel_summary(channels: list[str], fraction: np.ndarray) -> dict[str, np.ndarray]:
    """Group fractions and the three leading channels (codes into ``channel_table``)."""
    n = fraction.shape[0]
    frac = np.nan_to_num(fraction)
    out: dict[str, np.ndarray] = {}
    initial = np.array([initial_group(c.split(" -> ")[0]) for c in channels])
    final = np.array([final_group(c.split(" -> ")[1]) for c in channels])
    for group in INITIAL_GROUPS:
        out[f"initial/{group}"] = frac[:, initial == group].sum(axis=1)
    for group in FINAL_GROUPS:
        out[f"final/{group}"] = frac[:, final == group].sum(axis=1)
    order = np.argsort(-frac, axis=1)[:, :3]
    for k in range(3):
        out[f"leading_{k + 1}"] = order[:, k].astype(np.int64)
        out[f"leading_{k + 1}_fraction"] = frac[np.arange(n), order[:, k]]
    return out


@provider("omega_h2", vectorised=True, name="nmssm_builtin_omega_h2")
def nmssm_builtin_omega_h2(freeze_out: dict) -> np.ndarray:
    """Omega h^2 of the lightest neutralino (dimensionless)."""
    return freeze_out["omega_h2"]


@provider("x_f", vectorised=True, name="nmssm_builtin_x_f")
def nmssm_builtin_x_f(freeze_out: dict) -> np.ndarray:
    """x_f = m_LSP / T_f, where the yield is 2.5 times its equilibrium value."""
    return freeze_out["x_f"]


@provider("omega_channels", vectorised=True, name="nmssm_builtin_omega_channels")
def nmssm_builtin_omega_channels(freeze_out: dict) -> dict[str, np.ndarray]:
    """Shares of the annihilation channels in 1/Omega (module docstring)."""
    return freeze_out["channels"]


def leading_channels(channels: dict[str, np.ndarray], point: int, table=None) -> str:
    """The leading channels of one point as text: 'chi1 chi1 -> W+ W- 0.45; ...'."""
    table = table or channel_table()
    parts = []
    for k in (1, 2, 3):
        code = int(channels[f"leading_{k}"][point])
        parts.append(f"{table[code]} {channels[f'leading_{k}_fraction'][point]:.2f}")
    return "; ".join(parts)
