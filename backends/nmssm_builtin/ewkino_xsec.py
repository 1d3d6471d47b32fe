"""13 TeV electroweakino and slepton pair cross sections: leading order times a K-factor.

sigma(pp -> X_a X_b) = K(m_bar) sigma_LO(model), with

- sigma_LO the model's own leading-order cross section (``ewkino_lo``: s-channel gamma/Z/W with
  the couplings of ``vertices``, the exact masses of both states, PDF4LHC15 at mu_F = m_bar);
- K(m_bar) = sigma_NLO+NLL / sigma_LO of the LHC SUSY cross-section working group's pure
  states at the mean mass m_bar = (|m_a| + |m_b|)/2 (tables of
  ``backends/data/susy_xsec_13TeV_nlo_nll.csv``), taken geometrically between the wino and the
  higgsino table by the pair's wino content (charginos), the higgsino N1N2 table for
  neutralino pairs, and between the L and R slepton tables by the L content.

The pure-state tables are reproduced up to the LO grid interpolation (<= 1%) below 1.2 TeV
(K_MASS_MAX); the mixing, the
mass splitting of the pair and the gamma-Z interference come from the LO calculation. The
K-factors of the wino and higgsino tables differ by ~6% at equal mass (the higgsino tables
were computed for a slightly mixed higgsino); that spread is the uncertainty of K for mixed
states. Squark exchange is neglected (decoupled squarks, as in the tables).
"""

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np

from . import ewkino_lo as lo
from . import sm_inputs as sm
from .vertices import Vertices, sm_vector

TABLE_FILE = Path(__file__).resolve().parents[1] / "data" / "susy_xsec_13TeV_nlo_nll.csv"
NEUTRALINOS = (1000022, 1000023, 1000025, 1000035, 1000045)
CHARGINOS = (1000024, 1000037)
#: slepton PDG codes: (e_L, e_R, mu_L, mu_R, tau_1, tau_2), sneutrinos (e, mu, tau)
SLEPTONS = {"e": (1000011, 2000011), "mu": (1000013, 2000013), "tau": (1000015, 2000015)}
SNEUTRINOS = {"e": 1000012, "mu": 1000014, "tau": 1000016}
QUARKS = {"up": "u", "down": "d"}
#: K is held constant above this mass [GeV]: beyond ~1.2 TeV neighbouring table entries scatter
#: by up to a factor 2 (integration noise of the tables; e.g. higgsino N2C1 at 1.475-1.5 TeV)
K_MASS_MAX = 1200.0


