"""The NMSSM contribution to the muon anomalous magnetic moment, Delta a_mu, vectorised.

Couplings from ``vertices`` (the 5x5 neutralino mixing, so the singlino enters through its
higgsino admixture); masses from the ``spectrum``. Contributions:

- One loop, neutralino-smuon and chargino-sneutrino, in the mass basis (Martin, Wells,
  hep-ph/0103067, eqs. (2)-(12); the generic dipole of `loop_functions.dipole_parts`). The
  smuons are mixed here (the spectrum gives them unmixed): X_mu = A_mu - mueff tan(beta),
  A_mu = Atau (the NMSSMTools card convention A_E2 = A_E3).
- tan(beta)-enhanced correction of the muon Yukawa, y_mu = m_mu/(v_d (1 + Delta_mu)), in the
  couplings and the smuon L-R mixing (Marchetti, Mertens, Nierste, Stockinger,
  arXiv:0808.1530, eqs. (12)-(13), mueff for mu).
- Leading two-loop QED logarithm, a_1L (1 - 4 alpha/pi ln(M/m_mu)) with M the heavier mass of
  each loop (Degrassi, Giudice, hep-ph/9803384).
- Higgs bosons at one loop (h_i, a_j, H+; Leveille, Nucl. Phys. B137 (1978) 63; Dedes, Haber,
  hep-ph/0102297) and the two-loop Barr-Zee diagrams with a photon and a t, b, c, tau,
  chargino or (CP-even h_i only) charged-sfermion loop (Barr, Zee, PRL 65 (1990) 21; Chang,
  Keung, Kao, Yuan, hep-ph/0009292; Cheung, Chou, Kong, hep-ph/0103183; Arhrib, Baek,
  hep-ph/0104225; Stockinger, hep-ph/0609168 sect. 5), which dominate
  for a light CP-odd Higgs at large tan(beta) (Domingo, Ellwanger, arXiv:0806.0733). The
  Standard-Model Higgs (couplings 1, the mass of the SM-like state) is subtracted, so that the
  result is the contribution beyond the Standard Model and vanishes at decoupling.

Left out: Barr-Zee diagrams with a Z (suppressed by 1 - 4 s_W^2) and with a W and a
charged Higgs, below 1e-11 in the oracle sample according to NMSSMTools.

``convention="nmssmtools"`` gives the quantity NMSSMTools 5.6 prints as Delta a_mu, for
validation against it: the Standard-Model Higgs is not subtracted from the Barr-Zee
diagrams (~ -1.5e-11), the leading logarithm of the two-loop bosonic difference to the
Standard Model is added with the loop-corrected Higgs masses (Heinemeyer, Stockinger,
Weiglein, hep-ph/0405255; ~ +1e-11, but large for a light doublet-like scalar), every
one-loop diagram takes its QED logarithm at one scale, max(m_chi2+, m_smu2), and the
one-loop couplings g, g' and y_mu = m_mu/v_d are the running (DRbar) ones at the stop scale
without the tan(beta) resummation, as NMSSMTools' MAGNMU takes them (g'^2 there is ~4%
above its on-shell value, which moves the bino-smuon loops by as much). Neither term
vanishes at decoupling, since the Standard-Model prediction already contains both; the
default (``"bsm"``) is the contribution beyond the Standard Model, which the muon g-2
likelihood needs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

import numpy as np

from fit import PartlyInvalid, provider

from ..nmssm_labels import LABELS
from . import sm_inputs as sm
from .couplings import V246, charged_sfermions
from .loop_functions import dipole_parts, i3
from .sfermions import sfermion_pair
from .vertices import M_MUON, Chiral, Vertices, gauge_couplings, vertices

#: fine-structure constant in the Thomson limit (CODATA 2018): the photon coupling of the
#: two-loop QED logarithm and of the Barr-Zee diagrams
ALPHA_0 = 1.0 / 137.035999084
#: MSbar masses in the Barr-Zee loops [GeV]: m_c(m_c) (PDG 2024); m_b(m_b), m_t(m_t), m_tau
M_CHARM = 1.273
#: N_c Q^2 of the fermions in the Barr-Zee loops
COLOUR_CHARGE = {"t": 4.0 / 3.0, "c": 4.0 / 3.0, "b": 1.0 / 3.0, "tau": 1.0}
#: definitions of Delta a_mu (module docstring)
CONVENTIONS = ("bsm", "nmssmtools")


# ---------------------------------------------------------------- loop integrals


def _panels(a: float, b: float, n_panels: int, nodes: int = 10
            ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss-Legendre quadrature on [a, b]."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    edges = np.linspace(a, b, n_panels + 1)
    half = 0.5 * np.diff(edges)[:, None]
    mid = 0.5 * (edges[1:] + edges[:-1])[:, None]
    return (mid + half * x).ravel(), (half * w).ravel()


def _log_ratio(y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln(y/z)/(y - z), finite at y = z (y, z > 0)."""
    t = (y - z) / z
    near = np.abs(t) < 0.5
    t_near = np.where(near & (t != 0), t, 1.0)
    close = np.where(t == 0, 1.0 / z, np.log1p(t_near) / t_near / z)
    return np.where(near, close, (np.log(y) - np.log(z)) / np.where(near, 1.0, y - z))


