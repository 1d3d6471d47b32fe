"""Lightest-neutralino scattering on nucleons at zero momentum transfer (tree level plus the
loop-induced gluon couplings), vectorised over points.

Effective Lagrangian (Drees and Nojiri, Phys. Rev. D 48 (1993) 3483, hep-ph/9307208; their
normalisation): L = f_q chibar chi qbar q + d_q chibar gamma^mu gamma5 chi qbar gamma_mu
gamma5 q + (twist-2 and gluon operators), chi Majorana. Then

    sigma_SI(N) = (4/pi) mu_N^2 f_N^2,   sigma_SD(N) = (12/pi) mu_N^2 a_N^2,
    f_N/m_N = sum_{q=u,d,s} f_Tq^N f_q/m_q + (2/27) f_TG^N sum_{Q=c,b,t} f_Q/m_Q
              + (3/4) sum_{q=u,d,s,c,b} (q(2) + qbar(2))_N g_q m_chi,
    a_N = sum_{q=u,d,s} d_q Delta_q^N,   f_TG = 1 - f_Tu - f_Td - f_Ts,

mu_N the reduced mass. The coefficients (couplings from ``vertices``):

- CP-even Higgs exchange, L ⊃ (1/2) c_a h_a chibar chi - (m_q/(sqrt2 v)) k^q_a h_a qbar q:
  f_q/m_q = -sum_a c_a k^q_a / (2 sqrt2 v m_{h_a}^2). k^q from the mixing matrix S with
  the tan(beta)-enhanced threshold corrections to the down-type Yukawas,
  k^d_a = [S_a1/cos(b) + Delta_d (S_a2/sin(b) + (v/s) S_a3)] / (1 + Delta_d)
  (Delta_b from gluino, higgsino-stop, wino and bino loops, Carena, Garcia, Nierste,
  Wagner, hep-ph/9912516; Delta_d = Delta_s from the gluino and gauginos with the
  first-generation squarks). All three states enter with their signs, so cancellations
  between them (blind spots) come out as they are.
- Squark exchange, L ⊃ qbar (L_k P_L + R_k P_R) chi q~_k + h.c.: for u, d, s
  f_q = -sum_k Re(L_k R_k^*)/(4 D_k), d_q = sum_k (|L_k|^2 + |R_k|^2)/(8 D_k),
  g_q = sum_k (|L_k|^2 + |R_k|^2)/(4 D_k^2), D_k = m_k^2 - (m_chi + m_q)^2, and the
  m_q-independent part of the scalar term, (m_chi/16) sum_k (|L_k|^2 + |R_k|^2)/D_k^2
  times f_Tq. For c, b, t the box diagrams with the gluons replace 1/D by Drees and
  Nojiri's loop functions (no pole at m_k = m_chi + m_Q; `drees_nojiri_loops`).
- Squark loops in the Higgs-gluon coupling (low-energy theorem: a colour-triplet scalar
  counts 1/8 of (d m^2/dh)/m^2 against (d m/dh)/m of a quark).
- QCD corrections to the heavy-quark and squark gluon terms,
  1 + (11/4 - 16/9) alpha_s/pi and 1 + (25/6 - 16/9) alpha_s/pi (Djouadi and Drees,
  hep-ph/0004205, in the normalisation of Belanger et al., arXiv:0803.2360).
- Z exchange (spin-dependent only): d_q = -g^2 T3_q (N13^2 - N14^2) / (8 c_W^2 M_Z^2).

Nucleon inputs (options of the provider): the scalar form factors from sigma_piN,
sigma_s and the quark-mass ratios (Ellis, Olive, Savage, arXiv:0801.3656, sect. 2,
with z = 1.49); defaults sigma_piN = 34 MeV, sigma_s = 42 MeV (those of micrOMEGAs and
NMSSMTools), m_u/m_d = 0.553, m_s/m_d = 18.9 (Leutwyler, hep-ph/9602366). Axial charges
Delta_u = 0.842, Delta_d = -0.427, Delta_s = -0.085 (HERMES, hep-ex/0609039). Twist-2
second moments q(2) + qbar(2) of the proton at mu = m_Z (CTEQ6; Hisano, Ishiwata, Nagata,
arXiv:1007.2601, Table 1); neutron by isospin.

Left out: two-loop gluon contributions (important only for pure winos and higgsinos with
all other states decoupled, where the tree-level cross section is tiny), O(alpha_s)
twist-2 gluon terms, the momentum dependence of the nuclear response.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fit import provider

from ..nmssm_labels import LABELS
from . import sm_inputs as sm
from .vertices import Vertices, quark_masses

#: 1 GeV^-2 in pb ((hbar c)^2 = 0.3893793721 GeV^2 mb)
GEV2_TO_PB = 0.3893793721e9
#: proton and neutron masses [GeV] (PDG 2024)
M_PROTON, M_NEUTRON = 0.93827209, 0.93956542
#: z = (B_u - B_s)/(B_d - B_s) of the octet baryon masses (Ellis, Olive, Savage)
Z_OCTET = 1.49
#: alpha_s at the charm and bottom masses for the heavy-quark QCD corrections
ALPHA_S_MC, ALPHA_S_MB = 0.39, 0.22
#: proton second moments q(2) + qbar(2) at mu = m_Z (CTEQ6, arXiv:1007.2601 Table 1)
SECOND_MOMENTS_P = {"u": 0.22 + 0.034, "d": 0.11 + 0.036, "s": 0.026 + 0.026,
                    "c": 0.019 + 0.019, "b": 0.012 + 0.012}
LIGHT, HEAVY = ("u", "d", "s"), ("c", "b", "t")
#: spectrum keys of the squark masses per quark (first two generations without L-R mixing)
SQUARK_MASSES = {"u": ("msuL", "msuR"), "c": ("msuL", "msuR"), "d": ("msdL", "msdR"),
                 "s": ("msdL", "msdR"), "t": ("mst1", "mst2"), "b": ("msb1", "msb2")}


@dataclass(frozen=True)
class Nucleon:
    """Quark content of one nucleon: scalar form factors f_Tq and axial charges Delta_q."""

    mass: float
    f_t: dict[str, float]
    delta: dict[str, float]

    @property
    def f_tg(self) -> float:
        """Gluon scalar form factor 1 - f_Tu - f_Td - f_Ts."""
        return 1.0 - sum(self.f_t.values())


def nucleons(sigma_pin: float = 34.0, sigma_s: float = 42.0, mu_over_md: float = 0.553,
             ms_over_md: float = 18.9, delta_u: float = 0.842, delta_d: float = -0.427,
             delta_s: float = -0.085) -> dict[str, Nucleon]:
    """Proton and neutron from sigma_piN and sigma_s [MeV] and the quark-mass ratios.

    y = 2 <ss>/<uu + dd> = 2 sigma_s m_l / (sigma_piN m_s), m_l = (m_u + m_d)/2;
    B_u/B_d = (2 z - (z - 1) y)/(2 + (z - 1) y) in the proton; f_Tq = m_q B_q / m_N with
    m_l (B_u + B_d) = sigma_piN, f_Ts = sigma_s/m_N (arXiv:0801.3656, sect. 2)."""
    m_l_over_md = 0.5 * (1.0 + mu_over_md)
    y = 2.0 * sigma_s * m_l_over_md / (sigma_pin * ms_over_md)
    ratio = (2 * Z_OCTET - (Z_OCTET - 1) * y) / (2 + (Z_OCTET - 1) * y)   # B_u/B_d (proton)
    out = {}
    for name, mass, bu_over_bd in (("p", M_PROTON, ratio), ("n", M_NEUTRON, 1.0 / ratio)):
        md_bd = sigma_pin / m_l_over_md / (1.0 + bu_over_bd)              # m_d B_d [MeV]
        f_t = {"u": mu_over_md * bu_over_bd * md_bd / (1e3 * mass),
               "d": md_bd / (1e3 * mass), "s": sigma_s / (1e3 * mass)}
        deltas = ({"u": delta_u, "d": delta_d, "s": delta_s} if name == "p"
                  else {"u": delta_d, "d": delta_u, "s": delta_s})
        out[name] = Nucleon(mass, f_t, deltas)
    return out


# ----------------------------------------------------------------- loop functions

def integral_i(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """I(x, y, z) = [x^2 y^2 ln(x^2/y^2) + y^2 z^2 ln(y^2/z^2) + z^2 x^2 ln(z^2/x^2)]
    / [(x^2 - y^2)(y^2 - z^2)(x^2 - z^2)] [GeV^-2] of the Delta_b corrections, evaluated
    with the arguments split by 1e-4 where two coincide (its limits are smooth)."""
    x2, y2, z2 = (np.maximum(np.asarray(a, float) ** 2, 1.0) for a in (x, y, z))
    y2 = np.where(np.abs(y2 - x2) < 1e-4 * x2, y2 * (1 + 2e-4), y2)
    z2 = np.where((np.abs(z2 - x2) < 1e-4 * x2) | (np.abs(z2 - y2) < 1e-4 * y2),
                  z2 * (1 - 2e-4), z2)
    num = (x2 * y2 * np.log(x2 / y2) + y2 * z2 * np.log(y2 / z2) + z2 * x2 * np.log(z2 / x2))
    return num / ((x2 - y2) * (y2 - z2) * (x2 - z2))


def _dn_kernel(ms2: np.ndarray, mq2: np.ndarray, mx2: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delta = 4 m_q^2 m_s^2 - (m_q^2 + m_s^2 - m_chi^2)^2 and the logarithmic function L
    of Drees and Nojiri's loop integrals (all in units of m_s^2)."""
    a = mq2 + ms2 - mx2
    delta = 4.0 * mq2 * ms2 - a**2
    root = np.sqrt(np.abs(delta))
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = 2.0 / root * np.arctan2(root, a)
        neg = np.log((a + root) / (a - root)) / root
    return delta, a, np.where(delta > 0, pos, neg)


