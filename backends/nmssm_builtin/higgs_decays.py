"""Decays of the NMSSM Higgs bosons h_1..3, a_1..2, H+ (the ``higgs_decays`` capability).

Partial widths from ``higgs_widths`` with the couplings of ``couplings`` (SM particles,
loop-induced gg, gamma gamma, Z gamma). The total width of each state is the sum of its
channels, and every branching ratio is a channel's share of it, so they sum to one.

Capability keys (arrays over points; states X = h1, h2, h3, a1, a2, hc):

- ``width_X`` [GeV]: total width;
- ``br_X_<channel>``: branching ratio; neutral channels ``bb``, ``tautau``, ``mumu``,
  ``cc``, ``ss``, ``tt``, ``gg``, ``gamgam``, ``Zgam``, and for CP-even states ``WW``,
  ``ZZ`` (both bosons off shell below threshold); charged channels ``taunu``, ``munu``,
  ``tb``, ``ts``, ``cs``, ``cb``, ``us``, ``ub``;
- ``br_X_invisible``: the decays into a pair of the lightest neutralino (the LSP), plus
  the channels named in the provider's option ``invisible`` (not a channel of its own:
  it overlaps the others).

The mapping of channels to PDG codes is ``CHANNELS`` (neutral) and ``CHARGED_CHANNELS``;
``decay_tables`` turns one point into SLHA DECAY blocks.
"""

from __future__ import annotations

import math

import numpy as np

from fit import provider

from . import couplings as cp
from . import higgs_widths as hw
from . import qcd_running as qcd
from . import sm_inputs as sm
from .spectrum import as_arrays

EVEN = ("h1", "h2", "h3")
ODD = ("a1", "a2")
#: PDG code of each state (as written by ``slha``)
PDG = {"h1": 25, "h2": 35, "h3": 45, "a1": 36, "a2": 46, "hc": 37}
#: neutral SM channels -> final-state PDG codes
CHANNELS = {"bb": (5, -5), "tautau": (15, -15), "mumu": (13, -13), "cc": (4, -4),
            "ss": (3, -3), "tt": (6, -6), "gg": (21, 21), "gamgam": (22, 22),
            "Zgam": (23, 22), "WW": (24, -24), "ZZ": (23, 23)}
#: charged-Higgs SM channels (H+) -> final-state PDG codes
CHARGED_CHANNELS = {"taunu": (-15, 16), "munu": (-13, 14), "tb": (6, -5), "ts": (6, -3),
                    "cs": (4, -3), "cb": (4, -5), "us": (2, -3), "ub": (2, -5)}
#: |V_CKM| of the charged-Higgs quark channels (PDG 2024, CKM review, global fit)
CKM = {"tb": 0.999118, "ts": 0.04110, "cs": 0.97349, "cb": 0.04182, "us": 0.22500,
       "ub": 0.00369}
#: SM particles excluded from "undetected" decays of the SM-like state
SM_CHANNELS = frozenset(CHANNELS)


