"""emcee: the affine-invariant ensemble MCMC of Foreman-Mackey et al. (arXiv:1202.3665).

The chain runs on the unit cube: log p(u) = log L(T(u)) inside (0, 1)^d and
-inf outside (such proposals are rejected without being evaluated or
written). Because the prior transform T maps the prior onto the uniform
distribution on the cube, this is the posterior for any prior. Each half-step
of the ensemble (``vectorize=True``) is one batch through ``scan.loglike``, so
it is spread over all MPI ranks and written.

Resume, and why not emcee's HDFBackend: the backend would keep the chain in a
second HDF5 file, written at every step, while the run file is flushed every
``output.flush_seconds``; after a kill the two disagree, and a chain holding
points the run file lost would make the posterior table point at points that
were never written. Instead the run file is the checkpoint: the sampler's
random numbers all come from ``scan.seed``, so ``--resume`` runs the chain
again from the start and answers the steps already in the file from the file
(`fit.samplers._replay`; no point is evaluated twice), then continues to
``nsteps`` in total. The result is the uninterrupted chain, exactly. A stop
signal needs no checkpoint for the same reason. The cost of a resume is
reading the file's log L and cube columns and emcee's own arithmetic.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Scan, sampler
from ._replay import Replay

log = logging.getLogger(__name__)

MOVES = ("stretch", "de", "stretch+de")


def _moves(name: str) -> Any:
    """emcee moves for an option value. ``de``: ter Braak's DE-MC (Nelson et al. 2013
    scaling) with one proposal in ten at gamma = 1, which carries a walker from one
    mode to the same spot of another and so lets walkers move between separated modes."""
    from emcee import moves

    mode_hop = moves.DEMove(gamma0=1.0)
    if name == "stretch":
        return moves.StretchMove()
    if name == "de":
        return [(moves.DEMove(), 0.9), (mode_hop, 0.1)]
    return [(moves.StretchMove(), 0.5), (moves.DEMove(), 0.4), (mode_hop, 0.1)]


@sampler("emcee", aliases=("mcmc", "emcee_sampler", "ensemble"))
def run(scan: Scan, *, nwalkers: int | None = None, nsteps: int = 2000,
        burn: int | None = None, thin: int = 1, moves: str = "stretch"
        ) -> dict[str, Any] | None:
    """Run ``nwalkers`` walkers for ``nsteps`` steps; write the chain after ``burn`` as the
    posterior table (unit weights, every ``thin``-th step).

    Options (defaults): ``nwalkers`` (None: max(2 ndim + 2, 32); at least 2 ndim),
    ``nsteps`` (2000, the total over resumes), ``burn`` (None: nsteps // 2, safe without
    knowing the autocorrelation time tau; about 5 tau, recorded in the posterior
    attributes, keeps more), ``thin`` (1: thinning only discards information),
    ``moves`` ('stretch': emcee's default; 'de': DE-MC with mode hops, for separated
    modes, which the stretch move cannot cross; 'stretch+de': a mixture). Walkers
    start from prior draws; randomness from ``scan.seed``.
    """
    ndim = scan.ndim
    walkers = max(2 * ndim + 2, 32) if nwalkers is None else nwalkers
    discard = nsteps // 2 if burn is None else burn
    if ndim < 1:
        raise SamplerError("sampler 'emcee' needs at least one sampled parameter")
    if walkers < 2 * ndim or walkers < 4:
        raise SamplerError(f"sampler 'emcee' option 'nwalkers' must be >= max(2 ndim, 4) = "
                           f"{max(2 * ndim, 4)}, got {walkers}")
    if nsteps < 1:
        raise SamplerError(f"sampler 'emcee' option 'nsteps' must be >= 1, got {nsteps}")
    if not 0 <= discard < nsteps:
        raise SamplerError(f"sampler 'emcee' option 'burn' must lie in [0, nsteps) = "
                           f"[0, {nsteps}), got {discard}")
    if thin < 1:
        raise SamplerError(f"sampler 'emcee' option 'thin' must be >= 1, got {thin}")
    if moves not in MOVES:
        raise SamplerError(f"sampler 'emcee' option 'moves' must be one of {', '.join(MOVES)}; "
                           f"got '{moves}'")

    def loop() -> dict[str, Any]:
        import emcee

        replay = Replay(scan)

        def log_prob(u: np.ndarray) -> np.ndarray:
            u = np.atleast_2d(u)
            inside = np.all((u > 0) & (u < 1), axis=1)
            values = np.full(len(u), -np.inf)
            if inside.any():
                values[inside] = replay.loglike(u[inside])
            return values

        chain = emcee.EnsembleSampler(walkers, ndim, log_prob, vectorize=True,
                                      moves=_moves(moves))
        # emcee's wrapper prints every walker position to stderr before re-raising any
        # exception, also the `Interrupted` of a clean stop; call the function directly
        chain.log_prob_fn = log_prob
        start = np.random.default_rng(scan.seed).random((walkers, ndim))
        random = np.random.RandomState(scan.seed % 2**32).get_state()
        chain.run_mcmc(emcee.State(start, random_state=random), nsteps, progress=False)
        return _posterior(scan, chain, walkers=walkers, nsteps=nsteps, burn=discard,
                          thin=thin, moves=moves)

    return scan.drive(loop)


def _posterior(scan: Scan, chain: Any, *, walkers: int, nsteps: int, burn: int, thin: int,
               moves: str) -> dict[str, Any]:
    """Write the chain after burn-in as ``/posterior`` with its diagnostics."""
    samples = chain.get_chain(discard=burn, thin=thin, flat=True)
    tau = np.asarray(chain.get_autocorr_time(discard=burn, tol=0), dtype=float)
    tau_max = float(np.nanmax(tau)) if np.isfinite(tau).any() else math.nan
    kept = nsteps - burn
    effective = walkers * kept / tau_max if tau_max > 0 else math.nan
    acceptance = float(np.mean(chain.acceptance_fraction))
    attributes = {"acceptance_fraction": acceptance, "autocorr_time": tau,
                  # emcee's rule of thumb: tau is trustworthy from 50 tau of chain on
                  "autocorr_reliable": bool(kept > 50 * tau_max), "effective_samples": effective,
                  "nwalkers": walkers, "nsteps": nsteps, "burn": burn, "thin": thin,
                  "moves": moves}
    scan.write_posterior(samples, np.ones(len(samples)), **attributes)
    scan.writer.write_group("sampler_info", {"acceptance_fraction": chain.acceptance_fraction},
                            {"kind": "posterior", "sampler": "emcee", **attributes})
    if not attributes["autocorr_reliable"]:
        log.warning("emcee: %d steps after burn-in are fewer than 50 autocorrelation times "
                    "(tau = %.3g steps): the tau estimate and the posterior are uncertain; "
                    "run longer", kept, tau_max)
    log.info("emcee: acceptance %.2f, tau %s, about %.0f effective samples", acceptance,
             np.array2string(tau, precision=3), effective)
    return {"nsteps": nsteps, "acceptance_fraction": acceptance, "effective_samples": effective}
