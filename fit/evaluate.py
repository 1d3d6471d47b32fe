"""Evaluation of a batch of parameter points through the resolved graph.

Each capability is computed once per point (vectorised providers once per
batch). Likelihood terms run one after another in an adaptive order, the cheap
and often-failing first, and a point leaves the batch as soon as it is invalid,
a term gives log L = -inf, or (with ``skip_below``) the sum of its terms so far
falls below a threshold, so the expensive providers run only for points that can
still matter. Such a hopeless point keeps the partial sum as its log L and names
the last term computed (``skipped_after``); its remaining terms are NaN. With
terms written as -Delta chi^2/2 (each at most 0) the partial sum is an upper
bound of the full log L, so nothing above the threshold is lost. The adaptive order
follows measured costs, which vary from run to run, and with it which terms a hopeless
point skipped; ``adaptive_order=False`` keeps the order of the graph's terms (the YAML's),
so that a seeded run repeats itself point for point.
"""

from __future__ import annotations

import fnmatch
import logging
import math
import numbers
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch import length, nan_rows, numeric_leaves, row, stack, take
from .errors import FitError, InvalidPoint
from .graph import ALL_PARAMETERS, Graph
from .providers import BoundProvider, PartlyInvalid

log = logging.getLogger(__name__)


@dataclass
class PointBatch:
    """Everything computed for a batch of points; arrays have one entry per point.

    ``loglike`` is the total given to the sampler: the sum of the terms, or the
    floor for invalid points (and for totals below the floor). Terms and
    observables that were not computed for a point are NaN. ``skipped_after``
    names the last term computed for a point that skipped the others because its
    log L fell below ``skip_below`` (empty for every other point).
    """

    params: dict[str, np.ndarray]
    loglike: np.ndarray
    valid: np.ndarray
    code: np.ndarray
    reason: np.ndarray
    terms: dict[str, np.ndarray] = field(default_factory=dict)
    observables: dict[str, np.ndarray] = field(default_factory=dict)
    timing: dict[str, np.ndarray] = field(default_factory=dict)
    skipped_after: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.skipped_after is None:
            self.skipped_after = np.full(len(self.loglike), "", dtype=object)

    def __len__(self) -> int:
        return len(self.loglike)

    @property
    def time(self) -> np.ndarray:
        """Wall time spent in providers per point [s]."""
        return sum(self.timing.values(), start=np.zeros(len(self)))

    @staticmethod
    def concat(batches: list[PointBatch]) -> PointBatch:
        """One batch from several (e.g. gathered from MPI ranks); missing columns get NaN."""
        def join(getter: str, fill: float) -> dict[str, np.ndarray]:
            names = dict.fromkeys(k for b in batches for k in getattr(b, getter))
            out = {}
            for name in names:
                parts = []
                for b in batches:
                    col = getattr(b, getter).get(name)
                    if col is None:
                        shape = next(getattr(o, getter)[name].shape[1:] for o in batches
                                     if name in getattr(o, getter))
                        col = np.full((len(b), *shape), fill)
                    parts.append(col)
                out[name] = np.concatenate(parts)
            return out

        return PointBatch(
            params=join("params", math.nan),
            loglike=np.concatenate([b.loglike for b in batches]),
            valid=np.concatenate([b.valid for b in batches]),
            code=np.concatenate([b.code for b in batches]),
            reason=np.concatenate([b.reason for b in batches]),
            terms=join("terms", math.nan), observables=join("observables", math.nan),
            timing=join("timing", 0.0),
            skipped_after=np.concatenate([b.skipped_after for b in batches]))


@dataclass
class TermStats:
    """Running cost and failure rate of one likelihood term, for ordering."""

    entered: int = 0
    failed: int = 0
    seconds: float = 0.0

    def priority(self) -> float:
        """Expected cost per point removed: run terms with the lowest first."""
        if self.entered == 0:
            return 0.0  # unmeasured terms go first, to be measured
        cost = self.seconds / self.entered + 1e-9
        rate = self.failed / self.entered
        return cost / rate if rate > 0 else math.inf if cost > 0 else 0.0


