"""nautilus (Lange 2023, arXiv:2306.16923): importance nested sampling with neural-network
bounds.

nautilus explores the likelihood shell by shell, bounding each shell with
ellipsoids and a neural-network emulator of the likelihood, then samples the
shells until the effective posterior sample reaches ``n_eff``. Every point is
used (importance weights), so it needs few likelihood calls for a posterior
and an evidence; good up to a few tens of parameters.

- Batches: nautilus is vectorised here: each batch of ``n_batch`` points goes
  to ``scan.loglike`` at once (spread over the MPI ranks, written by rank 0).
  nautilus's own pools are not used. Its prior is the identity on the unit
  cube; the framework applies the priors.
- Resume: the checkpoint is nautilus's HDF5 file,
  ``<run dir>/<output stem>-nautilus.hdf5``. nautilus rewrites it after every
  batch, in place, and whole after each new bound; here it is written whole
  to a temporary file renamed over the old one (a kill cannot leave half a
  file), at most every ``checkpoint_every`` seconds and at the end. After SIGTERM/SIGINT
  the batch that was interrupted is taken back out of nautilus's state and a
  checkpoint is written. A fresh run deletes the old file.
- Result: nautilus's weighted points go to ``/posterior``; ``logz_err`` is
  1/sqrt(n_eff), the statistical uncertainty of ln Z the nautilus paper (and
  its author, johannesulf/nautilus#52) gives; it does not cover a bias from
  too few live points (vary ``n_live`` to check). ``discard_exploration`` is
  on by default, as the author recommends for unbiased results.
"""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Interrupted, Scan, sampler
from ._nested import checkpoint_path, finish, require_dimensions, seed_for, start_fresh

log = logging.getLogger(__name__)


def _identity(u: np.ndarray) -> np.ndarray:
    """nautilus's prior transform: the framework applies the priors itself."""
    return u


def _temporary(path: Path) -> Path:
    return path.with_name(f"{path.stem}.tmp{path.suffix}")


def _checkpointed(base: type, every: float) -> type:
    """A subclass of nautilus's ``Sampler`` whose checkpoints survive a kill at any moment."""

    class CheckpointedSampler(base):  # type: ignore[misc, valid-type]
        _last_write = -math.inf

        def save(self, filepath: str | Path) -> None:
            """Write the whole state to a temporary file, then rename it over the old one."""
            filepath = Path(filepath)
            temporary = _temporary(filepath)
            super().write(temporary, overwrite=True)
            os.replace(temporary, filepath)
            self._last_write = time.monotonic()

        def write(self, filepath: str | Path, overwrite: bool = False) -> None:
            """nautilus calls this after each new bound: `save`, at most every ``every`` s
            (a whole write takes a while: it holds every point and bound)."""
            if time.monotonic() - self._last_write >= every:
                self.save(filepath)

        def write_shell_update(self, filepath: str | Path, shell: int) -> None:
            """nautilus calls this after every batch, to update its file in place: `save`
            instead, at most every ``every`` s."""
            self.write(filepath)

        def add_samples(self, shell: int, verbose: bool = False) -> int:
            """nautilus's batch step; on `Interrupted`, undo its changes made before the
            likelihood call (the batch's draws), save, and re-raise."""
            saved = (self.shell_n_sample.copy(), self.shell_t.copy(), list(self.points),
                     list(self.log_l), None if self.blobs is None else list(self.blobs))
            try:
                return super().add_samples(shell, verbose=verbose)
            except Interrupted:
                (self.shell_n_sample, self.shell_t, self.points, self.log_l,
                 self.blobs) = saved
                if self.filepath is not None:
                    self.save(self.filepath)
                    log.info("nautilus: checkpoint saved to %s", self.filepath)
                raise

    return CheckpointedSampler


def _stored_dimensions(path: Path) -> int:
    import h5py

    with h5py.File(path, "r") as f:
        return int(f["sampler"].attrs["n_dim"])


