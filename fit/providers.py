"""Providers: functions that compute one capability from other capabilities.

A provider is a plain function (or a small class) registered with the
`provider` decorator. Its positional arguments name the capabilities it needs
(a parameter name, another capability, or ``params`` for all parameters as a
dict); its keyword-only arguments are its options, set from the YAML. A class
provider takes its options in ``__init__`` and may then set ``self.needs``
(e.g. a likelihood whose parameters are an option) and is called like a
function.

``vectorised=True`` means the function takes and returns arrays whose first
axis runs over points; otherwise the framework calls it once per point.
Likelihood terms are providers of kind ``likelihood``: they return log L.

A provider may declare how its outputs are labelled in figures: ``labels=`` takes a
``(latex, unit)`` pair for a capability that is one number per point, or a mapping
``key -> (latex, unit)`` for a capability that is a mapping of arrays (``'mh1'``, or
``'key/subkey'`` for nested mappings). The LaTeX is written without dollar signs, the
unit as plain text (``'GeV'``, ``'pb'``) or mathtext (``'ps$^{-1}$'``); a run records the
labels of the providers it uses (`observable_labels`).

Provider modules keep imports of heavy or external packages inside their
functions, so that resolving the graph (``--dry-run``) imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, FitError
from .options import bind_options, describe_options

#: packages whose modules are imported to find the built-in providers
BUILTIN_PACKAGES = ("likelihoods", "backends")


@dataclass(frozen=True)
class PartlyInvalid:
    """Returned by a vectorised provider when some points of a batch are invalid.

    ``value`` covers all points of the batch; entries where ``invalid`` is True
    are ignored. ``code`` and ``reason`` are one string or one string per point.
    """

    value: Any
    invalid: np.ndarray
    code: str | Sequence[str]
    reason: str | Sequence[str] = ""


@dataclass(frozen=True)
class ProviderSpec:
    """What the registry knows about a provider before it is set up."""

    name: str
    provides: str
    target: Callable
    kind: str = "observable"          # or "likelihood"
    vectorised: bool = False
    needs: tuple[str, ...] | None = None  # None: from the signature, or set by the instance
    programs: tuple[str, ...] = ()    # external programs it runs, shown by --dry-run
    module: str = ""
    #: figure labels of its outputs: '' (a number per point) or a key -> (latex, unit)
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict, compare=False,
                                                  hash=False)

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.target) or ""

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    def option_lines(self) -> list[str]:
        return describe_options(self.target)

    def static_needs(self) -> tuple[str, ...] | None:
        """Needs known without setting the provider up (functions), else None."""
        if self.needs is not None:
            return self.needs
        if inspect.isclass(self.target):
            return None
        return tuple(p.name for p in inspect.signature(self.target).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))

    def setup(self, options: Mapping[str, Any] | None, where: tuple[str, int] = ("", 0),
              key: str = "") -> BoundProvider:
        """Check the options and return the callable the evaluator runs."""
        kwargs = bind_options(self.target, options, what=f"provider '{self.name}'",
                              where=where, key=key)
        if inspect.isclass(self.target):
            try:
                instance = self.target(**kwargs)
            except (ValueError, TypeError) as exc:  # the provider rejected its options
                raise ConfigError(f"provider '{self.name}': {exc}", file=where[0],
                                  line=where[1], key=key or None) from None
            needs = tuple(getattr(instance, "needs", None) or self.needs or ())
            return BoundProvider(self, instance, needs, kwargs)
        target = self.target

        def call(**inputs: Any) -> Any:
            return target(**inputs, **kwargs)

        return BoundProvider(self, call, self.static_needs() or (), kwargs)


@dataclass(frozen=True)
class BoundProvider:
    """A provider with its options set: ``function(**needs)`` gives the capability."""

    spec: ProviderSpec
    function: Callable[..., Any]
    needs: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def provides(self) -> str:
        return self.spec.provides

    @property
    def vectorised(self) -> bool:
        return self.spec.vectorised


class Registry:
    """All known providers, by name and by the capability they provide."""

    def __init__(self) -> None:
        self.by_name: dict[str, ProviderSpec] = {}
        self._imported: set[str] = set()
        #: internal module name of a user's .py file -> the path as the YAML gives it
        self._labels: dict[str, str] = {}

    def add(self, spec: ProviderSpec) -> None:
        if spec.module in self._labels:
            spec = dataclasses.replace(spec, module=self._labels[spec.module])
        old = self.by_name.get(spec.name)
        if old is not None and old.target is not spec.target and old.module != spec.module:
            raise FitError(f"two providers are named '{spec.name}' (in {old.module} and "
                           f"{spec.module}); give one of them another name=")
        self.by_name[spec.name] = spec

    def providers_of(self, capability: str) -> list[ProviderSpec]:
        return [s for s in self.by_name.values() if s.provides == capability]

    def capabilities(self, kind: str | None = None) -> set[str]:
        return {s.provides for s in self.by_name.values() if kind is None or s.kind == kind}

    @contextmanager
    def scope(self) -> Iterator[Registry]:
        """Providers registered inside the block are forgotten after it (for tests)."""
        saved, imported, labels = dict(self.by_name), set(self._imported), dict(self._labels)
        try:
            yield self
        finally:
            self.by_name, self._imported, self._labels = saved, imported, labels

    def discover(self, modules: Sequence[str] = (), base: Path | None = None) -> None:
        """Import the built-in provider packages and the user's modules.

        ``modules`` holds importable module names or ``.py`` paths (relative to
        ``base``, the directory of the YAML file).
        """
        for package_name in BUILTIN_PACKAGES:
            package = importlib.import_module(package_name)
            for info in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
                importlib.import_module(info.name)
        for module in modules:
            self._import_user_module(module, base)

    def _import_user_module(self, module: str, base: Path | None) -> None:
        path = (Path(module) if base is None else base / module).resolve()
        key = str(path) if module.endswith(".py") else module
        if key in self._imported:
            return
        if module.endswith(".py"):
            if not path.is_file():
                raise FitError(f"module file '{module}' not found (looked for {path})")
            digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]  # noqa: S324 - a name
            name = f"fit_user_{path.stem}_{digest}"
            self._labels[name] = module
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            spec.loader.exec_module(mod)
        else:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                raise FitError(f"cannot import module '{module}': {exc}") from None
        self._imported.add(key)


REGISTRY = Registry()


Label = tuple[str, str]


def normalise_labels(labels: Label | Mapping[str, Label] | None, what: str = ""
                     ) -> dict[str, Label]:
    """``labels=`` of `provider` as ``{key: (latex, unit)}``, key ``''`` for a capability
    that is one number per point. A malformed declaration is a ``ValueError``."""
    if labels is None:
        return {}

    def pair(value: Any, key: str) -> Label:
        if (isinstance(value, tuple | list) and len(value) == 2
                and all(isinstance(v, str) for v in value)):
            return str(value[0]), str(value[1])
        raise ValueError(f"{what}: labels{'[' + repr(key) + ']' if key else ''} must be a "
                         f"(latex, unit) pair of strings, got {value!r}")

    if isinstance(labels, Mapping):
        return {str(k): pair(v, str(k)) for k, v in labels.items()}
    return {"": pair(labels, "")}


def provider(provides: str, *, kind: str = "observable", vectorised: bool = False,
             needs: Sequence[str] | None = None, programs: Sequence[str] = (),
             name: str | None = None, labels: Label | Mapping[str, Label] | None = None,
             registry: Registry | None = None) -> Callable:
    """Register a function or class as the provider of a capability.

    ``provides``: capability name; ``kind``: ``observable`` or ``likelihood``;
    ``vectorised``: takes and returns arrays over points; ``needs``: override
    the needs read from the signature; ``programs``: external executables it
    runs; ``name``: provider name (default: the function's name); ``labels``: how
    figures label its outputs, ``(latex, unit)`` for a number per point, e.g.
    ``(r'\\Omega h^2', '')``, or ``{key: (latex, unit)}`` for a mapping, e.g.
    ``{'mh1': ('m_{h_1}', 'GeV')}`` (keys without a label are named as they are).
    """
    if kind not in ("observable", "likelihood"):
        raise ValueError(f"kind must be 'observable' or 'likelihood', not {kind!r}")
    declared = normalise_labels(labels, f"provider of '{provides}'")

    def register(target: Callable) -> Callable:
        spec = ProviderSpec(name=name or target.__name__, provides=provides, target=target,
                            kind=kind, vectorised=vectorised,
                            needs=tuple(needs) if needs is not None else None,
                            programs=tuple(programs), module=target.__module__,
                            labels=declared)
        (registry or REGISTRY).add(spec)
        return target

    return register


def observable_labels(providers: Mapping[str, ProviderSpec | BoundProvider],
                      registry: Registry | None = None) -> dict[str, Label]:
    """Figure labels of the computed capabilities, as the output names them: ``'omega_h2'``
    or ``'spectrum/mh1'`` -> (latex, unit). ``providers`` maps each capability to the
    provider that computes it; where that provider declares no labels, those of another
    provider of the same capability in ``registry`` are taken (every provider of a
    capability returns the same structure)."""
    registry = registry or REGISTRY
    out: dict[str, Label] = {}
    for capability, chosen in providers.items():
        spec = chosen.spec if isinstance(chosen, BoundProvider) else chosen
        if spec.kind == "likelihood":
            continue
        declared = dict(spec.labels)
        if not declared:
            others = [s.labels for s in registry.providers_of(capability) if s.labels]
            declared = dict(others[0]) if others else {}
        for key, pair in declared.items():
            out[f"{capability}/{key}" if key else capability] = pair
    return out


def likelihood(term: str, **kwargs: Any) -> Callable:
    """Register a likelihood term: a provider of kind ``likelihood`` returning log L."""
    return provider(term, kind="likelihood", **kwargs)
