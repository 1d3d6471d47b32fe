"""An ensemble of PyTorch MLP classifiers trained side by side as one batched network.

The members' weights are stacked along a leading axis and every layer is one batched
matrix product, so K members cost about one network of K times the width. Each member
sees its own Poisson(1) bootstrap weights (the streaming form of the bootstrap), so the
members disagree where the labels leave the boundary open; that disagreement drives the
exploration of the scan. Imported only when the ``torch`` classifier is chosen.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .classifiers import Committee


def _network(members: int, ndim: int, hidden: tuple[int, ...], outputs: int,
             generator: Any) -> Any:
    import torch

    class BatchedMLP(torch.nn.Module):
        """K MLPs in one module: input (n, ndim) in the unit cube, output logits (K, n, m)."""

        def __init__(self) -> None:
            super().__init__()
            sizes = [ndim, *hidden, outputs]
            self.weights = torch.nn.ParameterList()
            self.biases = torch.nn.ParameterList()
            for fan_in, fan_out in itertools.pairwise(sizes):
                bound = (6.0 / fan_in) ** 0.5   # He-uniform initialisation for ReLU
                w = (torch.rand(members, fan_in, fan_out, generator=generator) * 2 - 1) * bound
                self.weights.append(torch.nn.Parameter(w))
                self.biases.append(torch.nn.Parameter(torch.zeros(members, 1, fan_out)))

        def forward(self, x: Any) -> Any:
            h = (2.0 * x - 1.0).unsqueeze(0).expand(self.weights[0].shape[0], -1, -1)
            last = len(self.weights) - 1
            for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
                h = torch.baddbmm(b, h, w)
                if i < last:
                    h = torch.relu(h)
            return h

    return BatchedMLP()


def probability_module(network: Any) -> Any:
    """The network with a sigmoid head, for export: (n, ndim) -> probabilities (n, K, m)."""
    import torch

    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, x: Any) -> Any:
            return torch.sigmoid(self.network(x)).permute(1, 0, 2)

    return Head()


class TorchEnsemble(Committee):
    """PyTorch MLP ensemble (ReLU, Adam, weighted binary cross-entropy), warm-started."""

    kind = "torch"

    def __init__(self, *, members: int = 5, hidden: tuple[int, ...] = (64, 64), seed: int = 0,
                 epochs: int = 150, batch: int = 256, learning_rate: float = 3e-3):
        super().__init__(members=members, hidden=hidden, seed=seed)
        self.epochs, self.batch, self.learning_rate = epochs, batch, learning_rate
        self.network: Any = None

    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> None:
        import torch

        y = np.asarray(y, dtype=bool)
        y = y[:, None] if y.ndim == 1 else y
        generator = torch.Generator().manual_seed(self.seed)
        if self.network is None or self.outputs != y.shape[1] or self.ndim != x.shape[1]:
            self.network = _network(self.members, x.shape[1], self.hidden, y.shape[1],
                                    generator)
        self.outputs, self.ndim = y.shape[1], x.shape[1]
        rng = np.random.default_rng(self.seed)
        boot = rng.poisson(1.0, size=(self.members, len(x))) if self.members > 1 \
            else np.ones((1, len(x)))
        xt = torch.as_tensor(x, dtype=torch.float32)
        yt = torch.as_tensor(y, dtype=torch.float32)
        wt = torch.as_tensor(boot * weight[None, :], dtype=torch.float32)   # (K, n)
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.learning_rate,
                                     weight_decay=1e-5)
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
        n = len(x)
        for _ in range(self.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, self.batch):
                rows = order[start:start + self.batch]
                logits = self.network(xt[rows])                       # (K, b, m)
                loss = loss_fn(logits, yt[rows].expand_as(logits)).mean(dim=2)
                loss = (loss * wt[:, rows]).sum() / wt[:, rows].sum().clamp(min=1.0)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.seed += 1

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            logits = self.network(torch.as_tensor(x, dtype=torch.float32))
        return torch.sigmoid(logits).numpy().astype(float)