@sampler("nautilus", aliases=("nautilus_sampler",))
def run(scan: Scan, *, n_live: int = 2000, n_eff: int = 10000, f_live: float = 0.01,
        n_shell: int = 1, discard_exploration: bool = True, n_batch: int | None = None,
        n_networks: int = 4, neural_network_kwargs: dict | None = None,
        n_update: int | None = None, enlarge_per_dim: float = 1.1,
        split_threshold: float = 100.0, n_like_max: int | None = None,
        checkpoint_every: float = 60.0, verbose: bool = False) -> dict[str, Any] | None:
    """Posterior and evidence with nautilus.

    Options as in nautilus's ``Sampler``/``run``: ``n_live`` (live points per
    bound), ``n_eff`` (stop at this effective posterior sample size),
    ``f_live`` (exploration ends when the live set holds less than this
    fraction of the evidence), ``n_shell``, ``discard_exploration``,
    ``n_networks``, ``neural_network_kwargs`` (for sklearn's MLPRegressor,
    e.g. ``{hidden_layer_sizes: [64, 32]}``), ``n_update``,
    ``enlarge_per_dim``, ``split_threshold``,
    ``n_like_max`` (None: no limit), ``verbose`` (nautilus's status lines on
    stdout). Framework choices: ``discard_exploration`` true (nautilus: false),
    ``n_batch`` (points per batch; None: the smallest multiple of 4 x ranks
    that is at least 100), ``checkpoint_every`` [s].
    """
    require_dimensions(scan, "nautilus", 2)
    if n_live < 1 or n_eff <= 0 or not 0 < f_live < 1:
        raise SamplerError(f"sampler 'nautilus' needs n_live >= 1, n_eff > 0 and "
                           f"0 < f_live < 1, got {n_live}, {n_eff}, {f_live}")
    if n_batch is not None and n_batch < 1:
        raise SamplerError(f"sampler 'nautilus' needs n_batch >= 1, got {n_batch}")

    def loop() -> dict[str, Any]:
        import nautilus

        path = checkpoint_path(scan, "nautilus.hdf5")
        fresh = start_fresh(scan, path, _temporary(path))
        resume = not fresh and path.exists()
        if resume:
            stored = _stored_dimensions(path)
            if stored != scan.ndim:
                raise SamplerError(f"checkpoint {path} has {stored} dimensions, the run "
                                   f"{scan.ndim}: delete it or use --overwrite")
            log.info("nautilus: resuming from checkpoint %s", path)
        step = 4 * scan.size
        batch = n_batch if n_batch is not None else step * math.ceil(100 / step)
        cls = _checkpointed(nautilus.Sampler, checkpoint_every)
        naut = cls(_identity, scan.loglike, n_dim=scan.ndim, n_live=n_live,
                   n_update=n_update, enlarge_per_dim=enlarge_per_dim,
                   split_threshold=split_threshold, n_networks=n_networks,
                   neural_network_kwargs=neural_network_kwargs or {}, n_batch=batch,
                   vectorized=True, pass_dict=False, seed=seed_for(scan), filepath=path,
                   resume=resume)
        done = naut.run(f_live=f_live, n_shell=n_shell, n_eff=n_eff,
                        n_like_max=np.inf if n_like_max is None else n_like_max,
                        discard_exploration=discard_exploration, verbose=verbose)
        naut.save(path)
        if not done:
            log.warning("nautilus stopped at n_like_max = %s before reaching n_eff = %s",
                        n_like_max, n_eff)
        points, log_w, _ = naut.posterior()
        n_effective = float(naut.n_eff)
        return finish(scan, "nautilus", points, np.exp(log_w - log_w.max()),
                      logz=float(naut.log_z), logz_err=1.0 / math.sqrt(n_effective),
                      n_eff_nautilus=n_effective, n_calls=int(naut.n_like),
                      converged=bool(done))

    return scan.drive(loop)
