"""Surrogate committees, emulators and their ONNX round trip (fit.ml).

The round trip is checked against the model it was written from: onnxruntime must give
the same predictions (float32 arithmetic: 1e-5 relative). Committee and emulator quality
is checked on functions with a known answer (the distance from the centre of the unit
square; y = exp(3 x1) + x2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from fit.ml.emulators import Emulator, prior_box, train_from_run
from fit.ml.surrogates import _resample, make_committee, torch_available

pytest.importorskip("skl2onnx")
pytest.importorskip("onnxruntime")

from fit.ml.onnx_io import OnnxCommittee, export_committee

KINDS = ["mlp", "gbdt", pytest.param("torch", marks=pytest.mark.skipif(
    not torch_available(), reason="PyTorch not installed (pip install torch==2.13.0)"))]


def radius(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in the unit square; targets: the distance from the centre, and x1."""
    x = np.random.default_rng(seed).random((n, 2))
    return x, np.column_stack([np.linalg.norm(x - 0.5, axis=1), x[:, 0]])


@pytest.mark.parametrize("kind", KINDS)
def test_committee_learns_a_distance_and_survives_onnx(kind, tmp_path):
    x, y = radius(400, 1)
    committee = make_committee(kind, members=2, hidden=(16, 16), seed=3, epochs=60)
    committee.fit(x, y)
    test, truth = radius(500, 2)
    mean, spread = committee.predict(test)
    assert mean.shape == spread.shape == (500, 2)
    assert np.abs(mean - truth).mean() < 0.03      # distances span 0 to 0.71
    assert (spread > 0).any()                       # the members disagree somewhere
    # out of bag: each point predicted by members that did not draw it, nearly as well
    assert committee.oob.shape == (400, 2)
    assert np.abs(committee.oob - y).mean() < 0.05
    path = export_committee(committee, tmp_path / "c.onnx", parameters=["a", "b"])
    loaded = OnnxCommittee(path)
    assert loaded.metadata["parameters"] == ["a", "b"]
    assert np.allclose(loaded.predict_members(test), committee.predict_members(test),
                       rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError):
        loaded.fit(x, y)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        loaded.predict(np.zeros((3, 4)))


def test_warm_started_committee_keeps_its_layout():
    x, y = radius(100, 3)
    committee = make_committee("mlp", members=2, hidden=(8,), epochs=20, update_epochs=5)
    committee.fit(x, y[:, :1])
    committee.fit(x, y[:, :1])
    assert committee.fits == 2
    with pytest.raises(ValueError, match="2 inputs and 1 outputs, not 2 and 2"):
        committee.fit(x, y)


def test_class_balanced_resamples_draw_half_from_each_class():
    rng = np.random.default_rng(5)
    rare = np.arange(1000) < 50                     # 5% of the points in one class
    rows = _resample(rng, 1000, 3, rare)
    assert rows.shape == (3, 1000)
    assert (rare[rows].sum(axis=1) == 500).all()    # half of each member's rows
    # without a class, or with a single one: a plain bootstrap (5% +- 3 sigma = 2.1%)
    for balance in (None, np.zeros(1000, bool)):
        plain = rare[_resample(rng, 1000, 3, balance)].mean(axis=1)
        assert (np.abs(plain - 0.05) < 0.021).all()


def test_unknown_model_and_bad_sizes():
    with pytest.raises(ValueError, match="unknown model 'svm'"):
        make_committee("svm")
    with pytest.raises(ValueError, match="at least one member"):
        make_committee("mlp", members=0)


def exp_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(seed).random((n, 2))
    return x, np.exp(3 * x[:, 0]) + x[:, 1]


@pytest.mark.parametrize("kind", ["mlp", "gbdt"])
def test_emulator_validation_and_onnx_round_trip(kind, tmp_path):
    x, y = exp_data(800, 5)
    emulator = Emulator.train(x, y, inputs=["a", "b"], output="f", kind=kind, seed=1,
                              hidden=(32, 32))
    v = emulator.validation
    assert v.n > 100 and len(v.worst) == 5
    assert v.mape < 5.0 and v.worst[0]["ape"] >= v.q95_ape >= v.median_ape
    # the shares within 10% and 30%: a median below 10% puts at least half within 10%
    assert 0.5 <= v.within_10 <= v.within_30 <= 1.0
    assert "within 30%" in v.lines()[0]
    test, truth = exp_data(500, 6)
    assert np.median(np.abs(emulator.predict(test) / truth - 1)) < 0.05
    path = emulator.export(tmp_path / "f.onnx")
    loaded = Emulator.load(path)
    assert np.allclose(loaded.predict(test), emulator.predict(test), rtol=1e-4)
    assert loaded.validation == v
    assert json.loads(path.with_suffix(".validation.json").read_text())["mape"] == v.mape
    assert loaded.inside(np.array([[0.5, 0.5], [1.5, 0.5]])).tolist() == [True, False]


def test_emulator_learns_in_log_when_the_output_spans_decades():
    x = np.random.default_rng(7).random((300, 1))
    y = 10.0 ** (6 * x[:, 0])                 # six decades
    emulator = Emulator.train(x, y, inputs=["a"], output="xsec", kind="mlp")
    assert emulator.log_target
    assert emulator.validation.mape < 10.0
    with pytest.raises(ValueError, match="at least 10 finite"):
        Emulator.train(x[:5], y[:5], inputs=["a"], output="xsec")


