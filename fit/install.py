"""``python -m fit install multinest``: build MultiNest's shared libraries for pymultinest.

MultiNest (Feroz & Hobson) is Fortran under a non-commercial licence: it is in
no Debian package and no wheel, and this repository never holds its source.
The user builds it: this module downloads the ``cosmosis`` source distribution
from PyPI with pip (it ships MultiNest's Fortran source), extracts only those
files, compiles ``libmultinest.so`` with gfortran and, when ``mpif90`` exists,
``libmultinest_mpi.so``, and installs both (with MultiNest's licence) into
`multinest_dir`, a directory inside the active Python environment. No root is
needed. A second call finds the libraries and does nothing; ``--force``
rebuilds.

The two libraries are compiled side by side (one process each); within one
library the files are compiled in order, since each needs the modules of the
ones before it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from .errors import FitError

#: the command that builds and installs the libraries (quoted in error messages)
INSTALL_COMMAND = "python -m fit install multinest"
#: environment variable that moves the install directory (e.g. to a shared disk)
DIR_VARIABLE = "FIT_MULTINEST_DIR"
SERIAL, MPI = "libmultinest.so", "libmultinest_mpi.so"
#: the source distribution that carries MultiNest's Fortran source, pinned for a known layout
SOURCE_REQUIREMENT = "cosmosis==3.26"
SOURCE_FOLDER = "cosmosis/samplers/multinest/multinest_src/"
#: MultiNest's Fortran files in compilation order (each uses the modules of those before)
FORTRAN = ("utils", "utils1", "priors", "kmeans_clstr", "xmeans_clstr", "posterior", "nested",
           "cwrapper")
DOCUMENTS = ("LICENCE", "README")
FLAGS = ("-O3", "-fPIC", "-ffree-line-length-none", "-cpp")
_BARE_STOP = re.compile(rb"^([ \t]*)stop[ \t]*(\r?)$", re.MULTILINE | re.IGNORECASE)


class InstallError(FitError):
    """A library cannot be built: a tool is missing, the download or a compilation failed."""


def multinest_dir() -> Path:
    """Where the MultiNest libraries live: ``$FIT_MULTINEST_DIR`` or
    ``<sys.prefix>/lib/fit-multinest`` (inside the active environment)."""
    override = os.environ.get(DIR_VARIABLE)
    return Path(override) if override else Path(sys.prefix) / "lib" / "fit-multinest"


def install_multinest(*, force: bool = False, source: str | Path | None = None,
                      directory: Path | None = None,
                      say: Callable[[str], None] = print) -> Path:
    """Build and install the MultiNest libraries unless they are there; returns their directory.

    ``source`` is a local ``cosmosis`` sdist (for machines without PyPI); by
    default pip downloads it. Raises `InstallError` naming a missing tool.
    """
    target = Path(directory) if directory is not None else multinest_dir()
    mpif90 = shutil.which("mpif90")
    wanted = [SERIAL] + ([MPI] if mpif90 else [])
    todo = [name for name in wanted if force or not (target / name).is_file()]
    if not todo:
        say(f"MultiNest is already installed in {target} ({', '.join(wanted)}); "
            f"--force rebuilds it")
        return target
    gfortran = shutil.which("gfortran")
    if gfortran is None:
        raise InstallError("gfortran not found: MultiNest is Fortran; install a Fortran "
                           "compiler (Debian/Ubuntu: sudo apt-get install gfortran liblapack-dev)"
                           f", then run {INSTALL_COMMAND}")
    if mpif90 is None:
        say("mpif90 not found: building the serial library only; MultiNest under mpirun needs "
            "it (Debian/Ubuntu: sudo apt-get install libopenmpi-dev), then run "
            f"{INSTALL_COMMAND} again")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fit-multinest-") as tmp:
        work = Path(tmp)
        _check_lapack(gfortran, work)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InstallError(f"cannot create {target} ({exc}); set {DIR_VARIABLE} to a "
                               f"writable directory (also when running the fits)") from None
        sdist = Path(source) if source is not None else _download(work, say)
        src = _extract(sdist, work / "src")
        say(f"building {', '.join(todo)} from MultiNest's source in {sdist.name} "
            f"(non-commercial licence: see {target / 'LICENCE'})")
        compilers = {SERIAL: (gfortran, [])}
        if mpif90 is not None:
            compilers[MPI] = (mpif90, _mpi_flags(mpif90))
        built = _build_all({name: compilers[name] for name in todo}, src, work)
        record = (f"MultiNest built by '{INSTALL_COMMAND}' on "
                  f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
                  f"source: {sdist.name} ({SOURCE_FOLDER}); bare 'stop' made 'error stop'\n"
                  + "".join(f"{name}: {' '.join([compilers[name][0], *FLAGS, *extra])}\n"
                            for name, (_, extra) in compilers.items() if name in built))
        try:
            for name, path in built.items():
                partial = target / f".{name}.partial"
                shutil.copy2(path, partial)
                os.replace(partial, target / name)  # a running process keeps the old inode
            for name in DOCUMENTS:
                shutil.copy2(src / name, target / name)
            (target / "BUILD.txt").write_text(record)
        except OSError as exc:
            raise InstallError(f"cannot install into {target}: {exc}") from None
    say(f"installed {', '.join(built)} in {target} ({time.monotonic() - start:.0f} s)")
    return target


def _run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise InstallError(f"{what} failed ({' '.join(command)}):\n" + "\n".join(output[-25:]))


def _check_lapack(gfortran: str, work: Path) -> None:
    """Link a one-line program against LAPACK, to fail early with a clear message."""
    probe = work / "probe"
    probe.mkdir()
    (probe / "probe.f90").write_text("program probe\nend program probe\n")
    try:
        _run([gfortran, "probe.f90", "-llapack", "-o", "probe"], probe, "linking with LAPACK")
    except InstallError:
        raise InstallError("LAPACK not found: MultiNest links against it (Debian/Ubuntu: sudo "
                           f"apt-get install liblapack-dev), then run {INSTALL_COMMAND}"
                           ) from None


def _download(work: Path, say: Callable[[str], None]) -> Path:
    """The ``cosmosis`` sdist, fetched by pip into ``work``."""
    say(f"downloading the {SOURCE_REQUIREMENT} source distribution (it ships MultiNest's "
        f"Fortran source) with pip")
    folder = work / "download"
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
          ":all:", SOURCE_REQUIREMENT, "--dest", str(folder)], work,
         f"downloading {SOURCE_REQUIREMENT} with pip (is PyPI reachable? offline, pass "
         f"--source COSMOSIS-SDIST.tar.gz)")
    found = sorted(folder.glob("cosmosis-*.tar.gz"))
    if not found:
        raise InstallError(f"pip downloaded no cosmosis-*.tar.gz into {folder}")
    return found[0]


def _extract(sdist: Path, dest: Path) -> Path:
    """Only MultiNest's Fortran files, licence and README, flat into ``dest``."""
    wanted = {f"{name}.f90" for name in FORTRAN} | set(DOCUMENTS)
    dest.mkdir(parents=True)
    try:
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                folder, _, name = member.name.rpartition("/")
                if member.isfile() and name in wanted and f"{folder}/".endswith(SOURCE_FOLDER):
                    data = tar.extractfile(member)
                    assert data is not None
                    text = data.read()
                    (dest / name).write_bytes(_patch(text) if name.endswith(".f90") else text)
    except (OSError, tarfile.TarError) as exc:
        raise InstallError(f"cannot read {sdist}: {exc}") from None
    missing = sorted(wanted - {p.name for p in dest.iterdir()})
    if missing:
        raise InstallError(f"{sdist.name} does not hold MultiNest's source in {SOURCE_FOLDER} "
                           f"(missing {', '.join(missing)})")
    return dest


