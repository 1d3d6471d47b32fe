"""Classifier-steered scan: a committee of classifiers learns where the target region is
and chooses the next batch of points to evaluate.

Each round: label every point evaluated so far from its likelihood (`fit.ml.labels`:
in target if within the 2 sigma Delta chi^2 of the best point, or passing every hard
constraint; pseudo-labels from the best ln L quantile while few are in target, so the
scan climbs even when the first batch holds no hit); train the committee with balanced
class weights (`fit.ml.classifiers`); draw a pool of candidates from the prior and from an
adaptive density around the positive points (`fit.ml.candidates`); score them by the
committee's mean probability plus its disagreement; choose the batch greedily with a
diversity damping, plus a fixed fraction of prior draws that no classifier filters; and
evaluate it through the pool like any other batch. The classifier only proposes: every
written log-likelihood comes from the real calculation.

Every point is written with ``sampler/round``, ``sampler/proposal`` (`PROPOSALS`: initial,
prior, density, explore) and ``sampler/p_target`` (the committee's probability when the
point was chosen; NaN before the first training). ``/sampler_info`` holds the per-round
record (evaluations, in-target points, pseudo-labels, hit rate of the chosen points,
seconds spent training, screening and evaluating) and ``kind = "profile"``: the points are
not a posterior sample; use them for profile likelihoods and maps of the region.

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
from ..output import open_locked
from . import Interrupted, Scan, sampler

log = logging.getLogger(__name__)

#: the largest diversity radius, as a fraction of the unit cube's diagonal
LARGEST_RADIUS = 0.1


@dataclass
class History:
    """Every point evaluated so far (unit cube), as the labels need them."""

    cube: np.ndarray
    loglike: np.ndarray
    valid: np.ndarray
    terms: dict[str, np.ndarray]
    round: np.ndarray
    proposal: np.ndarray
    chosen_p: np.ndarray

    @classmethod
    def empty(cls, ndim: int, terms: list[str]) -> History:
        return cls(np.zeros((0, ndim)), np.zeros(0), np.zeros(0, bool),
                   {t: np.zeros(0) for t in terms}, np.zeros(0, np.int32),
                   np.zeros(0, np.int8), np.zeros(0))

    def add(self, cube: np.ndarray, batch: PointBatch, round_: int, proposal: np.ndarray,
            chosen_p: np.ndarray) -> None:
        n = len(batch)
        self.cube = np.concatenate([self.cube, cube])
        self.loglike = np.concatenate([self.loglike, batch.loglike])
        self.valid = np.concatenate([self.valid, batch.valid])
        for term in self.terms:
            self.terms[term] = np.concatenate([self.terms[term],
                                               batch.terms.get(term, np.full(n, np.nan))])
        self.round = np.concatenate([self.round, np.full(n, round_, np.int32)])
        self.proposal = np.concatenate([self.proposal, proposal])
        self.chosen_p = np.concatenate([self.chosen_p, chosen_p])

    def __len__(self) -> int:
        return len(self.loglike)


@dataclass
class RoundRecord:
    """What one round did, for ``/sampler_info``."""

    rows: dict[str, list[float]] = field(default_factory=lambda: {
        "round": [], "evaluations": [], "in_target": [], "positives": [], "pseudo": [],
        "hit_rate": [], "train_seconds": [], "screen_seconds": [], "evaluate_seconds": []})

    def add(self, **values: float) -> None:
        for key, column in self.rows.items():
            column.append(float(values[key]))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.rows.items()}


def _read_history(scan: Scan, terms: list[str]
                  ) -> tuple[History, dict[str, np.ndarray]]:
    """The points already in the run file and its per-round record (resume)."""
    names = scan.space.sampled_names
    history = History.empty(scan.ndim, terms)
    if scan.resume.n_points == 0:
        return history, {}
    scan.writer.flush()
    with open_locked(scan.writer.path, "r") as f:
        n = f["point/id"].shape[0]

        def column(name: str, fill: float) -> np.ndarray:
            return f[name][:n] if name in f else np.full(n, fill)

        history.cube = np.column_stack([f[f"cube/{name}"][:n] for name in names])
        history.loglike = np.asarray(f["point/loglike"][:n], dtype=float)
        history.valid = np.asarray(f["point/valid"][:n], dtype=bool)
        history.terms = {t: np.asarray(column(f"loglike/{t}", np.nan), float) for t in terms}
        history.round = np.asarray(column("sampler/round", 0), dtype=np.int32)
        history.proposal = np.asarray(column("sampler/proposal", 0), dtype=np.int8)
        history.chosen_p = np.asarray(column("sampler/p_target", np.nan), dtype=float)
        old = {k: v[:] for k, v in f["sampler_info"].items()} if "sampler_info" in f else {}
    return history, old


def _evaluate(scan: Scan, cube: np.ndarray, extra: dict[str, np.ndarray]) -> PointBatch:
    """`Scan.loglike` that returns the whole batch: terms and validity feed the labels."""
    batch, ranks = scan.pool.map(cube)
    scan.record(batch, cube, ranks, extra)
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
        delta_chi2: float | None = None, confidence: float = 0.9545,
        classifier: str = "mlp", members: int | None = None, hidden: list | None = None,
        initial_points: int | None = None, explore_fraction: float = 0.1,
        prior_fraction: float = 0.25, candidates: int = 50, uncertainty_weight: float = 0.5,
        diversity: float = 1.0, min_positive: int = 20, pseudo_fraction: float = 0.1,
        max_training: int = 5000, per_term: bool = False, initial_model: Path | None = None,
        export_model: bool = False) -> dict[str, Any] | None:
    """Classifier-steered scan until ``target_points`` in-target points or
    ``max_evaluations`` evaluations (see the module docstring; README has the options)."""
    from ..ml import candidates as cand
    from ..ml import labels as lab
    from ..ml.classifiers import CLASSIFIERS, make_committee

    ndim = scan.ndim
    for name, value, low in (("batch_size", batch_size, 1), ("max_evaluations",
                             max_evaluations, 0), ("target_points", target_points, 1),
                             ("candidates", candidates, 1), ("min_positive", min_positive, 1),
                             ("max_training", max_training, 10)):
        _check(name, value, low)
    _check("explore_fraction", explore_fraction, 0.0, 1.0)
    _check("prior_fraction", prior_fraction, 0.0, 1.0)
    _check("pseudo_fraction", pseudo_fraction, 0.0, 1.0, strict_low=True)
    _check("confidence", confidence, 0.0, 1.0 - 1e-12, strict_low=True)
    _check("uncertainty_weight", uncertainty_weight, 0.0)
    _check("diversity", diversity, 0.0, strict_low=True)
    if target not in lab.TARGETS:
        raise SamplerError(f"sampler 'ml_scan' option 'target' must be one of "
                           f"{', '.join(lab.TARGETS)}, got {target!r}")
    if classifier not in CLASSIFIERS:
        raise SamplerError(f"sampler 'ml_scan' option 'classifier' must be one of "
                           f"{', '.join(CLASSIFIERS)}, got {classifier!r}")
    if delta_chi2 is not None:
        _check("delta_chi2", delta_chi2, 0.0, strict_low=True)
    if ndim < 1:
        raise SamplerError("sampler 'ml_scan' needs at least one sampled parameter")
    layers = tuple(hidden) if hidden is not None else (64, 64)
    if not layers or not all(isinstance(h, int) and h > 0 for h in layers):
        raise SamplerError(f"sampler 'ml_scan' option 'hidden' must be a list of positive "
                           f"layer sizes, got {hidden!r}")
    try:
        committee = make_committee(classifier, members=members or (5 if classifier == "torch"
                                                                   else 3),
                                   hidden=layers, seed=scan.seed)
    except ValueError as exc:
        raise SamplerError(f"sampler 'ml_scan': {exc}") from None
    preset = _initial_model(initial_model, scan) if initial_model is not None else None
    if export_model:
        from ..ml.onnx_io import _require

        try:
            _require("skl2onnx" if classifier != "torch" else "onnx")
        except ImportError as exc:
            raise SamplerError(f"sampler 'ml_scan' option 'export_model': {exc}") from None
    threshold = delta_chi2 if delta_chi2 is not None else lab.delta_chi2_threshold(ndim,
                                                                                  confidence)
    term_threshold = lab.delta_chi2_threshold(1, confidence)
    floor = scan.evaluator.floor
    terms = list(scan.evaluator.graph.terms)
    first = initial_points or batch_size

    def labels_of(history: History) -> Any:
        rank = None
        if target == "constraints":   # order excluded points by how many terms they passed
            rank = sum(np.isfinite(v).astype(float) for v in history.terms.values()) \
                if terms else None
        return lab.training_labels(history.loglike, history.valid, target=target,
                                   threshold=threshold, floor=floor,
                                   min_positive=min_positive, pseudo_fraction=pseudo_fraction,
                                   rank=rank)

    def loop() -> dict[str, Any]:
        history, previous = _read_history(scan, terms)
        record = RoundRecord()
        for key in record.rows:
            record.rows[key] = [float(v) for v in previous.get(key, [])]
        round_ = int(history.round.max()) + 1 if len(history) else 0
        if len(history):
            log.info("ml_scan: resuming at round %d with %d points from the file", round_,
                     len(history))
        train_seconds = 0.0
        while True:
            labels = labels_of(history) if len(history) else None
            n_target = int(labels.in_target.sum()) if labels is not None else 0
            if n_target >= target_points or len(history) >= max_evaluations:
                break
            rng = np.random.default_rng([scan.seed, round_])
            m = min(first if len(history) == 0 else batch_size,
                    max_evaluations - len(history))
            start = time.perf_counter()
            if labels is not None and labels.trainable:
                x, y, w = _training_set(history, labels, rng, max_training, per_term,
                                        term_threshold)
                committee.fit(x, y, w)
                train_seconds = time.perf_counter() - start
            else:
                train_seconds = 0.0
            model = committee if committee.trained else preset
            start = time.perf_counter()
            if model is None:
                cube = rng.random((m, ndim))
                kind = np.full(m, cand.INITIAL if len(history) == 0 else cand.EXPLORE,
                               np.int8)
                p_chosen = np.full(m, np.nan)
            else:
                cube, kind, p_chosen = _choose(model, history, labels, rng, m, cand,
                                               explore_fraction, prior_fraction, candidates,
                                               uncertainty_weight, diversity)
            screen_seconds = time.perf_counter() - start
            start = time.perf_counter()
            batch = _evaluate(scan, cube, {"round": np.full(m, round_, np.int32),
                                           "proposal": kind, "p_target": p_chosen})
            evaluate_seconds = time.perf_counter() - start
            history.add(cube, batch, round_, kind, p_chosen)
            now = labels_of(history)
            steered = kind == cand.DENSITY
            hits = now.in_target[-m:]
            record.add(round=round_, evaluations=len(history), in_target=now.in_target.sum(),
                       positives=now.positive.sum(), pseudo=now.pseudo,
                       hit_rate=hits[steered].mean() if steered.any() else math.nan,
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
                "delta_chi2": threshold, "classifier": classifier,
                "target_points": target_points, "in_target": n_target,
                "reached_target": reached, "evaluations": len(history)}
        if export_model and committee.trained:
            path = _export(committee, scan, target, threshold, terms if per_term else [])
            info["model_file"] = str(path)
        scan.writer.write_group("sampler_info", record.arrays(), info)
        log.info("ml_scan: %d evaluations, %d in target (%s)", len(history), n_target,
                 "target reached" if reached else "evaluation budget spent")
        return {"evaluations": len(history), "in_target": n_target, "reached_target": reached}

    return scan.drive(loop)


def _training_set(history: History, labels: Any, rng: np.random.Generator, max_training: int,
                  per_term: bool, term_threshold: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, label columns and balanced weights; at most ``max_training`` rows (every
    positive up to half of them, the rest a random choice of the negatives)."""
    from ..ml.labels import balanced_weights, term_labels

    y = labels.positive[:, None]
    if per_term and history.terms:
        y = np.column_stack([y, term_labels(history.terms, term_threshold)])
    rows = np.arange(len(history))
    if len(rows) > max_training:
        positive, negative = np.flatnonzero(labels.positive), np.flatnonzero(~labels.positive)
        n_pos = min(len(positive), max_training // 2)
        rows = np.concatenate([rng.choice(positive, n_pos, replace=False),
                               rng.choice(negative, min(len(negative), max_training - n_pos),
                                          replace=False)])
    return history.cube[rows], y[rows], balanced_weights(y[rows, 0])


def _choose(model: Any, history: History, labels: Any, rng: np.random.Generator, m: int,
            cand: Any, explore_fraction: float, prior_fraction: float, candidates: int,
            uncertainty_weight: float, diversity: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The next batch: screened candidates chosen by score and diversity, plus prior draws."""
    ndim = history.cube.shape[1]
    n_explore = round(explore_fraction * m)
    n_steered = m - n_explore
    positive = history.cube[labels.positive] if labels is not None else np.zeros((0, ndim))
    density = cand.LocalDensity.around(positive) if len(positive) else None
    pool, kind = cand.propose(rng, candidates * max(n_steered, 1), ndim, density,
                              prior_fraction)
    mean, spread = model.predict(pool)
    score = mean[:, 0] + uncertainty_weight * spread[:, 0]
    largest = LARGEST_RADIUS * math.sqrt(ndim)
    # spots are judged on the scale of the gaps between positive points: a candidate half
    # a gap from a positive point (or from one chosen before it) keeps 63% of its score
    radius = 0.5 * diversity * cand.spacing(positive, largest) if len(positive) else largest
    chosen = cand.select_diverse(pool, score, n_steered, radius, evaluated=positive)
    explore = rng.random((n_explore, ndim))
    cube = np.concatenate([pool[chosen], explore])
    kinds = np.concatenate([kind[chosen], np.full(n_explore, cand.EXPLORE, np.int8)])
    p = np.concatenate([mean[chosen, 0], model.predict(explore)[0][:, 0]]) if n_explore \
        else mean[chosen, 0]
    return cube, kinds, p


def _initial_model(path: Path, scan: Scan) -> Any:
    """A committee exported by an earlier run, checked against this run's parameters."""
    from ..ml.onnx_io import OnnxCommittee

    try:
        model = OnnxCommittee(path)
    except (OSError, ValueError, ImportError) as exc:
        raise SamplerError(f"sampler 'ml_scan' option 'initial_model': {exc}") from None
    names = model.metadata.get("parameters")
    if names != scan.space.sampled_names:
        raise SamplerError(f"sampler 'ml_scan' option 'initial_model': {path} was trained on "
                           f"parameters {names}, this run samples {scan.space.sampled_names}")
    return model


def _export(committee: Any, scan: Scan, target: str, threshold: float,
            terms: list[str]) -> Path:
    from ..ml.onnx_io import export_committee

    path = Path(scan.writer.path)
    out = path.with_name(path.stem + "-classifier.onnx")
    export_committee(committee, out, parameters=scan.space.sampled_names, target=target,
                     delta_chi2=threshold, outputs_names=["target", *terms],
                     input="unit cube of the sampled parameters")
    log.info("ml_scan: classifier written to %s", out)
    return out
