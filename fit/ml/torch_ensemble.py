"""A committee of PyTorch MLP regressors trained side by side as one batched network.

The members' weights are stacked along a leading axis and every layer is one batched
matrix product, so K members cost about one network of K times the width. Member k
weights each point by how often its bootstrap resample drew it. Warm-started: later
rounds continue from the previous weights. Imported only when the ``torch`` model is
chosen; runs on one thread (small matrices, and the cores belong to the evaluations).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .surrogates import Committee


@contextmanager
def _one_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _network(members: int, ndim: int, hidden: tuple[int, ...], outputs: int,
             generator: Any) -> Any:
    import torch

    class BatchedMLP(torch.nn.Module):
        """K MLPs in one module: input (n, ndim) in the unit cube, output (K, n, m)."""

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


def members_first(network: Any) -> Any:
    """The network with its output as (n, K, m), the layout of an exported committee."""
    import torch

    class Transposed(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, x: Any) -> Any:
            return self.network(x).permute(1, 0, 2)

    return Transposed()


class TorchEnsemble(Committee):
    """PyTorch MLP regressors (ReLU, Adam, learning rate 3e-3, batches of 128, MSE)."""

    kind = "torch"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.batch, self.learning_rate = 128, 3e-3
        self.network: Any = None
        self.optimiser: Any = None

    def _fit(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, counts: np.ndarray,
             epochs: int) -> None:
        import torch

        with _one_thread():
            generator = torch.Generator().manual_seed(self.seed + self.fits)
            if self.network is None:
                self.network = _network(self.members, x.shape[1], self.hidden, y.shape[1],
                                        generator)
                self.optimiser = torch.optim.Adam(self.network.parameters(),
                                                  lr=self.learning_rate, weight_decay=1e-5)
            xt = torch.as_tensor(x, dtype=torch.float32)
            yt = torch.as_tensor(y, dtype=torch.float32)
            wt = torch.as_tensor(counts, dtype=torch.float32)        # (K, n)
            n = len(x)
            for _ in range(epochs):
                order = torch.randperm(n, generator=generator)
                for start in range(0, n, self.batch):
                    batch = order[start:start + self.batch]
                    error = (self.network(xt[batch]) - yt[batch]) ** 2   # (K, b, m)
                    weight = wt[:, batch]
                    loss = (error.mean(dim=2) * weight).sum() / weight.sum().clamp(min=1.0)
                    self.optimiser.zero_grad()
                    loss.backward()
                    self.optimiser.step()

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        import torch

        with _one_thread(), torch.no_grad():
            out = self.network(torch.as_tensor(np.atleast_2d(x), dtype=torch.float32))
        return out.numpy().astype(float)
