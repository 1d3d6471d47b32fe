"""Decays of the NMSSM Higgs bosons h_1..3, a_1..2, H+ (the ``higgs_decays`` capability).

Partial widths from ``higgs_widths`` with the couplings of ``couplings`` (SM particles,
loop-induced gg, gamma gamma, Z gamma). The total width of each state is the sum of its
channels, and every branching ratio is a channel's share of it, so they sum to one.

Capability keys (arrays over points; states X = h1, h2, h3, a1, a2, hc):

- ``width_X`` [GeV]: total width;
- ``br_X_<channel>``: branching ratio; neutral channels ``bb``, ``tautau``, ``mumu``,
  ``cc``, ``ss``, ``tt``, ``gg``, ``gamgam``, ``Zgam``, and for CP-even states ``WW``,
  ``ZZ`` (both bosons off shell below threshold); Higgs pairs ``h1h1``, ``h1h2``, ...,
  ``a1a1``, ``a1a2``, ``a2a2``, ``hchc`` (H+ H-), ``a1h1`` .. (a2 -> a1 h_i), ``Za1``,
  ``Zh1`` .. (Z plus a Higgs), ``WHc`` (W-+ H+-, both charges); neutralino pairs ``neu11``,
  ``neu12``, .., ``neu55`` (i <= j), chargino pairs ``cha11``, ``cha12`` (chi1+ chi2- and
  chi2+ chi1-), ``cha22``; sfermion pairs ``stop11``, ``stop12`` (both charge
  combinations), ``stop22``, ``sbot..``, ``stau..``, and the unmixed first two generations
  ``squL``, ``squR``, ``sqdL``, ``sqdR`` (u, c and d, s squarks), ``selL``, ``selR``
  (selectrons and smuons), ``snul`` (electron and muon sneutrinos), ``snutau``; charged
  channels ``taunu``, ``munu``, ``tb``, ``ts``, ``cs``, ``cb``, ``us``, ``ub``, ``Wh1``..,
  ``Wa1``, ``Wa2``, ``neu1cha1`` .. ``neu5cha2`` (chi0_i chi+_j), ``stop1sbot1`` ..
  ``stop2sbot2``, ``snutaustau1``, ``snutaustau2``, ``squLsqdL``, ``snulselL``;
- ``br_X_invisible``: the decays into a pair of the lightest neutralino (the LSP), plus
  the channels named in the provider's option ``invisible`` (not a channel of its own:
  it overlaps the others).

Beyond the SM particles (couplings from ``vertices``): h_i -> h_j h_k, a_j a_k, H+ H-
and a_j -> a_k h_i with the tree-level trilinears; h_i <-> Z a_j, Z h_i; W H+ channels;
neutralino and chargino pairs; sfermion pairs of neutral states (couplings from the
derivatives of the sfermion mass matrices, ``couplings``); H+ -> W h_i, W a_j,
chi0_i chi+_j, sfermion pairs. Not included: three-body decays (off-shell tops,
charginos, Higgs bosons), and hadronic decays of states below a few GeV, where the
perturbative widths into quarks and gluons are unreliable.

``final_states`` maps every channel to PDG codes (a sum of charge combinations or of
degenerate flavours to several lines); ``decay_tables`` turns one point into SLHA DECAY
blocks.
"""

from __future__ import annotations

import math

import numpy as np

from fit import provider

from ..nmssm_labels import LABELS
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
#: PDG codes of the neutralinos, charginos and third-generation sfermions
NEUTRALINOS = (1000022, 1000023, 1000025, 1000035, 1000045)
CHARGINOS = (1000024, 1000037)
THIRD_GENERATION = {"stop": (1000006, 2000006), "sbot": (1000005, 2000005),
                    "stau": (1000015, 2000015)}
#: unmixed first/second-generation sfermion pairs: (spectrum mass key, (T3, Q, right),
#: colour, PDG codes of the degenerate flavours)
LIGHT_SFERMIONS = {"squL": ("msuL", ("u", 0), 3, (1000002, 1000004)),
                   "squR": ("msuR", ("u", 1), 3, (2000002, 2000004)),
                   "sqdL": ("msdL", ("d", 0), 3, (1000001, 1000003)),
                   "sqdR": ("msdR", ("d", 1), 3, (2000001, 2000003)),
                   "selL": ("msmuL", ("e", 0), 1, (1000011, 1000013)),
                   "selR": ("msmuR", ("e", 1), 1, (2000011, 2000013)),
                   "snul": ("msnumu", ("nu_e", 0), 1, (1000012, 1000014)),
                   "snutau": ("msnutau", ("nu_tau", 0), 1, (1000016,))}


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