def _barr_zee_integrals(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and g(z) (see barr_zee_f, barr_zee_g) for an array of z. The integrands depend on
    x(1-x): twice the integral over (0, 1/2], in s = ln x (Gauss-Legendre panels of unit
    width from x = 1e-24, where the integrable ln x is negligible), which resolves the
    structure at x ~ z for z down to 1e-12."""
    s, w = _panels(math.log(1e-24), math.log(0.5), 55)
    x = np.exp(s)
    y = x * (1 - x)
    base = _log_ratio(y, z[:, None]) * (x * w)
    return z * (base * (1 - 2 * y)).sum(-1), z * base.sum(-1)


def _higgs_integrals(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """r I_S(r) and r I_P(r) (see one_loop_scalar) for an array of r: Gauss-Legendre panels
    in x on [0, 1/2] and in ln(1 - x) on [1/2, 1 - 1e-16], which resolve the peak at
    1 - x ~ 1/r."""
    xa, wa = _panels(0.0, 0.5, 16)
    s, ws = _panels(math.log(1e-16), math.log(0.5), 73)
    x, w = np.concatenate([xa, 1 - np.exp(s)]), np.concatenate([wa, ws * np.exp(s)])
    weight = w / (x * x + (1 - x) * r[:, None])
    return r * (weight * x * x * (2 - x)).sum(-1), r * (weight * x**3).sum(-1)


@lru_cache(maxsize=1)
def _tables() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Tables in ln z of the Barr-Zee functions f(z), g(z) (1e-12 < z < 1e4) and of the
    one-loop Higgs integrals r I_S(r), r I_P(r) (1e-2 < r < 1e4), once per process (fixed
    Gauss-Legendre quadrature, vectorised over the grid: relative accuracy 1e-7 or better
    against adaptive quadrature at 1e-10)."""
    lz = np.linspace(math.log(1e-12), math.log(1e4), 421)
    lr = np.linspace(math.log(1e-2), math.log(1e4), 241)
    f, g = _barr_zee_integrals(np.exp(lz))
    s, p = _higgs_integrals(np.exp(lr))
    return {"f": (lz, f), "g": (lz, g), "s": (lr, s), "p": (lr, p)}


@lru_cache(maxsize=1)
def _splines() -> dict:
    """Cubic splines in ln(argument) of the tables."""
    from scipy.interpolate import CubicSpline

    return {name: CubicSpline(grid, values) for name, (grid, values) in _tables().items()}


def _interpolate(name: str, x: np.ndarray) -> np.ndarray:
    """Cubic interpolation of a table in ln x (inside the table's range)."""
    spline = _splines()[name]
    grid = spline.x
    return spline(np.clip(np.log(x), grid[0], grid[-1]))


def barr_zee_f(z: np.ndarray) -> np.ndarray:
    """f(z) = (z/2) int_0^1 dx (1 - 2x(1-x))/(x(1-x) - z) ln(x(1-x)/z) (hep-ph/0009292),
    z = m_loop^2/m_higgs^2; beyond the table ln(z)/3 + 13/18 (z -> infinity)."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 1e4, np.log(z) / 3 + 13.0 / 18.0, _interpolate("f", z))


def barr_zee_g(z: np.ndarray) -> np.ndarray:
    """g(z) = (z/2) int_0^1 dx 1/(x(1-x) - z) ln(x(1-x)/z) (hep-ph/0009292); beyond the
    table (ln(z) + 2)/2."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 1e4, (np.log(z) + 2.0) / 2.0, _interpolate("g", z))


def barr_zee_sfermion(z: np.ndarray) -> np.ndarray:
    """f_sf(z) = (z/2) (2 + ln z - 2 g(z)), the Barr-Zee function of a scalar loop
    (hep-ph/0609168 eq. (50), whose f_PS is 2 g); -> -(ln z)/12 for z -> infinity, a
    quarter of the fermion's slope, as the two loops' h-gamma-gamma amplitudes (1/3 and
    4/3)."""
    z = np.asarray(z, dtype=float)
    return z / 2.0 * (2.0 + np.log(z) - 2.0 * barr_zee_g(z))


def one_loop_scalar(r: np.ndarray) -> np.ndarray:
    """I_S(r) = int_0^1 x^2 (2-x)/(x^2 + (1-x) r) dx, r = m_h^2/m_mu^2 (Leveille); above
    r = 1e4 (ln r - 7/6 + 3 ln(r)/r)/r (relative error < 1e-4)."""
    r = np.asarray(r, dtype=float)
    big = np.log(np.maximum(r, 1.0))
    return np.where(r > 1e4, (big - 7.0 / 6.0 + 3.0 * big / r) / r, _interpolate("s", r) / r)


def one_loop_pseudoscalar(r: np.ndarray) -> np.ndarray:
    """I_P(r) = int_0^1 x^3/(x^2 + (1-x) r) dx; above r = 1e4 (ln r - 11/6 + 5 ln(r)/r)/r."""
    r = np.asarray(r, dtype=float)
    big = np.log(np.maximum(r, 1.0))
    return np.where(r > 1e4, (big - 11.0 / 6.0 + 5.0 * big / r) / r, _interpolate("p", r) / r)


# ---------------------------------------------------------------- the pieces


def delta_mu(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray]) -> np.ndarray:
    """Delta_mu of m_mu = y_mu v_d (1 + Delta_mu) (arXiv:0808.1530, eq. (13), mueff for mu):

        Delta_mu = -mu tan(beta) [g2^2 M2/(16 pi^2) (I(M2^2, mu^2, m_snu^2)
                                   + I(M2^2, mu^2, m_L^2)/2)
                   + g1^2 M1/(16 pi^2) (I(mu^2, M1^2, m_R^2) - I(mu^2, M1^2, m_L^2)/2
                                         - I(M1^2, m_L^2, m_R^2))].

    Negative for mu M2 > 0, which enhances a_mu."""
    g, gp, _, _ = gauge_couplings()
    mu, m1, m2 = p["mueff"], p["M1"], p["M2"]
    ml2, mr2 = spectrum["msmuL"] ** 2, spectrum["msmuR"] ** 2
    msn2 = spectrum["msnumu"] ** 2
    wino = g**2 * m2 * (i3(m2**2, mu**2, msn2) + 0.5 * i3(m2**2, mu**2, ml2))
    bino = gp**2 * m1 * (i3(mu**2, m1**2, mr2) - 0.5 * i3(mu**2, m1**2, ml2)
                         - i3(m1**2, ml2, mr2))
    return -mu * p["tanb"] * (wino + bino) / (16.0 * math.pi**2)


