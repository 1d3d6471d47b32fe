"""Annihilation of slepton pairs into gauge bosons and fermions (slepton coannihilation).

Species (one degree of freedom each, particle and antiparticle apart): the sneutrinos
~nu_e, ~nu_mu, ~nu_tau, the charged sleptons ~e_L, ~e_R, ~mu_L, ~mu_R (no L-R mixing)
and ~tau_1, ~tau_2 (the spectrum's stau mixing), each with its conjugate (``*``); a
charged slepton is the partner of the negative lepton. Masses: those of the relic
inputs (``relic.inputs``: the tau sneutrino from M_L3, the first two generations from
the smuon and muon-sneutrino masses).

Tree-level 2 -> 2 processes in unitary gauge from the couplings of ``vertices`` (the
gauge couplings from the sleptons' quantum numbers, ``higgs_sfermion``,
``sfermion_neutralino``, ``sfermion_chargino``), every diagram with its interference
(``backends.freezeout.diagrams``, classes SS_*):

- phi_k phi_q* of one flavour (k, q the states of a sneutrino or of a charged slepton):
  W+ W- (contact; s: gamma, Z, h_i; t or u: the SU(2) partner sleptons), Z Z (contact;
  s: h_i; t, u: same-flavour sleptons), Z gamma and gamma gamma (contact; t, u), f fbar
  for every SM fermion (s: gamma, Z, h_i; t: neutralinos into the slepton's own lepton,
  charginos into its SU(2) partner); ~l_L ~l_R* of e and mu (no L-R mixing) only into
  l- l+ and nu nubar through the t channels;
- ~nu_f ~l_k* (and its CP conjugate ~l_k ~nu_f*): W+ Z, W+ gamma (contact; s: W; t, u:
  sleptons) and f fbar' for every doublet (s: W; t: neutralinos into nu_f l+).

Left out: pairs of two sleptons or two antisleptons (phi phi -> l l, nu nu through
neutralinos: Majorana exchange only, small for the higgsino- and singlino-like states
they meet), pairs of different flavours, neutralino-slepton and chargino-slepton
coannihilation, final states with Higgs bosons (Z h, W h, h h, H+ H-) and the CP-odd
and charged Higgs bosons in the s channel (they couple only through L-R mixing).
"""

from __future__ import annotations

import math

import numpy as np

from backends.freezeout import diagrams as dg
from backends.freezeout import kernels as kn
from backends.freezeout.twobody import Process, stack

from . import annihilation_inos as ai
from . import sm_inputs as sm
from .vertices import MIXING, PARTNER, SPECIES, gauge_couplings, sm_vector

FLAVOURS = ("e", "mu", "tau")
SNEUTRINOS = {"e": "~nu_e", "mu": "~nu_mu", "tau": "~nu_tau"}
CHARGED = {"e": ("~e_L", "~e_R"), "mu": ("~mu_L", "~mu_R"), "tau": ("~tau_1", "~tau_2")}
PARTICLES = (*SNEUTRINOS.values(), *(name for f in FLAVOURS for name in CHARGED[f]))
SPECIES_NAMES = (*PARTICLES, *(name + "*" for name in PARTICLES))


def _key(f: str, neutral: bool) -> str:
    """The sfermion key of ``vertices`` and of the relic inputs: 'nu_e' or 'e'."""
    return f"nu_{f}" if neutral else f


def species_masses(inp: ai.Inputs) -> np.ndarray:
    """Masses (n, 18) [GeV] of SPECIES_NAMES."""
    cols = [inp.msf[_key(f, True)][:, 0] for f in FLAVOURS]
    cols += [inp.msf[f][:, k] for f in FLAVOURS for k in range(2)]
    masses = np.stack(cols, axis=1)
    return np.concatenate([masses, masses], axis=1)