def higgs_pair_widths(vx, trilinears: tuple[np.ndarray, np.ndarray, np.ndarray],
                      mh: np.ndarray, ma: np.ndarray, mhc: np.ndarray
                      ) -> dict[str, dict[str, np.ndarray]]:
    """h_i -> h_j h_k, a_j a_k, H+ H-, Z a_j, W H; a_j -> a_k h_i, Z h_i, W H [GeV], with
    the self-couplings ``trilinears`` = (hhh, haa, hcc) of ``higgs_trilinears``."""
    out: dict[str, dict[str, np.ndarray]] = {s: {} for s in (*EVEN, *ODD)}
    hhh, haa, hcc = trilinears
    for i, state in enumerate(EVEN):
        m = mh[:, i]
        for j in range(i):
            for k in range(j, i):
                out[state][f"h{j + 1}h{k + 1}"] = hw.scalar_pair(
                    m, hhh[:, i, j, k], mh[:, j], mh[:, k], identical=j == k)
        for j in range(2):
            for k in range(j, 2):
                out[state][f"a{j + 1}a{k + 1}"] = hw.scalar_pair(
                    m, haa[:, i, j, k], ma[:, j], ma[:, k], identical=j == k)
            out[state][f"Za{j + 1}"] = hw.vector_scalar(m, vx.zha[:, i, j], ma[:, j], sm.MZ)
        out[state]["hchc"] = hw.scalar_pair(m, hcc[:, i], mhc, mhc, identical=False)
        out[state]["WHc"] = 2.0 * hw.vector_scalar(m, vx.whh[:, i], mhc, sm.MW)
    for j, state in enumerate(ODD):
        m = ma[:, j]
        for i in range(3):
            out[state][f"Zh{i + 1}"] = hw.vector_scalar(m, vx.zha[:, i, j], mh[:, i], sm.MZ)
            if j == 1:
                out[state][f"a1h{i + 1}"] = hw.scalar_pair(m, haa[:, i, 1, 0], ma[:, 0],
                                                          mh[:, i], identical=False)
        out[state]["WHc"] = 2.0 * hw.vector_scalar(m, vx.wha[:, j], mhc, sm.MW)
    return out


def ino_widths(vx, spec: dict, mh: np.ndarray, ma: np.ndarray, mhc: np.ndarray
               ) -> dict[str, dict[str, np.ndarray]]:
    """Neutral states -> neutralino and chargino pairs; H+ -> chi0_i chi+_j [GeV].
    Majorana pairs: the Lagrangian's 1/2 and the symmetric coupling make the i != j
    rule that of distinct particles; i = j takes the 1/2 of identical particles."""
    mneu = np.stack([spec[f"mneu{k}"] for k in range(1, 6)], -1)
    mcha = np.abs(np.stack([spec["mcha1"], spec["mcha2"]], -1))
    out: dict[str, dict[str, np.ndarray]] = {s: {} for s in (*EVEN, *ODD, "hc")}
    for states, masses, neu, cha in ((EVEN, mh, vx.neutralino_h, vx.chargino_h),
                                     (ODD, ma, vx.neutralino_a, vx.chargino_a)):
        for a, state in enumerate(states):
            m = masses[:, a]
            for i in range(5):
                for j in range(i, 5):
                    out[state][f"neu{i + 1}{j + 1}"] = hw.fermion_pair(
                        m, neu.L[:, a, i, j], neu.R[:, a, i, j], mneu[:, i], mneu[:, j],
                        symmetry=0.5 if i == j else 1.0)
            for i in range(2):
                for j in range(i, 2):
                    w = hw.fermion_pair(m, cha.L[:, a, i, j], cha.R[:, a, i, j], mcha[:, i],
                                        mcha[:, j])
                    if i != j:
                        w = w + hw.fermion_pair(m, cha.L[:, a, j, i], cha.R[:, a, j, i],
                                                mcha[:, j], mcha[:, i])
                    out[state][f"cha{i + 1}{j + 1}"] = w
    hc = vx.hc_neutralino_chargino
    for i in range(5):
        for j in range(2):
            out["hc"][f"neu{i + 1}cha{j + 1}"] = hw.fermion_pair(
                mhc, hc.L[:, i, j], hc.R[:, i, j], mneu[:, i], mcha[:, j])
    return out


