"""dynesty's checkpoint is trusted only with the hash the run file recorded, and a resumed run
writes each point once: after a SIGKILL it writes the file of an uninterrupted run.

The reference for "the same file" is an uninterrupted run with the same seed: dynesty's random
state is in its checkpoint, so a run restored from it proposes the points the killed run
proposed after saving it, in the same order.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import flushed_points

from fit.errors import SamplerError
from fit.results import load
from fit.run import run
from fit.samplers.dynesty_sampler import RECORD

SLOW_MODULE = '''
import time

import numpy as np

from fit import likelihood


@likelihood("slow_gaussian", vectorised=True)
def slow_gaussian(x, y, *, delay: float = 3e-4):
    """Unit 2-d Gaussian at the origin, after sleeping ``delay`` s per point."""
    time.sleep(delay * len(x))
    return -0.5 * (x**2 + y**2) - np.log(2 * np.pi)
'''


def write_run(tmp_path: Path, nlive: int = 100, checkpoint_every: float = 0.2) -> Path:
    (tmp_path / "slow.py").write_text(SLOW_MODULE)
    path = tmp_path / "run.yaml"
    path.write_text(textwrap.dedent(f"""\
        parameters:
          x: [-5, 5]
          y: [-5, 5]
        likelihoods: [slow_gaussian]
        modules: [slow.py]
        sampler: {{name: dynesty, nlive: {nlive}, checkpoint_every: {checkpoint_every}}}
        output: {{flush_seconds: 0.05}}
        seed: 9
        """))
    return path


def recorded(out: Path) -> dict | None:
    import h5py

    try:
        with h5py.File(out, "r", locking=False) as f:
            text = f.attrs.get(RECORD)
    except (OSError, KeyError):
        return None
    return json.loads(text) if text else None


def fit_args(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "fit", *map(str, args)]


@pytest.mark.slow
def test_a_resume_after_a_kill_writes_each_point_once(tmp_path):
    """Killed while points evaluated after the last checkpoint are in the file: the resumed
    run answers dynesty's repeated proposals from the file, so the file ends up equal to
    that of an uninterrupted run, point for point, with the same ln Z."""
    path = write_run(tmp_path)
    reference = load(run(path, output=tmp_path / "reference" / "run.h5"))
    out = tmp_path / "killed" / "run.h5"
    proc = subprocess.Popen(fit_args(path, "--output", out, "-q"), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:   # kill once the file holds points the recorded checkpoint does not know
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            record = recorded(out)
            if record and flushed_points(out) > record["n_points"] + 50:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run ended before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    killed = load(out)
    assert len(killed) > recorded(out)["n_points"]

    resumed = subprocess.run(fit_args(path, "--output", out, "--resume"), cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "already in the file were answered from it" in resumed.stderr
    r = load(out)
    assert len(r) == len(reference)
    for name in ("x", "y"):
        np.testing.assert_array_equal(r.cube[name], reference.cube[name])
    np.testing.assert_array_equal(r.loglike, reference.loglike)
    assert len(np.unique(np.column_stack([r.cube["x"], r.cube["y"]]), axis=0)) == len(r)
    assert r.posterior_attrs["logz"] == reference.posterior_attrs["logz"]
    np.testing.assert_array_equal(r.posterior["id"], reference.posterior["id"])


@pytest.fixture
def finished(tmp_path, registry) -> tuple[Path, Path, Path]:
    """A short finished dynesty run: (run file, output, checkpoint)."""
    path = write_run(tmp_path, nlive=30, checkpoint_every=0.05)
    path.write_text(path.read_text().replace("{name: dynesty,", "{name: dynesty, dlogz: 5,"))
    out = run(path, output=tmp_path / "out" / "run.h5")
    checkpoint = out.parent / "run-dynesty.pkl"
    assert checkpoint.exists()
    return path, out, checkpoint


def test_the_checkpoint_hash_is_recorded_and_checked(finished):
    path, out, checkpoint = finished
    import hashlib

    record = recorded(out)
    assert record["sha256"] == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert record["n_points"] == len(load(out))

    checkpoint.write_bytes(checkpoint.read_bytes() + b"\0")   # changed after the run
    with pytest.raises(SamplerError) as info:
        run(path, output=out, resume=True)
    message = str(info.value)
    assert "\n" not in message
    assert "SHA-256" in message and "not the one" in message and "Delete it" in message


def test_a_checkpoint_of_another_run_or_of_an_unrecorded_one_is_refused(finished, tmp_path):
    """Another run's checkpoint put in place, or a file that records none (written before
    checkpoints were recorded): not loaded."""
    import h5py

    path, out, checkpoint = finished
    other = tmp_path / "other"
    other.mkdir()
    run(write_run(other, nlive=30), output=other / "run.h5")
    checkpoint.write_bytes((other / "run-dynesty.pkl").read_bytes())
    with pytest.raises(SamplerError, match="not the one"):
        run(path, output=out, resume=True)

    with h5py.File(out, "a") as f:
        del f.attrs[RECORD]
    with pytest.raises(SamplerError, match="records no dynesty checkpoint"):
        run(path, output=out, resume=True)


def test_a_checkpoint_not_moved_into_place_before_a_kill_is_used(finished, caplog):
    """Killed between recording a checkpoint and moving it to its name: the recorded staged
    file is moved on resume and restored."""
    path, out, checkpoint = finished
    checkpoint.rename(checkpoint.with_name(checkpoint.name + ".staged"))
    with caplog.at_level("INFO"):
        r = load(run(path, output=out, resume=True))
    assert "resuming from checkpoint" in caplog.text
    assert "the checkpoint holds a finished run" in caplog.text
    assert checkpoint.exists()
    assert len(r) == recorded(out)["n_points"]   # nothing evaluated again
