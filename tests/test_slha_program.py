"""The generic SLHA program backend: templates, process control, failures, scratch directories.

The "programs" are small Python scripts written by the tests (shebang, chmod +x).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from backends.slha_program import SLHAProgram, SLHAValues, clean_slha, parse_slha
from fit import InvalidPoint
from fit.errors import ConfigError, FitError
from fit.run import prepare

TEMPLATE = textwrap.dedent("""\
    # test card; a literal dollar: $$5
    BLOCK MINPAR
        3    ${tanb}    # tan beta
    BLOCK EXTPAR
        1    ${M1}    # M1
        61   ${lambda_}    # lambda
    """)

#: a stand-in that reads input.slha and writes output.slha with MASS 25 = 10 * tan(beta),
#: its working directory in SPINFO 1 and the environment variable EXTRA in SPINFO 2
ECHO = """
import os
values = {}
block = None
for line in open("input.slha"):
    if line.startswith("BLOCK"):
        block = line.split()[1]
    elif block == "MINPAR" and line.split() and line.split()[0] == "3":
        tanb = float(line.split()[1])
with open("output.slha", "w") as out:
    out.write("BLOCK SPINFO\\n     1   " + os.getcwd() + "\\n")
    out.write("     2   " + os.environ.get("EXTRA", "none") + "\\n")
    out.write("BLOCK MASS\\n        25     %.8E   # h\\n" % (10 * tanb))
"""

PARAMS = {"tanb": 4.5, "M1": 1234.5, "lambda_": 0.25}


@pytest.fixture
def program(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write an executable Python script ``name`` with ``body`` into tmp_path/bin."""
    def write(body: str, name: str = "prog") -> Path:
        path = tmp_path / "bin" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
        path.chmod(0o755)
        return path
    return write


def make(command: Path | list, tmp_path: Path, **options) -> SLHAProgram:
    options.setdefault("template_text", TEMPLATE)
    options.setdefault("scratch_dir", str(tmp_path / "scratch"))
    return SLHAProgram(command=[str(command)] if isinstance(command, Path) else command,
                       **options)


def test_template_substitution_and_output(program, tmp_path):
    prog = make(program(ECHO), tmp_path, env={"EXTRA": "from-yaml"})
    out = prog(params=PARAMS)
    written = (prog.workdir / "input.slha").read_text()
    assert "    3    4.5000000000E+00    # tan beta" in written
    assert "    1    1.2345000000E+03    # M1" in written
    assert "    61   2.5000000000E-01    # lambda" in written
    assert "a literal dollar: $5" in written
    assert out.doc.blocks["MASS"][25] == pytest.approx(45.0)
    assert out.spinfo[1] == [str(prog.workdir)]           # it ran in the scratch directory
    assert out.spinfo[2] == ["from-yaml"]                  # with the extra environment


def test_number_format_and_values(program, tmp_path):
    prog = make(program(ECHO), tmp_path, number_format=".3f",
                template_text="BLOCK MINPAR\n 3 ${tanb}\n 4 ${sgnmu}\n", values={"sgnmu": 1})
    prog(params={"tanb": 7})
    assert (prog.workdir / "input.slha").read_text() == "BLOCK MINPAR\n 3 7.000\n 4 1.000\n"


def test_unknown_placeholder_is_an_error_naming_it(program, tmp_path):
    prog = make(program(ECHO), tmp_path, template_text="BLOCK MINPAR\n 3 ${tan_beta}\n")
    with pytest.raises(FitError, match=r"\$\{tan_beta\}.*known: .*tanb"):
        prog(params=PARAMS)


def test_crash_reason_holds_stderr(program, tmp_path):
    prog = make(program("""
        import sys
        sys.stderr.write("reading input...\\nfatal: Higgs mass matrix not positive\\n")
        sys.exit(3)
        """), tmp_path)
    with pytest.raises(InvalidPoint) as info:
        prog(params=PARAMS)
    assert info.value.code == "backend_failure"
    assert "exited with status 3" in info.value.reason
    assert "fatal: Higgs mass matrix not positive" in info.value.reason


def test_killed_by_signal(program, tmp_path):
    prog = make(program("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"), tmp_path)
    with pytest.raises(InvalidPoint, match="killed by signal SIGSEGV") as info:
        prog(params=PARAMS)
    assert info.value.code == "backend_failure"


