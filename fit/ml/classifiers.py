"""Committees of classifiers that predict, for unit-cube points, the chance to be in target.

Every committee has several members trained on bootstrap resamples of the same labels;
the mean of their probabilities is the prediction and their spread the disagreement
that drives exploration (query by committee, arXiv:1905.08628). Labels may have several
columns (the target, then one per likelihood term); every member predicts all columns.

- ``mlp``: scikit-learn `MLPClassifier` members (default), refitted every round (a warm
  start from the previous round stops after a few epochs: its best loss is that of the
  old, smaller training set).
- ``gbdt``: scikit-learn `GradientBoostingClassifier` members (one per label column; the
  histogram variant is faster to train but skl2onnx 1.20 cannot convert it under numpy 2).
- ``torch``: an ensemble of PyTorch MLPs trained side by side in one batched network
  (needs ``pip install torch``; see `fit.ml.torch_ensemble`).

Inputs are unit-cube coordinates; sample weights balance the classes (`fit.ml.labels`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

CLASSIFIERS = ("mlp", "gbdt", "torch")


class Committee(ABC):
    """A committee of ``members`` classifiers with ``outputs`` label columns."""

    kind: str = ""

    def __init__(self, *, members: int = 3, hidden: tuple[int, ...] = (64, 64), seed: int = 0):
        if members < 1:
            raise ValueError(f"a committee needs at least one member, got {members}")
        if not hidden or any(h < 1 for h in hidden):
            raise ValueError(f"hidden layer sizes must be positive, got {list(hidden)}")
        self.members = members
        self.hidden = tuple(hidden)
        self.seed = seed
        self.outputs = 0
        self.ndim = 0

    @abstractmethod
    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        """Train on points ``x`` (n, ndim), labels ``y`` (n, outputs) bool, weights (n,)."""

    @abstractmethod
    def predict_members(self, x: np.ndarray) -> np.ndarray:
        """Each member's probabilities, shape (members, n, outputs)."""

    @property
    def trained(self) -> bool:
        return self.outputs > 0

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean probability and the members' standard deviation, each (n, outputs)."""
        p = self.predict_members(np.atleast_2d(np.asarray(x, dtype=float)))
        return p.mean(axis=0), p.std(axis=0)

    def _bootstrap(self, rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
        """Row indices of a bootstrap resample drawn within each class of the first label
        column, so every member sees both classes."""
        rows = []
        for cls in (False, True):
            index = np.flatnonzero(y[:, 0] == cls)
            rows.append(rng.choice(index, size=len(index)) if self.members > 1 else index)
        return np.concatenate(rows)


def _two_columns(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=bool)
    return y[:, None] if y.ndim == 1 else y


class SklearnMLP(Committee):
    """scikit-learn multi-layer perceptrons (ReLU, Adam, learning rate 3e-3)."""

    kind = "mlp"

    def __init__(self, *, members: int = 3, hidden: tuple[int, ...] = (64, 64), seed: int = 0,
                 max_iter: int = 200):
        super().__init__(members=members, hidden=hidden, seed=seed)
        self.max_iter = max_iter
        self.models: list[Any] = []

    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        y = _two_columns(y)
        if self.outputs not in (0, y.shape[1]) or self.ndim not in (0, x.shape[1]):
            self.models = []   # the label layout changed: start again
        self.outputs, self.ndim = y.shape[1], x.shape[1]
        rng = np.random.default_rng(self.seed)
        if not self.models:
            self.models = [MLPClassifier(hidden_layer_sizes=self.hidden, alpha=1e-4,
                                         learning_rate_init=3e-3, max_iter=self.max_iter,
                                         tol=1e-4, n_iter_no_change=10,
                                         random_state=self.seed + i)
                           for i in range(self.members)]
        for model in self.models:
            rows = self._bootstrap(rng, y)
            target = y[rows] if self.outputs > 1 else y[rows, 0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x[rows], target.astype(int), sample_weight=weight[rows])
        self.seed += 1   # the next round draws other bootstrap samples

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        out = []
        for model in self.models:
            p = model.predict_proba(x)
            out.append(p[:, 1:2] if self.outputs == 1 else p)
        return np.stack(out)


class SklearnGBDT(Committee):
    """scikit-learn gradient boosting (depth-3 trees), one model per label column and member."""

    kind = "gbdt"

    def __init__(self, *, members: int = 3, hidden: tuple[int, ...] = (64, 64), seed: int = 0,
                 max_iter: int = 150):
        super().__init__(members=members, hidden=hidden, seed=seed)
        self.max_iter = max_iter
        self.models: list[list[Any]] = []

    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        from sklearn.ensemble import GradientBoostingClassifier

        y = _two_columns(y)
        self.outputs, self.ndim = y.shape[1], x.shape[1]
        rng = np.random.default_rng(self.seed)
        self.models = []
        for i in range(self.members):
            rows = self._bootstrap(rng, y)
            member = []
            for j in range(self.outputs):
                model = GradientBoostingClassifier(n_estimators=self.max_iter,
                                                   learning_rate=0.1, max_depth=3,
                                                   random_state=self.seed + i)
                if np.unique(y[rows, j]).size < 2:   # a column with one class: a constant
                    member.append(bool(y[rows[0], j]))
                    continue
                model.fit(x[rows], y[rows, j].astype(int), sample_weight=weight[rows])
                member.append(model)
            self.models.append(member)
        self.seed += 1

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((self.members, len(x), self.outputs))
        for i, member in enumerate(self.models):
            for j, model in enumerate(member):
                out[i, :, j] = float(model) if isinstance(model, bool) \
                    else model.predict_proba(x)[:, 1]
        return out


def torch_available() -> bool:
    """Whether PyTorch can be imported (the ``torch`` classifier needs it)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def make_committee(kind: str, *, members: int = 3, hidden: tuple[int, ...] = (64, 64),
                   seed: int = 0) -> Committee:
    """A new, untrained committee of the given kind (see the module docstring)."""
    if kind == "mlp":
        return SklearnMLP(members=members, hidden=hidden, seed=seed)
    if kind == "gbdt":
        return SklearnGBDT(members=members, hidden=hidden, seed=seed)
    if kind == "torch":
        if not torch_available():
            raise ValueError("classifier 'torch' needs PyTorch: pip install torch==2.13.0 "
                             "(a CPU build), or choose 'mlp' or 'gbdt'")
        from .torch_ensemble import TorchEnsemble

        return TorchEnsemble(members=members, hidden=hidden, seed=seed)
    raise ValueError(f"unknown classifier '{kind}'; choose one of {', '.join(CLASSIFIERS)}")
