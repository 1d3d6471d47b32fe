"""The command line: --dry-run, check, and what a user sees on errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from shared_inputs import SHARED

from fit.results import load
from fit.run import prepare

ROOT = Path(__file__).resolve().parents[1]

AMBIGUOUS = """
    parameters:
      mass: {prior: log, range: [100, 2000]}
      coupling: [0, 5]
    likelihoods: [counting]
    """


def fit_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fit", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def test_dry_run_without_a_rule_prints_the_rule_to_add(write_yaml):
    result = fit_cli(str(write_yaml(AMBIGUOUS)), "--dry-run")
    assert result.returncode == 2
    assert "capability 'cross_section'" in result.stderr
    assert "xsec_leading_order, xsec_with_kfactor" in result.stderr
    assert "rules:\n    cross_section: xsec_leading_order" in result.stderr


def test_dry_run_with_the_rule_prints_the_graph(write_yaml):
    path = write_yaml(AMBIGUOUS + "rules: {cross_section: xsec_with_kfactor}\n")
    result = fit_cli(str(path), "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    order = [out.index(s) for s in ("cross_section          <- xsec_with_kfactor",
                                    "signal_yield           <- signal_yield",
                                    "counting               <- counting")]
    assert order == sorted(order)
    assert "external programs: none" in out
    assert not (path.parent / "runs").exists()


def test_dry_run_imports_no_sampler_or_backend_library(write_yaml):
    """Resolving the graph must not load samplers, MPI or SLHA tools."""
    path = write_yaml(AMBIGUOUS + "rules: {cross_section: xsec_leading_order}\n")
    code = ("import sys; from fit.cli import main; main([sys.argv[1], '--dry-run', '-q']); "
            "heavy = {'mpi4py', 'dynesty', 'emcee', 'pymultinest', 'pyslha', 'sklearn'}; "
            "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_check_reports_ok_and_errors_with_file_and_line(write_yaml):
    good = fit_cli("check", str(ROOT / "yaml" / "examples" / "counting.yaml"))
    assert good.returncode == 0 and "OK" in good.stdout
    bad = write_yaml("""
        parameters:
          x: {prior: uniform, range: [1, -1]}
        likelihoods: [eggbox]
        """)
    result = fit_cli("check", str(bad))
    assert result.returncode == 2
    assert f"{bad}:3: parameters.x.range: range [1, -1] is reversed" in result.stderr


def test_every_shipped_yaml_file_checks():
    """Every file under yaml/ prepares; one that reads the shared inputs (a points file in
    ../shared) only where they are beside the repository."""
    paths = sorted((ROOT / "yaml").rglob("*.yaml"))
    assert len(paths) >= 6
    for path in paths:
        reads_shared = any("../shared/" in line.split("#")[0]
                           for line in path.read_text().splitlines())
        if reads_shared and not SHARED.is_dir():
            continue
        prepared = prepare(path)
        assert prepared.graph.terms or prepared.graph.observables, path


def test_launcher_and_mpi4py_disagreeing_is_refused(tmp_path):
    """A launcher announcing 2 ranks while mpi4py sees 1 must stop, not run twice."""
    result = fit_cli(str(ROOT / "yaml" / "bimodal.yaml"), "--output", str(tmp_path),
                     env={"PMI_SIZE": "2"})
    assert result.returncode == 2
    assert "mpi4py sees a world of 1" in result.stderr
    assert not any(tmp_path.iterdir())


SLOW = '''
from fit import likelihood
import time

@likelihood("slow_sleep")
def slow_sleep(x):
    time.sleep(0.005)
    return -x * x
'''


def test_sigterm_finishes_the_batch_writes_and_resumes(write_yaml, tmp_path):
    """SIGTERM: the run stops cleanly (exit 130), every evaluated point is written, and
    --resume completes the scan with consecutive ids."""
    (tmp_path / "slow.py").write_text(SLOW)
    path = write_yaml("""
        parameters: {x: [-1, 1]}
        likelihoods: [slow_sleep]
        modules: [slow.py]
        sampler: {name: random, n_points: 400, batch_size: 10}
        output: {flush_seconds: 100}
        """)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "fit", str(path), "--output", str(out)],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "run.h5").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # the file appears just before the scan starts
    time.sleep(0.5)  # some batches
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "continue with --resume" in stderr
    first = load(out)
    assert 0 < len(first) < 400 and len(first) % 10 == 0  # whole batches, all flushed
    resumed = fit_cli(str(path), "--output", str(out), "--resume", "-q")
    assert resumed.returncode == 0, resumed.stderr
    final = load(out)
    np.testing.assert_array_equal(final.point["id"], np.arange(400))
    np.testing.assert_array_equal(final.parameters["x"][:len(first)], first.parameters["x"])
