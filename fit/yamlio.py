"""Reading YAML run files: PyYAML's safe loader, plus where every key came from.

Mappings and lists are returned as `Mapping`/`Sequence` subclasses that remember
the file and line of each key or item, so that configuration errors can point
at the exact spot, also after ``include:`` merged several files.

Hostile input is refused with a one-line error before it is built: more than
`MAX_VALUES` values once aliases are expanded (alias bombs, ``<<`` merge
bombs), nesting deeper than `MAX_NESTING`, an alias inside the node it names,
bytes that are not UTF-8 text or characters YAML forbids (a NUL byte).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

#: most values a file may hold once its aliases are expanded, and deepest nesting
MAX_VALUES, MAX_NESTING = 100_000, 100


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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    data = _load_text(text, name, "")
    if data is None:
        data = MarkedDict(origin=(name, 1))
    if not isinstance(data, MarkedDict):
        raise ConfigError("the top level must be a mapping of keys such as 'parameters:'",
                          file=name, line=1)
    return data


def _load_text(text: str, name: str, key: str) -> Any:
    """YAML text to marked data, checked by `_check_structure` before it is built; every
    problem is a `ConfigError` located in ``name`` (a file, or ``--set``) at ``key``."""
    try:
        loader = _make_loader(name)(text)   # the reader checks the characters here
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError(f"not valid YAML: character {chr(exc.character)!r} is not allowed",
                          file=name, line=line, key=key or None) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_structure(node, name, key)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"not valid YAML: {exc.problem}", file=name,
                          line=mark.line + 1 if mark else None, key=key or None) from None
    except RecursionError:
        raise ConfigError(f"not valid YAML: nested more than {MAX_NESTING} levels deep",
                          file=name, key=key or None) from None
    finally:
        loader.dispose()


def _check_structure(root: yaml.Node, filename: str, path: str) -> None:
    """One pass over the composed document, each node once (aliases make a graph, not a
    tree): refuse two equal keys in one mapping (PyYAML keeps the last; a run file with
    one is a mistake), an alias inside the node it names, nesting deeper than
    `MAX_NESTING`, and more than `MAX_VALUES` values once aliases are expanded."""
    size: dict[int, int] = {}         # values below a node, aliases expanded
    open_nodes: set[int] = set()      # the nodes on the path from the root
    stack: list[tuple[yaml.Node, str, int, bool]] = [(root, path, 1, False)]
    while stack:
        node, where, depth, leaving = stack.pop()
        line = node.start_mark.line + 1
        if leaving:
            open_nodes.discard(id(node))
            size[id(node)] = 1 + sum(size[id(child)] for child in _children(node))
            if size[id(node)] > MAX_VALUES:   # located at the entry of the top mapping
                top = where.split(".")[0].split("[")[0] if where else None
                raise ConfigError(f"expands to more than {MAX_VALUES} values through aliases "
                                  f"(*name repeats what &name marks); a run file needs far "
                                  f"fewer", file=filename, line=line, key=top)
            continue
        if id(node) in size:
            continue
        if id(node) in open_nodes:
            raise ConfigError("an alias (*name) refers to a node that contains it",
                              file=filename, line=line, key=where or None)
        if depth > MAX_NESTING:
            raise ConfigError(f"nested more than {MAX_NESTING} levels deep", file=filename,
                              line=line, key=where[:40] + "..." if len(where) > 40 else where)
        open_nodes.add(id(node))
        stack.append((node, where, depth, True))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = f"{where}.{key}" if where else key
                if key in seen:
                    raise ConfigError(f"key '{key}' appears twice in one mapping",
                                      file=filename, line=key_node.start_mark.line + 1,
                                      key=child)
                seen.add(key)
                stack += [(key_node, child, depth + 1, False),
                          (value_node, child, depth + 1, False)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, f"{where}[{i}]", depth + 1, False)
                      for i, item in enumerate(node.value)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _is_parameter(path: str) -> bool:
    return path.startswith("parameters.") and path.count(".") == 1


def _marked(values: dict[str, Any], mark: tuple[str, int]) -> MarkedDict:
    out = MarkedDict(values, origin=mark)
    out.marks = dict.fromkeys(values, mark)
    return out


def expanded(path: str, value: Any, mark: tuple[str, int]) -> Any:
    """A shorthand entry in its mapping form, so that a mapping can merge onto it: the
    sampler ``NAME`` is ``{name: NAME}``; a parameter ``[low, high]`` is ``{prior: uniform,
    range: [low, high]}`` and a number ``{prior: fixed, value: x}``. Anything else as is."""
    if path == "sampler" and isinstance(value, str):
        return _marked({"name": value}, mark)
    if _is_parameter(path) and isinstance(value, list):
        return _marked({"prior": "uniform", "range": value}, mark)
    if _is_parameter(path) and isinstance(value, int | float) and not isinstance(value, bool):
        return _marked({"prior": "fixed", "value": value}, mark)
    return value


def prior_kind(entry: MarkedDict) -> Any:
    """The kind of prior of a parameter entry, also where it is implied by ``expr:`` or
    ``value:`` (as the run file's reader infers it)."""
    if "prior" in entry:
        return entry["prior"]
    return "derived" if "expr" in entry else "fixed" if "value" in entry else None


def _replaces(path: str, old: MarkedDict, new: MarkedDict) -> bool:
    """Whether ``new`` replaces ``old`` whole instead of merging onto it: a parameter entry
    naming another kind of prior (a uniform prior must not inherit a Gaussian's ``mean``),
    and a sampler entry naming another sampler (dynesty must not inherit random's
    ``n_points``)."""
    if _is_parameter(path):
        return "prior" in new and new["prior"] != prior_kind(old)
    if path == "sampler":
        return "name" in new and new["name"] != old.get("name")
    return False


def merge(base: MarkedDict, override: MarkedDict, path: str = "") -> MarkedDict:
    """Deep-merge two mappings: keys of ``override`` win; nested mappings merge (but see
    `_replaces`; shorthand entries are `expanded` first); lists replace."""
    out = MarkedDict(base, origin=override.origin)
    out.marks = dict(base.marks)
    for key, value in override.items():
        child = f"{path}.{key}" if path else key
        old = out.get(key)
        if key in base:
            value = expanded(child, value, override.mark(key))
            if isinstance(value, MarkedDict):
                old = expanded(child, old, base.mark(key))
        if (isinstance(value, MarkedDict) and isinstance(old, MarkedDict)
                and not _replaces(child, old, value)):
            out[key] = merge(old, value, child)
        else:
            out[key] = value
        out.marks[key] = override.mark(key)
    return out


def parse_value(text: str, label: str, key: str) -> Any:
    """A value given on the command line, read as YAML (``[2, 10]``, ``1e-4``, ``{a: 1}``);
    its mappings and lists are marked as coming from ``label`` (e.g. ``--set``)."""
    return _load_text(text, label, key)


def set_value(data: MarkedDict, keys: list[str], value: Any, label: str) -> MarkedDict:
    """``data`` with ``value`` at the dotted path ``keys``, merged as an including file that
    held only that value would be (`merge`); mappings on the way are created where missing.
    The keys on the path are marked ``label``: an error about a mapping the override
    changed (a missing option, options that do not fit together) names the override."""
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        path = ".".join(keys[:depth + 1])
        child = node.get(key) if isinstance(node, MarkedDict) else None
        child = expanded(path, child, node.mark(key)) if child is not None else None
        if child is not None and not isinstance(child, MarkedDict):
            raise ConfigError(f"'{path}' is {plain(child)!r} in the run file, not a mapping; "
                              f"set it whole: --set {path}=...", file=label, key=".".join(keys))
        node = child
    patch: Any = value
    for key in reversed(keys):
        patch = _marked({key: patch}, (label, 0))
    return merge(data, patch)


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
