"""Kill a run at random moments, resume it each time, and check that nothing was lost.

Run by hand from the repository root:

    python benchmarks/torture.py                       # 30 kills per sampler, ~3 minutes
    python benchmarks/torture.py --kills 100 --samplers grid dynesty random

For each sampler it first makes an uninterrupted reference run, then starts the same run
(``python -m fit RUN.yaml``, the first time fresh, then with ``--resume``) and sends it
SIGKILL at a random moment, ``--kills`` times: one kill in five lands in the start-up (up
to 1.5 s after the start), the others up to ``--max-delay`` seconds after the run wrote its
first new points; flushes come every 20 ms, so kills land in every phase of a flush. After
each kill it checks that

* the file opens and reads (`fit.results.load`): else it counts an unreadable file;
* every row that was in the file before this run is still there, unchanged: else it counts
  the rows lost;
* the rows are the first rows of the reference run, in order (for samplers that resume by
  replay or from a checkpoint: ``grid``, ``dynesty``; ``random`` draws new points after a
  resume, so there only the ids and the written rows are checked).

Finally it resumes once more to the end and compares the whole file with the reference
(points, log-likelihoods, and for dynesty ln Z and the posterior). It prints one line per
sampler and exits with status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit.errors import OutputError  # noqa: E402
from fit.results import Results, count, load  # noqa: E402

MODULE = '''
import time

import numpy as np

from fit import likelihood


@likelihood("torture_toy", vectorised=True)
def torture_toy(x, y, *, delay: float = 2e-3):
    """A 2-d Gaussian after sleeping ``delay`` seconds per point (a slow calculation)."""
    time.sleep(delay * len(x))
    return -0.5 * (x**2 + y**2) - np.log(2 * np.pi)
'''

SAMPLERS = {
    "grid": "{name: grid, points: [80, 80], batch_size: 40}",
    "dynesty": "{name: dynesty, nlive: 150, checkpoint_every: 0.3}",
    "random": "{name: random, n_points: 6000, batch_size: 40}",
}
#: samplers whose resumed run writes the file an uninterrupted run writes
EXACT = ("grid", "dynesty")
COLUMNS = ("cube/x", "cube/y", "point/loglike", "point/valid")


@dataclass
class Tally:
    sampler: str
    kills: int = 0
    died_before_the_file: int = 0
    unreadable: int = 0
    rows_lost: int = 0
    not_the_reference: int = 0
    final_equal: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.unreadable == 0 and self.rows_lost == 0 and self.not_the_reference == 0
                and self.final_equal is not False)


def write_run(directory: Path, sampler: str) -> Path:
    (directory / "torture_toy.py").write_text(MODULE)
    path = directory / f"{sampler}.yaml"
    path.write_text(textwrap.dedent(f"""\
        parameters:
          x: [-5, 5]
          y: [-5, 5]
        likelihoods: [torture_toy]
        modules: [torture_toy.py]
        sampler: {SAMPLERS[sampler]}
        output: {{flush_seconds: 0.02}}
        seed: 4
        """))
    return path


def fit(run_file: Path, out: Path, *, resume: bool) -> list[str]:
    return [sys.executable, "-m", "fit", str(run_file), "--output", str(out), "-q",
            *(["--resume"] if resume else [])]


def columns(r: Results) -> dict[str, np.ndarray]:
    """The compared columns (empty for a file without points yet)."""
    every = dict(r.datasets())
    return {name: every.get(name, np.zeros(0)) for name in COLUMNS}


def same_rows(a: dict[str, np.ndarray], b: dict[str, np.ndarray], n: int) -> bool:
    return all(np.array_equal(a[k][:n], b[k][:n]) for k in COLUMNS)


def rows_lost(now: dict[str, np.ndarray], before: dict[str, np.ndarray]) -> int:
    """Rows of ``before`` that ``now`` does not hold unchanged at the same place."""
    m = len(before["cube/x"])
    kept = min(m, len(now["cube/x"]))
    changed = np.zeros(kept, dtype=bool)
    for k in COLUMNS:
        changed |= now[k][:kept] != before[k][:kept]
    return (m - kept) + int(changed.sum())


def wait_for_new_points(out: Path, n: int, proc: subprocess.Popen, limit: float = 60) -> None:
    """Until the file holds more than ``n`` points (or the run ends, or ``limit`` s)."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if count(out) > n:
                return
        except OutputError:
            pass
        time.sleep(0.01)


