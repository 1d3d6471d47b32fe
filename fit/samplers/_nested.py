"""What the dynesty, nautilus and UltraNest adapters share: checkpoint paths, fresh starts,
seeds, and writing the weighted posterior.

No sampler is registered here and nothing heavy is imported.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Scan

log = logging.getLogger("fit.samplers")


def require_dimensions(scan: Scan, name: str, minimum: int = 1) -> None:
    """Nested samplers need sampled parameters (fixed and derived ones do not count)."""
    if scan.ndim < minimum:
        raise SamplerError(f"sampler '{name}' needs at least {minimum} sampled parameter(s), "
                           f"the run has {scan.ndim}")


def checkpoint_path(scan: Scan, suffix: str) -> Path:
    """``<run dir>/<output stem>-<suffix>``: next to the run's HDF5 file, one per output file.

    Suffixes avoid ``.h5``: `fit.results.load` of a run directory reads its one ``*.h5``.
    """
    stem = scan.writer.path.stem if scan.writer is not None else "run"
    return scan.run_dir / f"{stem}-{suffix}"


def start_fresh(scan: Scan, *paths: Path) -> bool:
    """Whether this run starts from scratch (no points written yet); if so, delete the
    checkpoint ``paths`` left by an earlier run, so that it is not resumed by mistake."""
    if scan.resume.n_points > 0:
        return False
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return True


def seed_for(scan: Scan) -> list[int]:
    """Entropy for a library's random generator: the run's seed for a fresh run, the seed and
    the number of points already written for a resume without a checkpoint, so that such a
    resume does not draw the points written before again."""
    return [scan.seed] if scan.resume.n_points == 0 else [scan.seed, scan.resume.n_points]


def missing_points(scan: Scan, cube: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
    """Mask of the rows of ``cube`` that are not (yet) in the output file."""
    from scipy.spatial import cKDTree

    _, written = scan.writer.cube(scan.space.sampled_names)
    if len(written) == 0:
        return np.ones(len(cube), dtype=bool)
    distance, _ = cKDTree(written).query(cube)
    return distance > tolerance


def finish(scan: Scan, name: str, cube: np.ndarray, weights: np.ndarray, *, logz: float,
           logz_err: float, **attributes: Any) -> dict[str, Any]:
    """Write the weighted posterior (``/posterior``) and return the run's summary (rank 0).

    A checkpoint can hold points evaluated after the output's last flush before a SIGKILL;
    those are missing from the file and are evaluated again (and so written) first, so that
    every posterior point refers to a written point.
    """
    cube = np.atleast_2d(np.asarray(cube, dtype=float))
    weights = np.asarray(weights, dtype=float)
    keep = weights > 0
    cube, weights = cube[keep], weights[keep]
    missing = missing_points(scan, cube)
    if missing.any():
        log.warning("%s: %d posterior point(s) from the checkpoint were not in the output "
                    "(lost with the last kill); evaluating them again", name, missing.sum())
        scan.loglike(np.unique(cube[missing], axis=0))
    summary = {"logz": float(logz), "logz_err": float(logz_err), **attributes}
    scan.write_posterior(cube, weights, **summary)
    n_eff = float(weights.sum() ** 2 / (weights**2).sum())
    log.info("%s: ln Z = %.3f +- %.3f, %d posterior points (effective %.0f)", name, logz,
             logz_err, len(cube), n_eff)
    return {**summary, "n_posterior": len(cube), "n_eff": n_eff}
