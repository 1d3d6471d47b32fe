"""Annihilation of neutralino and chargino pairs into Standard-Model and Higgs states.

Tree-level 2 -> 2 processes in unitary gauge, every diagram with its interference, from
the couplings of ``vertices`` (``backends.freezeout.diagrams`` turns the Feynman rules
into the couplings of the kernels' structures). The initial fermion line runs from
particle 1 (u spinor) to particle 2 (vbar spinor): chi0_i chi0_j with chi0_i first,
chi+_k chi0_i with the chargino first (chi-_k chi0_i by CP), chi+_k chi-_q, chi+_k chi+_q.
Vertices along that line are the Lagrangian's (``natural``), its hermitian conjugate
(``hc_scalar``, ``hc_vector``) or, for a flow against a Dirac fermion's number or
through a Majorana vertex the other way, the charge-conjugate vertex (``cc_vector``;
scalar vertices keep their couplings).

Channels: chi0 chi0 -> f fbar (s: Z, h_i, a_j; t, u: sfermions), W+ W- (s: Z, h_i; t, u:
charginos), Z Z, Z h_i, Z a_j, h_i h_j, h_i a_j, a_i a_j, H+ H-, W+- H-+ (s: Higgs
bosons, Z; t, u: neutralinos or charginos); chi+ chi0 -> f fbar' (s: W, H+; t, u:
sfermions), W+ Z, W+ gamma, W+ h_i, W+ a_j, H+ Z, H+ gamma, H+ h_i, H+ a_j; chi+ chi- ->
f fbar (s: gamma, Z, h_i, a_j; t: sfermions), W+ W-, Z Z, Z gamma, gamma gamma, Z h_i,
Z a_j, h_i h_j, h_i a_j, a_i a_j, H+ H-, W+- H-+; chi+ chi+ -> W+ W+, W+ H+, H+ H+
(t, u: neutralinos).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from backends.freezeout import diagrams as dg
from backends.freezeout import kernels as kn
from backends.freezeout.twobody import Process, stack

from . import sm_inputs as sm
from .vertices import SPECIES, Chiral, Vertices, gauge_couplings, sm_vector

#: Z and W total widths [GeV] (PDG 2024)
WIDTH_Z, WIDTH_W = 2.4955, 2.085
QUARKS = ("u", "d", "s", "c", "b", "t")
#: channel names of the final fermions (particle, antiparticle)
FERMION_NAMES = {"u": ("u", "u~"), "d": ("d", "d~"), "s": ("s", "s~"), "c": ("c", "c~"),
                 "b": ("b", "b~"), "t": ("t", "t~"), "e": ("e-", "e+"),
                 "mu": ("mu-", "mu+"), "tau": ("tau-", "tau+"), "nu_e": ("nu_e", "nu_e~"),
                 "nu_mu": ("nu_mu", "nu_mu~"), "nu_tau": ("nu_tau", "nu_tau~")}
#: fermions whose masses matter (Higgs Yukawas, the Goldstone part of the Z and W
#: propagators): massive kernels; the others use the kernels of massless final fermions
HEAVY = ("t", "b", "c", "tau")
#: SU(2) doublets (up-type member, down-type member) for the charged currents
DOUBLETS = (("u", "d"), ("c", "s"), ("t", "b"), ("nu_e", "e"), ("nu_mu", "mu"),
            ("nu_tau", "tau"))


def natural(c: Chiral, *index) -> tuple:
    """(L, R) of a coupling along the Lagrangian term's own flow."""
    sel = (slice(None), *index)
    return c.L[sel], c.R[sel]


def hc_scalar(pair) -> tuple:
    """The hermitian-conjugate scalar vertex: (L P_L + R P_R)^bar = R* P_L + L* P_R."""
    return np.conj(pair[1]), np.conj(pair[0])


def hc_vector(pair) -> tuple:
    """The hermitian-conjugate vector vertex: gamma (L* P_L + R* P_R)."""
    return np.conj(pair[0]), np.conj(pair[1])


def cc_vector(pair) -> tuple:
    """The charge-conjugate vector vertex C (gamma (L P_L + R P_R))^T C^-1 = gamma (-R P_L
    - L P_R)."""
    return -pair[1], -pair[0]


@dataclass
class Inputs:
    """Per-point masses [GeV] (neutralinos signed), widths and couplings of a batch."""

    vx: Vertices
    mneu: np.ndarray          # (n, 5)
    mcha: np.ndarray          # (n, 2)
    mh: np.ndarray            # (n, 3)
    ma: np.ndarray            # (n, 2)
    mhc: np.ndarray           # (n,)
    width_h: np.ndarray       # (n, 3)
    width_a: np.ndarray       # (n, 2)
    width_hc: np.ndarray      # (n,)
    msf: dict                 # species -> (n, k) sfermion masses
    mf: dict                  # species -> (n,) kinematic masses
    yukawa_mass: dict         # species -> (n,) masses in the Higgs Yukawas

    @property
    def n(self) -> int:
        return self.mneu.shape[0]

    def const(self, value: float) -> np.ndarray:
        return np.full(self.n, float(value))


