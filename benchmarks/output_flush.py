"""Cost of a flush of the run file: all-or-nothing commits against appending in place.

Run by hand from the repository root:

    python benchmarks/output_flush.py                     # ~1 minute
    python benchmarks/output_flush.py --columns 80 --rows 2000 --flushes 400

Three files grow side by side, flush by flush, with the same rows (``--columns`` float
columns, the point columns, ``--rows`` rows per flush):

* ``journal``: `fit.output.RunWriter`, as a run writes (pages in memory, rollback journal,
  free-space check, data synced to disk);
* ``journal, no sync``: the same with the syncs switched off, to separate their cost;
* ``in place``: h5py appending to the file directly, as the writer did before (no
  protection against a failed write: the baseline).

The three are timed in turn at every flush, so that machine noise hits them alike. It
prints the median time per flush over the first, middle and last tenth of the flushes
(the file grows, the cost should not), and what that costs a run that flushes every
``--flush-seconds`` (2 s by default, as runs do).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit import journal  # noqa: E402
from fit.evaluate import PointBatch  # noqa: E402
from fit.output import STRING, RunWriter  # noqa: E402


def batch(rng: np.random.Generator, n: int, columns: int) -> PointBatch:
    values = {f"p{i}": rng.random(n) for i in range(columns)}
    return PointBatch(params=values, loglike=rng.random(n), valid=np.ones(n, dtype=bool),
                      code=np.full(n, "", dtype=object), reason=np.full(n, "", dtype=object),
                      terms={"t": rng.random(n)}, timing={"t": rng.random(n)})


def in_place_create(path: Path) -> None:
    with h5py.File(path, "w") as f:
        f.create_dataset("point/id", shape=(0,), maxshape=(None,), dtype="i8", chunks=(4096,))


def in_place_flush(path: Path, rows: dict[str, np.ndarray]) -> None:
    """The writer's former flush, as it was: each dataset resized and written in place, the
    columns a flush lacks filled, ids last."""
    with h5py.File(path, "a") as f:
        committed = f["point/id"].shape[0]
        total = committed + len(rows["point/id"])
        for name, values in rows.items():
            if name == "point/id":
                continue
            if name not in f:
                dtype = STRING if values.dtype.kind in "OU" else values.dtype
                f.create_dataset(name, shape=(committed,), maxshape=(None,), dtype=dtype,
                                 chunks=(4096,))
            f[name].resize(total, axis=0)
            f[name][committed:] = values
        names: list[str] = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for name in names:
            if name != "point/id" and name not in rows:
                f[name].resize(total, axis=0)
        f["point/id"].resize(total, axis=0)
        f["point/id"][committed:] = rows["point/id"]


def as_rows(b: PointBatch, start: int) -> dict[str, np.ndarray]:
    rows = {"point/valid": b.valid, "point/code": b.code, "point/reason": b.reason,
            "point/loglike": b.loglike, "point/time": b.time}
    rows.update({f"parameters/{k}": v for k, v in b.params.items()})
    rows.update({f"loglike/{k}": v for k, v in b.terms.items()})
    rows.update({f"timing/{k}": v for k, v in b.timing.items()})
    rows["point/id"] = np.arange(start, start + len(b))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=40, help="float columns (40)")
    parser.add_argument("--rows", type=int, default=1000, help="rows per flush (1000)")
    parser.add_argument("--flushes", type=int, default=200, help="flushes (200)")
    parser.add_argument("--flush-seconds", type=float, default=2.0,
                        help="a run's time between flushes, for the last column (2)")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    times: dict[str, list[float]] = {"journal": [], "journal, no sync": [], "in place": []}
    real_sync, real_sync_directory = journal._sync, journal._sync_directory
    with tempfile.TemporaryDirectory(prefix="fit-flush-", dir=ROOT) as tmp:
        directory = Path(tmp)
        synced = RunWriter.create(directory / "journal.h5", {"physics_hash": "h"},
                                  flush_seconds=1e9)
        unsynced = RunWriter.create(directory / "nosync.h5", {"physics_hash": "h"},
                                    flush_seconds=1e9)
        in_place_create(directory / "inplace.h5")
        cube = np.zeros((args.rows, 0))
        for k in range(args.flushes):
            b = batch(rng, args.rows, args.columns)
            start = time.perf_counter()
            synced.append(b, cube=cube, cube_names=[], rank=np.zeros(args.rows))
            synced.flush()
            times["journal"].append(time.perf_counter() - start)

            journal._sync = journal._sync_directory = lambda _: None
            start = time.perf_counter()
            unsynced.append(b, cube=cube, cube_names=[], rank=np.zeros(args.rows))
            unsynced.flush()
            times["journal, no sync"].append(time.perf_counter() - start)
            journal._sync, journal._sync_directory = real_sync, real_sync_directory

            start = time.perf_counter()
            in_place_flush(directory / "inplace.h5", as_rows(b, k * args.rows))
            times["in place"].append(time.perf_counter() - start)
        synced.close()
        unsynced.close()
        sizes = {name: (directory / f).stat().st_size / 1e6 for name, f in
                 (("journal", "journal.h5"), ("journal, no sync", "nosync.h5"),
                  ("in place", "inplace.h5"))}
    tenth = max(1, args.flushes // 10)
    middle = args.flushes // 2 - tenth // 2
    print(f"{args.flushes} flushes of {args.rows} rows x {args.columns + 6} columns "
          f"({args.flushes * args.rows} rows); median ms per flush")
    print(f"{'':18s} {'first tenth':>12s} {'middle':>10s} {'last tenth':>11s} "
          f"{'file MB':>8s} {f'of a run at {args.flush_seconds:g} s/flush':>24s}")
    for name, values in times.items():
        parts = [values[:tenth], values[middle:middle + tenth], values[-tenth:]]
        medians = [1e3 * statistics.median(p) for p in parts]
        share = statistics.median(values) / args.flush_seconds
        print(f"{name:18s} {medians[0]:12.1f} {medians[1]:10.1f} {medians[2]:11.1f} "
              f"{sizes[name]:8.1f} {100 * share:23.2f}%")
    ratio = statistics.median(times["journal"]) / statistics.median(times["in place"])
    print(f"journal / in place (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
