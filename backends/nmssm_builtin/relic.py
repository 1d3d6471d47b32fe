"""Relic density of the lightest neutralino (the ``omega_h2``, ``x_f``, ``omega_channels``
and ``omega_channel_groups`` capabilities), vectorised over points.

``nmssm_builtin_freeze_out`` (capability ``freeze_out``) assembles the coannihilating
species and their tree-level cross sections (``annihilation``, ``annihilation_inos``,
``annihilation_sleptons``) from the spectrum, the shared couplings (``vertices``) and the
Higgs widths (``higgs_decays``), and solves the freeze-out with ``backends.freezeout``; small
providers give its parts under the capability names users plot.

Channel shares are the shares of the annihilation after freeze-out (which sets 1/Omega):

- ``omega_channels``: channel label -> share, for the channels reaching ``channel_cut``
  (default 1%) at some point of the batch, labelled as the micrOMEGAs backend labels them:
  'chi1 chi1 -> W+ W-', 'cha1+ chi1 -> u d~' (a chargino before a neutralino, the CP
  conjugates counted in the chi+ label), '~nu_e ~nu_e* -> W+ W-' (sleptons: ``*`` the
  antiparticle, a charged slepton the partner of the negative lepton);
- ``omega_channel_groups``: fixed keys, each family summing to one: by initial state
  ``initial/<group>`` (``chi1_chi1``, ``neutralinos``, ``neutralino_chargino``,
  ``charginos``, ``sleptons``) and by final state ``final/<group>`` (``WW``, ``ZZ``, ``WZ`` (W Z,
  W gamma), ``Zgamma`` (Z gamma, gamma gamma), ``Vh`` (a gauge and a Higgs boson), ``hh``
  (two Higgs bosons), ``tt``, ``tb``, ``bb``, ``quarks`` (other quarks), ``leptons``
  (charged leptons, nu l), ``neutrinos``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from backends.nmssm_labels import LABELS
from fit import PartlyInvalid, provider

#: final-state groups of ``omega_channel_groups``
FINAL_GROUPS = ("WW", "ZZ", "WZ", "Zgamma", "Vh", "hh", "tt", "tb", "bb", "quarks",
                "leptons", "neutrinos")
INITIAL_GROUPS = ("chi1_chi1", "neutralinos", "neutralino_chargino", "charginos",
                  "sleptons")
_HIGGS = ("h1", "h2", "h3", "a1", "a2", "H+", "H-")
_QUARKS = ("u", "d", "s", "c", "b", "t")


@cache
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


@cache
def initial_group(initial: str) -> str:
    """The initial-state group of 'chi1 chi2+', '~nu_e ~nu_e*' and the like."""
    a, b = initial.split()
    if a.startswith("~") or b.startswith("~"):
        return "sleptons"
    charged = [x[-1] in "+-" for x in (a, b)]
    if not any(charged):
        return "chi1_chi1" if a == b == "chi1" else "neutralinos"
    return "charginos" if all(charged) else "neutralino_chargino"


@cache
def micromegas_label(channel: str) -> str | None:
    """'chi1 cha1+ -> u d~' -> 'cha1+ chi1 -> u d~' (the order micrOMEGAs prints); a chi-
    channel maps to its CP conjugate's label (None: it is counted there)."""
    from .annihilation import conjugate_channel

    initial, final = channel.split(" -> ")
    a, b = initial.split()
    if a.startswith("chi") and b.startswith("cha"):
        a, b = b, a
    if "-" in (a[-1], b[-1]) and "+" not in (a[-1], b[-1]):
        a, b = (x[:-1] + "+" if x.startswith("cha") else x for x in (a, b))
        return f"{a} {b} -> {conjugate_channel(final)}"
    return f"{a} {b} -> {final}"


