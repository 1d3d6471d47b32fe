"""Toy likelihoods with known answers, for testing the framework and the samplers.

They need no physics. Each takes the names of the parameters it acts on as an
option, so one toy serves any dimension. Where an analytic evidence exists for
a uniform prior box, the class offers it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from fit import likelihood


def _stack(names: tuple[str, ...], values: dict[str, np.ndarray]) -> np.ndarray:
    """Parameter arrays -> matrix of shape (n_points, n_parameters)."""
    return np.stack([np.asarray(values[name], dtype=float) for name in names], axis=-1)


def _names(parameters: list) -> tuple[str, ...]:
    if not parameters or not all(isinstance(p, str) for p in parameters):
        raise ValueError("'parameters' must be a non-empty list of parameter names")
    return tuple(parameters)


@likelihood("gaussian", vectorised=True, name="correlated_gaussian")
class CorrelatedGaussian:
    """Normalised multivariate Gaussian log-density: ln N(x; mean, C).

    ``C`` has standard deviations ``sigma`` and one correlation coefficient
    ``correlation`` between every pair. Over a uniform prior box the evidence
    is the Gaussian's probability inside the box divided by the box volume.
    """

    def __init__(self, *, parameters: list, mean: list | None = None,
                 sigma: list | None = None, correlation: float = 0.0):
        self.needs = _names(parameters)
        d = len(self.needs)
        self.mean = np.zeros(d) if mean is None else np.asarray(mean, dtype=float)
        sig = np.ones(d) if sigma is None else np.asarray(sigma, dtype=float)
        if self.mean.shape != (d,) or sig.shape != (d,):
            raise ValueError(f"'mean' and 'sigma' need {d} entries, one per parameter")
        if np.any(sig <= 0):
            raise ValueError("'sigma' entries must be positive")
        if not -1.0 / max(d - 1, 1) < correlation < 1.0:
            raise ValueError(f"'correlation' must lie in (-1/(d-1), 1) for a positive-definite "
                             f"covariance, got {correlation}")
        corr = np.full((d, d), correlation) + (1 - correlation) * np.eye(d)
        self.cov = corr * np.outer(sig, sig)
        self._dist = stats.multivariate_normal(self.mean, self.cov)

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        return np.atleast_1d(self._dist.logpdf(_stack(self.needs, values)))

    def log_evidence(self, low: list[float], high: list[float]) -> float:
        """ln Z for a uniform prior on the box [low, high] (exact, via the Gaussian CDF)."""
        low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
        mass = stats.multivariate_normal(self.mean, self.cov).cdf(high, lower_limit=low)
        return float(np.log(mass) - np.sum(np.log(high - low)))


@likelihood("eggbox", vectorised=True, name="eggbox")
class Eggbox:
    """The eggbox: ln L = (2 + cos(x/2) cos(y/2))^5, many equal modes (prior [0, 10 pi]^2)."""

    def __init__(self, *, parameters: list):
        self.needs = _names(parameters)
        if len(self.needs) != 2:
            raise ValueError("the eggbox takes exactly two parameters")

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        x, y = (np.asarray(values[n], dtype=float) for n in self.needs)
        return (2.0 + np.cos(x / 2.0) * np.cos(y / 2.0)) ** 5


@likelihood("rosenbrock", vectorised=True, name="rosenbrock")
class Rosenbrock:
    """Rosenbrock's valley: ln L = -sum_i [b (x_{i+1} - x_i^2)^2 + (a - x_i)^2].

    Maximum ln L = 0 at x_i = a for all i (a curved, narrow valley: a test of
    optimisers and of profile-likelihood samplers).
    """

    def __init__(self, *, parameters: list, a: float = 1.0, b: float = 100.0):
        self.needs = _names(parameters)
        if len(self.needs) < 2:
            raise ValueError("the Rosenbrock function needs at least two parameters")
        self.a, self.b = a, b

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        x = _stack(self.needs, values)
        return -np.sum(self.b * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (self.a - x[:, :-1]) ** 2,
                       axis=1)


@likelihood("shell", vectorised=True, name="gaussian_shell")
class GaussianShell:
    """A thin spherical shell: ln L = ln N(|x - centre| - radius; 0, width).

    With a small ``width`` the good region is a tiny fraction of the prior
    (the Gaussian-shell test of Feroz & Hobson, arXiv:0704.3704, section 6.2).
    """

    def __init__(self, *, parameters: list, radius: float = 2.0, width: float = 0.1,
                 centre: list | None = None):
        self.needs = _names(parameters)
        d = len(self.needs)
        self.centre = np.zeros(d) if centre is None else np.asarray(centre, dtype=float)
        if self.centre.shape != (d,):
            raise ValueError(f"'centre' needs {d} entries, one per parameter")
        if radius <= 0 or width <= 0:
            raise ValueError("'radius' and 'width' must be positive")
        self.radius, self.width = radius, width

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        r = np.linalg.norm(_stack(self.needs, values) - self.centre, axis=1)
        z = (r - self.radius) / self.width
        return -0.5 * z * z - math.log(self.width * math.sqrt(2 * math.pi))


@likelihood("bimodal", vectorised=True, name="two_gaussians")
class Bimodal:
    """Equal mixture of two unit-normalised Gaussians at +-separation/2 along the first axis."""

    def __init__(self, *, parameters: list, separation: float = 6.0, sigma: float = 0.5):
        self.needs = _names(parameters)
        if sigma <= 0:
            raise ValueError("'sigma' must be positive")
        d = len(self.needs)
        self.centres = np.zeros((2, d))
        self.centres[:, 0] = [-separation / 2, separation / 2]
        self.sigma = sigma

    def __call__(self, **values: np.ndarray) -> np.ndarray:
        x = _stack(self.needs, values)
        d = x.shape[1]
        norm = -0.5 * d * math.log(2 * math.pi * self.sigma**2)
        sq = ((x[:, None, :] - self.centres[None]) ** 2).sum(axis=2) / self.sigma**2
        return special.logsumexp(-0.5 * sq, axis=1) + norm - math.log(2)


@likelihood("counting")
def counting(signal_yield: float, *, observed: int = 10, background: float = 8.0) -> float:
    """Poisson log-likelihood of ``observed`` events given background + signal_yield.

    A one-bin counting experiment; with the toy collider providers in
    ``backends/toy_collider.py`` it exercises a multi-level graph.
    """
    mu = background + signal_yield
    return observed * math.log(mu) - mu - math.lgamma(observed + 1)
