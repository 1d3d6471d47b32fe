"""The NMSSMTools wrapper: input card, reading a real NMSSMTools output, a full run.

Reference output: ../shared/reference/nmssmtools/spectr_full_minchi2.dat
(NMSSMTools 6.1.2, the best-fit point of a published scan). Each expected number
below names the line of that file it comes from.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from backends import nmssmtools as nt
from backends.slha_program import parse_slha
from fit import InvalidPoint
from fit.errors import ConfigError
from fit.providers import REGISTRY
from fit.run import prepare, run

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "nmssmtools"
OUTPUT = REFERENCE / "spectr_full_minchi2.dat"
CARD = REFERENCE / "inp_minchi2.dat"

pytestmark = pytest.mark.skipif(not OUTPUT.is_file(), reason="reference output not available")

#: the point of inp_minchi2.dat (MINPAR/EXTPAR lines 44-65), in the project's parameter names;
#: first/second-generation values as NMSSMTools set them (spectr_full lines 53-67)
POINT = {"tanb": 4.69673261, "M1": 1940.59303, "M2": 1535.77145, "M3": 4584.02795,
         "At": -4885.84591, "Ab": 1500.0, "Atau": 1500.0, "ML3": 200.0, "ME3": 200.0,
         "MQ3": 3764.09251, "MU3": 2473.02342, "MD3": 1000.0, "ML12": 200.0, "ME12": 200.0,
         "MQ12": 3764.09251, "MU12": 2473.02342, "MD12": 1000.0, "lambda_": 0.293622043,
         "kappa": 0.190796477, "Alambda": 624.626468, "Akappa": -228.918523,
         "mueff": 135.211331}

#: parameter -> (block, index) of the SLHA2 / NMSSMTools input card
CARD_ENTRIES = {"tanb": ("MINPAR", 3), "M1": ("EXTPAR", 1), "M2": ("EXTPAR", 2),
                "M3": ("EXTPAR", 3), "At": ("EXTPAR", 11), "Ab": ("EXTPAR", 12),
                "Atau": ("EXTPAR", 13), "ML12": ("EXTPAR", 32), "ML3": ("EXTPAR", 33),
                "ME12": ("EXTPAR", 35), "ME3": ("EXTPAR", 36), "MQ12": ("EXTPAR", 42),
                "MQ3": ("EXTPAR", 43), "MU12": ("EXTPAR", 45), "MU3": ("EXTPAR", 46),
                "MD12": ("EXTPAR", 48), "MD3": ("EXTPAR", 49), "lambda_": ("EXTPAR", 61),
                "kappa": ("EXTPAR", 62), "Alambda": ("EXTPAR", 63),
                "Akappa": ("EXTPAR", 64), "mueff": ("EXTPAR", 65)}


@pytest.fixture(scope="module")
def reference() -> nt.SLHAOutput:
    return parse_slha(OUTPUT.read_text(), program="NMSSMTools")


def test_spectrum_masses(reference):
    s = nt.nmssm_spectrum(reference)
    expected = {
        "mh1": 9.33844280e01,     # line 83: PDG 35, lightest neutral scalar (this file's labels)
        "mh2": 1.24980733e02,     # line 84: PDG 25
        "mh3": 6.71918978e02,     # line 85: PDG 45
        "ma1": 2.52485088e02,     # line 86: PDG 36
        "ma2": 6.69701001e02,     # line 87: PDG 46
        "mhc": 6.71765253e02,     # line 88: PDG 37
        "msdL": 3.86021125e03,    # line 89: PDG 1000001
        "msdR": 1.09218136e03,    # line 90: PDG 2000001
        "msuL": 3.85949664e03,    # line 91: PDG 1000002
        "msuR": 2.56731116e03,    # line 92: PDG 2000002
        "msb1": 1.09044388e03,    # line 97: PDG 1000005
        "msb2": 3.81056926e03,    # line 98: PDG 2000005
        "mst1": 2.48570544e03,    # line 99: PDG 1000006
        "mst2": 3.82014911e03,    # line 100: PDG 2000006
        "msmuL": 2.04688547e02,   # line 104: PDG 1000013
        "msmuR": 2.04077140e02,   # line 105: PDG 2000013
        "msnumu": 1.90932298e02,  # line 106: PDG 1000014
        "mstau1": 2.00528827e02,  # line 107: PDG 1000015
        "mstau2": 2.08181081e02,  # line 108: PDG 2000015
        "mgluino": 4.58535923e03,  # line 110: PDG 1000021
        "mneu1": 1.23991115e02,   # line 111: PDG 1000022
        "mneu2": -1.47105078e02,  # line 112: PDG 1000023 (negative: SLHA2 real mixing)
        "mneu3": 1.99903446e02,   # line 113: PDG 1000025
        "mneu4": 1.56406364e03,   # line 114: PDG 1000035
        "mneu5": 1.91142366e03,   # line 115: PDG 1000045
        "mcha1": 1.38054239e02,   # line 116: PDG 1000024
        "mcha2": 1.56408358e03,   # line 117: PDG 1000037
        "mW": 8.03732706e01,      # line 82: PDG 24, MW incl. Delta_MW
    }
    for key, value in expected.items():
        assert s[key] == pytest.approx(value, rel=1e-9), key


def test_spectrum_mixing_matrices(reference):
    s = nt.nmssm_spectrum(reference)
    assert s["S"].shape == (3, 3) and s["P"].shape == (2, 3) and s["N"].shape == (5, 5)
    assert s["S"][0, 2] == pytest.approx(9.30830396e-01)    # line 248: S_(1,3), singlet-like h1
    assert s["S"][1, 1] == pytest.approx(9.17109159e-01)    # line 250: S_(2,2), SM-like h2
    assert s["S"][2, 0] == pytest.approx(9.72034695e-01)    # line 252: S_(3,1)
    assert s["S"][2, 2] == pytest.approx(-8.06697433e-02)   # line 254: S_(3,3)
    assert s["P"][0, 2] == pytest.approx(9.98495094e-01)    # line 260: P_(1,3)
    assert s["P"][1, 0] == pytest.approx(9.76610092e-01)    # line 261: P_(2,1)
    assert s["P"][1, 1] == pytest.approx(2.07933935e-01)    # line 262: P_(2,2)
    assert s["stop_mix"][0, 0] == pytest.approx(8.49947317e-02)      # line 267: Rst_(1,1)
    assert s["stop_mix"][1, 0] == pytest.approx(-9.96381401e-01)     # line 269: Rst_(2,1)
    assert s["sbottom_mix"][0, 0] == pytest.approx(-1.53043811e-04)  # line 272: Rsb_(1,1)
    assert s["stau_mix"][0, 1] == pytest.approx(7.25769299e-01)      # line 278: Rsl_(1,2)
    assert s["N"][0, 3] == pytest.approx(-6.86010615e-01)   # line 287: N_(1,4)
    assert s["N"][2, 4] == pytest.approx(9.08553124e-01)    # line 298: N_(3,5)
    assert s["N"][3, 1] == pytest.approx(9.98541500e-01)    # line 300: N_(4,2), wino-like
    assert s["N"][4, 0] == pytest.approx(9.99706278e-01)    # line 304: N_(5,1), bino-like
    assert s["U"][0, 1] == pytest.approx(-9.99766084e-01)   # line 312: U_(1,2)
    assert s["V"][0, 0] == pytest.approx(7.29830973e-02)    # line 317: V_(1,1)
    for m in (s["S"], s["N"], s["U"], s["V"], s["stop_mix"]):  # orthogonal to print precision
        assert np.allclose(m @ m.T, np.eye(len(m)), atol=1e-6)
    # NMAMIX rows are normalised to 1e-5 only (NMSSMTools writes sin(beta), cos(beta) times
    # its 2x2 mixing with tan(beta) at MZ: P_(i,1)/P_(i,2) = 4.6967 = MINPAR 3, line 44)
    assert np.allclose(s["P"] @ s["P"].T, np.eye(2), atol=2e-5)
    assert s["P"][:, 0] / s["P"][:, 1] == pytest.approx([4.69673261] * 2, rel=1e-7)


def test_higgs_ordering_independent_of_pdg_labels(reference):
    """Standard NMSSMTools labels the lightest scalar 25; this file labels it 35."""
    text = OUTPUT.read_text()
    swapped = text.replace("        35     9.33844280E+01", "        XX     9.33844280E+01")
    swapped = swapped.replace("        25     1.24980733E+02", "        35     1.24980733E+02")
    swapped = swapped.replace("        XX     9.33844280E+01", "        25     9.33844280E+01")
    assert swapped != text
    s = nt.nmssm_spectrum(parse_slha(swapped))
    assert (s["mh1"], s["mh2"]) == (pytest.approx(93.384428), pytest.approx(124.980733))


def test_low_energy_and_dark_matter(reference):
    expected = {
        "br_bsgamma": 3.78226189e-04,     # line 126: LOWEN 1, BR(b -> s gamma)
        "delta_md": 5.12289430e-01,       # line 130: LOWEN 2 [ps^-1]
        "delta_ms": 1.80761187e01,        # line 134: LOWEN 3 [ps^-1]
        "br_bsmumu": 3.53421638e-09,      # line 138: LOWEN 4
        "br_btaunu": 1.06716119e-04,      # line 142: LOWEN 5
        "delta_amu": 2.44714406e-10,      # line 201: LOWEN 6, Del_a_mu
        "omega_h2": 1.45365133e-03,  # line 208: LOWEN 10, Omega h^2
    }
    for capability, value in expected.items():
        provider = REGISTRY.by_name[f"nmssmtools_{capability}"].target()
        assert provider(nmssmtools_output=reference) == pytest.approx(value, rel=1e-9)
    dd = {"sigma_si_p": 6.73821229e-11,   # line 228: LOWEN 20, sigma_p^SI [pb]
          "sigma_sd_n": 3.32034598e-04,   # line 230: LOWEN 30, sigma_n^SD [pb]
          "sigma_sd_p": 4.34232372e-04}   # line 232: LOWEN 40, sigma_p^SD [pb]
    for capability, value in dd.items():
        assert nt.direct_detection(reference, capability) == pytest.approx(value, rel=1e-9)
    # no sigma_n^SI in NMSSMTools' output: the proton value, or an invalid point
    assert nt.SigmaSINeutron()(nmssmtools_output=reference) == pytest.approx(6.73821229e-11)
    with pytest.raises(InvalidPoint, match="sigma_n\\^SI"):
        nt.SigmaSINeutron(neutron_from_proton=False)(nmssmtools_output=reference)


def test_higgs_couplings(reference):
    k = nt.higgs_couplings(reference)
    names = ("ku", "kd", "kb", "ktau", "kg", "kgamma")
    assert set(k) == ({f"{n}_{i}" for n in (*names, "kV") for i in (1, 2, 3)}
                      | {f"{n}_a{j}" for n in names for j in (1, 2)})
    assert k["ku_1"] == pytest.approx(3.39512356e-01)     # line 343: REDCOUP 1 1
    assert k["kd_1"] == pytest.approx(7.32757823e-01)     # line 344: REDCOUP 1 2
    assert k["kV_1"] == pytest.approx(3.56566018e-01)     # line 347: REDCOUP 1 5
    assert k["kV_2"] == pytest.approx(9.34175610e-01)     # line 355: REDCOUP 2 5
    assert k["kg_2"] == pytest.approx(9.41967831e-01)     # line 356: REDCOUP 2 6
    assert k["kgamma_2"] == pytest.approx(9.52557883e-01)  # line 357: REDCOUP 2 7
    assert k["ku_3"] == pytest.approx(-2.25490471e-01)    # line 359: REDCOUP 3 1
    assert k["kd_3"] == pytest.approx(4.66772004e00)      # line 360: REDCOUP 3 2
    assert k["kgamma_3"] == pytest.approx(1.67119659e00)  # line 365: REDCOUP 3 7
    assert k["kb_2"] == pytest.approx(8.57162571e-01)     # line 353: REDCOUP 2 3
    assert k["ktau_2"] == pytest.approx(8.57442660e-01)   # line 354: REDCOUP 2 4
    assert k["kd_a1"] == pytest.approx(-2.57575269e-01)   # line 368: REDCOUP 4 2
    assert k["kgamma_a2"] == pytest.approx(1.99775840e00)  # line 381: REDCOUP 5 7


def test_quirks_of_the_file_are_handled(reference):
    # line 591: GUTNMSSMRUN 1 (lambda at MGUT); the entries after '# BLOCK FINETUNING'
    # (line 603: '1  1.33835709E+01') must not overwrite it
    assert reference.doc.blocks["GUTNMSSMRUN"][1] == pytest.approx(3.14642493e-01)
    # lines 1292-1316: text appended by another tool inside the last DECAY block
    assert reference.doc.decays[2000005].totalwidth == pytest.approx(1.20959456e02)  # line 1273
    # lines 4-8: SPINFO entries commented out in this file: no warnings, no errors
    assert reference.warnings == [] and reference.errors == []


def test_constraint_warnings(reference):
    text = OUTPUT.read_text().replace("#    3   #", "     3   #")   # lines 6-8 uncommented
    out = parse_slha(text, program="NMSSMTools")
    c = nt.Constraints()(nmssmtools_output=out)
    assert c["n_violated"] == 3.0
    assert c["messages"].split("; ") == ["Muon magn. mom. more than 2 sigma away",
                                         "b -> c tau nu more than 2 sigma away (as SM)",
                                         "MW too small"]


def test_default_card_has_every_parameter_in_its_place(tmp_path):
    card = nt.DEFAULT_TEMPLATE.read_text()
    filled = nt.NMSSMTools(command=sys.executable, scratch_dir=str(tmp_path)).fill(POINT)
    doc = parse_slha(filled).doc
    for name, (block, index) in CARD_ENTRIES.items():
        assert doc.blocks[block][index] == pytest.approx(POINT[name], rel=1e-9), name
    assert "$" not in filled and "${" in card
    # MODSEL flags as in the reference card (inp_defs.dat lines 4-24: OMGFLAG -4 etc.)
    assert doc.blocks["MODSEL"][9] == -4 and doc.blocks["MODSEL"][1] == 0


STAND_IN = """
import os, shutil, sys
card = open("inp").read()
if "EXTPAR" not in card or not os.environ.get("EXPCON_PATH", "").endswith("EXPCON"):
    sys.exit("stand-in: no card or no EXPCON_PATH")
