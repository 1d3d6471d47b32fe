"""Differential evolution (self-adaptive jDE or lambda-jDE) for profile likelihoods.

The global-fit literature (ScannerBit/Diver, arXiv:1705.07959) finds DE the best
explorer of profile likelihoods above ~10 dimensions: it hunts for the highest
log L everywhere at once, and every trial point it evaluates is written, so
the file maps the likelihood around all the maxima the population visited. Its
points are not a posterior sample: the run writes no ``/posterior`` table and
marks itself as a profile-likelihood run in ``/sampler_info`` (attribute
``kind = "profile"``).

Why our own loop and not ``scipy.optimize.differential_evolution``: scipy's
``vectorized=True`` would fit the batch interface (one population per call),
but it cannot be checkpointed and resumed (its solver state and random stream
are private), it ends with a gradient polish that evaluates single points, and
it has no self-adaptive F and CR. jDE (Brest et al., IEEE TEC 10 (2006) 646),
as in Diver, is 40 lines.

Mutation (option ``mutation``): ``rand`` is jDE's rand/1, V = X_r0 + F (X_r1 - X_r2);
``rand-to-best`` is lambda-jDE, Diver's default (ScannerBit paper, arXiv:1705.07959):
V = lambda X_best + (1 - lambda) X_r0 + F (X_r1 - X_r2), each individual's
lambda in [0, 1] drawn and inherited like its F, so that the population learns how
strongly to follow the best point. It converges in about half the generations and more
often onto a local maximum (10-D Rosenbrock with 50 individuals: 2 of 3 seeds, where
rand found the global one in 3 of 3; the main job: benchmarks/README.md, "lambda-jDE"),
so ``rand`` is the default here.

Resume: a checkpoint ``<run>.de.npz`` next to the run file (population, log L,
F, CR, random state, generation, mean-log-L history) is written atomically at
the end of a generation, after flushing the run file so that it never runs
ahead of the file: at most every ``output.flush_seconds``, at the end, and on
a stop signal. ``--resume`` starts from it and replays the generations the
file holds beyond it (see `fit.samplers._replay`); without a usable checkpoint
it replays from the first generation. Either way the resumed run is the
uninterrupted run, point for point.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from . import Interrupted, Scan, sampler
from ._replay import Replay, load_npz, remove, rng_from, rng_state, run_started, save_npz

log = logging.getLogger(__name__)

TAU = 0.1                   # jDE: chance per individual of drawing a new F, and a new CR
F_LOW, F_RANGE = 0.1, 0.9   # new F uniform in [0.1, 1.0]
F_START, CR_START = 0.5, 0.9
MUTATIONS = ("rand", "rand-to-best")
VERSION = 2


@dataclass
class Population:
    """The state after a generation; everything a resume needs."""

    cube: np.ndarray       # (NP, ndim) unit-cube positions
    loglike: np.ndarray    # (NP,)
    f: np.ndarray          # (NP,) mutation scale of each individual
    cr: np.ndarray         # (NP,) crossover rate of each individual
    rng: np.random.Generator
    generation: int        # 0: the initial population is evaluated
    history: list[float]   # mean log L of the population after each generation
    rows: int              # rows of the run file up to the end of this generation
    lam: np.ndarray | None = None  # (NP,) weight of the best point (rand-to-best only)

    def arrays(self, signature: str) -> dict[str, Any]:
        lam = np.full(0, np.nan) if self.lam is None else self.lam
        return {"version": VERSION, "signature": signature, "cube": self.cube,
                "loglike": self.loglike, "f": self.f, "cr": self.cr, "lam": lam,
                "rng": rng_state(self.rng), "generation": self.generation,
                "history": np.asarray(self.history, dtype=float), "rows": self.rows}

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray]) -> Population:
        lam = data["lam"].copy() if data["lam"].size else None
        return cls(cube=data["cube"].copy(), loglike=data["loglike"].copy(), f=data["f"].copy(),
                   cr=data["cr"].copy(), rng=rng_from(str(data["rng"])),
                   generation=int(data["generation"]), history=data["history"].tolist(),
                   rows=int(data["rows"]), lam=lam)


def donors(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Three indices per individual, distinct from each other and from the individual.

    O(NP) per generation (not an NP x NP random matrix): each index is drawn from
    the n - m indices not yet taken and shifted past the taken ones in order.
    """
    taken = np.arange(n)[:, None]
    out = []
    for m in (1, 2, 3):
        k = rng.integers(0, n - m, size=n)
        for column in np.sort(taken, axis=1).T:
            k = k + (k >= column)
        out.append(k)
        taken = np.column_stack([taken, k])
    return out