def _dn_functions(ms: np.ndarray, mq: np.ndarray, mx: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(F_S, F_T) at Delta != 0, see `drees_nojiri_loops`."""
    scale = ms**2
    ms2, mq2, mx2 = np.ones_like(scale), mq**2 / scale, mx**2 / scale
    delta, _, log = _dn_kernel(ms2, mq2, mx2)
    f_s = (0.5 * mq2 * (mq2 - mx2) / ms2 - (ms2 - mx2) - 2.5 * mq2
           - 3.0 * mq2 * mx2 * (mx2 - mq2 - ms2) / delta
           + 3.0 * mq2 * ms2 * (1.0 - 2.0 * mq2 * mx2 / delta) * log) / delta
    f_t = ((2.0 + 4.0 * mq2 / mx2 - 2.0 * ms2 / mx2 + 3.0 * mq2 / ms2 - mx2 / ms2
            - 2.0 * mq2**2 / (ms2 * mx2)) / delta
           + 6.0 * mq2 * (mx2 + ms2 - mq2) / delta**2
           + 6.0 * mq2 * log / delta * (1.0 + (mq2 * (mq2 - ms2)
                                                - mx2 * (2.0 * mq2 + ms2 - mx2)) / delta)
           - 2.0 / (mx2 * ms2))
    return f_s / scale, f_t / scale**2


def drees_nojiri_loops(ms: np.ndarray, mq: np.ndarray, mx: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Loop functions of the squark-quark boxes with gluons (Drees and Nojiri,
    hep-ph/9307208, appendix): F_S = (3/2) m_q^2 I_1 - m_q^2 m_chi^2 I_3 [GeV^-2], which
    takes the place of the propagator 1/D of the scalar term, and
    F_T = I_5 + 2 m_chi^2 I_4 - 3 I_2 [GeV^-4] for the |L|^2 + |R|^2 term.

    For m_q -> 0 they tend to 1/(m_s^2 - m_chi^2) and 2/(m_s^2 - m_chi^2)^2. Where
    Delta = 4 m_q^2 m_s^2 - (m_q^2 + m_s^2 - m_chi^2)^2 vanishes (m_s = m_chi + m_q,
    where the tree-level propagator has its pole) the functions are finite but the
    closed forms cancel numerically; there they are averaged over m_chi (1 +- 1e-3).
    """
    ms, mq, mx = np.broadcast_arrays(*(np.abs(np.asarray(a, float)) for a in (ms, mq, mx)))
    delta, _, _ = _dn_kernel(np.ones_like(ms), (mq / ms) ** 2, (mx / ms) ** 2)
    near = np.abs(delta) < 1e-5
    f_s, f_t = _dn_functions(ms, mq, mx)
    if near.any():
        lo = _dn_functions(ms[near], mq[near], mx[near] * (1 - 1e-3))
        hi = _dn_functions(ms[near], mq[near], mx[near] * (1 + 1e-3))
        f_s[near], f_t[near] = 0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])
    return f_s, f_t


