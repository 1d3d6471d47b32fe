"""Emulators: regression models that stand in for an expensive capability.

An emulator maps named inputs (parameters or other capabilities) to one numeric output
(a capability, an observable column or a likelihood term of a run file). It is trained on
evaluated points (`Emulator.train`, or `train_from_run` on a run's HDF5 file), validated
on a held-out fifth of them, and written as one ONNX file that holds the network, the
input names, the domain it was trained on and its validation errors (MAPE, the worst
cases). Outputs spanning more than two decades with one sign are learnt in log|y|, as
DeepXS (arXiv:1810.08312) does for cross sections spanning many orders of magnitude.

Uses:
- pre-screening: cheap predictions for many candidate points;
- replacing a backend, only when the run file asks for it: a rule naming the provider
  ``emulated_<capability>`` (made by `emulator_provider`) answers inside the validated
  domain (for an emulator trained on a run: that run's prior box) and, outside it,
  calls the real provider named as ``fallback`` (or invalidates the point).

    python -m fit.ml.emulators RUN.h5 observables/m_h [--inputs tanb lambda_] --write m_h.onnx

(inputs by default: the run's sampled parameters).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..providers import REGISTRY, PartlyInvalid, Registry, provider

if TYPE_CHECKING:
    from ..results import Results

log = logging.getLogger(__name__)
MODELS = ("mlp", "gbdt")


@dataclass
class Validation:
    """Errors on the held-out points: absolute percentage errors (APE = |pred - true| /
    |true|, in %), their mean (MAPE), median and 95% quantile, the shares of points within
    10% and 30% (a few points far off, e.g. at a narrow resonance, dominate the mean),
    the RMS error in the output's unit and the worst points (inputs, true, predicted,
    APE). Emulators written before the shares were added have them as None."""

    n: int
    mape: float
    median_ape: float
    q95_ape: float
    rmse: float
    worst: list[dict[str, Any]]
    within_10: float | None = None
    within_30: float | None = None

    def lines(self) -> list[str]:
        shares = ("" if self.within_30 is None else
                  f", within 10%: {self.within_10:.1%}, within 30%: {self.within_30:.1%}")
        out = [f"validation on {self.n} held-out points: MAPE {self.mape:.3g}%, median "
               f"{self.median_ape:.3g}%, 95% quantile {self.q95_ape:.3g}%{shares}, "
               f"RMSE {self.rmse:.4g}"]
        out += [f"  worst: APE {w['ape']:.3g}% true {w['true']:.6g} predicted "
                f"{w['predicted']:.6g} at {w['inputs']}" for w in self.worst]
        return out


class Emulator:
    """A trained regression of ``output`` on ``inputs`` (see the module docstring)."""

    def __init__(self, *, inputs: list[str], output: str, log_target: bool, sign: float,
                 y_mean: float, y_std: float, low: np.ndarray, high: np.ndarray,
                 validation: Validation | None, kind: str, model: Any):
        self.inputs, self.output = list(inputs), output
        self.log_target, self.sign = log_target, sign
        self.y_mean, self.y_std = y_mean, y_std
        self.low, self.high = np.asarray(low, float), np.asarray(high, float)
        self.validation = validation
        self.kind = kind
        self.model = model            # a scikit-learn pipeline, or an `OnnxModel`

    @classmethod
    def train(cls, x: np.ndarray, y: np.ndarray, *, inputs: list[str], output: str,
              kind: str = "mlp", validation_fraction: float = 0.2, seed: int = 0,
              hidden: tuple[int, ...] = (64, 64), worst: int = 5,
              domain: tuple[np.ndarray, np.ndarray] | None = None) -> Emulator:
        """Fit on a random ``1 - validation_fraction`` of the rows, validate on the rest,
        then refit on all rows (the reported errors are those of the held-out fit). The
        validated domain is the box of the training inputs, widened to ``domain`` (low,
        high per input) where given: the prior box the training points were drawn from."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        y = np.asarray(y, dtype=float)
        if x.shape != (len(y), len(inputs)):
            raise ValueError(f"inputs have shape {x.shape}, expected ({len(y)}, {len(inputs)})")
        finite = np.all(np.isfinite(x), axis=1) & np.isfinite(y)
        x, y = x[finite], y[finite]
        if len(y) < 10:
            raise ValueError(f"an emulator needs at least 10 finite training points, got "
                             f"{len(y)}")
        if kind not in MODELS:
            raise ValueError(f"unknown emulator model '{kind}'; choose one of "
                             f"{', '.join(MODELS)}")
        sign = float(np.sign(y[0])) or 1.0
        positive = y * sign
        log_target = bool(np.all(positive > 0) and positive.max() / positive.min() > 100)
        t = np.log(positive) if log_target else y
        y_mean, y_std = float(t.mean()), float(t.std()) or 1.0
        rng = np.random.default_rng(seed)
        held = rng.random(len(y)) < validation_fraction
        if held.sum() < 1 or (~held).sum() < 5:
            held = np.zeros(len(y), bool)
            held[rng.choice(len(y), max(1, len(y) // 5), replace=False)] = True
        low, high = x.min(axis=0), x.max(axis=0)
        if domain is not None:
            low = np.fmin(low, np.asarray(domain[0], dtype=float))
            high = np.fmax(high, np.asarray(domain[1], dtype=float))
        emulator = cls(inputs=inputs, output=output, log_target=log_target, sign=sign,
                       y_mean=y_mean, y_std=y_std, low=low, high=high,
                       validation=None, kind=kind, model=None)
        emulator.model = _fit(kind, x[~held], (t[~held] - y_mean) / y_std, hidden, seed)
        emulator.validation = _validate(emulator.predict(x[held]), y[held], x[held], inputs,
                                        worst)
        emulator.model = _fit(kind, x, (t - y_mean) / y_std, hidden, seed)
        return emulator

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The emulated output at inputs ``x`` (n, n_inputs)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        raw = self.model.run(x)[:, 0] if hasattr(self.model, "run") \
            else self.model.predict(x)
        t = np.asarray(raw, dtype=float) * self.y_std + self.y_mean
        return self.sign * np.exp(t) if self.log_target else t

    def inside(self, x: np.ndarray) -> np.ndarray:
        """Points within the box of the training inputs (the validated domain)."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def metadata(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "output": self.output, "log_target": self.log_target,
                "sign": self.sign, "y_mean": self.y_mean, "y_std": self.y_std,
                "low": self.low.tolist(), "high": self.high.tolist(), "model": self.kind,
                "validation": asdict(self.validation) if self.validation else None}

    def export(self, path: str | Path) -> Path:
        """Write the emulator as ONNX, and its validation as JSON next to it."""
        from .onnx_io import regressor_to_onnx, save

        path = save(regressor_to_onnx(self.model, len(self.inputs), self.metadata()), path)
        path.with_suffix(".validation.json").write_text(
            json.dumps(self.metadata()["validation"], indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Emulator:
        """An emulator from its ONNX file (runs with onnxruntime)."""
        from .onnx_io import OnnxModel

        model = OnnxModel(path)
        meta = model.metadata
        if meta.get("kind") != "emulator":
            raise ValueError(f"{path} holds a {meta.get('kind')!r}, not an emulator")
        validation = Validation(**meta["validation"]) if meta.get("validation") else None
        return cls(inputs=meta["inputs"], output=meta["output"], log_target=meta["log_target"],
                   sign=meta["sign"], y_mean=meta["y_mean"], y_std=meta["y_std"],
                   low=np.asarray(meta["low"]), high=np.asarray(meta["high"]),
                   validation=validation, kind=meta["model"], model=model)


def _fit(kind: str, x: np.ndarray, t: np.ndarray, hidden: tuple[int, ...], seed: int) -> Any:
    """A scikit-learn pipeline (input standardisation, then the regressor)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "mlp":
        from sklearn.neural_network import MLPRegressor

        regressor = MLPRegressor(hidden_layer_sizes=hidden, max_iter=1000, tol=1e-6,
                                 n_iter_no_change=30, early_stopping=len(t) >= 200,
                                 random_state=seed)
    else:
        from sklearn.ensemble import GradientBoostingRegressor

        regressor = GradientBoostingRegressor(n_estimators=400, max_depth=4,
                                              learning_rate=0.05, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make_pipeline(StandardScaler(), regressor).fit(x, t)


def _validate(predicted: np.ndarray, true: np.ndarray, x: np.ndarray, inputs: list[str],
              worst: int) -> Validation:
    ape = 100.0 * np.abs(predicted - true) / np.maximum(np.abs(true), 1e-300)
    order = np.argsort(-ape)[:worst]
    return Validation(
        n=len(true), mape=float(ape.mean()), median_ape=float(np.median(ape)),
        q95_ape=float(np.quantile(ape, 0.95)), within_10=float(np.mean(ape <= 10.0)),
        within_30=float(np.mean(ape <= 30.0)),
        rmse=float(math.sqrt(np.mean((predicted - true) ** 2))),
        worst=[{"inputs": dict(zip(inputs, map(float, x[i]), strict=True)),
                "true": float(true[i]), "predicted": float(predicted[i]),
                "ape": float(ape[i])} for i in order])


def training_data(run: Results, inputs: list[str], output: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and output of the valid points of a loaded run file. Names are datasets of
    the file (``observables/m_h``, ``loglike/higgs``) or bare names looked up under
    ``parameters/`` and ``observables/``."""
    columns = run.columns()

    def column(name: str) -> np.ndarray:
        for key in (name, f"parameters/{name}", f"observables/{name}"):
            if key in columns:
                return np.asarray(columns[key], dtype=float)
        raise KeyError(f"{run.path} has no dataset '{name}' (looked under parameters/ and "
                       f"observables/ too)")

    x = np.column_stack([column(name) for name in inputs])
    return x[run.valid], column(output)[run.valid]


def prior_box(run: Results, inputs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The prior range of each input that is a parameter of the run with a ``range`` (NaN
    for the other inputs): the box its points were drawn from."""
    from ..analysis import parameter_specs

    specs = parameter_specs(run)
    box = np.full((2, len(inputs)), np.nan)
    for k, name in enumerate(inputs):
        rng = specs.get(name.removeprefix("parameters/"), {}).get("range")
        if isinstance(rng, list | tuple) and len(rng) == 2:
            box[:, k] = sorted(float(v) for v in rng)
    return box[0], box[1]


def train_from_run(path: str | Path, inputs: list[str], output: str, **options: Any
                   ) -> Emulator:
    """`Emulator.train` on the valid points of a run file; the validated domain reaches
    the prior range of the inputs that are parameters of the run (valid points stop short
    of the edges, which a sampler such as differential evolution visits)."""
    from ..results import load

    run = load(path)
    x, y = training_data(run, inputs, output)
    options.setdefault("domain", prior_box(run, inputs))
    return Emulator.train(x, y, inputs=inputs, output=output, **options)


def emulator_provider(capability: str, *, name: str | None = None,
                      registry: Registry | None = None) -> type:
    """Register a vectorised provider of ``capability`` that answers with an emulator.

    A rule naming the provider ``emulated_<capability>`` registers it for the run (no
    module needed): ``rules: {m_h: {provider: emulated_m_h, options: {model_file:
    m_h.onnx, fallback: nmssm_builtin_mh}}}``; a user module may call this function for
    another name. Options: ``model_file`` (an ONNX file written by `Emulator.export`, a
    relative path from the run file's directory), ``fallback`` (a provider of the same
    capability that computes the points outside the emulator's domain; without one those
    points are invalid with code ``emulator_domain``) and ``fallback_options``. The
    fallback's own inputs are computed for every point, so a fallback that needs the
    expensive calculation the emulator replaces saves nothing.
    """
    label = name or f"emulated_{capability}"
    registry = registry or REGISTRY

    class Emulated:
        __doc__ = f"{capability} from an emulator (ONNX) inside its validated domain."

        def __init__(self, *, model_file: Path, fallback: str | None = None,
                     fallback_options: dict | None = None):
            try:
                self.emulator = Emulator.load(model_file)
            except (OSError, ValueError) as exc:
                raise ValueError(f"model_file: {exc}") from None
            if self.emulator.output.rsplit("/", 1)[-1] != capability:
                log.warning("%s: %s emulates '%s', used here for '%s'", label, model_file,
                            self.emulator.output, capability)
            self.fallback = None
            if fallback is not None:
                spec = registry.by_name.get(fallback)
                if spec is None or spec.provides != capability:
                    raise ValueError(f"fallback '{fallback}' is not a provider of "
                                     f"'{capability}'")
                self.fallback = spec.setup(fallback_options or {})
            fallback_needs = tuple(self.fallback.needs) if self.fallback else ()
            self.needs = tuple(dict.fromkeys([*self.emulator.inputs, *fallback_needs]))
            if self.emulator.validation is not None:
                log.info("%s: %s", label, self.emulator.validation.lines()[0])

        def __call__(self, **values: Any) -> Any:
            x = np.column_stack([np.asarray(values[n], dtype=float)
                                 for n in self.emulator.inputs])
            inside = self.emulator.inside(x)
            out = np.full(len(x), np.nan)
            out[inside] = self.emulator.predict(x[inside]) if inside.any() else out[inside]
            if inside.all():
                return out
            if self.fallback is None:
                return PartlyInvalid(np.where(inside, out, 0.0), ~inside, "emulator_domain",
                                     f"outside the domain '{capability}' was emulated on")
            return self._fallback(values, out, ~inside)

        def _fallback(self, values: dict[str, Any], out: np.ndarray, outside: np.ndarray
                      ) -> Any:
            rows = np.flatnonzero(outside)
            inputs = {k: np.asarray(values[k])[rows] for k in self.fallback.needs}
            if self.fallback.vectorised:
                result = self.fallback.function(**inputs)
                if isinstance(result, PartlyInvalid):
                    out[rows] = np.where(result.invalid, 0.0, result.value)
                    bad = np.zeros(len(out), bool)
                    bad[rows] = result.invalid
                    return PartlyInvalid(out, bad, result.code if isinstance(result.code, str)
                                         else "error", result.reason
                                         if isinstance(result.reason, str) else "")
                out[rows] = result
                return out
            for j, i in enumerate(rows):
                out[i] = self.fallback.function(**{k: v[j] for k, v in inputs.items()})
            return out

    Emulated.__name__ = Emulated.__qualname__ = label
    # figure labels and units: those of the capability's other providers
    labels = next((dict(spec.labels) for spec in registry.providers_of(capability)
                   if spec.labels), None)
    provider(capability, vectorised=True, name=label, labels=labels,
             registry=registry)(Emulated)
    return Emulated


def main(argv: list[str] | None = None) -> int:
    """Train an emulator on a run file, print its validation, write it as ONNX."""
    parser = argparse.ArgumentParser(prog="python -m fit.ml.emulators",
                                     description=main.__doc__)
    parser.add_argument("run", help="run file (.h5) or run directory")
    parser.add_argument("output", help="dataset to emulate, e.g. observables/m_h")
    parser.add_argument("--inputs", nargs="+",
                        help="input datasets (default: the run's sampled parameters)")
    parser.add_argument("--model", choices=MODELS, default="mlp")
    parser.add_argument("--write", type=Path, help="ONNX file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.inputs:
        inputs = args.inputs
    else:
        from ..analysis import sampled_parameters
        from ..results import load

        inputs = sampled_parameters(load(args.run))
    emulator = train_from_run(args.run, inputs, args.output, kind=args.model, seed=args.seed)
    print(f"inputs: {' '.join(inputs)}")
    print("\n".join(emulator.validation.lines()))
    if args.write:
        print(f"written: {emulator.export(args.write)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
