"""The micrOMEGAs backend with a stand-in program that prints micrOMEGAs-formatted output.

The stand-in's numbers for the normal case are those of the oracle sample
(../shared/reference/oracle/random_A.csv, idx 3: micrOMEGAs 6.0 on an NMSSMTools 5.6.0
spectrum): Omega h^2 = 5.916e-3, Xf = 29.10, sigma_SI(p) = 9.982e-9 pb, sigma_SI(n) =
1.019e-8 pb, sigma_SD(p) = 3.451e-5 pb, sigma_SD(n) = 2.780e-5 pb; its printed layout is
that of micrOMEGAs' NMSSM main program (printChannels in percent, CDM_NUCLEON block).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from backends import micromegas as mo
from fit import InvalidPoint
from fit.errors import ConfigError
from fit.providers import REGISTRY
from fit.run import run

#: micrOMEGAs-formatted output of the stand-in (see the module docstring for the numbers)
OUTPUT = """
========= SLHA file input =========
Initial file  "spectr.slha"

Dark matter candidate is '{candidate}' with spin=1/2

~o1 = -0.037*bino+0.970*wino-0.235*higgsino1+0.163*higgsino2-0.002*singlino

==== Calculation of relic density =====
Xf=2.91e+01 Omega=5.92e-03
# Channels which contribute to 1/(omega) more than 1%.
# Relative contributions in % are displayed
   12% ~1+ ~o1 ->t B
   11% ~1+ ~o1 ->S c
   11% ~o1 ~o1 ->W+ W-
    7% ~1+ ~1+ ->W+ W+
    3% ~1+ ~1- ->A Z
    1% ~1+ ~o1 ->W+ h1

==== Calculation of CDM-nucleons amplitudes  =====
CDM-nucleon micrOMEGAs amplitudes:
proton:  SI  -4.788E-09  SD  -1.626E-07
neutron: SI  -4.838E-09  SD  1.460E-07
CDM-nucleon cross sections[pb]:
 proton  SI 9.982E-09  SD 3.451E-05
 neutron SI 1.019E-08  SD 2.780E-05