class _Gauge:
    """Gauge couplings of the states of one slepton species (arrays (n, k_in, k_out)):
    a vector V couples to a scalar line as i a (p_in + p_out), a = -C with C the
    coefficient of the field creating V in D = d + i C V (``vertices`` conventions);
    two vectors V3, V4 at one point as i <out|{C3, C4}|in> g^{mn}."""

    def __init__(self, inp: ai.Inputs, key: str):
        g, _, e, cw = gauge_couplings()
        t3, q = SPECIES[key]
        r = np.asarray(inp.vx.sfermion_mixing[key], dtype=float)       # (n, k, 2)
        left = r[:, :, None, 0] * r[:, None, :, 0]
        right = r[:, :, None, 1] * r[:, None, :, 1]
        z_left, z_right = t3 - q * sm.SW2, -q * sm.SW2
        self.mixing_left = r[:, :, 0]                                  # R_kL (n, k)
        self.charge = q
        self.z = -(g / cw) * (z_left * left + z_right * right)
        self.photon = -e * q * (left + right)
        self.zz = 2.0 * (g / cw) ** 2 * (z_left**2 * left + z_right**2 * right)
        self.z_photon = 2.0 * e * q * (g / cw) * (z_left * left + z_right * right)
        self.photon_photon = 2.0 * (e * q) ** 2 * (left + right)
        self.ww = 0.5 * g * g * left


def _mixing_left(inp: ai.Inputs, key: str) -> np.ndarray:
    return np.asarray(inp.vx.sfermion_mixing[key], dtype=float)[:, :, 0]