shutil.copy({reference!r}, "spectr")
"""


@pytest.fixture
def installation(tmp_path: Path) -> Path:
    """A fake NMSSMTools installation: main/nmhdecay copies the reference output to 'spectr'."""
    root = tmp_path / "NMSSMTools_6.1.2"
    (root / "main").mkdir(parents=True)
    (root / "EXPCON").mkdir()
    exe = root / "main" / "nmhdecay"
    exe.write_text(f"#!{sys.executable}\n" + STAND_IN.format(reference=str(OUTPUT)))
    exe.chmod(0o755)
    return root


def test_wrapper_runs_the_program_in_scratch(installation, tmp_path):
    tools = nt.NMSSMTools(nmssmtools_dir=str(installation), scratch_dir=str(tmp_path / "s"))
    assert tools.command == [str(installation / "main" / "nmhdecay")]
    assert tools.env["EXPCON_PATH"] == str(installation / "EXPCON")
    out = tools(params=POINT)
    card = parse_slha((tools.workdir / "inp").read_text()).doc
    assert card.blocks["EXTPAR"][61] == pytest.approx(0.293622043)
    assert nt.lowen(out, "omega_h2") == pytest.approx(1.45365133e-03)  # line 208


def test_spinfo_error_of_nmssmtools(tmp_path):
    exe = tmp_path / "nmhdecay"
    exe.write_text(f"#!{sys.executable}\n" + textwrap.dedent("""
        open("spectr", "w").write('''BLOCK SPINFO   # Program information
             1   NMSSMTools # Spectrum calculator
             2   6.1.2      # Version number
             4   # M_H1^2<1
        BLOCK MODSEL
          3  1   # NMSSM particle content
        ''')
        """))
    exe.chmod(0o755)
    tools = nt.NMSSMTools(command=str(exe), scratch_dir=str(tmp_path / "s"))
    with pytest.raises(InvalidPoint) as info:
        tools(params=POINT)
    assert (info.value.code, info.value.reason) == ("spinfo_error", "NMSSMTools: M_H1^2<1")


def test_missing_nmssmtools_is_a_config_error(tmp_path, registry):
    path = _write_run(tmp_path, {"nmssmtools_dir": str(tmp_path / "nowhere")})
    with pytest.raises(ConfigError, match="option 'nmssmtools_dir'"):
        prepare(path, registry)
    (tmp_path / "empty").mkdir()
    path = _write_run(tmp_path, {"nmssmtools_dir": str(tmp_path / "empty")})
    with pytest.raises(ConfigError) as info:
        prepare(path, registry)
    assert "rules.nmssmtools_output.options" in str(info.value)
    assert "set the option 'nmssmtools_dir'" in str(info.value)


LIKELIHOOD = """
from fit import likelihood


