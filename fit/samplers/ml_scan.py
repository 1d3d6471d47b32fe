"""ML-steered scan: a committee of regressors learns how far each point of the prior lies
from the target region and chooses the next batch of points to evaluate.

Each round:

1. every point evaluated so far gets its distance to the target from its likelihood
   (`fit.ml.labels`: a function of Delta chi^2 to the best point, or to ``best_loglike``
   when a fit known beforehand is better, or of the hard cuts it failed; in target within
   the 2 sigma region); while fewer than ``min_positive`` are in target, the best
   ``pseudo_fraction`` are pseudo-labelled positive;
2. the committee (`fit.ml.surrogates`) learns that distance, each member on a bootstrap
   resample; once ``min_positive`` points are in target, clipped at ``distance_cap``
   thresholds (its fit then goes to the region's edge, where the batch is decided,
   instead of to how far the remote points lie: on the NMSSM likelihood the uniform
   candidates it ranks best hit 3-10x more often; while climbing it learns the whole
   distance, which orders the points before the first hit); with ``class_balance``,
   once mapping, each member's resample is class-balanced (half in target, half
   outside, so the fit weighs the region's edge as much as the far points);
   ``mapping_label: class`` learns 0 in target, 1 outside instead of the distance, on
   class-balanced resamples (a classifier's label: better on the NMSSM likelihood, but
   it loses the thin shell's far orthants); its out-of-bag
   predictions calibrate its score (mean distance minus ``uncertainty_weight`` times
   the members' spread) into a probability of being in target (`fit.ml.selection.Calibration`);
3. a pool of ``candidates`` per point is drawn from the prior and from an adaptive
   density around the positive points (`fit.ml.candidates`) and screened by the committee;
4. the batch, of two shares. The exploiting share (``exploit_fraction`` of the screened
   points) is steered by the committee's mean alone, calibrated without the uncertainty
   term: once ``min_positive`` points are in target it is drawn at random with
   probability proportional to P^2 (likely hits spread over the whole predicted region,
   as the seed scan's loop draws from its classifier's region), before that it is the
   farthest-point spread of the best tenth of the pool by mean (climbing on many
   fronts). The other share, once mapping: with ``selection: cells`` greedily
   the candidates with the largest P^2 x the map cells they add in expectation (the
   cells of 10 x 10 grids on every plane of two parameters, `fit.ml.coverage.plane_cells`,
   that no in-target point occupies, and each point chosen before leaves free with
   1 - P; P under the mean alone: the parts of the region not yet mapped, reached with
   likely hits); with ``selection: shares`` (default), steered by the score with the uncertainty
   term, greedily the candidates with the largest P^2 x d, d the distance to the nearest
   in-target point or point chosen before (likely hits that add most to the region
   mapped so far: its edges and the parts not yet reached). While climbing it is the
   farthest-point spread of the best tenth by score. Plus ``explore_fraction`` prior
   draws that no model filters. A broad region wants the first share (the uncertainty
   term sends the second to far, uncertain candidates that mostly miss it), a thin one
   the second (to reach all of it): with ``exploit_fraction: auto`` the shares start
   even and then each gets the next batch in proportion to the map cells its in-target
   points added in the last one (`_shares`; the record's ``exploit_fraction``).
   With ``refine_fraction``, that share of a mapping batch's steered points is drawn
   around the best point instead (`fit.ml.candidates.refine`, a local cross-entropy
   step): in-target points are counted from the best point, and a scan that only maps
   and fills the region leaves it below the maximum (two narrow 6-D modes: Delta chi^2
   1.2-3 after 4000 evaluations), so it counts a region too large;
5. the batch goes through the pool of MPI ranks like any other; every written
   log-likelihood comes from the real calculation, never from the committee.

Every point is written with ``sampler/round``, ``sampler/proposal`` (`PROPOSALS`: initial,
prior, density, explore, refine), ``sampler/p_target`` (the calibrated probability when the point
was chosen; NaN without a calibration) and ``sampler/predicted_distance`` (the
committee's mean distance). ``/sampler_info`` holds the per-round record (evaluations,
in-target points, positives, pseudo-labels, hit rate of the screened points, the
exploiting share, seconds spent training, screening and evaluating) and
``kind = "profile"``: the points are not a posterior sample; use them for profile
likelihoods and maps of the region.

Resume: the points in the file are the training set; ``--resume`` reads them back,
retrains and continues with the next round (the continuation is not the same sequence
of points an uninterrupted run would have drawn, but nothing is evaluated twice).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SamplerError
from ..evaluate import PointBatch
from ..output import open_committed
from . import Interrupted, Scan, sampler

log = logging.getLogger(__name__)

#: while climbing, the batch is spread over this best fraction of the pool by score
CLIMB_FRACTION = 0.1
#: P^PRECISION_POWER x d: the weight of a likely hit against the distance it adds
PRECISION_POWER = 2
#: the exploiting share draws from the whole pool or from its prior candidates alone (a
#: sample of the predicted region in proportion to its prior volume)
EXPLOIT_FROM = ("pool", "prior")
#: what the committee learns once ``min_positive`` points are in target: the (capped)
#: distance, or the class (0 in target, 1 outside) on class-balanced resamples
MAPPING_LABELS = ("distance", "class")
#: how the second share of a mapping batch is chosen: P^2 x distance, or P^2 x the map
#: cells a candidate adds in expectation
SELECTIONS = ("shares", "cells")
#: the smallest share of a steered batch either way of choosing gets (exploit_fraction auto)
MIN_SHARE = 0.1


@dataclass
class History:
    """Every point evaluated so far (unit cube), as the labels need them."""

    cube: np.ndarray
    loglike: np.ndarray
    valid: np.ndarray
    terms: dict[str, np.ndarray]
    round: np.ndarray

    @classmethod
    def empty(cls, ndim: int, terms: list[str]) -> History:
        return cls(np.zeros((0, ndim)), np.zeros(0), np.zeros(0, bool),
                   {t: np.zeros(0) for t in terms}, np.zeros(0, np.int32))

    def add(self, cube: np.ndarray, batch: PointBatch, round_: int) -> None:
        n = len(batch)
        self.cube = np.concatenate([self.cube, cube])
        self.loglike = np.concatenate([self.loglike, batch.loglike])
        self.valid = np.concatenate([self.valid, batch.valid])
        for term in self.terms:
            self.terms[term] = np.concatenate([self.terms[term],
                                               batch.terms.get(term, np.full(n, np.nan))])
        self.round = np.concatenate([self.round, np.full(n, round_, np.int32)])

    def __len__(self) -> int:
        return len(self.loglike)


@dataclass
class RoundRecord:
    """What one round did, for ``/sampler_info``."""

    rows: dict[str, list[float]] = field(default_factory=lambda: {
        "round": [], "evaluations": [], "in_target": [], "positives": [], "pseudo": [],
        "hit_rate": [], "exploit_fraction": [], "train_seconds": [], "screen_seconds": [],
        "evaluate_seconds": []})

    def add(self, **values: float) -> None:
        for key, column in self.rows.items():
            column.append(float(values[key]))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.rows.items()}


def _read_history(scan: Scan, terms: list[str]) -> tuple[History, dict[str, np.ndarray]]:
    """The points already in the run file and its per-round record (resume)."""
    names = scan.space.sampled_names
    history = History.empty(scan.ndim, terms)
    if scan.resume.n_points == 0:
        return history, {}
    scan.writer.flush()
    with open_committed(scan.writer.path) as f:
        n = f["point/id"].shape[0]
        history.cube = np.column_stack([f[f"cube/{name}"][:n] for name in names])
        history.loglike = np.asarray(f["point/loglike"][:n], dtype=float)
        history.valid = np.asarray(f["point/valid"][:n], dtype=bool)
        history.terms = {t: np.asarray(f[f"loglike/{t}"][:n], float) if f"loglike/{t}" in f
                         else np.full(n, np.nan) for t in terms}
        history.round = np.asarray(f["sampler/round"][:n] if "sampler/round" in f
                                   else np.zeros(n), dtype=np.int32)
        old = {k: v[:] for k, v in f["sampler_info"].items()} if "sampler_info" in f else {}
    return history, old


def _evaluate(scan: Scan, cube: np.ndarray, extra: dict[str, np.ndarray]) -> PointBatch:
    """`Scan.loglike` that returns the whole batch: terms and validity feed the labels."""
    batch, ranks = scan.pool.map(cube)
    scan.record(batch, cube, ranks, extra, timed_flush=scan.pool.background is None)
    if scan.stop_requested:
        raise Interrupted
    return batch


def _check(name: str, value: float, low: float, high: float | None = None,
           strict_low: bool = False) -> None:
    bad = value <= low if strict_low else value < low
    if high is not None:
        bad = bad or value > high
    if bad:
        limit = f"{'>' if strict_low else '>='} {low}" + (f" and <= {high}" if high else "")
        raise SamplerError(f"sampler 'ml_scan' option '{name}' must be {limit}, got {value}")


@sampler("ml_scan")
def run(scan: Scan, *, batch_size: int = 100, max_evaluations: int = 100_000,
        target_points: int = 1000, target: str = "delta_chi2",
        delta_chi2: float | None = None, confidence: float = 0.9545, model: str = "mlp",
        members: int = 4, hidden: list | None = None, epochs: int = 200,
        update_epochs: int = 40, initial_points: int | None = None,
        explore_fraction: float = 0.1, prior_fraction: float = 0.5, candidates: int = 200,
        uncertainty_weight: float = 2.0, diversity: float = 1.0, min_positive: int = 20,
        pseudo_fraction: float = 0.1, max_training: int = 5000, per_term: bool = False,
        exploit_fraction: float | str = "auto", exploit_from: str = "pool",
        best_loglike: float | None = None, distance_cap: float | None = 10.0,
        mapping_label: str = "distance", selection: str = "shares",
        class_balance: bool = False, refine_fraction: float = 0.0,
        initial_model: Path | None = None, export_model: bool = False
        ) -> dict[str, Any] | None:
    """ML-steered scan until ``target_points`` in-target points or ``max_evaluations``
    evaluations (see the module docstring; README has the options)."""
    from ..ml import candidates as cand
    from ..ml import labels as lab
    from ..ml.surrogates import MODELS, make_committee

    ndim = scan.ndim
    for name, value, low in (("batch_size", batch_size, 1), ("max_evaluations",
                             max_evaluations, 0), ("target_points", target_points, 1),
                             ("candidates", candidates, 1), ("min_positive", min_positive, 1),
                             ("max_training", max_training, 10), ("members", members, 1),
                             ("epochs", epochs, 1), ("update_epochs", update_epochs, 1)):
        _check(name, value, low)
    _check("explore_fraction", explore_fraction, 0.0, 1.0)
    _check("prior_fraction", prior_fraction, 0.0, 1.0)
    _check("refine_fraction", refine_fraction, 0.0, 1.0)
    if exploit_fraction != "auto":
        if isinstance(exploit_fraction, str):
            raise SamplerError(f"sampler 'ml_scan' option 'exploit_fraction' must be 'auto' "
                               f"or a number, got {exploit_fraction!r}")
        _check("exploit_fraction", exploit_fraction, 0.0, 1.0)
    if exploit_from not in EXPLOIT_FROM:
        raise SamplerError(f"sampler 'ml_scan' option 'exploit_from' must be one of "
                           f"{', '.join(EXPLOIT_FROM)}, got {exploit_from!r}")
    if selection not in SELECTIONS:
        raise SamplerError(f"sampler 'ml_scan' option 'selection' must be one of "
                           f"{', '.join(SELECTIONS)}, got {selection!r}")
    if mapping_label not in MAPPING_LABELS:
        raise SamplerError(f"sampler 'ml_scan' option 'mapping_label' must be one of "
                           f"{', '.join(MAPPING_LABELS)}, got {mapping_label!r}")
    if best_loglike is not None and target != "delta_chi2":
        raise SamplerError("sampler 'ml_scan' option 'best_loglike' needs target "
                           "'delta_chi2'")
    _check("pseudo_fraction", pseudo_fraction, 0.0, 1.0, strict_low=True)
    if distance_cap is not None:
        _check("distance_cap", distance_cap, 0.0, strict_low=True)
    _check("confidence", confidence, 0.0, 1.0 - 1e-12, strict_low=True)
    _check("uncertainty_weight", uncertainty_weight, 0.0)
    _check("diversity", diversity, 0.0)
    if target not in lab.TARGETS:
        raise SamplerError(f"sampler 'ml_scan' option 'target' must be one of "
                           f"{', '.join(lab.TARGETS)}, got {target!r}")
    if model not in MODELS:
        raise SamplerError(f"sampler 'ml_scan' option 'model' must be one of "
                           f"{', '.join(MODELS)}, got {model!r}")
    if delta_chi2 is not None:
        _check("delta_chi2", delta_chi2, 0.0, strict_low=True)
    if ndim < 1:
        raise SamplerError("sampler 'ml_scan' needs at least one sampled parameter")
    layers = tuple(hidden) if hidden is not None else (64, 64)
    if not layers or not all(isinstance(h, int) and h > 0 for h in layers):
        raise SamplerError(f"sampler 'ml_scan' option 'hidden' must be a list of positive "
                           f"layer sizes, got {hidden!r}")
    try:
        committee = make_committee(model, members=members, hidden=layers, seed=scan.seed,
                                   epochs=epochs, update_epochs=update_epochs)
    except ValueError as exc:
        raise SamplerError(f"sampler 'ml_scan': {exc}") from None
    preset = _initial_model(initial_model, scan) if initial_model is not None else None
    if export_model:
        from ..ml.onnx_io import _require

        try:
            _require("skl2onnx" if model != "torch" else "onnx")
        except ImportError as exc:
            raise SamplerError(f"sampler 'ml_scan' option 'export_model': {exc}") from None
    threshold = delta_chi2 if delta_chi2 is not None else lab.delta_chi2_threshold(ndim,
                                                                                  confidence)
    term_threshold = lab.delta_chi2_threshold(1, confidence)
    floor = scan.evaluator.floor
    terms = list(scan.evaluator.graph.terms)
    first = initial_points or batch_size
    adaptive = exploit_fraction == "auto"
    choice = Choice(explore_fraction, prior_fraction, candidates, uncertainty_weight,
                    diversity, 0.5 if adaptive else float(exploit_fraction), exploit_from,
                    selection, refine_fraction)

    def labels_of(history: History) -> Any:
        failed = None
        if target == "constraints" and terms:   # how many cuts each point failed
            failed = sum((~np.isfinite(v) | (v <= floor)).astype(float)
                         for v in history.terms.values())
        y = lab.distance(history.loglike, history.valid, target=target, threshold=threshold,
                         floor=floor, failed=failed, best=best_loglike)
        return lab.labels(y, min_positive=min_positive, pseudo_fraction=pseudo_fraction)

    def loop() -> dict[str, Any]:
        from threadpoolctl import threadpool_limits

        history, previous = _read_history(scan, terms)
        record = RoundRecord()
        done = len(previous.get("round", []))
        for key in record.rows:     # a column a file of an older version lacks: NaN
            record.rows[key] = [float(v) for v in previous.get(key, np.full(done, np.nan))]
        if adaptive and done and np.isfinite(record.rows["exploit_fraction"][-1]):
            choice.exploit_fraction = record.rows["exploit_fraction"][-1]
        round_ = int(history.round.max()) + 1 if len(history) else 0
        if len(history):
            log.info("ml_scan: resuming at round %d with %d points from the file", round_,
                     len(history))
        calibration = preset[1] if preset is not None else None
        exploit = None
        while True:
            labels = labels_of(history) if len(history) else None
            n_target = int(labels.in_target.sum()) if labels is not None else 0
            if n_target >= target_points or len(history) >= max_evaluations:
                break
            rng = np.random.default_rng([scan.seed, round_])
            m = min(first if len(history) == 0 else batch_size,
                    max_evaluations - len(history))
            # small matrices: BLAS threads cost more than they gain, and the cores belong
            # to the evaluations
            with threadpool_limits(1):
                start = time.perf_counter()
                if labels is not None and np.ptp(labels.y) > 0:
                    rows = _training_rows(labels, rng, max_training)
                    y = labels.y[rows, None]
                    balance = None
                    if labels.enough and mapping_label == "class":
                        y, balance = 1.0 - labels.in_target[rows, None], labels.in_target[rows]
                    elif labels.enough:
                        if distance_cap is not None:
                            y = np.minimum(y, math.log1p(distance_cap))
                        if class_balance:
                            balance = labels.in_target[rows]
                    if per_term and terms:
                        y = np.column_stack([y, lab.term_distances(history.terms,
                                                                    term_threshold)[rows]])
                    committee.fit(history.cube[rows], y, balance)
                    calibration = _calibrate(committee, labels.in_target[rows],
                                             uncertainty_weight)
                    exploit = _calibrate(committee, labels.in_target[rows], 0.0)
                train_seconds = time.perf_counter() - start
                surrogate = committee if committee.trained else \
                    (preset[0] if preset is not None else None)
                start = time.perf_counter()
                if surrogate is None:
                    cube = rng.random((m, ndim))
                    kind = np.full(m, cand.INITIAL if len(history) == 0 else cand.EXPLORE,
                                   np.int8)
                    p_chosen = predicted = np.full(m, np.nan)
                else:
                    cube, kind, p_chosen, predicted = choice.batch(
                        surrogate, calibration, labels, history.cube, rng, m,
                        exploit if surrogate is committee else None)
                screen_seconds = time.perf_counter() - start
            start = time.perf_counter()
            batch = _evaluate(scan, cube, {"round": np.full(m, round_, np.int32),
                                           "proposal": kind, "p_target": p_chosen,
                                           "predicted_distance": predicted})
            evaluate_seconds = time.perf_counter() - start
            history.add(cube, batch, round_)
            now = labels_of(history)
            screened = (kind == cand.PRIOR) | (kind == cand.DENSITY)
            hits = now.in_target[-m:]
            share = choice.exploit_fraction
            if adaptive and choice.exploited is not None:
                before = history.cube[:-m][now.in_target[:-m]]
                choice.exploit_fraction = _shares(before, cube, hits, choice.exploited,
                                                  screened)
            record.add(round=round_, evaluations=len(history), in_target=now.in_target.sum(),
                       positives=now.positive.sum(), pseudo=now.pseudo,
                       hit_rate=hits[screened].mean() if screened.any() else math.nan,
                       exploit_fraction=share,
                       train_seconds=train_seconds, screen_seconds=screen_seconds,
                       evaluate_seconds=evaluate_seconds)
            log.info("ml_scan round %d: %d evaluated, %d in target%s, hit rate %.2f, "
                     "train %.2f s, screen %.2f s, evaluate %.2f s", round_, len(history),
                     now.in_target.sum(), " (pseudo-labels)" if now.pseudo else "",
                     record.rows["hit_rate"][-1], train_seconds, screen_seconds,
                     evaluate_seconds)
            round_ += 1
        reached = n_target >= target_points
        info = {"kind": "profile", "sampler": "ml_scan", "target": target,
                "delta_chi2": threshold, "model": model,
                "target_points": target_points, "in_target": n_target,
                "reached_target": reached, "evaluations": len(history)}
        if export_model and committee.trained:
            path = _export(committee, calibration, scan, target, threshold,
                           uncertainty_weight, terms if per_term else [])
            info["model_file"] = str(path)
        scan.writer.write_group("sampler_info", record.arrays(), info)
        log.info("ml_scan: %d evaluations, %d in target (%s)", len(history), n_target,
                 "target reached" if reached else "evaluation budget spent")
        return {"evaluations": len(history), "in_target": n_target, "reached_target": reached}

    return scan.drive(loop)


@dataclass
class Choice:
    """How a batch is chosen (the sampler's options of that name)."""

    explore_fraction: float
    prior_fraction: float
    candidates: int
    uncertainty_weight: float
    diversity: float
    exploit_fraction: float
    #: where the exploiting share draws from (`EXPLOIT_FROM`)
    exploit_from: str = "pool"
    #: how the second share of a mapping batch is chosen (`SELECTIONS`)
    selection: str = "shares"
    #: share of a mapping batch drawn around the best point (`fit.ml.candidates.refine`)
    refine_fraction: float = 0.0
    #: which points of the last batch were of the exploiting share (None: no split)
    exploited: np.ndarray | None = None

    def batch(self, surrogate: Any, calibration: Any, labels: Any, evaluated: np.ndarray,
              rng: np.random.Generator, m: int, exploit: Any = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``m`` points: screened candidates and unscreened prior draws; with their kind,
        calibrated probability and predicted distance (module docstring, step 4).
        ``calibration`` maps the score with the uncertainty bonus, ``exploit`` the mean
        alone (None: no exploiting share this round)."""
        from ..ml import candidates as cand

        ndim = evaluated.shape[1]
        n_explore = round(self.explore_fraction * m)
        n_steered = m - n_explore
        positive = evaluated[labels.positive] if labels is not None else evaluated[:0]
        found = evaluated[labels.in_target] if labels is not None else evaluated[:0]
        density = cand.LocalDensity.around(positive) if len(positive) else None
        pool, kind = cand.propose(rng, self.candidates * max(n_steered, 1), ndim, density,
                                  self.prior_fraction)
        mean, spread = surrogate.predict(pool)
        score = mean[:, 0] - self.uncertainty_weight * spread[:, 0]
        p = calibration(score) if calibration is not None else np.full(len(pool), np.nan)
        mapping = calibration is not None and (labels is None or labels.enough)
        n_refine = round(self.refine_fraction * n_steered) if mapping and labels else 0
        n_steered -= n_refine
        n_exploit = round(self.exploit_fraction * n_steered)
        if mapping and exploit is None:
            n_exploit = 0
        if mapping:
            exploited = np.zeros(0, dtype=np.int64)
            p_mean = exploit(mean[:, 0]) if exploit is not None else p
            if n_exploit:
                eligible = (np.flatnonzero(kind == cand.PRIOR) if self.exploit_from == "prior"
                            else np.arange(len(pool)))
                exploited = eligible[_draw(rng, p_mean[eligible]**PRECISION_POWER, n_exploit)]
                p[exploited] = p_mean[exploited]
            if self.selection == "cells":
                rest = np.setdiff1d(np.arange(len(pool)), exploited)
                chosen = rest[_new_cells(pool[rest], n_steered - n_exploit, found,
                                         p_mean[rest])]
                p[chosen] = p_mean[chosen]
            else:
                chosen = _spread(pool, n_steered - n_exploit, found, exploited,
                                 p**PRECISION_POWER + 1e-12, self.diversity)
        else:
            exploited = _best_spread(pool, mean[:, 0], n_exploit, found, self.diversity)
            chosen = _spread(pool, n_steered - n_exploit, found, exploited, None,
                             self.diversity, order=score)
        self.exploited = np.arange(m) < n_exploit if 0 < n_exploit < n_steered else None
        chosen = np.concatenate([exploited, chosen])
        refined, refined_mean, refined_p = np.zeros((0, ndim)), np.zeros(0), np.zeros(0)
        if n_refine:
            refined = cand.refine(rng, evaluated, labels.y, n_refine)
            refined_mean = surrogate.predict(refined)[0][:, 0]
            refined_p = (exploit if exploit is not None else calibration)(refined_mean)
        explore = rng.random((n_explore, ndim))
        explore_mean, explore_spread = surrogate.predict(explore)
        explore_score = explore_mean[:, 0] - self.uncertainty_weight * explore_spread[:, 0]
        explore_p = calibration(explore_score) if calibration is not None \
            else np.full(n_explore, np.nan)
        return (np.concatenate([pool[chosen], refined, explore]),
                np.concatenate([kind[chosen], np.full(n_refine, cand.REFINE, np.int8),
                                np.full(n_explore, cand.EXPLORE, np.int8)]),
                np.concatenate([p[chosen], refined_p, explore_p]),
                np.concatenate([mean[chosen, 0], refined_mean, explore_mean[:, 0]]))


def _shares(found: np.ndarray, cube: np.ndarray, hits: np.ndarray, exploited: np.ndarray,
            steered: np.ndarray) -> float:
    """The exploiting share of the next batch: each share gets the batch in proportion to
    what its points added to the map in the last one: the cells of the 2-D grids
    (`fit.ml.coverage.plane_cells`) that its in-target points occupy and the ``found``
    ones did not, per plane and per point, Laplace-smoothed ((new + 1) / (points + 2));
    within [`MIN_SHARE`, 1 - `MIN_SHARE`] so that neither stops."""
    from ..ml.coverage import plane_cells

    if cube.shape[1] < 2:
        return 0.5
    old = np.unique(plane_cells(found)) if len(found) else np.zeros(0, np.int64)
    planes = cube.shape[1] * (cube.shape[1] - 1) // 2
    rate = []
    for mask in (exploited & steered, ~exploited & steered):
        new = np.setdiff1d(plane_cells(cube[mask & hits]), old).size / planes
        rate.append((new + 1.0) / (mask.sum() + 2.0))
    return float(np.clip(rate[0] / (rate[0] + rate[1]), MIN_SHARE, 1.0 - MIN_SHARE))


def _new_cells(pool: np.ndarray, k: int, found: np.ndarray, probability: np.ndarray
               ) -> np.ndarray:
    """``k`` of ``pool`` that add the most cells to the map of the ``found`` points in
    expectation, by P^`PRECISION_POWER` x new cells (`fit.ml.selection.new_cells` on the
    10 x 10 grids of `fit.ml.coverage.plane_cells`)."""
    from ..ml.coverage import plane_cells
    from ..ml.selection import new_cells

    occupied = np.unique(plane_cells(found)) if len(found) else np.zeros(0, np.int64)
    return new_cells(plane_cells(pool), probability, k, occupied, power=PRECISION_POWER)


def _draw(rng: np.random.Generator, weight: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability proportional to ``weight`` (from a
    uniform pool, a sample of the predicted region in proportion to its prior volume;
    the candidate pool is half prior draws, half the mixture around the positives)."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    weight = np.asarray(weight, dtype=float) + 1e-12
    return rng.choice(len(weight), size=min(k, len(weight)), replace=False,
                      p=weight / weight.sum())


def _best_spread(pool: np.ndarray, order: np.ndarray, k: int, found: np.ndarray,
                 diversity: float) -> np.ndarray:
    """``k`` of the best `CLIMB_FRACTION` of ``pool`` by ``order`` (lower is better),
    spread by farthest-point sampling away from ``found``."""
    from ..ml.selection import farthest_points

    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argsort(order, kind="stable")[:max(k, math.ceil(CLIMB_FRACTION * len(pool)))]
    return top[farthest_points(pool[top], k, found, power=diversity)]


def _spread(pool: np.ndarray, k: int, found: np.ndarray, taken: np.ndarray,
            weight: np.ndarray | None, diversity: float, order: np.ndarray | None = None
            ) -> np.ndarray:
    """``k`` more of ``pool`` (not in ``taken``) by greedy weight x distance^diversity to
    the ``found`` points and those taken or chosen before; with ``order`` instead of a
    weight, the spread of the best `CLIMB_FRACTION` by it (`_best_spread`)."""
    from ..ml.selection import farthest_points

    rest = np.setdiff1d(np.arange(len(pool)), taken)
    known = np.concatenate([found, pool[taken]])
    if order is not None:
        return rest[_best_spread(pool[rest], order[rest], k, known, diversity)]
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    return rest[farthest_points(pool[rest], k, known, weight=weight[rest], power=diversity)]


def _training_rows(labels: Any, rng: np.random.Generator, max_training: int) -> np.ndarray:
    """Indices of the training points: all, or at most ``max_training`` of them (the
    nearest to the target up to half, the rest a random choice of the others)."""
    n = len(labels.y)
    if n <= max_training:
        return np.arange(n)
    order = np.argsort(labels.y, kind="stable")
    near, rest = order[:max_training // 2], order[max_training // 2:]
    return np.concatenate([near, rng.choice(rest, max_training - len(near), replace=False)])


def _calibrate(committee: Any, in_target: np.ndarray, uncertainty_weight: float) -> Any:
    """The calibration of the committee's score on its out-of-bag predictions, or None
    while the training points hold only one class."""
    from ..ml.selection import Calibration

    if in_target.all() or not in_target.any():
        return None
    score = committee.oob[:, 0] - uncertainty_weight * committee.oob_spread[:, 0]
    return Calibration.fit(score, in_target)


def _initial_model(path: Path, scan: Scan) -> tuple[Any, Any]:
    """A committee exported by an earlier run, checked against this run's parameters, and
    its calibration."""
    from ..ml.onnx_io import OnnxCommittee
    from ..ml.selection import Calibration

    try:
        model = OnnxCommittee(path)
    except (OSError, ValueError, ImportError) as exc:
        raise SamplerError(f"sampler 'ml_scan' option 'initial_model': {exc}") from None
    names = model.metadata.get("parameters")
    if names != scan.space.sampled_names:
        raise SamplerError(f"sampler 'ml_scan' option 'initial_model': {path} was trained on "
                           f"parameters {names}, this run samples {scan.space.sampled_names}")
    calibration = model.metadata.get("calibration")
    return model, Calibration.from_dict(calibration) if calibration else None


def _export(committee: Any, calibration: Any, scan: Scan, target: str, threshold: float,
            uncertainty_weight: float, terms: list[str]) -> Path:
    from ..ml.onnx_io import export_committee

    path = Path(scan.writer.path)
    out = path.with_name(path.stem + "-surrogate.onnx")
    export_committee(committee, out, parameters=scan.space.sampled_names, target=target,
                     delta_chi2=threshold, outputs_names=["distance", *terms],
                     uncertainty_weight=uncertainty_weight,
                     calibration=calibration.to_dict() if calibration is not None else None,
                     input="unit cube of the sampled parameters")
    log.info("ml_scan: surrogate written to %s", out)
    return out
