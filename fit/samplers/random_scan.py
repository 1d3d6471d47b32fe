"""Random scan: points drawn independently from the prior.

Useful as a baseline, for coverage maps of the prior, and as training data for
the ML-steered scan. Its points are not a posterior sample weighted by the
likelihood; they are a prior sample.
"""

from __future__ import annotations

import numpy as np

from ..errors import SamplerError
from . import Scan, sampler


@sampler("random", aliases=("random_scan", "uniform", "prior", "monte_carlo"))
def run(scan: Scan, *, n_points: int = 1000, batch_size: int = 256) -> dict[str, int] | None:
    """Evaluate ``n_points`` prior draws in batches of ``batch_size`` (spread over all ranks).

    A resumed run draws only the points still missing, from a random stream
    that depends on the seed and on how many points were done, so it does not
    repeat the points already written.
    """
    if n_points < 0 or batch_size < 1:
        raise SamplerError(f"sampler 'random' needs n_points >= 0 and batch_size >= 1, got "
                           f"n_points={n_points}, batch_size={batch_size}")
    def loop() -> dict[str, int]:
        done = scan.resume.n_points
        rng = np.random.default_rng([scan.seed, done])
        while done < n_points:
            m = min(batch_size, n_points - done)
            scan.loglike(rng.random((m, scan.ndim)))
            done += m
        return {"n_points": done}

    return scan.drive(loop)
