"""Committees of regressors that predict, for unit-cube points, the distance to the target.

The target is `fit.ml.labels.distance` (y <= ln 2 in target), possibly with one more
column per likelihood term. Every member trains on its own bootstrap resample of the
points; the members' mean is the prediction and their spread the disagreement that
drives exploration (query by committee, arXiv:1905.08628). The points a member did not
draw are its out-of-bag points: their predictions (`Committee.oob`) are honest, and
calibrate the committee's score into a probability of being in target
(`fit.ml.selection.Calibration`).

- ``mlp``: scikit-learn `MLPRegressor` members (default), warm-started from the previous
  round: ``epochs`` passes over the data the first time, ``update_epochs`` after.
- ``gbdt``: scikit-learn `GradientBoostingRegressor` members (one per output column),
  refitted every round.
- ``torch``: PyTorch MLPs trained side by side in one batched network
  (`fit.ml.torch_ensemble`; needs ``pip install torch``).

Inputs are unit-cube coordinates, mapped to [-1, 1] inside the networks.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

MODELS = ("mlp", "gbdt", "torch")


class Committee(ABC):
    """A committee of ``members`` regressors with ``outputs`` target columns."""

    kind: str = ""

    def __init__(self, *, members: int = 4, hidden: tuple[int, ...] = (64, 64), seed: int = 0,
                 epochs: int = 200, update_epochs: int = 40):
        if members < 1:
            raise ValueError(f"a committee needs at least one member, got {members}")
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden layer sizes must be positive, got {list(hidden)}")
        self.members = members
        self.hidden = tuple(hidden)
        self.seed = seed
        self.epochs, self.update_epochs = epochs, update_epochs
        self.outputs = 0
        self.ndim = 0
        self.fits = 0
        #: out-of-bag mean prediction of the last training points, (n, outputs)
        self.oob: np.ndarray | None = None
        #: the members' spread on the last training points, (n, outputs)
        self.oob_spread: np.ndarray | None = None

    @property
    def trained(self) -> bool:
        return self.outputs > 0

    def fit(self, x: np.ndarray, y: np.ndarray, balance: np.ndarray | None = None) -> None:
        """Train on points ``x`` (n, ndim) and targets ``y`` (n,) or (n, outputs); each
        member on a bootstrap resample, class-balanced when ``balance`` (n,) bool gives
        the class of every point (half the resample from each class, so that a rare class
        weighs as much as a common one). Afterwards `oob` holds the out-of-bag prediction
        of every point (the whole committee's, for a point every member drew) and
        `oob_spread` the members' spread there."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        y = y[:, None] if y.ndim == 1 else y
        if self.trained and (y.shape[1] != self.outputs or x.shape[1] != self.ndim):
            raise ValueError(f"the committee was trained with {self.ndim} inputs and "
                             f"{self.outputs} outputs, not {x.shape[1]} and {y.shape[1]}")
        self.outputs, self.ndim = y.shape[1], x.shape[1]
        rng = np.random.default_rng([self.seed, self.fits])
        n = len(x)
        rows = _resample(rng, n, self.members, balance)
        counts = np.stack([np.bincount(r, minlength=n) for r in rows])
        self._fit(x, y, rows, counts, self.epochs if self.fits == 0 else self.update_epochs)
        self.fits += 1
        out = counts == 0                                  # (K, n)
        each = self.predict_members(x)                     # (K, n, m)
        n_out = out.sum(axis=0)[:, None]
        self.oob = np.where(n_out > 0, (each * out[:, :, None]).sum(axis=0)
                            / np.maximum(n_out, 1), each.mean(axis=0))
        self.oob_spread = each.std(axis=0)

    @abstractmethod
    def _fit(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, counts: np.ndarray,
             epochs: int) -> None:
        """Train member k on ``x[rows[k]]`` (equivalently: weights ``counts[k]``)."""

    @abstractmethod
    def predict_members(self, x: np.ndarray) -> np.ndarray:
        """Each member's prediction, shape (members, n, outputs)."""

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean prediction and the members' standard deviation, each (n, outputs)."""
        p = self.predict_members(np.atleast_2d(np.asarray(x, dtype=float)))
        return p.mean(axis=0), p.std(axis=0)


class SklearnMLP(Committee):
    """scikit-learn multi-layer perceptrons (ReLU, Adam, learning rate 3e-3, batches of 128)."""

    kind = "mlp"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.models: list[Any] = []

    def _fit(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, counts: np.ndarray,
             epochs: int) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        if not self.models:
            # no early stopping: each round trains exactly ``epochs`` passes, warm-started
            self.models = [MLPRegressor(hidden_layer_sizes=self.hidden, alpha=1e-4,
                                        learning_rate_init=3e-3, batch_size=128,
                                        max_iter=epochs, n_iter_no_change=1 << 30,
                                        warm_start=True, random_state=self.seed + i)
                           for i in range(self.members)]
        target = y if self.outputs > 1 else y[:, 0]
        for model, r in zip(self.models, rows, strict=True):
            model.max_iter = epochs
            model.batch_size = min(128, len(r))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(2.0 * x[r] - 1.0, target[r])

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        z = 2.0 * np.atleast_2d(x) - 1.0
        return np.stack([model.predict(z).reshape(len(z), self.outputs)
                         for model in self.models])


class SklearnGBDT(Committee):
    """scikit-learn gradient boosting (150 depth-3 trees), one model per output and member."""

    kind = "gbdt"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.models: list[list[Any]] = []

    def _fit(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, counts: np.ndarray,
             epochs: int) -> None:
        from sklearn.ensemble import GradientBoostingRegressor

        self.models = []
        for i, r in enumerate(rows):
            member = []
            for j in range(self.outputs):
                model = GradientBoostingRegressor(n_estimators=150, learning_rate=0.1,
                                                  max_depth=3, random_state=self.seed + i)
                member.append(model.fit(x[r], y[r, j]))
            self.models.append(member)

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return np.stack([np.column_stack([model.predict(x) for model in member])
                         for member in self.models])


def _resample(rng: np.random.Generator, n: int, members: int,
              balance: np.ndarray | None) -> np.ndarray:
    """Rows of each member's training set, (members, n): a bootstrap resample, half from
    each class of ``balance`` when given and both classes occur; one member without
    ``balance`` trains on every row once."""
    if balance is not None:
        balance = np.asarray(balance, dtype=bool)
        ones, zeros = np.flatnonzero(balance), np.flatnonzero(~balance)
        if len(ones) and len(zeros):
            half = n // 2
            return np.concatenate([rng.choice(ones, size=(members, half)),
                                   rng.choice(zeros, size=(members, n - half))], axis=1)
    if members == 1:
        return np.arange(n)[None, :]
    return rng.integers(0, n, size=(members, n))


def torch_available() -> bool:
    """Whether PyTorch can be imported (the ``torch`` model needs it)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def make_committee(kind: str, *, members: int = 4, hidden: tuple[int, ...] = (64, 64),
                   seed: int = 0, epochs: int = 200, update_epochs: int = 40) -> Committee:
    """A new, untrained committee of the given kind (see the module docstring)."""
    options = {"members": members, "hidden": hidden, "seed": seed, "epochs": epochs,
               "update_epochs": update_epochs}
    if kind == "mlp":
        return SklearnMLP(**options)
    if kind == "gbdt":
        return SklearnGBDT(**options)
    if kind == "torch":
        if not torch_available():
            raise ValueError("model 'torch' needs PyTorch: pip install torch==2.13.0 "
                             "(a CPU build), or choose 'mlp' or 'gbdt'")
        from .torch_ensemble import TorchEnsemble

        return TorchEnsemble(**options)
    raise ValueError(f"unknown model '{kind}'; choose one of {', '.join(MODELS)}")