def sfermion_widths(spec: dict, p: dict, mh: np.ndarray, ma: np.ndarray
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Neutral states -> sfermion pairs [GeV]: the CP-even couplings are the derivatives of
    the sfermion mass matrices along the Higgs directions (``vertices.higgs_sfermion``),
    the CP-odd ones those of the L-R entry (``couplings.sfermion_odd_derivative``); CP-odd
    states couple only the two mixed third-generation states."""
    from .vertices import vertices

    out: dict[str, dict[str, np.ndarray]] = {s: {} for s in (*EVEN, *ODD)}
    p_mix = spec["P"]
    couplings = vertices(spec, p).higgs_sfermion
    for kind, species, mix, names, colour in (
            ("stop", "t", "stop_mix", ("mst1", "mst2"), 3),
            ("sbot", "b", "sbottom_mix", ("msb1", "msb2"), 3),
            ("stau", "tau", "stau_mix", ("mstau1", "mstau2"), 1)):
        odd = cp.sfermion_odd_derivative(p, {"sbot": "sbottom"}.get(kind, kind))
        rot = spec[mix]
        g = couplings[species]                                          # (n, 3, 2, 2)
        msf = [np.abs(spec[k]) for k in names]
        for i, state in enumerate(EVEN):
            for a in range(2):
                for b in range(a, 2):
                    w = colour * hw.scalar_pair(mh[:, i], g[:, i, a, b], msf[a], msf[b], False)
                    out[state][f"{kind}{a + 1}{b + 1}"] = w if a == b else 2.0 * w
        det = rot[:, 0, 0] * rot[:, 1, 1] - rot[:, 0, 1] * rot[:, 1, 0]
        g_odd = np.einsum("nj,nhj->nh", odd, p_mix) * det[:, None]
        for j, state in enumerate(ODD):
            out[state][f"{kind}12"] = 2.0 * colour * hw.scalar_pair(
                ma[:, j], g_odd[:, j], msf[0], msf[1], False)
    masses = dict(spec)
    masses["msnutau"] = np.maximum(spec["msnutau"], 0.0)
    for channel, (key, (species, k), colour, flavours) in LIGHT_SFERMIONS.items():
        g = couplings[species][:, :, k, k]
        msf = np.abs(masses[key])
        for i, state in enumerate(EVEN):
            out[state][channel] = len(flavours) * colour * hw.scalar_pair(
                mh[:, i], g[:, i], msf, msf, False)
    return out


def charged_sfermion_widths(spec: dict, p: dict, mhc: np.ndarray) -> dict[str, np.ndarray]:
    """H+ -> sfermion pairs [GeV], Gamma = N_c |G_ij|^2 lambda^(1/2)/(16 pi M), with the
    MSSM couplings (mu -> mueff; the NMSSM adds no H+ term) in the (L, R) bases, times
    g/(sqrt2 M_W) = 1/v: G_LL = m_d^2 tb + m_u^2/tb - M_W^2 sin 2b, G_RR = m_u m_d (tb + 1/tb),
    G_(uL dR) = m_d (A_d tb + mu), G_(uR dL) = m_u (A_u/tb + mu) (Djouadi, Phys. Rept. 459
    (2008) 1, hep-ph/0503173, sect. 1.2.3), rotated by the sfermion mixings."""
    from .vertices import quark_masses

    tanb, mu = p["tanb"], p["mueff"]
    s2b = 2.0 * tanb / (1.0 + tanb**2)
    mq = quark_masses(p)
    v = sm.V_HIGGS
    out: dict[str, np.ndarray] = {}

    def coupling_matrix(mu_, md_, au, ad):
        g = np.zeros((mhc.shape[0], 2, 2))
        g[:, 0, 0] = md_**2 * tanb + mu_**2 / tanb - sm.MW**2 * s2b
        g[:, 1, 1] = mu_ * md_ * (tanb + 1.0 / tanb)
        g[:, 0, 1] = md_ * (ad * tanb + mu)
        g[:, 1, 0] = mu_ * (au / tanb + mu)
        return g / v

    g = np.einsum("nia,nab,njb->nij", spec["stop_mix"],
                  coupling_matrix(mq["t"], mq["b"], p["At"], p["Ab"]), spec["sbottom_mix"])
    for i in range(2):
        for j in range(2):
            out[f"stop{i + 1}sbot{j + 1}"] = 3.0 * hw.scalar_pair(
                mhc, g[:, i, j], np.abs(spec[f"mst{i + 1}"]), np.abs(spec[f"msb{j + 1}"]),
                False)
    zero = np.zeros_like(mhc)
    g = coupling_matrix(zero, np.full_like(mhc, sm.MTAU), zero, p["Atau"])
    g_tau = np.einsum("nb,njb->nj", g[:, 0, :], spec["stau_mix"])      # sneutrino is L
    m_snutau = np.maximum(spec["msnutau"], 0.0)
    for j in range(2):
        out[f"snutaustau{j + 1}"] = hw.scalar_pair(mhc, g_tau[:, j], m_snutau,
                                                   np.abs(spec[f"mstau{j + 1}"]), False)
    d_term = -sm.MW**2 * s2b / v
    out["squLsqdL"] = 2 * 3.0 * hw.scalar_pair(mhc, d_term, np.abs(spec["msuL"]),
                                               np.abs(spec["msdL"]), False)
    out["snulselL"] = 2 * hw.scalar_pair(mhc, d_term, np.abs(spec["msnumu"]),
                                         np.abs(spec["msmuL"]), False)
    return out


def partial_widths(spec: dict, p: dict, loop_trilinears: bool = True
                   ) -> dict[str, dict[str, np.ndarray]]:
    """Partial widths [GeV]: {state: {channel: (n,)}} for h1..3, a1..2, hc;
    ``loop_trilinears``: Higgs self-couplings with their top/bottom one-loop part."""
    from .higgs_trilinears import decay_trilinears
    from .vertices import vertices

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
    vx = vertices(spec, p)
    for i in range(3):
        out["hc"][f"Wh{i + 1}"] = hw.vector_scalar(mhc, vx.whh[:, i], mh[:, i], sm.MW)
    for j in range(2):
        out["hc"][f"Wa{j + 1}"] = hw.vector_scalar(mhc, vx.wha[:, j], ma[:, j], sm.MW)
    out["hc"].update(charged_sfermion_widths(spec, p, mhc))
    trilinears = decay_trilinears(p, spec["S"], spec["P"], loops=loop_trilinears)
    for part in (higgs_pair_widths(vx, trilinears, mh, ma, mhc),
                 ino_widths(vx, spec, mh, ma, mhc),
                 sfermion_widths(spec, p, mh, ma)):
        for state, channels in part.items():
            out[state].update(channels)
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


def higgs_decays(spec: dict, p: dict, invisible: tuple[str, ...] = (),
                 loop_trilinears: bool = True) -> dict[str, np.ndarray]:
    """The ``higgs_decays`` mapping of the module docstring."""
    return branching_ratios(partial_widths(spec, p, loop_trilinears), invisible)


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
            for share, ids in final_states(state, name[len(prefix):]):
                lines.append((share * br, ids))
        tables.append((pdg, float(decays[key][point]), lines))
    return tables


#: H+ -> sfermion pairs -> (share, PDG codes)
CHARGED_SFERMIONS = {
    **{f"stop{i + 1}sbot{j + 1}": [(1.0, (THIRD_GENERATION["stop"][i],
                                         -THIRD_GENERATION["sbot"][j]))]
       for i in range(2) for j in range(2)},
    **{f"snutaustau{j + 1}": [(1.0, (1000016, -THIRD_GENERATION["stau"][j]))] for j in range(2)},
    "squLsqdL": [(0.5, (1000002, -1000001)), (0.5, (1000004, -1000003))],
    "snulselL": [(0.5, (1000012, -1000011)), (0.5, (1000014, -1000013))]}


def _pair(a: int, b: int) -> list[tuple[float, tuple[int, int]]]:
    """Both charge combinations of a pair of different charged (or complex) particles."""
    return [(0.5, (a, -b)), (0.5, (b, -a))]


def final_states(state: str, channel: str) -> list[tuple[float, tuple[int, ...]]]:
    """(share, PDG codes) of the final states a channel of a state stands for."""
    if state == "hc":
        if channel in CHARGED_CHANNELS:
            return [(1.0, CHARGED_CHANNELS[channel])]
        if channel.startswith("W"):
            return [(1.0, (24, PDG[channel[1:]]))]
        if channel.startswith("neu"):
            i, j = int(channel[3]), int(channel[7])
            return [(1.0, (CHARGINOS[j - 1], NEUTRALINOS[i - 1]))]
        return CHARGED_SFERMIONS[channel]
    if channel in CHANNELS:
        return [(1.0, CHANNELS[channel])]
    if channel == "hchc":
        return [(1.0, (37, -37))]
    if channel == "WHc":
        return [(0.5, (24, -37)), (0.5, (-24, 37))]
    if channel.startswith("Z"):
        return [(1.0, (23, PDG[channel[1:]]))]
    if channel.startswith("neu"):
        return [(1.0, (NEUTRALINOS[int(channel[3]) - 1], NEUTRALINOS[int(channel[4]) - 1]))]
    if channel.startswith("cha"):
        i, j = CHARGINOS[int(channel[3]) - 1], CHARGINOS[int(channel[4]) - 1]
        return [(1.0, (i, -i))] if i == j else _pair(i, j)
    if channel[:4] in THIRD_GENERATION:
        codes = THIRD_GENERATION[channel[:4]]
        i, j = codes[int(channel[4]) - 1], codes[int(channel[5]) - 1]
        return [(1.0, (i, -i))] if i == j else _pair(i, j)
    if channel in LIGHT_SFERMIONS:
        flavours = LIGHT_SFERMIONS[channel][3]
        return [(1.0 / len(flavours), (f, -f)) for f in flavours]
    return [(1.0, (PDG[channel[:2]], PDG[channel[2:]]))]     # Higgs pairs


#: every channel name of the neutral states (for the ``invisible`` option)
NEUTRAL_CHANNELS = frozenset(
    [*CHANNELS, "hchc", "WHc", "Za1", "Za2", "Zh1", "Zh2", "Zh3", "a1h1", "a1h2", "a1h3",
     "h1h1", "h1h2", "h2h2", "a1a1", "a1a2", "a2a2", "cha11", "cha12", "cha22",
     *LIGHT_SFERMIONS]
    + [f"neu{i}{j}" for i in range(1, 6) for j in range(i, 6)]
    + [f"{kind}{a}{b}" for kind in THIRD_GENERATION for a, b in ((1, 1), (1, 2), (2, 2))])


@provider("higgs_decays", vectorised=True, name="nmssm_builtin_higgs_decays",
          labels=LABELS["higgs_decays"])
class NMSSMBuiltinHiggsDecays:
    """Widths [GeV] and branching ratios of h1..h3, a1, a2, H+ (keys in
    docs/capabilities.md). ``invisible``: channels counted as invisible besides the
    lightest-neutralino pair, e.g. [neu12] when neutralino 2 escapes the detector.
    ``loop_trilinears``: Higgs self-couplings with their top/bottom one-loop part."""

    def __init__(self, *, invisible: list | None = None, loop_trilinears: bool = True):
        self.invisible = tuple(invisible or ())
        unknown = [ch for ch in self.invisible if ch not in NEUTRAL_CHANNELS]
        if unknown:
            raise ValueError(f"'invisible' names unknown channels {unknown}; channels of the "
                             f"neutral states: {', '.join(sorted(NEUTRAL_CHANNELS))}")
        self.loop_trilinears = loop_trilinears
        self.needs = ("spectrum", "params")

    def __call__(self, spectrum: dict, params: dict) -> dict[str, np.ndarray]:
        return higgs_decays(spectrum, as_arrays(params), self.invisible,
                            self.loop_trilinears)
