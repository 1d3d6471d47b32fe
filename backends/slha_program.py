"""Generic backend: run an external program that reads an SLHA input and writes SLHA output.

Design
------
The framework gives each provider one capability, but one run of a spectrum or
dark-matter code yields many numbers. So the work is split in two layers:

1. ``slha_program`` (class `SLHAProgram`, per point) provides ``slha_output``:
   one `SLHAOutput` per point (the parsed ``pyslha.Doc``, the raw text and the
   SPINFO messages). It fills the input from a template, runs the program and
   parses its output; all failures become `InvalidPoint` for that point only.
2. Small extractors read that document: ``slha_values`` (class `SLHAValues`)
   maps YAML-configured ``name: [BLOCK, index...]`` entries to one mapping of
   floats (written to the HDF5 file as ``observables/slha_values/<name>``);
   `slha_entry_provider` registers, from a user module, a provider of a named
   capability (e.g. ``omega_h2``) read from one entry; the NMSSMTools
   wrapper (``backends/nmssmtools.py``) has one extractor per physics
   capability of ``docs/capabilities.md``.

Each capability is computed once per point, so the program runs once per
point however many extractors read its output. A second program in the same
run is a subclass registered under another capability (as NMSSMTools is, under
``nmssmtools_output``); extractors take the capability they read as the
option ``source``.

Process control: each process (MPI rank, forked worker) has its own scratch
directory, on tmpfs (``/dev/shm``) where available, created on first use and
emptied before every point; the program runs there without a shell
(``subprocess`` with an argument list) in a new session, and a hard timeout
kills its whole process group and every process that carries its
``FIT_CHILD`` environment marker (`fit.children`: also those that called
``setsid``). When the run dies, even by SIGKILL, its guardian process kills
what the programs left running and removes the scratch directory. A scratch
directory holds a lock file locked by its process while it lives; directories
whose lock is free (their process died) are removed when the next process
makes its own. The input is filled with `string.Template` (``${name}``
placeholders: the parameters, the options ``values``, and
``${input}``/``${output}``, the file names); nothing is evaluated.

Invalid-point codes: ``backend_failure`` (non-zero exit or killed by a signal;
reason: the stderr tail), ``timeout``, ``backend_output`` (output missing, not
SLHA, or lacking a needed entry), ``spinfo_error`` (SPINFO entry 4, or the
entries in ``error_entries``; reason: their text), ``spinfo_warning`` (a SPINFO
3 message matching ``veto_warnings``). A missing executable or template is a
configuration error at start-up, naming the option to set.

SLHA: Skands et al., hep-ph/0311123 (SLHA1); Allanach et al., arXiv:0801.0045
(SLHA2). Parsing by pyslha (Buckley, arXiv:1305.4194) after dropping lines it
cannot read and writing Fortran exponents (``1.25D+02``) as ``1.25E+02`` (see
`clean_slha`). A file whose last line has no end (cut short while written, e.g.
``25 1.2345E+0``) is not read at all; an entry that is not a finite number
(``1.0E+99999``, ``NaN``, ``1.2.3``) or that lies in a block written twice
invalidates the point that reads it (``backend_output``, with the line).
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from fit import InvalidPoint, provider
from fit.children import children, kill_marked
from fit.errors import FitError

#: environment variables by which MPI launchers give the rank of a process
RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID")

#: characters of a program's stderr/stdout kept in the reason of an invalid point
TAIL_CHARS = 400
#: the lock file of a scratch directory, held by its process while it lives
OWNER = ".owner"


@dataclass
class SLHAOutput:
    """One program run: the parsed document, its text and the SPINFO messages by entry."""

    doc: Any                                     # pyslha.Doc
    text: str = ""
    spinfo: dict[int, list[str]] = field(default_factory=dict)
    program: str = ""
    #: sections written more than once ('MASS', 'DECAY 25') -> their header lines (1-based)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """SPINFO entry 3 messages (for NMSSMTools: violated constraints)."""
        return self.spinfo.get(3, [])

    @property
    def errors(self) -> list[str]:
        """SPINFO entry 4 messages (the program could not compute the point)."""
        return self.spinfo.get(4, [])


# ---------------------------------------------------------------- SLHA text handling

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?"
_INT = r"[-+]?\d+"
_DECAY_HEADER = re.compile(rf"^DECAY\s+{_INT}\s+({_NUM}|NAN)\b", re.I)
_DECAY_LINE = re.compile(rf"^\s*({_NUM}|NAN)\s+\d+(\s+{_INT})+\s*$", re.I)
_XSEC_HEADER = re.compile(rf"^XSECTION\s+{_NUM}\s+{_INT}\s+{_INT}\s+\d+(\s+{_INT})+\s*$", re.I)
_XSEC_LINE = re.compile(rf"^\s*{_INT}\s+{_INT}\s+{_INT}\s+{_NUM}\s+{_NUM}\s+{_INT}\s+{_NUM}"
                        r"(\s+\S+){0,2}\s*$")
_BLOCK_HEADER = re.compile(r"^BLOCK\s+(\w+)", re.I)
_DECAY_PDG = re.compile(rf"^DECAY\s+({_INT})\b", re.I)
#: a number with a Fortran exponent (1.25D+02), as a whole token
_FORTRAN_NUMBER = re.compile(r"(?<![^\s])([-+]?(?:\d+\.?\d*|\.\d+))[dD]([-+]?\d+)(?![^\s])")
_COMMENTED_BLOCK = re.compile(r"^#\s*BLOCK\s+\w+", re.I)
_INFO_BLOCKS = ("SPINFO", "DCINFO")


def clean_slha(text: str) -> str:
    """The SLHA text without the lines pyslha cannot read.

    Kept: BLOCK, DECAY and XSECTION sections and their well-formed data lines.
    Dropped: comments; unknown sections (e.g. text appended by other tools);
    DECAY/XSECTION lines that are not numbers; one-token lines in SPINFO and
    DCINFO (NMSSMTools writes ``3  # message``; the messages are read from the
    raw text by `spinfo_messages`); and data lines after a commented-out block
    header (NMSSMTools writes ``# BLOCK FINETUNING`` followed by indented
    entries, which would otherwise land in the block before). Numbers written
    with a Fortran exponent (``1.25D+02``) are rewritten with ``E``.
    """
    kept: list[str] = []
    section: str | None = None
    block = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if _COMMENTED_BLOCK.match(stripped):
                section = None
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():                       # a section header
            head = line.strip()
            match = _BLOCK_HEADER.match(head)
            if match:
                section, block = "block", match.group(1).upper()
            elif _DECAY_HEADER.match(head):
                section = "decay"
            elif _XSEC_HEADER.match(head):
                section = "xsection"
            else:
                section = None
                continue
            kept.append(_FORTRAN_NUMBER.sub(r"\1E\2", head))
            continue
        if section == "block":
            if block in _INFO_BLOCKS and len(line.split()) < 2:
                continue
            kept.append(_FORTRAN_NUMBER.sub(r"\1E\2", line))
        elif (section == "decay" and _DECAY_LINE.match(line)) or (
                section == "xsection" and _XSEC_LINE.match(line)):
            kept.append(_FORTRAN_NUMBER.sub(r"\1E\2", line))
    return "\n".join(kept) + "\n"


def section_lines(text: str) -> dict[str, list[int]]:
    """Header lines (1-based) of each BLOCK (by name) and DECAY (``'DECAY <pdg>'``) section
    of the raw SLHA text (commented-out headers are not sections)."""
    found: dict[str, list[int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw[0].isspace() or raw.startswith("#"):
            continue
        head = raw.split("#", 1)[0].strip()
        block, decay = _BLOCK_HEADER.match(head), _DECAY_PDG.match(head)
        name = block.group(1).upper() if block else f"DECAY {int(decay.group(1))}" \
            if decay else None
        if name is not None:
            found.setdefault(name, []).append(number)
    return found


def source_line(text: str, block: str, key: tuple[int, ...]) -> str:
    """``" (line N: '...')"`` for the line of ``block`` (or ``'DECAY <pdg>'``) with index
    ``key`` in the raw SLHA text, or ``""`` if there is none (for messages)."""
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        data = raw.split("#", 1)[0]
        if not raw[0].isspace():
            head = data.strip()
            if block.startswith("DECAY "):
                match = _DECAY_PDG.match(head)
                if match and f"DECAY {int(match.group(1))}" == block:
                    return f" (line {number}: '{raw.strip()}')"
                continue
            match = _BLOCK_HEADER.match(head)
            inside = bool(match) and match.group(1).upper() == block
            continue
        index = data.split()[:len(key)]
        if inside and len(data.split()) > len(key) and all(
                i.lstrip("+-").isdigit() and int(i) == k for i, k in zip(index, key, strict=True)):
            return f" (line {number}: '{raw.strip()}')"
    return ""


def spinfo_messages(text: str) -> dict[int, list[str]]:
    """SPINFO entries by index from the raw SLHA text: ``{3: [warnings], 4: [errors]}``.

    The message is what follows the index, a leading ``#`` removed (NMSSMTools
    writes ``3   # Landau Pole below MGUT``). Commented-out lines are ignored.
    """
    messages: dict[int, list[str]] = {}
    inside = False
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            inside = bool(re.match(r"BLOCK\s+SPINFO\b", raw.strip(), re.I))
            continue
        if inside:
            match = re.match(r"\s+(\d+)\s*(.*)$", raw)
            if match:
                message = match.group(2).strip().lstrip("#").strip()
                messages.setdefault(int(match.group(1)), []).append(message)
    return messages


def block_comments(text: str, block: str) -> dict[tuple[int, ...], tuple[float, str]]:
    """Entries of one block with their comments: ``{(index...): (value, comment)}``.

    For entries whose meaning is written only in the comment (NMSSMTools LOWEN
    numbers the direct-detection entries differently across versions).
    """
    entries: dict[tuple[int, ...], tuple[float, str]] = {}
    inside = False
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            match = _BLOCK_HEADER.match(raw.strip())
            inside = bool(match) and match.group(1).upper() == block.upper()
            continue
        if inside:
            data, _, comment = raw.partition("#")
            items = data.split()
            try:
                key = tuple(int(i) for i in items[:-1])
                value = float(items[-1].replace("D", "E").replace("d", "e"))
            except (ValueError, IndexError):
                continue
            entries[key] = (value, comment.strip())
    return entries


def parse_slha(text: str, program: str = "") -> SLHAOutput:
    """Parse SLHA text into an `SLHAOutput`; ``ValueError`` if it holds no SLHA block or its
    last line has no end (a file cut short while it was written)."""
    import pyslha

    last = text.rsplit("\n", 1)[-1]
    if last.strip() and not last.lstrip().startswith("#"):
        raise ValueError(f"ends in the middle of line {text.count(chr(10)) + 1} "
                         f"('{last.strip()[:60]}'): cut short while it was written")
    try:
        doc = pyslha.readSLHA(clean_slha(text), ignorenomass=True)
    except (pyslha.ParseError, pyslha.AccessError, ValueError, AssertionError) as exc:
        raise ValueError(f"not readable as SLHA: {exc}") from None
    if not doc.blocks:
        raise ValueError("no SLHA block found")
    duplicates = {name: lines for name, lines in section_lines(text).items() if len(lines) > 1}
    return SLHAOutput(doc=doc, text=text, spinfo=spinfo_messages(text), program=program,
                      duplicates=duplicates)


def as_output(value: Any) -> SLHAOutput:
    """An `SLHAOutput` from an `SLHAOutput`, a ``pyslha.Doc`` or SLHA text."""
    if isinstance(value, SLHAOutput):
        return value
    if isinstance(value, str):
        return parse_slha(value)
    if hasattr(value, "blocks"):
        return SLHAOutput(doc=value)
    raise TypeError(f"expected an SLHA document, got {type(value).__name__}")


def entry(out: SLHAOutput, block: str, *key: int, what: str = "") -> float:
    """One number of an SLHA document; ``InvalidPoint('backend_output')`` if it is absent,
    not a finite number, or in a section the document holds twice.

    ``block`` ``DECAY`` gives the total width of the particle ``key[0]``.
    """
    doc, name = out.doc, block.upper()
    label = f"{name} {' '.join(str(k) for k in key)}".strip()
    for_what = f" ({what})" if what else ""
    source = out.program or "the SLHA document"
    section = f"DECAY {key[0]}" if name == "DECAY" and key else name
    if section in out.duplicates:
        lines = out.duplicates[section]
        raise InvalidPoint("backend_output",
                           f"{source} writes {section} {len(lines)} times (lines "
                           f"{', '.join(map(str, lines))}): {label}{for_what} is ambiguous")
    try:
        if name == "DECAY":
            value = doc.decays[key[0]].totalwidth
        else:
            value = doc.blocks[name][key if len(key) > 1 else key[0]] if key \
                else doc.blocks[name].value()
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise InvalidPoint("backend_output",
                           f"{source} has no entry {label}{for_what}") from None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InvalidPoint("backend_output",
                           f"{source}: {label}{for_what} is {value!r}, not a finite number"
                           f"{source_line(out.text, section, key if name != 'DECAY' else ())}")
    return number


def tail(text: str, n: int = TAIL_CHARS) -> str:
    """The last ``n`` characters of a program's output, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= n else "..." + text[-n:]