def smuons(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
           resummation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smuon masses (n, 2) [GeV] and mixing R (n, 2, 2), (mu~_1, mu~_2) = R (mu~_L, mu~_R):
    the sfermion matrix of ``sfermions`` with m_mu X_mu/(1 + Delta_mu) off the diagonal.
    A tachyonic lighter smuon (m^2 < 0) gives NaN; the provider marks the point invalid."""
    tanb = p["tanb"]
    cos2b = (1.0 - tanb**2) / (1.0 + tanb**2)
    m_eff = M_MUON * resummation
    m1sq, m2sq, rot = sfermion_pair(p["ML12"], p["ME12"], m_eff,
                                    p["Atau"] - p["mueff"] * tanb, -0.5, -1.0, cos2b)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.stack([m1sq, m2sq], -1)), rot


def _qed_log(masses: np.ndarray) -> np.ndarray:
    """1 - 4 alpha/pi ln(M/m_mu) (hep-ph/9803384)."""
    return 1.0 - 4.0 * ALPHA_0 / math.pi * np.log(masses / M_MUON)


def muon_ino_couplings(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                       v: Vertices, running: bool = False) -> tuple[Chiral, Chiral]:
    """The smuon-neutralino and sneutrino-chargino couplings of the muon (``vertices``):
    on shell, or with ``running`` g, g' and y_mu = m_mu/v_d taken at the spectrum's scale
    (its keys ``g_q``, ``gp_q``, ``vev_q``, ``tanb_q``: the built-in spectrum with loops,
    DRbar at the stop scale; on shell where it has none), as NMSSMTools' MAGNMU takes them
    at its SUSY scale."""
    keys = ("g_q", "gp_q", "vev_q", "tanb_q")
    if not running or not all(k in spectrum for k in keys):
        return v.sfermion_neutralino["mu"], v.sfermion_chargino["nu_mu"]
    g, gp = np.asarray(spectrum["g_q"], float), np.asarray(spectrum["gp_q"], float)
    # the vertices take v_d = v_higgs cos(beta) with the input tan(beta): v_d(Q) = v(Q) cos(beta(Q))
    v_higgs = spectrum["vev_q"] * np.sqrt((1.0 + p["tanb"] ** 2)
                                          / (1.0 + np.asarray(spectrum["tanb_q"]) ** 2))
    neutralino, _ = v.sfermion_ino_couplings("mu", g, gp, v_higgs)
    _, chargino = v.sfermion_ino_couplings("nu_mu", g, gp, v_higgs)
    return neutralino, chargino


def one_loop_superpartners(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                           v: Vertices, qed_log: bool = True, tanb_resummation: bool = True,
                           common_qed_scale: bool = False, running_couplings: bool = False
                           ) -> dict[str, np.ndarray]:
    """Neutralino-smuon and chargino-sneutrino loops (with the QED logarithm and the Yukawa
    resummation if asked): keys ``neutralino``, ``chargino``, ``delta_mu``. The QED
    logarithm takes the heavier mass of each loop, or with ``common_qed_scale`` the heavier
    chargino or smuon mass for all (NMSSMTools); ``running_couplings`` as in
    `muon_ino_couplings`."""
    dmu = delta_mu(spectrum, p) if tanb_resummation else np.zeros_like(p["tanb"])
    resum = 1.0 / (1.0 + dmu)
    neu, cha = muon_ino_couplings(spectrum, p, v, running_couplings)
    # the pure-Yukawa entries: P_L coupling of mu~_L and P_R coupling of mu~_R
    left, right = neu.L.real.copy(), neu.R.real.copy()
    left[:, 0] *= resum[:, None]
    right[:, 1] *= resum[:, None]
    msmu, rot = smuons(spectrum, p, resum)
    left = np.einsum("nkj,nji->nki", rot, left)
    right = np.einsum("nkj,nji->nki", rot, right)
    mneu = np.stack([spectrum[f"mneu{i}"] for i in range(1, 6)], -1)
    x = (mneu[:, None, :] / msmu[:, :, None]) ** 2
    t1, t2 = dipole_parts(x, -1.0, 0.0)
    terms = (M_MUON * (left**2 + right**2) * t1 + mneu[:, None, :] * left * right * t2)
    terms = terms / msmu[:, :, None] ** 2
    common = np.maximum(spectrum["mcha2"], msmu.max(axis=1))
    if qed_log:
        scale = (common[:, None, None] if common_qed_scale
                 else np.maximum(msmu[:, :, None], np.abs(mneu[:, None, :])))
        terms = terms * _qed_log(scale)
    a_neu = M_MUON / (16.0 * math.pi**2) * np.sum(terms, axis=(1, 2))

    cl = cha.L.real[:, 0] * resum[:, None]
    cr = cha.R.real[:, 0]
    mcha = np.stack([spectrum["mcha1"], spectrum["mcha2"]], -1)
    msnu = spectrum["msnumu"]
    x = (mcha / msnu[:, None]) ** 2
    t1, t2 = dipole_parts(x, 0.0, -1.0)
    terms = (M_MUON * (cl**2 + cr**2) * t1 + mcha * cl * cr * t2) / msnu[:, None] ** 2
    if qed_log:
        scale = common[:, None] if common_qed_scale else np.maximum(msnu[:, None], mcha)
        terms = terms * _qed_log(scale)
    a_cha = M_MUON / (16.0 * math.pi**2) * np.sum(terms, axis=1)
    return {"neutralino": a_neu, "chargino": a_cha, "delta_mu": dmu}


def _sm_like(spectrum: Mapping[str, np.ndarray], k_v: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Index and mass of the CP-even state with the largest coupling to W/Z."""
    idx = np.argmax(np.abs(k_v), axis=1)
    mh = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1)
    return idx, mh[np.arange(len(idx)), idx]


