"""MultiNest (Feroz & Hobson, arXiv:0809.3437, 1306.2144) through pymultinest.

MultiNest brings its own MPI: under ``mpirun`` every rank runs MultiNest, draws
its own points and calls the likelihood; rank 0 does the nested-sampling
bookkeeping. So here every rank evaluates its points with ``scan.evaluate``
(never ``scan.loglike``/``scan.drive``) and buffers them; workers send their
buffers to rank 0 every half second with non-blocking sends, on a duplicate of
the world communicator (MultiNest's own messages use MPI_COMM_WORLD and can
never meet ours), and rank 0 receives them whenever it is in the likelihood or
in MultiNest's dumper, and records them with ``scan.record``. A blocking send
could deadlock: rank 0 may be waiting in one of MultiNest's barriers. After
MultiNest returns, every rank sends what is left and rank 0 writes the
posterior.

MultiNest samples the unit cube; the cube is passed to the framework, which
applies the prior transform, so MultiNest's files hold cube coordinates.

- Library: ``python -m fit install multinest`` builds ``libmultinest.so`` and
  ``libmultinest_mpi.so`` (`fit.install`). pymultinest dlopens them by name and
  calls ``sys.exit`` when that fails, so `load_library` first loads them by
  full path (glibc then resolves pymultinest's dlopen by soname to the loaded
  copy) and pymultinest is imported only inside `run`. pymultinest loads the
  MPI build when mpi4py is importable and the world has more than one rank; in
  a serial run mpi4py is hidden during that import, so the serial build is
  used and MPI is never initialised.
- Invalid points: MultiNest ignores a point with ``log L <= log_zero`` (here
  -1e90) and draws another one in its place: such a point never becomes a
  live point, so the framework's floor (-1e100 by default) makes invalid
  regions act as if cut out of the prior: the nested-sampling ln Z is that of
  the prior renormalised to its valid part (ln Z_true - ln f_valid, checked on
  a toy; the importance-nested-sampling value is biased there). Those points
  are evaluated and written like all others, but MultiNest does not count
  them. A floor above -1e90 would make them a likelihood plateau, which biases
  nested sampling: a warning says so. Fortran prints -1e100 without its 'E'
  (E28.18), another reason to keep such values out of MultiNest's files.
- Resume: MultiNest's files go to ``<run dir>/<output stem>-multinest/``; a
  fresh run deletes that folder, ``--resume`` lets MultiNest continue from
  them (written every 100 iterations) while the framework appends points.
  Points evaluated after MultiNest's last save are written but forgotten by
  MultiNest, which draws new ones, so a resumed file holds more points than
  MultiNest counts. A kill in the middle of MultiNest writing its files could
  leave them inconsistent, so rank 0 copies them to a snapshot folder whenever
  they changed, from inside the likelihood (MultiNest on rank 0 writes them and
  only then asks for the next point, so they are whole then), and a resume
  starts from the last complete snapshot.
- Posterior: read from MultiNest's ``.txt`` (weight, -2 ln L, cube), printed
  as E28.18, i.e. 18 significant digits, more than the 17 a double needs, so
  coordinates match the written points exactly; matching uses 1e-9.
- SIGTERM/SIGINT: MultiNest cannot be left from inside a callback, but it
  stops on every rank when the likelihood returns HUGE(1d0) (its "bogus"
  exit). After a signal rank 0 returns that at its next call, all ranks leave
  MultiNest, every evaluated point is written, and the run exits with status
  130 for ``--resume``. A second signal has the same effect. After SIGKILL
  the points of the last ``flush_seconds`` (and of workers' last half second)
  are lost from the file; a posterior point MultiNest saved among them is
  evaluated again and written at the end.
"""

from __future__ import annotations

import ctypes
import importlib
import io
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from ..evaluate import PointBatch
from ..install import INSTALL_COMMAND, MPI, SERIAL, multinest_dir
from . import Interrupted, Scan, sampler

log = logging.getLogger(__name__)

TAG_POINTS = 71                 # worker -> rank 0 point messages (on a private communicator)
SEND_SECONDS = 0.5              # how often workers send their buffered points
HUGE = sys.float_info.max       # Fortran HUGE(1d0): MultiNest's signal to stop on every rank
LOG_ZERO = -1e90                # MultiNest ignores points with log L <= this
TOLERANCE = 1e-9                # cube distance for matching MultiNest's samples to points
ROOT_MAX = 512                  # MultiNest's limit on file-name length (root_max_len)
UPDATE_INTERVAL = 100           # iterations between MultiNest's saves of its resume files


