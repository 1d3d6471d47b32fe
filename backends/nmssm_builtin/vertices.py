"""Tree-level couplings of the Z3-NMSSM mass eigenstates, vectorised over points.

One place for the Feynman rules that the decays, the relic density, direct detection,
flavour, g-2 and the collider cross sections all need, derived once from one Lagrangian
whose mass matrices are those of the spectrum modules (SLHA2 conventions, arXiv:0801.0045).

Conventions
-----------
Two-component spinors and the superpotential W = lambda S H_u.H_d + kappa/3 S^3
+ y_u U^c (Q.H_u) + y_d D^c (H_d.Q) + y_e E^c (H_d.L), with A.B = A^1 B^2 - A^2 B^1
(so H_u.H_d = H_u^+ H_d^- - H_u^0 H_d^0), covariant derivative D = d + i g T^a A^a
+ i g' Y B, gaugino Yukawas -sqrt2 g (phi^* T^a psi) lambda^a + h.c. (Dreiner, Haber,
Martin, arXiv:0812.1594, sect. 3 and 6). These reproduce the neutralino, chargino and
tree-level Higgs mass matrices of ``neutralinos``, ``charginos`` and ``higgs`` (the tests
check it) and the sfermion L-R mixing of ``sfermions`` (X_t = A_t - mueff/tan(beta)). Neutral fields
H_d^0 = v_d + (h_d + i a_d)/sqrt2 (v ~ 174 GeV), likewise H_u^0 and S (s = mueff/lambda);
CP-even states h_a = S_aj (h_d, h_u, h_s)_j, CP-odd a_b = P_bj (a_d, a_u, a_s)_j,
G^0 = cos(b) a_d - sin(b) a_u; charged H^+ = cos(b) H_u^+ + sin(b) H_d^-*,
G^+ = sin(b) H_u^+ - cos(b) H_d^-*.

Four-component fields: neutralinos Psi0_i Majorana, real N and signed masses m_i
(mass term -(1/2) m_i Psi0bar_i Psi0_i); charginos Psi_j = (chi+_j, chibar-_j) Dirac,
annihilating chi+_j; quarks and leptons Dirac; P_L,R = (1 -+ gamma5)/2.

Every fermion coupling is a `Chiral` pair (L, R) of complex arrays in one of two forms:

- scalar phi:  L  ⊃  phi fbar_i (L_ij P_L + R_ij P_R) f'_j   [+ h.c. where f != f'],
- vector V:    L  ⊃  V_mu fbar_i gamma^mu (L_ij P_L + R_ij P_R) f'_j   [+ h.c.],

and for two Majorana neutralinos the term carries a factor 1/2 (L ⊃ (1/2) phi
Psi0bar_i (...)_ij Psi0_j), so that the Feynman rule is i (L P_L + R P_R) in both cases.
Which field pair each array couples is said where it is defined (`Vertices`).

Bosonic couplings (same conventions; Feynman rules with all momenta incoming):

- h_a V V:  L ⊃ k_v_a h_a (g M_W W+_mu W-^mu + M_Z^2/(sqrt2 v) Z_mu Z^mu), i.e. the SM
  couplings times ``k_v`` = cos(b) S_a1 + sin(b) S_a2.
- Z h_a a_b: L ⊃ (g/(2 c_W)) ``zha``_ab Z^mu (h_a d_mu a_b - a_b d_mu h_a); vertex
  (g/(2 c_W)) zha_ab (p_a - p_h)^mu. ``zha`` = S_a1 P_b1 - S_a2 P_b2.
- W+ H- h_a, W+ H- a_b: L ⊃ (i g/2) ``whh``_a W+^mu (H- d_mu h_a - h_a d_mu H-)
  + (g/2) ``wha``_b W+^mu (H- d_mu a_b - a_b d_mu H-) + h.c.,
  whh = sin(b) S_a1 - cos(b) S_a2, wha = sin(b) P_b1 + cos(b) P_b2.
- Z, gamma H+ H-: L ⊃ i c (H+ d_mu H- - H- d_mu H+) V^mu with c = e (photon),
  (g/c_W)(1/2 - s_W^2) (Z).
- W+ W- V (V = Z, gamma): vertex -i g_V [g^{ab}(k- - k+)^c + g^{bc}(kZ - k-)^a
  + g^{ca}(k+ - kZ)^b] for the fields W+_a (momentum k+), W-_b (k-), V_c (kZ),
  g_Z = g c_W, g_gamma = e; fermion currents L ⊃ -(g/c_W) Z fbar gamma (T3 P_L - Q s_W^2) f
  - e Q A fbar gamma f - (g/sqrt2) (W+ ubar gamma P_L d + h.c.) (`sm_vector`).
- Higgs-fermion Yukawas: L ⊃ -(m_f/(sqrt2 v)) k_a h_a fbar f + i (m_f/(sqrt2 v)) ka_b a_b
  fbar gamma5 f, with k = S_a2/sin(b) (up), S_a1/cos(b) (down, leptons), ka = P_b2/sin(b)
  (up), P_b1/cos(b) (down); L ⊃ H+ tbar ((m_t/(v tan b)) P_L + (m_b tan b/v) P_R) b + h.c.
- Higgs trilinears: V ⊃ (1/6) ``hhh``_abc h_a h_b h_c + (1/2) ``haa``_abc h_a a_b a_c
  + ``hcc``_a h_a H+ H- [GeV]; Feynman rules -i hhh_abc, -i haa_abc, -i hcc_a. Tree level
  (third derivatives of the tree-level potential at the input vacuum): the radiative
  corrections that lift m_h are not in them.

Gauge couplings from M_W, M_Z (on shell, as the mass matrices); quark masses in the
sfermion-quark-ino Yukawas are the running masses the stop and sbottom matrices use
(MSbar at sqrt(M_Q3 M_U3)); lepton masses are pole masses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import sm_inputs as sm

R2 = math.sqrt(0.5)
SQ2 = math.sqrt(2.0)
#: lepton pole masses [GeV] (PDG 2024): e, mu (tau from SMINPUTS)
M_ELECTRON = 0.51099895e-3
M_MUON = 0.1056583755
#: quark masses [GeV] for the first two generations (PDG 2024 MSbar at 2 GeV for u, d, s;
#: m_c(m_c)): they enter only through Yukawas of order 1e-5..1e-2
M_UP, M_DOWN, M_STRANGE, M_CHARM = 2.16e-3, 4.70e-3, 93.5e-3, 1.273


@dataclass(frozen=True)
class Chiral:
    """A chiral coupling pair: the coefficients of P_L and P_R (complex arrays)."""

    L: np.ndarray
    R: np.ndarray


#: (T3, Q) of the left-handed member, per fermion species
SPECIES = {"u": (0.5, 2 / 3), "c": (0.5, 2 / 3), "t": (0.5, 2 / 3),
           "d": (-0.5, -1 / 3), "s": (-0.5, -1 / 3), "b": (-0.5, -1 / 3),
           "e": (-0.5, -1.0), "mu": (-0.5, -1.0), "tau": (-0.5, -1.0),
           "nu_e": (0.5, 0.0), "nu_mu": (0.5, 0.0), "nu_tau": (0.5, 0.0)}
#: SU(2) partner of each fermion (for the chargino couplings)
PARTNER = {"u": "d", "c": "s", "t": "b", "d": "u", "s": "c", "b": "t",
           "e": "nu_e", "mu": "nu_mu", "tau": "nu_tau", "nu_e": "e", "nu_mu": "mu",
           "nu_tau": "tau"}
#: sfermion L-R mixing key of the spectrum, for the mixed third generation
MIXING = {"t": "stop_mix", "b": "sbottom_mix", "tau": "stau_mix"}


class BySpecies(Mapping):
    """A read-only mapping species -> array, each computed on first access (a consumer
    that needs the squarks does not pay for the sleptons)."""

    def __init__(self, compute: Callable[[str], np.ndarray]) -> None:
        self._compute, self._cache = compute, {}

    def __getitem__(self, species: str) -> np.ndarray:
        if species not in SPECIES:
            raise KeyError(species)
        if species not in self._cache:
            self._cache[species] = self._compute(species)
        return self._cache[species]

    def __iter__(self) -> Iterator[str]:
        return iter(SPECIES)

    def __len__(self) -> int:
        return len(SPECIES)


def gauge_couplings() -> tuple[float, float, float, float]:
    """g (SU(2)), g' (U(1)_Y), e, cos(theta_W) from M_W, M_Z and G_F (on shell)."""
    g, gp = math.sqrt(sm.G2SQ), math.sqrt(sm.G1SQ)
    return g, gp, g * math.sqrt(sm.SW2), math.sqrt(sm.CW2)