# ----------------------------------------------------------------- threshold corrections

def delta_down(spec: dict, p: dict[str, np.ndarray], generation: int) -> np.ndarray:
    """tan(beta)-enhanced correction Delta_q of a down-type Yukawa (m_q = y_q v_d (1 +
    Delta_q)): gluino, wino and bino loops with the squarks of the generation, and for the
    b the higgsino-stop loop (Carena, Garcia, Nierste, Wagner, hep-ph/9912516, with the
    resummation of the A_b term)."""
    tanb, mu = p["tanb"], p["mueff"]
    m1, m2, m3 = p["M1"], p["M2"], p["M3"]
    qscale = np.maximum(np.sqrt(np.abs(p["MQ3"] * p["MU3"])), sm.MT_POLE)
    als = sm.alpha_s(qscale)
    loop = 1.0 / (16.0 * math.pi**2)
    if generation == 3:
        mb1, mb2 = np.abs(spec["msb1"]), np.abs(spec["msb2"])
        cb2 = spec["sbottom_mix"][:, 0, 0] ** 2
        mt1, mt2 = np.abs(spec["mst1"]), np.abs(spec["mst2"])
        ct2 = spec["stop_mix"][:, 0, 0] ** 2
        yt = quark_masses(p)["t"] / (sm.V_HIGGS * np.sin(np.arctan(tanb)))
        a_q = p["Ab"]
    else:
        mb1, mb2 = np.abs(spec["msdL"]), np.abs(spec["msdR"])
        cb2 = np.ones_like(tanb)
        mt1, mt2, ct2 = np.abs(spec["msuL"]), np.abs(spec["msuR"]), np.ones_like(tanb)
        yt = np.zeros_like(tanb)
        a_q = np.zeros_like(tanb)
    sb2 = 1.0 - cb2
    gluino = 2.0 * als / (3.0 * math.pi) * m3 * integral_i(mb1, mb2, m3)
    higgsino = loop * yt**2 * p["At"] * integral_i(mt1, mt2, mu)
    wino = -loop * sm.G2SQ * m2 * (ct2 * integral_i(mt1, m2, mu)
                                   + (1 - ct2) * integral_i(mt2, m2, mu)
                                   + 0.5 * (cb2 * integral_i(mb1, m2, mu)
                                            + sb2 * integral_i(mb2, m2, mu)))
    bino = -loop * sm.G1SQ / 3.0 * m1 * (integral_i(mb1, mb2, m1) / 3.0
                                        + 0.5 * (cb2 * integral_i(mb1, m1, mu)
                                                 + sb2 * integral_i(mb2, m1, mu))
                                        + sb2 * integral_i(mb1, m1, mu)
                                        + cb2 * integral_i(mb2, m1, mu))
    a_term = -2.0 * als / (3.0 * math.pi) * m3 * a_q * integral_i(mb1, mb2, m3)
    return mu * tanb * (gluino + higgsino + wino + bino) / (1.0 + a_term)