def higgs_one_loop(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                   v: Vertices) -> np.ndarray:
    """One-loop h_i, a_j and H+ contributions minus the Standard-Model Higgs:
    a = y^2/(8 pi^2) I_S(m^2/m_mu^2) (scalar), -y^2/(8 pi^2) I_P (pseudoscalar), y =
    m_mu kappa/(sqrt2 v); H+ through the generic dipole with the coupling
    H+ nubar (m_mu tan(beta)/v) P_R mu (that of H+ tbar b in ``vertices`` with m_nu = 0)."""
    mh = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1)
    ma = np.stack([spectrum[f"ma{i}"] for i in (1, 2)], -1)
    y0 = M_MUON / (math.sqrt(2.0) * sm.V_HIGGS)
    pref = y0**2 / (8.0 * math.pi**2)
    even = pref * np.sum(v.k_down**2 * one_loop_scalar((mh / M_MUON) ** 2), axis=1)
    odd = -pref * np.sum(v.ka_down**2 * one_loop_pseudoscalar((ma / M_MUON) ** 2), axis=1)
    _, m_sm = _sm_like(spectrum, v.k_v)
    sm_higgs = pref * one_loop_scalar((m_sm / M_MUON) ** 2)
    # the generic dipole at x = m_nu^2/m_H^2 = 0: t1 = -F1^N(0)/12 = -1/6
    c = M_MUON * p["tanb"] / sm.V_HIGGS
    charged = -M_MUON**2 * c**2 / (6.0 * 16.0 * math.pi**2 * spectrum["mhc"] ** 2)
    return even + odd - sm_higgs + charged