def neutral_pair(inp: ai.Inputs, f: str, neutral: bool, k: int, q: int
                 ) -> list[tuple[str | tuple, Process]]:
    """phi_k phi_l* of flavour f (sneutrino if ``neutral``, else the charged slepton
    states k, q) -> W+ W-, Z Z, Z gamma, gamma gamma, f fbar."""
    g, _, e, cw = gauge_couplings()
    vx = inp.vx
    key = _key(f, neutral)
    gauge = _Gauge(inp, key)
    states = [inp.msf[key][:, m].copy() for m in range(inp.msf[key].shape[1])]
    m1, m2 = states[k], states[q]
    mz, mw, zero = inp.const(sm.MZ), inp.const(sm.MW), inp.const(0.0)
    wz = inp.const(ai.WIDTH_Z)
    hsf = vx.higgs_sfermion[key][:, :, q, k]                           # (n, 3)
    hzz = math.sqrt(2.0) * sm.MZ**2 / sm.V_HIGGS
    charged = gauge.charge != 0.0
    out: list[tuple[str | tuple, Process]] = []

    def higgs(coupling_of_a) -> list:
        terms = []
        for a in range(3):
            terms += coupling_of_a(a, -hsf[:, a], inp.mh[:, a], inp.width_h[:, a])
        return terms

    def exchange(first, second) -> list:
        """t and u channels of the same-flavour states: first, second (n, k, k) the
        couplings of V3 and V4."""
        terms = []
        for m, mass in enumerate(states):
            terms += dg.sv_t_scalar(first[:, k, m], second[:, m, q], mass)
            terms += dg.sv_u_scalar(second[:, k, m], first[:, m, q], mass)
        return terms

    # L-R pairs of an unmixed flavour (e, mu) do not couple to the gauge bosons (and to
    # the Higgs bosons only through m_l, neglected): their fermion exchange remains
    couples = k == q or key in MIXING
    if couples:
        # W+ W-
        terms = dg.sv_contact(gauge.ww[:, k, q])
        terms += dg.sv_s_vector(gauge.z[:, k, q], -g * cw, mz, wz, m1, m2)
        if charged:
            terms += dg.sv_s_vector(gauge.photon[:, k, q], -e, zero, zero, m1, m2)
        terms += higgs(lambda a, c, mh, wh: dg.sv_s_scalar(c, g * sm.MW * vx.k_v[:, a], mh, wh))
        w = -(g / math.sqrt(2.0))
        partner = _key(f, not neutral)
        partner_left = _mixing_left(inp, partner)
        own_left = gauge.mixing_left
        for m in range(inp.msf[partner].shape[1]):
            mass = inp.msf[partner][:, m].copy()
            b, c = w * own_left[:, k] * partner_left[:, m], w * partner_left[:, m] * own_left[:, q]
            if neutral:   # the sneutrino emits the W+ and turns into a charged slepton
                terms += dg.sv_t_scalar(b, c, mass)
            else:         # the charged slepton emits the W- and turns into the sneutrino
                terms += dg.sv_u_scalar(b, c, mass)
        out.append(("W+ W-", Process(kn.SS_VV, (m1, m2, mw, mw), terms, 1.0)))

        # Z Z
        terms = dg.sv_contact(gauge.zz[:, k, q])
        terms += higgs(lambda a, c, mh, wh: dg.sv_s_scalar(c, hzz * vx.k_v[:, a], mh, wh))
        terms += exchange(gauge.z, gauge.z)
        out.append(("Z Z", Process(kn.SS_VV, (m1, m2, mz, mz), terms, 0.5)))

        if charged:
            terms = dg.sv_contact(gauge.z_photon[:, k, q]) + exchange(gauge.z, gauge.photon)
            out.append(("Z gamma", Process(kn.SS_VA, (m1, m2, mz, zero), terms, 1.0)))
            if k == q:
                terms = (dg.sv_contact(gauge.photon_photon[:, k, q])
                         + exchange(gauge.photon, gauge.photon))
                out.append(("gamma gamma", Process(kn.SS_AA, (m1, m2, zero, zero), terms, 0.5)))

    # f fbar
    sfn, sfc = vx.sfermion_neutralino[key], vx.sfermion_chargino[key]
    own_fermion, partner_fermion = key, PARTNER[key]

    def fermion_pair(fermion: str, kclass, with_exchange: bool) -> Process:
        mf = inp.mf[fermion]
        zf, qf = sm_vector(fermion)
        terms = []
        if couples:
            terms += dg.sf_s_vector(gauge.z[:, k, q], (zf.L, zf.R), mz, wz, m1, m2)
            if charged:
                qf = inp.const(qf).astype(complex)
                terms += dg.sf_s_vector(gauge.photon[:, k, q], (qf, qf), zero, zero, m1, m2)
            terms += higgs(lambda a, c, mh, wh: dg.sf_s_scalar(
                c, ai._yukawa_even(inp, fermion, a), mh, wh))
        if with_exchange:
            on = 1.0 if fermion == own_fermion else 0.0
            for i in range(5):
                terms += dg.sf_t_fermion(ai._scaled(ai.natural(sfn, k, i), on),
                                         ai.hc_scalar(ai.natural(sfn, q, i)), inp.mneu[:, i])
            on = 1.0 if fermion == partner_fermion else 0.0
            for j in range(2):
                terms += dg.sf_t_fermion(ai._scaled(ai.natural(sfc, k, j), on),
                                         ai.hc_scalar(ai.natural(sfc, q, j)), inp.mcha[:, j])
        colour = 3.0 if fermion in ai.QUARKS else 1.0
        return Process(kclass, (m1, m2, mf, mf), terms, colour)

    # one stack per kernel class and with or without the t channels (only the slepton's
    # own lepton and its SU(2) partner have them)
    exchanged = {own_fermion, partner_fermion}
    for group, kclass in ((ai.HEAVY, kn.SS_FF),
                          ([x for x in SPECIES if x not in ai.HEAVY], kn.SS_ff)):
        for with_exchange in (False, True):
            members = [x for x in group if (x in exchanged) == with_exchange]
            if members and (couples or with_exchange):
                out.append((tuple(" ".join(ai.FERMION_NAMES[x]) for x in members),
                            stack([fermion_pair(x, kclass, with_exchange) for x in members])))
    return out


