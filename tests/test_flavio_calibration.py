"""The flavio calibration (backends/flavio_calibration.py): the stored parametrisations
against flavio itself on fresh random Wilson coefficients, and their use without flavio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backends.flavio_calibration import DEFAULT_FILE, OBSERVABLES, flavio_function, load

ROOT = Path(__file__).resolve().parents[1]


def test_file_names_flavio_version_date_and_command():
    header = json.loads(DEFAULT_FILE.read_text())["header"]
    assert header["flavio"].count(".") == 2
    assert len(header["date"]) == 10 and header["date"][4] == "-"
    assert header["command"].startswith("python -m backends.flavio_calibration")
    assert set(load().observables) == set(OBSERVABLES)


@pytest.mark.slow
def test_parametrisations_agree_with_flavio_on_random_coefficients():
    """Independent random points (another seed than the calibration's), within 1%."""
    pytest.importorskip("flavio")
    cal = load()
    rng = np.random.default_rng(2024)
    for name, spec in OBSERVABLES.items():
        predict, _ = flavio_function(name)
        names = list(spec["variables"])
        width = np.array([spec["variables"][v] for v in names])
        x = rng.uniform(-1, 1, size=(12, len(names))) * width
        exact = np.array([predict(dict(zip(names, row, strict=True))) for row in x])
        fast = cal[name]({v: x[:, i] for i, v in enumerate(names)})
        np.testing.assert_allclose(fast, exact, rtol=0.01, err_msg=name)
        # and the Standard Model itself
        assert cal[name]({}) == pytest.approx(predict({}), rel=1e-6)


def test_runs_without_flavio():
    """In a process where 'import flavio' fails, the calibration still evaluates."""
    code = ("import sys; sys.modules['flavio'] = None\n"
            "from backends.flavio_calibration import load\n"
            "print(load()['br_bsgamma']({'C7_bs': [0.0, 0.05]}).tolist())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    sm, shifted = json.loads(out.stdout)
    assert sm == pytest.approx(load()["br_bsgamma"].sm)
    assert shifted < sm          # a positive C7 reduces |C7_SM + C7|, C7_SM < 0


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"python -m backends\.flavio_calibration"):
        load(tmp_path / "absent.json")
