"""Tree-level decays of neutralinos, charginos and sleptons, vectorised over points.

Two-body widths from the couplings of ``vertices`` (its conventions: signed neutralino masses,
currents fbar_a Gamma f_b with Gamma = L P_L + R P_R; the widths depend on |L|^2 + |R|^2 and
Re(L R^*) only). For a fermion F1 -> F2 X with p the decay momentum:

- vector X (mass M): Gamma = p/(16 pi m1^2) [(|L|^2+|R|^2)(m1^2 + m2^2 - 2M^2 + (m1^2-m2^2)^2/M^2)
  - 12 m1 m2 Re(L R^*)];
- scalar X (mass m): Gamma = p/(16 pi m1^2) [(|L|^2+|R|^2)(m1^2 + m2^2 - m^2) + 4 m1 m2 Re(L R^*)]
  (times the colour factor for sfermion + quark);
- a scalar S -> f1 f2:
  Gamma = p/(8 pi m_S^2) [(|L|^2+|R|^2)(m_S^2 - m1^2 - m2^2) - 4 m1 m2 Re(L R^*)].

The vector formula with M -> m_t, L = g/sqrt2, R = 0 is the textbook t -> b W width; the tests
compare all of them with NMSSMTools' decay tables of the reference benchmark.

Channels: chi0_i -> chi0_j Z, chi0_j h_a, chi0_j a_b, chi+-_k W-+, chi+-_k H-+, sfermion + fermion;
chi+_k -> chi0_i W+, chi0_i H+, chi+_1 Z/h_a/a_b, sfermion + fermion; charged sleptons -> l chi0_i,
nu chi-_k; sneutrinos -> nu chi0_i, l chi+_k.

Compressed spectra: where chi -> chi' V (V = W, Z) is closed, the decay goes through the
virtual V to a fermion pair, Gamma(chi -> chi' f f') = int dq^2 Gamma_2(chi -> chi' V(q)) q
Gamma(V(q) -> f f') / (pi [(q^2 - M^2)^2 + M^2 Gamma_V^2]), with Gamma_2 the two-body width at
vector mass q. For massless fermions this is exact (the fermion current is conserved, so the
virtual V's polarisation sum is that of a vector of mass q). Fermion pairs are massless above
thresholds set by the lightest hadrons (pi for u dbar, D_s for c sbar, 2 pi, 2 K, 2 D, 2 B for
the neutral pairs) and the lepton masses, with a factor sqrt(1 - q_min^2/q^2). Left out:
sfermion and Higgs exchange in the three-body decays (small for sfermions much heavier than
the splitting), the loop decay chi0_i -> chi0_j gamma, the exclusive chi+ -> pi+ chi0 decay that
dominates for splittings below ~1 GeV (there the width is that of the quark channel above the
pion threshold, and 0 below m_pi), sfermion -> sfermion + boson decays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import sm_inputs as sm
from .ewkino_lo import GAMMA_W, GAMMA_Z
from .vertices import PARTNER, SPECIES, Vertices, quark_masses, sm_vector

NEUTRALINOS = (1000022, 1000023, 1000025, 1000035, 1000045)
CHARGINOS = (1000024, 1000037)
HIGGS_EVEN, HIGGS_ODD, HIGGS_CHARGED = (25, 35, 45), (36, 46), 37
Z_PDG, W_PDG = 23, 24
#: SM fermion PDG codes
FERMION = {"d": 1, "u": 2, "s": 3, "c": 4, "b": 5, "t": 6, "e": 11, "nu_e": 12, "mu": 13,
           "nu_mu": 14, "tau": 15, "nu_tau": 16}
#: sfermion PDG codes (state 1 / L, state 2 / R); sneutrinos have one state
SFERMION = {"d": (1000001, 2000001), "u": (1000002, 2000002), "s": (1000003, 2000003),
            "c": (1000004, 2000004), "b": (1000005, 2000005), "t": (1000006, 2000006),
            "e": (1000011, 2000011), "mu": (1000013, 2000013), "tau": (1000015, 2000015),
            "nu_e": (1000012,), "nu_mu": (1000014,), "nu_tau": (1000016,)}
#: spectrum keys of the sfermion masses (first two generations share them)
SFERMION_MASS = {"d": ("msdL", "msdR"), "s": ("msdL", "msdR"), "u": ("msuL", "msuR"),
                 "c": ("msuL", "msuR"), "b": ("msb1", "msb2"), "t": ("mst1", "mst2"),
                 "e": ("msmuL", "msmuR"), "mu": ("msmuL", "msmuR"),
                 "tau": ("mstau1", "mstau2"), "nu_e": ("msnumu",), "nu_mu": ("msnumu",),
                 "nu_tau": ("msnutau",)}
COLOUR = {f: 3.0 if f in ("u", "d", "s", "c", "b", "t") else 1.0 for f in SPECIES}
CHARGED_LEPTONS = ("e", "mu", "tau")
SNEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
#: hadron and lepton masses [GeV] (PDG 2024) that set the thresholds of virtual W/Z decays
M_PI, M_PI0, M_K, M_DS, M_D, M_B = 0.13957, 0.13498, 0.4937, 1.9683, 1.8648, 5.2793
#: W* -> f fbar': (f, fbar' PDG codes for W+, colour, threshold [GeV])
W_PAIRS = (((-11, 12), 1, 0.000511), ((-13, 14), 1, 0.10566), ((-15, 16), 1, sm.MTAU),
           ((2, -1), 3, M_PI), ((4, -3), 3, M_DS))
#: Z* -> f fbar: (species, threshold [GeV])
Z_PAIRS = (("nu_e", 0.0), ("nu_mu", 0.0), ("nu_tau", 0.0), ("e", 0.001022),
           ("mu", 0.21132), ("tau", 2 * sm.MTAU), ("u", 2 * M_PI0), ("d", 2 * M_PI0),
           ("s", 2 * M_K), ("c", 2 * M_D), ("b", 2 * M_B))
#: the largest float, the cap of a partial width (as np.nan_to_num)
_LARGEST = np.finfo(float).max
#: Gauss-Legendre nodes of the virtual-boson integral
OFFSHELL_NODES = 16


@dataclass
class DecayTable:
    """Partial widths [GeV] per parent PDG code and daughter tuple, arrays over points."""

    n: int
    partial: dict[int, dict[tuple[int, ...], np.ndarray]] = field(default_factory=dict)

    def add(self, parent: int, daughters: tuple[int, ...], width: np.ndarray) -> None:
        """Add a partial width (summed with an existing entry of the same daughters)."""
        channels = self.partial.setdefault(parent, {})
        daughters = tuple(int(d) for d in daughters)
        width = np.fmin(np.fmax(width, 0.0), _LARGEST)       # NaN -> 0 and +inf -> max
        channels[daughters] = channels.get(daughters, 0.0) + width

    def width(self, parent: int) -> np.ndarray:
        """Total width [GeV] (0 for a stable particle)."""
        channels = self.partial.get(parent, {})
        return sum(channels.values(), start=np.zeros(self.n))

    def br(self, parent: int, daughters: tuple[int, ...]) -> np.ndarray:
        """Branching ratio of one channel (0 where the parent does not decay)."""
        width = self.width(parent)
        part = self.partial.get(parent, {}).get(tuple(daughters), np.zeros(self.n))
        return np.divide(part, width, out=np.zeros(self.n), where=width > 0)

    def as_mapping(self) -> dict[str, dict]:
        """The ``ewkino_decays`` capability: {"width": {pdg: (n,)},
        "br": {pdg: {"d1,d2": (n,)}}} (PDG codes as strings)."""
        widths, brs = {}, {}
        for parent, channels in self.partial.items():
            total = self.width(parent)
            widths[str(parent)] = total
            brs[str(parent)] = {",".join(str(d) for d in k): np.divide(
                v, total, out=np.zeros(self.n), where=total > 0) for k, v in channels.items()}
        return {"width": widths, "br": brs}


# ----------------------------------------------------------------- two-body formulas

def momentum(m1: np.ndarray, m2: np.ndarray, m3: np.ndarray) -> np.ndarray:
    """Decay momentum [GeV] of |m1| -> |m2| |m3| (0 where closed)."""
    a, b, c = np.abs(m1), np.abs(m2), np.abs(m3)
    lam = (a * a - (b + c) ** 2) * (a * a - (b - c) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) * (a > b + c) / (2.0 * np.maximum(a, 1e-30))


def invariants(c_l: np.ndarray, c_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|L|^2 + |R|^2 and Re(L R^*) of a chiral coupling."""
    return np.abs(c_l) ** 2 + np.abs(c_r) ** 2, (c_l * np.conj(c_r)).real