def barr_zee(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray], v: Vertices,
             subtract_sm: bool = True) -> np.ndarray:
    """Two-loop Barr-Zee diagrams (photon, fermion or chargino loop) of h_i and a_j minus the
    Standard-Model Higgs (unless not ``subtract_sm``):

        a = G_F m_mu^2 alpha/(2 sqrt2 pi^3) sum_f N_c Q_f^2 [-k_mu^h k_f^h f(m_f^2/m_h^2)
                                                          + k_mu^a k_f^a g(m_f^2/m_a^2)]

    (hep-ph/0009292, hep-ph/0103183), k the reduced Yukawa couplings (charginos: their
    diagonal h, a couplings from ``vertices`` over m_chi/(sqrt2 v), N_c Q^2 = 1); the
    charged sfermions add k_mu^h N_c Q^2 (sqrt2 v g_h/(2 m^2)) f_sf(m^2/m_h^2), g_h = d m^2/d h
    (hep-ph/0104225; the normalisation of their h-gamma-gamma amplitude in ``couplings``)."""
    mh = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1)
    ma = np.stack([spectrum[f"ma{i}"] for i in (1, 2)], -1)
    masses = {"t": sm.mt_msbar_at_mt(), "b": sm.MB_MB, "c": M_CHARM, "tau": sm.MTAU}
    up = {"t": True, "c": True, "b": False, "tau": False}
    _, m_sm = _sm_like(spectrum, v.k_v)
    total = np.zeros_like(p["tanb"])
    for f, mf in masses.items():
        kh = v.k_up if up[f] else v.k_down
        ka = v.ka_up if up[f] else v.ka_down
        even = -np.sum(v.k_down * kh * barr_zee_f((mf / mh) ** 2), axis=1)
        odd = np.sum(v.ka_down * ka * barr_zee_g((mf / ma) ** 2), axis=1)
        sm_higgs = -barr_zee_f((mf / m_sm) ** 2) if subtract_sm else 0.0
        total += COLOUR_CHARGE[f] * (even + odd - sm_higgs)
    mcha = np.stack([spectrum["mcha1"], spectrum["mcha2"]], -1)
    scale = math.sqrt(2.0) * sm.V_HIGGS / mcha
    diag_h = np.diagonal(v.chargino_h.L, axis1=-2, axis2=-1)   # (n, 3, 2)
    diag_a = np.diagonal(v.chargino_a.L, axis1=-2, axis2=-1)   # (n, 2, 2)
    k_h = -diag_h.real * scale[:, None, :]
    k_a = -diag_a.imag * scale[:, None, :]
    total -= np.sum(v.k_down[:, :, None] * k_h * barr_zee_f((mcha[:, None, :] / mh[:, :, None])
                                                            ** 2), axis=(1, 2))
    total += np.sum(v.ka_down[:, :, None] * k_a * barr_zee_g((mcha[:, None, :]
                                                             / ma[:, :, None]) ** 2),
                    axis=(1, 2))
    for copies, colour, charge, msf, g_h in charged_sfermions(spectrum, p, v):
        reduced = V246 * g_h / (2.0 * msf[:, None] ** 2)
        total += copies * colour * charge**2 * np.sum(
            v.k_down * reduced * barr_zee_sfermion((msf[:, None] / mh) ** 2), axis=1)
    return sm.G_F * M_MUON**2 * ALPHA_0 / (2.0 * math.sqrt(2.0) * math.pi**3) * total


