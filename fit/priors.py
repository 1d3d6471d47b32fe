"""Priors: the map from the unit hypercube to model parameters, and their densities.

Nested samplers use `ParameterSpace.transform` (unit cube -> parameters); MCMC
samplers use `ParameterSpace.log_prior`. Both work on batches: arrays of shape
``(n_points, n_sampled)``. Fixed parameters are constants; derived parameters
are expressions of other parameters, evaluated after the transform.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from .expressions import Expression, topological_order


@dataclass(frozen=True)
class Prior(ABC):
    """Base of the sampled priors: a transform from u in [0, 1] and a log-density."""

    name: str
    latex: str = ""
    unit: str = ""

    @abstractmethod
    def transform(self, u: np.ndarray) -> np.ndarray:
        """Parameter values for unit-cube coordinates u (any shape)."""

    @abstractmethod
    def to_cube(self, x: np.ndarray) -> np.ndarray:
        """Unit-cube coordinates of parameter values x: the inverse of `transform` (the prior's
        cumulative distribution), continued beyond the support so that values outside it
        fall outside [0, 1] (NaN where the continuation has no meaning)."""

    @abstractmethod
    def log_density(self, x: np.ndarray) -> np.ndarray:
        """Normalised log prior density at x; -inf outside the support."""

    @property
    @abstractmethod
    def bounds(self) -> tuple[float, float]:
        """Support of the prior (infinite for an untruncated Gaussian)."""


@dataclass(frozen=True)
class Uniform(Prior):
    low: float = 0.0
    high: float = 1.0

    def transform(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * u

    def to_cube(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class LogUniform(Prior):
    """Uniform in ln(x) between two positive bounds (scale-invariant prior)."""

    low: float = 1.0
    high: float = 10.0

    def transform(self, u: np.ndarray) -> np.ndarray:
        return self.low * np.exp(u * math.log(self.high / self.low))

    def to_cube(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, np.log(x / self.low), np.nan) / math.log(self.high / self.low)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        inside = (x >= self.low) & (x <= self.high)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = -np.log(x) - math.log(math.log(self.high / self.low))
        return np.where(inside, dens, -np.inf)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Gaussian(Prior):
    """Normal prior, optionally truncated to [low, high] (and then renormalised)."""

    mean: float = 0.0
    sigma: float = 1.0
    low: float = -math.inf
    high: float = math.inf

    @property
    def _log_mass(self) -> float:
        """ln of the normal probability inside [low, high], accurate far in either tail."""
        a = (self.low - self.mean) / self.sigma
        b = (self.high - self.mean) / self.sigma
        if a > 0:  # both bounds in the upper tail: use the mirror image
            a, b = -b, -a
        log_b, log_a = special.log_ndtr(b), special.log_ndtr(a)
        return float(log_b + np.log1p(-np.exp(log_a - log_b)))

    def transform(self, u: np.ndarray) -> np.ndarray:
        if math.isinf(self.low) and math.isinf(self.high):
            return self.mean + self.sigma * special.ndtri(u)
        a = (self.low - self.mean) / self.sigma
        b = (self.high - self.mean) / self.sigma
        return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sigma)

    def to_cube(self, x: np.ndarray) -> np.ndarray:
        z = (np.asarray(x, dtype=float) - self.mean) / self.sigma
        a = (self.low - self.mean) / self.sigma
        b = (self.high - self.mean) / self.sigma
        if a > 0:  # both bounds in the upper tail: survival functions keep the precision
            upper, lower = special.ndtr(-a), special.ndtr(-b)
            return (upper - special.ndtr(-z)) / (upper - lower)
        lower, upper = special.ndtr(a), special.ndtr(b)
        return (special.ndtr(z) - lower) / (upper - lower)

    def log_density(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.sigma
        dens = -0.5 * z * z - math.log(self.sigma * math.sqrt(2 * math.pi)) - self._log_mass
        return np.where((x >= self.low) & (x <= self.high), dens, -np.inf)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Fixed:
    name: str
    value: float
    latex: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Derived:
    name: str
    expression: Expression
    latex: str = ""
    unit: str = ""


@dataclass
class ParameterSpace:
    """All parameters of a run: sampled (in YAML order), fixed and derived."""

    sampled: list[Prior]
    fixed: list[Fixed] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)

    def __post_init__(self) -> None:
        every = [p.name for p in (*self.sampled, *self.fixed, *self.derived)]
        twice = sorted({name for name in every if every.count(name) > 1})
        if twice:
            raise ValueError(f"parameter name(s) used twice: {', '.join(twice)}")
        known = [p.name for p in self.sampled] + [p.name for p in self.fixed]
        order = topological_order({d.name: d.expression for d in self.derived}, known)
        by_name = {d.name: d for d in self.derived}
        self.derived = [by_name[name] for name in order]

    @property
    def ndim(self) -> int:
        return len(self.sampled)

    @property
    def sampled_names(self) -> list[str]:
        return [p.name for p in self.sampled]

    @property
    def names(self) -> list[str]:
        """Every parameter, in the order they are written to the output."""
        return self.sampled_names + [p.name for p in self.fixed] + [d.name for d in self.derived]

    def labels(self) -> dict[str, tuple[str, str]]:
        """LaTeX label and unit of each parameter (empty strings where not given)."""
        return {p.name: (p.latex, p.unit) for p in (*self.sampled, *self.fixed, *self.derived)}

    def transform(self, cube: np.ndarray) -> dict[str, np.ndarray]:
        """Unit-cube points, shape (n, ndim), to a dict of parameter arrays of shape (n,)."""
        cube = np.atleast_2d(np.asarray(cube, dtype=float))
        if cube.shape[1] != self.ndim:
            raise ValueError(f"expected points with {self.ndim} coordinates, got {cube.shape[1]}")
        values = {p.name: p.transform(cube[:, i]) for i, p in enumerate(self.sampled)}
        return self.complete(values, len(cube))

    def complete(self, values: dict[str, np.ndarray], n: int | None = None
                 ) -> dict[str, np.ndarray]:
        """Add fixed and derived parameters to a dict of ``n`` points' sampled parameters.

        Fixed or derived parameters already in ``values`` (given points) keep their values;
        derived ones are computed from the values of the others, given or not. The result
        lists every parameter in the order of `names`."""
        if n is None:
            n = len(next(iter(values.values()))) if values else 1
        values = dict(values)
        for p in self.fixed:
            values.setdefault(p.name, np.full(n, p.value))
        for d in self.derived:
            if d.name not in values:
                values[d.name] = np.broadcast_to(d.expression(values), (n,)).astype(float)
        return {name: values[name] for name in self.names}

    def to_cube(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """Unit-cube coordinates, shape (n, ndim), of the sampled parameters in ``values``
        (outside [0, 1] for values outside the prior's support; see `Prior.to_cube`)."""
        return np.column_stack([p.to_cube(values[p.name]) for p in self.sampled]) \
            if self.sampled else np.zeros((len(next(iter(values.values()), [])), 0))

    def log_prior(self, x: np.ndarray) -> np.ndarray:
        """Log prior density of sampled-parameter points, shape (n, ndim) -> (n,)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return sum((p.log_density(x[:, i]) for i, p in enumerate(self.sampled)),
                   start=np.zeros(len(x)))