# ----------------------------------------------------------------- effective couplings

def _qcd(alpha_s: np.ndarray | float, coefficient: float) -> np.ndarray | float:
    """1 + (coefficient - 16/9) alpha_s/pi."""
    return 1.0 + (coefficient - 16.0 / 9.0) * np.asarray(alpha_s) / math.pi


def lightest_neutralino_vertices(spec: dict, p: dict[str, np.ndarray]) -> Vertices:
    """The couplings with the first row of N only: every neutralino index of the returned
    vertices is that of chi1 (all that scattering at zero momentum needs, at a fraction of
    the cost of the full 5x5 tables)."""
    from .vertices import vertices

    return vertices({**spec, "N": np.asarray(spec["N"])[:, :1]}, p)


def higgs_yukawa_factors(spec: dict, p: dict[str, np.ndarray], v: Vertices
                         ) -> dict[str, np.ndarray]:
    """k^q_a (n, 3) of L ⊃ -(m_q/(sqrt2 v)) k^q_a h_a qbar q, with Delta_d for d, s, b."""
    s = spec["S"]
    singlet = sm.V_HIGGS / (p["mueff"] / p["lambda_"])
    out = {"u": v.k_up, "c": v.k_up, "t": v.k_up}
    for names, generation in ((("d", "s"), 1), (("b",), 3)):
        dq = delta_down(spec, p, generation)[:, None]
        k = (v.k_down + dq * (v.k_up + singlet[:, None] * s[:, :, 2])) / (1.0 + dq)
        out.update(dict.fromkeys(names, k))
    return out