@likelihood("toy_relic")
def toy_relic(omega_h2, *, target: float = 0.12, sigma: float = 0.06):
    '''Gaussian in Omega h^2 (a toy, not the Planck likelihood).'''
    return -0.5 * ((omega_h2 - target) / sigma) ** 2
"""


def _write_run(tmp_path: Path, options: dict, prefer: bool = False) -> Path:
    """A run of NMSSMTools with a toy likelihood; its providers chosen one rule per
    capability, or all at once by ``prefer:``."""
    # one module name per test: the registry remembers imported module names across tests
    module = f"toy_relic_{tmp_path.name}.py"
    (tmp_path / module).write_text(LIKELIHOOD)
    params = "\n".join(f"  {k}: {v!r}" for k, v in POINT.items() if k != "tanb")
    extractors = ("spectrum", "higgs_couplings", "omega_h2", "sigma_si_p", "sigma_sd_n",
                  "br_bsgamma", "delta_amu")
    rules = "\n".join(f"  {c}: nmssmtools_{c}" for c in extractors)
    if prefer:
        rules = "prefer: [backends.nmssmtools]"
    opts = ", ".join(f"{k}: {v!r}" for k, v in options.items())
    path = tmp_path / "nmssm.yaml"
    path.write_text(f"""\
parameters:
  tanb: [4, 5]
{params}
likelihoods:
  toy_relic: {{}}