def torture(sampler: str, kills: int, max_delay: float, rng: random.Random,
            work: Path) -> Tally:
    tally = Tally(sampler)
    run_file = write_run(work, sampler)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(fit(run_file, work / "reference.h5", resume=False), cwd=work,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the reference run failed:\n{done.stderr}")
    reference = load(work / "reference.h5")
    expected = columns(reference)
    out = work / "killed.h5"
    before: dict[str, np.ndarray] | None = None
    for _ in range(kills):
        proc = subprocess.Popen(fit(run_file, out, resume=out.exists()), cwd=work, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0.0, 1.5))
        else:
            wait_for_new_points(out, len(before["cube/x"]) if before else 0, proc)
            time.sleep(rng.uniform(0.0, max_delay))
        if proc.poll() is not None:   # it finished (or failed) before the kill
            stderr = proc.stderr.read().decode(errors="replace")
            if proc.returncode != 0:
                tally.notes.append(f"a run ended with status {proc.returncode}: "
                                   f"{stderr.strip()[-200:]}")
            break
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        tally.kills += 1
        if not out.exists():
            tally.died_before_the_file += 1
            continue
        try:
            now = columns(load(out))
        except OutputError as exc:
            tally.unreadable += 1
            tally.notes.append(str(exc))
            continue
        n = len(now["cube/x"])
        if before is not None:
            tally.rows_lost += rows_lost(now, before)
        if sampler in EXACT and not same_rows(now, expected, n):
            tally.not_the_reference += 1
        before = now
    final = subprocess.run(fit(run_file, out, resume=out.exists()), cwd=work, env=env,
                           capture_output=True, text=True)
    if final.returncode != 0:
        tally.notes.append(f"the last resume failed: {final.stderr.strip()[-300:]}")
        tally.final_equal = False
        return tally
    r = load(out)
    got = columns(r)
    if sampler in EXACT:
        tally.final_equal = (len(r) == len(reference) and same_rows(got, expected, len(r))
                             and np.array_equal(r.posterior.get("id", []),
                                                reference.posterior.get("id", []))
                             and r.posterior_attrs.get("logz")
                             == reference.posterior_attrs.get("logz"))
    else:
        tally.final_equal = (len(r) == len(reference)
                             and np.array_equal(r.point["id"], np.arange(len(r))))
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30, help="kills per sampler (30)")
    parser.add_argument("--samplers", nargs="+", default=["grid", "dynesty"],
                        choices=sorted(SAMPLERS), help="samplers to torture (grid dynesty)")
    parser.add_argument("--max-delay", type=float, default=1.0,
                        help="longest wait after the first new points before a kill [s] (1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments (1)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"{'sampler':10s} {'kills':>6s} {'no file':>8s} {'unreadable':>11s} "
          f"{'rows lost':>10s} {'off reference':>14s}  resumed result equal")
    ok = True
    for sampler in args.samplers:
        with tempfile.TemporaryDirectory(prefix=f"fit-torture-{sampler}-") as tmp:
            tally = torture(sampler, args.kills, args.max_delay, rng, Path(tmp))
        ok &= tally.ok
        equal = {True: "yes", False: "NO", None: "-"}[tally.final_equal]
        print(f"{sampler:10s} {tally.kills:6d} {tally.died_before_the_file:8d} "
              f"{tally.unreadable:11d} {tally.rows_lost:10d} {tally.not_the_reference:14d}  "
              f"{equal}")
        for note in tally.notes:
            print(f"    {note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