@dataclass
class SquarkTerms:
    """Squark-exchange coefficients (module docstring), arrays over points: the scalar
    f_q/m_q and the m_q-independent scalar part of u, d, s, the gluonic box terms of c, b, t
    (QCD factors included), the twist-2 g_q and the axial d_q."""

    scalar: dict[str, np.ndarray]
    trace: dict[str, np.ndarray]
    heavy: np.ndarray
    twist2: dict[str, np.ndarray]
    axial: dict[str, np.ndarray]


def squark_exchange(spec: dict, p: dict[str, np.ndarray], v: Vertices,
                    qcd_heavy: dict[str, np.ndarray | float]) -> SquarkTerms:
    """Squark exchange for u, d, s at tree level (propagator at zero momentum) and the
    Drees-Nojiri boxes for c, b, t."""
    mchi = spec["mneu1"]
    masses = quark_masses(p)
    terms = SquarkTerms({}, {}, np.zeros_like(mchi), {}, {})
    for q in (*LIGHT, *HEAVY):
        chi = v.sfermion_neutralino[q]
        left, right = chi.L[:, :, 0], chi.R[:, :, 0]                      # (n, 2 squarks)
        lr = np.real(left * right.conj())
        ll = np.abs(left) ** 2 + np.abs(right) ** 2
        msq = np.stack([np.abs(spec[key]) for key in SQUARK_MASSES[q]], -1)
        mq = masses[q][:, None]
        prop = 1.0 / (msq**2 - (np.abs(mchi)[:, None] + mq) ** 2)
        if q in LIGHT:
            terms.scalar[q] = -np.sum(lr * prop, -1) / (4.0 * mq[:, 0])
            terms.trace[q] = mchi / 16.0 * np.sum(ll * prop**2, -1)
            terms.axial[q] = np.sum(ll * prop, -1) / 8.0
        else:
            f_s, f_t = drees_nojiri_loops(msq, mq, mchi[:, None])
            box = -np.sum(lr * f_s, -1) / (4.0 * mq[:, 0]) + mchi / 16.0 * np.sum(ll * f_t, -1)
            terms.heavy = terms.heavy + box * qcd_heavy[q]
        if q in SECOND_MOMENTS_P:
            terms.twist2[q] = np.sum(ll * prop**2, -1) / 4.0
    return terms