class _Pass:
    """Mutable state of one batch while it flows through the graph."""

    def __init__(self, params: dict[str, np.ndarray], n: int):
        self.n = n
        self.alive = np.arange(n)                       # indices of points still running
        self.cache: dict[str, Any] = dict(params)
        self.cache[ALL_PARAMETERS] = dict(params)
        self.valid = np.ones(n, dtype=bool)
        self.excluded = np.zeros(n, dtype=bool)         # a term gave -inf
        self.partial = np.zeros(n)                      # sum of the terms computed so far
        self.skipped_after = np.full(n, "", dtype=object)
        self.code = np.full(n, "", dtype=object)
        self.reason = np.full(n, "", dtype=object)
        self.terms: dict[str, np.ndarray] = {}
        self.observables: dict[str, np.ndarray] = {}
        self.timing: dict[str, np.ndarray] = {}

    def remove(self, bad: np.ndarray) -> None:
        keep = ~bad
        self.alive = self.alive[keep]
        self.cache = {k: take(v, keep) for k, v in self.cache.items()}

    def invalidate(self, bad: np.ndarray, code: Any, reason: Any) -> None:
        """Mark the alive points ``bad`` (a mask over alive points) invalid and drop them."""
        if not bad.any():
            return
        idx = self.alive[bad]
        self.valid[idx] = False
        self.code[idx] = code if isinstance(code, str) else np.asarray(code, dtype=object)[bad]
        self.reason[idx] = (reason if isinstance(reason, str)
                            else np.asarray(reason, dtype=object)[bad])
        self.remove(bad)

    def add_time(self, provider: str, seconds: np.ndarray) -> None:
        column = self.timing.setdefault(provider, np.zeros(self.n))
        column[self.alive] += seconds

    def store(self, target: dict[str, np.ndarray], name: str, values: np.ndarray) -> None:
        if name not in target:
            target[name] = np.full((self.n, *values.shape[1:]), math.nan)
        target[name][self.alive] = values