def _yukawa_even(inp: Inputs, f: str, a: int) -> tuple:
    """h_a f fbar: L ⊃ -(m_f/(sqrt2 v)) k_a h_a fbar f."""
    up = SPECIES[f][0] > 0
    k = (inp.vx.k_up if up else inp.vx.k_down)[:, a]
    y = -inp.yukawa_mass[f] / (math.sqrt(2.0) * sm.V_HIGGS) * k
    return y.astype(complex), y.astype(complex)


def _yukawa_odd(inp: Inputs, f: str, b: int) -> tuple:
    """a_b f fbar: L ⊃ i (m_f/(sqrt2 v)) ka_b a_b fbar gamma5 f, gamma5 = P_R - P_L."""
    up = SPECIES[f][0] > 0
    k = (inp.vx.ka_up if up else inp.vx.ka_down)[:, b]
    y = inp.yukawa_mass[f] / (math.sqrt(2.0) * sm.V_HIGGS) * k
    return -1j * y, 1j * y


def _charged_yukawa(inp: Inputs, up: str, down: str) -> tuple:
    """H+ ubar ((m_u/(v tan b)) P_L + (m_d tan b/v) P_R) d."""
    tanb = inp.vx.sb / inp.vx.cb
    return ((inp.yukawa_mass[up] / (sm.V_HIGGS * tanb)).astype(complex),
            (inp.yukawa_mass[down] * tanb / sm.V_HIGGS).astype(complex))


def _sfermion_states(inp: Inputs, f: str):
    """The two sfermion states of species f as (state, on, mass): sneutrinos have one, its
    second copy switched off (so that every flavour has the same terms)."""
    n_states = inp.msf[f].shape[1]
    return [(min(k, n_states - 1), 1.0 if k < n_states else 0.0,
             inp.msf[f][:, min(k, n_states - 1)]) for k in range(2)]


def _scaled(pair, on: float) -> tuple:
    return pair[0] * on, pair[1] * on


def _factor(inp: Inputs, spins: float, colour: float = 1.0, identical: bool = False):
    return colour / spins * (0.5 if identical else 1.0)


# ------------------------------------------------------------------------ chi0 chi0