def squark_gluon_loops(spec: dict, v: Vertices, higgs_exchange: np.ndarray) -> np.ndarray:
    """Squark loops in the Higgs-gluon coupling as an effective heavy-quark f_Q/m_Q: each
    squark counts (1/8) (d m^2/dh_a)/m^2 with its QCD correction; ``higgs_exchange``
    (n, 3) is -c_a / (2 m_{h_a}^2)."""
    total = np.zeros(higgs_exchange.shape[0])
    for q in (*LIGHT, *HEAVY):
        msq2 = np.stack([spec[key] ** 2 for key in SQUARK_MASSES[q]], -1)
        hsf = np.einsum("nakk->nak", v.higgs_sfermion[q]).real               # (n, 3, 2)
        qcd_sq = _qcd(sm.alpha_s(np.sqrt(msq2)), 25 / 6)
        loops = np.einsum("nak,nk->na", hsf, qcd_sq / msq2) / 8.0
        total = total + np.einsum("na,na->n", higgs_exchange, loops)
    return total


def nucleon_amplitudes(spec: dict, p: dict[str, np.ndarray], v: Vertices,
                       nucl: dict[str, Nucleon], squarks: bool = True
                       ) -> dict[str, np.ndarray]:
    """f_p, f_n (spin-independent) and a_p, a_n (spin-dependent) [GeV^-2] (module doc)."""
    mchi = spec["mneu1"]                     # signed: the sign of the Majorana mass matters
    mh2 = np.stack([spec[f"mh{i}"] ** 2 for i in (1, 2, 3)], -1)
    neu = v.neutralino_h
    c = 0.5 * np.real(neu.L[:, :, 0, 0] + neu.R[:, :, 0, 0])            # (n, 3)
    exchange = -c / (2.0 * mh2)
    k = higgs_yukawa_factors(spec, p, v)
    f_over_m = {q: np.einsum("na,na->n", exchange, k[q]) / (math.sqrt(2.0) * sm.V_HIGGS)
                for q in (*LIGHT, *HEAVY)}
    qcd_heavy = {"c": _qcd(ALPHA_S_MC, 11 / 4), "b": _qcd(ALPHA_S_MB, 11 / 4),
                 "t": _qcd(sm.alpha_s(sm.MT_POLE), 11 / 4)}
    heavy = sum(f_over_m[q] * qcd_heavy[q] for q in HEAVY)
    zero = np.zeros_like(mchi)
    sq = SquarkTerms({}, {}, zero, {}, {})
    if squarks:
        sq = squark_exchange(spec, p, v, qcd_heavy)
        heavy = heavy + sq.heavy + squark_gluon_loops(spec, v, exchange)
    z_axial = _z_axial(v)
    out = {}
    for name, n in nucl.items():
        f = sum(n.f_t[q] * (f_over_m[q] + sq.scalar.get(q, zero) + sq.trace.get(q, zero))
                for q in LIGHT)
        f = f + 2.0 / 27.0 * n.f_tg * heavy
        f = f + 0.75 * mchi * sum(_moment(name, q) * g for q, g in sq.twist2.items())
        out[f"f_{name}"] = n.mass * f
        out[f"a_{name}"] = sum((sq.axial.get(q, zero) + z_axial[q]) * n.delta[q]
                               for q in LIGHT)
    return out


def _moment(nucleon: str, quark: str) -> float:
    """q(2) + qbar(2) of the proton, or of the neutron by isospin (u <-> d)."""
    if nucleon == "n" and quark in ("u", "d"):
        quark = "d" if quark == "u" else "u"
    return SECOND_MOMENTS_P[quark]


def _z_axial(v: Vertices) -> dict[str, np.ndarray]:
    """d_q of Z exchange: L ⊃ (1/2) Z chibar gamma (L P_L - L P_R) chi and the quarks'
    axial coupling (g/c_W) T3/2 give d_q = L_chi g T3 / (4 c_W M_Z^2)."""
    z = np.real(v.z_neutralino.L[:, 0, 0])
    return {q: z * v.g * t3 / (4.0 * v.cw * sm.MZ**2)
            for q, t3 in (("u", 0.5), ("d", -0.5), ("s", -0.5))}