def load_library(mpi: bool, directory: Path | None = None) -> None:
    """Load libmultinest.so (and libmultinest_mpi.so under MPI) so that pymultinest finds them.

    Looks in ``directory`` (default `fit.install.multinest_dir`), then on the
    system library path. Raises `SamplerError` naming the install command.
    """
    directory = multinest_dir() if directory is None else Path(directory)
    # MultiNest's own lines then appear when written, not when the process ends (read by
    # libgfortran when it is loaded, which happens here)
    os.environ.setdefault("GFORTRAN_UNBUFFERED_PRECONNECTED", "y")
    for name in (SERIAL, MPI) if mpi else (SERIAL,):
        path = directory / name
        try:
            ctypes.CDLL(str(path) if path.is_file() else name)
        except OSError as exc:
            if path.is_file():
                raise SamplerError(f"cannot load {path}: {exc}; rebuild it with "
                                   f"'{INSTALL_COMMAND} --force'") from None
            mpi_note = (" (the MPI build needs mpif90: sudo apt-get install libopenmpi-dev "
                        "first)" if name == MPI else "")
            raise SamplerError(f"sampler 'multinest' needs {name}, which is neither in "
                               f"{directory} nor on the library path: build it with "
                               f"'{INSTALL_COMMAND}'{mpi_note}") from None


def import_pymultinest(mpi: bool, directory: Path | None = None) -> Any:
    """``pymultinest.run`` with the right MultiNest build loaded; raises `SamplerError`."""
    load_library(mpi, directory)
    hide = not mpi and "mpi4py.MPI" not in sys.modules
    saved = sys.modules.get("mpi4py")
    if hide:
        sys.modules["mpi4py"] = None  # type: ignore[assignment]  # pymultinest: no MPI build
    try:
        pmn = importlib.import_module("pymultinest.run")  # the module: its name is shadowed
    except ImportError as exc:
        raise SamplerError(f"sampler 'multinest' needs pymultinest ({exc}): "
                           f"pip install -e '.[samplers]', then {INSTALL_COMMAND}") from None
    except SystemExit:
        raise SamplerError(f"pymultinest could not load MultiNest; rebuild it with "
                           f"'{INSTALL_COMMAND} --force'") from None
    finally:
        if hide:
            if saved is None:
                sys.modules.pop("mpi4py", None)
            else:
                sys.modules["mpi4py"] = saved
    if mpi and pmn.lib_mpi is None:
        raise SamplerError("pymultinest did not load libmultinest_mpi.so under MPI")
    return pmn


@dataclass
class _Points:
    """Evaluated points on their way to rank 0, which records them."""

    scan: Scan
    comm: Any | None
    batches: list[PointBatch] = field(default_factory=list)
    cubes: list[np.ndarray] = field(default_factory=list)
    pending: list[Any] = field(default_factory=list)   # workers' unfinished sends
    last_send: float = field(default_factory=time.monotonic)
    finished: dict[int, str | None] = field(default_factory=dict)  # rank 0: worker -> error

    def add(self, batch: PointBatch, cube: np.ndarray) -> None:
        self.batches.append(batch)
        self.cubes.append(cube)
        if time.monotonic() - self.last_send >= SEND_SECONDS:
            self.send()

    def send(self) -> None:
        """Rank 0: record own and received points. Workers: send buffered points."""
        self.last_send = time.monotonic()
        if self.scan.rank == 0:
            if self.batches:
                self.scan.record(PointBatch.concat(self.batches), np.vstack(self.cubes), 0)
            self.poll()
        elif self.batches:
            message = ("points", PointBatch.concat(self.batches), np.vstack(self.cubes))
            self.pending.append(self.comm.isend(message, dest=0, tag=TAG_POINTS))
            self.pending = [r for r in self.pending if not r.Test()]
        self.batches, self.cubes = [], []

    def poll(self) -> None:
        """Rank 0: record the points workers have sent so far."""
        if self.comm is None:
            return
        from mpi4py import MPI

        status = MPI.Status()
        while self.comm.Iprobe(source=MPI.ANY_SOURCE, tag=TAG_POINTS, status=status):
            source = status.Get_source()
            self._receive(self.comm.recv(source=source, tag=TAG_POINTS), source)

    def _receive(self, message: tuple, source: int) -> None:
        if message[0] == "points":
            self.scan.record(message[1], message[2], source)
        else:  # ("done", error or None): the worker's last message
            self.finished[source] = message[1]

    def finish(self, error: str | None) -> list[str]:
        """Collective after MultiNest: every point reaches rank 0; returns the workers'
        errors (on rank 0)."""
        self.send()
        if self.comm is None:
            return []
        from mpi4py import MPI

        if self.scan.rank != 0:
            self.comm.send(("done", error), dest=0, tag=TAG_POINTS)
            MPI.Request.waitall(self.pending)
            return []
        status = MPI.Status()
        while len(self.finished) < self.scan.size - 1:
            message = self.comm.recv(source=MPI.ANY_SOURCE, tag=TAG_POINTS, status=status)
            self._receive(message, status.Get_source())
        return [f"rank {rank}: {text}" for rank, text in sorted(self.finished.items()) if text]