def fermion_vector(m1, m2, mv, ll_rr, lr) -> np.ndarray:
    """Gamma(F1 -> F2 V) [GeV], signed fermion masses, vector mass mv > 0."""
    p = momentum(m1, m2, mv)
    mv2 = mv**2
    amp = ll_rr * (m1**2 + m2**2 - 2 * mv2 + (m1**2 - m2**2) ** 2 / mv2) - 12 * m1 * m2 * lr
    return p / (16 * math.pi * m1**2) * amp


def fermion_scalar(m1, m2, ms, ll_rr, lr) -> np.ndarray:
    """Gamma(F1 -> F2 S) [GeV], signed fermion masses."""
    p = momentum(m1, m2, ms)
    return p / (16 * math.pi * m1**2) * (ll_rr * (m1**2 + m2**2 - ms**2) + 4 * m1 * m2 * lr)


def scalar_fermions(ms, m1, m2, ll_rr, lr) -> np.ndarray:
    """Gamma(S -> F1 F2bar) [GeV] (a sfermion to fermion plus ino)."""
    p = momentum(ms, m1, m2)
    return p / (8 * math.pi * ms**2) * (ll_rr * (ms**2 - m1**2 - m2**2) - 4 * m1 * m2 * lr)


# ----------------------------------------------------------------- three-body via V*

