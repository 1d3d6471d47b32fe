"""Exception types shared by the whole framework.

Two families: errors in what the user asked for (configuration, graph
resolution), which stop a run before it starts, and `InvalidPoint`, which
invalidates one parameter point and never stops a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class FitError(Exception):
    """Base class of every error the framework reports to the user."""


class ConfigError(FitError):
    """A problem in a YAML run file, located by file, line and key path.

    The message reads ``FILE:LINE: KEY: what was expected`` so that editors and
    terminals can jump to the spot.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None):
        self.file, self.line, self.key, self.detail = file, line, key, message
        super().__init__(f"{_location(file, line, key)}{message}")


#: the ``file`` of a value given on the command line rather than in a YAML file
COMMAND_LINE_SET, COMMAND_LINE_SAMPLER = "--set", "--sampler"


def _location(file: str | None, line: int | None, key: str | None) -> str:
    """``FILE:LINE: KEY: `` for YAML files; ``--set KEY: `` and ``--sampler: `` for values
    given on the command line (which have no line)."""
    if file == COMMAND_LINE_SET:
        return f"{file} {key}: " if key else f"{file}: "
    if file == COMMAND_LINE_SAMPLER:
        return f"{file}: "
    where = ""
    if file:
        where = f"{file}:{line}: " if line else f"{file}: "
    return f"{where}{key + ': ' if key else ''}"


class ResolutionError(FitError):
    """The dependency graph cannot be built: a capability is missing or ambiguous, or cyclic."""


class SamplerError(FitError):
    """A sampler cannot run with the options it was given."""


class OutputError(FitError):
    """The output file cannot be created, resumed or read."""


class RunInterrupted(FitError):  # noqa: N818 - a clean stop, not an error
    """The run stopped cleanly on SIGTERM/SIGINT; its output is complete and can be resumed."""


class InvalidPoint(Exception):  # noqa: N818 - the name is the concept physicists use
    """Raised by a provider when a parameter point has no physical meaning.

    ``code`` is a short machine-readable tag (``tachyon``, ``backend_failure``,
    ``timeout`` ...), ``reason`` a human-readable sentence. The point gets the
    configured floor log-likelihood, is still written with its code and reason,
    and the scan goes on.
    """

    def __init__(self, code: str, reason: str = ""):
        self.code, self.reason = code, reason or code
        super().__init__(f"{code}: {self.reason}")


def suggest(word: str, candidates: Iterable[str]) -> str:
    """A ``did you mean`` clause for an unknown name, or the empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def one_of(candidates: Iterable[str]) -> str:
    """``'a', 'b' or 'c'`` for error messages."""
    names = [f"'{c}'" for c in sorted(candidates)]
    if not names:
        return "(none available)"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