rules:
  nmssmtools_output: {{options: {{{opts}}}}}
{rules}
observables: [spectrum, higgs_couplings, sigma_si_p, sigma_sd_n, br_bsgamma, delta_amu,
              nmssmtools_constraints]
sampler: {{name: random, n_points: 3, batch_size: 3}}
seed: 5
modules: [{module}]
""")
    return path


@pytest.mark.parametrize("prefer", [False, True], ids=["rules", "prefer"])
def test_full_run_writes_the_capabilities(installation, tmp_path, registry, prefer):
    path = _write_run(tmp_path, {"nmssmtools_dir": str(installation),
                                 "scratch_dir": str(tmp_path / "scratch")}, prefer)
    assert "nmhdecay (NMSSMTools)" in prepare(path, registry).describe()
    out = run(path, output=tmp_path / "out" / "nmssm.h5", registry=registry)
    with h5py.File(out) as f:
        assert f["point/valid"][:].all(), f["point/reason"][:]
        obs = f["observables"]
        assert np.allclose(obs["omega_h2"][:], 1.45365133e-03)      # line 208
        assert np.allclose(f["loglike/toy_relic"][:],
                           -0.5 * ((1.45365133e-03 - 0.12) / 0.06) ** 2)
        assert np.allclose(obs["spectrum/mh2"][:], 1.24980733e02)        # line 84
        assert np.allclose(obs["spectrum/mneu2"][:], -1.47105078e02)     # line 112
        assert obs["spectrum/N"].shape == (3, 5, 5)
        assert np.allclose(obs["spectrum/N"][:, 4, 0], 9.99706278e-01)   # line 304
        assert np.allclose(obs["higgs_couplings/kV_2"][:], 9.34175610e-01)  # line 355
        assert np.allclose(obs["sigma_si_p"][:], 6.73821229e-11)         # line 228
        assert np.allclose(obs["sigma_sd_n"][:], 3.32034598e-04)         # line 230
        assert np.allclose(obs["br_bsgamma"][:], 3.78226189e-04)         # line 126
        assert np.allclose(obs["delta_amu"][:], 2.44714406e-10)          # line 201
        assert np.allclose(obs["nmssmtools_constraints/n_violated"][:], 0.0)
        assert f["parameters/tanb"][:].min() >= 4 and f["parameters/lambda_"][0] == 0.293622043