@cache
def tables() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{process: (mass [GeV], sigma [pb])} of the NLO+NLL tables."""
    with TABLE_FILE.open() as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in dict.fromkeys(r["process"] for r in rows):
        mine = [r for r in rows if r["process"] == name]
        out[name] = (np.array([float(r["mass_GeV"]) for r in mine]),
                     np.array([float(r["xsec_pb"]) for r in mine]))
    return out


def _g() -> tuple[float, float, float]:
    g = math.sqrt(sm.G2SQ)
    cw = math.sqrt(sm.CW2)
    return g, g * math.sqrt(sm.SW2), cw


def fermion_w(s: dict, ll_rr: np.ndarray, lr: np.ndarray, charge: int) -> np.ndarray:
    """LO sigma [pb] of q qbar' -> W -> chi0 chi+- (charge +1 or -1): |L|^2 + |R|^2 and
    Re(L R^*) sign(m_a m_b) of the ino current."""
    g, _, _ = _g()
    c = "wplus" if charge > 0 else "wminus"
    return 0.5 * g**2 * (ll_rr * s[("WW", c, "F1")] + lr * s[("WW", c, "F2")])


def fermion_neutral(s: dict, z_l: np.ndarray, z_r: np.ndarray, a_c: np.ndarray | float,
                    masses_sign: np.ndarray, kind: str = "fermion") -> np.ndarray:
    """LO sigma [pb] of q qbar -> gamma, Z -> X_a X_b: ino (or scalar) Z couplings z_l, z_r and
    photon coupling a_c (0 for neutral pairs), summed over quark types and chiralities.
    Scalars take z_l = z_r = the Z coupling of the current and use kinematics S."""
    total = 0.0
    for qtype, species in QUARKS.items():
        zq, aq = sm_vector(species)
        for zql in (zq.L.real, zq.R.real):
            # A_X = aq a_c / s + zql z_X P_Z (real couplings): expand |A_L|^2 + |A_R|^2 and
            # 2 Re(A_L A_R^*) on the propagator structures
            if kind == "scalar":
                total = total + (aq**2 * a_c**2 * s[("AA", qtype, "S")]
                                 + 2 * aq * a_c * zql * z_l * s[("AZ", qtype, "S")]
                                 + zql**2 * z_l**2 * s[("ZZ", qtype, "S")])
                continue
            f1 = (2 * aq**2 * a_c**2 * s[("AA", qtype, "F1")]
                  + 2 * aq * a_c * zql * (z_l + z_r) * s[("AZ", qtype, "F1")]
                  + zql**2 * (z_l**2 + z_r**2) * s[("ZZ", qtype, "F1")])
            f2 = masses_sign * (aq**2 * a_c**2 * s[("AA", qtype, "F2")]
                                + aq * a_c * zql * (z_l + z_r) * s[("AZ", qtype, "F2")]
                                + zql**2 * z_l * z_r * s[("ZZ", qtype, "F2")])
            total = total + f1 + f2
    return total


@cache
def k_factors() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{table: (mass, K = sigma_table / sigma_LO of the pure state)} at the table's masses."""
    g, e, cw = _g()
    sw2 = sm.SW2
    out = {}
    for name, (m, sigma) in tables().items():
        s = lo.structure(m, m)
        one = np.ones_like(m)
        if name == "wino_n2c1":          # L = R = g
            lo_sigma = sum(fermion_w(s, 2 * g**2 * one, g**2 * one, q) for q in (1, -1))
        elif name == "higgsino_n2c1":    # |L|^2 + |R|^2 = g^2/2, Re(L R^*) sign = g^2/4
            lo_sigma = sum(fermion_w(s, 0.5 * g**2 * one, 0.25 * g**2 * one, q) for q in (1, -1))
        elif name == "higgsino_n1n2":    # Z: L = -R = -g/(2 c_W), opposite-sign masses
            z = -g / (2 * cw) * one
            lo_sigma = fermion_neutral(s, z, -z, 0.0, -one)
        elif name in ("wino_c1c1", "higgsino_c1c1"):
            t3 = 1.0 if name == "wino_c1c1" else 0.5
            z = -(g / cw) * (t3 - sw2) * one
            lo_sigma = fermion_neutral(s, z, z, -e, one)
        else:                             # sleptons: Z coupling -(g/c_W)(T3 - Q s_W^2)
            t3 = -0.5 if name == "slepton_L" else 0.0
            lo_sigma = fermion_neutral(s, -(g / cw) * (t3 + sw2) * one, 0.0, e, one,
                                       kind="scalar")
        out[name] = (m, sigma / lo_sigma)
    return out


def k_factor(name: str, mass: np.ndarray) -> np.ndarray:
    """K of one table at mass [GeV]: linear in the mass up to K_MASS_MAX, constant beyond it
    and below the table."""
    m, k = k_factors()[name]
    return np.interp(np.minimum(mass, K_MASS_MAX), m, k)


def k_between(a: str, b: str, mass: np.ndarray, weight_a: np.ndarray) -> np.ndarray:
    """K_a^w K_b^(1-w): geometric interpolation between two tables."""
    w = np.clip(weight_a, 0.0, 1.0)
    return k_factor(a, mass) ** w * k_factor(b, mass) ** (1.0 - w)


def key(a: int, b: int) -> str:
    """The mapping key of a produced pair (PDG codes, charge signs kept)."""
    return f"{a},{b}"