def bosonic_two_loop(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray]
                     ) -> np.ndarray:
    """Leading logarithm of the two-loop bosonic electroweak diagrams minus their
    Standard-Model value (hep-ph/0405255, the MSSM formula with the NMSSM mixing):

        a = G_F m_mu^2 alpha(M_Z)/(16 sqrt2 pi^3) (c_L - 1) ln(m_mu^2/M_W^2),
        c_L = cos(2b) M_Z^2/cos(b) sum_i S_id (S_id cos(b) - S_iu sin(b))/m_hi^2,

    c_L = 1 in the decoupling limit only with the tree-level m_h = M_Z |cos 2b|. Part of
    ``convention="nmssmtools"``, not of the default (module docstring)."""
    beta = np.arctan(p["tanb"])
    cb, sb = np.cos(beta), np.sin(beta)
    mix = spectrum["S"]
    mh = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1)
    c_l = (np.cos(2.0 * beta) * sm.MZ**2 / cb
           * np.sum(mix[:, :, 0] * (mix[:, :, 0] * cb[:, None] - mix[:, :, 1] * sb[:, None])
                    / mh**2, axis=1))
    pref = sm.G_F * M_MUON**2 / (sm.ALPHA_EM_INV_MZ * 16.0 * math.sqrt(2.0) * math.pi**3)
    return pref * (c_l - 1.0) * math.log(M_MUON**2 / sm.MW**2)


