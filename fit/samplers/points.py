"""Given points: the rows of a CSV file, or the points of an earlier run, through the chain.

``sampler: {name: points, file: benchmarks.csv}`` evaluates a paper's benchmark points, an
earlier scan with a new likelihood (``file: runs/old/old.h5``), or the inputs of a reference
code's sample, and writes them as any run does (observables, terms, validity).

What a given point means for the parameters of the run file:

- a sampled parameter must have a column (one error names all that lack one); the value is
  the file's, and the prior only defines the box: the unit-cube coordinate written to
  ``cube/`` is the prior's cumulative distribution at the value (`Prior.to_cube`), outside
  [0, 1] for a value outside the box (also outside a truncated Gaussian's range);
- a fixed parameter takes the file's value where the file has a column, else the YAML's;
- a derived parameter is computed from its expression (with the given values of the
  others), unless the file has a column for it, whose value is then used;
- a point with a sampled value outside the prior box, or a fixed or derived value that
  differs from what the run file says, is outside the prior: it is evaluated and flagged
  (``sampler/outside_prior``), or left out with ``outside_prior: reject``.

Points go out in file order, in batches over all ranks (`Scan.loglike`), with
``sampler/line`` (the CSV line) or ``sampler/source_id`` (the earlier run's point id) and the
id column if there is one. Nothing is random: ``--resume`` continues after the points in the
output, once it has checked that they are the file's first points.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..config import SamplerChoice, Where
from ..errors import ConfigError, FitError, SamplerError, one_of, suggest
from ..output import open_committed
from ..priors import ParameterSpace
from . import Scan, sampler

log = logging.getLogger(__name__)

#: a fixed or derived value given in the file matches the run file's to this relative precision
MATCH_RTOL = 1e-9
#: malformed rows logged one by one before only their number is reported
LOGGED_ROWS = 10
_INTEGER = re.compile(r"^[-+]?\d+$")
#: the per-point columns this sampler writes under sampler/ besides the id column
OWN_COLUMNS = ("outside_prior", "line", "source_id")


@dataclass
class Layout:
    """Which column of the file gives which parameter: known from the header alone, so that
    every rank can build it (and ``python -m fit check`` can check it)."""

    path: Path
    hdf5: bool
    columns: dict[str, str]       # parameter -> column of the file, in the run's order
    header: list[str]             # every column (CSV) or parameter dataset (HDF5)
    header_line: int              # CSV: the line of the header; HDF5: 0
    id_column: str | None         # kept in the output as sampler/<id_name>
    valid_only: bool = False

    @property
    def names(self) -> list[str]:
        """The given parameters, in the order of the columns of `Points.values`."""
        return list(self.columns)

    @property
    def id_name(self) -> str | None:
        return None if self.id_column is None else self.id_column.rsplit("/", 1)[-1]

    def parameters(self, space: ParameterSpace, rows: np.ndarray) -> dict[str, np.ndarray]:
        """Every parameter of rows of given values (fixed and derived ones completed)."""
        rows = np.atleast_2d(rows)
        return space.complete({name: rows[:, i] for i, name in enumerate(self.names)}, len(rows))


@dataclass
class Points:
    """The points read from the file (rank 0)."""

    values: np.ndarray            # (n, len(layout.names))
    source: np.ndarray            # CSV line numbers, or the earlier run's point ids
    ids: np.ndarray | None        # the id column's values
    skipped: list[tuple[int, str]]  # malformed rows left out: (line or point id, why)


def _option_where(choice: SamplerChoice | None) -> Callable[[str], Where]:
    if choice is None:
        return lambda option: Where("", 0, f"sampler.{option}")
    return choice.where_of


def _csv_header(path: Path) -> tuple[list[str], int]:
    """The column names and the line of the header: the first line that is not blank and
    not a comment (``#``)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        for fields in reader:
            if not _skipped(fields):
                return [f.strip() for f in fields], reader.line_num
    raise ConfigError("no header line (a line of column names) in the file", file=str(path))


def _skipped(fields: list[str]) -> bool:
    return not any(f.strip() for f in fields) or fields[0].lstrip().startswith("#")


def _hdf5_header(path: Path) -> tuple[list[str], str | None]:
    """The parameter datasets of an earlier run, and the id column its points sampler kept."""
    import h5py

    with h5py.File(path, "r", locking=False) as f:
        if "point/id" not in f or "parameters" not in f:
            raise ConfigError("not a run file of this framework (no /point/id and "
                              "/parameters)", file=str(path))
        info = f["sampler_info"].attrs if "sampler_info" in f else {}
        kept = info.get("id_column") if info.get("kind") == "points" else None
        return list(f["parameters"]), f"sampler/{kept}" if kept else None


def read_layout(space: ParameterSpace, options: dict[str, Any],
                choice: SamplerChoice | None = None) -> Layout:
    """Match the file's columns with the run's parameters. Raises `ConfigError`, located at
    the option (with ``choice``) or at the file's header."""
    where = _option_where(choice)
    path = Path(options["file"])
    if not path.is_file():
        raise where("file").error(f"no such file: {path}")
    import h5py

    hdf5 = h5py.is_hdf5(path)
    if hdf5:
        (header, kept), line = _hdf5_header(path), 0
    else:
        (header, line), kept = _csv_header(path), None
        twice = sorted({c for c in header if header.count(c) > 1})
        if twice:
            raise ConfigError(f"column '{twice[0]}' appears twice in the header",
                              file=str(path), line=line)
        if options.get("valid_only"):
            raise where("valid_only").error("'valid_only' selects the valid points of an "
                                            "earlier run's HDF5 file; this is a CSV file")
    columns = _matched(space, header, options.get("columns") or {}, where, path, line)
    id_column = options.get("id_column")
    if id_column is None:
        id_column = kept if hdf5 else "id" if "id" in header else None
    elif hdf5:
        _check_hdf5_dataset(path, id_column, where("id_column"))
    elif id_column not in header:
        raise where("id_column").error(f"{path} has no column '{id_column}'"
                                       f"{suggest(id_column, header)}")
    elif "/" in id_column:
        raise where("id_column").error(f"'{id_column}': an id column name cannot hold '/'")
    if id_column is not None and id_column.rsplit("/", 1)[-1] in OWN_COLUMNS:
        raise where("id_column").error(f"'{id_column}' would clash with the sampler's own "
                                       f"column of that name ({one_of(OWN_COLUMNS)})")
    return Layout(path, hdf5, columns, header, line, id_column, bool(options.get("valid_only")))


def _matched(space: ParameterSpace, header: list[str], renames: dict, where: Callable,
             path: Path, line: int) -> dict[str, str]:
    """parameter -> file column, in the run's parameter order, after ``renames``
    (``{file column: parameter}``); every sampled parameter must have one."""
    for old, new in renames.items():
        if not isinstance(new, str):
            raise where("columns").error(f"expected 'file column: parameter name', got "
                                         f"{old}: {new!r}")
        if old not in header:
            raise where("columns").error(f"{path} has no column '{old}'{suggest(old, header)}")
        if new not in space.names:
            raise where("columns").error(f"'{new}' is not a parameter of the run file"
                                         f"{suggest(new, space.names)}; parameters: "
                                         f"{one_of(space.names)}")
    columns: dict[str, str] = {}
    for column in header:
        target = renames.get(column, column)
        if target in space.names:
            if target in columns:
                raise where("columns").error(f"columns '{columns[target]}' and '{column}' both "
                                             f"give the parameter '{target}'")
            columns[target] = column
    missing = [p for p in space.sampled_names if p not in columns]
    if missing:
        unused = [c for c in header if c not in columns.values()]
        hints = "".join(f"; '{p}'{_column_hint(p, unused)}" for p in missing
                        if _column_hint(p, unused))
        raise ConfigError(f"no column for the sampled parameter(s) {', '.join(missing)}{hints} "
                          f"(rename a column with 'columns: {{column: parameter}}')",
                          file=str(path), line=line or None)
    return {p: columns[p] for p in space.names if p in columns}


def _column_hint(parameter: str, columns: list[str]) -> str:
    """' (did you mean 'lambda'?)' for a column that may hold a missing parameter: a close
    spelling, or one name the other's start (lambda_ and lambda, x and x_paper)."""
    close = suggest(parameter, columns)
    if close:
        return close
    key = parameter.lower().rstrip("_")
    starts = [c for c in columns if c.lower().startswith(key) or key.startswith(c.lower())]
    return f" (did you mean '{starts[0]}'?)" if len(starts) == 1 and key else ""


def _check_hdf5_dataset(path: Path, name: str, where: Where) -> None:
    import h5py

    with h5py.File(path, "r", locking=False) as f:
        if not isinstance(f.get(name), h5py.Dataset) or name.split("/")[0] not in (
                "point", "parameters", "sampler", "observables", "loglike"):
            raise where.error(f"{path} has no per-point dataset '{name}' (e.g. 'sampler/idx')")


def read_points(layout: Layout, *, malformed: str = "stop") -> Points:
    """The given values of every point; a malformed row stops with its line number, or
    (``malformed: skip``) is left out and reported."""
    reader = _read_hdf5 if layout.hdf5 else _read_csv
    points = reader(layout, malformed)
    for where, why in points.skipped[:LOGGED_ROWS]:
        log.warning("%s: %s %d: %s; left out", layout.path,
                    "point" if layout.hdf5 else "line", where, why)
    if len(points.skipped) > LOGGED_ROWS:
        log.warning("%s: %d malformed rows left out in all", layout.path, len(points.skipped))
    return points


def _number(text: str, column: str) -> tuple[float, str]:
    """A given value, and why it is malformed ('' if it is not)."""
    try:
        value = float(text)
    except ValueError:
        return math.nan, f"column '{column}': expected a number, got {text.strip()!r}"
    if not math.isfinite(value):
        return math.nan, f"column '{column}': {text.strip()} is not a finite number"
    return value, ""


def _read_csv(layout: Layout, malformed: str) -> Points:
    index = [layout.header.index(c) for c in layout.columns.values()]
    id_index = layout.header.index(layout.id_column) if layout.id_column else None
    rows: list[list[float]] = []
    lines: list[int] = []
    ids: list[str] = []
    skipped: list[tuple[int, str]] = []
    with open(layout.path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        for fields in reader:
            if reader.line_num <= layout.header_line or _skipped(fields):
                continue
            why = ""
            if len(fields) != len(layout.header):
                why = (f"expected {len(layout.header)} fields as in the header (line "
                       f"{layout.header_line}), got {len(fields)}")
            values = []
            for i, column in zip(index, layout.columns.values(), strict=True):
                if why:
                    break
                value, why = _number(fields[i], column)
                values.append(value)
            if not why and id_index is not None and not fields[id_index].strip():
                why = f"column '{layout.id_column}': no id"
            if why:
                if malformed == "stop":
                    raise ConfigError(f"{why} (malformed: skip leaves such rows out)",
                                      file=str(layout.path), line=reader.line_num)
                skipped.append((reader.line_num, why))
                continue
            rows.append(values)
            lines.append(reader.line_num)
            if id_index is not None:
                ids.append(fields[id_index].strip())
    values = np.array(rows, dtype=float).reshape(len(rows), len(index))
    return Points(values, np.array(lines, dtype=np.int64),
                  _ids(ids) if id_index is not None else None, skipped)


def _ids(ids: list[str]) -> np.ndarray:
    """Integer ids as integers (as the file gives them), any others as strings."""
    if all(_INTEGER.match(i) for i in ids):
        return np.array([int(i) for i in ids], dtype=np.int64)
    return np.array(ids, dtype=object)


def _read_hdf5(layout: Layout, malformed: str) -> Points:
    from ..results import load

    run = load(layout.path)
    keep = run.valid if layout.valid_only else np.ones(len(run), dtype=bool)
    values = np.column_stack([run.parameters[c][keep] for c in layout.columns.values()]
                             ) if layout.columns else np.zeros((int(keep.sum()), 0))
    source = run.point["id"][keep]
    ids = None
    if layout.id_column is not None:
        group, _, name = layout.id_column.partition("/")
        table = run.point if group == "point" else run.terms if group == "loglike" else \
            getattr(run, group)
        ids = np.asarray(table[name])[keep]
    finite = np.isfinite(values)
    bad = ~finite.all(axis=1)
    skipped = [(int(source[i]), "parameter(s) " + ", ".join(
        n for n, ok in zip(layout.columns, finite[i], strict=True) if not ok) + " not finite")
        for i in np.flatnonzero(bad)]
    if skipped and malformed == "stop":
        where, why = skipped[0]
        raise ConfigError(f"point {where}: {why} (malformed: skip leaves such points out)",
                          file=str(layout.path))
    return Points(values[~bad], source[~bad], None if ids is None else ids[~bad], skipped)


def outside_prior_mask(space: ParameterSpace, layout: Layout, params: dict[str, np.ndarray],
                  cube: np.ndarray) -> np.ndarray:
    """Points outside the prior box, or with a given fixed or derived value that is not the
    run file's."""
    outside = ~np.all((cube >= 0) & (cube <= 1), axis=1)
    for p in space.fixed:
        if p.name in layout.columns:
            outside |= ~np.isclose(params[p.name], p.value, rtol=MATCH_RTOL, atol=0)
    for d in space.derived:
        if d.name in layout.columns:
            expected = np.broadcast_to(d.expression(params), outside.shape)
            outside |= ~np.isclose(params[d.name], expected, rtol=MATCH_RTOL, atol=0)
    return outside


def _why_outside(space: ParameterSpace, params: dict[str, np.ndarray], cube: np.ndarray,
                 i: int) -> str:
    """Which parameter puts point i outside the prior, in words."""
    for j, p in enumerate(space.sampled):
        if not 0 <= cube[i, j] <= 1:
            low, high = p.bounds
            return f"{p.name} = {params[p.name][i]:.6g} outside [{low:.6g}, {high:.6g}]"
    for p in space.fixed:
        if not np.isclose(params[p.name][i], p.value, rtol=MATCH_RTOL, atol=0):
            return f"{p.name} = {params[p.name][i]:.6g}, fixed at {p.value:.6g} in the run file"
    return "a derived parameter differs from its expression"


def _check_resume(scan: Scan, layout: Layout, values: np.ndarray) -> None:
    """The points already written must be the first points of the file, as read now."""
    done = scan.resume.n_points
    if done == 0:
        return
    with open_committed(scan.writer.path) as f:
        stored = np.column_stack([f[f"parameters/{n}"][:done] for n in layout.names])
    if done > len(values) or not np.array_equal(stored, values[:done], equal_nan=True):
        raise SamplerError(
            f"cannot resume {scan.writer.path}: its {done} points are not the first {done} "
            f"points of {layout.path} (the file, its columns or the options changed since the "
            f"run began); start again with --overwrite")


def _check(space: ParameterSpace, options: dict[str, Any], choice: SamplerChoice) -> None:
    """The options against the file's header and the parameters (before anything runs)."""
    if options.get("batch_size", 1) < 1:
        raise choice.where_of("batch_size").error(f"expected a batch size >= 1, got "
                                                  f"{options['batch_size']}")
    read_layout(space, options, choice)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@sampler("points", aliases=("benchmarks", "benchmark_points", "given", "csv", "table", "file",
                            "list"), check=_check)
def run(scan: Scan, *, file: Path, columns: dict | None = None, id_column: str | None = None,
        valid_only: bool = False, outside_prior: Literal["flag", "reject"] = "flag",
        malformed: Literal["stop", "skip"] = "stop", batch_size: int = 256
        ) -> dict[str, Any] | None:
    """Evaluate the points of ``file`` (a CSV file with a header of parameter names, or an
    earlier run's HDF5 file) in batches of ``batch_size``.

    ``columns``: renames, ``{file column: parameter}``; ``id_column``: a column kept in the
    output as ``sampler/<name>`` (default: ``id`` if the CSV file has one; for an HDF5 file,
    the id column its own points run kept); ``valid_only``: only the valid points of an
    HDF5 file; ``outside_prior``: 'flag' or 'reject'; ``malformed``: 'stop' or 'skip'.
    """
    space = scan.space
    layout = read_layout(space, {"file": file, "columns": columns, "id_column": id_column,
                                 "valid_only": valid_only})
    scan.to_parameters = functools.partial(layout.parameters, space)  # on every rank
    points, error = None, None
    if scan.rank == 0:
        try:
            points = read_points(layout, malformed=malformed)
        except FitError as exc:
            error = exc
    if scan.comm is not None:
        error = scan.comm.bcast(error, root=0)
    if error is not None:
        raise error

    def loop() -> dict[str, Any]:
        params = layout.parameters(space, points.values)
        cube = space.to_cube(params)
        outside = outside_prior_mask(space, layout, params, cube)
        if outside.any():
            first = int(np.argmax(outside))
            log.warning("%d of %d points lie outside the prior (first: %s %d, %s); %s",
                        int(outside.sum()), len(outside), "point" if layout.hdf5 else "line",
                        points.source[first], _why_outside(space, params, cube, first),
                        "left out (outside_prior: reject)" if outside_prior == "reject"
                        else "evaluated and flagged in sampler/outside_prior")
        keep = ~outside if outside_prior == "reject" else np.ones(len(outside), dtype=bool)
        values, cube = points.values[keep], cube[keep]
        extra = {"outside_prior": outside[keep],
                 "source_id" if layout.hdf5 else "line": points.source[keep]}
        if points.ids is not None:
            extra[layout.id_name] = points.ids[keep]
        _check_resume(scan, layout, values)
        if scan.progress is not None:
            scan.progress.total = len(values)
        for start in range(scan.resume.n_points, len(values), batch_size):
            stop = min(start + batch_size, len(values))
            scan.loglike(cube[start:stop], {k: v[start:stop] for k, v in extra.items()},
                         rows=values[start:stop])
        info = {"kind": "points", "sampler": "points", "file": str(layout.path),
                "sha256": _sha256(layout.path), "columns": json.dumps(layout.columns),
                "id_column": layout.id_name or "", "points": len(values),
                "outside_prior": int(outside.sum()), "rejected": int((~keep).sum()),
                "malformed_skipped": json.dumps(points.skipped)}
        scan.writer.write_group("sampler_info", {}, info)
        log.info("points: %d evaluated from %s", len(values), layout.path)
        return {"points": len(values)}

    return scan.drive(loop)
