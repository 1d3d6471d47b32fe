"""The dependency graph: from the requested likelihood terms down to the parameters.

Resolved once, before the scan: each needed capability gets exactly one
provider (chosen by ``rules:`` where several could serve it, else by the
modules listed under ``prefer:``); a missing or
ambiguous capability, an unknown provider, or a cycle is an error that names
the capability and, where it helps, the YAML rule that would fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import ALL_PARAMETERS, Preference, Rule, RunConfig, Where
from .errors import ResolutionError, one_of, suggest
from .options import bind_options
from .providers import BoundProvider, ProviderSpec, Registry


@dataclass
class Graph:
    """Resolved providers, the likelihood terms and the extra observables."""

    providers: dict[str, BoundProvider]          # capability -> provider
    terms: list[str]
    observables: list[str]
    parameters: list[str]
    closures: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for target in (*self.terms, *self.observables):
            self.closures[target] = self._closure(target)

    def _closure(self, target: str) -> list[str]:
        """Capabilities needed for ``target``, each after the ones it needs."""
        order: list[str] = []

        def visit(cap: str) -> None:
            if cap in order or cap not in self.providers:
                return
            for need in self.providers[cap].needs:
                visit(need)
            order.append(cap)

        visit(target)
        return order

    def programs(self) -> list[tuple[str, str]]:
        """(provider, program) pairs of the external programs the run would call."""
        return [(p.name, prog) for p in self.providers.values() for prog in p.spec.programs]

    def describe(self) -> str:
        """The evaluation plan, as printed by ``--dry-run``."""
        lines = [f"parameters ({len(self.parameters)}): {', '.join(self.parameters)}", ""]
        lines.append("likelihood terms, each with the providers it runs (in order):")
        done: set[str] = set()
        for target in (*self.terms, *self.observables):
            head = "term" if target in self.terms else "observable"
            lines.append(f"  {head} {target}")
            for cap in self.closures[target]:
                p = self.providers[cap]
                mark = "  (already computed)" if cap in done else ""
                vec = "vectorised" if p.vectorised else "per point"
                needs = ", ".join(p.needs) or "-"
                lines.append(f"    {cap:<22s} <- {p.name} [{p.spec.module}, {vec}] "
                             f"needs: {needs}{mark}")
                if p.options:
                    lines.append(f"    {'':<22s}    options: {p.options}")
                done.add(cap)
        programs = self.programs()
        lines.append("")
        lines.append("external programs: " + (", ".join(f"{prog} (by {name})"
                                                     for name, prog in programs) or "none"))
        return "\n".join(lines)


def _rule_hint(capability: str, candidates: list[ProviderSpec]) -> str:
    return (f"\nadd a rule to the YAML to choose one:\n  rules:\n    {capability}: "
            f"{candidates[0].name}\n  # or, for every capability its module provides: "
            f"prefer: [{candidates[0].module}]")


def _ruled(capability: str, candidates: list[ProviderSpec], rule: Rule) -> ProviderSpec:
    """The candidate a rule names; a `ConfigError` at the rule if none has that name."""
    for candidate in candidates:
        if candidate.name == rule.provider:
            return candidate
    names = [c.name for c in candidates]
    raise rule.where.error(
        f"provider '{rule.provider}' does not provide '{capability}'"
        f"{suggest(rule.provider or '', names)}; candidates: {one_of(names)}",
        key=f"rules.{capability}")


def _in_module(spec: ProviderSpec, module: str) -> bool:
    return spec.module == module or spec.module.startswith(module + ".")


def _preferred(candidates: list[ProviderSpec], prefer: Preference | None
               ) -> list[ProviderSpec]:
    """The candidates of the first preferred module that has any (all if none has)."""
    for module in prefer.modules if prefer is not None else ():
        chosen = [c for c in candidates if _in_module(c, module)]
        if chosen:
            return chosen
    return candidates


def _check_preference(prefer: Preference | None, registry: Registry) -> None:
    """Every module under ``prefer:`` must hold a registered provider (catches typos)."""
    if prefer is None:
        return
    specs = list(registry.by_name.values())
    modules = sorted({s.module for s in specs})
    for module in prefer.modules:
        if not any(_in_module(s, module) for s in specs):
            raise prefer.where.error(f"no provider is defined in the module '{module}'"
                                     f"{suggest(module, modules)}; provider modules: "
                                     f"{one_of(modules)}")


def _choose(capability: str, needed_by: str, registry: Registry, config: RunConfig,
            kind: str | None) -> ProviderSpec:
    candidates = registry.providers_of(capability)
    if kind is not None:
        candidates = [c for c in candidates if c.kind == kind]
    rule = config.rules.get(capability)
    if not candidates:
        known = registry.capabilities(kind)
        what = "likelihood term" if kind == "likelihood" else "capability"
        raise ResolutionError(
            f"no provider for the {what} '{capability}' (needed by {needed_by})"
            f"{suggest(capability, known)}; known {what}s: {one_of(known)}")
    if rule is not None and rule.provider is not None:
        return _ruled(capability, candidates, rule)
    candidates = _preferred(candidates, config.prefer)
    if len(candidates) > 1:
        ordered = sorted(candidates, key=lambda c: c.name)
        raise ResolutionError(
            f"capability '{capability}' (needed by {needed_by}) has {len(candidates)} "
            f"providers: {', '.join(c.name for c in ordered)}.{_rule_hint(capability, ordered)}")
    return candidates[0]


Options = tuple[Mapping[str, Any], Where, str]  # options, where they were given, their key


def _provider_options(config: RunConfig, registry: Registry) -> dict[str, Options]:
    """Options per capability from ``likelihoods:`` and ``rules:``, every rule checked,
    also rules for capabilities this run does not need."""
    known = registry.capabilities()
    terms = {t.name: t for t in config.likelihoods}
    for term in config.likelihoods:
        if term.name not in registry.capabilities("likelihood"):
            likelihoods = registry.capabilities("likelihood")
            raise term.where.error(f"unknown likelihood '{term.name}'"
                                   f"{suggest(term.name, likelihoods)}; known likelihoods: "
                                   f"{one_of(likelihoods)}")
    options: dict[str, Options] = {t.name: (t.options, t.where, t.where.key)
                                   for t in config.likelihoods}
    for cap, rule in config.rules.items():
        if cap not in known:
            raise rule.where.error(f"no provider serves the capability '{cap}'"
                                   f"{suggest(cap, known)}; known capabilities: {one_of(known)}")
        candidates = registry.providers_of(cap)
        chosen = [_ruled(cap, candidates, rule)] if rule.provider is not None else candidates
        if not rule.options:
            continue
        if cap in terms and terms[cap].options:
            raise rule.where.error(f"options of the likelihood '{cap}' are given under both "
                                   f"likelihoods: and rules:; give them in one place",
                                   key=f"rules.{cap}.options")
        key = f"rules.{cap}.options"
        if len(chosen) == 1:  # check now, even if this run does not need the capability
            bind_options(chosen[0].target, rule.options, what=f"provider '{chosen[0].name}'",
                         where=(rule.where.file, rule.where.line), key=key)
        options[cap] = (rule.options, rule.where, key)
    return options


def _register_emulators(config: RunConfig, registry: Registry) -> None:
    """A rule naming the provider ``emulated_<capability>`` of a known capability gets it
    made for the run (`fit.ml.emulators.emulator_provider`): any capability is emulated
    from the YAML alone."""
    known = registry.capabilities()
    for cap, rule in config.rules.items():
        if (cap in known and rule.provider == f"emulated_{cap}"
                and rule.provider not in registry.by_name):
            from .ml.emulators import emulator_provider

            emulator_provider(cap, registry=registry)


def resolve(config: RunConfig, registry: Registry) -> Graph:
    """Build the graph for a run. Raises `ResolutionError` or `ConfigError`."""
    parameters = config.space.names
    leaves = set(parameters) | {ALL_PARAMETERS}
    providers: dict[str, BoundProvider] = {}
    _register_emulators(config, registry)
    options = _provider_options(config, registry)
    _check_preference(config.prefer, registry)

    def bind(cap: str, needed_by: str, kind: str | None, path: list[str]) -> None:
        if cap in leaves:
            return
        if cap in path:
            cycle = " -> ".join([*path[path.index(cap):], cap])
            raise ResolutionError(f"the providers form a cycle: {cycle}")
        if cap in providers:
            return
        spec = _choose(cap, needed_by, registry, config, kind)
        opts, where, key = options.get(cap, ({}, Where(str(config.source), 0, ""), ""))
        bound = spec.setup(opts, where=(where.file, where.line), key=key)
        for need in bound.needs:
            bind(need, f"provider '{spec.name}'", None, [*path, cap])
        providers[cap] = bound

    for term in config.likelihoods:
        bind(term.name, "the likelihoods list", "likelihood", [])
    for obs in config.observables:
        bind(obs, "the observables list", None, [])
    return Graph(providers, [t.name for t in config.likelihoods], list(config.observables),
                 parameters)
