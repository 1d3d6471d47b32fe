"""Slepton coannihilation: the scalar-pair kernels against textbook scalar QED, gauge
cancellations in the slepton processes, and the relic density with sleptons heavy or
degenerate with the LSP."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends.freezeout import diagrams as dg
from backends.freezeout import freeze_out
from backends.freezeout import kernels as kn
from backends.freezeout.twobody import Process
from backends.nmssm_builtin import annihilation as an
from backends.nmssm_builtin import annihilation_sleptons as asl
from backends.nmssm_builtin.relic import initial_group, inputs, nmssm_builtin_freeze_out
from backends.nmssm_builtin.spectrum import compute

ALPHA = 1.0 / 137.036
E_CHARGE = math.sqrt(4.0 * math.pi * ALPHA)
M_SCALAR = 200.0


def _one(value) -> np.ndarray:
    return np.full(1, value)


def _scalar_qed_photons() -> Process:
    """phi phi* -> gamma gamma for a scalar of charge -1: contact 2 e^2, t and u
    channels with the vertex i e (p + p')."""
    e, m = _one(E_CHARGE), _one(M_SCALAR)
    terms = (dg.sv_contact(2.0 * e * e) + dg.sv_t_scalar(e, e, m)
             + dg.sv_u_scalar(e, e, m))
    return Process(kn.SS_AA, (m, m, _one(0.0), _one(0.0)), terms, 0.5)


@pytest.mark.parametrize("beta", [0.05, 0.3, 0.6, 0.85])
def test_scalar_pair_to_photons_against_the_born_formula(beta):
    # sigma(gamma gamma -> phi+ phi-) = (2 pi alpha^2 / s) beta [2 - beta^2
    #   - (1 - beta^4)/(2 beta) ln((1 + beta)/(1 - beta))] for point-like scalars
    # (Brodsky, Kinoshita, Terazawa, Phys. Rev. D4 (1971) 1532), reversed by detailed
    # balance: x (2 x 2 photon helicities / 1) (p_gamma / p_phi)^2 / 2 (identical photons)
    s = 4.0 * M_SCALAR**2 / (1.0 - beta**2)
    log = math.log((1.0 + beta) / (1.0 - beta))
    forward = (2.0 * math.pi * ALPHA**2 / s * beta
               * (2.0 - beta**2 - (1.0 - beta**4) / (2.0 * beta) * log))
    expected = forward * 4.0 / beta**2 / 2.0
    ours = _scalar_qed_photons().sigma(np.array([[s]]))[0, 0]
    assert ours == pytest.approx(expected, rel=1e-3)


def test_scalar_pair_to_photons_at_threshold():
    # sigma v -> 2 pi alpha^2 / m^2 for v -> 0 (v = 2 beta the relative velocity)
    beta = 1e-3
    s = 4.0 * M_SCALAR**2 / (1.0 - beta**2)
    sigma = _scalar_qed_photons().sigma(np.array([[s]]))[0, 0]
    assert sigma * 2.0 * beta == pytest.approx(2.0 * math.pi * ALPHA**2 / M_SCALAR**2,
                                               rel=1e-4)


@pytest.mark.parametrize("beta", [0.1, 0.5, 0.9])
def test_scalar_pair_to_muons_through_a_photon(beta):
    # e+ e- -> phi phi*: sigma = pi alpha^2 beta^3 / (3 s) (Peskin and Schroeder, problem
    # 9.1, massless electrons); reversed: x 4 spin states x (p_e / p_phi)^2 = 4/beta^2
    s = 4.0 * M_SCALAR**2 / (1.0 - beta**2)
    e, m, zero = _one(E_CHARGE), _one(M_SCALAR), _one(0.0)
    muon = (_one(E_CHARGE + 0j), _one(E_CHARGE + 0j))
    proc = Process(kn.SS_ff, (m, m, zero, zero),
                   dg.sf_s_vector(e, muon, zero, zero, m, m), 1.0)
    expected = math.pi * ALPHA**2 * beta**3 / (3.0 * s) * 4.0 / beta**2
    assert proc.sigma(np.array([[s]]))[0, 0] == pytest.approx(expected, rel=1e-9)


#: a seed-region point (seed_A idx 630): higgsino-singlino LSP near 190 GeV, sleptons from
#: M_L = M_E = 200 GeV
SEED_POINT = {"tanb": 4.8219, "M1": 2235.7329, "M2": 8592.0931, "M3": 3999.1916,
              "At": 1106.0635, "Ab": 1500.0, "Atau": 1500.0, "ML3": 200.0, "ME3": 200.0,
              "MQ3": 5551.8887, "MU3": 9777.3157, "MD3": 1000.0, "ML12": 200.0,
              "ME12": 200.0, "MQ12": 5551.8887, "MU12": 9777.3157, "MD12": 1000.0,
              "lambda_": 0.3388, "kappa": 0.2654, "Alambda": 678.3554, "Akappa": -295.2681,
              "mueff": 190.4961}


def _arguments(**overrides) -> dict:
    params = {k: np.atleast_1d(float(v)) for k, v in {**SEED_POINT, **overrides}.items()}
    spec = {k: v for k, v in compute(params).items() if not k.startswith("_")}
    widths = {f"width_{x}": np.full(1, 1.0) for x in ("h2", "h3", "a1", "a2", "hc")}
    widths["width_h1"] = np.full(1, 4.1e-3)
    return {"spectrum": spec, "params": params, "higgs_decays": widths}


def _scaled_sigma(proc: Process, multiple: float) -> float:
    """s sigma at sqrt(s) = ``multiple`` times the threshold."""
    e = multiple * float(sum(abs(m[0]) for m in proc.masses[:2]))
    return e * e * proc.sigma(np.array([[e * e]]))[0, 0]


@pytest.mark.parametrize(("builder", "channel"), [
    (lambda inp: asl.neutral_pair(inp, "e", True, 0, 0), "W+ W-"),
    (lambda inp: asl.neutral_pair(inp, "e", True, 0, 0), "Z Z"),
    (lambda inp: asl.neutral_pair(inp, "e", False, 0, 0), "W+ W-"),
    (lambda inp: asl.neutral_pair(inp, "tau", False, 0, 1), "W+ W-"),
    (lambda inp: asl.charged_current(inp, "e", 0), "W+ Z"),
    (lambda inp: asl.charged_current(inp, "tau", 0), "W+ Z"),
])
def test_gauge_cancellation(builder, channel):
    # without the cancellation between contact, s-, t- and u-channel diagrams the
    # longitudinal gauge bosons make sigma grow like s / M_W^4 (s sigma by ~16 from 1.5 to
    # 3 times the threshold; a 10% error in the contact term already gives a factor 5-13):
    # here s sigma stays flat (sigma ~ 1/s)
    inp = inputs(**_arguments())
    proc = dict(builder(inp))[channel]
    ratio = _scaled_sigma(proc, 3.0) / _scaled_sigma(proc, 1.5)
    assert 0.5 < ratio < 1.5


def test_cp_conjugate_pairs_share_cross_sections_and_conjugate_names():
    inp = inputs(**_arguments())
    names = an.SPECIES_NAMES
    by_pair = {(names[pt.i], names[pt.j]): pt for pt in an.PAIR_TYPES}
    plus, minus = by_pair[("~nu_e", "~e_L*")], by_pair[("~e_L", "~nu_e*")]
    assert plus.builder is minus.builder
    assert "W+ Z" in an.channel_names(plus, inp)
    assert "W- Z" in an.channel_names(minus, inp)
    assert initial_group("~nu_e ~nu_e*") == "sleptons"


def _omega(problem_filter=None, **overrides) -> float:
    args = _arguments(**overrides)
    inp = inputs(**args)
    masses, dofs, names, pairs = an.freeze_out_problem(inp)
    if problem_filter is not None:
        masses, dofs, names, pairs = problem_filter(masses, dofs, names, pairs)
    return float(freeze_out(masses, dofs, pairs, names=names).omega_h2[0])


def _inos_only(masses, dofs, names, pairs):
    n = len(an.INOS)
    return (masses[:, :n], dofs[:n], names[:n],
            [p for p in pairs if p.i < n and p.j < n])


def test_heavy_sleptons_leave_omega_unchanged():
    # sleptons at ~600 GeV, far beyond the coannihilation gap of a 190 GeV LSP: the
    # relic density is that of the neutralinos and charginos alone
    heavy = {"ML3": 600.0, "ME3": 600.0, "ML12": 600.0, "ME12": 600.0}
    assert _omega(**heavy) == pytest.approx(_omega(_inos_only, **heavy), rel=1e-12)


def test_degenerate_sleptons_coannihilate():
    # sleptons within a few percent of the LSP: their 18 degrees of freedom dilute the
    # effective cross section (Omega up) and their own annihilation partly makes up
    with_sleptons, inos = _omega(), _omega(_inos_only)
    assert with_sleptons > 1.5 * inos
    res = nmssm_builtin_freeze_out(**_arguments()).value
    assert res["groups"]["initial/sleptons"][0] > 0.2
    assert res["channels"]["~nu_e ~nu_e* -> W+ W-"][0] > 0.02
    # the slepton annihilation counts: dropping it (keeping the dilution) raises Omega
    def dilution_only(masses, dofs, names, pairs):
        n = len(an.INOS)
        return masses, dofs, names, [p for p in pairs if p.i < n and p.j < n]
    assert _omega(dilution_only) > 1.3 * with_sleptons