def neutralino_pair(inp: Inputs, i: int, j: int) -> list[tuple[str, Process]]:
    """chi0_i chi0_j -> everything open at tree level: (channel name, process) pairs."""
    vx = inp.vx
    g, _, _, cw = gauge_couplings()
    mz, mw = inp.const(sm.MZ), inp.const(sm.MW)
    wz = inp.const(WIDTH_Z)
    m1, m2 = inp.mneu[:, i], inp.mneu[:, j]
    z_ji = natural(vx.z_neutralino, j, i)
    h_ji = [natural(vx.neutralino_h, a, j, i) for a in range(3)]
    a_ji = [natural(vx.neutralino_a, b, j, i) for b in range(2)]
    out: list[tuple[str, Process]] = []

    # f fbar
    def fermion_pair(f: str, kclass) -> Process:
        mf = inp.mf[f]
        zf, _ = sm_vector(f)
        terms = dg.ff_s_vector(z_ji, (zf.L, zf.R), mz, wz)
        for a in range(3):
            terms += dg.ff_s_scalar(h_ji[a], _yukawa_even(inp, f, a), inp.mh[:, a],
                                    inp.width_h[:, a])
        for b in range(2):
            terms += dg.ff_s_scalar(a_ji[b], _yukawa_odd(inp, f, b), inp.ma[:, b],
                                    inp.width_a[:, b])
        sfn = vx.sfermion_neutralino[f]
        for k, on, msf in _sfermion_states(inp, f):
            c_i, c_j = _scaled(natural(sfn, k, i), on), _scaled(natural(sfn, k, j), on)
            terms += dg.ff_t_scalar(c_i, hc_scalar(c_j), msf)
            terms += dg.ff_u_scalar(c_j, hc_scalar(c_i), msf)
        colour = 3.0 if f in QUARKS else 1.0
        return Process(kclass, (m1, m2, mf, mf), terms, _factor(inp, 4, colour))

    for group, kclass in ((HEAVY, kn.FF_FF), ([f for f in SPECIES if f not in HEAVY],
                                              kn.FF_ff)):
        out.append((tuple(" ".join(FERMION_NAMES[f]) for f in group),
                    stack([fermion_pair(f, kclass) for f in group])))

    w = vx.w_neutralino_chargino
    hcn = vx.hc_neutralino_chargino
    zn = vx.z_neutralino

    # W+ W-
    terms = dg.vv_s_vector(z_ji, -g * cw, mz, wz)
    for a in range(3):
        terms += dg.vv_s_scalar(h_ji[a], g * sm.MW * vx.k_v[:, a], inp.mh[:, a],
                                inp.width_h[:, a])
    for k in range(2):
        mc = inp.mcha[:, k]
        terms += dg.vv_t_fermion(cc_vector(natural(w, i, k)),
                                 cc_vector(hc_vector(natural(w, j, k))), mc)
        terms += dg.vv_u_fermion(hc_vector(natural(w, i, k)), natural(w, j, k), mc)
    out.append(("W+ W-", Process(kn.FF_VV, (m1, m2, mw, mw), terms, _factor(inp, 4))))

    # Z Z
    hzz = math.sqrt(2.0) * sm.MZ**2 / sm.V_HIGGS
    terms = []
    for a in range(3):
        terms += dg.vv_s_scalar(h_ji[a], hzz * vx.k_v[:, a], inp.mh[:, a], inp.width_h[:, a])
    for k in range(5):
        mk = inp.mneu[:, k]
        terms += dg.vv_t_fermion(natural(zn, k, i), natural(zn, j, k), mk)
        terms += dg.vv_u_fermion(natural(zn, k, i), natural(zn, j, k), mk)
    out.append(("Z Z", Process(kn.FF_VV, (m1, m2, mz, mz), terms,
                               _factor(inp, 4, identical=True))))

    zha = (g / (2 * cw)) * vx.zha  # (n, 3, 2)
    # Z h_a
    for a in range(3):
        terms = dg.vs_s_vector(z_ji, hzz * vx.k_v[:, a], mz, wz)
        for b in range(2):
            terms += dg.vs_s_scalar(a_ji[b], -1j * zha[:, a, b], inp.ma[:, b],
                                    inp.width_a[:, b])
        for k in range(5):
            mk = inp.mneu[:, k]
            terms += dg.vs_t_fermion(natural(zn, k, i), natural(vx.neutralino_h, a, j, k), mk)
            terms += dg.vs_u_fermion(natural(vx.neutralino_h, a, k, i), natural(zn, j, k), mk)
        out.append((f"Z h{a + 1}", Process(kn.FF_VS, (m1, m2, mz, inp.mh[:, a]), terms,
                                           _factor(inp, 4))))
    # Z a_b
    for b in range(2):
        terms = []
        for a in range(3):
            terms += dg.vs_s_scalar(h_ji[a], 1j * zha[:, a, b], inp.mh[:, a],
                                    inp.width_h[:, a])
        for k in range(5):
            mk = inp.mneu[:, k]
            terms += dg.vs_t_fermion(natural(zn, k, i), natural(vx.neutralino_a, b, j, k), mk)
            terms += dg.vs_u_fermion(natural(vx.neutralino_a, b, k, i), natural(zn, j, k), mk)
        out.append((f"Z a{b + 1}", Process(kn.FF_VS, (m1, m2, mz, inp.ma[:, b]), terms,
                                           _factor(inp, 4))))

    # Higgs pairs: h_a h_b, h_a a_b, a_a a_b
    out += _neutral_scalar_pairs(inp, i, j, h_ji, a_ji, z_ji, zha)

    # H+ H-
    czh = (g / cw) * (0.5 - sm.SW2)
    terms = dg.ss_s_vector(z_ji, -czh, mz, wz, inp.mhc, inp.mhc)
    for a in range(3):
        terms += dg.ss_s_scalar(h_ji[a], -vx.hcc[:, a], inp.mh[:, a], inp.width_h[:, a])
    for k in range(2):
        mc = inp.mcha[:, k]
        terms += dg.ss_t_fermion(natural(hcn, i, k), hc_scalar(natural(hcn, j, k)), mc)
        terms += dg.ss_u_fermion(hc_scalar(natural(hcn, i, k)), natural(hcn, j, k), mc)
    out.append(("H+ H-", Process(kn.FF_SS, (m1, m2, inp.mhc, inp.mhc), terms,
                                 _factor(inp, 4))))

    # W+ H- (and its CP conjugate W- H+, equal: a factor 2 in the channel)
    terms = []
    for a in range(3):
        terms += dg.vs_s_scalar(h_ji[a], -(g / 2) * vx.whh[:, a], inp.mh[:, a],
                                inp.width_h[:, a])
    for b in range(2):
        terms += dg.vs_s_scalar(a_ji[b], -1j * (g / 2) * vx.wha[:, b], inp.ma[:, b],
                                inp.width_a[:, b])
    for k in range(2):
        mc = inp.mcha[:, k]
        terms += dg.vs_t_fermion(cc_vector(natural(w, i, k)),
                                 hc_scalar(natural(hcn, j, k)), mc)
        terms += dg.vs_u_fermion(hc_scalar(natural(hcn, i, k)), natural(w, j, k), mc)
    out.append(("W+- H-+", Process(kn.FF_VS, (m1, m2, mw, inp.mhc), terms,
                                   2 * _factor(inp, 4))))
    return out