def reflect(cube: np.ndarray) -> np.ndarray:
    """Mirror coordinates back into [0, 1]; with F <= 1 a mutant lies in [-1, 2], so one
    reflection suffices (the clip only guards rounding)."""
    cube = np.where(cube < 0, -cube, cube)
    cube = np.where(cube > 1, 2 - cube, cube)
    return np.clip(cube, 0.0, 1.0)


def converged(history: list[float], convthresh: float, convsteps: int) -> bool:
    """Mean log L of the population improved by less than ``convthresh`` over the last
    ``convsteps`` generations (like Diver's mean-improvement test, but in absolute log L,
    the unit profile-likelihood intervals are measured in)."""
    return len(history) > convsteps and history[-1] - history[-1 - convsteps] < convthresh


@sampler("de", aliases=("differential_evolution", "diver", "jde"))
def run(scan: Scan, *, popsize: int | None = None, maxgen: int = 5000,
        convthresh: float = 1e-3, convsteps: int = 10, mutation: str = "rand"
        ) -> dict[str, Any] | None:
    """Maximise log L with jDE; every trial point is written (column ``sampler/generation``).

    Options (defaults): ``popsize`` NP (None: max(10 ndim, 50); with fewer than ~50
    individuals in few dimensions the population tends to collapse onto one of several
    equal maxima before it has mapped the others), ``maxgen`` (5000)
    generations at most, stop when the population's mean log L gained less than
    ``convthresh`` (1e-3, absolute log L: far below the 0.5 of a 1-sigma profile
    interval) over ``convsteps`` (10) generations while every individual is valid.
    Per individual F in [0.1, 1] and CR in [0, 1] adapt as in jDE (start 0.5, 0.9;
    redrawn with probability 0.1). ``mutation``: ``rand`` (jDE's rand/1) or
    ``rand-to-best`` (lambda-jDE, each individual's lambda starting uniform in [0, 1];
    module docstring). Trial coordinates outside the unit cube are reflected back.
    Randomness from ``scan.seed``.
    """
    ndim = scan.ndim
    size = max(10 * ndim, 50) if popsize is None else popsize
    for name, value, low in (("popsize", size, 4), ("maxgen", maxgen, 0),
                             ("convsteps", convsteps, 1)):
        if value < low:
            raise SamplerError(f"sampler 'de' option '{name}' must be >= {low}, got {value}")
    if mutation not in MUTATIONS:
        raise SamplerError(f"sampler 'de' option 'mutation' must be one of "
                           f"{', '.join(map(repr, MUTATIONS))}, got {mutation!r}")
    if not convthresh >= 0:
        raise SamplerError(f"sampler 'de' option 'convthresh' must be >= 0, got {convthresh}")
    if ndim < 1:
        raise SamplerError("sampler 'de' needs at least one sampled parameter")
    floor = scan.evaluator.floor

    def loop() -> dict[str, Any]:
        path = Path(scan.writer.path)
        checkpoint = path.with_name(path.stem + ".de.npz")
        signature = json.dumps({"seed": scan.seed, "popsize": size, "ndim": ndim,
                                "mutation": mutation, "run": run_started(scan)})
        state = None
        if scan.resume.n_points == 0:
            remove(checkpoint)  # a fresh run never continues an old checkpoint
        else:
            state = _usable(load_npz(checkpoint), signature, scan.resume.n_points)
            if state is not None:
                log.info("DE: resuming from the checkpoint at generation %d", state.generation)
        replay = Replay(scan, start=0 if state is None else state.rows)
        if state is None:
            rng = np.random.default_rng(scan.seed)
            cube = rng.random((size, ndim))
            loglike = replay.loglike(cube, extra={"generation": np.zeros(size, dtype=np.int32)})
            # copies: the writer may still hold the arrays passed to and returned by loglike
            lam = rng.random(size) if mutation == "rand-to-best" else None
            state = Population(cube.copy(), np.array(loglike), np.full(size, F_START),
                               np.full(size, CR_START), rng, 0, [float(np.mean(loglike))],
                               replay.cursor, lam)
        last_save = time.monotonic()

        def save() -> None:
            scan.writer.flush()  # the checkpoint must never be ahead of the file
            save_npz(checkpoint, state.arrays(signature))

        while state.generation < maxgen and not (
                np.all(state.loglike > floor)
                and converged(state.history, convthresh, convsteps)):
            try:
                _generation(state, replay)
            except Interrupted:
                save()
                raise
            if not replay.replaying and time.monotonic() - last_save >= scan.writer.flush_seconds:
                save()
                last_save = time.monotonic()
        save()
        done = bool(np.all(state.loglike > floor)
                    and converged(state.history, convthresh, convsteps))
        best = int(np.argmax(state.loglike))
        ids = scan.point_ids(state.cube)
        scan.writer.write_group(
            "sampler_info", {"population_id": ids, "population_loglike": state.loglike},
            {"kind": "profile", "sampler": "de", "generations": state.generation,
             "converged": done, "popsize": size, "best_id": int(ids[best]),
             "best_loglike": float(state.loglike[best])})
        log.info("DE: %d generations, %s, best lnL %.6g", state.generation,
                 "converged" if done else "not converged", state.loglike[best])
        return {"generations": state.generation, "converged": done,
                "best_loglike": float(state.loglike[best])}

    return scan.drive(loop)