class Evaluator:
    """Computes likelihood terms and observables for batches of parameter points."""

    def __init__(self, graph: Graph, *, floor: float = -1e100, skip_below: float | None = None,
                 provider_errors: str = "invalidate", record: list[str] | None = None,
                 adaptive_order: bool = True):
        self.graph = graph
        self.floor = floor
        self.skip_below = skip_below
        self.raise_errors = provider_errors == "raise"
        self.record = record
        self.adaptive_order = adaptive_order
        self.order = list(graph.terms)
        self.stats = {t: TermStats() for t in graph.terms}
        self._reported: set[tuple[str, str]] = set()

    def __call__(self, params: Mapping[str, np.ndarray]) -> PointBatch:
        params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        n = len(next(iter(params.values()))) if params else 0
        state = _Pass(params, n)
        bad = np.zeros(n, dtype=bool)
        for _name, values in params.items():
            bad |= ~np.isfinite(values)
        if bad.any():
            names = [k for k, v in params.items() if not np.isfinite(v).all()]
            state.invalidate(bad, "parameter", f"parameter(s) {', '.join(names)} not finite")
        for i, term in enumerate(self.order):
            if state.alive.size == 0:
                break
            self._run_term(term, state, last=i == len(self.order) - 1)
        survivors = state.alive
        for obs in self.graph.observables:
            if state.alive.size == 0:
                break
            self._compute(self.graph.closures[obs], state)
        total = np.where(state.skipped_after != "", state.partial, -math.inf)
        if survivors.size:
            total[survivors] = sum((state.terms[t][survivors] for t in self.graph.terms),
                                   start=np.zeros(survivors.size))
        total[~state.valid] = self.floor
        loglike = np.maximum(total, self.floor)
        if self.adaptive_order:
            self.order.sort(key=lambda t: self.stats[t].priority())
        return PointBatch(params=params, loglike=loglike, valid=state.valid, code=state.code,
                          reason=state.reason, terms=state.terms,
                          observables=state.observables, timing=state.timing,
                          skipped_after=state.skipped_after)

    def _run_term(self, term: str, state: _Pass, last: bool) -> None:
        entered = state.alive.size
        before = sum(float(t.sum()) for t in state.timing.values())
        self._compute(self.graph.closures[term], state)
        if term in state.cache and state.alive.size:
            values = np.asarray(state.cache[term], dtype=float).reshape(state.alive.size)
            state.invalidate(values == math.inf, "error",
                             f"likelihood '{term}' returned +inf")
            values = values[values != math.inf]
            state.store(state.terms, term, values)
            excluded = values == -math.inf
            if excluded.any():
                state.excluded[state.alive[excluded]] = True
                state.remove(excluded)
                values = values[~excluded]
            if self.skip_below is not None and not last and state.alive.size:
                state.partial[state.alive] += values
                hopeless = state.partial[state.alive] < self.skip_below
                if hopeless.any():
                    state.skipped_after[state.alive[hopeless]] = term
                    state.remove(hopeless)
        stats = self.stats[term]
        stats.entered += entered
        stats.failed += entered - state.alive.size
        stats.seconds += sum(float(t.sum()) for t in state.timing.values()) - before

    def _compute(self, capabilities: list[str], state: _Pass) -> None:
        for cap in capabilities:
            if cap in state.cache:
                continue
            if state.alive.size == 0:
                return
            provider = self.graph.providers[cap]
            value = self._call(provider, state)
            nan = nan_rows(value, state.alive.size)
            if nan.any():
                value = take(value, ~nan)
                state.invalidate(nan, "nan", f"provider '{provider.name}' returned NaN for "
                                             f"'{cap}'")
            state.cache[cap] = value
            if provider.spec.kind != "likelihood" and self._recorded(cap):
                for name, array in numeric_leaves(cap, value):
                    state.store(state.observables, name, array.astype(float))

    def _recorded(self, capability: str) -> bool:
        return self.record is None or any(fnmatch.fnmatchcase(capability, pattern)
                                          for pattern in self.record)

    def _call(self, provider: BoundProvider, state: _Pass) -> Any:
        """Run one provider on the alive points; drop the points it invalidates."""
        m = state.alive.size
        inputs = {need: state.cache[need] for need in provider.needs}
        if provider.vectorised:
            start = time.perf_counter()
            try:
                out = provider.function(**inputs)
                out, bad, code, reason = self._unpack(provider, out, m)
            except InvalidPoint as exc:
                out, bad, code, reason = None, np.ones(m, dtype=bool), exc.code, exc.reason
            except Exception as exc:  # noqa: BLE001 - a failing provider invalidates points
                out, bad = None, np.ones(m, dtype=bool)
                code, reason = self._provider_error(provider, exc)
            state.add_time(provider.name, np.full(m, (time.perf_counter() - start) / m))
            if bad.any():
                out = None if bad.all() else take(out, ~bad)
                state.invalidate(bad, code, reason)
            return out
        results, seconds = [], np.zeros(m)
        bad = np.zeros(m, dtype=bool)
        codes = np.full(m, "", dtype=object)
        reasons = np.full(m, "", dtype=object)
        for i in range(m):
            start = time.perf_counter()
            try:
                results.append(provider.function(**{k: row(v, i) for k, v in inputs.items()}))
            except InvalidPoint as exc:
                bad[i], codes[i], reasons[i] = True, exc.code, exc.reason
            except Exception as exc:  # noqa: BLE001 - a failing provider invalidates the point
                bad[i] = True
                codes[i], reasons[i] = self._provider_error(provider, exc)
            seconds[i] = time.perf_counter() - start
        state.add_time(provider.name, seconds)
        state.invalidate(bad, codes, reasons)
        return stack(results)

    def _unpack(self, provider: BoundProvider, out: Any,
                m: int) -> tuple[Any, np.ndarray, Any, Any]:
        """Split a vectorised provider's result into value and invalid mask; check its size."""
        bad, code, reason = np.zeros(m, dtype=bool), "", ""
        if isinstance(out, PartlyInvalid):
            bad = np.asarray(out.invalid, dtype=bool).reshape(m)
            code, reason, out = out.code, out.reason, out.value
            if not isinstance(code, str):
                code = np.asarray(code, dtype=object)
            if not isinstance(reason, str):
                reason = np.asarray(reason, dtype=object)
        if isinstance(out, numbers.Number):
            out = np.full(m, out, dtype=float)
        n = length(out)
        if n is not None and n != m:
            raise FitError(f"provider '{provider.name}' returned {n} values for {m} points")
        return out, bad, code, reason

    def _provider_error(self, provider: BoundProvider, exc: Exception) -> tuple[str, str]:
        if self.raise_errors:
            raise FitError(f"provider '{provider.name}' failed: {type(exc).__name__}: "
                           f"{exc}") from exc
        key = (provider.name, type(exc).__name__)
        if key not in self._reported:
            self._reported.add(key)
            log.warning("provider '%s' raised %s; the point is invalid (code 'error'). "
                        "Further errors of this kind are recorded, not logged.",
                        provider.name, type(exc).__name__, exc_info=exc)
        return "error", f"{provider.name}: {type(exc).__name__}: {exc}"