def _neutral_scalar_pairs(inp: Inputs, i, j, h_ji, a_ji, z_ji, zha) -> list:
    vx = inp.vx
    m1, m2 = inp.mneu[:, i], inp.mneu[:, j]
    mz, wz = inp.const(sm.MZ), inp.const(WIDTH_Z)
    nh, na = vx.neutralino_h, vx.neutralino_a
    out = []

    def fermion_exchange(c3, c4):
        """t and u channels of neutralinos k; c3(x, y), c4(x, y): the couplings of the
        final scalars 3 and 4 for the flow y -> x."""
        terms = []
        for k in range(5):
            mk = inp.mneu[:, k]
            terms += dg.ss_t_fermion(c3(k, i), c4(j, k), mk)
            terms += dg.ss_u_fermion(c4(k, i), c3(j, k), mk)
        return terms

    for a in range(3):
        for b in range(a, 3):
            terms = []
            for c in range(3):
                terms += dg.ss_s_scalar(h_ji[c], -vx.hhh[:, c, a, b], inp.mh[:, c],
                                        inp.width_h[:, c])
            terms += fermion_exchange(lambda x, y, a=a: natural(nh, a, x, y),
                                      lambda x, y, b=b: natural(nh, b, x, y))
            out.append((f"h{a + 1} h{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.mh[:, a], inp.mh[:, b]), terms,
                                _factor(inp, 4, identical=a == b))))
    for a in range(3):
        for b in range(2):
            terms = dg.ss_s_vector(z_ji, -1j * zha[:, a, b], mz, wz, inp.mh[:, a],
                                   inp.ma[:, b])
            for c in range(2):
                terms += dg.ss_s_scalar(a_ji[c], -vx.haa[:, a, c, b], inp.ma[:, c],
                                        inp.width_a[:, c])
            terms += fermion_exchange(lambda x, y, a=a: natural(nh, a, x, y),
                                      lambda x, y, b=b: natural(na, b, x, y))
            out.append((f"h{a + 1} a{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.mh[:, a], inp.ma[:, b]), terms,
                                _factor(inp, 4))))
    for a in range(2):
        for b in range(a, 2):
            terms = []
            for c in range(3):
                terms += dg.ss_s_scalar(h_ji[c], -vx.haa[:, c, a, b], inp.mh[:, c],
                                        inp.width_h[:, c])
            terms += fermion_exchange(lambda x, y, a=a: natural(na, a, x, y),
                                      lambda x, y, b=b: natural(na, b, x, y))
            out.append((f"a{a + 1} a{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.ma[:, a], inp.ma[:, b]), terms,
                                _factor(inp, 4, identical=a == b))))
    return out


# ------------------------------------------------------------------------ chi+ chi0

def _photon(inp: Inputs) -> tuple:
    """gamma chi+ chi+: L ⊃ -e A Psibar gamma Psi."""
    e = gauge_couplings()[2]
    return inp.const(-e).astype(complex), inp.const(-e).astype(complex)


