"""Reading YAML run files: PyYAML's safe loader, plus where every key came from.

Mappings and lists are returned as `Mapping`/`Sequence` subclasses that remember
the file and line of each key or item, so that configuration errors can point
at the exact spot, also after ``include:`` merged several files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


class MarkedDict(dict):
    """A dict that knows the (file, line) of itself and of each of its keys."""

    def __init__(self, *args: Any, origin: tuple[str, int] = ("", 0), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.origin = origin
        self.marks: dict[str, tuple[str, int]] = {}

    def mark(self, key: str) -> tuple[str, int]:
        return self.marks.get(key, self.origin)


class MarkedList(list):
    """A list that knows the (file, line) of itself and of each item."""

    def __init__(self, *args: Any, origin: tuple[str, int] = ("", 0)):
        super().__init__(*args)
        self.origin = origin
        self.marks: list[tuple[str, int]] = []

    def mark(self, index: int) -> tuple[str, int]:
        return self.marks[index] if index < len(self.marks) else self.origin


def _make_loader(filename: str) -> type[yaml.SafeLoader]:
    class MarkedLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
        loader.flatten_mapping(node)
        result = MarkedDict(origin=(filename, node.start_mark.line + 1))
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                raise ConfigError("mapping keys must be plain names", file=filename,
                                  line=key_node.start_mark.line + 1)
            key = str(key)
            if key in result:
                raise ConfigError(f"key '{key}' appears twice in one mapping", file=filename,
                                  line=key_node.start_mark.line + 1, key=key)
            result[key] = loader.construct_object(value_node, deep=True)
            result.marks[key] = (filename, key_node.start_mark.line + 1)
        return result

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> MarkedList:
        result = MarkedList(origin=(filename, node.start_mark.line + 1))
        for item in node.value:
            result.append(loader.construct_object(item, deep=True))
            result.marks.append((filename, item.start_mark.line + 1))
        return result

    MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                                 construct_sequence)
    return MarkedLoader


def load_file(path: str | Path) -> MarkedDict:
    """Load one YAML file (no includes) into a `MarkedDict`."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", file=name) from None
    try:
        data = yaml.load(text, Loader=_make_loader(name))  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"not valid YAML: {exc.problem}", file=name,
                          line=mark.line + 1 if mark else None) from None
    if data is None:
        data = MarkedDict(origin=(name, 1))
    if not isinstance(data, MarkedDict):
        raise ConfigError("the top level must be a mapping of keys such as 'parameters:'",
                          file=name, line=1)
    return data


def merge(base: MarkedDict, override: MarkedDict) -> MarkedDict:
    """Deep-merge two mappings: keys of ``override`` win; nested mappings merge; lists replace."""
    out = MarkedDict(base, origin=override.origin)
    out.marks = dict(base.marks)
    for key, value in override.items():
        if isinstance(value, MarkedDict) and isinstance(out.get(key), MarkedDict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
        out.marks[key] = override.mark(key)
    return out


def load_with_includes(path: str | Path, _stack: tuple[Path, ...] = ()) -> MarkedDict:
    """Load a run file and the files it includes, later keys overriding earlier ones.

    ``include:`` takes one path or a list of paths, relative to the including
    file. Included files are merged in order, then the including file on top.
    """
    path = Path(path).resolve() if _stack else Path(path)
    real = path.resolve()
    if real in _stack:
        chain = " -> ".join(str(p) for p in (*_stack, real))
        raise ConfigError(f"include cycle: {chain}", file=str(path))
    data = load_file(path)
    includes = data.pop("include", None)
    if includes is None:
        return data
    file, line = data.mark("include")
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ConfigError("expected a file name or a list of file names", file=file, line=line,
                          key="include")
    merged = MarkedDict(origin=data.origin)
    for name in includes:
        target = (path.parent / name)
        if not target.is_file():
            raise ConfigError(f"included file '{name}' not found (looked for {target})",
                              file=file, line=line, key="include")
        merged = merge(merged, load_with_includes(target, (*_stack, real)))
    return merge(merged, data)


def plain(value: Any) -> Any:
    """The same data as ordinary dicts and lists (for dumping and hashing)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