def offshell_vector(m1: np.ndarray, m2: np.ndarray, ll_rr: np.ndarray, lr: np.ndarray,
                    mv: float, gamma_v: float, strength: np.ndarray, threshold: np.ndarray
                    ) -> np.ndarray:
    """Gamma(F1 -> F2 V* -> F2 f fbar') [GeV] for each fermion pair (last axis), arrays (k,).

    ``strength``: N_c (|g_L|^2 + |g_R|^2) of V -> f fbar', ``threshold``: q_min [GeV] per pair.
    Integration in q^2 = dm^2 - (dm^2 - q_min^2) y^2 on Gauss-Legendre nodes in y, which
    absorbs the square-root end point of the two-body momentum at q = dm; pairs with the
    same threshold share one integral."""
    levels, which = np.unique(threshold, return_inverse=True)
    dm = np.abs(m1) - np.abs(m2)
    x, w = np.polynomial.legendre.leggauss(OFFSHELL_NODES)
    y = 0.5 * (x + 1.0)
    qmin2 = np.minimum(levels**2, np.maximum(dm, 0.0)[:, None] ** 2)          # (k, l)
    span = np.maximum(dm[:, None] ** 2 - qmin2, 0.0)
    q2 = np.maximum(dm[:, None, None] ** 2 - span[:, :, None] * y**2, 1e-12)    # (k, l, g)
    jac = span[:, :, None] * y * w                                             # dq^2
    two_body = fermion_vector(m1[:, None, None], m2[:, None, None], np.sqrt(q2),
                              ll_rr[:, None, None], lr[:, None, None])
    beta = np.sqrt(np.clip(1.0 - levels[None, :, None] ** 2 / q2, 0.0, 1.0))
    bw = (q2 - mv**2) ** 2 + mv**2 * gamma_v**2
    per_level = np.sum(jac * two_body * q2 * beta / bw, axis=-1) / (24 * math.pi**2)
    return per_level[:, which] * strength                        # q Gamma_V(q)/pi per pair


def _w_strength() -> tuple[np.ndarray, np.ndarray]:
    g2 = sm.G2SQ
    strength = np.array([0.5 * g2 * colour for _, colour, _ in W_PAIRS])
    return strength, np.array([t for _, _, t in W_PAIRS])


def _z_strength() -> tuple[np.ndarray, np.ndarray]:
    strength = []
    for species, _ in Z_PAIRS:
        z, _ = sm_vector(species)
        strength.append(COLOUR[species] * float(abs(z.L) ** 2 + abs(z.R) ** 2))
    return np.array(strength), np.array([t for _, t in Z_PAIRS])


# ----------------------------------------------------------------- assembly

