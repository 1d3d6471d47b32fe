"""New-physics Wilson coefficients of B physics from the NMSSM spectrum, and the flavour
observables from them through the flavio calibration (``backends/flavio_calibration.py``).

Minimal flavour violation: every new amplitude carries the Standard-Model CKM factor, so the
coefficients are real numbers in flavio's normalisation (see the calibration module for the
bases). What is computed, vectorised over points:

- tan(beta)-enhanced threshold corrections (Hall, Rattazzi, Sarid, hep-ph/9306309; Carena,
  Garcia, Nierste, Wagner, hep-ph/9912516; Buras, Chankowski, Rosiek, Slawianowska,
  hep-ph/0210145): eps_0 (gluino-sbottom), eps_Y (higgsino-stop),
  m_b = y_b v_d (1 + eps_b tan(beta)) with eps_b = eps_0 + y_t^2 eps_Y.
- C7, C8 at mu_0 = 160 GeV: charged Higgs at leading order (Ciuchini, Degrassi, Gambino,
  Giudice, hep-ph/9710335) with the resummed b Yukawa of the H+ t b coupling, matched at
  M_H+ and run to mu_0 at leading order (nf = 6 above m_t).
- C7, C8 from chargino-stop loops at leading order with the GIM partner (first-two-generation
  up squarks), the b Yukawa of the higgsino coupling resummed (``chargino_c7_c8``).
- C10 (Bs -> mu mu): charged-Higgs Z penguin of the type-II model, C_A = -(x_t/8) cot^2(beta)
  f(m_t^2/M_H^2) in the normalisation of Y0 (the Goldstone part of the top Z penguin with
  M_W -> M_H; Logan, Nierste, hep-ph/0004139; Bobeth, Buras, Kruger, Urban, hep-ph/0112305).
- C_S, C_P (Bs -> mu mu): neutral-Higgs penguins through the loop-induced b_R s_L coupling of
  H_u (eps_Y), exchanged by every CP-even h_i and CP-odd a_j with their mixing (S, P), so that
  singlet-like states enter through their doublet admixture (Babu, Kolda, hep-ph/9909476;
  Isidori, Retico, hep-ph/0110121; hep-ph/0210145).
- C_SR (B+ -> tau nu): tree-level charged Higgs, C_SR = -m_b m_tau tan^2(beta)/
  ((1 + eps_0 tan(beta)) M_H^2), so that BR/BR_SM = (1 - m_B^2 tan^2(beta)/((1 + eps_0
  tan(beta)) M_H^2))^2 (Hou, PRD 48 (1993) 2342; Akeroyd, Recksiegel, hep-ph/0306037).
- Delta M_s: Higgs double penguins (Delta F = 2 operators Q_1^SLL, Q_2^LR, hep-ph/0210145)
  matched at the heavy Higgs mass and run to mu_0 at leading order (Buras, Misiak, Urban,
  hep-ph/0005183).

Left out: charginos and stops in C10 and the boxes, the next-to-leading-order charged-Higgs
matching of C7, C8 (a few per cent of the charged-Higgs term), the tan^2(beta) charged-Higgs
boxes and penguins in C_S, C_P, and the charged-Higgs boxes of Delta M_s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from backends.flavio_calibration import Calibration
from backends.nmssm_labels import LABELS
from fit import provider

from . import sm_inputs as sm
from .loop_functions import dipole_parts, f7_1, f7_2, f8_1, f8_2, i3, y0, z_penguin_charged_higgs
from .vertices import vertices

#: matching scale of C7, C8 and of the Delta F = 2 coefficients [GeV] (the calibration's)
MU_0 = 160.0
#: names of the coefficients this module gives (see backends/flavio_calibration.py)
COEFFICIENTS = ("C7_bs", "C8_bs", "C10_bsmumu", "CS_bsmumu", "CP_bsmumu", "CSR_butaunutau",
                "VLL", "LR1", "LR2", "SLL1")


def _beta0(nf: int) -> float:
    return 11.0 - 2.0 * nf / 3.0


def run_c7_c8(c7: np.ndarray, c8: np.ndarray, scale: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """C7, C8 from ``scale`` [GeV] to MU_0 at leading order:
    C8(mu_0) = eta^(14/(2 beta0)) C8, C7(mu_0) = eta^(16/(2 beta0)) C7 + (8/3)(eta^(14/(2 beta0))
    - eta^(16/(2 beta0))) C8, eta = alpha_s(scale)/alpha_s(mu_0) (Buras, Misiak, Munz, Pokorski,
    hep-ph/9311345), nf = 6 above m_t (exponents 16/21, 14/21)."""
    eta = sm.alpha_s(scale) / float(sm.alpha_s(MU_0))
    nf = 6
    e7 = eta ** (16.0 / (2 * _beta0(nf)))
    e8 = eta ** (14.0 / (2 * _beta0(nf)))
    return e7 * c7 + 8.0 / 3.0 * (e8 - e7) * c8, e8 * c8


#: leading-order anomalous dimensions of the Delta F = 2 operators (Buras, Misiak, Urban,
#: hep-ph/0005183, eqs. (3.5)-(3.9) with N = 3): gamma^(0) for (Q_1^LR, Q_2^LR) and
#: (Q_1^SLL, Q_2^SLL); C(mu) = eta^(gamma^T/(2 beta0)) C(mu_H), eta = alpha_s(mu_H)/alpha_s(mu)
GAMMA_LR = np.array([[6.0 / 3.0, 12.0], [0.0, -6.0 * 3.0 + 6.0 / 3.0]])
GAMMA_SLL = np.array([[-6.0 * 3.0 + 6.0 + 6.0 / 3.0, 0.5 - 1.0 / 3.0],
                      [-24.0 - 48.0 / 3.0, 2.0 * 3.0 + 6.0 - 2.0 / 3.0]])


def _evolution(gamma: np.ndarray, eta: np.ndarray, nf: int) -> np.ndarray:
    """(n, 2, 2) evolution matrices eta^(gamma^T/(2 beta0)) for an array of eta."""
    w, v = np.linalg.eig(gamma.T / (2.0 * _beta0(nf)))
    vinv = np.linalg.inv(v)
    powers = eta[:, None] ** np.real(w)[None, :]
    return np.real(np.einsum("ij,nj,jk->nik", v, powers, vinv))


def run_delta_f2(c: Mapping[str, np.ndarray], scale: np.ndarray) -> dict[str, np.ndarray]:
    """Delta F = 2 coefficients (VLL, LR1, LR2, SLL1, SLL2) from ``scale`` to MU_0, leading
    order, nf = 6 (VLL: eta^(6/21))."""
    eta = sm.alpha_s(scale) / float(sm.alpha_s(MU_0))
    zero = np.zeros_like(eta)
    lr = np.einsum("nij,nj->ni", _evolution(GAMMA_LR, eta, 6),
                   np.stack([c.get("LR1", zero), c.get("LR2", zero)], -1))
    sll = np.einsum("nij,nj->ni", _evolution(GAMMA_SLL, eta, 6),
                    np.stack([c.get("SLL1", zero), c.get("SLL2", zero)], -1))
    return {"VLL": eta ** (6.0 / 21.0) * c.get("VLL", zero), "LR1": lr[:, 0], "LR2": lr[:, 1],
            "SLL1": sll[:, 0], "SLL2": sll[:, 1]}


def susy_scale(p: Mapping[str, np.ndarray]) -> np.ndarray:
    """Q = sqrt(MQ3 MU3) [GeV], the scale of the stop sector (as the spectrum uses)."""
    return np.sqrt(np.abs(p["MQ3"] * p["MU3"]))


def threshold_corrections(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray]
                          ) -> dict[str, np.ndarray]:
    """eps_0, eps_Y, eps_b and y_t (SLHA sign conventions; mu = mueff):

        eps_0 = 2 alpha_s/(3 pi) mu M3 I(m_b1^2, m_b2^2, M3^2)
        eps_Y = 1/(16 pi^2) A_t mu I(m_t1^2, m_t2^2, mu^2)
        eps_b = eps_0 + y_t^2 eps_Y,   y_t = m_t(Q)/(v sin(beta))

    (hep-ph/9912516 eqs. (3)-(5); hep-ph/0210145 sect. 3). Positive mu M3 reduces y_b.
    """
    q = susy_scale(p)
    mu = p["mueff"]
    beta = np.arctan(p["tanb"])
    yt = sm.mt_msbar(np.maximum(q, sm.MT_POLE)) / (sm.V_HIGGS * np.sin(beta))
    eps0 = (2.0 * sm.alpha_s(q) / (3.0 * math.pi) * mu * p["M3"]
            * i3(spectrum["msb1"] ** 2, spectrum["msb2"] ** 2, p["M3"] ** 2))
    epsy = (p["At"] * mu / (16.0 * math.pi**2)
            * i3(spectrum["mst1"] ** 2, spectrum["mst2"] ** 2, mu**2))
    return {"eps_0": eps0, "eps_Y": epsy, "eps_b": eps0 + yt**2 * epsy, "y_t": yt}


def charged_higgs_c7_c8(mhc: np.ndarray, tanb: np.ndarray, eps_b: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Charged-Higgs C7, C8 at MU_0: at M_H+ (m_t = m_t(M_H+), y = m_t^2/M_H^2)

        C7 = cot^2(beta)/3 F7^(1)(y) + F7^(2)(y)/(1 + eps_b tan(beta))   (likewise C8),

    the second term carrying the resummed b Yukawa of the H+ t_L b_R coupling
    (hep-ph/9912516, hep-ph/0210145 sect. 5.3), then run to MU_0."""
    scale = np.maximum(mhc, MU_0)
    y = (sm.mt_msbar(scale) / mhc) ** 2
    resum = 1.0 / (1.0 + eps_b * tanb)
    c7 = f7_1(y) / (3.0 * tanb**2) + f7_2(y) * resum
    c8 = f8_1(y) / (3.0 * tanb**2) + f8_2(y) * resum
    return run_c7_c8(c7, c8, scale)