# ---------------------------------------------------------------- scratch directories

def process_rank() -> int | None:
    """MPI rank from the launcher's environment (None outside MPI)."""
    for name in RANK_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return None


def scratch_base(preferred: str | None = None) -> Path:
    """Where scratch directories go: ``preferred``, else /dev/shm (tmpfs), else the temp dir."""
    if preferred:
        return Path(preferred).expanduser()
    shm = Path("/dev/shm")  # noqa: S108 - tmpfs on purpose; names come from mkdtemp
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


def _remove(path: Path, pid: int) -> None:
    if os.getpid() == pid:  # forked children must not remove their parent's directory
        shutil.rmtree(path, ignore_errors=True)


def make_scratch(parent: Path, name: str) -> tuple[Path, int]:
    """A new scratch directory ``parent/<name>-<random>`` and the descriptor of its lock,
    held from before the directory gets its name (so that `remove_stale_scratch` of
    another process never sees it unlocked). Keep the descriptor open while in use."""
    parent.mkdir(parents=True, exist_ok=True)
    making = Path(tempfile.mkdtemp(prefix=".fit-new-", dir=parent))
    fd = os.open(making / OWNER, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    final = parent / f"{name}-{making.name.removeprefix('.fit-new-')}"
    os.rename(making, final)
    return final, fd


def remove_stale_scratch(parent: Path) -> list[Path]:
    """Remove the scratch directories under ``parent`` whose process died (their lock is
    free); returns them. Directories of live processes, and anything not made by
    `make_scratch`, are left alone."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    removed = []
    for directory in entries:
        if not directory.name.startswith(("fit-", ".fit-new-")) or \
                not (directory / OWNER).is_file():
            continue
        try:
            fd = os.open(directory / OWNER, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:   # held: its process lives
            os.close(fd)
            continue
        shutil.rmtree(directory, ignore_errors=True)
        os.close(fd)
        removed.append(directory)
    return removed


# ---------------------------------------------------------------- the program runner

def _number(value: Any, spec: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format(float(value), spec)


def resolve_executable(program: str) -> str | None:
    """Absolute path of an executable given as a path or a name on PATH, else None."""
    path = Path(program).expanduser()
    if os.sep in program or path.is_file():
        path = path.resolve()
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(program)


class SLHAProgram:
    """Runs a program on an SLHA input filled from a template; gives the parsed SLHA output.

    Options: ``command`` (argument list or a string split like a shell would,
    without running one; may contain ``${input}`` and ``${output}``);
    ``template`` (file of the input, ``${parameter}`` placeholders; a relative
    path is taken from the directory of the YAML file that gives it) or ``template_text``;
    ``input_from`` (a capability holding an SLHA document to write as the
    input instead of a template); ``input_file`` and
    ``output_file`` (names in the scratch directory; ``output_file: stdout``
    reads the program's standard output); ``stdin`` (template of what to write
    to its standard input, e.g. ``"${input}\\n"``); ``timeout`` [s];
    ``env`` (extra environment variables); ``values`` (extra fixed
    substitutions); ``number_format`` (Python format spec for numbers);
    ``error_entries`` (SPINFO entries that invalidate the point, default [4]);
    ``veto_warnings`` (substrings of SPINFO 3 messages that invalidate the
    point; ``""`` matches all); ``scratch_dir`` (parent of the scratch
    directories; default /dev/shm where writable); ``keep_scratch``.
    """

    #: the capability this class provides (named in configuration errors)
    capability = "slha_output"
    #: the program's name in reasons and error messages
    label = "SLHA program"

    def __init__(self, *, command: list | str, template: Path | None = None,
                 template_text: str | None = None, input_from: str | None = None,
                 input_file: str = "input.slha", output_file: str = "output.slha",
                 stdin: str | None = None, timeout: float = 60.0, env: dict | None = None,
                 values: dict | None = None, number_format: str = ".10E",
                 error_entries: list | None = None, veto_warnings: list | None = None,
                 scratch_dir: str | None = None, keep_scratch: bool = False):
        self.command = self._command(command)
        if sum(x is not None for x in (template, template_text, input_from)) != 1:
            raise ValueError(f"give exactly one of the options 'template' (a file), "
                             f"'template_text' or 'input_from' (a capability) for the "
                             f"{self.label} input")
        if template is not None:
            path = Path(template).expanduser()
            if not path.is_file():
                raise ValueError(f"input template '{template}' not found (looked for "
                                 f"{path.resolve()}); set the option 'template' to the file")
            template_text = path.read_text()
        self.template = Template(template_text) if template_text is not None else None
        self.input_from = input_from
        self.needs = (input_from,) if input_from else ("params",)
        for name, option in (("input_file", input_file), ("output_file", output_file)):
            if not option or os.sep in option or option in (".", ".."):
                raise ValueError(f"option '{name}' must be a plain file name, got {option!r}")
        self.input_file, self.output_file = input_file, output_file
        self.stdin = Template(stdin) if stdin is not None else None
        if timeout <= 0:
            raise ValueError(f"option 'timeout' must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.env = {str(k): str(v) for k, v in (env or {}).items()}
        self.values = dict(values or {})
        try:
            format(1.0, number_format)
        except ValueError:
            raise ValueError(f"option 'number_format' {number_format!r} is not a Python "
                             f"format spec such as '.10E'") from None
        self.number_format = number_format
        self.error_entries = [int(e) for e in (error_entries if error_entries is not None
                                               else [4])]
        self.veto_warnings = [str(w).lower() for w in (veto_warnings or [])]
        self.scratch_parent = scratch_base(scratch_dir)
        self.keep_scratch = keep_scratch
        self._workdir: Path | None = None
        self._owner = -1   # descriptor of the scratch directory's lock
        self._pid = -1

    # -- set-up -------------------------------------------------------------------

    def _command(self, command: list | str) -> list[str]:
        args = shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
        if not args:
            raise ValueError(f"option 'command' is empty; set it to the {self.label} "
                             f"executable (rules: {self.capability}: options: command: ...)")
        exe = resolve_executable(args[0])
        if exe is None:
            raise ValueError(f"{self.label} executable '{args[0]}' not found (not an "
                             f"executable file, not on PATH); set the option 'command' "
                             f"(rules: {self.capability}: options: command: "
                             f"[/path/to/program, ...])")
        return [exe, *args[1:]]

    @property
    def workdir(self) -> Path:
        """This process's scratch directory (made on first use, and again after a fork);
        scratch directories left by dead processes are removed first."""
        if self._workdir is None or self._pid != os.getpid():
            self._pid = os.getpid()
            rank = process_rank()
            tag = f"rank{rank}-" if rank is not None else ""
            remove_stale_scratch(self.scratch_parent)
            self._workdir, self._owner = make_scratch(
                self.scratch_parent, f"fit-{self.capability}-{tag}pid{self._pid}")
            if not self.keep_scratch:  # at interpreter exit, and at the exit of a
                # multiprocessing worker (which skips atexit); should the process be
                # killed, its guardian removes it
                from multiprocessing import util

                util.Finalize(None, _remove, args=(self._workdir, self._pid), exitpriority=0)
                children().watch_directory(self._workdir)
        return self._workdir

    # -- one point ----------------------------------------------------------------

    def substitutions(self, params: Mapping[str, Any]) -> dict[str, str]:
        """Placeholder values: ``values``, the parameters, and the file names."""
        subs = {k: _number(v, self.number_format) for k, v in self.values.items()}
        subs.update({k: _number(v, self.number_format) for k, v in params.items()})
        subs.update(input=self.input_file, output=self.output_file)
        return subs

    def fill(self, params: Mapping[str, Any]) -> str:
        """The input text for one point."""
        assert self.template is not None
        subs = self.substitutions(params)
        try:
            return self.template.substitute(subs)
        except KeyError as exc:
            raise FitError(f"{self.label} input template: placeholder ${{{exc.args[0]}}} is "
                           f"neither a parameter nor in the option 'values'; known: "
                           f"{', '.join(sorted(subs))}") from None
        except ValueError as exc:
            raise FitError(f"{self.label} input template: {exc} (write a literal $ as $$)"
                           ) from None

    def input_text(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """The input file's text and the substitutions for command and stdin."""
        if self.input_from is None:
            params = inputs["params"]
            return self.fill(params), self.substitutions(params)
        import pyslha

        value = inputs[self.input_from]
        if isinstance(value, SLHAOutput):
            text = value.text or pyslha.writeSLHA(value.doc, precision=12)
        elif isinstance(value, str):
            text = value
        else:
            text = pyslha.writeSLHA(value, precision=12)
        return text, self.substitutions({})

    def __call__(self, **inputs: Any) -> SLHAOutput:
        text, subs = self.input_text(inputs)
        work = self.workdir
        self._clear(work)
        (work / self.input_file).write_text(text)
        stdout, stderr = self.run(work, subs)
        if self.output_file == "stdout":
            output = stdout
        else:
            path = work / self.output_file
            if not path.is_file():
                raise InvalidPoint("backend_output",
                                   f"{self.label} wrote no output file '{self.output_file}'"
                                   f"{self._said(stderr, stdout)}")
            output = path.read_text(errors="replace")
        try:
            result = parse_slha(output, program=self.label)
        except ValueError as exc:
            raise InvalidPoint("backend_output", f"{self.label} output '{self.output_file}' "
                                                 f"{exc}{self._said(stderr, stdout)}") from None
        self.check(result)
        return result

    def check(self, result: SLHAOutput) -> None:
        """Invalidate the point on SPINFO errors and vetoed warnings."""
        errors = [m or f"SPINFO entry {e}" for e in self.error_entries
                  for m in result.spinfo.get(e, [])]
        if errors:
            raise InvalidPoint("spinfo_error", f"{self.label}: {'; '.join(errors)}")
        vetoed = [w for w in result.warnings
                  if any(pattern in w.lower() for pattern in self.veto_warnings)]
        if vetoed:
            raise InvalidPoint("spinfo_warning", f"{self.label}: {'; '.join(vetoed)}")

    def run(self, work: Path, subs: Mapping[str, str]) -> tuple[str, str]:
        """Run the command in ``work``; returns (stdout, stderr) or raises `InvalidPoint`."""
        args = [Template(a).safe_substitute(subs) for a in self.command]
        stdin = self.stdin.safe_substitute(subs).encode() if self.stdin else None
        marker = children().environment()
        env = {**os.environ, **self.env, **marker}
        out_path, err_path = work / ".stdout", work / ".stderr"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                proc = subprocess.Popen(args, cwd=work, env=env, stdout=out, stderr=err,
                                        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                        start_new_session=True)
            except OSError as exc:
                raise InvalidPoint("backend_failure",
                                   f"{self.label} could not be started: {exc}") from None
            try:
                proc.communicate(input=stdin, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self._kill_all(proc, marker)
                raise InvalidPoint(
                    "timeout", f"{self.label} did not finish in {self.timeout:g} s and was "
                               f"killed{self._said(self._read(err_path), self._read(out_path))}"
                ) from None
            finally:
                if proc.returncode is None:   # e.g. KeyboardInterrupt during the wait
                    self._kill_all(proc, marker)
            self._kill_group(proc)            # children it left in its group
        stdout, stderr = self._read(out_path), self._read(err_path)
        if proc.returncode != 0:
            status = (f"was killed by signal {signal.Signals(-proc.returncode).name}"
                      if proc.returncode < 0 else f"exited with status {proc.returncode}")
            raise InvalidPoint("backend_failure",
                               f"{self.label} {status}{self._said(stderr, stdout)}")
        return stdout, stderr

    # -- helpers ------------------------------------------------------------------

    @classmethod
    def _kill_all(cls, proc: subprocess.Popen, marker: dict[str, str]) -> None:
        """Kill the program, its process group and every process with its marker."""
        cls._kill_group(proc)
        kill_marked(next(iter(marker.values())))

    @staticmethod
    def _kill_group(proc: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    @staticmethod
    def _read(path: Path) -> str:
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""

    @staticmethod
    def _said(stderr: str, stdout: str) -> str:
        if stderr.strip():
            return f"; stderr: {tail(stderr)}"
        if stdout.strip():
            return f"; stdout: {tail(stdout)}"
        return ""

    @staticmethod
    def _clear(work: Path) -> None:
        for item in work.iterdir():
            if item.name == OWNER:
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item, ignore_errors=True)
            else:
                item.unlink(missing_ok=True)


provider("slha_output", name="slha_program",
         programs=("the executable of the option 'command'",))(SLHAProgram)


# ---------------------------------------------------------------- extractors

def _key(spec: Sequence[Any], name: str) -> tuple[str, tuple[int, ...]]:
    if (not isinstance(spec, list | tuple) or not spec or not isinstance(spec[0], str)
            or not all(isinstance(k, int) and not isinstance(k, bool) for k in spec[1:])):
        raise ValueError(f"entry '{name}' must be [BLOCK, index, ...] (e.g. [MASS, 25]), "
                         f"got {spec!r}")
    return spec[0].upper(), tuple(spec[1:])


@provider("slha_values", name="slha_values")
class SLHAValues:
    """Named numbers from an SLHA document: ``entries: {name: [BLOCK, index...]}``.

    ``[DECAY, pdg]`` gives a total width [GeV]. ``source`` is the capability
    holding the document (``slha_output``, ``nmssmtools_output``, ``slha``). A
    missing entry invalidates the point (code ``backend_output``).
    """

    def __init__(self, *, entries: dict, source: str = "slha_output"):
        if not entries:
            raise ValueError("option 'entries' is empty: give {name: [BLOCK, index, ...]}")
        self.entries = {str(n): _key(spec, str(n)) for n, spec in entries.items()}
        self.source = source
        self.needs = (source,)

    def __call__(self, **inputs: Any) -> dict[str, float]:
        out = as_output(inputs[self.source])
        return {name: entry(out, block, *key, what=name)
                for name, (block, key) in self.entries.items()}


def slha_entry_provider(capability: str, block: str, *key: int, source: str = "slha_output",
                        name: str | None = None, scale: float = 1.0) -> type:
    """Register a per-point provider of ``capability``: ``scale`` x ``block[key]`` of ``source``.

    For user modules, e.g. ``slha_entry_provider("omega_h2", "LOWEN", 10)``
    next to a run of a program through ``slha_program``.
    """
    label = f"{block.upper()} {' '.join(map(str, key))}"

    class Entry:
        __doc__ = f"{capability} = {scale:g} x {label} of '{source}'."
        needs: Iterable[str] = (source,)

        def __init__(self) -> None:
            self.needs = (source,)

        def __call__(self, **inputs: Any) -> float:
            return scale * entry(as_output(inputs[source]), block, *key, what=capability)

    Entry.__name__ = Entry.__qualname__ = name or f"slha_{capability}"
    provider(capability, name=name or f"slha_{capability}")(Entry)
    return Entry
