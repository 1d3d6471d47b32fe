"""A regular grid over the unit cube: likelihood maps of one to a few parameters.

A grid is only affordable in low dimensions (n^d points), but there it is the
most transparent scan there is: a profile likelihood is the maximum along the
grid lines, and, because every cell of the cube holds the same prior mass, the
grid is also a quadrature of the posterior and of the evidence. With cell
centres the weights are those of the midpoint rule; with edges, of the
trapezoid rule. Both are only as good as the grid resolves the likelihood.

Points go out in a fixed order (C order: the last sampled parameter varies
fastest), so ``--resume`` continues after the ``scan.resume.n_points`` points
already written; their log-likelihoods are read back from the file, not
computed again, for the posterior table (`fit.samplers._replay`, which also
checks that the file holds this grid). A stop signal needs no checkpoint: the
file is one.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Scan, sampler
from ._replay import Replay

log = logging.getLogger(__name__)

NODES = ("centres", "centers", "edges")
MAX_POINTS = 2**53  # beyond this, flat indices stop being exact in float64 bookkeeping


def shape_of(points: int | list, ndim: int) -> tuple[int, ...]:
    """Points per sampled parameter from the option (one int for all, or one per parameter)."""
    counts = [points] * ndim if isinstance(points, int) else list(points)
    if len(counts) != ndim or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
                                      for n in counts):
        raise SamplerError(f"sampler 'grid' option 'points' must be an integer >= 1 or a list "
                           f"of {ndim} such integers (one per sampled parameter), got {points!r}")
    if math.prod(counts) > MAX_POINTS:
        raise SamplerError(f"sampler 'grid' option 'points' gives {math.prod(counts):.3g} grid "
                           f"points; fewer than {MAX_POINTS:.3g} please")
    return tuple(counts)


def axis(n: int, nodes: str) -> np.ndarray:
    """Unit-cube coordinates along one parameter: n cell centres, or n points from 0 to 1
    (edges; a single point sits at the centre)."""
    if nodes == "edges" and n > 1:
        return np.linspace(0.0, 1.0, n)
    return (np.arange(n) + 0.5) / n


def quadrature_weights(n: int, nodes: str) -> np.ndarray:
    """Prior mass carried by each point along one axis (sums to 1)."""
    if nodes == "edges" and n > 1:
        w = np.full(n, 1.0 / (n - 1))
        w[[0, -1]] *= 0.5
        return w
    return np.full(n, 1.0 / n)


def grid_points(start: int, stop: int, axes: list[np.ndarray]) -> np.ndarray:
    """Unit-cube coordinates of the grid points with flat indices [start, stop) (C order)."""
    index = np.unravel_index(np.arange(start, stop), tuple(len(a) for a in axes))
    return np.column_stack([a[i] for a, i in zip(axes, index, strict=True)])


@sampler("grid", aliases=("grid_scan", "mesh", "regular"))
def run(scan: Scan, *, points: int | list = 10, nodes: str = "centres", batch_size: int = 1024,
        posterior: bool = True) -> dict[str, Any] | None:
    """Evaluate the grid in batches of ``batch_size`` (1024), spread over all ranks.

    Options (defaults): ``points`` (10) per sampled parameter, or a list with one
    count per sampled parameter; ``nodes`` ('centres': cell centres (k + 1/2)/n, never on
    the prior boundary; 'edges': k/(n-1), including the boundary, where a Gaussian
    prior without range maps to infinity and the point is invalid); ``posterior`` (true):
    write the quadrature posterior table and ln Z (attribute ``logz``) when the grid
    is complete.
    """
    ndim = scan.ndim
    if ndim < 1:
        raise SamplerError("sampler 'grid' needs at least one sampled parameter")
    if nodes not in NODES:
        raise SamplerError(f"sampler 'grid' option 'nodes' must be 'centres' or 'edges', got "
                           f"'{nodes}'")
    if batch_size < 1:
        raise SamplerError(f"sampler 'grid' option 'batch_size' must be >= 1, got {batch_size}")
    nodes = "centres" if nodes == "centers" else nodes
    shape = shape_of(points, ndim)
    axes = [axis(n, nodes) for n in shape]
    total = math.prod(shape)

    def loop() -> dict[str, Any]:
        replay = Replay(scan)
        if scan.resume.n_points > total:
            log.warning("grid: the file holds %d points, more than the %d of this grid",
                        scan.resume.n_points, total)
        if not posterior:  # nothing to read back: check the last written point, skip the rest
            replay.cursor = max(0, min(scan.resume.n_points, total) - 1)
        loglike = np.empty(total) if posterior else None
        for start in range(replay.cursor, total, batch_size):
            stop = min(start + batch_size, total)
            values = replay.loglike(grid_points(start, stop, axes))
            if loglike is not None:
                loglike[start:stop] = values
        info = {"kind": "grid", "sampler": "grid", "shape": np.asarray(shape), "nodes": nodes,
                "order": "C (last sampled parameter fastest)",
                "parameters": json.dumps(scan.space.sampled_names)}
        result: dict[str, Any] = {"points": total}
        if loglike is not None:
            weights = np.ones(1)
            for n in shape:  # outer product, flattened in C order like the points
                weights = np.multiply.outer(weights, quadrature_weights(n, nodes)).ravel()
            logw = np.log(weights) + loglike
            top = float(np.max(logw))
            logz = top + math.log(float(np.sum(np.exp(logw - top))))
            posterior_weights = np.exp(logw - top)
            keep = posterior_weights > 0
            scan.write_posterior(grid_points(0, total, axes)[keep], posterior_weights[keep],
                                 logz=logz, quadrature="midpoint" if nodes == "centres"
                                 else "trapezoid")
            info["logz"] = result["logz"] = logz
        scan.writer.write_group("sampler_info", {}, info)
        log.info("grid: %d points%s", total,
                 f", quadrature ln Z = {result['logz']:.6g}" if "logz" in result else "")
        return result

    return scan.drive(loop)