def _gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (a zombie nobody has reaped yet counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_timeout_kills_the_whole_process_group(program, tmp_path):
    pids = tmp_path / "pids"
    prog = make(program(f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{child.pid}}")
        time.sleep(60)
        """), tmp_path, timeout=1.0)
    start = time.monotonic()
    with pytest.raises(InvalidPoint) as info:
        prog(params=PARAMS)
    assert time.monotonic() - start < 10
    assert info.value.code == "timeout"
    assert "did not finish in 1 s" in info.value.reason
    parent, child = (int(p) for p in pids.read_text().split())
    deadline = time.monotonic() + 5
    while not (_gone(parent) and _gone(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(parent), "the program survived its timeout"
    assert _gone(child), "the program's child survived: the process group was not killed"


def test_garbage_output_is_invalid(program, tmp_path):
    prog = make(program("""
        with open("output.slha", "w") as f:
            f.write("Segmentation fault in module RGE\\n=== no blocks here ===\\n")
        """), tmp_path)
    with pytest.raises(InvalidPoint, match="no SLHA block") as info:
        prog(params=PARAMS)
    assert info.value.code == "backend_output"


def test_missing_output_is_invalid(program, tmp_path):
    prog = make(program("print('nothing to write today')\n"), tmp_path)
    with pytest.raises(InvalidPoint) as info:
        prog(params=PARAMS)
    assert info.value.code == "backend_output"
    assert "no output file 'output.slha'" in info.value.reason
    assert "nothing to write today" in info.value.reason   # stdout, since stderr is empty


def test_stale_output_of_the_previous_point_is_not_read(program, tmp_path):
    flag = tmp_path / "fail"
    prog = make(program(f"""
        import os
        if not os.path.exists({str(flag)!r}):
            open("output.slha", "w").write("BLOCK MASS\\n 25 125.0\\n")
        """), tmp_path)
    assert prog(params=PARAMS).doc.blocks["MASS"][25] == 125.0
    flag.touch()
    with pytest.raises(InvalidPoint, match="no output file"):
        prog(params=PARAMS)


SPINFO_OUTPUT = """
with open("output.slha", "w") as f:
    f.write('''BLOCK SPINFO   # Program information
     1   NMSSMTools # Spectrum calculator
     2   6.1.2      # Version number
     3   # Excluded by ee -> hZ, h -> bb
     3   # Muon magn. mom. more than 2 sigma away
{error}BLOCK MASS
        25     1.25E+02   # h
''')
"""


def test_spinfo_error_flag_invalidates_with_its_text(program, tmp_path):
    prog = make(program(SPINFO_OUTPUT.format(error="     4   # M_H1^2<1\n")), tmp_path)
    with pytest.raises(InvalidPoint) as info:
        prog(params=PARAMS)
    assert info.value.code == "spinfo_error"
    assert info.value.reason == "SLHA program: M_H1^2<1"


def test_spinfo_warnings_are_kept_and_can_veto(program, tmp_path):
    out = make(program(SPINFO_OUTPUT.format(error="")), tmp_path)(params=PARAMS)
    assert out.warnings == ["Excluded by ee -> hZ, h -> bb",
                            "Muon magn. mom. more than 2 sigma away"]
    assert out.errors == []
    vetoing = make(program(SPINFO_OUTPUT.format(error=""), "prog2"), tmp_path,
                   veto_warnings=["ee -> hZ"])
    with pytest.raises(InvalidPoint, match=r"Excluded by ee -> hZ, h -> bb$") as info:
        vetoing(params=PARAMS)
    assert info.value.code == "spinfo_warning"


def test_missing_executable_or_template_at_construction(tmp_path):
    with pytest.raises(ValueError, match=r"'/no/such/prog' not found.*option 'command'"):
        SLHAProgram(command=["/no/such/prog"], template_text=TEMPLATE)
    with pytest.raises(ValueError, match="'surely-not-a-program-xyz' not found"):
        SLHAProgram(command="surely-not-a-program-xyz --fast", template_text=TEMPLATE)
    with pytest.raises(ValueError, match="option 'template'"):
        SLHAProgram(command=[sys.executable], template=str(tmp_path / "none.dat"))


def test_missing_executable_is_a_config_error_before_the_scan(tmp_path, registry):
    (tmp_path / "uses_slha.py").write_text(textwrap.dedent("""
        from fit import likelihood

        @likelihood("uses_slha_mass")
        def uses_slha_mass(slha_values):
            return -0.5 * (slha_values["mh"] - 125.0) ** 2
        """))
    (tmp_path / "run.yaml").write_text(textwrap.dedent("""
        parameters:
          tanb: [2, 10]
        likelihoods:
          uses_slha_mass: {}
        rules:
          slha_values: {options: {entries: {mh: [MASS, 25]}}}
          slha_output:
            options:
              command: [/opt/nowhere/spectrum-generator, --slha]
              template_text: "BLOCK MINPAR\\n 3 ${tanb}\\n"
        sampler: {name: random, n_points: 2}
        modules: [uses_slha.py]
        """))
    with pytest.raises(ConfigError) as info:
        prepare(tmp_path / "run.yaml", registry)
    message = str(info.value)
    assert "rules.slha_output.options" in message
    assert "'/opt/nowhere/spectrum-generator' not found" in message
    assert "option 'command'" in message


def _workdir_in_child(prog: SLHAProgram, queue: multiprocessing.Queue) -> None:
    out = prog(params=PARAMS)
    queue.put((os.getpid(), str(prog.workdir), out.spinfo[1][0]))


def test_each_process_has_its_own_scratch_directory(program, tmp_path, monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "3")
    prog = make(program(ECHO), tmp_path)
    prog(params=PARAMS)
    mine = prog.workdir
    assert "rank3-" in mine.name and f"pid{os.getpid()}" in mine.name
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_workdir_in_child, args=(prog, queue)) for _ in range(2)]
    for child in children:
        child.start()
    results = [queue.get(timeout=20) for _ in children]
    for child in children:
        child.join(timeout=20)
    dirs = {mine} | {Path(r[1]) for r in results}
    assert len(dirs) == 3                                     # parent and both children differ
    assert all(r[1] == r[2] for r in results)                 # each program ran in its own
    assert {r[0] for r in results} == {c.pid for c in children}
    assert not any(Path(r[1]).exists() for r in results)      # removed when the child ended
    assert mine.exists()                                      # ... but not the parent's


def test_default_scratch_is_tmpfs_where_available(program):
    prog = SLHAProgram(command=[str(program(ECHO))], template_text=TEMPLATE)
    prog(params=PARAMS)
    if os.access("/dev/shm", os.W_OK):
        assert prog.workdir.parent == Path("/dev/shm")


def test_input_from_a_document_and_output_on_stdout(program, tmp_path):
    doc = parse_slha("BLOCK MINPAR\n     3     8.0   # tanb\n").doc
    script = program("""
        import sys
        text = open(sys.argv[1]).read()
        tanb = float(text.split("MINPAR")[1].split()[1])
        print("BLOCK MASS\\n 25 %.6E" % (tanb * 2))
        """)
    prog = SLHAProgram(command=[str(script), "${input}"], input_from="slha",
                       input_file="card.in", output_file="stdout",
                       scratch_dir=str(tmp_path / "scratch"))
    assert prog.needs == ("slha",)
    assert prog(slha=doc).doc.blocks["MASS"][25] == pytest.approx(16.0)
    assert "MINPAR" in (prog.workdir / "card.in").read_text()


def test_slha_values_extractor():
    out = parse_slha("BLOCK MASS\n 25 125.1\nBLOCK NMHMIX\n 1 2 0.3\nDECAY 25 4.1E-03\n")
    values = SLHAValues(entries={"mh": ["MASS", 25], "s12": ["NMHMIX", 1, 2],
                                 "width": ["DECAY", 25]}, source="nmssmtools_output")
    assert values.needs == ("nmssmtools_output",)
    assert values(nmssmtools_output=out) == {"mh": 125.1, "s12": 0.3, "width": 4.1e-3}
    with pytest.raises(InvalidPoint, match="no entry MASS 35"):
        SLHAValues(entries={"mH": ["MASS", 35]})(slha_output=out)
    with pytest.raises(ValueError, match=r"\[BLOCK, index"):
        SLHAValues(entries={"bad": [25, "MASS"]})


def test_clean_slha_drops_what_pyslha_cannot_read():
    text = textwrap.dedent("""\
        BLOCK SPINFO
             1   Prog
             3   # a warning
        BLOCK A
             1     2.0   # kept
        # BLOCK COMMENTED
             1     99.0  # must not land in block A
        DECAY   25   4.0E-03
             5.0E-01    2     5    -5
          === Results Summary for run: run_01 ===
             Cross-section :   16.92 +- 0.49 pb
        Ignored section
             1  2
        """)
    cleaned = clean_slha(text)
    assert "99.0" not in cleaned and "===" not in cleaned and "Cross" not in cleaned
    doc = parse_slha(text).doc
    assert doc.blocks["A"][1] == 2.0
    assert doc.decays[25].totalwidth == pytest.approx(4e-3)