def chargino_neutralino(inp: Inputs, k: int, i: int) -> list[tuple[str, Process]]:
    """chi+_k chi0_i -> final states of charge +1 (chi-_k chi0_i: the CP conjugates)."""
    vx = inp.vx
    g, _, e, cw = gauge_couplings()
    mz, mw = inp.const(sm.MZ), inp.const(sm.MW)
    ww = inp.const(WIDTH_W)
    zero = inp.const(0.0)
    m1, m2 = inp.mcha[:, k], inp.mneu[:, i]
    w, hcn, zn, zc = (vx.w_neutralino_chargino, vx.hc_neutralino_chargino,
                      vx.z_neutralino, vx.z_chargino)
    w_ik, h_ik = natural(w, i, k), natural(hcn, i, k)
    out: list[tuple[str, Process]] = []

    # f_up fbar_down through W+, H+ and sfermions
    def doublet(up: str, down: str, kclass) -> Process:
        yuk = _charged_yukawa(inp, up, down)
        terms = dg.ff_s_vector(w_ik, (inp.const(-g / math.sqrt(2.0)).astype(complex),
                                      zero.astype(complex)), mw, ww)
        terms += dg.ff_s_scalar(h_ik, yuk, inp.mhc, inp.width_hc)
        sfc_d, sfn_d = vx.sfermion_chargino[down], vx.sfermion_neutralino[down]
        for m, on, msf in _sfermion_states(inp, down):
            terms += dg.ff_t_scalar(_scaled(natural(sfc_d, m, k), on),
                                    hc_scalar(natural(sfn_d, m, i)), msf)
        sfc_u, sfn_u = vx.sfermion_chargino[up], vx.sfermion_neutralino[up]
        for m, on, msf in _sfermion_states(inp, up):
            terms += dg.ff_u_scalar(_scaled(natural(sfn_u, m, i), on),
                                    hc_scalar(natural(sfc_u, m, k)), msf)
        colour = 3.0 if up in QUARKS else 1.0
        return Process(kclass, (m1, m2, inp.mf[up], inp.mf[down]), terms,
                       _factor(inp, 4, colour))

    def doublet_name(up, down):
        return f"{FERMION_NAMES[up][0]} {FERMION_NAMES[down][1]}"

    heavy = [d for d in DOUBLETS if d[0] in HEAVY or d[1] in HEAVY]
    light = [d for d in DOUBLETS if d not in heavy]
    for group, kclass in ((heavy, kn.FF_FF), (light, kn.FF_ff)):
        out.append((tuple(doublet_name(*d) for d in group),
                    stack([doublet(*d, kclass) for d in group])))

    # W+ Z and W+ gamma
    terms = dg.vv_s_vector(w_ik, g * cw, mw, ww)
    for n in range(5):
        terms += dg.vv_t_fermion(natural(w, n, k), natural(zn, i, n), inp.mneu[:, n])
    for m in range(2):
        terms += dg.vv_u_fermion(natural(zc, m, k), natural(w, i, m), inp.mcha[:, m])
    out.append(("W+ Z", Process(kn.FF_VV, (m1, m2, mw, mz), terms, _factor(inp, 4))))
    terms = dg.vv_s_vector(w_ik, e, mw, ww)
    terms += dg.vv_u_fermion(_photon(inp), natural(w, i, k), m1)
    out.append(("W+ gamma", Process(kn.FF_VA, (m1, m2, mw, zero), terms, _factor(inp, 4))))

    # W+ h_a, W+ a_b
    for a in range(3):
        terms = dg.vs_s_vector(w_ik, g * sm.MW * vx.k_v[:, a], mw, ww)
        terms += dg.vs_s_scalar(h_ik, (g / 2) * vx.whh[:, a], inp.mhc, inp.width_hc)
        for n in range(5):
            terms += dg.vs_t_fermion(natural(w, n, k), natural(vx.neutralino_h, a, i, n),
                                     inp.mneu[:, n])
        for m in range(2):
            terms += dg.vs_u_fermion(natural(vx.chargino_h, a, m, k), natural(w, i, m),
                                     inp.mcha[:, m])
        out.append((f"W+ h{a + 1}", Process(kn.FF_VS, (m1, m2, mw, inp.mh[:, a]), terms,
                                            _factor(inp, 4))))
    for b in range(2):
        terms = dg.vs_s_scalar(h_ik, 1j * (g / 2) * vx.wha[:, b], inp.mhc, inp.width_hc)
        for n in range(5):
            terms += dg.vs_t_fermion(natural(w, n, k), natural(vx.neutralino_a, b, i, n),
                                     inp.mneu[:, n])
        for m in range(2):
            terms += dg.vs_u_fermion(natural(vx.chargino_a, b, m, k), natural(w, i, m),
                                     inp.mcha[:, m])
        out.append((f"W+ a{b + 1}", Process(kn.FF_VS, (m1, m2, mw, inp.ma[:, b]), terms,
                                            _factor(inp, 4))))

    # Z H+ and gamma H+
    czh = (g / cw) * (0.5 - sm.SW2)
    terms = dg.vs_s_scalar(h_ik, -czh, inp.mhc, inp.width_hc)
    for m in range(2):
        terms += dg.vs_t_fermion(natural(zc, m, k), natural(hcn, i, m), inp.mcha[:, m])
    for n in range(5):
        terms += dg.vs_u_fermion(natural(hcn, n, k), natural(zn, i, n), inp.mneu[:, n])
    out.append(("Z H+", Process(kn.FF_VS, (m1, m2, mz, inp.mhc), terms, _factor(inp, 4))))
    terms = dg.vs_s_scalar(h_ik, -e, inp.mhc, inp.width_hc)
    terms += dg.vs_t_fermion(_photon(inp), natural(hcn, i, k), m1)
    out.append(("gamma H+", Process(kn.FF_AS, (m1, m2, zero, inp.mhc), terms,
                                    _factor(inp, 4))))

    # H+ h_a, H+ a_b
    for a in range(3):
        terms = dg.ss_s_scalar(h_ik, -vx.hcc[:, a], inp.mhc, inp.width_hc)
        terms += dg.ss_s_vector(w_ik, (g / 2) * vx.whh[:, a], mw, ww, inp.mhc, inp.mh[:, a])
        for n in range(5):
            terms += dg.ss_t_fermion(natural(hcn, n, k), natural(vx.neutralino_h, a, i, n),
                                     inp.mneu[:, n])
        for m in range(2):
            terms += dg.ss_u_fermion(natural(vx.chargino_h, a, m, k), natural(hcn, i, m),
                                     inp.mcha[:, m])
        out.append((f"H+ h{a + 1}", Process(kn.FF_SS, (m1, m2, inp.mhc, inp.mh[:, a]), terms,
                                            _factor(inp, 4))))
    for b in range(2):
        terms = dg.ss_s_vector(w_ik, -1j * (g / 2) * vx.wha[:, b], mw, ww, inp.mhc,
                               inp.ma[:, b])
        for n in range(5):
            terms += dg.ss_t_fermion(natural(hcn, n, k), natural(vx.neutralino_a, b, i, n),
                                     inp.mneu[:, n])
        for m in range(2):
            terms += dg.ss_u_fermion(natural(vx.chargino_a, b, m, k), natural(hcn, i, m),
                                     inp.mcha[:, m])
        out.append((f"H+ a{b + 1}", Process(kn.FF_SS, (m1, m2, inp.mhc, inp.ma[:, b]), terms,
                                            _factor(inp, 4))))
    return out


# ------------------------------------------------------------------------ chi+ chi-

