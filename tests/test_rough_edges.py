"""What a new user trips over: help texts, pipes, plurals, runs without likelihood terms,
benchmarks without the shared data, the README's MPI command."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fit.cli import USAGE, main
from fit.results import load
from fit.run import run

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command, own", [("run", "python -m fit [run]"),
                                          ("plot", "python -m fit plot"),
                                          ("check", "python -m fit check"),
                                          ("export", "python -m fit export")])
def test_subcommand_help_prints_its_own_usage(command, own, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {own} ")
    assert USAGE.splitlines()[1].strip() not in out     # not the top-level usage as well
    assert out.count("usage:") == 1


def test_output_into_a_closed_pipe_ends_quietly(write_yaml, tmp_path):
    """``python -m fit info RUN.h5 | head`` with head gone: no traceback, the status of a
    process stopped by SIGPIPE. The reading end is closed before the program writes, so
    every write fails, as when head has exited."""
    path = run(write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods:
          gaussian: {parameters: [x], mean: [0.5], sigma: [0.1]}
        sampler: {name: random, n_points: 20}
        """), output=tmp_path / "o")
    for args in (["info", str(path)], ["export", str(path), "--csv", "-"],
                 [str(tmp_path / "run.yaml"), "--dry-run"]):
        read, write = os.pipe()
        os.close(read)
        result = subprocess.run([sys.executable, "-m", "fit", *args], stdout=write,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
        os.close(write)
        assert result.returncode == 141, result.stderr
        assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def test_check_counts_in_singular_and_plural(write_yaml, capsys):
    path = write_yaml("""
        parameters: {x: [0, 1]}
        likelihoods:
          gaussian: {parameters: [x], mean: [0.5], sigma: [0.1]}
        sampler: random
        """)
    assert main(["check", str(path)]) == 0
    assert "(1 sampled parameter, 1 likelihood term, sampler 'random')" in \
        capsys.readouterr().out


@pytest.mark.parametrize("empty", ["{}", "[]"])
def test_a_run_without_likelihood_terms_gives_log_l_zero_and_says_so(
        write_yaml, tmp_path, caplog, empty):
    """Observables only: every valid point has log L = 0 (the sum of no terms), invalid
    points the floor, and the log says why."""
    path = write_yaml(f"""
        parameters:
          mass: {{prior: log, range: [100, 2000]}}
          coupling: [0, 5]
        likelihoods: {empty}
        observables: [cross_section]
        rules: {{cross_section: xsec_leading_order}}
        sampler: {{name: random, n_points: 300}}
        seed: 3
        """)
    with caplog.at_level(logging.INFO, logger="fit"):
        out = run(path, output=tmp_path / "o")
    assert "no likelihood terms: every valid point gets log L = 0" in caplog.text
    r = load(out)
    assert r.valid.any() and (~r.valid).any()       # |g| > 3.5 is non-perturbative
    assert (r.loglike[r.valid] == 0).all()
    assert (r.loglike[~r.valid] == -1e100).all()
    assert np.isfinite(r.observables["cross_section"][r.valid]).all()


def test_oracle_table_without_the_shared_data_says_what_it_needs(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks/oracle_table.py"),
                             "--shared", str(tmp_path / "nowhere")], capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "reference/oracle/random_A.csv" in lines[0] and "compare_oracle.py" in lines[0]
    assert "oracle sample" in lines[0]


def test_readme_mpi_commands_fit_a_laptop():
    """Every mpirun in the README with more ranks than a 2-core laptop has cores says
    --oversubscribe (Open MPI refuses otherwise: 'not enough slots')."""
    text = (ROOT / "README.md").read_text()
    commands = re.findall(r"mpirun[^`\n]*", text)
    assert commands
    for command in commands:
        n = re.search(r"-n (\d+)", command)
        if n and int(n.group(1)) > 2:
            assert "--oversubscribe" in command, command