def charged_current(inp: ai.Inputs, f: str, k: int) -> list[tuple[str | tuple, Process]]:
    """~nu_f ~l_k* -> W+ Z, W+ gamma, f fbar' (charge +1; ~l_k ~nu_f* by CP)."""
    g, _, e, cw = gauge_couplings()
    vx = inp.vx
    charged = _Gauge(inp, f)
    sneutrino = _Gauge(inp, _key(f, True))
    states = [inp.msf[f][:, m].copy() for m in range(2)]
    m1, m2 = inp.msf[_key(f, True)][:, 0].copy(), states[k]
    mz, mw, zero = inp.const(sm.MZ), inp.const(sm.MW), inp.const(0.0)
    ww = inp.const(ai.WIDTH_W)
    w = -(g / math.sqrt(2.0))
    left = charged.mixing_left                                         # (n, 2)
    a_w = w * left[:, k]
    out: list[tuple[str | tuple, Process]] = []

    # W+ Z: contact <l_k|{C_W, C_Z}|nu> = (g/sqrt2)(g/c_W) s_W^2 R_kL
    terms = dg.sv_contact((g / math.sqrt(2.0)) * (g / cw) * sm.SW2 * left[:, k])
    terms += dg.sv_s_vector(a_w, g * cw, mw, ww, m1, m2)
    for m, mass in enumerate(states):
        terms += dg.sv_t_scalar(w * left[:, m], charged.z[:, m, k], mass)
    terms += dg.sv_u_scalar(sneutrino.z[:, 0, 0], a_w, m1)
    out.append(("W+ Z", Process(kn.SS_VV, (m1, m2, mw, mz), terms, 1.0)))

    # W+ gamma: contact (g/sqrt2) e Q R_kL
    terms = dg.sv_contact(-(g / math.sqrt(2.0)) * e * left[:, k])
    terms += dg.sv_s_vector(a_w, e, mw, ww, m1, m2)
    terms += dg.sv_t_scalar(a_w, charged.photon[:, k, k], m2)
    out.append(("W+ gamma", Process(kn.SS_VA, (m1, m2, mw, zero), terms, 1.0)))

    # f fbar' through the W and, for nu_f l_f+, neutralinos
    sfn_nu, sfn_l = vx.sfermion_neutralino[_key(f, True)], vx.sfermion_neutralino[f]
    lepton_pair = (_key(f, True), f)

    def doublet(up: str, down: str, kclass) -> Process:
        terms = dg.sf_s_vector(a_w, (inp.const(w).astype(complex), zero.astype(complex)),
                               mw, ww, m1, m2)
        if (up, down) == lepton_pair:
            for i in range(5):
                terms += dg.sf_t_fermion(ai.natural(sfn_nu, 0, i),
                                         ai.hc_scalar(ai.natural(sfn_l, k, i)), inp.mneu[:, i])
        colour = 3.0 if up in ai.QUARKS else 1.0
        return Process(kclass, (m1, m2, inp.mf[up], inp.mf[down]), terms, colour)

    heavy = [d for d in ai.DOUBLETS if d[0] in ai.HEAVY or d[1] in ai.HEAVY]
    light = [d for d in ai.DOUBLETS if d not in heavy]
    for group, kclass in ((heavy, kn.SS_FF), (light, kn.SS_ff)):
        # the lepton doublet of the flavour (neutralino exchange) in a process of its own
        for members in ([d for d in group if d != lepton_pair],
                        [d for d in group if d == lepton_pair]):
            if members:
                out.append((tuple(f"{ai.FERMION_NAMES[u][0]} {ai.FERMION_NAMES[d][1]}"
                                  for u, d in members),
                            stack([doublet(u, d, kclass) for u, d in members])))
    return out


def pair_types() -> list[tuple[int, int, object, bool, bool]]:
    """(i, j, builder, conjugate, charged) of every slepton pair, i <= j indices into
    SPECIES_NAMES; ``conjugate``: the channel names are the CP conjugates of the
    builder's; ``charged``: a pair of charge +-1 (W and H+ resonances)."""
    index = {name: n for n, name in enumerate(SPECIES_NAMES)}
    out = []
    for f in FLAVOURS:
        nu, nu_bar = index[SNEUTRINOS[f]], index[SNEUTRINOS[f] + "*"]
        out.append((nu, nu_bar, lambda inp, f=f: neutral_pair(inp, f, True, 0, 0),
                    False, False))
        for k, name_k in enumerate(CHARGED[f]):
            for q, name_q in enumerate(CHARGED[f]):
                lo, hi = min(k, q), max(k, q)   # k > q: the CP conjugate of (q, k)

                def build(inp, f=f, lo=lo, hi=hi):
                    return neutral_pair(inp, f, False, lo, hi)
                out.append((index[name_k], index[name_q + "*"], build, False, False))
        for k, name_k in enumerate(CHARGED[f]):
            def build(inp, f=f, k=k):
                return charged_current(inp, f, k)
            out.append((nu, index[name_k + "*"], build, False, True))
            out.append((index[name_k], nu_bar, build, True, True))
    return out