def test_emulator_from_a_run_file_and_as_a_provider(tmp_path, write_yaml, registry, capsys):
    from fit.ml.emulators import main as emulator_command
    from fit.results import load
    from fit.run import run

    path = write_yaml("""
        parameters: {x1: [-3, 3], x2: [-3, 3]}
        likelihoods:
          gaussian: {parameters: [x1, x2]}
        sampler: {name: random, n_points: 600}
        seed: 2
    """)
    out = run(path, output=tmp_path / "train.h5")
    emulator = train_from_run(out, ["x1", "x2"], "loglike/gaussian", kind="mlp",
                              hidden=(16, 16))
    # the validated domain is the training run's prior box, not just its points' extent;
    # an input that is not a parameter keeps the extent of its training values
    np.testing.assert_array_equal(emulator.low, [-3.0, -3.0])
    np.testing.assert_array_equal(emulator.high, [3.0, 3.0])
    low, high = prior_box(load(out), ["x2", "loglike/gaussian"])
    assert low[0] == -3.0 and high[0] == 3.0 and np.isnan(low[1]) and np.isnan(high[1])
    from_values = train_from_run(out, ["x1", "loglike/gaussian"], "loglike/gaussian",
                                 kind="gbdt")
    assert from_values.low[1] == pytest.approx(float(np.nanmin(load(out).loglike)))
    model = emulator.export(tmp_path / "g.onnx")
    # ln N(x; 0, I_2) = -ln(2 pi) - |x|^2 / 2, so the emulator is checked against the formula
    test = np.array([[0.3, -0.2], [1.0, 1.0]])
    exact = -np.log(2 * np.pi) - 0.5 * (test**2).sum(axis=1)
    assert np.allclose(emulator.predict(test), exact, atol=0.1)
    # the command line: inputs default to the sampled parameters
    assert emulator_command([str(out), "loglike/gaussian", "--model", "gbdt",
                             "--write", str(tmp_path / "cli.onnx")]) == 0
    printed = capsys.readouterr().out
    assert "inputs: x1 x2" in printed and "MAPE" in printed
    assert Emulator.load(tmp_path / "cli.onnx").inputs == ["x1", "x2"]

    # the module holds the exact provider of the capability and a term that reads it; a
    # rule naming 'emulated_lnl_gaussian' makes the emulated provider, no code needed
    (tmp_path / "emulated.py").write_text(
        "import numpy as np\n"
        "from fit import likelihood, provider\n"
        "@provider('lnl_gaussian', vectorised=True)\n"
        "def exact_lnl_gaussian(x1, x2):\n"
        "    return -np.log(2 * np.pi) - 0.5 * (x1**2 + x2**2)\n"
        "@likelihood('emulated', vectorised=True)\n"
        "def emulated(lnl_gaussian):\n"
        "    return lnl_gaussian\n")

    def scan(name: str, fallback: str):
        path = write_yaml(f"""
            parameters: {{x1: [-4, 4], x2: [-1, 1]}}
            likelihoods: {{emulated: {{}}}}
            rules:
              lnl_gaussian: {{provider: emulated_lnl_gaussian,
                              options: {{model_file: {model}{fallback}}}}}
            modules: [emulated.py]
            sampler: {{name: random, n_points: 200}}
            seed: 3
        """, name=f"{name}.yaml")
        r = load(run(path, output=tmp_path / f"{name}.h5"))
        return r, np.column_stack([r.parameters["x1"], r.parameters["x2"]])

    r, x = scan("emulated", "")
    inside = emulator.inside(x)        # x1 in [-4, 4] reaches outside the training box
    assert (~inside).any() and inside.any()
    assert (r.valid == inside).all()
    assert set(r.point["code"][~r.valid]) == {"emulator_domain"}
    assert np.allclose(r.loglike[inside], emulator.predict(x[inside]), atol=1e-4)
    # with the exact provider as the fallback, the points outside are computed exactly
    r, x = scan("fallback", ", fallback: exact_lnl_gaussian")
    inside = emulator.inside(x)
    assert r.valid.all() and (~inside).any()
    assert np.allclose(r.loglike[~inside], -np.log(2 * np.pi) - 0.5 * (x[~inside]**2).sum(1))
    assert np.allclose(r.loglike[inside], emulator.predict(x[inside]), atol=1e-4)


@pytest.mark.parametrize("content, message", [
    (None, "model_file: ONNX model .*missing.onnx not found"),
    (b"not a protobuf", "model_file: .*missing.onnx is not a readable ONNX model"),
])
def test_an_emulator_rule_with_a_bad_model_file_names_the_rule(content, message, tmp_path,
                                                               write_yaml, registry):
    from fit.errors import ConfigError
    from fit.run import run

    if content is not None:
        (tmp_path / "missing.onnx").write_bytes(content)
    (tmp_path / "exact.py").write_text(
        "from fit import likelihood, provider\n"
        "@provider('square', vectorised=True)\n"
        "def square(x1):\n"
        "    return x1**2\n"
        "@likelihood('quadratic', vectorised=True)\n"
        "def quadratic(square):\n"
        "    return -square\n")
    path = write_yaml("""
        parameters: {x1: [-1, 1]}
        likelihoods: {quadratic: {}}
        rules:
          square: {provider: emulated_square, options: {model_file: missing.onnx}}
        modules: [exact.py]
        sampler: {name: random, n_points: 10}
    """)
    with pytest.raises(ConfigError, match=message) as info:
        run(path, output=tmp_path / "out.h5")
    assert "rules.square.options" in str(info.value)
    assert "run.yaml:5" in str(info.value)
