"""The YAML run file: structure, validation and the typed `RunConfig`.

Every error names the file, the line and the key, and says what was expected.
Names that need the registries (likelihood terms, samplers, providers) are
checked later, by `fit.graph` and `fit.samplers`, with the same locations.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .errors import COMMAND_LINE_SAMPLER, COMMAND_LINE_SET, ConfigError, one_of, suggest
from .expressions import BUILTIN_NAMES, Expression, ExpressionError
from .priors import Derived, Fixed, Gaussian, LogUniform, ParameterSpace, Prior, Uniform
from .yamlio import (
    MarkedDict,
    MarkedList,
    load_with_includes,
    parse_value,
    plain,
    prior_kind,
    set_value,
)

TOP_KEYS = {
    "model": "a short name or description of the model",
    "parameters": "the model parameters and their priors",
    "likelihoods": "the log-likelihood terms to add up",
    "observables": "extra capabilities to compute and write for valid points",
    "rules": "which provider serves a capability, and its options",
    "prefer": "provider modules to choose first where several serve a capability",
    "sampler": "the sampler to run: its name, or a mapping with 'name:' and its options",
    "samplers": "settings per sampler (name: options); 'sampler:' picks the one that runs",
    "output": "where and how the results are written",
    "seed": "the random seed (an integer)",
    "modules": "Python modules or .py files with your own providers",
    "invalid_loglike": "log-likelihood given to invalid points (a large negative number)",
    "skip_below": "a point whose log L so far falls below this skips the remaining terms",
    "term_order": "'adaptive' (default: cheapest per point removed first, as measured) or "
                  "'yaml' (the order of likelihoods:, which a seeded run repeats exactly)",
    "provider_errors": "'invalidate' (default) or 'raise' for unexpected exceptions in providers",
    "labels": "figure labels of parameters and observables: name: {latex:, unit:, log:}",
}
#: what an entry under 'labels:' may set (for plots only; not part of the physics)
FIGURE_LABEL_KEYS = {"latex": str, "unit": str, "log": bool}

PRIOR_KEYS = {
    "uniform": {"range"},
    "log": {"range"},
    "gaussian": {"mean", "sigma", "range"},
    "fixed": {"value"},
    "derived": {"expr"},
}
LABEL_KEYS = {"prior", "latex", "unit"}
ALL_PARAMETERS = "params"  # the capability that hands a provider all parameters
OUTPUT_KEYS = {"dir", "file", "flush_seconds", "observables"}
DEFAULT_FLOOR = -1.0e100
#: a sampler option at least this large is a budget no run can spend (warned about)
ABSURD_BUDGET = 1e12

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Where:
    """Location of a key in the YAML files, for error messages."""

    file: str
    line: int
    key: str

    def error(self, message: str, key: str | None = None) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line, key=key or self.key)


@dataclass
class Term:
    name: str
    options: dict[str, Any]
    where: Where


@dataclass
class Rule:
    capability: str
    provider: str | None
    options: dict[str, Any]
    where: Where


@dataclass
class Preference:
    """Provider modules (dotted names, a package covers its submodules) that win where
    several providers serve a capability and no rule names one; earlier entries first."""

    modules: list[str]
    where: Where


@dataclass
class SamplerChoice:
    """The sampler that runs, the options its ``sampler:`` entry gives (they win over its
    block), and every block of ``samplers:`` (all are checked, the chosen one is used)."""

    name: str
    options: dict[str, Any]
    where: Where
    blocks: dict[str, Term] = field(default_factory=dict)

    def merged_options(self) -> MarkedDict:
        """The options that run: the chosen sampler's block, then the ``sampler:`` entry's
        options on top (each key keeps the location it was given at)."""
        block = self.blocks.get(self.name)
        merged = MarkedDict(origin=(self.where.file, self.where.line))
        for options in ((block.options if block else {}), self.options):
            merged.update(options)
            merged.marks.update({k: options.mark(k) for k in options}
                                if isinstance(options, MarkedDict) else {})
        return merged

    def where_of(self, option: str) -> Where:
        """Where an option of the chosen sampler was given (for errors about its value)."""
        if isinstance(self.options, MarkedDict) and option in self.options:
            file, line = self.options.mark(option)
            return Where(file, line, f"sampler.{option}")
        block = self.blocks.get(self.name)
        if block is not None and option in block.options:
            file, line = block.options.mark(option)
            return Where(file, line, f"{block.where.key}.{option}")
        return self.where


@dataclass(frozen=True)
class Override:
    """A change to the run file from the command line: ``--set KEY=VALUE`` (dotted key, the
    value read as YAML) or ``--sampler NAME``. Applied after the includes, in order, each
    as an including file holding only that value would be."""

    flag: str   # COMMAND_LINE_SET or COMMAND_LINE_SAMPLER
    text: str   # 'sampler.nlive=400' or 'dynesty'

    def __str__(self) -> str:
        return f"{self.flag} {self.text}"

    @classmethod
    def from_command_line(cls, sampler: str | None, sets: Sequence[str]) -> list[Override]:
        """``--sampler`` first, then each ``--set`` in the order given."""
        return ([cls(COMMAND_LINE_SAMPLER, sampler)] if sampler is not None else []) + \
            [cls(COMMAND_LINE_SET, text) for text in sets]

    def apply(self, data: MarkedDict) -> MarkedDict:
        if self.flag == COMMAND_LINE_SAMPLER:
            name = parse_value(self.text, self.flag, "sampler")
            if not isinstance(name, str):
                raise ConfigError(f"expected a sampler name, got {self.text!r}", file=self.flag)
            return set_value(data, ["sampler"], name, self.flag)
        key, equals, text = self.text.partition("=")
        keys = key.strip().split(".")
        if not equals or not all(keys):
            raise ConfigError(f"expected KEY=VALUE with a dotted KEY (e.g. sampler.nlive=400), "
                              f"got {self.text!r}", file=self.flag, key=key.strip() or None)
        dotted = ".".join(keys)
        return set_value(data, keys, parse_value(text, self.flag, dotted), self.flag)


@dataclass
class OutputConfig:
    dir: Path
    file: str
    flush_seconds: float = 2.0
    observables: list[str] | None = None  # glob patterns; None = every numeric capability

    @property
    def path(self) -> Path:
        return self.dir / self.file


@dataclass
class RunConfig:
    """A validated run file."""

    source: Path
    data: dict[str, Any]
    space: ParameterSpace
    likelihoods: list[Term]
    sampler: SamplerChoice
    output: OutputConfig
    model: str = ""
    observables: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    prefer: Preference | None = None
    seed: int | None = None
    modules: list[str] = field(default_factory=list)
    invalid_loglike: float = DEFAULT_FLOOR
    skip_below: float | None = None
    term_order: str = "adaptive"
    provider_errors: str = "invalidate"
    overrides: list[Override] = field(default_factory=list)

    def yaml_text(self) -> str:
        """The fully resolved run file (includes merged, command-line overrides applied), as
        written to the output."""
        return yaml.safe_dump(self.data, sort_keys=False)

    def physics_hash(self) -> str:
        """Hash of what gives a point its meaning: parameters, likelihoods, rules and the
        source code of the user's provider modules (not the sampler, seed, output or model
        description, which a resumed run may change)."""
        ignored = ("output", "sampler", "samplers", "seed", "model", "labels")
        relevant = {k: v for k, v in self.data.items() if k not in ignored}
        digest = hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode())
        for module in self.modules:
            source = self.module_source(module)
            digest.update(source.read_bytes() if source is not None else module.encode())
        return digest.hexdigest()[:16]

    def module_source(self, module: str) -> Path | None:
        """The file of a module listed under ``modules:`` (None if it cannot be found)."""
        if module.endswith(".py"):
            path = self.source.parent / module
            return path if path.is_file() else None
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            return None
        return Path(spec.origin) if spec is not None and spec.origin else None


def _where(container: MarkedDict | MarkedList, key: str | int, path: str) -> Where:
    file, line = container.mark(key)
    return Where(file, line, path)


def _check_keys(mapping: MarkedDict, allowed: set[str] | dict, path: str, what: str) -> None:
    for key in mapping:
        if key not in allowed:
            where = _where(mapping, key, f"{path}.{key}" if path else key)
            raise where.error(f"unknown key '{key}'{suggest(key, allowed)}; {what} takes "
                              f"{one_of(allowed)}")


def _number(value: Any, where: Where, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(f"expected a number for {what}, got {value!r}")
    if not math.isfinite(value):
        raise where.error(f"expected a finite number for {what}, got {value!r}")
    return float(value)


def _range(spec: MarkedDict, path: str, *, positive: bool = False) -> tuple[float, float]:
    where = _where(spec, "range", f"{path}.range")
    value = spec["range"]
    if not isinstance(value, list) or len(value) != 2:
        raise where.error(f"expected a range [low, high], got {value!r}")
    low, high = (_number(v, where, "a range bound") for v in value)
    if not low < high:
        what = "empty" if low == high else "reversed"
        raise where.error(f"range [{low:g}, {high:g}] is {what}: expected low < high")
    if not math.isfinite(high - low):
        raise where.error(f"range [{low:g}, {high:g}] is wider than the largest double "
                          f"({np.finfo(float).max:.3g}): every point would be infinite")
    if positive and low <= 0:
        raise where.error(f"a log prior needs a positive range, got [{low:g}, {high:g}]")
    return low, high


def _parameter(name: str, spec: Any, parent: MarkedDict) -> Prior | Fixed | Derived:
    path = f"parameters.{name}"
    where = _where(parent, name, path)
    if isinstance(spec, bool):
        raise where.error(f"expected a number or a prior mapping, got {spec!r}")
    if isinstance(spec, int | float):
        return Fixed(name, _number(spec, where, "a fixed value"))
    if isinstance(spec, list):  # [low, high] shorthand for a uniform prior
        spec = MarkedDict({"prior": "uniform", "range": spec}, origin=parent.mark(name))
    if not isinstance(spec, MarkedDict):
        raise where.error(f"expected a number, a range [low, high] or a mapping with "
                          f"'prior:', got {spec!r}")
    kind = prior_kind(spec)
    if not isinstance(kind, str) or kind not in PRIOR_KEYS:
        w = _where(spec, "prior", f"{path}.prior")
        got = f"'{kind}'" if kind is not None else "nothing"
        raise w.error(f"unknown prior {got}{suggest(str(kind), PRIOR_KEYS)}; expected "
                      f"{one_of(PRIOR_KEYS)}")
    _check_keys(spec, PRIOR_KEYS[kind] | LABEL_KEYS, path, f"a '{kind}' prior")
    required = PRIOR_KEYS[kind] - ({"range"} if kind == "gaussian" else set())
    missing = sorted(required - set(spec))
    if missing:
        raise where.error(f"a '{kind}' prior needs {', '.join(missing)}")
    labels = {"latex": str(spec.get("latex", "")), "unit": str(spec.get("unit", ""))}
    if kind == "uniform":
        low, high = _range(spec, path)
        return Uniform(name, low=low, high=high, **labels)
    if kind == "log":
        low, high = _range(spec, path, positive=True)
        return LogUniform(name, low=low, high=high, **labels)
    if kind == "gaussian":
        mean = _number(spec["mean"], _where(spec, "mean", f"{path}.mean"), "the mean")
        sigma = _number(spec["sigma"], _where(spec, "sigma", f"{path}.sigma"), "sigma")
        if sigma <= 0:
            raise _where(spec, "sigma", f"{path}.sigma").error(
                f"sigma must be positive, got {sigma:g}")
        low, high = _range(spec, path) if "range" in spec else (-math.inf, math.inf)
        return Gaussian(name, mean=mean, sigma=sigma, low=low, high=high, **labels)
    if kind == "fixed":
        return Fixed(name, _number(spec["value"], _where(spec, "value", f"{path}.value"),
                                   "a fixed value"), **labels)
    expr_where = _where(spec, "expr", f"{path}.expr")
    if not isinstance(spec["expr"], str):
        raise expr_where.error(f"expected an expression string, got {spec['expr']!r}")
    try:
        return Derived(name, Expression(spec["expr"]), **labels)
    except ExpressionError as exc:
        raise expr_where.error(str(exc)) from None


def _parameters(data: MarkedDict) -> ParameterSpace:
    params = data.get("parameters")
    where = _where(data, "parameters", "parameters")
    if not isinstance(params, MarkedDict) or not params:
        raise where.error("expected a mapping of parameter names to priors")
    for name in params:
        where = _where(params, name, f"parameters.{name}")
        if not str(name).isidentifier():
            raise where.error("parameter names must be identifiers (letters, digits, "
                              "underscores)")
        if name in BUILTIN_NAMES or name == ALL_PARAMETERS:
            raise where.error(f"'{name}' is reserved (a constant or function in expressions, "
                              f"or the capability of all parameters); choose another name")
    built = [_parameter(str(name), spec, params) for name, spec in params.items()]
    try:
        space = ParameterSpace(
            sampled=[p for p in built if isinstance(p, Prior)],
            fixed=[p for p in built if isinstance(p, Fixed)],
            derived=[p for p in built if isinstance(p, Derived)])
    except ExpressionError as exc:
        raise _where(params, exc.name, f"parameters.{exc.name}").error(str(exc)) from None
    _evaluate_derived_once(space, params)
    return space


def _evaluate_derived_once(space: ParameterSpace, params: MarkedDict) -> None:
    """Evaluate every derived parameter at the centre of the prior (the cube point 0.5), so
    that what would stop the run at its first point stops ``check`` too. Expressions are
    bounded in length, depth and kind (`fit.expressions`), so this takes microseconds."""
    values = {p.name: p.transform(np.full(1, 0.5)) for p in space.sampled}
    values.update({p.name: np.full(1, p.value) for p in space.fixed})
    for d in space.derived:
        try:
            values[d.name] = np.broadcast_to(d.expression(values), (1,))
        except (ExpressionError, ValueError) as exc:
            spec = params[d.name]
            where = _where(spec, "expr", f"parameters.{d.name}.expr") \
                if isinstance(spec, MarkedDict) else _where(params, d.name, f"parameters.{d.name}")
            raise where.error(f"{exc} (at the centre of the prior)") from None


def _named_entries(value: Any, container: MarkedDict, key: str, *,
                   may_be_empty: bool = False) -> list[Term]:
    """``[a, b]``, ``[{a: {opts}}, b]`` or ``{a: {opts}, b: null}`` -> terms."""
    where = _where(container, key, key)
    items: list[tuple[str, Any, Where]] = []
    if isinstance(value, MarkedList):
        for i, item in enumerate(value):
            w = _where(value, i, f"{key}[{i}]")
            if isinstance(item, str):
                items.append((item, None, w))
            elif isinstance(item, MarkedDict) and len(item) == 1:
                name = next(iter(item))
                items.append((name, item[name], Where(w.file, w.line, f"{key}.{name}")))
            else:
                raise w.error("expected a name or a one-key mapping 'name: {options}'")
    elif isinstance(value, MarkedDict):
        items = [(n, v, _where(value, n, f"{key}.{n}")) for n, v in value.items()]
    else:
        raise where.error(f"expected a list of names or a mapping of names to options, "
                          f"got {value!r}")
    if not items and not may_be_empty:
        hint = " (or none, to compute only the capabilities listed under 'observables:')" \
            if key == "likelihoods" else ""
        raise where.error(f"expected at least one entry{hint}")
    terms = []
    for name, options, w in items:
        if options is not None and not isinstance(options, MarkedDict):
            raise w.error(f"expected a mapping of options, got {options!r}")
        terms.append(Term(name, options if options is not None else MarkedDict(), w))
    names = [t.name for t in terms]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise where.error(f"'{dupes[0]}' is listed more than once")
    return terms


def _rules(data: MarkedDict) -> dict[str, Rule]:
    rules = data.get("rules") or MarkedDict()
    if not isinstance(rules, MarkedDict):
        raise _where(data, "rules", "rules").error(
            "expected a mapping 'capability: provider' or 'capability: {provider:, options:}'")
    out = {}
    for cap, value in rules.items():
        where = _where(rules, cap, f"rules.{cap}")
        if isinstance(value, str):
            out[cap] = Rule(cap, value, {}, where)
            continue
        if not isinstance(value, MarkedDict):
            raise where.error(f"expected a provider name or a mapping with 'provider:' and "
                              f"'options:', got {value!r}")
        _check_keys(value, {"provider", "options"}, f"rules.{cap}", "a rule")
        options = value.get("options") or MarkedDict()
        if not isinstance(options, MarkedDict):
            raise _where(value, "options", f"rules.{cap}.options").error(
                "expected a mapping of options")
        provider = value.get("provider")
        if provider is not None and not isinstance(provider, str):
            raise _where(value, "provider", f"rules.{cap}.provider").error(
                "expected a provider name")
        out[cap] = Rule(cap, provider, options, where)
    return out


def _sampler_blocks(data: MarkedDict) -> dict[str, Term]:
    """``samplers: {name: {options}, ...}``: the settings kept for each sampler."""
    if "samplers" not in data:
        return {}
    value = data["samplers"]
    if not isinstance(value, MarkedDict):
        raise _where(data, "samplers", "samplers").error(
            "expected a mapping of sampler names to their options, e.g. "
            "'samplers: {dynesty: {nlive: 800}, random: {n_points: 100000}}'")
    return {term.name: term for term in _named_entries(value, data, "samplers",
                                                       may_be_empty=True)}


def _sampler(data: MarkedDict) -> SamplerChoice:
    """The sampler that runs: ``sampler: NAME`` or ``{name: NAME, options...}``; without it,
    the only block of ``samplers:``, else 'random'."""
    blocks = _sampler_blocks(data)
    if "sampler" not in data and blocks:
        if len(blocks) > 1:
            raise _where(data, "samplers", "samplers").error(
                f"several samplers have settings ({one_of(blocks)}): choose the one to run "
                f"with 'sampler: NAME' (or --sampler NAME)")
        only = next(iter(blocks.values()))
        return SamplerChoice(only.name, MarkedDict(origin=(only.where.file, only.where.line)),
                             only.where, blocks)
    value = data.get("sampler", "random")
    where = _where(data, "sampler", "sampler")
    if isinstance(value, str):
        return SamplerChoice(value, MarkedDict(origin=(where.file, where.line)), where, blocks)
    if not isinstance(value, MarkedDict) or not isinstance(value.get("name"), str):
        raise where.error("expected a sampler name or a mapping with 'name:' and its options")
    options = MarkedDict({k: v for k, v in value.items() if k != "name"}, origin=value.origin)
    options.marks = {k: m for k, m in value.marks.items() if k != "name"}
    return SamplerChoice(value["name"], options, _where(value, "name", "sampler.name"), blocks)


def _check_sampler_numbers(choice: SamplerChoice) -> None:
    """Sampler options that are numbers must be finite (NaN or infinity means no setting
    of any sampler); budgets beyond any run (`ABSURD_BUDGET`) are warned about."""
    for name, value in choice.merged_options().items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        where = choice.where_of(name)
        if not math.isfinite(value):
            raise where.error(f"expected a finite number, got {value!r}")
        if abs(value) >= ABSURD_BUDGET:
            log.warning("%s:%s: %s = %.3g is more than any run can spend (at a microsecond "
                        "per evaluation, %.3g years); is that what you meant?", where.file,
                        where.line, where.key, value, abs(value) * 1e-6 / 3.156e7)


def _output(data: MarkedDict, source: Path) -> OutputConfig:
    value = data.get("output") or MarkedDict()
    where = _where(data, "output", "output")
    if isinstance(value, str):
        value = MarkedDict({"dir": value}, origin=(where.file, where.line))
    if not isinstance(value, MarkedDict):
        raise where.error("expected a mapping with 'dir:' and optionally 'file:'")
    _check_keys(value, OUTPUT_KEYS, "output", "output")
    out = OutputConfig(dir=Path(value.get("dir", f"runs/{source.stem}")),
                       file=str(value.get("file", f"{source.stem}.h5")))
    if "flush_seconds" in value:
        out.flush_seconds = _number(value["flush_seconds"],
                                    _where(value, "flush_seconds", "output.flush_seconds"),
                                    "flush_seconds")
    if "observables" in value:
        obs = value["observables"]
        if obs == "all":
            obs = None
        elif not isinstance(obs, list) or not all(isinstance(o, str) for o in obs):
            raise _where(value, "observables", "output.observables").error(
                "expected 'all' or a list of capability names (glob patterns allowed)")
        out.observables = obs
    return out


def _string_list(data: MarkedDict, key: str) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _where(data, key, key).error("expected a list of names")
    return list(value)


def _figure_labels(data: MarkedDict) -> None:
    """Check ``labels:``: ``name: {latex: str, unit: str, log: bool}`` per parameter or
    observable (``omega_h2``, ``spectrum/mh1``); read back by `fit.analysis`."""
    labels = data.get("labels")
    if labels is None:
        return
    if not isinstance(labels, MarkedDict):
        raise _where(data, "labels", "labels").error(
            "expected a mapping 'name: {latex: ..., unit: ..., log: ...}'")
    for name, entry in labels.items():
        where = _where(labels, name, f"labels.{name}")
        if not isinstance(entry, MarkedDict):
            raise where.error(f"expected a mapping with {one_of(FIGURE_LABEL_KEYS)}, "
                              f"got {entry!r}")
        _check_keys(entry, FIGURE_LABEL_KEYS, f"labels.{name}", "a label")
        for key, kind in FIGURE_LABEL_KEYS.items():
            if key in entry and not isinstance(entry[key], kind):
                raise _where(entry, key, f"labels.{name}.{key}").error(
                    f"expected {'true or false' if kind is bool else 'a string'}, "
                    f"got {entry[key]!r}")


def load_config(path: str | Path, overrides: Sequence[Override] = ()) -> RunConfig:
    """Read, merge and validate a run file, with command-line ``overrides`` applied on top.
    Raises `ConfigError` on any problem."""
    source = Path(path)
    data = load_with_includes(source)
    for override in overrides:
        data = override.apply(data)
    _check_keys(data, TOP_KEYS, "", "a run file")
    if "likelihoods" not in data:
        raise ConfigError("missing 'likelihoods:' (the log-likelihood terms to add up)",
                          file=str(source), line=1, key="likelihoods")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise _where(data, "seed", "seed").error(f"expected a non-negative integer, got {seed!r}")
    floor = _number(data.get("invalid_loglike", DEFAULT_FLOOR),
                    _where(data, "invalid_loglike", "invalid_loglike"),
                    "the log-likelihood of invalid points")
    skip_below = data.get("skip_below")
    if skip_below is not None:
        skip_below = _number(skip_below, _where(data, "skip_below", "skip_below"),
                             "the log-likelihood threshold (e.g. -50)")
    term_order = data.get("term_order", "adaptive")
    if term_order not in ("adaptive", "yaml"):
        raise _where(data, "term_order", "term_order").error(
            f"expected 'adaptive' or 'yaml', got {term_order!r}")
    errors = data.get("provider_errors", "invalidate")
    if errors not in ("invalidate", "raise"):
        raise _where(data, "provider_errors", "provider_errors").error(
            f"expected 'invalidate' or 'raise', got {errors!r}")
    model = data.get("model", "")
    if not isinstance(model, str):
        raise _where(data, "model", "model").error(f"expected a string, got {model!r}")
    observables = _string_list(data, "observables")
    _figure_labels(data)
    sampler = _sampler(data)
    _check_sampler_numbers(sampler)
    return RunConfig(
        source=source, data=plain(data), space=_parameters(data),
        likelihoods=_named_entries(data["likelihoods"], data, "likelihoods",
                                   may_be_empty=bool(observables)),
        sampler=sampler, output=_output(data, source), model=model,
        observables=observables, rules=_rules(data),
        prefer=Preference(_string_list(data, "prefer"), _where(data, "prefer", "prefer"))
        if "prefer" in data else None, seed=seed,
        modules=_string_list(data, "modules"), invalid_loglike=float(floor),
        skip_below=None if skip_below is None else float(skip_below), term_order=term_order,
        provider_errors=errors, overrides=list(overrides))
