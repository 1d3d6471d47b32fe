"""A periodic progress line in the log: points, rate, valid fraction, best log-likelihood.

A log line rather than a redrawn bar, so that batch-system log files of long
MPI runs stay readable.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

log = logging.getLogger("fit.progress")


class Progress:
    """Counts points as rank 0 records them and logs a summary every ``interval`` seconds."""

    def __init__(self, total: int | None = None, *, interval: float = 10.0, done: int = 0):
        self.total = total
        self.interval = interval
        self.points = done
        self.new_points = 0
        self.valid = 0
        self.best = -math.inf
        self._start = self._last = time.monotonic()

    def update(self, valid: np.ndarray, loglike: np.ndarray) -> None:
        self.points += len(valid)
        self.new_points += len(valid)
        self.valid += int(np.count_nonzero(valid))
        if valid.any():
            self.best = max(self.best, float(np.max(loglike[valid])))
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            log.info(self.line())

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        total = f"/{self.total}" if self.total else ""
        fraction = self.valid / self.new_points if self.new_points else 0.0
        return (f"{self.points}{total} points, {self.new_points / elapsed:.1f}/s, "
                f"valid {fraction:.1%}, best lnL {self.best:.4g}")