def chargino_pair(inp: Inputs, k: int, q: int) -> list[tuple[str, Process]]:
    """chi+_k chi-_q -> neutral final states."""
    vx = inp.vx
    g, _, e, cw = gauge_couplings()
    mz, mw = inp.const(sm.MZ), inp.const(sm.MW)
    wz = inp.const(WIDTH_Z)
    zero = inp.const(0.0)
    m1, m2 = inp.mcha[:, k], inp.mcha[:, q]
    w, hcn, zc = vx.w_neutralino_chargino, vx.hc_neutralino_chargino, vx.z_chargino
    ch, ca = vx.chargino_h, vx.chargino_a
    gam = _photon(inp) if k == q else (zero.astype(complex), zero.astype(complex))
    z_qk = natural(zc, q, k)
    h_qk = [natural(ch, a, q, k) for a in range(3)]
    a_qk = [natural(ca, b, q, k) for b in range(2)]
    zha = (g / (2 * cw)) * vx.zha
    hzz = math.sqrt(2.0) * sm.MZ**2 / sm.V_HIGGS
    out: list[tuple[str, Process]] = []

    # f fbar
    partner_down = {up: down for up, down in DOUBLETS}
    partner_up = {down: up for up, down in DOUBLETS}

    def fermion_pair(f: str, kclass) -> Process:
        mf = inp.mf[f]
        zf, qf = sm_vector(f)
        terms = dg.ff_s_vector(z_qk, (zf.L, zf.R), mz, wz)
        terms += dg.ff_s_vector(gam, (inp.const(qf).astype(complex),
                                      inp.const(qf).astype(complex)), zero, zero)
        for a in range(3):
            terms += dg.ff_s_scalar(h_qk[a], _yukawa_even(inp, f, a), inp.mh[:, a],
                                    inp.width_h[:, a])
        for b in range(2):
            terms += dg.ff_s_scalar(a_qk[b], _yukawa_odd(inp, f, b), inp.ma[:, b],
                                    inp.width_a[:, b])
        up = SPECIES[f][0] > 0
        partner = partner_down[f] if up else partner_up[f]
        sfc = vx.sfermion_chargino[partner]
        for m, on, msf in _sfermion_states(inp, partner):
            # up-type f: t channel of the down-type sfermion; down-type: u channel
            zero_pair = (0.0 * msf, 0.0 * msf)
            if up:
                terms += dg.ff_t_scalar(_scaled(natural(sfc, m, k), on),
                                        hc_scalar(natural(sfc, m, q)), msf)
                terms += dg.ff_u_scalar(zero_pair, zero_pair, msf)
            else:
                terms += dg.ff_t_scalar(zero_pair, zero_pair, msf)
                terms += dg.ff_u_scalar(_scaled(natural(sfc, m, q), on),
                                        hc_scalar(natural(sfc, m, k)), msf)
        colour = 3.0 if f in QUARKS else 1.0
        return Process(kclass, (m1, m2, mf, mf), terms, _factor(inp, 4, colour))

    for group, kclass in ((HEAVY, kn.FF_FF), ([f for f in SPECIES if f not in HEAVY],
                                              kn.FF_ff)):
        out.append((tuple(" ".join(FERMION_NAMES[f]) for f in group),
                    stack([fermion_pair(f, kclass) for f in group])))

    # W+ W-
    terms = dg.vv_s_vector(z_qk, -g * cw, mz, wz)
    if k == q:
        terms += dg.vv_s_vector(gam, -e, zero, zero)
    for a in range(3):
        terms += dg.vv_s_scalar(h_qk[a], g * sm.MW * vx.k_v[:, a], inp.mh[:, a],
                                inp.width_h[:, a])
    for n in range(5):
        terms += dg.vv_t_fermion(natural(w, n, k), hc_vector(natural(w, n, q)),
                                 inp.mneu[:, n])
    out.append(("W+ W-", Process(kn.FF_VV, (m1, m2, mw, mw), terms, _factor(inp, 4))))

    # Z Z, Z gamma, gamma gamma
    terms = []
    for a in range(3):
        terms += dg.vv_s_scalar(h_qk[a], hzz * vx.k_v[:, a], inp.mh[:, a], inp.width_h[:, a])
    for m in range(2):
        terms += dg.vv_t_fermion(natural(zc, m, k), natural(zc, q, m), inp.mcha[:, m])
        terms += dg.vv_u_fermion(natural(zc, m, k), natural(zc, q, m), inp.mcha[:, m])
    out.append(("Z Z", Process(kn.FF_VV, (m1, m2, mz, mz), terms,
                               _factor(inp, 4, identical=True))))
    photon = _photon(inp)
    terms = dg.vv_t_fermion(natural(zc, q, k), photon, m2)
    terms += dg.vv_u_fermion(photon, natural(zc, q, k), m1)
    out.append(("Z gamma", Process(kn.FF_VA, (m1, m2, mz, zero), terms, _factor(inp, 4))))
    if k == q:
        terms = dg.vv_t_fermion(photon, photon, m1)
        terms += dg.vv_u_fermion(photon, photon, m1)
        out.append(("gamma gamma", Process(kn.FF_AA, (m1, m2, zero, zero), terms,
                                           _factor(inp, 4, identical=True))))

    # Z h_a, Z a_b
    for a in range(3):
        terms = dg.vs_s_vector(z_qk, hzz * vx.k_v[:, a], mz, wz)
        for b in range(2):
            terms += dg.vs_s_scalar(a_qk[b], -1j * zha[:, a, b], inp.ma[:, b],
                                    inp.width_a[:, b])
        for m in range(2):
            terms += dg.vs_t_fermion(natural(zc, m, k), natural(ch, a, q, m), inp.mcha[:, m])
            terms += dg.vs_u_fermion(natural(ch, a, m, k), natural(zc, q, m), inp.mcha[:, m])
        out.append((f"Z h{a + 1}", Process(kn.FF_VS, (m1, m2, mz, inp.mh[:, a]), terms,
                                           _factor(inp, 4))))
    for b in range(2):
        terms = []
        for a in range(3):
            terms += dg.vs_s_scalar(h_qk[a], 1j * zha[:, a, b], inp.mh[:, a],
                                    inp.width_h[:, a])
        for m in range(2):
            terms += dg.vs_t_fermion(natural(zc, m, k), natural(ca, b, q, m), inp.mcha[:, m])
            terms += dg.vs_u_fermion(natural(ca, b, m, k), natural(zc, q, m), inp.mcha[:, m])
        out.append((f"Z a{b + 1}", Process(kn.FF_VS, (m1, m2, mz, inp.ma[:, b]), terms,
                                           _factor(inp, 4))))

    # neutral Higgs pairs through charginos
    out += _chargino_scalar_pairs(inp, k, q, h_qk, a_qk, z_qk, zha)

    # H+ H-
    czh = (g / cw) * (0.5 - sm.SW2)
    terms = dg.ss_s_vector(z_qk, -czh, mz, wz, inp.mhc, inp.mhc)
    if k == q:
        terms += dg.ss_s_vector(gam, -e, zero, zero, inp.mhc, inp.mhc)
    for a in range(3):
        terms += dg.ss_s_scalar(h_qk[a], -vx.hcc[:, a], inp.mh[:, a], inp.width_h[:, a])
    for n in range(5):
        terms += dg.ss_t_fermion(natural(hcn, n, k), hc_scalar(natural(hcn, n, q)),
                                 inp.mneu[:, n])
    out.append(("H+ H-", Process(kn.FF_SS, (m1, m2, inp.mhc, inp.mhc), terms,
                                 _factor(inp, 4))))

    # W+ H- and W- H+
    terms = []
    for a in range(3):
        terms += dg.vs_s_scalar(h_qk[a], -(g / 2) * vx.whh[:, a], inp.mh[:, a],
                                inp.width_h[:, a])
    for b in range(2):
        terms += dg.vs_s_scalar(a_qk[b], -1j * (g / 2) * vx.wha[:, b], inp.ma[:, b],
                                inp.width_a[:, b])
    for n in range(5):
        terms += dg.vs_t_fermion(natural(w, n, k), hc_scalar(natural(hcn, n, q)),
                                 inp.mneu[:, n])
    out.append(("W+ H-", Process(kn.FF_VS, (m1, m2, mw, inp.mhc), terms, _factor(inp, 4))))
    terms = []
    for a in range(3):
        terms += dg.vs_s_scalar(h_qk[a], (g / 2) * vx.whh[:, a], inp.mh[:, a],
                                inp.width_h[:, a])
    for b in range(2):
        terms += dg.vs_s_scalar(a_qk[b], -1j * (g / 2) * vx.wha[:, b], inp.ma[:, b],
                                inp.width_a[:, b])
    for n in range(5):
        terms += dg.vs_u_fermion(natural(hcn, n, k), hc_vector(natural(w, n, q)),
                                 inp.mneu[:, n])
    out.append(("W- H+", Process(kn.FF_VS, (m1, m2, mw, inp.mhc), terms, _factor(inp, 4))))
    return out


