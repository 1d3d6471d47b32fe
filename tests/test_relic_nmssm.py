"""The built-in NMSSM relic density: cross sections against micrOMEGAs, Omega h^2 on
NMSSMTools spectra against the oracle, known limits, and the providers in a run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from shared_inputs import shared_file

from backends.nmssm_builtin import annihilation as an
from backends.nmssm_builtin import annihilation_inos as ai
from backends.nmssm_builtin.relic import inputs, nmssm_builtin_freeze_out
from backends.nmssm_builtin.spectrum import compute
from backends.nmssmtools import nmssm_spectrum
from backends.slha_program import parse_slha

DATA = Path(__file__).parent / "data" / "relic"
GEV2_TO_PB = 0.3893793721e9
#: the micrOMEGAs model's SU(2) coupling e/s_W (data file header) against this project's
#: g = 2 M_W sqrt(sqrt2 G_F): gauge-dominated cross sections scale as g^4
SCHEME = (2 * 80.42 * math.sqrt(math.sqrt(2) * 1.1663787e-5) / (0.3122 / 0.472416)) ** 4
#: micrOMEGAs' quark masses at Q = 2 m_chi1 (data file header)
MO_MASSES = {"u": 0.05, "d": 0.05, "s": 0.05, "c": 0.66432, "b": 2.9134, "t": 173.4,
             "tau": 1.777}
#: micrOMEGAs NMSSM particle names -> this project's channel names
NAMES = {"W+": "W+", "W-": "W-", "Z": "Z", "A": "gamma", "h1": "h1", "h2": "h2", "u": "u",
         "U": "u~", "D": "d~", "d": "d", "b": "b", "B": "b~", "t": "t", "T": "t~",
         "e": "e-", "E": "e+", "ne": "nu_e", "Ne": "nu_e~"}


def _slha_inputs(name: str) -> tuple[ai.Inputs, dict]:
    """Inputs of the relic module for an NMSSMTools spectrum, Higgs widths from its DECAY
    blocks (the widths micrOMEGAs used)."""
    out = parse_slha((DATA / name).read_text(), "NMSSMTools")
    spec = {k: np.asarray(v)[None] for k, v in nmssm_spectrum(out).items()}
    ext, minpar = out.doc.blocks["EXTPAR"], out.doc.blocks["MINPAR"]
    keys = {1: "M1", 2: "M2", 3: "M3", 11: "At", 12: "Ab", 13: "Atau", 32: "ML12", 33: "ML3",
            35: "ME12", 36: "ME3", 42: "MQ12", 43: "MQ3", 45: "MU12", 46: "MU3", 48: "MD12",
            49: "MD3", 61: "lambda_", 62: "kappa", 63: "Alambda", 64: "Akappa",
            65: "mueff"}
    params = {v: np.array([float(ext[k])]) for k, v in keys.items()}
    params["tanb"] = np.array([float(minpar[3])])

    def width(*pdg):
        masses = sorted((abs(float(out.doc.blocks["MASS"][p])), p) for p in pdg)
        return [out.doc.decays[p].totalwidth for _, p in masses]

    wh, wa = width(25, 35, 45), width(36, 46)
    widths = {"width_h1": np.array([wh[0]]), "width_h2": np.array([wh[1]]),
              "width_h3": np.array([wh[2]]), "width_a1": np.array([wa[0]]),
              "width_a2": np.array([wa[1]]),
              "width_hc": np.array([out.doc.decays[37].totalwidth])}
    return inputs(spec, params, widths), {"spectrum": spec, "params": params,
                                          "higgs_decays": widths}


def _flatten(entries):
    out = {}
    for name, proc in entries:
        if isinstance(name, tuple):
            for k, n in enumerate(name):
                out[n] = (proc, k, len(name))
        else:
            out[name] = (proc, 0, 1)
    return out


def _sigma_pb(entry, m1, m2, p_cm):
    proc, k, n = entry
    e = math.sqrt(p_cm**2 + m1**2) + math.sqrt(p_cm**2 + m2**2)
    return proc.sigma(np.full((n, 1), e * e))[k, 0] * GEV2_TO_PB


def test_cross_sections_against_micromegas():
    # every channel dominated by gauge couplings agrees with micrOMEGAs' cs22 within 3%
    # once the two programs' SU(2) couplings are accounted for (g^4: a factor ~0.954)
    import pandas as pd

    inp, _ = _slha_inputs("nmssmtools_seed_A_4.slha")
    inp.mf.update({k: np.array([v]) for k, v in MO_MASSES.items()})
    inp.yukawa_mass.update({k: np.array([v]) for k, v in MO_MASSES.items()})
    ref = pd.read_csv(DATA / "micromegas_cs_seed_A_4.csv", comment="#")
    pairs = {("~o1", "~o1"): (ai.neutralino_pair(inp, 0, 0), inp.mneu[0, 0], inp.mneu[0, 0]),
             ("~1+", "~o1"): (ai.chargino_neutralino(inp, 0, 0), inp.mcha[0, 0],
                              inp.mneu[0, 0]),
             ("~1+", "~1-"): (ai.chargino_pair(inp, 0, 0), inp.mcha[0, 0], inp.mcha[0, 0]),
             ("~o1", "~o2"): (ai.neutralino_pair(inp, 0, 1), inp.mneu[0, 0], inp.mneu[0, 1]),
             ("~1+", "~1+"): (ai.same_sign_charginos(inp, 0, 0), inp.mcha[0, 0],
                              inp.mcha[0, 0])}
    gauge = {("~o1", "~o1"): ["W+ W-", "Z Z", "e- e+", "nu_e nu_e~"],
             ("~1+", "~o1"): ["u d~", "nu_e e+", "t b~", "W+ Z", "W+ gamma", "W+ h1"],
             ("~1+", "~1-"): ["W+ W-", "u u~", "e- e+", "nu_e nu_e~", "gamma gamma",
                              "Z gamma", "Z Z", "Z h1"],
             ("~o1", "~o2"): ["d d~", "W+ W-"], ("~1+", "~1+"): ["W+ W+"]}
    checked = 0
    for row in ref.itertuples():
        key = (row.p1, row.p2)
        final = f"{NAMES.get(row.p3, row.p3)} {NAMES.get(row.p4, row.p4)}"
        final = {"Z W+": "W+ Z", "A W+": "W+ gamma", "Z A": "Z gamma",
                 "A A": "gamma gamma"}.get(final.replace("gamma", "A"), final)
        if key not in gauge or final not in gauge[key]:
            continue
        entries, m1, m2 = pairs[key]
        ours = _sigma_pb(_flatten(entries)[final], abs(m1), abs(m2), row.P_GeV)
        assert ours / row.sigma_pb == pytest.approx(SCHEME, rel=0.03), (key, final)
        checked += 1
    assert checked >= 60


@pytest.mark.parametrize(("name", "idx"), [("nmssmtools_seed_A_4.slha", 4),
                                           ("nmssmtools_seed_A_6.slha", 6)])
def test_relic_density_on_nmssmtools_spectra(name, idx):
    # higgsino-singlino LSPs of the seed region, coannihilating with chi2 and chi+-: Omega
    # and x_f of micrOMEGAs 6.0 on the same spectra (the oracle), within the 5% of the
    # coupling scheme
    import pandas as pd

    _, args = _slha_inputs(name)
    oracle_file = shared_file("reference/oracle/seed_A.csv")
    oracle = pd.read_csv(oracle_file, comment="#").set_index("idx").loc[idx]
    res = nmssm_builtin_freeze_out(**args).value
    assert res["omega_h2"][0] == pytest.approx(oracle["Omega_h2"], rel=0.08)
    assert res["x_f"][0] == pytest.approx(oracle["Xf"], abs=0.3)
    # the leading channel agrees too: chi1 chi1 -> W+ W- (oracle's omega_channels)
    lead = max(res["channels"].items(), key=lambda kv: kv[1][0])
    assert lead[0] == "chi1 chi1 -> W+ W-"
    groups = res["groups"]
    assert sum(v[0] for k, v in groups.items() if k.startswith("initial/")) == \
        pytest.approx(1.0)
    assert sum(v[0] for k, v in groups.items() if k.startswith("final/")) == \
        pytest.approx(1.0)


def _heavy_point(**overrides) -> dict:
    """Parameters with every sparticle but the ones set heavy (5 TeV), small lambda."""
    p = {"tanb": 10.0, "lambda_": 0.05, "kappa": 0.3, "Alambda": 5000.0,
         "Akappa": -500.0, "mueff": 5000.0, "M1": 5000.0, "M2": 5000.0, "M3": 5000.0,
         "At": 8000.0, "Ab": 0.0, "Atau": 0.0, "MQ3": 5000.0, "MU3": 5000.0,
         "MD3": 5000.0, "ML3": 5000.0, "ME3": 5000.0, "MQ12": 5000.0, "MU12": 5000.0,
         "MD12": 5000.0, "ML12": 5000.0, "ME12": 5000.0}
    p.update(overrides)
    return {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in p.items()}


def _omega(params: dict, width: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    spec = {k: v for k, v in compute(params).items() if not k.startswith("_")}
    n = params["tanb"].shape[0]
    widths = {f"width_{x}": np.full(n, width) for x in ("h1", "h2", "h3", "a1", "a2", "hc")}
    # the SM-like Higgs: its width (4 MeV) matters at the h funnel
    widths["width_h1"] = np.full(n, 4.1e-3)
    res = nmssm_builtin_freeze_out(spec, params, widths).value
    return res["omega_h2"], res["x_f"]


def test_pure_higgsino_and_pure_wino_limits():
    # tree level, no Sommerfeld effect: a higgsino near 1.1 TeV and a wino near 2.1-2.3 TeV
    # make about all the dark matter (Cirelli, Fornengo, Strumia, Nucl. Phys. B753 (2006)
    # 178, hep-ph/0512090: M ~ 1 TeV for the Y = 1/2 doublet, 2-2.5 TeV for the triplet
    # without the non-perturbative correction). micrOMEGAs 6.0 on the NMSSMTools 5.6.0
    # spectra of these inputs: 0.124 for the 1128 GeV higgsino, 0.167 for the 2312 GeV wino
    # (x_f 27.3, 27.4); this project's g^4 is 5% smaller.
    omega, x_f = _omega(_heavy_point(mueff=[1100.0]))
    assert omega[0] == pytest.approx(0.124 / SCHEME, rel=0.1)
    assert x_f[0] == pytest.approx(27.3, abs=0.5)
    omega, x_f = _omega(_heavy_point(M2=[2200.0]))
    assert omega[0] == pytest.approx(0.167 / SCHEME, rel=0.1)
    assert x_f[0] == pytest.approx(27.4, abs=0.5)


def test_bino_funnels_at_half_the_z_and_higgs_masses():
    # a bino with a small higgsino admixture annihilates through the Z and h resonances:
    # Omega dips where m_chi = m_Z/2 and m_h/2 (Griest and Seckel, Phys. Rev. D43 (1991)
    # 3191, section on poles)
    m1 = np.array([38.0, 45.6, 53.0, 56.0, 62.5, 70.0])
    omega, x_f = _omega(_heavy_point(M1=m1, mueff=np.full(m1.size, 400.0),
                                     tanb=np.full(m1.size, 10.0)))
    assert omega[1] < 0.2 * min(omega[0], omega[2])     # Z funnel
    assert omega[4] < 0.2 * min(omega[3], omega[5])     # h funnel
    assert np.all((x_f > 15) & (x_f < 30))


def test_channel_labels_follow_micromegas():
    from backends.nmssm_builtin.relic import micromegas_label

    assert micromegas_label("chi1 cha1+ -> u d~") == "cha1+ chi1 -> u d~"
    assert micromegas_label("chi1 cha1- -> u~ d") == "cha1+ chi1 -> u d~"
    assert micromegas_label("cha1- cha1- -> W- W-") == "cha1+ cha1+ -> W+ W+"
    assert micromegas_label("cha1+ cha1- -> W+ W-") == "cha1+ cha1- -> W+ W-"
    assert an.conjugate_channel("nu_tau tau+") == "nu_tau~ tau-"


RUN = '''
parameters:
  tanb: [3.2, 6.2]
  lambda_: [0.07, 0.42]
  kappa: [0.05, 0.3]
  Alambda: [351, 834]
  Akappa: [-300, -150]
  mueff: [120, 220]
  M1: 1000
  M2: 2000
  M3: 2000
  At: -1000
  Ab: 1500
  Atau: 1500
  MQ3: 2000
  MU3: 2000
  MD3: 1000
  ML3: 1000
  ME3: 1000
  MQ12: 2000
  MU12: 2000
  MD12: 1000
  ML12: 1000
  ME12: 1000
likelihoods: [relic]
observables: [omega_h2, x_f, omega_channels, omega_channel_groups]
prefer: [backends.nmssm_builtin]
rules:
  spectrum: {options: {vacuum_check: false}}
sampler: {name: random, n_points: 6, batch_size: 6}
output: {dir: out, file: relic.h5}
seed: 3
'''


def test_relic_capabilities_in_a_run(tmp_path):
    import subprocess
    import sys

    from fit.results import load

    (tmp_path / "run.yaml").write_text(RUN)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "fit", str(tmp_path / "run.yaml")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    r = load(tmp_path / "out" / "relic.h5")
    valid = r.valid
    assert valid.sum() >= 3
    omega = r.observables["omega_h2"][valid]
    x_f = r.observables["x_f"][valid]
    # higgsinos of 120-220 GeV coannihilating with chi2 and chi+-: Omega ~ 1e-3 - 1e-2
    assert np.all((omega > 3e-4) & (omega < 0.05))
    assert np.all((x_f > 20) & (x_f < 32))
    groups = [k for k in r.observables if k.startswith("omega_channel_groups/final/")]
    assert len(groups) == 12
    total = sum(r.observables[k][valid] for k in groups)
    np.testing.assert_allclose(total, 1.0, rtol=1e-9)
    assert "omega_channels/chi1 chi1 -> W+ W-" in r.observables