def _generation(state: Population, replay: Replay) -> None:
    """One generation: adapt F/CR (and lambda), rand/1 or rand-to-best/1 mutation, binomial
    crossover, greedy selection. The random numbers are drawn in a fixed order, so a
    replay proposes the same trials."""
    rng, n, ndim = state.rng, *state.cube.shape
    f = np.where(rng.random(n) < TAU, F_LOW + F_RANGE * rng.random(n), state.f)
    cr = np.where(rng.random(n) < TAU, rng.random(n), state.cr)
    r0, r1, r2 = donors(rng, n)
    base = state.cube[r0]
    lam = None
    if state.lam is not None:
        lam = np.where(rng.random(n) < TAU, rng.random(n), state.lam)
        best = state.cube[np.argmax(state.loglike)]
        base = lam[:, None] * best + (1.0 - lam[:, None]) * base
    mutant = base + f[:, None] * (state.cube[r1] - state.cube[r2])
    cross = rng.random((n, ndim)) < cr[:, None]
    cross[np.arange(n), rng.integers(0, ndim, size=n)] = True  # at least one coordinate
    trial = reflect(np.where(cross, mutant, state.cube))
    generation = state.generation + 1
    loglike = replay.loglike(trial, extra={"generation": np.full(n, generation, np.int32)})
    better = loglike >= state.loglike
    state.cube[better], state.loglike[better] = trial[better], loglike[better]
    state.f[better], state.cr[better] = f[better], cr[better]
    if lam is not None:
        state.lam[better] = lam[better]
    state.generation = generation
    state.history.append(float(np.mean(state.loglike)))
    state.rows = replay.cursor


def _usable(data: dict[str, np.ndarray] | None, signature: str, rows: int) -> Population | None:
    """The checkpoint if it belongs to this run and is not ahead of its file, else None."""
    if data is None:
        return None
    try:
        if int(data["version"]) != VERSION or str(data["signature"]) != signature:
            return None
        state = Population.from_arrays(data)
    except (KeyError, ValueError, TypeError):
        return None
    return state if state.rows <= rows else None
