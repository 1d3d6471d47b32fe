"""Command line: ``python -m fit FILE.yaml``, ``check FILE.yaml``, ``info RUN.h5``,
``export RUN.h5``, ``plot RUN.h5``, ``install multinest``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import FitError, RunInterrupted

COMMANDS = ("run", "check", "info", "export", "install", "plot")

USAGE = """python -m fit FILE.yaml [--dry-run] [--output DIR|FILE.h5] [--seed N]
                    [--sampler NAME] [--set KEY=VALUE ...]
                    [--resume | --overwrite] [--force] [-v | -q]
       python -m fit check FILE.yaml [--sampler NAME] [--set KEY=VALUE ...]
       python -m fit info RUN.h5
       python -m fit export RUN.h5 --csv OUT.csv [--valid-only] [--columns PATTERN ...]
                    [--short-names] [--rename COLUMN=NEW ...]
       python -m fit install multinest [--force] [--source COSMOSIS-SDIST]
       python -m fit plot RUN.h5 [RUN2.h5 ...] [--labels NAME ...] [--params NAME ...]
                    [--format png pdf] [--range zoom|prior] [--width one|two]"""
#: how each subcommand names itself in its own usage line and --help
PROGS = {"run": "python -m fit [run]", **{c: f"python -m fit {c}" for c in COMMANDS[1:]}}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fit", usage=USAGE,
                                     description="Global fits from one YAML file.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, **kwargs: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, prog=PROGS[name], **kwargs)

    run = add("run", help="run the scan a YAML file describes")
    run.add_argument("file", help="YAML run file")
    run.add_argument("--dry-run", action="store_true",
                     help="show what would be computed, by which provider, and stop")
    run.add_argument("--output", help="output directory, or the .h5 file itself")
    run.add_argument("--seed", type=int, help="random seed (overrides the YAML's)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue an existing output")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing output")
    run.add_argument("--force", action="store_true",
                     help="resume even if the YAML's physics changed since the output began")
    check = add("check", help="validate a YAML file and its graph without running")
    check.add_argument("file")
    for p in (run, check):
        p.add_argument("--sampler", metavar="NAME",
                       help="run this sampler (with its settings from 'samplers:', if any)")
        p.add_argument("--set", dest="sets", action="append", default=[],
                       metavar="KEY=VALUE", help="change one value of the run file: a dotted "
                       "KEY, a YAML VALUE (e.g. sampler.nlive=400); repeatable, in order")
    info = add("info", help="summarise a run's HDF5 file")
    info.add_argument("file")
    export = add("export", help="write a run's points as one flat CSV table")
    from .export import add_arguments as add_export_arguments

    add_export_arguments(export)
    install = add("install", help="build and install an optional native sampler")
    install.add_argument("what", choices=["multinest"])
    install.add_argument("--force", action="store_true", help="rebuild even if installed")
    install.add_argument("--source", help="a local cosmosis sdist instead of downloading it")
    plot = add("plot", help="profile likelihoods, posteriors and best fit of runs")
    from .plot import add_arguments  # matplotlib is imported only when drawing

    add_arguments(plot)
    for p in (run, check, info, export, install, plot):
        p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
        p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    return parser


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)


def _resumed_with(attrs: Any, resume: dict[str, Any]) -> str:
    """The sampler settings of a resumed part where they differ from the run's start
    (e.g. ``--set samplers.de.maxgen=1000`` to go on), and its command-line overrides."""
    sampler, options = resume.get("sampler"), resume.get("sampler_options")
    started = (attrs.get("sampler"), json.loads(attrs.get("sampler_options", "null")))
    text = ""
    if sampler is not None and (sampler, options) != started:
        text += f", sampler {sampler} {json.dumps(options, default=str)}"
    if resume.get("overrides"):
        text += f", overrides: {' '.join(resume['overrides'])}"
    return text


def info_text(path: str) -> str:
    """The summary printed by ``python -m fit info``."""
    from .results import load

    r = load(path)
    n = len(r)
    lines = [f"file: {r.path}", f"model: {r.attrs.get('model') or '-'}",
             f"sampler: {r.attrs.get('sampler')} {r.attrs.get('sampler_options', '')}",
             *([f"overrides: {' '.join(json.loads(r.attrs['overrides']))}"]
               if json.loads(r.attrs.get("overrides", "[]")) else []),
             f"seed: {r.attrs.get('seed')}   started: {r.attrs.get('start_time')}"
             + "".join(f"\nresumed: {e['time']} from point {e['first_id']}"
                       + (" with a changed YAML (--force)" if "config" in e else "")
                       + _resumed_with(r.attrs, e)
                       for e in json.loads(r.attrs.get("resumes", "[]"))),
             f"points: {n}   valid: {int(r.valid.sum())} ({r.valid.mean():.1%})" if n
             else "points: 0"]
    codes = r.invalid_codes()
    if codes:
        lines.append("invalid: " + ", ".join(f"{c} {k}" for c, k in codes.most_common()))
    best = r.best()
    if best is None:
        lines.append("no valid point")
        return "\n".join(lines)
    lines.append(f"best point: id {r.point['id'][best]}, lnL = {r.loglike[best]:.6g}")
    lines.append("  parameters:")
    lines += [f"    {k:<20s} {v[best]:.6g}" for k, v in r.parameters.items()]
    lines.append("  likelihood terms (lnL):")
    lines += [f"    {k:<20s} {v[best]:.6g}" for k, v in r.terms.items()]
    if r.timing:
        lines.append("mean time per point by provider [ms]:")
        lines += [f"    {k:<20s} {1e3 * np.mean(v):.3g}" for k, v in r.timing.items()]
    return "\n".join(lines)


def plural(n: int, noun: str) -> str:
    """``'1 likelihood term'``, ``'2 likelihood terms'``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; its exit status. Output cut short by a closed pipe (``... | head``)
    ends quietly with the status of a process stopped by SIGPIPE (141)."""
    try:
        status = _main(argv)
        sys.stdout.flush()     # inside the try: a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        # Python would try to flush stdout again at exit and print a second traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "run")  # python -m fit FILE.yaml
    args = _parser().parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        if args.command == "info":
            print(info_text(args.file))
            return 0
        if args.command == "export":
            from .export import command as export_command

            return export_command(args)
        if args.command == "plot":
            from .plot import command

            return command(args)
        if args.command == "install":
            from .install import install_multinest

            install_multinest(force=args.force, source=args.source)
            return 0
        from .config import Override
        from .run import prepare, run

        overrides = Override.from_command_line(args.sampler, args.sets)
        if args.command == "check" or args.dry_run:
            prepared = prepare(args.file, overrides=overrides)
            if args.command == "check":
                c = prepared.config
                print(f"{c.source}: OK ({plural(c.space.ndim, 'sampled parameter')}, "
                      f"{plural(len(c.likelihoods), 'likelihood term')}, "
                      f"sampler '{c.sampler.name}')")
            else:
                print(prepared.describe())
            return 0
        run(args.file, output=args.output, seed=args.seed, resume=args.resume,
            overwrite=args.overwrite, force=args.force, overrides=overrides)
        return 0
    except RunInterrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return 130
    except FitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the points written so far are in the output", file=sys.stderr)
        return 130