def _vector_channel(table: DecayTable, parent: int, m1: np.ndarray, m2: np.ndarray,
                    c_l: np.ndarray, c_r: np.ndarray, boson: str, daughter: int,
                    conjugate: bool = False) -> None:
    """chi -> chi' V on shell, or chi' f f' through V* below threshold. ``boson``: "Z",
    "W+" or "W-" (the charge of the emitted W); ``conjugate`` adds the charge-conjugate
    final state with the same width (a neutralino's decays to chi+ W- and chi- W+)."""
    ll_rr, lr = invariants(c_l, c_r)
    mv, gv = (sm.MZ, GAMMA_Z) if boson == "Z" else (sm.MW, GAMMA_W)
    charge = {"Z": 0, "W+": 1, "W-": -1}[boson]
    onshell = np.abs(m1) > np.abs(m2) + mv
    width = np.where(onshell, fermion_vector(m1, m2, mv, ll_rr, lr), 0.0)
    vpdg = Z_PDG if charge == 0 else charge * W_PDG
    table.add(parent, (daughter, vpdg), width)
    if conjugate:
        table.add(parent, (-daughter, -vpdg), width)
    off = ~onshell & (np.abs(m1) > np.abs(m2))
    if not off.any():
        return
    idx = np.flatnonzero(off)
    strength, threshold = _z_strength() if charge == 0 else _w_strength()
    parts = offshell_vector(m1[idx], m2[idx], ll_rr[idx], lr[idx], mv, gv, strength, threshold)
    for c in range(parts.shape[1]):
        full = np.zeros(table.n)
        full[idx] = parts[:, c]
        if charge == 0:
            f = FERMION[Z_PAIRS[c][0]]
            table.add(parent, (daughter, f, -f), full)
            continue
        f1, f2 = W_PAIRS[c][0]                     # the pair of a W+; a W- gives the conjugate
        table.add(parent, (daughter, charge * f1, charge * f2), full)
        if conjugate:
            table.add(parent, (-daughter, -charge * f1, -charge * f2), full)


def _open(m_parent: np.ndarray, m_fermion: np.ndarray, m_sfermions: tuple) -> bool:
    """Whether a decay to any of the sfermion states plus the fermion is open at any point."""
    lightest = np.min(np.stack(m_sfermions, -1), axis=-1)
    return bool(np.any(np.abs(m_parent) > lightest + m_fermion))


def sfermion_masses(spec: dict) -> dict[str, tuple[np.ndarray, ...]]:
    """Masses [GeV] of the sfermion states per species (mass-ordered for t, b, tau)."""
    return {f: tuple(spec[k] for k in keys) for f, keys in SFERMION_MASS.items()
            if all(k in spec for k in keys)}


def fermion_pole_masses(params: dict) -> dict[str, np.ndarray]:
    """Fermion masses [GeV] for the kinematics (running masses but the top pole mass)."""
    masses = quark_masses(params)
    masses["t"] = np.full_like(masses["t"], sm.MT_POLE)
    return masses