def delta_amu(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray], *,
              qed_log: bool = True, tanb_resummation: bool = True, higgs: bool = True,
              convention: str = "bsm") -> dict[str, np.ndarray]:
    """All contributions (keys ``neutralino``, ``chargino``, ``higgs_1l``, ``barr_zee``,
    ``bosonic_2l``, ``delta_mu``) and their sum ``delta_amu``, in the ``convention`` of
    the module docstring."""
    if convention not in CONVENTIONS:
        raise ValueError(f"delta_amu option 'convention': expected one of {CONVENTIONS}, "
                         f"got {convention!r}")
    nmssmtools = convention == "nmssmtools"
    v = vertices(spectrum, p)
    out = one_loop_superpartners(spectrum, p, v, qed_log=qed_log,
                                 tanb_resummation=tanb_resummation and not nmssmtools,
                                 common_qed_scale=nmssmtools, running_couplings=nmssmtools)
    zero = np.zeros_like(p["tanb"])
    out["higgs_1l"] = higgs_one_loop(spectrum, p, v) if higgs else zero
    out["barr_zee"] = barr_zee(spectrum, p, v, subtract_sm=not nmssmtools) if higgs else zero
    out["bosonic_2l"] = bosonic_two_loop(spectrum, p) if nmssmtools else zero
    out["delta_amu"] = (out["neutralino"] + out["chargino"] + out["higgs_1l"]
                        + out["barr_zee"] + out["bosonic_2l"])
    return out


@provider("delta_amu", vectorised=True, name="nmssm_builtin_delta_amu", labels=LABELS["delta_amu"])
def nmssm_builtin_delta_amu(spectrum: dict, params: dict, *, qed_log: bool = True,
                            tanb_resummation: bool = True, higgs: bool = True,
                            convention: Literal["bsm", "nmssmtools"] = "bsm"
                            ) -> PartlyInvalid:
    """Delta a_mu, the NMSSM contribution to the muon g-2 beyond the Standard Model: one-loop
    neutralino/chargino loops with the tan(beta) resummation of the muon Yukawa
    (``tanb_resummation``) and the two-loop QED logarithm (``qed_log``), plus the Higgs
    one-loop and Barr-Zee two-loop diagrams (``higgs``); ``convention: nmssmtools`` for the
    quantity NMSSMTools prints (module docstring; running couplings, so no
    ``tanb_resummation``). Points whose lighter smuon is
    tachyonic once the L-R mixing is in are invalid (code ``tachyon_smuon``)."""
    from .spectrum import as_arrays

    value = delta_amu(spectrum, as_arrays(params), qed_log=qed_log,
                      tanb_resummation=tanb_resummation, higgs=higgs,
                      convention=convention)["delta_amu"]
    bad = ~np.isfinite(value)
    return PartlyInvalid(np.where(bad, 0.0, value), bad, "tachyon_smuon",
                         "lighter smuon mass^2 < 0 with the L-R mixing m_mu (A_mu - mueff "
                         "tan(beta))")