def _chargino_scalar_pairs(inp: Inputs, k, q, h_qk, a_qk, z_qk, zha) -> list:
    vx = inp.vx
    m1, m2 = inp.mcha[:, k], inp.mcha[:, q]
    mz, wz = inp.const(sm.MZ), inp.const(WIDTH_Z)
    ch, ca = vx.chargino_h, vx.chargino_a
    out = []

    def exchange(c3, c4):
        terms = []
        for m in range(2):
            mm = inp.mcha[:, m]
            terms += dg.ss_t_fermion(c3(m, k), c4(q, m), mm)
            terms += dg.ss_u_fermion(c4(m, k), c3(q, m), mm)
        return terms

    for a in range(3):
        for b in range(a, 3):
            terms = []
            for c in range(3):
                terms += dg.ss_s_scalar(h_qk[c], -vx.hhh[:, c, a, b], inp.mh[:, c],
                                        inp.width_h[:, c])
            terms += exchange(lambda x, y, a=a: natural(ch, a, x, y),
                              lambda x, y, b=b: natural(ch, b, x, y))
            out.append((f"h{a + 1} h{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.mh[:, a], inp.mh[:, b]), terms,
                                _factor(inp, 4, identical=a == b))))
    for a in range(3):
        for b in range(2):
            terms = dg.ss_s_vector(z_qk, -1j * zha[:, a, b], mz, wz, inp.mh[:, a],
                                   inp.ma[:, b])
            for c in range(2):
                terms += dg.ss_s_scalar(a_qk[c], -vx.haa[:, a, c, b], inp.ma[:, c],
                                        inp.width_a[:, c])
            terms += exchange(lambda x, y, a=a: natural(ch, a, x, y),
                              lambda x, y, b=b: natural(ca, b, x, y))
            out.append((f"h{a + 1} a{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.mh[:, a], inp.ma[:, b]), terms,
                                _factor(inp, 4))))
    for a in range(2):
        for b in range(a, 2):
            terms = []
            for c in range(3):
                terms += dg.ss_s_scalar(h_qk[c], -vx.haa[:, c, a, b], inp.mh[:, c],
                                        inp.width_h[:, c])
            terms += exchange(lambda x, y, a=a: natural(ca, a, x, y),
                              lambda x, y, b=b: natural(ca, b, x, y))
            out.append((f"a{a + 1} a{b + 1}",
                        Process(kn.FF_SS, (m1, m2, inp.ma[:, a], inp.ma[:, b]), terms,
                                _factor(inp, 4, identical=a == b))))
    return out


