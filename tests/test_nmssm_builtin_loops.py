"""The built-in NMSSM Higgs masses at the stop scale: two-loop potentials, running, Higgs-boson
loops, pole masses and the vacuum check, each against something independent (closed-form
limits, NMSSMTools 5.6.0 numbers, the oracle samples)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from backends.nmssm_builtin import (
    higgs,
    higgs_loops,
    pole_masses,
    radiative,
    running,
    two_loop_potential,
    vacuum,
)
from backends.nmssm_builtin import sm_inputs as sm
from backends.nmssm_builtin.checks import theory_checks
from backends.nmssm_builtin.spectrum import PARAMETERS, as_arrays, compute

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
ORACLE = ROOT.parent / "shared" / "reference" / "oracle"


def read_csv(path: Path):
    pd = pytest.importorskip("pandas")
    return pd.read_csv(path, comment="#")


def parameters(frame) -> dict[str, np.ndarray]:
    names = {"lambda_": "lambda"}
    return {k: frame[names.get(k, k)].to_numpy(float) for k in PARAMETERS}


def sm_like(masses: np.ndarray, s: np.ndarray, tanb: np.ndarray) -> np.ndarray:
    """The CP-even mass whose state couples most to W/Z (the scorer's definition)."""
    beta = np.arctan(tanb)[:, None]
    cv = np.abs(np.cos(beta) * s[:, :, 0] + np.sin(beta) * s[:, :, 1])
    return masses[np.arange(len(tanb)), cv.argmax(axis=1)]


# ---------------------------------------------------------- the vacuum integral I(x, y, z)

def test_vacuum_integral_special_values():
    """Closed forms (Martin, hep-ph/0111209 eqs. (2.31)-(2.33)): I(0,0,x), I(0,x,x), and
    I(x,x,x) = x (-3/2 L^2 + 6 L - 15/2 + 2 sqrt3 Cl2(pi/3)), Cl2(pi/3) = 1.0149416064..."""
    q2, x = 1.7e5, np.array([3.3e4, 2.0e6])
    lx = np.log(x / q2)
    i = two_loop_potential.integral_i
    np.testing.assert_allclose(i(0.0, 0.0, x, q2),
                               x * (-0.5 * lx**2 + 2 * lx - 2.5 - math.pi**2 / 6), rtol=1e-10)
    np.testing.assert_allclose(i(0.0, x, x, q2), x * (-lx**2 + 4 * lx - 5), rtol=1e-10)
    cl2 = 1.0149416064096536
    np.testing.assert_allclose(i(x, x, x, q2),
                               x * (-1.5 * lx**2 + 6 * lx - 7.5 + 2 * math.sqrt(3) * cl2),
                               rtol=1e-10)


def test_vacuum_integral_symmetry_scale_and_threshold():
    """Symmetric in its arguments; Q^2 dI/dQ^2 = sum_i (A(x_i) - x_i) (the 1/epsilon pole
    structure); continuous across the threshold sqrt(z) = sqrt(x) + sqrt(y), where the
    Clausen form meets the dilogarithm form; the Clausen form equals the complex
    continuation of the dilogarithm form inside the threshold."""
    from scipy.special import spence
    i = two_loop_potential.integral_i
    rng = np.random.default_rng(5)
    x, y, z = rng.uniform(1e3, 1e7, (3, 50))
    q2 = 3.0e6
    ref = i(x, y, z, q2)
    for perm in ((y, x, z), (z, y, x), (x, z, y)):
        np.testing.assert_allclose(i(*perm, q2), ref, rtol=1e-12)
    h = 1e-4
    deriv = (i(x, y, z, q2 * (1 + h)) - i(x, y, z, q2 * (1 - h))) / (2 * h)
    a = two_loop_potential.a_function
    np.testing.assert_allclose(deriv, sum(a(v, q2) - v for v in (x, y, z)), rtol=1e-6)
    edge = (300.0) ** 2
    lo, hi = i(1e4, 4e4, edge * (1 - 1e-9), q2), i(1e4, 4e4, edge * (1 + 1e-9), q2)
    assert abs(hi - lo) < 1e-6 * abs(lo)
    # inside the threshold: complex continuation of the outside formula
    xs, ys, zs = 1.0e4, 2.0e4, 2.5e4
    r = np.sqrt(complex((xs - ys - zs) ** 2 - 4 * ys * zs))
    aa, bb = 2 * xs / (zs + xs - ys + r), 2 * ys / (zs + ys - xs + r)
    xi = (r * (2 * np.log(aa) * np.log(bb) - math.log(xs / zs) * math.log(ys / zs)
               - 2 * spence(1 - aa) - 2 * spence(1 - bb) + math.pi**2 / 3)).real
    lx, ly, lz = (math.log(v / q2) for v in (xs, ys, zs))
    expect = (0.5 * ((xs - ys - zs) * ly * lz + (ys - zs - xs) * lz * lx
                     + (zs - xs - ys) * lx * ly)
              + 2 * (xs * lx + ys * ly + zs * lz) - 2.5 * (xs + ys + zs) - 0.5 * xi)
    assert i(xs, ys, zs, q2) == pytest.approx(expect, rel=1e-12)


# ---------------------------------------------------------- two-loop Higgs-mass matrices

def _two_loop_constants(row) -> dict[str, np.ndarray]:
    """The potential's constants from the DRbar inputs NMSSMTools used at one point."""
    tanb, v, mt = row["tanb"], row["v"], row["mt"]
    beta = math.atan(tanb)
    vu, vd = v * math.sin(beta), v * math.cos(beta)
    c, s_ = row["cos_t"], row["sin_t"]
    t1, t2 = row["T1"], row["T2"]
    mll, mrr, mlr = c * c * t1 + s_ * s_ * t2, s_ * s_ * t1 + c * c * t2, c * s_ * (t1 - t2)
    at = mlr / mt + row["mueff"] / tanb
    one = np.ones(1)
    return {k: one * val for k, val in {
        "vu": vu, "vd": vd, "s": row["mueff"] / row["lambda_"], "lam": row["lambda_"],
        "At": at, "MQ2": mll - mt * mt, "MU2": mrr - mt * mt, "ht": mt / vu,
        "q2": row["Q"] ** 2, "mg": row["mg"], "g3sq": 4 * math.pi * row["alpha_s"],
        "mu": row["mueff"], "mA2": row["mA2"], "sb": math.sin(beta),
        "cb": math.cos(beta)}.items()}


def _upper(frame_row, prefix: str) -> np.ndarray:
    m = np.zeros((3, 3))
    for i in range(3):
        for j in range(i, 3):
            m[i, j] = m[j, i] = frame_row[f"{prefix}{i + 1}{j + 1}"]
    return m


def test_two_loop_matrices_reproduce_nmssmtools():
    """The finite-difference derivatives of the O(alpha_t alpha_s) potential reproduce the
    Degrassi-Slavich-Zwirner matrices of NMSSMTools 5.6.0 (tests/data, 15 points of the
    seed sample, CP-even and CP-odd, singlet entries included) to 0.2 GeV^2 + 0.1%; those
    of the O(alpha_t^2) potential the Brignole-Degrassi-Slavich-Zwirner ones to 2% + 12 GeV^2
    in the H_d H_d, H_d H_u entries (NMSSMTools keeps the bottom Yukawa, which enters
    these: up to 10 GeV^2) and 1% + 1 GeV^2 in H_u H_u, the entry of the SM-like mass."""
    frame = read_csv(DATA / "nmssmtools_560_two_loop_matrices.csv")
    for _, row in frame.iterrows():
        c = _two_loop_constants(row)

        def strong(fields, cc):
            hd, hu, sc = radiative._field_values(fields, cc)
            return radiative._two_loop_part(hu, hd, sc, cc)

        def yukawa(fields, cc):
            hd, hu, _ = radiative._field_values(fields, cc)
            return two_loop_potential.potential_alpha_t_squared(hu, hd, cc)

        even, odd = radiative.field_hessians(strong, c)
        for got, ref in ((even[0], _upper(row, "s_ts")), (odd[0], _upper(row, "p_ts"))):
            np.testing.assert_allclose(got, ref, atol=0.2, rtol=1e-3)
        even, odd = radiative.field_hessians(yukawa, c, directions=(0, 1))
        for got, ref in ((even[0], _upper(row, "s_tt")), (odd[0], _upper(row, "p_tt"))):
            np.testing.assert_allclose(got[:2, :2], ref[:2, :2], rtol=0.02, atol=12.0)
            assert got[1, 1] == pytest.approx(ref[1, 1], rel=0.01, abs=1.0)


def test_one_loop_derivatives_are_those_of_the_potential():
    """The analytic value, gradient and mass-matrix corrections of the one-loop potential
    (``radiative.one_loop_derivatives``) against the potential itself
    (``radiative.potential``): the value exactly, the gradient and the CP-even and CP-odd
    corrections against central differences (Richardson-extrapolated from 1 and 2 GeV
    steps, ``field_hessians``) to 1e-5 of the largest entry + 0.02 GeV^2 (their rounding
    error), on random points."""
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from nmssm_spectrum import points
    p = as_arrays(points(300, seed=4))
    run = running.run_to_stop_scale(p)
    c = radiative._constants(p, run, radiative.top_mass(p, run))
    value, grad, even, odd = radiative.one_loop_derivatives(c)
    n = p["tanb"].shape[0]
    np.testing.assert_allclose(value, radiative.potential(np.zeros((n, 6)), c), rtol=1e-12)
    fine, coarse = (radiative.field_hessians(radiative.potential, c, step=h) for h in (1.0, 2.0))
    for got, (f, g) in ((even, (fine[0], coarse[0])), (odd, (fine[1], coarse[1]))):
        ref = (4.0 * f - g) / 3.0
        scale = np.abs(ref).max(axis=(1, 2))[:, None, None]
        assert np.all(np.abs(got - ref) < 1e-5 * scale + 0.02)
    vev = np.stack([c["vd"], c["vu"], c["s"]], -1)
    h = 1.0
    for i in range(3):
        shift = np.zeros((2, n, 6))
        shift[0, :, i], shift[1, :, i] = h * math.sqrt(2.0), -h * math.sqrt(2.0)
        vals = radiative.potential(shift, {k: np.broadcast_to(v, (2, n)) if np.ndim(v) else v
                                           for k, v in c.items()})
        np.testing.assert_allclose(grad[:, i], (vals[0] - vals[1]) / (2 * h),
                                   rtol=1e-5, atol=1e-6 * np.abs(vev[:, i] * grad[:, i]).max())


def test_stencil_expansion_of_the_yukawa_integrals_keeps_the_hessian():
    """The O(alpha_t^2) potential on a finite-difference stencil with its one-mass
    integrals Taylor-expanded about the centre (``stencil=True``, the fast path of the
    spectrum) gives the same mass-matrix corrections as the exact evaluation at every
    displaced point, to 0.2 GeV^2 + 1e-4 (the differences' own error is ~0.5 GeV^2), at
    the 15 seed points of tests/data."""
    frame = read_csv(DATA / "nmssmtools_560_two_loop_matrices.csv")
    c = {k: np.concatenate([_two_loop_constants(row)[k] for _, row in frame.iterrows()])
         for k in _two_loop_constants(frame.iloc[0])}
    out = []
    for stencil in (False, True):
        def yukawa(fields, cc, stencil=stencil):
            hd, hu, _ = radiative._field_values(fields, cc)
            return two_loop_potential.potential_alpha_t_squared(hu, hd, cc, stencil=stencil)
        out.append(radiative.field_hessians(yukawa, c, directions=(0, 1)))
    for exact, expanded in zip(out[0], out[1], strict=True):
        np.testing.assert_allclose(expanded, exact, rtol=1e-4, atol=0.2)


def test_strong_two_loop_term_has_the_leading_double_logarithm():
    """Degenerate stops and gluino at M_S, no mixing, m_t = m_t(M_S): the O(alpha_t alpha_s)
    correction to the H_u H_u element grows as 3 m_t^4/(4 pi^2 v_u^2) (alpha_s/pi) 2 t^2,
    t = ln(M_S^2/m_t^2) (the leading logarithm of Carena, Espinosa, Quiros, Wagner,
    hep-ph/9504316, 3 m_t^4/(4 pi^2 v^2) [t + (alpha_s/pi) (-2 t^2)] with m_t(m_t),
    rewritten with m_t(M_S) = m_t(m_t) (1 - alpha_s/pi t)). The coefficient of t^2, from
    the second difference in t over M_S = 10, 30, 90 TeV, is 2 within 5%."""
    mt, tanb, alpha_s = 150.0, 50.0, 0.09
    beta = math.atan(tanb)
    vu, vd = sm.V_HIGGS * math.sin(beta), sm.V_HIGGS * math.cos(beta)
    ts, values = [], []
    for ms in (1.0e4, 3.0e4, 9.0e4):
        one = np.ones(1)
        c = {"vu": vu * one, "vd": vd * one, "s": 1e7 * one, "lam": 1e-5 * one,
             "At": 100.0 / tanb * one, "MQ2": ms**2 * one, "MU2": ms**2 * one,
             "ht": mt / vu * one, "q2": ms**2 * one, "mg": ms * one,
             "g3sq": 4 * math.pi * alpha_s * one}

        def strong(fields, cc):
            hd, hu, sc = radiative._field_values(fields, cc)
            return radiative._two_loop_part(hu, hd, sc, cc)

        even, _ = radiative.field_hessians(strong, c, step=2.0, directions=(0, 1))
        norm = 3 * mt**4 / (4 * math.pi**2 * vu**2) * alpha_s / math.pi
        ts.append(math.log(ms**2 / mt**2))
        values.append(even[0, 1, 1] / norm)
    h = ts[1] - ts[0]
    coefficient = (values[2] - 2 * values[1] + values[0]) / (2 * h * h)
    assert coefficient == pytest.approx(2.0, rel=0.05)


# ---------------------------------------------------- two-loop running of the squark soft terms

def _soft_inputs(**changes: float) -> tuple[dict, dict]:
    """Couplings and soft masses for ``soft_running.beta_soft``, all zero but ``changes``."""
    c = {k: np.zeros(1) for k in ("yt", "yb", "ytau", "lam", "kap", "g1", "g2", "g3", "At",
                                   "Ab", "Atau", "Al", "Ak", "M1", "M2", "M3")}
    m = {k: np.zeros(1) for k in ("Q3", "U3", "D3", "L3", "E3", "Q1", "U1", "D1", "L1", "E1",
                                   "Hu", "Hd", "S")}
    for key, value in changes.items():
        (c if key in c else m)[key] = np.array([value])
    return c, m


def test_squark_soft_beta_functions_have_the_published_coefficients():
    """Coefficients of Martin, Vaughn, hep-ph/9311340 (one loop also Martin, hep-ph/9709356
    eqs. (8.x)): 16 pi^2 dm_U3^2/dt = 2 X_t - 32/3 g3^2 M3^2 - 32/15 g1^2 M1^2 - 4/5 g1^2 S,
    X_t = 2 h_t^2 (m_Hu^2 + m_Q3^2 + m_U3^2 + A_t^2); dm_Q3^2/dt has X_t + X_b and + g1^2 S/5;
    two loops, pure SU(3): -128/3 g3^4 M3^2 + 16/3 g3^4 (2 Tr m_Q^2 + Tr m_U^2 + Tr m_D^2)
    for every squark, 64/9 g3^4 M3 (A_t, A_b), -32 h_t^4 (m_Hu^2 + m_Q3^2 + m_U3^2 + 2 A_t^2)
    for m_U3^2 and -88 h_t^4 A_t for A_t."""
    from backends.nmssm_builtin.soft_running import beta_soft
    c, m = _soft_inputs(yt=0.7, At=300.0, Hu=-2e4, Q3=1e6, U3=4e5)
    b = beta_soft(c, m)
    xt = 2 * 0.7 * (-2e4 + 1e6 + 4e5 + 300.0**2)
    assert b["U3"][0][0] == pytest.approx(2 * xt) and b["Q3"][0][0] == pytest.approx(xt)
    assert b["U3"][1][0] == pytest.approx(-32 * 0.49 * (-2e4 + 1e6 + 4e5 + 2 * 300.0**2))
    assert b["At"][0][0] == pytest.approx(12 * 0.7 * 300) and b["At"][1][0] == pytest.approx(
        -88 * 0.49 * 300)
    c, m = _soft_inputs(g3=1.1, M3=2000.0, Q1=4e6, U1=1e6, D1=2e6, Q3=3e6, U3=5e5, D3=1e6)
    b = beta_soft(c, m)
    sigma = 2 * (2 * 4e6 + 3e6) + (2 * 1e6 + 5e5) + (2 * 2e6 + 1e6)
    for key in ("Q3", "U3", "D3"):
        assert b[key][0][0] == pytest.approx(-32 / 3 * 1.1 * 2000.0**2)
        assert b[key][1][0] == pytest.approx(1.1**2 * (-128 / 3 * 2000.0**2 + 16 / 3 * sigma))
    for key in ("At", "Ab"):
        assert b[key][1][0] == pytest.approx(64 / 9 * 1.1**2 * 2000.0)
    c, m = _soft_inputs(g1=0.2, Q1=9e6, U1=1e6, D1=1e6, Q3=9e6, U3=1e6, D3=1e6, Hu=-1e5)
    s_trace = -1e5 + (2 * 9e6 + 9e6) - 2 * (2 * 1e6 + 1e6) + (2 * 1e6 + 1e6)
    b = beta_soft(c, m)
    assert b["U3"][0][0] == pytest.approx(-4 / 5 * 0.2 * s_trace)
    assert b["Q3"][0][0] == pytest.approx(0.2 * s_trace / 5)


# ---------------------------------------------------------- squark masses

def test_squark_pole_correction_reduces_to_the_closed_form():
    """The SUSY-QCD self-energy of a squark pair (PBMZ appendix D functions) without mixing
    and with a massless quark equals the closed form of the first two generations,
    (2 alpha_s/3 pi) m^2 [1 + 3x + (x-1)^2 ln|x-1| - x^2 ln x + 2x ln(Q^2/m^2)]."""
    from backends.nmssm_builtin import squark_masses
    m2 = np.array([4.0e5, 2.5e6, 9.0e6])
    mg = np.array([3000.0, 1200.0, 2000.0])
    q2, a_s = np.full(3, 4.0e6), np.full(3, 0.09)
    rot = np.broadcast_to(np.eye(2), (3, 2, 2))
    general = squark_masses.sqcd_shifts((m2, m2 * 1.5), rot, np.full(3, 1e-3), mg, a_s, q2)[0]
    closed = squark_masses.first_generation_shift(m2, mg, a_s, q2)
    np.testing.assert_allclose(general, closed, rtol=1e-5)


def test_squark_masses_follow_nmssmtools():
    """Stop and sbottom pole masses against NMSSMTools 5.6.0 (seed_A.csv, its running stop
    and sbottom masses at Q_st with SUSY-QCD and Yukawa pole corrections): the lighter and
    heavier stop and the lighter sbottom within 1% at >= 90% of the computed points
    (measured 0.28%, 0.04%, 0.15%), all within 10%; the lighter stop of the four
    hierarchical points (M_Q3/M_U3 ~ 10) within 4% (before: tree-level masses, 40% light)."""
    path = ORACLE / "seed_A.csv"
    if not path.exists():
        pytest.skip("oracle sample not available")
    o = read_csv(path)
    o = o[o["status"].astype(str).str.startswith("ok")]
    spec = compute(parameters(o))
    for key in ("mst1", "mst2", "msb1"):
        rel = np.abs(spec[key] / o[key].to_numpy() - 1)
        assert np.mean(rel < 0.01) >= 0.9 and rel.max() < 0.1, key
    hierarchical = np.isin(o["idx"].to_numpy(), [6, 78, 590, 786])
    rel = np.abs(spec["mst1"] / o["mst1"].to_numpy() - 1)
    assert np.all(rel[hierarchical] < 0.04)


def test_slepton_masses_follow_nmssmtools():
    """Slepton masses against NMSSMTools 5.6.0 (seed_A.csv: 200 GeV soft masses, tree-level
    masses with D-terms in the couplings, v and tan(beta) running at Q_st): every sneutrino,
    smuon and the lighter stau within 0.3 GeV (measured <= 0.15; the on-shell MZ^2 D-terms
    put the sneutrino 0.65 GeV low and the L smuon 0.6 GeV high, which moves the sneutrino-
    higgsino ordering the relic density depends on)."""
    path = ORACLE / "seed_A.csv"
    if not path.exists():
        pytest.skip("oracle sample not available")
    o = read_csv(path)
    o = o[o["status"].astype(str).str.startswith("ok")]
    spec = compute(parameters(o))
    for key in ("msnumu", "msmuL", "msmuR", "mstau1"):
        diff = np.abs(np.abs(spec[key]) - np.abs(o[key].to_numpy()))
        assert diff.max() < 0.3, (key, diff.max())


# ---------------------------------------------------------- running and the Higgs sector

def test_higgs_boson_mass_matrices_reduce_to_the_tree_level_ones():
    """The field-dependent Higgs mass matrices of higgs_loops at the vacuum are the
    tree-level matrices of higgs (arXiv:0910.1785 eqs. (2.22)-(2.26)), with massless
    neutral and charged Goldstones."""
    rng = np.random.default_rng(3)
    n = 20
    tanb, lam, kap = rng.uniform(2, 30, n), rng.uniform(0.05, 0.7, n), rng.uniform(-0.6, 0.6, n)
    al, ak, mu = rng.uniform(-500, 3000, n), rng.uniform(-800, 100, n), rng.uniform(100, 900, n)
    beta = np.arctan(tanb)
    c = {"lam": lam, "kap": kap, "Alambda": al, "Akappa": ak, "g1sq": sm.G1SQ,
         "g2sq": sm.G2SQ, "vd": sm.V_HIGGS * np.cos(beta), "vu": sm.V_HIGGS * np.sin(beta),
         "s": mu / lam}
    c.update(higgs_loops.soft_masses(c))
    even, odd, charged = higgs_loops.mass_matrices(c["vd"], c["vu"], c["s"], c)
    t_even, t_odd, t_mhc2 = higgs.tree_matrices(tanb, lam, kap, al, ak, mu)
    scale = np.abs(t_even).max()
    np.testing.assert_allclose(even, t_even, atol=1e-9 * scale)
    rot = higgs.odd_rotation(tanb)
    np.testing.assert_allclose(np.einsum("nij,njk,nlk->nil", rot, odd, rot), t_odd,
                               atol=1e-9 * scale)
    w = np.linalg.eigvalsh(charged)                              # {0, M_H+^2} in order
    np.testing.assert_allclose(w, np.sort(np.stack([np.zeros(n), t_mhc2], -1), -1),
                               atol=1e-9 * scale)


def test_higgs_boson_curvature_is_the_second_derivative_of_the_potential():
    """The analytic second derivatives of the Higgs-boson potential (eigenvalue
    perturbation on the exactly quadratic mass matrices) agree with central differences
    of the potential itself (``higgs_loops.potential``, diagonalised at each displaced
    point) to 1e-4 of the largest entry. The potential takes |m^2| in its logarithm, so
    the Goldstone masses, which change sign off the vacuum, give the differences an error
    linear in the step; it is extrapolated away from the steps 0.25 and 0.5 GeV."""
    rng = np.random.default_rng(11)
    n = 40
    tanb, lam, kap = rng.uniform(2, 30, n), rng.uniform(0.05, 0.7, n), rng.uniform(-0.6, 0.6, n)
    al, ak, mu = rng.uniform(-500, 3000, n), rng.uniform(-800, 100, n), rng.uniform(100, 900, n)
    beta = np.arctan(tanb)
    c = {"lam": lam, "kap": kap, "Alambda": al, "Akappa": ak, "g1sq": sm.G1SQ,
         "g2sq": sm.G2SQ, "vd": sm.V_HIGGS * np.cos(beta), "vu": sm.V_HIGGS * np.sin(beta),
         "s": mu / lam, "q2": np.full(n, 2000.0**2)}
    c.update(higgs_loops.soft_masses(c))
    vev = np.stack([c["vd"], c["vu"], c["s"]], -1)
    eye = np.eye(3)

    def v1(shift: np.ndarray) -> np.ndarray:
        z = vev + shift / math.sqrt(2.0)
        return higgs_loops.potential(z[:, 0], z[:, 1], z[:, 2], c)

    def differences(h: float) -> np.ndarray:
        out = np.zeros((n, 3, 3))
        grad = np.zeros((n, 3))
        for i in range(3):
            grad[:, i] = (v1(h * eye[i]) - v1(-h * eye[i])) / (2 * h)
            for j in range(3):
                def f(a: float, b: float, i=i, j=j) -> np.ndarray:
                    return v1(h * (a * eye[i] + b * eye[j]))
                out[:, i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h * h)
        return out - (grad / (math.sqrt(2.0) * vev))[:, :, None] * eye

    fd = 2.0 * differences(0.25) - differences(0.5)
    got = higgs_loops.curvature(c)
    scale = np.abs(got).max(axis=(1, 2))[:, None, None]
    assert np.all(np.abs(got - fd) < 1e-4 * scale)


def test_tan_beta_runs_with_the_top_yukawa_above_the_heavy_doublet():
    """tan(beta) falls from M_Z to the stop scale by F^(1/3) < 1 (the top Yukawa above M_A;
    NMSSMTools 5.6.0 at the shared benchmark: 4.697 -> 4.594), and stays when the heavy
    doublet is as heavy as the stops (no two-doublet running); lambda, kappa, mueff do
    not run when the stop scale equals the SUSY scale."""
    p = as_arrays({k: np.array([v]) for k, v in {
        "tanb": 5.0, "lambda_": 0.3, "kappa": 0.2, "Alambda": 600.0, "Akappa": -200.0,
        "mueff": 150.0, "M1": 1000.0, "M2": 1500.0, "M3": 3000.0, "At": -3000.0,
        "Ab": 0.0, "Atau": 0.0, "MQ3": 2000.0, "MU3": 2000.0, "MD3": 2000.0, "ML3": 500.0,
        "ME3": 500.0, "MQ12": 2000.0, "MU12": 2000.0, "MD12": 2000.0, "ML12": 500.0,
        "ME12": 500.0}.items()})
    run = running.run_to_stop_scale(p)
    assert 0.9 * p["tanb"][0] < run["tanb"][0] < p["tanb"][0]
    for key in ("lambda_", "kappa", "mueff"):
        assert run[key][0] == pytest.approx(p[key][0], rel=1e-12)
    heavy = dict(p, Alambda=np.array([3.0e4]))
    assert running.run_to_stop_scale(heavy)["tanb"][0] == pytest.approx(5.0, rel=1e-3)


def test_top_loop_momentum_dependence_limits():
    """B0(p; m, m) -> -ln(m^2/Q^2) for p -> 0 and is continuous at p^2 = 4 m^2;
    B0(p; m, 0) -> 1 - ln(m^2/Q^2) for p -> 0 (PBMZ appendix B); a light CP-even state
    made of H_u loses mass (the top-Yukawa field renormalisation)."""
    m2, q2 = np.array([150.0**2]), np.array([3000.0**2])
    assert pole_masses.b0_equal(np.array([1e-3]), m2, q2)[0] == pytest.approx(
        -math.log(m2[0] / q2[0]), abs=1e-6)
    edge = 4 * m2
    assert pole_masses.b0_equal(edge * (1 - 1e-9), m2, q2)[0] == pytest.approx(
        pole_masses.b0_equal(edge * (1 + 1e-9), m2, q2)[0], abs=1e-3)
    assert pole_masses.b0_massless(np.array([1e-2]), m2, q2)[0] == pytest.approx(
        1 - math.log(m2[0] / q2[0]), abs=1e-5)
    mh2, ma2, _ = pole_masses.top_loop_shifts(
        np.array([[125.0**2, 600.0**2, 900.0**2]]), np.array([[1.0, 0.1, 0.0]]),
        np.array([[300.0**2, 600.0**2]]), np.array([[0.0, 0.2]]), np.array([610.0**2]),
        np.array([0.04]), np.array([150.0]), np.array([0.8]), q2)
    assert mh2[0, 0] < 125.0**2 and mh2[0, 2] == 900.0**2 and ma2[0, 0] == 300.0**2


def test_b0_in_real_arithmetic_matches_its_closed_forms():
    """Re B0(p; m1, m2) (``ino_loops.b0``, real arithmetic) against closed forms (PBMZ
    appendix B): B0(p; m, 0) = 2 - ln(m^2/Q^2) - (1 - m^2/p^2) ln|1 - p^2/m^2|,
    B0(p; m, m) of ``pole_masses.b0_equal`` below and above threshold, and the numerical
    Feynman-parameter integral -int_0^1 ln|x m1^2 + (1-x) m2^2 - x(1-x) p^2|/Q^2 dx for
    unequal masses."""
    from backends.nmssm_builtin.ino_loops import b0
    rng = np.random.default_rng(2)
    p, m1, m2 = rng.uniform(10, 3000, (3, 200))
    q2 = np.full(200, 1.0e6)
    np.testing.assert_allclose(b0(p, m1, 0.0 * m1, q2),
                               pole_masses.b0_massless(p**2, m1**2, q2), atol=1e-9)
    np.testing.assert_allclose(b0(p, m1, m1, q2), pole_masses.b0_equal(p**2, m1**2, q2),
                               atol=1e-9)
    x = (np.arange(200000) + 0.5) / 200000
    for i in range(0, 200, 20):
        arg = np.abs(x * m1[i] ** 2 + (1 - x) * m2[i] ** 2 - x * (1 - x) * p[i] ** 2)
        assert b0(p[i:i + 1], m1[i:i + 1], m2[i:i + 1], q2[:1])[0] == pytest.approx(
            -np.mean(np.log(arg / q2[0])), abs=1e-5)


# ---------------------------------------------------------- the vacuum check

def test_one_loop_vacuum_check_agrees_with_nmssmtools():
    """NMSSMTools 5.6.0 flags an unphysical global minimum (PROB(28)) at one computed point
    of random_A (idx 255) and none of seed_A; the one-loop check here flags exactly
    these, and no point of tests/data's extra sample that NMSSMTools does not flag. The
    tree-level check (vacuum_loops=False) rejected 23 computed points of seed_A."""
    for name in ("random_A", "seed_A"):
        path = ORACLE / f"{name}.csv"
        if not path.exists():
            pytest.skip("oracle sample not available")
        o = read_csv(path)
        o = o[o["status"].astype(str).str.startswith("ok")]
        v_phys, v_other = vacuum.depths(parameters(o))
        flagged = o["idx"].to_numpy()[v_phys >= v_other]
        theirs = o["idx"].to_numpy()[o["spinfo_warnings"].fillna("").str.contains(
            "Unphysical global minimum").to_numpy()]
        assert sorted(flagged) == sorted(theirs)
        if name == "seed_A":
            v_phys, v_other = vacuum.depths(parameters(o), loops=False)
            assert np.sum(v_phys >= v_other) > 10
    extra = read_csv(DATA / "nmssmtools_560_extra_points.csv")
    v_phys, v_other = vacuum.depths(parameters(extra))
    assert not np.any((v_phys >= v_other) & (extra["unphysical_minimum"].to_numpy() == 0))


# ---------------------------------------------------------- against the samples

def _score(frame):
    ok = frame["status"].astype(str).str.startswith("ok").to_numpy()
    o = frame[ok]
    p = parameters(o)
    spec = compute(p)
    tanb = o["tanb"].to_numpy(float)
    ours = sm_like(np.stack([spec[f"mh{i}"] for i in (1, 2, 3)], -1), spec["S"], tanb)
    s_ref = o[[f"S{i}{j}" for i in (1, 2, 3) for j in (1, 2, 3)]].to_numpy(float)
    theirs = sm_like(o[["mh1", "mh2", "mh3"]].to_numpy(float), s_ref.reshape(-1, 3, 3), tanb)
    _, code = theory_checks(spec, p, require_neutralino_lsp=False)
    return o, spec, ours - theirs, code


def test_seed_sample_meets_the_fidelity_goals():
    """seed_A.csv (NMSSMTools 5.6.0, the seed scan's region): SM-like Higgs within 2 GeV at
    >= 95% of the computed points (measured 97.7%), h1 within 5 GeV and H+ within 5% at
    >= 90% (99.7%, 100%); none of the 302 computed points rejected here. The four points
    with M_Q3/M_U3 or M_U3/M_Q3 of 9 to 14 (idx 6, 78, 590, 786), where the lighter soft
    mass runs to near zero at the stop scale, within 2 GeV (measured 0.01, 0.03, 0.3,
    1.6 GeV; with the one-loop running they were 26-136 GeV off or rejected)."""
    path = ORACLE / "seed_A.csv"
    if not path.exists():
        pytest.skip("oracle sample not available")
    o, spec, diff, code = _score(read_csv(path))
    assert np.mean(np.abs(diff) < 2.0) >= 0.95
    assert np.mean(np.abs(np.abs(spec["mh1"]) - o["mh1"].to_numpy()) < 5.0) >= 0.90
    assert np.mean(np.abs(spec["mhc"] / o["mhc"].to_numpy() - 1) < 0.05) >= 0.90
    assert np.all(code == "")
    hierarchical = np.isin(o["idx"].to_numpy(), [6, 78, 590, 786])
    assert hierarchical.sum() == 4 and np.all(np.abs(diff[hierarchical]) < 2.0)


def test_extra_reference_points_in_the_thin_regions():
    """tests/data's NMSSMTools 5.6.0 points at large |X_t|, stops up to 10 TeV, M_Q3 far
    from M_U3: the SM-like Higgs within 2 GeV at >= 85% of the computed ones (measured
    98%: 42 of 43; all of those with |X_t| < 1.5 M_S), the charged Higgs within 2% at
    >= 90% (98%); no computed point rejected."""
    o, spec, diff, code = _score(read_csv(DATA / "nmssmtools_560_extra_points.csv"))
    xt = ((o["At"] - o["mueff"] / o["tanb"]) / np.sqrt(o["MQ3"] * o["MU3"])).to_numpy()
    assert np.mean(np.abs(diff) < 2.0) >= 0.85
    assert np.all(np.abs(diff[np.abs(xt) < 1.5]) < 2.0)
    assert np.mean(np.abs(spec["mhc"] / o["mhc"].to_numpy() - 1) < 0.02) >= 0.90
    assert np.all(code == "")


def test_running_slepton_d_terms_reduce_to_the_on_shell_ones():
    """With couplings that give the on-shell MZ^2 = (g2^2 + g'^2) v^2 / 2 and sw^2, the
    running D-terms are (T3 - Q sw^2) MZ^2 cos 2beta and Q sw^2 MZ^2 cos 2beta."""
    from backends.nmssm_builtin import sm_inputs as sm
    from backends.nmssm_builtin.sfermions import d_term, running_d_term

    tanb, v = np.array([2.0, 5.0, 30.0]), 174.0
    gsum = 2.0 * sm.MZ**2 / v**2
    run = {"tanb": tanb, "v": np.full(3, v), "g1sq": sm.SW2 * gsum,
           "g2sq": (1.0 - sm.SW2) * gsum}
    cos2b = (1.0 - tanb**2) / (1.0 + tanb**2)
    for t3, q in ((0.5, 0.0), (-0.5, -1.0), (0.5, 2.0 / 3.0)):
        np.testing.assert_allclose(running_d_term(t3, q, run), d_term(t3, q, cos2b), rtol=1e-12)
    np.testing.assert_allclose(running_d_term(0.0, -1.0, run, right=True),
                               -sm.SW2 * sm.MZ**2 * cos2b, rtol=1e-12)


def test_heavy_charged_higgs_barely_moves_the_right_handed_stop():
    """A heavy doublet at large tan(beta) is H_d-like: it couples to the right-handed stop
    through |F_Q|^2 = h_t^2 |H_u|^2 |t_R|^2 only with its H_u content cos^2(beta), so raising
    M_A from ~3 to ~20 TeV at tan(beta) = 30 moves m_t_R^2 by about
    3 h_t^2 cos^2(beta) Delta A(M_A)/(16 pi^2) ~ +0.8% (A(m) = m^2 (ln(m^2/Q^2) - 1)); with the
    weight sin^2(beta) it would be +250%. The left-handed stop gains
    h_b^2 sin^2(beta) Delta A(M_A)/(16 pi^2) from |F_D|^2 (upwards). No running between
    Q_SUSY and Q_st here (first-generation masses at the stop scale)."""
    base = {"tanb": 30.0, "M1": 500.0, "M2": 1000.0, "M3": 2500.0, "At": 0.0, "Ab": 0.0,
            "Atau": 0.0, "ML3": 2000.0, "ME3": 2000.0, "MQ3": 3000.0, "MU3": 1500.0,
            "MD3": 2000.0, "ML12": 2000.0, "ME12": 2000.0, "MQ12": math.sqrt(4.5e6),
            "MU12": math.sqrt(4.5e6), "MD12": math.sqrt(4.5e6), "lambda_": 0.1,
            "kappa": 0.1, "Akappa": -100.0, "mueff": 500.0}
    points = {k: np.full(2, v) for k, v in base.items()}
    points["Alambda"] = np.array([100.0, 26000.0])
    spec = compute(as_arrays(points))
    m_a = spec["mhc"]
    assert m_a[0] < 4000.0 and m_a[1] > 15000.0, m_a
    right = spec["stop_mix"][:, 0, 1] ** 2   # the lighter stop is t_R (M_U3 < M_Q3)
    assert np.all(right > 0.99)
    light2, heavy2 = spec["mst1"] ** 2, spec["mst2"] ** 2
    assert 0.0 < light2[1] / light2[0] - 1.0 < 0.03
    assert heavy2[1] > heavy2[0]