def _angles(tanb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta = np.arctan(tanb)
    return np.cos(beta), np.sin(beta)


# ----------------------------------------------------------------- field derivatives

def neutral_directions(cb: np.ndarray, sb: np.ndarray, smix: np.ndarray,
                       pmix: np.ndarray) -> np.ndarray:
    """Complex derivatives (n, 6, 3) of (H_d^0, H_u^0, S) along the mass eigenstates
    (h_1, h_2, h_3, a_1, a_2, G^0): d H_x / d h_a = S_ax/sqrt2, d H_x / d a_b = i P_bx/sqrt2."""
    n = cb.shape[0]
    d = np.zeros((n, 6, 3), dtype=complex)
    d[:, :3, :] = smix * R2
    d[:, 3:5, :] = 1j * pmix * R2
    d[:, 5, 0], d[:, 5, 1] = 1j * cb * R2, -1j * sb * R2
    return d


#: a field-dependent mass-matrix entry: (row, column, field x of (H_d^0, H_u^0, S),
#: holomorphic in it (superpotential) or in its conjugate (gauge), d entry / d field)
Entry = tuple[int, int, int, bool, "np.ndarray | float"]


def neutralino_entries(lam: np.ndarray, kappa: np.ndarray, g: float, gp: float
                       ) -> list[Entry]:
    """The field-dependent entries of the neutralino matrix (upper triangle; symmetric)."""
    return [(3, 4, 0, True, -lam),           # -lambda H_d H~u S~
            (2, 4, 1, True, -lam),           # -lambda H_u H~d S~
            (2, 3, 2, True, -lam),           # -lambda S H~d H~u
            (4, 4, 2, True, 2.0 * kappa),    # 2 kappa S S~S~
            (0, 2, 0, False, -gp * R2), (1, 2, 0, False, g * R2),
            (0, 3, 1, False, gp * R2), (1, 3, 1, False, -g * R2)]


def chargino_entries(lam: np.ndarray, g: float) -> list[Entry]:
    """The field-dependent entries of X, basis (W~-, H~d-) x (W~+, H~u+) of ``charginos``."""
    return [(1, 1, 2, True, lam),            # lambda S H~u+ H~d-
            (1, 0, 0, False, g),             # g H_d0^* H~d- W~+
            (0, 1, 1, False, g)]             # g H_u0^* H~u+ W~-


def field_derivatives(entries: list[Entry], size: int, n: int, symmetric: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Dense d M / d(H_d^0, H_u^0, S) (n,3,size,size) of the holomorphic entries and
    d M / d(H_d^0*, H_u^0*, S*) of the anti-holomorphic ones."""
    hol = np.zeros((n, 3, size, size))
    anti = np.zeros((n, 3, size, size))
    for row, col, field, holomorphic, value in entries:
        target = hol if holomorphic else anti
        target[:, field, row, col] = value
        if symmetric:
            target[:, field, col, row] = value
    return hol, anti


def _neutral_scalar_couplings(entries: list[Entry], directions: np.ndarray,
                              left: np.ndarray, right: np.ndarray, majorana: bool) -> Chiral:
    """Mass-basis couplings of the directions phi_a (n,6,3: dH_x/dphi_a) to a fermion pair.

    d M/d phi_a = sum_x (dH_x/dphi_a) hol_x + (dH_x/dphi_a)^* anti_x; two-component
    L ⊃ -(1/2) phi Y_ij chi_i chi_j + h.c. (Majorana, Y = N dM N^T) or
    -phi Y_ij chi-_i chi+_j + h.c. (Dirac, Y = U dX V^T): in four components
    L = -Y, R = -Y^* (Majorana, Y symmetric) or -Y^dagger (Dirac)."""
    n = directions.shape[0]
    y = np.zeros((n, directions.shape[1], left.shape[1], right.shape[1]), dtype=complex)
    for row, col, field, holomorphic, value in entries:
        c = directions[:, :, field] if holomorphic else directions[:, :, field].conj()
        outer = left[:, :, None, row] * right[:, None, :, col]
        if majorana and row != col:
            outer = outer + left[:, :, None, col] * right[:, None, :, row]
        y += (np.asarray(value)[..., None] * c)[:, :, None, None] * outer[:, None]
    return Chiral(-y, -(y.conj() if majorana else np.swapaxes(y.conj(), -1, -2)))


# ----------------------------------------------------------------- gauge couplings

def _z_neutralino(nmix: np.ndarray, g: float, cw: float) -> Chiral:
    """L ⊃ (1/2) Z Psi0bar_i gamma (L P_L + R P_R) Psi0_j: L = -(g/c_W) O, R = -L,
    O = N diag(0, 0, 1/2, -1/2, 0) N^T (the higgsinos' T3)."""
    o = 0.5 * (nmix[:, :, None, 2] * nmix[:, None, :, 2]
               - nmix[:, :, None, 3] * nmix[:, None, :, 3])
    left = -(g / cw) * o
    return Chiral(left.astype(complex), (-left).astype(complex))


def _z_chargino(u: np.ndarray, v: np.ndarray, g: float, cw: float) -> Chiral:
    """L ⊃ Z Psibar_i gamma (L P_L + R P_R) Psi_j: L = -(g/c_W) V T+ V^T,
    R = (g/c_W) U T- U^T, T+- the (T3 - Q s_W^2) of (W~+, H~u+) and (W~-, H~d-)."""
    sw2 = sm.SW2
    tp = np.array([1.0 - sw2, 0.5 - sw2])
    tm = np.array([-1.0 + sw2, -0.5 + sw2])
    left = -(g / cw) * np.einsum("nia,a,nja->nij", v, tp, v)
    right = (g / cw) * np.einsum("nia,a,nja->nij", u, tm, u)
    return Chiral(left.astype(complex), right.astype(complex))


def _w_neutralino_chargino(nmix: np.ndarray, u: np.ndarray, v: np.ndarray, g: float
                           ) -> Chiral:
    """L ⊃ W-_mu Psi0bar_i gamma^mu (L P_L + R P_R) Psi_j + h.c.:
    L = g (N_i2 V_j1 - N_i4 V_j2/sqrt2), R = g (N_i2 U_j1 + N_i3 U_j2/sqrt2)
    (the O^L, O^R of Haber and Kane, Phys. Rept. 117 (1985) 75, with the 5x5 N)."""
    n_, u_, v_ = nmix[:, :, None, :], u[:, None, :, :], v[:, None, :, :]
    left = g * (n_[..., 1] * v_[..., 0] - R2 * n_[..., 3] * v_[..., 1])
    right = g * (n_[..., 1] * u_[..., 0] + R2 * n_[..., 2] * u_[..., 1])
    return Chiral(left.astype(complex), right.astype(complex))


def _charged_scalar_neutralino_chargino(nmix: np.ndarray, u: np.ndarray, v: np.ndarray,
                                        lam: np.ndarray, cu: np.ndarray, cd: np.ndarray,
                                        g: float, gp: float) -> Chiral:
    """L ⊃ phi- Psi0bar_i (L P_L + R P_R) Psi_j + h.c. for the charged scalar
    phi+ = cu H_u^+ + cd H_d^-* (H+: cu = cos b, cd = sin b; G+: sin b, -cos b).

    From the gaugino Yukawas and lambda S H_u.H_d: two-component
    L ⊃ -phi+ (N A U^T)_ij chi0_i chi-_j - phi- (N B V^T)_ij chi0_i chi+_j + h.c., with
    A[W3, H~d-] = -g cd/sqrt2, A[H~d, W~-] = g cd, A[B~, H~d-] = -g' cd/sqrt2,
    A[S~, H~d-] = lambda cu, and B[W3, H~u+] = g cu/sqrt2, B[H~u, W~+] = g cu,
    B[B~, H~u+] = g' cu/sqrt2, B[S~, H~u+] = lambda cd; so L = -N B V^T, R = -N A U^T."""
    n = lam.shape[0]
    a = np.zeros((n, 5, 2))
    b = np.zeros((n, 5, 2))
    a[:, 1, 1] = -g * cd * R2
    a[:, 2, 0] = g * cd
    a[:, 0, 1] = -gp * cd * R2
    a[:, 4, 1] = lam * cu
    b[:, 1, 1] = g * cu * R2
    b[:, 3, 0] = g * cu
    b[:, 0, 1] = gp * cu * R2
    b[:, 4, 1] = lam * cd
    left = -np.einsum("nia,nab,njb->nij", nmix, b, v)
    right = -np.einsum("nia,nab,njb->nij", nmix, a, u)
    return Chiral(left.astype(complex), right.astype(complex))


def sm_vector(species: str) -> tuple[Chiral, float]:
    """Z couplings of a SM fermion, L ⊃ Z fbar gamma (L P_L + R P_R) f, and its photon
    coupling c in L ⊃ c A fbar gamma f (c = -e Q)."""
    g, _, e, cw = gauge_couplings()
    t3, q = SPECIES[species]
    left = -(g / cw) * (t3 - q * sm.SW2)
    right = (g / cw) * q * sm.SW2
    return Chiral(np.asarray(left, complex), np.asarray(right, complex)), -e * q


# ----------------------------------------------------------------- sfermions

def quark_masses(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fermion masses [GeV] used in the Yukawas of the sfermion couplings, per species."""
    qscale = np.maximum(np.sqrt(np.abs(params["MQ3"] * params["MU3"])), sm.MT_POLE)
    n = params["tanb"].shape[0]
    const = {"u": M_UP, "d": M_DOWN, "s": M_STRANGE, "c": M_CHARM, "e": M_ELECTRON,
             "mu": M_MUON, "tau": sm.MTAU, "nu_e": 0.0, "nu_mu": 0.0, "nu_tau": 0.0}
    out = {k: np.full(n, v) for k, v in const.items()}
    out["t"] = np.broadcast_to(sm.mt_msbar(qscale), (n,)).astype(float)
    out["b"] = np.broadcast_to(sm.mb_msbar(qscale), (n,)).astype(float)
    return out


def _sfermion_states(spec: dict, species: str, n: int) -> np.ndarray:
    """R (n, k, 2): sf_k = R_kL sf_L + R_kR sf_R (k = 2 states; sneutrinos k = 1)."""
    if species in MIXING:
        return np.asarray(spec[MIXING[species]], float)
    if species.startswith("nu"):
        return np.broadcast_to(np.array([[1.0, 0.0]]), (n, 1, 2)).copy()
    return np.broadcast_to(np.eye(2), (n, 2, 2)).copy()


def _column(x: float | np.ndarray) -> float | np.ndarray:
    """A coupling per point (n,) as a column (n, 1) against the state axis; floats as they are."""
    return np.asarray(x, float)[:, None] if np.ndim(x) else x


def _sfermion_neutralino(species: str, rmix: np.ndarray, nmix: np.ndarray, mf: np.ndarray,
                         cb: np.ndarray, sb: np.ndarray, g: float | np.ndarray,
                         gp: float | np.ndarray, v_higgs: float | np.ndarray = sm.V_HIGGS
                         ) -> Chiral:
    """fbar (L P_L + R P_R) Psi0_i sf_k: for sf_L, L = -y N_iH, R = -sqrt2 (g T3 N_i2
    + g' Y_L N_i1); for sf_R, L = sqrt2 g' Q N_i1, R = -y N_iH (H = H~u for up-type,
    H~d for down-type; y = m_f/v_u or m_f/v_d, v_u = v_higgs sin(beta))."""
    t3, q = SPECIES[species]
    up = t3 > 0
    g, gp = _column(g), _column(gp)
    y = mf / (v_higgs * (sb if up else cb))
    nh = nmix[:, :, 3 if up else 2]
    l_left = -y[:, None] * nh
    r_left = -SQ2 * (g * t3 * nmix[:, :, 1] + gp * (q - t3) * nmix[:, :, 0])
    l_right = SQ2 * gp * q * nmix[:, :, 0]
    r_right = -y[:, None] * nh
    left = rmix[:, :, 0, None] * l_left[:, None] + rmix[:, :, 1, None] * l_right[:, None]
    right = rmix[:, :, 0, None] * r_left[:, None] + rmix[:, :, 1, None] * r_right[:, None]
    return Chiral(left.astype(complex), right.astype(complex))


def _sfermion_chargino(species: str, rmix: np.ndarray, u: np.ndarray, v: np.ndarray,
                       masses: dict[str, np.ndarray], cb: np.ndarray, sb: np.ndarray,
                       g: float | np.ndarray, v_higgs: float | np.ndarray = sm.V_HIGGS
                       ) -> Chiral:
    """Up-type sf_k fbar' (L P_L + R P_R) Psi^c_j: sf_L: L = y' U_j2, R = -g V_j1;
    sf_R: R = y V_j2. Down-type sf_k fbar' (L P_L + R P_R) Psi_j: sf_L: L = y' V_j2,
    R = -g U_j1; sf_R: R = y U_j2 (y the sfermion's own Yukawa, y' its partner's, with
    v_u = v_higgs sin(beta), v_d = v_higgs cos(beta))."""
    t3, _ = SPECIES[species]
    partner = PARTNER[species]
    g = _column(g)
    vu, vd = v_higgs * sb, v_higgs * cb
    if t3 > 0:       # up-type sfermion, down-type fermion partner
        y_self, y_partner = masses[species] / vu, masses[partner] / vd
        l_left = y_partner[:, None] * u[:, :, 1]
        r_left = -g * v[:, :, 0]
        r_right = y_self[:, None] * v[:, :, 1]
    else:
        y_self, y_partner = masses[species] / vd, masses[partner] / vu
        l_left = y_partner[:, None] * v[:, :, 1]
        r_left = -g * u[:, :, 0]
        r_right = y_self[:, None] * u[:, :, 1]
    left = rmix[:, :, 0, None] * l_left[:, None]
    right = rmix[:, :, 0, None] * r_left[:, None] + rmix[:, :, 1, None] * r_right[:, None]
    return Chiral(left.astype(complex), right.astype(complex))


#: trilinear soft term of each species' L-R mixing (first two generations: none)
A_TERM = {"t": "At", "b": "Ab", "tau": "Atau"}


def _higgs_sfermion(species: str, rmix: np.ndarray, p: dict[str, np.ndarray],
                    mf: np.ndarray, cb: np.ndarray, sb: np.ndarray, smix: np.ndarray
                    ) -> np.ndarray:
    """hsf (n, 3, k, k) [GeV] in L ⊃ -hsf_akl h_a sf_k^* sf_l: the derivative of the
    sfermion mass matrix (basis f~_L, f~_R) along h_a, rotated to the mass states.

    As functions of the neutral fields: M_LL = M_L^2 + y^2 |H_f|^2 + (g^2 T3 - g'^2 Y_L)/2
    (|H_d|^2 - |H_u|^2), M_RR = M_R^2 + y^2 |H_f|^2 + g'^2 Q/2 (|H_d|^2 - |H_u|^2),
    M_LR = y (A_f H_f - lambda S H_f'), H_f = H_u for up-type and H_d for down-type
    fermions (y = m_f / v_f), H_f' the other doublet; at the vacuum these are the
    matrices of ``sfermions`` (M_LR = m_f X_f)."""
    t3, q = SPECIES[species]
    up = t3 > 0
    g1sq, g2sq = sm.G1SQ, sm.G2SQ
    vu, vd, s = sm.V_HIGGS * sb, sm.V_HIGGS * cb, p["mueff"] / p["lambda_"]
    y = mf / (sm.V_HIGGS * (sb if up else cb))
    a_term = p[A_TERM[species]] if species in A_TERM else np.zeros_like(cb)
    # d(|H_d|^2, |H_u|^2)/d(h_d, h_u, h_s) with H = v + h/sqrt2
    d_hd2 = np.stack([SQ2 * vd, 0 * vd, 0 * vd], -1)
    d_hu2 = np.stack([0 * vu, SQ2 * vu, 0 * vu], -1)
    d_yuk = y[:, None] ** 2 * (d_hu2 if up else d_hd2)
    d_diff = d_hd2 - d_hu2
    d_ll = d_yuk + 0.5 * (g2sq * t3 - g1sq * (q - t3)) * d_diff
    d_rr = d_yuk + 0.5 * g1sq * q * d_diff
    own, other = (1, 0) if up else (0, 1)
    d_lr = np.zeros_like(d_ll)
    d_lr[:, own] = y * a_term * R2
    d_lr[:, other] = -y * p["lambda_"] * s * R2
    d_lr[:, 2] = -y * p["lambda_"] * (vd if up else vu) * R2
    # along h_a: (n, a) for the LL, LR, RR entries, then to the states k, l
    ll, lr, rr = (np.einsum("nax,nx->na", smix, d) for d in (d_ll, d_lr, d_rr))
    k_l, k_r = rmix[:, None, :, None, 0], rmix[:, None, :, None, 1]      # (n, 1, k, 1)
    l_l, l_r = rmix[:, None, None, :, 0], rmix[:, None, None, :, 1]      # (n, 1, 1, l)
    return (ll[:, :, None, None] * k_l * l_l + lr[:, :, None, None] * (k_l * l_r + k_r * l_l)
            + rr[:, :, None, None] * k_r * l_r)


# ----------------------------------------------------------------- Higgs potential

def potential(fields: dict[str, np.ndarray], p: dict[str, np.ndarray]) -> np.ndarray:
    """Tree-level Z3-NMSSM scalar potential [GeV^4] of complex fields Hu+ (``hup``),
    Hu0, Hd0, Hd- (``hdm``), S, with m_Hu^2, m_Hd^2, m_S^2 fixed by the minimisation
    conditions at the input vacuum (arXiv:0910.1785 eqs. (2.7), (2.9)-(2.11))."""
    lam, kap = p["lambda_"], p["kappa"]
    al, ak = p["Alambda"], p["Akappa"]
    cb, sb = _angles(p["tanb"])
    vu, vd, s = sm.V_HIGGS * sb, sm.V_HIGGS * cb, p["mueff"] / lam
    g1, g2 = sm.G1SQ, sm.G2SQ
    gsq = 0.5 * (g1 + g2)
    # minimisation conditions (real vevs)
    mhu2 = (vd * s * lam * (al + kap * s) / vu - lam**2 * (vd**2 + s**2)
            + 0.5 * gsq * (vd**2 - vu**2))
    mhd2 = (vu * s * lam * (al + kap * s) / vd - lam**2 * (vu**2 + s**2)
            + 0.5 * gsq * (vu**2 - vd**2))
    ms2 = (lam * al * vu * vd / s + 2.0 * lam * kap * vu * vd - lam**2 * (vu**2 + vd**2)
           - 2.0 * kap**2 * s**2 - kap * ak * s)
    hup, hu0, hd0, hdm, sf = (fields[k] for k in ("hup", "hu0", "hd0", "hdm", "s"))
    huhd = hup * hdm - hu0 * hd0

    def abs2(z: np.ndarray) -> np.ndarray:            # |z|^2 without the square root
        return z.real**2 + z.imag**2

    hu_sq = abs2(hup) + abs2(hu0)
    hd_sq = abs2(hd0) + abs2(hdm)
    s_sq = abs2(sf)
    sf2 = sf * sf
    f_terms = abs2(lam * huhd + kap * sf2) + lam**2 * s_sq * (hu_sq + hd_sq)
    hu_dag_hd = np.conj(hup) * hd0 + np.conj(hu0) * hdm
    d_terms = (g1 + g2) / 8.0 * (hu_sq - hd_sq) ** 2 + g2 / 2.0 * abs2(hu_dag_hd)
    soft = (mhu2 * hu_sq + mhd2 * hd_sq + ms2 * s_sq
            + 2.0 * np.real((lam * al * huhd + kap * ak / 3.0 * sf2) * sf))
    return f_terms + d_terms + soft


def _field_values(p: dict[str, np.ndarray], x: np.ndarray) -> dict[str, np.ndarray]:
    """Complex fields at real displacements x (..., n, 8) along (h_d, h_u, h_s, a_d, a_u,
    a_s, re H+, im H+) from the input vacuum, H+ = cos(b) H_u^+ + sin(b) H_d^-* (G+ = 0)."""
    cb, sb = _angles(p["tanb"])
    vu, vd, s = sm.V_HIGGS * sb, sm.V_HIGGS * cb, p["mueff"] / p["lambda_"]
    hplus = (x[..., 6] + 1j * x[..., 7]) * R2
    return {"hd0": vd + (x[..., 0] + 1j * x[..., 3]) * R2,
            "hu0": vu + (x[..., 1] + 1j * x[..., 4]) * R2,
            "s": s + (x[..., 2] + 1j * x[..., 5]) * R2,
            "hup": cb * hplus, "hdm": np.conj(sb * hplus)}


#: index triples (i <= j <= k) of `third_derivatives` that the trilinears need:
#: three CP-even, one CP-even and two CP-odd, one CP-even and the charged pair
TRILINEAR_TRIPLES = ([(i, j, k) for i in range(3) for j in range(i, 3) for k in range(j, 3)]
                     + [(i, j, k) for i in range(3) for j in range(3, 6) for k in range(j, 6)]
                     + [(i, 6, 6) for i in range(3)])


def _stencil(i: int, j: int, k: int) -> list[tuple[float, dict[int, float]]]:
    """Central-difference stencil of d^3/dx_i dx_j dx_k (i <= j <= k) for a step h = 1:
    (weight, displacements); the derivative is sum weight V(x + displacement h) / h^3."""
    if i == j == k:
        return [(0.5, {i: 2.0}), (-1.0, {i: 1.0}), (1.0, {i: -1.0}), (-0.5, {i: -2.0})]
    if i == j or j == k:
        a, b = (i, k) if i == j else (k, i)     # d^2/da^2 d/db
        return [(0.5, {a: 1.0, b: 1.0}), (-1.0, {b: 1.0}), (0.5, {a: -1.0, b: 1.0}),
                (-0.5, {a: 1.0, b: -1.0}), (1.0, {b: -1.0}), (-0.5, {a: -1.0, b: -1.0})]
    return [(si * sj * sk / 8.0, {i: si, j: sj, k: sk})
            for si in (1, -1) for sj in (1, -1) for sk in (1, -1)]


def third_derivatives(p: dict[str, np.ndarray], triples: list[tuple[int, int, int]]
                      ) -> np.ndarray:
    """d^3 V / dx_i dx_j dx_k (n, 8, 8, 8) [GeV] in the real fields of `_field_values`,
    for the given index triples (i <= j <= k) and their permutations; zero elsewhere.

    The potential is a quartic polynomial, so the central-difference stencils used here
    (4 points along one field, 6 for two fields, 8 for three) are exact for any step; the
    step is taken of the size of the vacuum, (|s| + v)/2 per point, so that rounding
    (relative 1e-16 of V ~ (s + v)^4) stays at ~1e-15 (s + v) [GeV]. All displaced
    configurations are evaluated in one batched call of the potential."""
    n = p["tanb"].shape[0]
    dim = 8
    stencils = [_stencil(*t) for t in triples]
    shifts: dict[tuple[tuple[int, float], ...], int] = {}
    for stencil in stencils:
        for _, disp in stencil:
            shifts.setdefault(tuple(sorted(disp.items())), len(shifts))
    unit = np.zeros((len(shifts), dim))
    for key, row in shifts.items():
        for index, amount in key:
            unit[row, index] = amount
    h = 0.5 * (np.abs(p["mueff"] / p["lambda_"]) + sm.V_HIGGS)
    values = potential(_field_values(p, unit[:, None, :] * h[None, :, None]), p)   # (K, n)
    out = np.zeros((n, dim, dim, dim))
    for (i, j, k), stencil in zip(triples, stencils, strict=True):
        d = sum(w * values[shifts[tuple(sorted(disp.items()))]] for w, disp in stencil) / h**3
        for perm in {(i, j, k), (i, k, j), (j, i, k), (j, k, i), (k, i, j), (k, j, i)}:
            out[(slice(None), *perm)] = d
    return out


def higgs_trilinears(p: dict[str, np.ndarray], smix: np.ndarray, pmix: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tree-level cubic couplings in the mass basis [GeV]: hhh (n,3,3,3), haa (n,3,2,2),
    hcc (n,3) (V ⊃ hcc_a h_a H+ H-; d^3V/dh_a d(re H+)^2 with H+ = (re + i im)/sqrt2)."""
    t = third_derivatives(p, TRILINEAR_TRIPLES)
    hhh = np.einsum("nai,nbj,nck,nijk->nabc", smix, smix, smix, t[:, :3, :3, :3],
                    optimize=True)
    haa = np.einsum("nai,nbj,nck,nijk->nabc", smix, pmix, pmix, t[:, :3, 3:6, 3:6],
                    optimize=True)
    hcc = np.einsum("nai,ni->na", smix, t[:, :3, 6, 6])
    return hhh, haa, hcc


# ----------------------------------------------------------------- assembly

class _PerSpecies(Mapping):
    """A mapping species -> couplings over SPECIES that computes each entry when first read."""

    def __init__(self, compute: Callable[[str], Chiral]) -> None:
        self._compute = compute
        self._done: dict[str, Chiral] = {}

    def __getitem__(self, species: str) -> Chiral:
        if species not in SPECIES:
            raise KeyError(species)
        if species not in self._done:
            self._done[species] = self._compute(species)
        return self._done[species]

    def __iter__(self) -> Iterator[str]:
        return iter(SPECIES)

    def __len__(self) -> int:
        return len(SPECIES)


class Vertices:
    """Couplings of the mass eigenstates of a batch of points, each group computed when
    first used (a consumer pays only for what it reads); arrays have the point axis first.

    Fermion pairs (`Chiral`, forms in the module docstring):

    - ``neutralino_h`` (n,3,5,5), ``neutralino_a`` (n,2,5,5), ``neutralino_g0`` (n,5,5):
      h_a, a_b, G^0 with Psi0_i Psi0_j (Majorana factor 1/2);
    - ``chargino_h`` (n,3,2,2), ``chargino_a`` (n,2,2,2), ``chargino_g0`` (n,2,2):
      phi Psibar_i (...) Psi_j;
    - ``z_neutralino`` (n,5,5) (Majorana factor 1/2), ``z_chargino`` (n,2,2); the photon
      couples to charginos as -e A Psibar gamma Psi;
    - ``w_neutralino_chargino`` (n,5,2): W-_mu Psi0bar_i gamma^mu (...) Psi_j + h.c.;
    - ``hc_neutralino_chargino``, ``gc_neutralino_chargino`` (n,5,2):
      H- (G-) Psi0bar_i (...) Psi_j + h.c.;
    - ``sfermion_neutralino[f]`` (n,2,5): fbar (...) Psi0_i sf_k + h.c., sf_k the two
      sfermion states of species f (mass-ordered for t, b, tau with the spectrum's
      mixing; (L, R) for the others; sneutrinos have one state, k = 0);
    - ``sfermion_chargino[f]`` (n,2,2): for up-type sfermions (u~, c~, t~, sneutrinos)
      sf_k fbar' (...) Psi^c_j + h.c. with f' the down-type partner (d, s, b, charged
      lepton) and Psi^c the charge conjugate (it annihilates chi-); for down-type
      sfermions (d~, s~, b~, charged sleptons) sf_k fbar' (...) Psi_j + h.c. with f'
      the up-type partner. Keyed by the sfermion's species.
    - ``sfermion_mixing[f]`` (n,k,2): the sfermion states of species f in the (L, R) basis.

    Bosonic (module docstring): ``k_v`` (n,3), ``zha`` (n,3,2), ``whh`` (n,3), ``wha``
    (n,2), Yukawa factors ``k_up``, ``k_down`` (n,3), ``ka_up``, ``ka_down`` (n,2), the
    trilinears ``hhh`` (n,3,3,3), ``haa`` (n,3,2,2), ``hcc`` (n,3) [GeV], and
    ``higgs_sfermion[f]`` (n,3,k,k) [GeV]: L ⊃ -hsf_akl h_a sf_k^* sf_l for the sfermion
    states of species f (tree level, as the sfermion masses).
    """


    def __init__(self, spectrum: dict, params: dict[str, np.ndarray]) -> None:
        self.spectrum, self.params = spectrum, params
        self.g, self.gp, _, self.cw = gauge_couplings()
        self.cb, self.sb = _angles(params["tanb"])
        self.n = self.cb.shape[0]

    # -- neutral scalars with inos (neutralinos and charginos computed separately, when used)
    @cached_property
    def _directions(self) -> np.ndarray:
        return neutral_directions(self.cb, self.sb, self.spectrum["S"], self.spectrum["P"])

    @cached_property
    def _neutral_scalar_neutralinos(self) -> Chiral:
        p, spec = self.params, self.spectrum
        return _neutral_scalar_couplings(
            neutralino_entries(p["lambda_"], p["kappa"], self.g, self.gp), self._directions,
            spec["N"], spec["N"], majorana=True)

    @cached_property
    def _neutral_scalar_charginos(self) -> Chiral:
        spec = self.spectrum
        return _neutral_scalar_couplings(chargino_entries(self.params["lambda_"], self.g),
                                         self._directions, spec["U"], spec["V"],
                                         majorana=False)

    def _scalar_part(self, chargino: bool, rows: slice | int) -> Chiral:
        c = self._neutral_scalar_charginos if chargino else self._neutral_scalar_neutralinos
        return Chiral(c.L[:, rows], c.R[:, rows])

    @cached_property
    def neutralino_h(self) -> Chiral:
        return self._scalar_part(False, slice(0, 3))

    @cached_property
    def neutralino_a(self) -> Chiral:
        return self._scalar_part(False, slice(3, 5))

    @cached_property
    def neutralino_g0(self) -> Chiral:
        return self._scalar_part(False, 5)

    @cached_property
    def chargino_h(self) -> Chiral:
        return self._scalar_part(True, slice(0, 3))

    @cached_property
    def chargino_a(self) -> Chiral:
        return self._scalar_part(True, slice(3, 5))

    @cached_property
    def chargino_g0(self) -> Chiral:
        return self._scalar_part(True, 5)

    # -- gauge bosons and charged scalars with inos
    @cached_property
    def z_neutralino(self) -> Chiral:
        return _z_neutralino(self.spectrum["N"], self.g, self.cw)

    @cached_property
    def z_chargino(self) -> Chiral:
        return _z_chargino(self.spectrum["U"], self.spectrum["V"], self.g, self.cw)

    @cached_property
    def w_neutralino_chargino(self) -> Chiral:
        spec = self.spectrum
        return _w_neutralino_chargino(spec["N"], spec["U"], spec["V"], self.g)

    def _charged_scalar(self, cu: np.ndarray, cd: np.ndarray) -> Chiral:
        spec = self.spectrum
        return _charged_scalar_neutralino_chargino(spec["N"], spec["U"], spec["V"],
                                                   self.params["lambda_"], cu, cd, self.g,
                                                   self.gp)

    @cached_property
    def hc_neutralino_chargino(self) -> Chiral:
        return self._charged_scalar(self.cb, self.sb)

    @cached_property
    def gc_neutralino_chargino(self) -> Chiral:
        return self._charged_scalar(self.sb, -self.cb)

    # -- sfermions (each species computed when first read)
    @cached_property
    def _masses(self) -> dict[str, np.ndarray]:
        return quark_masses(self.params)

    @cached_property
    def sfermion_neutralino(self) -> Mapping[str, Chiral]:
        spec = self.spectrum
        return _PerSpecies(lambda f: _sfermion_neutralino(
            f, _sfermion_states(spec, f, self.n), spec["N"], self._masses[f], self.cb,
            self.sb, self.g, self.gp))

    @cached_property
    def sfermion_chargino(self) -> Mapping[str, Chiral]:
        spec = self.spectrum
        return _PerSpecies(lambda f: _sfermion_chargino(
            f, _sfermion_states(spec, f, self.n), spec["U"], spec["V"], self._masses, self.cb,
            self.sb, self.g))

    def sfermion_ino_couplings(self, species: str, g: float | np.ndarray,
                               gp: float | np.ndarray, v_higgs: float | np.ndarray
                               ) -> tuple[Chiral, Chiral]:
        """``sfermion_neutralino[species]`` and ``sfermion_chargino[species]`` with other
        couplings than the on-shell ones: g, g' and the vev v_higgs [GeV] (v_u^2 + v_d^2 =
        v_higgs^2, tan(beta) the input's) as floats or per point (n,), e.g. running
        couplings at a SUSY scale."""
        spec, rmix = self.spectrum, _sfermion_states(self.spectrum, species, self.n)
        neutralino = _sfermion_neutralino(species, rmix, spec["N"], self._masses[species],
                                          self.cb, self.sb, g, gp, v_higgs)
        chargino = _sfermion_chargino(species, rmix, spec["U"], spec["V"], self._masses,
                                      self.cb, self.sb, g, v_higgs)
        return neutralino, chargino

    @cached_property
    def sfermion_mixing(self) -> Mapping[str, np.ndarray]:
        """R (n, k, 2) per species: sf_k = R_kL sf_L + R_kR sf_R (sneutrinos k = 1)."""
        return BySpecies(lambda f: _sfermion_states(self.spectrum, f, self.n))

    @cached_property
    def higgs_sfermion(self) -> Mapping[str, np.ndarray]:
        masses = quark_masses(self.params)
        return BySpecies(lambda f: _higgs_sfermion(
            f, _sfermion_states(self.spectrum, f, self.n), self.params, masses[f], self.cb,
            self.sb, self.spectrum["S"]))

    # -- bosonic
    @cached_property
    def k_v(self) -> np.ndarray:
        s = self.spectrum["S"]
        return self.cb[:, None] * s[:, :, 0] + self.sb[:, None] * s[:, :, 1]

    @cached_property
    def zha(self) -> np.ndarray:
        s, p = self.spectrum["S"], self.spectrum["P"]
        return s[:, :, None, 0] * p[:, None, :, 0] - s[:, :, None, 1] * p[:, None, :, 1]

    @cached_property
    def whh(self) -> np.ndarray:
        s = self.spectrum["S"]
        return self.sb[:, None] * s[:, :, 0] - self.cb[:, None] * s[:, :, 1]

    @cached_property
    def wha(self) -> np.ndarray:
        p = self.spectrum["P"]
        return self.sb[:, None] * p[:, :, 0] + self.cb[:, None] * p[:, :, 1]

    @cached_property
    def k_up(self) -> np.ndarray:
        return self.spectrum["S"][:, :, 1] / self.sb[:, None]

    @cached_property
    def k_down(self) -> np.ndarray:
        return self.spectrum["S"][:, :, 0] / self.cb[:, None]

    @cached_property
    def ka_up(self) -> np.ndarray:
        return self.spectrum["P"][:, :, 1] / self.sb[:, None]

    @cached_property
    def ka_down(self) -> np.ndarray:
        return self.spectrum["P"][:, :, 0] / self.cb[:, None]

    @cached_property
    def _trilinears(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return higgs_trilinears(self.params, self.spectrum["S"], self.spectrum["P"])

    @cached_property
    def hhh(self) -> np.ndarray:
        return self._trilinears[0]

    @cached_property
    def haa(self) -> np.ndarray:
        return self._trilinears[1]

    @cached_property
    def hcc(self) -> np.ndarray:
        return self._trilinears[2]


def vertices(spectrum: dict, params: dict[str, np.ndarray]) -> Vertices:
    """The couplings of a batch of points (``spectrum``: the capability's mapping;
    ``params``: parameter arrays as `spectrum.as_arrays` returns them), computed lazily."""
    return Vertices(spectrum, params)
