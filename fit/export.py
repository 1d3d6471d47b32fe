"""A run's points as one flat CSV table, for pandas, ROOT, a spreadsheet or a scoring script.

    python -m fit export RUN.h5 --csv out.csv [--valid-only] [--columns PATTERN ...]
                         [--short-names] [--rename COLUMN=NEW ...]

One row per point, one column per scalar: a dataset of the run file gives one column named
by its path (``parameters/tanb``, ``observables/spectrum/mh1``); a matrix gives one column per
entry with 1-based indices appended (``observables/spectrum/S11``, ``S12``, ...; ``_i_j``
when an index passes 9). ``--short-names`` keeps only the last path component (``tanb``,
``mh1``, ``S11``), which reference tables use, and stops with the clashing columns where two
would get one name. NaN (not computed) is an empty cell; booleans are 1 and 0.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from .errors import FitError
from .results import Results, entries, load

#: what is exported without --columns: the point's identity, validity and log L, the
#: sampler's per-point columns (e.g. the id of a given point), parameters, terms, observables
DEFAULT_COLUMNS = ("point/id", "point/valid", "point/code", "point/loglike", "sampler/*",
                   "parameters/*", "loglike/*", "observables/*")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the run's HDF5 file (or its directory)")
    parser.add_argument("--csv", required=True, metavar="OUT.csv",
                        help="the table to write ('-' for standard output)")
    parser.add_argument("--valid-only", action="store_true", help="leave out invalid points")
    parser.add_argument("--columns", nargs="+", metavar="PATTERN",
                        help="datasets or columns to write, in this order (glob patterns on "
                        f"full names; default: {' '.join(DEFAULT_COLUMNS)})")
    parser.add_argument("--short-names", action="store_true",
                        help="name columns by the last path component (mh1, not "
                        "observables/spectrum/mh1); two columns with one name are an error")
    parser.add_argument("--rename", action="append", default=[], metavar="COLUMN=NEW",
                        help="name one column (full name) NEW; repeatable")


def select(run: Results, patterns: list[str] | None = None) -> dict[str, np.ndarray]:
    """The columns matching ``patterns`` (glob patterns on dataset names, or on the names of
    single matrix entries; default `DEFAULT_COLUMNS`), in the order of the patterns. Raises
    `FitError` for a pattern of the caller's that matches nothing."""
    every = list(run.datasets())
    out: dict[str, np.ndarray] = {}
    for pattern in patterns or DEFAULT_COLUMNS:
        matched = False
        for name, values in every:
            if fnmatch.fnmatchcase(name, pattern):
                out.update(entries(name, values))
                matched = True
            elif values.ndim > 1:
                for column, entry in entries(name, values):
                    if fnmatch.fnmatchcase(column, pattern):
                        out[column] = entry
                        matched = True
        if not matched and patterns:
            names = [name for name, _ in every]
            raise FitError(f"--columns {pattern}: no dataset of {run.path} matches; it has "
                           f"{', '.join(names[:40])}{' ...' if len(names) > 40 else ''}")
    return out


def renamed(columns: dict[str, np.ndarray], *, short: bool, rename: dict[str, str]
            ) -> dict[str, np.ndarray]:
    """The columns under their names in the table: ``rename`` first, then (``short``) the
    last path component. Raises `FitError` where two columns would get one name."""
    unknown = sorted(set(rename) - set(columns))
    if unknown:
        raise FitError(f"--rename {unknown[0]}=...: no such column among those exported "
                       f"({', '.join(list(columns)[:40])})")
    names = {full: rename.get(full, full.rsplit("/", 1)[-1] if short else full)
             for full in columns}
    holders: dict[str, list[str]] = defaultdict(list)
    for full, name in names.items():
        holders[name].append(full)
    clashes = {name: fulls for name, fulls in holders.items() if len(fulls) > 1}
    if clashes:
        name, fulls = next(iter(clashes.items()))
        raise FitError(f"--short-names: '{name}' would name {' and '.join(fulls)}; leave one "
                       f"out with --columns, or name one with --rename {fulls[-1]}=NEW")
    return {names[full]: values for full, values in columns.items()}


def _cells(values: np.ndarray) -> list[str]:
    """CSV cells of one column: floats in the shortest form that reads back exactly, NaN as
    an empty cell, booleans as 1 and 0."""
    if values.dtype.kind == "b":
        return ["1" if v else "0" for v in values.tolist()]
    if values.dtype.kind == "f":
        return ["" if v != v else repr(v) for v in values.tolist()]
    return [str(v) for v in values.tolist()]


def write_csv(run: Results, out: str | Path, *, patterns: list[str] | None = None,
              valid_only: bool = False, short: bool = False,
              rename: dict[str, str] | None = None) -> int:
    """Write the table; returns the number of rows."""
    columns = renamed(select(run, patterns), short=short, rename=rename or {})
    keep = run.valid if valid_only else np.ones(len(run), dtype=bool)
    cells = [_cells(np.asarray(values)[keep]) for values in columns.values()]
    rows = int(keep.sum())
    handle = sys.stdout if str(out) == "-" else open(out, "w", newline="")  # noqa: SIM115
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*cells, strict=True))
    finally:
        if handle is not sys.stdout:
            handle.close()
    return rows


def command(args: argparse.Namespace) -> int:
    """``python -m fit export``."""
    rename = {}
    for text in args.rename:
        old, equals, new = text.partition("=")
        if not equals or not old or not new:
            raise FitError(f"--rename {text}: expected COLUMN=NEW, e.g. "
                           f"observables/relic_density=omega_h2")
        rename[old] = new
    run = load(args.file)
    if str(args.csv) != "-":
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
    rows = write_csv(run, args.csv, patterns=args.columns, valid_only=args.valid_only,
                     short=args.short_names, rename=rename)
    if str(args.csv) != "-":
        print(f"wrote {rows} points to {args.csv}", file=sys.stderr)
    return 0