@sampler("multinest", aliases=("pymultinest", "multinest_sampler"))
def run(scan: Scan, *, n_live_points: int = 400, evidence_tolerance: float = 0.5,
        sampling_efficiency: float = 0.8, importance_nested_sampling: bool = False,
        multimodal: bool = True, const_efficiency_mode: bool = False, max_iter: int = 0,
        verbose: bool = False) -> dict[str, Any] | None:
    """Nested sampling with MultiNest: evidence and weighted posterior, on every MPI rank.

    ``evidence_tolerance`` stops when the live points could add less than this
    to ln Z; ``sampling_efficiency`` is 0.8 for parameter estimation, 0.3 for
    evidence; ``max_iter`` 0 means no limit; ``verbose`` prints MultiNest's
    own progress. The posterior (``/posterior``) carries ``logz``, ``logz_err``
    (nested sampling), MultiNest's counts and, with ``multimodal``, ``n_modes``.
    ``importance_nested_sampling`` adds ``logz_ins``, ``logz_ins_err``: more
    precise for a likelihood valid everywhere, but biased when points were
    redrawn below log_zero or after a resume (measured on toys), and MultiNest
    then turns mode separation off; hence off by default.
    """
    if scan.ndim == 0:
        raise SamplerError("sampler 'multinest' needs at least one sampled parameter")
    if n_live_points < scan.ndim + 2 or evidence_tolerance <= 0 or sampling_efficiency <= 0 \
            or max_iter < 0:
        raise SamplerError(f"sampler 'multinest' needs n_live_points >= ndim + 2 = "
                           f"{scan.ndim + 2}, evidence_tolerance > 0, sampling_efficiency > 0 "
                           f"and max_iter >= 0, got {n_live_points}, {evidence_tolerance}, "
                           f"{sampling_efficiency}, {max_iter}")
    if scan.rank == 0 and importance_nested_sampling and multimodal:
        log.warning("MultiNest turns mode separation (multimodal) off when "
                    "importance_nested_sampling is on")
    floor = scan.evaluator.floor
    if scan.rank == 0 and floor > LOG_ZERO:
        log.warning("invalid_loglike %g is above MultiNest's log_zero %g: invalid points take "
                    "part as a likelihood plateau, which biases the evidence; set "
                    "invalid_loglike <= %g to make MultiNest redraw them", floor, LOG_ZERO,
                    LOG_ZERO)
    pmn = import_pymultinest(scan.comm is not None)
    comm = scan.comm.Dup() if scan.comm is not None else None
    try:
        return _run(scan, pmn, comm, dict(
            n_live_points=n_live_points, evidence_tolerance=evidence_tolerance,
            sampling_efficiency=sampling_efficiency,
            importance_nested_sampling=importance_nested_sampling, multimodal=multimodal,
            const_efficiency_mode=const_efficiency_mode, max_iter=max_iter, verbose=verbose))
    finally:
        if comm is not None:
            comm.Free()