def cross_sections(amplitudes: dict[str, np.ndarray], mchi: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """sigma_si_p, sigma_si_n, sigma_sd_p, sigma_sd_n [pb] from the amplitudes [GeV^-2]."""
    out = {}
    for name, mass in (("p", M_PROTON), ("n", M_NEUTRON)):
        mu2 = (mass * np.abs(mchi) / (mass + np.abs(mchi))) ** 2
        out[f"sigma_si_{name}"] = 4.0 / math.pi * mu2 * amplitudes[f"f_{name}"] ** 2 * GEV2_TO_PB
        out[f"sigma_sd_{name}"] = (12.0 / math.pi * mu2 * amplitudes[f"a_{name}"] ** 2
                                   * GEV2_TO_PB)
    return out


# ----------------------------------------------------------------- providers

@provider("nucleon_amplitudes", vectorised=True, name="nmssm_builtin_nucleon_amplitudes",
          labels=LABELS["nucleon_amplitudes"])
class NucleonAmplitudes:
    """Spin-independent f_p, f_n and spin-dependent a_p, a_n [GeV^-2] of the lightest
    neutralino (tree level with the loop-induced gluon terms; module docstring).

    Options: ``sigma_pin``, ``sigma_s`` [MeV] and the quark-mass ratios ``mu_over_md``,
    ``ms_over_md`` (scalar form factors); ``delta_u``, ``delta_d``, ``delta_s`` (proton
    axial charges); ``squarks``: include squark exchange and squark loops.
    """

    def __init__(self, *, sigma_pin: float = 34.0, sigma_s: float = 42.0,
                 mu_over_md: float = 0.553, ms_over_md: float = 18.9, delta_u: float = 0.842,
                 delta_d: float = -0.427, delta_s: float = -0.085, squarks: bool = True):
        for name, value in (("sigma_pin", sigma_pin), ("sigma_s", sigma_s),
                            ("mu_over_md", mu_over_md), ("ms_over_md", ms_over_md)):
            if value <= 0:
                raise ValueError(f"option '{name}' must be positive, got {value}")
        self.nucleons = nucleons(sigma_pin, sigma_s, mu_over_md, ms_over_md, delta_u,
                                 delta_d, delta_s)
        if any(not 0 < n.f_tg < 1 for n in self.nucleons.values()):
            raise ValueError(f"options 'sigma_pin' = {sigma_pin}, 'sigma_s' = {sigma_s} MeV "
                             f"leave no gluon content (f_Tu + f_Td + f_Ts >= 1)")
        self.squarks = squarks
        self.needs = ("spectrum", "params")

    def __call__(self, spectrum: dict, params: dict) -> dict[str, np.ndarray]:
        from .spectrum import as_arrays

        p = as_arrays(params)
        return nucleon_amplitudes(spectrum, p, lightest_neutralino_vertices(spectrum, p),
                                  self.nucleons, self.squarks)


@provider("dm_mass", vectorised=True, name="nmssm_builtin_dm_mass", labels=LABELS["dm_mass"])
def nmssm_builtin_dm_mass(spectrum: dict) -> np.ndarray:
    """Mass of the dark-matter candidate, the lightest neutralino, |m_chi1| [GeV]."""
    return np.abs(np.asarray(spectrum["mneu1"], dtype=float))


def _register_cross_section(capability: str) -> None:
    def cross_section(nucleon_amplitudes: dict, spectrum: dict) -> np.ndarray:
        return cross_sections(nucleon_amplitudes, spectrum["mneu1"])[capability]

    kind = "spin-independent" if "_si_" in capability else "spin-dependent"
    target = "proton" if capability.endswith("_p") else "neutron"
    cross_section.__doc__ = (f"{kind} cross section of the lightest neutralino on a "
                             f"{target} at zero momentum transfer [pb].")
    name = f"nmssm_builtin_{capability}"
    cross_section.__name__ = cross_section.__qualname__ = name
    provider(capability, vectorised=True, name=name, labels=LABELS[capability])(cross_section)


for _capability in ("sigma_si_p", "sigma_si_n", "sigma_sd_p", "sigma_sd_n"):
    _register_cross_section(_capability)
del _capability