def inputs(spectrum: dict, params: dict, higgs_decays: dict):
    """The per-point masses, widths and couplings of the annihilation processes."""
    from . import annihilation_inos as ai
    from .spectrum import as_arrays
    from .vertices import vertices

    p = as_arrays(params)
    n = p["tanb"].shape[0]
    spec = {k: np.asarray(v) for k, v in spectrum.items() if not k.startswith("_")}
    mneu = np.stack([spec[f"mneu{i}"] for i in range(1, 6)], axis=1)
    msf = {"u": ("msuL", "msuR"), "c": ("msuL", "msuR"), "d": ("msdL", "msdR"),
           "s": ("msdL", "msdR"), "t": ("mst1", "mst2"), "b": ("msb1", "msb2"),
           "e": ("msmuL", "msmuR"), "mu": ("msmuL", "msmuR"), "tau": ("mstau1", "mstau2"),
           "nu_e": ("msnumu",), "nu_mu": ("msnumu",), "nu_tau": ("msnutau",)}
    msf = {f: np.stack([np.abs(spec[k]) for k in keys], axis=1) for f, keys in msf.items()}
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
                             ode_steps: int = 300, channel_cut: float = 0.01
                             ) -> PartlyInvalid:
    """Omega h^2, x_f and the annihilation channels of the lightest neutralino.

    Coannihilation with every neutralino, chargino and slepton whose pair with the LSP
    lies within ``mass_gap`` (relative) above twice the LSP mass (a sneutrino below the
    lightest neutralino is then the relic: the lightest species sets the mass);
    relativistic thermal average on ``energy_nodes`` energies per pair, <sigma v> from
    x = ``x_min`` to ``x_max``, ``ode_steps`` steps of the Boltzmann equation
    (``backends.freezeout``); channels below ``channel_cut`` everywhere in the batch are
    left out of ``omega_channels``.
    """
    from backends.freezeout import freeze_out

    from .annihilation import freeze_out_problem

    inp = inputs(spectrum, params, higgs_decays)
    masses, dofs, names, pairs = freeze_out_problem(inp)
    res = freeze_out(masses, dofs, pairs, names=names, pair_gap=mass_gap, x_min=x_min,
                     x_max=x_max, n_nodes=energy_nodes, n_steps=ode_steps)
    value = {"omega_h2": res.omega_h2, "x_f": res.x_f,
             "channels": channel_shares(res.channels, res.channel_fraction, channel_cut),
             "groups": channel_groups(res.channels, res.channel_fraction)}
    bad = ~np.isfinite(res.omega_h2)
    return PartlyInvalid(value, bad, "relic_density",
                         "no annihilation channel open at freeze-out")


def channel_shares(channels: list[str], fraction: np.ndarray, cut: float
                   ) -> dict[str, np.ndarray]:
    """Label -> share for the channels reaching ``cut`` at some point (CP-conjugate
    chargino channels summed into the chi+ label)."""
    frac = np.nan_to_num(fraction)
    out: dict[str, np.ndarray] = {}
    for k, channel in enumerate(channels):
        label = micromegas_label(channel)
        out[label] = out.get(label, 0.0) + frac[:, k]
    return {label: v for label, v in out.items() if np.any(v >= cut)}


def channel_groups(channels: list[str], fraction: np.ndarray) -> dict[str, np.ndarray]:
    """Shares summed by initial-state group and by final-state group."""
    frac = np.nan_to_num(fraction)
    initial, final = _group_columns(tuple(channels))
    out = {f"initial/{g}": frac[:, initial == g].sum(axis=1) for g in INITIAL_GROUPS}
    out.update({f"final/{g}": frac[:, final == g].sum(axis=1) for g in FINAL_GROUPS})
    return out


@cache
def _group_columns(channels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The initial- and final-state group of every channel (fixed per channel list)."""
    return (np.array([initial_group(c.split(" -> ")[0]) for c in channels]),
            np.array([final_group(c.split(" -> ")[1]) for c in channels]))


@provider("omega_h2", vectorised=True, name="nmssm_builtin_omega_h2", labels=LABELS["omega_h2"])
def nmssm_builtin_omega_h2(freeze_out: dict) -> np.ndarray:
    """Omega h^2 of the lightest neutralino (dimensionless)."""
    return freeze_out["omega_h2"]


@provider("x_f", vectorised=True, name="nmssm_builtin_x_f", labels=LABELS["x_f"])
def nmssm_builtin_x_f(freeze_out: dict) -> np.ndarray:
    """x_f = m_LSP / T_f, where the yield is 2.5 times its equilibrium value."""
    return freeze_out["x_f"]


@provider("omega_channels", vectorised=True, name="nmssm_builtin_omega_channels")
def nmssm_builtin_omega_channels(freeze_out: dict) -> dict[str, np.ndarray]:
    """Share of each annihilation channel in 1/Omega (module docstring)."""
    return freeze_out["channels"]


@provider("omega_channel_groups", vectorised=True, name="nmssm_builtin_omega_channel_groups",
          labels=LABELS["omega_channel_groups"])
def nmssm_builtin_omega_channel_groups(freeze_out: dict) -> dict[str, np.ndarray]:
    """Shares of 1/Omega by initial-state and by final-state group (module docstring)."""
    return freeze_out["groups"]


def leading_channels(channels: dict[str, np.ndarray], point: int, n: int = 3) -> str:
    """The leading channels of one point as micrOMEGAs prints them:
    'chi1 chi1 -> W+ W- 0.45; ...'."""
    ranked = sorted(channels.items(), key=lambda kv: -kv[1][point])[:n]
    return "; ".join(f"{label} {v[point]:.2f}" for label, v in ranked)