"""

#: behaviour chosen by the first number of the input file's block MODE (or MINPAR 3 = tan beta)
STANDIN = '''
import sys, time
text = open(sys.argv[1]).read()
mode = 0
for block in ("MODE", "MINPAR"):
    if "BLOCK " + block in text:
        mode = int(float(text.split("BLOCK " + block)[1].split()[1 if block == "MODE" else 1]))
        break
if mode == 1:
    time.sleep(60)
elif mode == 2:
    print("Segmentation violation in the matrix element library\\n@@@@ garbage @@@@")
elif mode == 3:
    sys.stderr.write("Can not calculate ~o1\\n"); sys.exit(1)
else:
    print(OUTPUT.format(candidate="~ne" if mode == 4 else "~o1"))
'''


@pytest.fixture
def standin(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "micromegas-main"
    path.parent.mkdir()
    path.write_text(f"#!{sys.executable}\nOUTPUT = {OUTPUT!r}\n" + textwrap.dedent(STANDIN))
    path.chmod(0o755)
    return path


def card(mode: int) -> str:
    return f"BLOCK MODE\n    1    {mode}\nBLOCK MASS\n 1000022   3.8699E+02\n"


def make(standin: Path, tmp_path: Path, **options) -> mo.MicrOMEGAs:
    options.setdefault("timeout", 3.0)
    return mo.MicrOMEGAs(main=standin, scratch_dir=str(tmp_path / "scratch"), **options)


def test_parse_micromegas_output():
    r = mo.parse_output(OUTPUT.format(candidate="~o1"))
    assert r.omega_h2 == pytest.approx(5.92e-3) and r.x_f == pytest.approx(29.1)
    assert r.candidate == "~o1"
    assert r.channels == pytest.approx({
        "cha1+ chi1 -> t b~": 0.12, "cha1+ chi1 -> s~ c": 0.11, "chi1 chi1 -> W+ W-": 0.11,
        "cha1+ cha1+ -> W+ W+": 0.07, "cha1+ cha1- -> gamma Z": 0.03,
        "cha1+ chi1 -> W+ h1": 0.01})
    assert r.sigma == pytest.approx({"sigma_si_p": 9.982e-9, "sigma_sd_p": 3.451e-5,
                                     "sigma_si_n": 1.019e-8, "sigma_sd_n": 2.780e-5})


def test_channel_fractions_printed_as_fractions():
    text = "Xf=2.5e+01 Omega=1.2e-01\n# Channels which contribute to 1/(omega)\n" \
           " 6.2E-01 ~o1 ~o1 ->b B\n 3.8E-01 ~o1 ~o2 ->l L\n"
    assert mo.parse_output(text).channels == pytest.approx(
        {"chi1 chi1 -> b b~": 0.62, "chi1 chi2 -> tau- tau+": 0.38})


def test_a_run_of_the_standin(standin, tmp_path):
    prog = make(standin, tmp_path)
    r = prog(nmssmtools_output=card(0))
    assert r.omega_h2 == pytest.approx(5.92e-3)
    assert (prog.workdir / "spectr.slha").read_text() == card(0)   # the spectrum it was given
    batch = [r, prog(nmssmtools_output=card(0))]
    assert mo.micromegas_omega_h2(batch) == pytest.approx([5.92e-3] * 2)
    assert mo.micromegas_x_f(batch) == pytest.approx([29.1] * 2)
    si_p = REGISTRY.by_name["micromegas_sigma_si_p"].target(batch)
    assert si_p == pytest.approx([9.982e-9] * 2)
    channels = mo.micromegas_omega_channels(batch)
    assert channels["chi1 chi1 -> W+ W-"] == pytest.approx([0.11, 0.11])


@pytest.mark.parametrize(("mode", "code", "text"), [
    (1, "timeout", "did not finish in 3 s"),
    (2, "backend_output", "no 'Xf=... Omega=...' line; output: Segmentation violation"),
    (3, "backend_failure", "exited with status 1; stderr: Can not calculate ~o1"),
    (4, "not_neutralino_dm", "candidate is ~ne"),
])
def test_failures_invalidate_one_point_with_a_reason(standin, tmp_path, mode, code, text):
    prog = make(standin, tmp_path)
    with pytest.raises(InvalidPoint, match=text) as info:
        prog(nmssmtools_output=card(mode))
    assert info.value.code == code
    assert prog(nmssmtools_output=card(0)).omega_h2 == pytest.approx(5.92e-3)  # next point ok


def test_missing_binary(standin, tmp_path):
    with pytest.raises(ValueError, match="option 'main'"):
        mo.MicrOMEGAs(main=tmp_path / "nowhere" / "main")
    with pytest.raises(ConfigError, match="option 'main'"):
        REGISTRY.by_name["micromegas"].setup({})
    prog = make(standin, tmp_path)
    standin.unlink()                               # vanishes during the run: one invalid point
    with pytest.raises(InvalidPoint, match="could not be started") as info:
        prog(nmssmtools_output=card(0))
    assert info.value.code == "backend_failure"


def test_missing_cross_sections_invalidate_the_point():
    r = mo.parse_output("Xf=2.5e+01 Omega=1.2e-01\n")
    out = REGISTRY.by_name["micromegas_sigma_sd_n"].target([r])
    assert out.invalid.tolist() == [True] and out.code == "backend_output"


def test_one_prefer_line_swaps_the_dark_matter_capabilities(standin, tmp_path):
    """A scan whose spectrum comes from a stand-in SLHA program and whose relic density and
    cross sections come from the micrOMEGAs stand-in, chosen by prefer: [backends.micromegas];
    tan beta picks the stand-in's behaviour: normal, timeout, garbage (grid over [0, 3])."""
    copy = "import shutil; shutil.copy('input.slha', 'output.slha')"
    (tmp_path / "run.yaml").write_text(textwrap.dedent(f"""
        parameters:
          tanb: {{prior: uniform, range: [0, 3]}}
        likelihoods:
          relic: {{mode: upper_limit}}
        rules:
          slha_output:
            options:
              command: [{sys.executable}, -c, "{copy}"]
              template_text: "BLOCK MINPAR\\n    3    ${{tanb}}\\n"
              timeout: 10
          micromegas_output:
            options: {{main: {standin}, input_from: slha_output, timeout: 3}}
        prefer: [backends.micromegas]
        observables: [x_f, omega_channels, sigma_si_p, sigma_sd_n]
        sampler: {{name: grid, points: 3}}
        output: {{dir: {tmp_path / "out"}, file: mo.h5}}
        """))
    run(tmp_path / "run.yaml")
    with h5py.File(tmp_path / "out" / "mo.h5") as f:
        tanb = f["parameters/tanb"][:]
        valid = f["point/valid"][:]
        codes = [c.decode() for c in f["point/code"][:]]
        order = np.argsort(tanb)
        assert valid[order].tolist() == [True, False, False]
        assert [codes[i] for i in order[1:]] == ["timeout", "backend_output"]
        good = order[0]
        assert f["observables/omega_h2"][good] == pytest.approx(5.92e-3)
        assert f["observables/x_f"][good] == pytest.approx(29.1)
        assert f["observables/sigma_si_p"][good] == pytest.approx(9.982e-9)
        assert f["observables/omega_channels/chi1 chi1 -> W+ W-"][good] == pytest.approx(0.11)
        assert f["loglike/relic"][good] == 0.0          # 0.0059 < 0.12: upper limit only