def _patch(source: bytes) -> bytes:
    """MultiNest ends the process with a bare ``stop`` (exit status 0) on errors such as
    inconsistent resume files; make those ``error stop`` so that the status says it failed."""
    return _BARE_STOP.sub(rb'\1error stop "MultiNest aborted: see its message above"\2', source)


def _mpi_flags(mpif90: str) -> list[str]:
    """-DMPI, and for gfortran >= 10 leniency towards mpif.h's untyped buffers."""
    flags = ["-DMPI"]
    result = subprocess.run([mpif90, "--version"], capture_output=True, text=True, check=False)
    if "GNU Fortran" in result.stdout:
        version = subprocess.run([mpif90, "-dumpversion"], capture_output=True, text=True,
                                 check=False).stdout
        match = re.match(r"(\d+)", version.strip())
        if match and int(match.group(1)) >= 10:
            flags.append("-fallow-argument-mismatch")
    return flags


def _build_all(jobs: dict[str, tuple[str, list[str]]], src: Path, work: Path) -> dict[str, Path]:
    """Build each library in its own folder, the libraries concurrently."""
    results: dict[str, Path] = {}
    errors: list[InstallError] = []

    def build(name: str, compiler: str, extra: list[str]) -> None:
        try:
            results[name] = _build(name, compiler, extra, src, work / name)
        except InstallError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(name, compiler, extra))
               for name, (compiler, extra) in jobs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return {name: results[name] for name in jobs}


def _build(name: str, compiler: str, extra: list[str], src: Path, folder: Path) -> Path:
    folder.mkdir()
    objects = []
    for stem in FORTRAN:
        _run([compiler, *FLAGS, *extra, "-c", str(src / f"{stem}.f90"), "-o", f"{stem}.o"],
             folder, f"compiling {stem}.f90 for {name}")
        objects.append(f"{stem}.o")
    # the soname is what pymultinest dlopens by name; -Bsymbolic-functions keeps the
    # library's calls inside itself even if the other build is loaded in the same process
    _run([compiler, "-shared", "-o", name, f"-Wl,-soname,{name}", "-Wl,-Bsymbolic-functions",
          *objects, "-llapack"], folder, f"linking {name}")
    return folder / name
