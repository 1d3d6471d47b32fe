"""Reading YAML run files: PyYAML's safe loader, plus where every key came from.

Mappings and lists are returned as `Mapping`/`Sequence` subclasses that remember
the file and line of each key or item, so that configuration errors can point
at the exact spot, also after ``include:`` merged several files.
"""

from __future__ import annotations

import re
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


#: YAML 1.2 floats: PyYAML (YAML 1.1) reads 1e-4 (no dot) as a string, a classic trap
_FLOAT_1_2 = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|"
                        r"^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


def _make_loader(filename: str) -> type[yaml.SafeLoader]:
    class MarkedLoader(yaml.SafeLoader):
        """SafeLoader whose constructors (added below, per file) record key locations."""

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
        loader.flatten_mapping(node)
        result = MarkedDict(origin=(filename, node.start_mark.line + 1))
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                raise ConfigError("mapping keys must be plain names", file=filename,
                                  line=key_node.start_mark.line + 1)
            key = str(key)
            result[key] = loader.construct_object(value_node, deep=True)
            result.marks[key] = (filename, key_node.start_mark.line + 1)
        return result

    def construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> MarkedList:
        result = MarkedList(origin=(filename, node.start_mark.line + 1))
        for item in node.value:
            result.append(loader.construct_object(item, deep=True))
            result.marks.append((filename, item.start_mark.line + 1))
        return result

    MarkedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_1_2, list("-+0123456789."))
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
    loader = _make_loader(name)(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_duplicate_keys(node, name, "")
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"not valid YAML: {exc.problem}", file=name,
                          line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()
    if data is None:
        data = MarkedDict(origin=(name, 1))
    if not isinstance(data, MarkedDict):
        raise ConfigError("the top level must be a mapping of keys such as 'parameters:'",
                          file=name, line=1)
    return data


def _check_duplicate_keys(node: yaml.Node, filename: str, path: str) -> None:
    """PyYAML keeps the last of two equal keys; a run file with one is a mistake."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                raise ConfigError(f"key '{key}' appears twice in one mapping", file=filename,
                                  line=key_node.start_mark.line + 1, key=child)
            seen.add(key)
            _check_duplicate_keys(value_node, filename, child)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicate_keys(item, filename, f"{path}[{i}]")


def _new_prior(path: str, base: MarkedDict, override: MarkedDict) -> bool:
    """A parameter entry that changes the kind of prior replaces the old entry whole: a
    uniform prior must not inherit a base file's gaussian 'mean' and 'sigma'."""
    return (path == "parameters" and "prior" in override
            and override["prior"] != base.get("prior"))


def merge(base: MarkedDict, override: MarkedDict, path: str = "") -> MarkedDict:
    """Deep-merge two mappings: keys of ``override`` win; nested mappings merge (but see
    `_new_prior`); lists replace."""
    out = MarkedDict(base, origin=override.origin)
    out.marks = dict(base.marks)
    for key, value in override.items():
        old = out.get(key)
        if (isinstance(value, MarkedDict) and isinstance(old, MarkedDict)
                and not _new_prior(path, old, value)):
            out[key] = merge(old, value, f"{path}.{key}" if path else key)
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
        target = path.parent / name
        if target.resolve() in (*_stack, real):
            chain = " -> ".join(str(p) for p in (*_stack, real, target.resolve()))
            raise ConfigError(f"include cycle: {chain}", file=file, line=line, key="include")
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