def _files(scan: Scan, comm: Any | None) -> tuple[Path, bool]:
    """MultiNest's file prefix (same on every rank) and whether MultiNest resumes."""
    root, error, resume = None, None, scan.resume.n_points > 0
    if scan.rank == 0:
        folder = scan.run_dir.resolve() / f"{scan.writer.path.stem}-multinest"
        root = folder / "mn-"
        if len(str(root)) + len("post_equal_weights.dat") >= ROOT_MAX:
            error = SamplerError(f"MultiNest limits file names to {ROOT_MAX} characters: "
                                 f"{root} is too long; choose a shorter --output")
        else:
            if not resume:  # a fresh run starts MultiNest afresh
                for old in (folder, *_snapshots(folder)):
                    shutil.rmtree(old, ignore_errors=True)
            else:
                _restore_snapshot(folder)
            folder.mkdir(parents=True, exist_ok=True)
    if comm is not None:
        root, error = comm.bcast((root, error), root=0)
    if error is not None:
        raise error
    return root, resume


def _run(scan: Scan, pmn: Any, comm: Any | None, options: dict[str, Any]
         ) -> dict[str, Any] | None:
    root, resume = _files(scan, comm)
    points = _Points(scan, comm)
    state: dict[str, BaseException | None] = {"error": None}
    stop = [False]

    snapshots = _Snapshots(root.parent) if scan.rank == 0 else None

    def loglike(cube: Any, ndim: int, _npar: int) -> float:
        if stop[0] or scan.stop_requested:
            stop[0] = True
            return HUGE  # MultiNest's exit signal: every rank leaves nested sampling
        try:
            if snapshots is not None:
                snapshots.update()
            x = np.ctypeslib.as_array(cube, shape=(ndim,)).copy()[None, :]
            batch = scan.evaluate(x)
            points.add(batch, x)
            return float(batch.loglike[0])
        except BaseException as exc:  # noqa: BLE001 - nothing may unwind through Fortran
            state["error"], stop[0] = exc, True
            return HUGE

    def dumper(n_samples: int, _n_live: int, _n_par: int, _live: Any, _posterior: Any,
               _constraints: Any, max_loglike: float, logz: float, *_: Any) -> None:
        try:  # rank 0, after MultiNest wrote its files: bring the output up to date
            points.send()
            scan.writer.flush()
            log.debug("MultiNest: %d samples, ln Z = %.4f, max ln L = %.6g", n_samples, logz,
                      max_loglike)
        except BaseException as exc:  # noqa: BLE001 - nothing may unwind through Fortran
            state["error"], stop[0] = exc, True

    # MultiNest seeds rank k's generator with 45 (seed + k) <= 31328, else it stops the process
    seeds = 31328 // 45 - scan.size + 1
    seed = int(np.random.SeedSequence([scan.seed, scan.resume.n_points]).generate_state(1)[0]
               % seeds) if seeds > 0 else -1
    pmn.run(loglike, None, scan.ndim, n_params=scan.ndim, outputfiles_basename=str(root),
            seed=seed, resume=resume, log_zero=LOG_ZERO, n_iter_before_update=UPDATE_INTERVAL,
            dump_callback=dumper if scan.rank == 0 else None, init_MPI=False, **options)
    error = state["error"]
    text = None if error is None or isinstance(error, KeyboardInterrupt) else \
        f"{type(error).__name__}: {error}"
    errors = points.finish(text)
    if scan.rank != 0:
        return None
    if text is not None:
        raise error  # type: ignore[misc]
    if errors:
        raise SamplerError("the likelihood failed on another rank: " + "; ".join(errors))
    if stop[0]:
        raise Interrupted
    return _posterior(scan, root)


SNAPSHOT_DONE = "SNAPSHOT-COMPLETE"


def _snapshots(folder: Path) -> tuple[Path, Path]:
    """The last snapshot of MultiNest's files and the one being written."""
    return folder.with_name(folder.name + "-snapshot"), folder.with_name(folder.name + "-tmp")