def _dipole_sum(left: np.ndarray, right: np.ndarray, m_ino: np.ndarray, m_sq: np.ndarray,
                m_b: np.ndarray, charges: tuple[float, float]) -> np.ndarray:
    """sum_j (v^2/(4 m_sq^2)) [R_j R_j t1(x_j) + (m_j/m_b) R_j L_j t2(x_j)], x_j = m_j^2/m_sq^2,
    for one squark (couplings (n, 2) over the charginos j, CKM factor stripped): its C7
    (photon charges (2/3, -1)) or C8 (colour (1, 0)); see `loop_functions.dipole_parts`."""
    x = (m_ino / m_sq[:, None]) ** 2
    t1, t2 = dipole_parts(x, *charges)
    terms = right * right * t1 + (m_ino / m_b[:, None]) * right * left * t2
    return sm.V_HIGGS**2 / (4.0 * m_sq**2) * np.sum(terms, axis=1)


def chargino_c7_c8(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                   eps_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chargino-stop C7, C8 at MU_0 with the GIM partner (the first-two-generation up
    squarks, mass msuL, unmixed): leading order (Bertolini, Borzumati, Masiero, Ridolfi,
    Nucl. Phys. B353 (1991) 591; hep-ph/9806308), couplings t~_k bbar (L P_L + R P_R)
    chi^c_j of ``vertices`` with the b Yukawa in L divided by (1 + eps_b tan(beta))
    (Degrassi, Gambino, Giudice, hep-ph/0009337; Carena et al., hep-ph/0010003), each
    squark's term matched at its mass and run to MU_0."""
    coupling = vertices(spectrum, p).sfermion_chargino["t"]
    left = coupling.L.real / (1.0 + eps_b * p["tanb"])[:, None, None]
    right = coupling.R.real
    m_b = sm.mb_msbar(np.maximum(susy_scale(p), sm.MT_POLE))
    m_ino = np.stack([spectrum["mcha1"], spectrum["mcha2"]], -1)
    c7 = np.zeros_like(m_b)
    c8 = np.zeros_like(m_b)
    stop_mix = spectrum["stop_mix"]
    for k in range(2):
        m_sq = spectrum[f"mst{k + 1}"]
        a7 = _dipole_sum(left[:, k], right[:, k], m_ino, m_sq, m_b, (2.0 / 3.0, -1.0))
        a8 = _dipole_sum(left[:, k], right[:, k], m_ino, m_sq, m_b, (1.0, 0.0))
        r7, r8 = run_c7_c8(a7, a8, np.maximum(m_sq, MU_0))
        c7, c8 = c7 + r7, c8 + r8
    # t~_L couplings (the stop rows rotated back with R^T): those of c~_L, u~_L (R = -g V_j1,
    # L = y_b U_j2)
    left_l = np.einsum("nk,nkj->nj", stop_mix[:, :, 0], left)
    right_l = np.einsum("nk,nkj->nj", stop_mix[:, :, 0], right)
    m_sq = spectrum["msuL"]
    a7 = _dipole_sum(left_l, right_l, m_ino, m_sq, m_b, (2.0 / 3.0, -1.0))
    a8 = _dipole_sum(left_l, right_l, m_ino, m_sq, m_b, (1.0, 0.0))
    r7, r8 = run_c7_c8(a7, a8, np.maximum(m_sq, MU_0))
    return c7 - r7, c8 - r8


def charged_higgs_c10_ratio(mhc: np.ndarray, tanb: np.ndarray) -> np.ndarray:
    """Y_H/Y_SM: the type-II charged-Higgs Z penguin relative to the Standard-Model Y0(x_t)
    (both with m_t(m_t)); adds to the Standard Model (Y_H > 0)."""
    mt = sm.mt_msbar_at_mt()
    xt = (mt / sm.MW) ** 2
    y_h = -xt / 8.0 / tanb**2 * z_penguin_charged_higgs((mt / mhc) ** 2)
    return y_h / float(y0(np.array(xt)))


def higgs_sums(spectrum: Mapping[str, np.ndarray], tanb: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """The Higgs-exchange sums of the neutral-Higgs penguins [GeV^-2] (SLHA2 S, P):

        sigma_S = sum_i S_i1 (S_i2 - tan(beta) S_i1)/m_hi^2,
        sigma_P = sum_j P_j1^2/(sin(beta) cos(beta) m_aj^2),

    (couplings of h_i, a_j to the b_R s_L current times their couplings to muons, which
    come from H_d). A singlet-like state enters with its doublet admixture; the Standard-Model-
    like Higgs cancels in sigma_S."""
    beta = np.arctan(tanb)
    s, pm = spectrum["S"], spectrum["P"]
    mh2 = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1) ** 2
    ma2 = np.stack([spectrum[f"ma{i}"] for i in (1, 2)], -1) ** 2
    sig_s = np.sum(s[:, :, 0] * (s[:, :, 1] - tanb[:, None] * s[:, :, 0]) / mh2, axis=1)
    sig_p = np.sum(pm[:, :, 0] ** 2 / ma2, axis=1) / (np.sin(beta) * np.cos(beta))
    return sig_s, sig_p


def higgs_penguins(eps: Mapping[str, np.ndarray], tanb: np.ndarray, sig_s: np.ndarray,
                   sig_p: np.ndarray, m_mu: float, alpha: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """C_S, C_P [GeV^-1] (flavio's normalisation) of the neutral-Higgs penguins.

    The b_R s_L coupling of the Higgs fields, L ⊃ -kappa b_R s_L (H_u^0* - tan(b) H_d^0)
    + h.c. with kappa = m_b eps_Y y_t^2 V_tb* V_ts/(v_d D), D = (1 + eps_b t)(1 + eps_0 t)
    (hep-ph/0210145 eqs. (3.55)-(3.56)), times the muon Yukawa of H_d gives, after the h_i,
    a_j exchange, L ⊃ c_S (s P_R b)(mu mu) + c_P (s P_R b)(mu g5 mu) with
    c_{S,P} = kappa* m_mu sigma_{S,P}/(2 v_d) (`higgs_sums`). flavio's H = -4 G_F/sqrt2
    V_tb V_ts* alpha/(4 pi) m_b (C_S O_S + ...) then gives, with 2 sqrt2 G_F v^2 = 1,

        C_{S,P} = 2 pi m_mu eps_Y y_t^2 sigma_{S,P}/(alpha cos^2(beta) D).

    At tan(beta) = 50, M_A = m_t, 16 pi^2 eps_Y = 1 this is BR(Bs -> mu mu) = 3.5e-5, the
    large-tan(beta) estimate of Isidori, Retico (hep-ph/0110121) and hep-ph/0210145."""
    denominator = (1.0 + eps["eps_b"] * tanb) * (1.0 + eps["eps_0"] * tanb)
    cos2 = 1.0 / (1.0 + tanb**2)
    common = 2.0 * math.pi * m_mu * eps["eps_Y"] * eps["y_t"] ** 2 / (alpha * cos2 * denominator)
    return common * sig_s, common * sig_p


def wilson_coefficients(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                        calibration: Calibration) -> dict[str, np.ndarray]:
    """All new-physics coefficients (COEFFICIENTS) and the threshold corrections.

    ``calibration``: the flavio calibration; its constants (alpha_e(4.8 GeV), the Standard-
    Model C10, m_s/m_b ...) put the coefficients in flavio's conventions."""
    constants = calibration.constants
    tanb = p["tanb"]
    mhc = spectrum["mhc"]
    eps = threshold_corrections(spectrum, p)
    out: dict[str, np.ndarray] = dict(eps)
    c7_h, c8_h = charged_higgs_c7_c8(mhc, tanb, eps["eps_b"])
    c7_c, c8_c = chargino_c7_c8(spectrum, p, eps["eps_b"])
    out["C7_bs"], out["C8_bs"] = c7_h + c7_c, c8_h + c8_c
    out["C7_chargino"] = c7_c

    # Bs -> mu mu
    out["C10_bsmumu"] = constants["C10_SM_4.8"] * charged_higgs_c10_ratio(mhc, tanb)
    sig_s, sig_p = higgs_sums(spectrum, tanb)
    out["CS_bsmumu"], out["CP_bsmumu"] = higgs_penguins(eps, tanb, sig_s, sig_p,
                                                        constants["m_mu"],
                                                        constants["alpha_e_4.8"])

    # B+ -> tau nu: BR/BR_SM = (1 + k C_SR)^2 in flavio (k = m_B^2/(m_tau m_b) in its
    # conventions, read off the calibration), so that k C_SR is the tree-level factor
    k = calibration["br_btaunu"].linear[0] / 2.0
    out["CSR_butaunutau"] = (-constants["m_B+"] ** 2 * tanb**2
                             / ((1.0 + out["eps_0"] * tanb) * mhc**2)) / k

    out.update(double_penguins(spectrum, p, eps, constants))
    return out


def double_penguins(spectrum: Mapping[str, np.ndarray], p: Mapping[str, np.ndarray],
                    eps: Mapping[str, np.ndarray], constants: Mapping[str, float]
                    ) -> dict[str, np.ndarray]:
    """Delta F = 2 coefficients from two neutral-Higgs penguins (tree-level h_i, a_j exchange
    between b_R s_L and b_L s_R currents), in the normalisation H = G_F^2 M_W^2/(16 pi^2)
    (V_tb V_ts*)^2 sum C_i Q_i, at MU_0:

        C_SLL1 = -(kappa^2/4) [sum_i (S_i2 - t S_i1)^2/m_hi^2 - sum_j (P_j1/(s c))^2/m_aj^2]/N
        C_LR2  = -(kappa kappa'/2) [sum_i (S_i2 - t S_i1)^2/m_hi^2 + sum_j ...]/N,

    kappa = m_b eps_Y y_t^2/(v_d D), kappa' = kappa m_s/m_b (couplings over V_tb V_ts*),
    masses at the heavy Higgs scale, N = G_F^2 M_W^2/(16 pi^2) (hep-ph/0210145 sect. 6)."""
    tanb = p["tanb"]
    beta = np.arctan(tanb)
    s, pm = spectrum["S"], spectrum["P"]
    mh2 = np.stack([spectrum[f"mh{i}"] for i in (1, 2, 3)], -1) ** 2
    ma2 = np.stack([spectrum[f"ma{i}"] for i in (1, 2)], -1) ** 2
    even = np.sum((s[:, :, 1] - tanb[:, None] * s[:, :, 0]) ** 2 / mh2, axis=1)
    odd = np.sum((pm[:, :, 0] / (np.sin(beta) * np.cos(beta))[:, None]) ** 2 / ma2, axis=1)
    scale = np.maximum(spectrum["mhc"], MU_0)
    mb = sm.mb_msbar(scale)
    ms = mb * constants["m_s_4.8"] / constants["m_b_4.8"]
    vd = sm.V_HIGGS * np.cos(beta)
    kappa = (mb * eps["eps_Y"] * eps["y_t"] ** 2
             / (vd * (1.0 + eps["eps_b"] * tanb) * (1.0 + eps["eps_0"] * tanb)))
    norm = sm.G_F**2 * sm.MW**2 / (16.0 * math.pi**2)
    c = {"SLL1": -(kappa**2 / 4.0) * (even - odd) / norm,
         "LR2": -(kappa * kappa * ms / mb / 2.0) * (even + odd) / norm}
    low = run_delta_f2(c, scale)
    return {k: low[k] for k in ("VLL", "LR1", "LR2", "SLL1")}


# ---------------------------------------------------------------- providers


def _calibration(path: Path | None):
    from backends.flavio_calibration import DEFAULT_FILE, load

    return load(str(path or DEFAULT_FILE))


@provider("flavour_wilson_coefficients", vectorised=True,
          name="nmssm_builtin_flavour_wilson_coefficients",
          labels=LABELS["flavour_wilson_coefficients"])
def nmssm_builtin_flavour_wilson_coefficients(spectrum: dict, params: dict, *,
                                              calibration: Path | None = None
                                              ) -> dict[str, np.ndarray]:
    """New-physics Wilson coefficients of b -> s gamma, Bs -> mu mu, B -> tau nu and B_s
    mixing (flavio's conventions, see backends/flavio_calibration.py) and the threshold
    corrections eps_0, eps_Y, eps_b. ``calibration``: the flavio calibration file (default
    backends/data/flavio_calibration.json)."""
    from .spectrum import as_arrays

    return wilson_coefficients(spectrum, as_arrays(params), _calibration(calibration))


def _observable(capability: str, doc: str) -> None:
    """Register ``nmssm_builtin_<capability>``: the calibrated prediction of one observable."""

    def predict(flavour_wilson_coefficients: dict, *, calibration: Path | None = None
                ) -> np.ndarray:
        return _calibration(calibration)[capability](flavour_wilson_coefficients)

    predict.__doc__ = doc
    predict.__name__ = predict.__qualname__ = f"nmssm_builtin_{capability}"
    provider(capability, vectorised=True, name=f"nmssm_builtin_{capability}",
             labels=LABELS[capability])(predict)


_observable("br_bsgamma", "BR(B -> X_s gamma), E_gamma > 1.6 GeV (flavio's prediction, "
                          "calibrated in C7, C8).")
_observable("br_bsmumu", "Time-integrated BR(B_s -> mu+ mu-) (flavio's prediction, calibrated "
                         "in C10, C_S, C_P).")
_observable("br_btaunu", "BR(B+ -> tau+ nu) (flavio's prediction, calibrated in C_SR).")
_observable("delta_ms", "Delta M_s [ps^-1] (flavio's prediction, calibrated in the Delta F = 2 "
                        "coefficients).")
