"""Typed options from YAML, bound to the keyword arguments of a Python callable.

Providers and samplers declare their options as keyword-only arguments with
defaults and type hints; this module checks what the YAML gives against them,
so documentation, defaults and validation live in one place.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from types import UnionType
from typing import Any

from .errors import ConfigError, one_of, suggest

_SIMPLE = {float: (int, float), int: (int,), str: (str,), bool: (bool,), list: (list,),
           dict: (dict,)}


def declared_options(target: Callable) -> dict[str, inspect.Parameter]:
    """Keyword-only parameters of a function, or of a class's ``__init__``."""
    func = target.__init__ if inspect.isclass(target) else target
    params = inspect.signature(func).parameters.values()
    return {p.name: p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _type_hints(target: Callable) -> dict[str, Any]:
    func = target.__init__ if inspect.isclass(target) else target
    try:
        return typing.get_type_hints(func)
    except (NameError, TypeError):
        return {}


def _accepts(hint: Any, value: Any) -> bool:
    """Whether a YAML value fits a simple type hint (unknown hints accept anything)."""
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return value in typing.get_args(hint) and not isinstance(value, bool)
    if origin in (typing.Union, UnionType):
        return any(_accepts(h, value) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    base = origin or hint
    if base is Path:
        return isinstance(value, str)
    if base in _SIMPLE:
        if isinstance(value, bool) and base is not bool:
            return False
        return isinstance(value, _SIMPLE[base])
    return True


def _non_finite(value: Any) -> bool:
    """Whether a YAML value is or holds NaN or an infinity (no option means either)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list | tuple):
        return any(_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return False


def _hint_name(hint: Any) -> str:
    if typing.get_origin(hint) is typing.Literal:
        return one_of(str(choice) for choice in typing.get_args(hint))
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def bind_options(target: Callable, options: Mapping[str, Any] | None, *, what: str,
                 where: tuple[str, int] = ("", 0), key: str = "",
                 complete: bool = True) -> dict[str, Any]:
    """Check YAML ``options`` against ``target``'s keyword-only arguments.

    Returns the options as keyword arguments. Unknown names, missing required
    options (unless ``complete`` is false: a part of the options, checked on its own)
    and wrong types raise `ConfigError` naming ``what`` and the key.
    """
    marks = getattr(options, "marks", {})  # (file, line) of each key, from the YAML reader
    options = dict(options or {})
    declared = declared_options(target)
    hints = _type_hints(target)
    file, line = where
    for name, value in options.items():
        option_file, option_line = marks.get(name, (file, line))
        located = {"file": option_file, "line": option_line,
                   "key": f"{key}.{name}" if key else name}
        if name not in declared:
            raise ConfigError(f"{what} has no option '{name}'{suggest(name, declared)}; "
                              f"valid options: {one_of(declared)}", **located)
        hint = hints.get(name)
        if hint is not None and not _accepts(hint, value):
            raise ConfigError(f"{what} option '{name}' expects {_hint_name(hint)}, got "
                              f"{type(value).__name__} {value!r}", **located)
        if _non_finite(value):
            raise ConfigError(f"{what} option '{name}' expects finite numbers, got "
                              f"{value!r}", **located)
    missing = [n for n, p in declared.items() if p.default is inspect.Parameter.empty
               and n not in options]
    if missing and complete:
        raise ConfigError(f"{what} needs option(s) {', '.join(missing)}", file=file, line=line,
                          key=key or None)
    yaml_dirs = {n: Path(marks.get(n, (file, line))[0] or ".").parent for n in options}
    return {n: _converted(hints.get(n), v, yaml_dirs[n]) for n, v in options.items()}


def _converted(hint: Any, value: Any, base: Path) -> Any:
    """An int where a float is expected becomes a float; a string where a `Path` is expected
    becomes a path relative to the YAML file that gave it (``~`` expanded)."""
    if hint is float and isinstance(value, int):
        return float(value)
    if isinstance(value, str) and _mentions_path(hint):
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    return value


def _mentions_path(hint: Any) -> bool:
    return hint is Path or any(_mentions_path(h) for h in typing.get_args(hint))


def describe_options(target: Callable) -> list[str]:
    """``name: type = default`` lines for documentation and ``--dry-run``."""
    hints = _type_hints(target)
    lines = []
    for name, p in declared_options(target).items():
        default = "required" if p.default is inspect.Parameter.empty else repr(p.default)
        hint = _hint_name(hints[name]) if name in hints else "any"
        lines.append(f"{name}: {hint} = {default}")
    return lines