def electroweakinos(spec: dict, v: Vertices) -> dict[str, np.ndarray]:
    """sigma(pp -> pair) [pb] at 13 TeV for every neutralino-chargino, neutralino-neutralino
    and chargino-chargino pair."""
    _, e, _ = _g()
    mneu = np.stack([spec[f"mneu{i}"] for i in range(1, 6)], -1)
    mcha = np.stack([spec["mcha1"], spec["mcha2"]], -1)
    nmix, u, vmix = spec["N"], spec["U"], spec["V"]
    out: dict[str, np.ndarray] = {}
    w = v.w_neutralino_chargino
    wino_c = 0.5 * (u[:, :, 0] ** 2 + vmix[:, :, 0] ** 2)            # (n, 2)
    for i in range(5):
        for j in range(2):
            ma, mb = mneu[:, i], mcha[:, j]
            s = lo.structure(ma, mb, lo.W_FERMION)
            ll_rr = np.abs(w.L[:, i, j]) ** 2 + np.abs(w.R[:, i, j]) ** 2
            lr = (w.L[:, i, j] * np.conj(w.R[:, i, j])).real * np.sign(ma * mb)
            wino = nmix[:, i, 1] ** 2 * 2 * wino_c[:, j]
            higgsino = 0.5 * (nmix[:, i, 3] ** 2 * vmix[:, j, 1] ** 2
                              + nmix[:, i, 2] ** 2 * u[:, j, 1] ** 2)
            k = k_between("wino_n2c1", "higgsino_n2c1", 0.5 * (np.abs(ma) + mb),
                          wino / np.maximum(wino + higgsino, 1e-30))
            for q, sign in ((1, 1), (-1, -1)):
                out[key(NEUTRALINOS[i], sign * CHARGINOS[j])] = k * fermion_w(s, ll_rr, lr, q)
    z = v.z_neutralino
    for i in range(5):
        for j in range(i, 5):
            ma, mb = mneu[:, i], mneu[:, j]
            s = lo.structure(ma, mb, lo.NEUTRAL_FERMION)
            sigma = fermion_neutral(s, z.L[:, i, j].real, z.R[:, i, j].real, 0.0,
                                    np.sign(ma * mb))
            if i == j:
                sigma = 0.5 * sigma
            k = k_factor("higgsino_n1n2", 0.5 * (np.abs(ma) + np.abs(mb)))
            out[key(NEUTRALINOS[i], NEUTRALINOS[j])] = k * sigma
    zc = v.z_chargino
    for i in range(2):
        for j in range(2):
            ma, mb = mcha[:, i], mcha[:, j]
            s = lo.structure(ma, mb, lo.NEUTRAL_FERMION)
            sigma = fermion_neutral(s, zc.L[:, i, j].real, zc.R[:, i, j].real,
                                    -e if i == j else 0.0, np.ones_like(ma))
            k = k_between("wino_c1c1", "higgsino_c1c1", 0.5 * (ma + mb),
                          0.5 * (wino_c[:, i] + wino_c[:, j]))
            out[key(CHARGINOS[i], -CHARGINOS[j])] = k * sigma
    return out


def sleptons(spec: dict, msnutau: np.ndarray) -> dict[str, np.ndarray]:
    """sigma(pp -> slepton pair) [pb]: charged slepton pairs (gamma/Z), sneutrino pairs (Z)
    and charged slepton-sneutrino pairs (W); staus with their L-R mixing."""
    g, e, cw = _g()
    sw2 = sm.SW2
    n = spec["msmuL"].shape[0]
    eye = np.broadcast_to(np.eye(2), (n, 2, 2))
    # selectrons and smuons share their masses (no L-R mixing): computed once for both
    groups = ((("e", "mu"), eye, spec["msmuL"], spec["msmuR"], spec["msnumu"]),
              (("tau",), spec["stau_mix"], spec["mstau1"], spec["mstau2"], msnutau))
    out: dict[str, np.ndarray] = {}
    for flavours, rmix, m1, m2, msnu in groups:
        masses = (m1, m2)
        left = rmix[:, :, 0]                                       # R_kL (n, 2)
        for a in range(2):
            for b in range(2):
                # Z S_a S_b^*: -(g/c_W) sum_X (T3_X - Q s_W^2) R_aX R_bX (X = L, R; Q = -1)
                kappa = -(g / cw) * (-0.5 * left[:, a] * left[:, b]
                                     + sw2 * (rmix[:, a, 0] * rmix[:, b, 0]
                                              + rmix[:, a, 1] * rmix[:, b, 1]))
                s = lo.structure(masses[a], masses[b], lo.NEUTRAL_SCALAR)
                sigma = fermion_neutral(s, kappa, 0.0, e if a == b else 0.0, 1.0,
                                        kind="scalar")
                lmix = 0.5 * (left[:, a] ** 2 + left[:, b] ** 2)
                k = k_between("slepton_L", "slepton_R", 0.5 * (masses[a] + masses[b]), lmix)
                for f in flavours:
                    out[key(SLEPTONS[f][a], -SLEPTONS[f][b])] = k * sigma
            # W: sneutrino - charged slepton, coupling (g/sqrt2) R_aL
            s = lo.structure(msnu, masses[a], lo.W_SCALAR)
            k = k_factor("slepton_L", 0.5 * (msnu + masses[a]))
            for charge, sign in (("wplus", 1), ("wminus", -1)):
                sigma = 0.25 * g**4 * left[:, a] ** 2 * s[("WW", charge, "S")]
                for f in flavours:
                    out[key(SNEUTRINOS[f] * sign, -SLEPTONS[f][a] * sign)] = k * sigma
        s = lo.structure(msnu, msnu, lo.NEUTRAL_SCALAR)
        sigma = fermion_neutral(s, -(g / cw) * 0.5 * np.ones(n), 0.0, 0.0, 1.0, kind="scalar")
        for f in flavours:
            out[key(SNEUTRINOS[f], -SNEUTRINOS[f])] = k_factor("slepton_L", msnu) * sigma
    return out