def _masses(spec: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mh = np.abs(np.stack([spec["mh1"], spec["mh2"], spec["mh3"]], -1))
    ma = np.abs(np.stack([spec["ma1"], spec["ma2"]], -1))
    return mh, ma, np.abs(spec["mhc"])


def _top_qcd(m: np.ndarray) -> np.ndarray:
    """Two-loop QCD factor of the top amplitude in phi -> gamma gamma below the t t
    threshold, 1 - alpha_s(M/2)/pi (heavy-top limit; Djouadi hep-ph/0503172 sect. 2.3.1);
    1 above (where the correction is not of this form; gamma gamma is negligible there)."""
    return np.where(m < 2 * sm.MT_POLE, 1.0 - qcd.alpha_s(m / 2) / math.pi, 1.0)


def fermion_widths(m: np.ndarray, kd: np.ndarray, kb: np.ndarray, ku: np.ndarray,
                   cp_odd: bool) -> dict[str, np.ndarray]:
    """bb, tautau, mumu, cc, ss, tt widths [GeV] of states of masses m (any shape)."""
    return {"bb": hw.quark_pair(m, "b", kb, ku, cp_odd),
            "tautau": hw.lepton_pair(m, sm.MTAU, kd, cp_odd),
            "mumu": hw.lepton_pair(m, cp.M_MU, kd, cp_odd),
            "cc": hw.quark_pair(m, "c", ku, ku, cp_odd),
            "ss": hw.quark_pair(m, "s", kd, ku, cp_odd),
            "tt": hw.quark_pair(m, "t", ku, np.zeros_like(ku), cp_odd)}


def even_sm_widths(m: np.ndarray, tree: dict, amp: dict, sm_reference: bool = False
                   ) -> dict[str, np.ndarray]:
    """SM-particle widths (n, 3) of h_1..3; with ``sm_reference`` those of a SM Higgs of
    the same masses (all reduced couplings one, SM loop amplitudes)."""
    if sm_reference:
        one = np.ones_like(m)
        ku = kd = kb = kv = one
        gg, gam, top, zg = amp["gg_sm"], amp["gamgam_sm"], amp["gamgam_top_sm"], amp["Zgam_sm"]
    else:
        ku, kd, kb, kv = tree["ku"], tree["kd"], tree["kb"], tree["kV"]
        gg, gam, top, zg = amp["gg"], amp["gamgam"], amp["gamgam_top"], amp["Zgam"]
    out = fermion_widths(m, kd, kb, ku, cp_odd=False)
    out["gg"] = hw.gluon_pair(m, gg, cp_odd=False)
    out["gamgam"] = hw.photon_pair(m, gam + (_top_qcd(m) - 1.0) * top)
    out["Zgam"] = hw.z_photon(m, zg)
    out["WW"] = hw.vector_pair(m, kv, "W")
    out["ZZ"] = hw.vector_pair(m, kv, "Z")
    return out


def odd_sm_widths(m: np.ndarray, tree: dict, amp: dict) -> dict[str, np.ndarray]:
    """SM-particle widths (n, 2) of a_1..2."""
    out = fermion_widths(m, tree["kd_a"], tree["kb_a"], tree["ku_a"], cp_odd=True)
    out["gg"] = hw.gluon_pair(m, amp["gg_a"], cp_odd=True)
    out["gamgam"] = hw.photon_pair(m, amp["gamgam_a"])
    out["Zgam"] = hw.z_photon(m, amp["Zgam_a"])
    return out


def charged_sm_widths(mhc: np.ndarray, p: dict, db: np.ndarray) -> dict[str, np.ndarray]:
    """SM-particle widths (n,) of H+; the b-quark coupling m_b tan(beta)/(1 + Delta_b)."""
    tanb = p["tanb"]
    q = np.maximum(mhc, 1.0)
    run = {k: qcd.running_mass(k, q) for k in ("t", "b", "c", "s")}
    run["b"] = run["b"] / (1.0 + db)
    pole = {"t": sm.MT_POLE, "b": qcd.pole_mass("b"), "c": qcd.pole_mass("c"),
            "s": hw.MESON_THRESHOLD["s"] / 2, "u": 0.0}
    zero = np.zeros_like(mhc)
    out = {"taunu": hw.charged_leptons(mhc, sm.MTAU, tanb),
           "munu": hw.charged_leptons(mhc, cp.M_MU, tanb)}
    for key in ("tb", "ts", "cs", "cb", "us", "ub"):
        up, down = key[0], key[1]
        m_up = run[up] if up != "u" else zero
        out[key] = hw.charged_quarks(mhc, m_up, run[down], pole[up], pole[down], tanb,
                                     CKM[key])
    return out


def partial_widths(spec: dict, p: dict) -> dict[str, dict[str, np.ndarray]]:
    """Partial widths [GeV]: {state: {channel: (n,)}} for h1..3, a1..2, hc."""
    tree = cp.tree_couplings(spec, p)
    amp = cp.loop_amplitudes(spec, p, tree)
    mh, ma, mhc = _masses(spec)
    even = even_sm_widths(mh, tree, amp)
    odd = odd_sm_widths(ma, tree, amp)
    out: dict[str, dict[str, np.ndarray]] = {}
    for i, state in enumerate(EVEN):
        out[state] = {ch: w[:, i] for ch, w in even.items()}
    for j, state in enumerate(ODD):
        out[state] = {ch: w[:, j] for ch, w in odd.items()}
    out["hc"] = charged_sm_widths(mhc, p, tree["delta_b"])
    return out


def branching_ratios(widths: dict[str, dict[str, np.ndarray]],
                     invisible: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The capability mapping from partial widths: ``width_X``, ``br_X_<channel>``,
    ``br_X_invisible`` (LSP pairs ``neu11`` and the channels in ``invisible``). A state
    without any open channel (zero width) gets zero branching ratios."""
    out: dict[str, np.ndarray] = {}
    for state, channels in widths.items():
        total = sum(channels.values())
        safe = np.where(total > 0, total, 1.0)
        out[f"width_{state}"] = total
        for ch, w in channels.items():
            out[f"br_{state}_{ch}"] = np.where(total > 0, w / safe, 0.0)
        if state != "hc":
            inv = sum((out[f"br_{state}_{ch}"] for ch in ("neu11", *invisible)
                       if f"br_{state}_{ch}" in out), start=np.zeros_like(total))
            out[f"br_{state}_invisible"] = inv
    return out


def higgs_decays(spec: dict, p: dict, invisible: tuple[str, ...] = ()
                 ) -> dict[str, np.ndarray]:
    """The ``higgs_decays`` mapping of the module docstring."""
    return branching_ratios(partial_widths(spec, p), invisible)


def sm_branching_ratios(m: np.ndarray) -> dict[str, np.ndarray]:
    """Width [GeV] (key ``width``) and branching ratios of a SM Higgs boson of masses m."""
    m = np.atleast_1d(np.asarray(m, float))
    masses = cp.loop_masses()
    amp = {"gg_sm": sum(cp.a_half(cp._tau(m, masses[q])) for q in ("t", "b", "c")),
           "gamgam_sm": (cp.a_one(cp._tau(m, masses["W"]))
                         + sum(nc * ch**2 * cp.a_half(cp._tau(m, masses[f]))
                               for f, nc, ch, _ in cp.SM_FERMIONS)),
           "gamgam_top_sm": 3 * (2 / 3) ** 2 * cp.a_half(cp._tau(m, masses["t"]))}
    cw = math.sqrt(sm.CW2)
    zg = 0j
    for f, nc, ch, t3 in cp.SM_FERMIONS:
        if f != "mu":
            i1, i2 = cp.zgam_i1_i2(masses[f], m)
            zg = zg + nc * ch * (2 * t3 - 4 * ch * sm.SW2) / cw * (i1 - i2)
    i1, i2 = cp.zgam_i1_i2(masses["W"], m)
    t2, tw = sm.SW2 / sm.CW2, 4.0 * masses["W"] ** 2 / m**2
    zg = zg + cw * (4 * (3 - t2) * i2 + ((1 + 2 / tw) * t2 - (5 + 2 / tw)) * i1)
    amp["Zgam_sm"] = zg
    widths = even_sm_widths(m, {}, amp, sm_reference=True)
    total = sum(widths.values())
    out = {"width": total}
    out.update({ch: w / total for ch, w in widths.items()})
    return out


def decay_tables(decays: dict[str, np.ndarray], point: int
                 ) -> list[tuple[int, float, list[tuple[float, tuple[int, ...]]]]]:
    """SLHA DECAY blocks of one point: (PDG code, width, [(BR, final-state PDG codes)]),
    channels with a zero branching ratio left out."""
    tables = []
    for state, pdg in PDG.items():
        key = f"width_{state}"
        if key not in decays:
            continue
        prefix = f"br_{state}_"
        lines = []
        for name, value in decays.items():
            if not name.startswith(prefix) or name.endswith("_invisible"):
                continue
            br = float(value[point])
            if br <= 0:
                continue
            ids = final_state(state, name[len(prefix):])
            lines.append((br, ids))
        tables.append((pdg, float(decays[key][point]), lines))
    return tables


def final_state(state: str, channel: str) -> tuple[int, ...]:
    """PDG codes of a channel of a state."""
    if state == "hc":
        return CHARGED_CHANNELS[channel]
    return CHANNELS[channel]


@provider("higgs_decays", vectorised=True, name="nmssm_builtin_higgs_decays")
def nmssm_builtin_higgs_decays(spectrum: dict, params: dict, *, invisible: list | None = None
                               ) -> dict[str, np.ndarray]:
    """Widths [GeV] and branching ratios of h1..h3, a1, a2, H+ (keys in
    docs/capabilities.md). ``invisible``: channels counted as invisible besides the
    lightest-neutralino pair, e.g. ['neu12'] when neutralino 2 escapes the detector."""
    extra = tuple(invisible or ())
    unknown = [ch for ch in extra if not isinstance(ch, str)]
    if unknown:
        raise ValueError(f"'invisible' takes channel names (strings), got {unknown}")
    return higgs_decays(spectrum, as_arrays(params), extra)