# ------------------------------------------------------------------------ chi+ chi+

def same_sign_charginos(inp: Inputs, k: int, q: int) -> list[tuple[str, Process]]:
    """chi+_k chi+_q -> W+ W+, W+ H+, H+ H+ through neutralinos in the t and u channels;
    the second chargino enters against its fermion number (charge-conjugate vertices)."""
    vx = inp.vx
    mw = inp.const(sm.MW)
    m1, m2 = inp.mcha[:, k], inp.mcha[:, q]
    w, hcn = vx.w_neutralino_chargino, vx.hc_neutralino_chargino
    out: list[tuple[str, Process]] = []
    terms = []
    for n in range(5):
        mn = inp.mneu[:, n]
        terms += dg.vv_t_fermion(natural(w, n, k), cc_vector(natural(w, n, q)), mn)
        terms += dg.vv_u_fermion(natural(w, n, k), cc_vector(natural(w, n, q)), mn)
    out.append(("W+ W+", Process(kn.FF_VV, (m1, m2, mw, mw), terms,
                                 _factor(inp, 4, identical=True))))
    terms = []
    for n in range(5):
        mn = inp.mneu[:, n]
        terms += dg.vs_t_fermion(natural(w, n, k), natural(hcn, n, q), mn)
        terms += dg.vs_u_fermion(natural(hcn, n, k), cc_vector(natural(w, n, q)), mn)
    out.append(("W+ H+", Process(kn.FF_VS, (m1, m2, mw, inp.mhc), terms, _factor(inp, 4))))
    terms = []
    for n in range(5):
        mn = inp.mneu[:, n]
        terms += dg.ss_t_fermion(natural(hcn, n, k), natural(hcn, n, q), mn)
        terms += dg.ss_u_fermion(natural(hcn, n, k), natural(hcn, n, q), mn)
    out.append(("H+ H+", Process(kn.FF_SS, (m1, m2, inp.mhc, inp.mhc), terms,
                                 _factor(inp, 4, identical=True))))
    return out


def qcd_correction(q: np.ndarray) -> np.ndarray:
    """Delta_QCD of a scalar decaying into quarks, MSbar masses at the scale q (5 flavours):
    5.67 a + (35.94 - 1.36 n_f) a^2 + (164.14 - 25.77 n_f + 0.259 n_f^2) a^3,
    a = alpha_s(q)/pi (Spira, Fortsch. Phys. 46 (1998) 203, hep-ph/9705337, eq. (54))."""
    a = sm.alpha_s(q) / math.pi
    nf = 5.0
    return 5.67 * a + (35.94 - 1.36 * nf) * a**2 + (164.14 - 25.77 * nf + 0.259 * nf**2) * a**3


def yukawa_masses(q: np.ndarray) -> dict[str, np.ndarray]:
    """Fermion masses in the Higgs Yukawas of annihilation at the scale q [GeV] (twice the
    LSP mass): MSbar b and c masses at q times sqrt(1 + Delta_QCD(q)) (the leading QCD
    correction of scalar -> q qbar absorbed into the coupling), the top pole mass (near its
    threshold the pole mass describes t tbar production), pole masses of the leptons,
    the light-quark masses of ``vertices``."""
    from .vertices import M_CHARM, M_DOWN, M_ELECTRON, M_MUON, M_STRANGE, M_UP

    q = np.asarray(q, dtype=float)
    k = np.sqrt(1.0 + qcd_correction(q))
    # m_c runs like m_b above m_b (5 flavours): m_c(q) = m_c(m_c) m_b(q)/m_b(m_b) to the
    # accuracy needed for a channel of ~1e-3
    mb = sm.mb_msbar(q)
    out = {"u": M_UP * k, "d": M_DOWN * k, "s": M_STRANGE * k,
           "c": M_CHARM * mb / sm.MB_MB * k, "b": mb * k, "t": np.full_like(q, sm.MT_POLE),
           "e": np.full_like(q, M_ELECTRON), "mu": np.full_like(q, M_MUON),
           "tau": np.full_like(q, sm.MTAU)}
    for nu in ("nu_e", "nu_mu", "nu_tau"):
        out[nu] = np.zeros_like(q)
    return out


def kinematic_masses(n: int) -> dict[str, np.ndarray]:
    """Fermion masses [GeV] in the phase space: m_b(m_b), m_c(m_c), the top pole mass, the
    light-quark masses of ``vertices`` and the lepton pole masses."""
    from .vertices import M_CHARM, M_DOWN, M_ELECTRON, M_MUON, M_STRANGE, M_UP

    values = {"u": M_UP, "d": M_DOWN, "s": M_STRANGE, "c": M_CHARM, "b": sm.MB_MB,
              "t": sm.MT_POLE, "e": M_ELECTRON, "mu": M_MUON, "tau": sm.MTAU,
              "nu_e": 0.0, "nu_mu": 0.0, "nu_tau": 0.0}
    return {k: np.full(n, v) for k, v in values.items()}