def decays(spec: dict, params: dict, v: Vertices) -> DecayTable:
    """All two- and three-body decays listed in the module docstring, for a batch of points."""
    n = spec["mh1"].shape[0]
    table = DecayTable(n)
    mneu = [spec[f"mneu{i}"] for i in range(1, 6)]
    mcha = [spec["mcha1"], spec["mcha2"]]
    mh = [spec["mh1"], spec["mh2"], spec["mh3"]]
    ma = [spec["ma1"], spec["ma2"]]
    mhc = spec["mhc"]
    msf = sfermion_masses(spec)
    mf = fermion_pole_masses(params)
    zn, zc, wv, hcv = v.z_neutralino, v.z_chargino, v.w_neutralino_chargino, \
        v.hc_neutralino_chargino
    nh, na, ch, ca = v.neutralino_h, v.neutralino_a, v.chargino_h, v.chargino_a
    # neutralinos: scalar channels for all (boson, parent, daughter) at once
    m0 = np.stack(mneu, -1)
    w_h = fermion_scalar(m0[:, None, :, None], m0[:, None, None, :],
                         np.stack(mh, -1)[:, :, None, None], *invariants(nh.L, nh.R))
    w_a = fermion_scalar(m0[:, None, :, None], m0[:, None, None, :],
                         np.stack(ma, -1)[:, :, None, None], *invariants(na.L, na.R))
    w_hc = fermion_scalar(m0[:, :, None], np.stack(mcha, -1)[:, None, :], mhc[:, None, None],
                          *invariants(hcv.L, hcv.R))                         # (n, 5, 2)
    for i, parent in enumerate(NEUTRALINOS):
        m1 = mneu[i]
        for j in range(5):
            m2 = mneu[j]
            if j == i or not (np.abs(m2) < np.abs(m1)).any():
                continue
            _vector_channel(table, parent, m1, m2, zn.L[:, i, j], zn.R[:, i, j], "Z",
                            NEUTRALINOS[j])
            for a, pdg in enumerate(HIGGS_EVEN):
                table.add(parent, (NEUTRALINOS[j], pdg), w_h[:, a, i, j])
            for b, pdg in enumerate(HIGGS_ODD):
                table.add(parent, (NEUTRALINOS[j], pdg), w_a[:, b, i, j])
        for k, cha in enumerate(CHARGINOS):
            _vector_channel(table, parent, m1, mcha[k], wv.L[:, i, k], wv.R[:, i, k], "W-",
                            cha, conjugate=True)
            table.add(parent, (cha, -HIGGS_CHARGED), w_hc[:, i, k])
            table.add(parent, (-cha, HIGGS_CHARGED), w_hc[:, i, k])
        for f, coupling in v.sfermion_neutralino.items():
            if not _open(m1, mf[f], msf[f]):
                continue
            ll_rr, lr = invariants(coupling.L[:, :, i], coupling.R[:, :, i])      # (n, states)
            widths = COLOUR[f] * fermion_scalar(m1[:, None], mf[f][:, None],
                                                np.stack(msf[f], -1), ll_rr, lr)
            for s, sf_pdg in enumerate(SFERMION[f]):
                table.add(parent, (sf_pdg, -FERMION[f]), widths[:, s])
                table.add(parent, (-sf_pdg, FERMION[f]), widths[:, s])
    # charginos
    for k, parent in enumerate(CHARGINOS):
        m1 = mcha[k]
        for i in range(5):
            _vector_channel(table, parent, m1, mneu[i], wv.L[:, i, k], wv.R[:, i, k], "W+",
                            NEUTRALINOS[i])
            table.add(parent, (NEUTRALINOS[i], HIGGS_CHARGED),
                      fermion_scalar(m1, mneu[i], mhc, *invariants(hcv.L[:, i, k],
                                                                   hcv.R[:, i, k])))
        if k == 1:
            m2 = mcha[0]
            _vector_channel(table, parent, m1, m2, zc.L[:, 0, 1], zc.R[:, 0, 1], "Z",
                            CHARGINOS[0])
            for a, pdg in enumerate(HIGGS_EVEN):
                table.add(parent, (CHARGINOS[0], pdg), fermion_scalar(
                    m1, m2, mh[a], *invariants(ch.L[:, a, 0, 1], ch.R[:, a, 0, 1])))
            for b, pdg in enumerate(HIGGS_ODD):
                table.add(parent, (CHARGINOS[0], pdg), fermion_scalar(
                    m1, m2, ma[b], *invariants(ca.L[:, b, 0, 1], ca.R[:, b, 0, 1])))
        for f, coupling in v.sfermion_chargino.items():
            up = SPECIES[f][0] > 0
            partner = PARTNER[f]
            if not _open(m1, mf[partner], msf[f]):
                continue
            ll_rr, lr = invariants(coupling.L[:, :, k], coupling.R[:, :, k])
            widths = COLOUR[f] * fermion_scalar(m1[:, None], mf[partner][:, None],
                                                np.stack(msf[f], -1), ll_rr, lr)
            for s, sf_pdg in enumerate(SFERMION[f]):
                # chi+ -> up-type sfermion + anti(down partner); -> anti(down-type sf) + up partner
                daughters = (sf_pdg, -FERMION[partner]) if up else (-sf_pdg, FERMION[partner])
                table.add(parent, daughters, widths[:, s])
    # sleptons and sneutrinos
    neutral_couplings, charged_couplings = v.sfermion_neutralino, v.sfermion_chargino
    for f in (*CHARGED_LEPTONS, *SNEUTRINOS):
        for s, sf_pdg in enumerate(SFERMION[f]):
            ms = msf[f][s]
            for i in range(5):
                ll_rr, lr = invariants(neutral_couplings[f].L[:, s, i],
                                       neutral_couplings[f].R[:, s, i])
                table.add(sf_pdg, (NEUTRALINOS[i], FERMION[f]),
                          scalar_fermions(ms, mf[f], mneu[i], ll_rr, lr))
            partner = PARTNER[f]
            for k in range(2):
                ll_rr, lr = invariants(charged_couplings[f].L[:, s, k],
                                       charged_couplings[f].R[:, s, k])
                sign = 1 if f in SNEUTRINOS else -1      # snu -> l- chi+; l~- -> nu chi-
                table.add(sf_pdg, (sign * CHARGINOS[k], FERMION[partner]),
                          scalar_fermions(ms, mf[partner], mcha[k], ll_rr, lr))
    return table