@dataclass
class _Snapshots:
    """Copies of MultiNest's resume files, taken (rank 0, from the likelihood) when
    ``resume.dat`` changed, at most every ``interval`` seconds; the first as soon as
    MultiNest saved, so that a kill after its first save always finds one."""

    folder: Path
    interval: float = 1.0
    _stamp: int = 0
    _checked: float = float("-inf")  # time.monotonic() may start near 0 after a boot

    def update(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.interval:
            return
        try:
            stamp = (self.folder / "mn-resume.dat").stat().st_mtime_ns
        except FileNotFoundError:
            return  # looked for on every call until MultiNest's first save
        self._checked = now
        if stamp != self._stamp:
            self._stamp = stamp
            self.take()

    def take(self) -> None:
        """Copy into a temporary folder, mark it complete last, then rename it into place."""
        snapshot, tmp = _snapshots(self.folder)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(self.folder, tmp)
        (tmp / SNAPSHOT_DONE).touch()
        shutil.rmtree(snapshot, ignore_errors=True)
        os.replace(tmp, snapshot)


def _restore_snapshot(folder: Path) -> None:
    """Before a resume, replace MultiNest's files by the last complete snapshot, if any
    (they may have been cut short by a kill while MultiNest wrote them)."""
    for candidate in _snapshots(folder):
        if (candidate / SNAPSHOT_DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(candidate, folder)
            (folder / SNAPSHOT_DONE).unlink()
            return


_FORTRAN_EXPONENT = re.compile(r"(?<=\d)([+-]\d{3})")  # E28.18 prints 1e-100 as 0.1...-99


def _table(path: Path) -> np.ndarray:
    """A numeric table MultiNest wrote (Fortran's three-digit exponents lose their 'E')."""
    text = _FORTRAN_EXPONENT.sub(r"E\1", path.read_text())
    return np.loadtxt(io.StringIO(text), ndmin=2)


def _stats(root: Path) -> dict[str, Any]:
    """Evidences (global and per mode), modes and likelihood count from MultiNest's stats and
    resume files."""
    text = _FORTRAN_EXPONENT.sub(r"E\1", Path(f"{root}stats.dat").read_text())
    out: dict[str, Any] = {}
    for key, label in (("ns", "Nested Sampling"), ("ins", "Nested Importance Sampling")):
        match = re.search(rf"^{label} Global Log-Evidence\s*:\s*(\S+)\s+\+/-\s+(\S+)", text,
                          re.MULTILINE)
        if match:
            out[f"logz_{key}"], out[f"logz_{key}_err"] = map(float, match.groups())
    modes = re.search(r"Total Modes Found:\s*(\d+)", text)
    if modes:
        out["n_modes"] = int(modes.group(1))
        local = re.findall(r"^Local Log-Evidence\s+(\S+)\s+\+/-\s+(\S+)", text, re.MULTILINE)
        out["logz_modes"] = np.array([float(z) for z, _ in local])
        out["logz_modes_err"] = np.array([float(e) for _, e in local])
    counts = Path(f"{root}resume.dat").read_text().splitlines()[1].split()
    out["n_iterations"], out["n_like"] = int(counts[0]), int(counts[1])
    return out


def _posterior(scan: Scan, root: Path) -> dict[str, Any]:
    """Write MultiNest's weighted sample as /posterior, by point id (rank 0)."""
    from scipy.spatial import cKDTree

    sample = _table(Path(f"{root}.txt"))  # weight, -2 ln L, cube coordinates (E28.18: exact)
    weights, cube = sample[:, 0], sample[:, 2:2 + scan.ndim]
    _, written = scan.writer.cube(scan.space.sampled_names)
    distance = cKDTree(written).query(cube)[0] if len(written) else np.full(len(cube), np.inf)
    missing = np.unique(cube[distance > TOLERANCE], axis=0)
    if len(missing):  # saved by MultiNest before a kill, lost from the file: evaluate again
        log.warning("%d posterior point(s) of MultiNest were not in the output (lost in a "
                    "kill before they were flushed); evaluating them again", len(missing))
        scan.record(scan.evaluate(missing), missing, 0)
    stats = _stats(root)
    attributes = {"logz": stats["logz_ns"], "logz_err": stats["logz_ns_err"],
                  "multinest_files": str(root), **stats}
    scan.write_posterior(cube, weights, **attributes)
    log.info("MultiNest: ln Z = %.4f +- %.4f%s; %d likelihood evaluations counted by MultiNest, "
             "%d points in the output", attributes["logz"], attributes["logz_err"],
             f" (importance nested sampling: {stats['logz_ins']:.4f} +- "
             f"{stats['logz_ins_err']:.4f})" if "logz_ins" in stats else "",
             stats["n_like"], scan.writer.state.n_points)
    return {**attributes, "n_points": scan.writer.state.n_points}
