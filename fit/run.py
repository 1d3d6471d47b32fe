"""One run from a YAML file: configuration, graph, output file, sampler.

Every rank reads the configuration and resolves the graph (both are
deterministic); rank 0 alone opens the output, and its errors are passed to
the other ranks so that all of them stop with the same message.
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py

from . import samplers
from .config import Override, RunConfig, load_config
from .errors import FitError, RunInterrupted
from .evaluate import Evaluator
from .graph import Graph, resolve
from .output import RunWriter, versions
from .parallel import rank_of, size_of, world
from .progress import Progress
from .providers import REGISTRY, Registry, observable_labels

log = logging.getLogger("fit")


@dataclass
class Prepared:
    """A validated run file with its resolved graph and checked sampler options."""

    config: RunConfig
    graph: Graph
    sampler: Callable[..., Any]
    sampler_options: dict[str, Any]

    def describe(self) -> str:
        """The ``--dry-run`` report."""
        c = self.config
        return "\n".join([
            f"run file: {c.source}", f"model: {c.model or '-'}",
            *([f"command-line overrides: {' '.join(map(str, c.overrides))}"]
              if c.overrides else []),
            self.graph.describe(), "",
            f"sampler: {c.sampler.name} {self.sampler_options or ''}".rstrip(),
            f"output: {c.output.path}",
        ])


def prepare(path: str | Path, registry: Registry = REGISTRY,
            overrides: Sequence[Override] = ()) -> Prepared:
    """Validate a run file (with command-line ``overrides`` applied) and resolve its graph;
    raises `FitError` subclasses."""
    config = load_config(path, overrides)
    registry.discover(config.modules, base=config.source.parent)
    function, options = samplers.choose(config.sampler, config.space)
    return Prepared(config, resolve(config, registry), function, options)


def output_path(config: RunConfig, override: str | Path | None) -> Path:
    """The HDF5 file of a run: ``--output`` may name a file (``.h5``) or a directory."""
    if override is None:
        return config.output.path
    override = Path(override)
    return override if override.suffix in (".h5", ".hdf5") else override / config.output.file


def _attributes(prepared: Prepared, seed: int) -> dict[str, Any]:
    c = prepared.config
    return {
        "config": c.yaml_text(), "source": str(c.source), "physics_hash": c.physics_hash(),
        "model": c.model, "seed": seed, "sampler": c.sampler.name,
        "sampler_options": json.dumps(prepared.sampler_options, default=str),
        "invalid_loglike": c.invalid_loglike, "terms": json.dumps(prepared.graph.terms),
        "sampled_parameters": json.dumps(c.space.sampled_names),
        "labels": json.dumps(c.space.labels()), "versions": json.dumps(versions()),
        "observable_labels": json.dumps(observable_labels(prepared.graph.providers)),
        "overrides": json.dumps([str(o) for o in c.overrides]),
    }


def _open_output(prepared: Prepared, path: Path, *, seed: int | None, resume: bool,
                 overwrite: bool, force: bool) -> tuple[RunWriter, int]:
    config = prepared.config
    flush = config.output.flush_seconds
    if resume:
        writer = RunWriter.resume(path, config.physics_hash(), force=force, flush_seconds=flush,
                                  config_text=config.yaml_text(),
                                  note={"sampler": config.sampler.name,
                                        "sampler_options": prepared.sampler_options,
                                        "overrides": [str(o) for o in config.overrides]})
        with h5py.File(path, "r") as f:
            stored_seed = int(f.attrs.get("seed", 0))
        return writer, seed if seed is not None else stored_seed
    seed = seed if seed is not None else secrets.randbits(31)
    writer = RunWriter.create(path, _attributes(prepared, seed), overwrite=overwrite,
                              flush_seconds=flush)
    return writer, seed


def run(path: str | Path, *, output: str | Path | None = None, seed: int | None = None,
        resume: bool = False, overwrite: bool = False, force: bool = False,
        overrides: Sequence[Override] = (), registry: Registry = REGISTRY) -> Path:
    """Run the scan a YAML file describes (with command-line ``overrides``); returns the path
    of the HDF5 output."""
    comm = world()
    rank = rank_of(comm)
    prepared = prepare(path, registry, overrides)
    config = prepared.config
    out = output_path(config, output)
    _refuse_reading_own_output(prepared, out)
    seed = seed if seed is not None else config.seed
    writer, error, state = None, None, None
    if rank == 0:
        try:
            writer, seed = _open_output(prepared, out, seed=seed, resume=resume,
                                        overwrite=overwrite, force=force)
            state = writer.state
        except FitError as exc:
            error = exc
    if comm is not None:
        error, seed, state = comm.bcast((error, seed, state), root=0)
    if error is not None:
        raise error
    if rank == 0:
        log.info("run %s -> %s: %d rank(s), sampler '%s', seed %d%s", config.source, out,
                 size_of(comm), config.sampler.name, seed,
                 f", resuming after {state.n_points} points" if resume else "")
        if not config.likelihoods:
            log.info("no likelihood terms: every valid point gets log L = 0 (observables "
                     "only: %s)", ", ".join(config.observables))
    evaluator = Evaluator(prepared.graph, floor=config.invalid_loglike,
                          skip_below=config.skip_below, provider_errors=config.provider_errors,
                          record=config.output.observables,
                          adaptive_order=config.term_order == "adaptive")
    total = prepared.sampler_options.get("n_points")
    progress = Progress(total, done=state.n_points) if rank == 0 else None
    scan = samplers.Scan(space=config.space, evaluator=evaluator, comm=comm, writer=writer,
                         seed=seed, resume=state, run_dir=out.parent, progress=progress)
    restore = _handle_signals(scan)
    try:
        prepared.sampler(scan, **prepared.sampler_options)
    except samplers.Interrupted:
        raise RunInterrupted(f"stopped by a signal after {writer.state.n_points} points, all "
                             f"written to {out}; continue with --resume") from None
    finally:
        restore()
        if writer is not None:
            writer.close()
    if progress is not None:
        log.info("done: %s; output %s", progress.line(), out)
    return out


def _refuse_reading_own_output(prepared: Prepared, out: Path) -> None:
    """A sampler that reads a file (the points of an earlier run) must not read the output
    it is about to create or overwrite."""
    for name, value in prepared.sampler_options.items():
        if isinstance(value, Path) and value.resolve() == out.resolve():
            raise prepared.config.sampler.where_of(name).error(
                f"{value} is this run's own output; write the run elsewhere (--output)")


def _handle_signals(scan: samplers.Scan) -> Callable[[], None]:
    """SIGTERM/SIGINT on rank 0: finish the batch in flight, write it, stop all ranks.

    A second signal stops at once. Other ranks ignore both signals (mpirun
    forwards them to every rank) and are released by rank 0.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def request_stop(signum: int, _frame: object) -> None:
        if scan.stop_requested:
            raise KeyboardInterrupt
        scan.stop_requested = True
        log.warning("%s: finishing the points in flight, then stopping (send it again to "
                    "stop at once)", signal.Signals(signum).name)

    handler = request_stop if scan.rank == 0 else signal.SIG_IGN
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
