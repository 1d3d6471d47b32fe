"""Classifier committees and emulators to and from ONNX files.

A trained network is written once and reused: by another run (``initial_model`` of the
``ml_scan`` sampler, an emulator provider's ``model_file``) or by other programs that
read ONNX. scikit-learn models are converted with skl2onnx, PyTorch ones with
``torch.onnx``; files are read with onnxruntime, which needs neither.

- A committee becomes one graph: input ``x`` (n, ndim) float32 in unit-cube coordinates,
  output ``members`` (n, K, m), each member's predicted distance to the target for each
  output column; the metadata hold what the scan needs to use it (the calibration of
  scores into probabilities, the uncertainty weight, the parameters' names).
- An emulator becomes one graph: input ``x`` (n, n_inputs) float32 in the emulator's
  input variables, output ``y`` (n, 1), the standardised (and, if so trained, logarithmic)
  target; the metadata hold how to undo that, the inputs' names, the validated domain
  and the validation errors.

Metadata are ONNX ``metadata_props``; the key ``fit`` holds one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .surrogates import Committee, SklearnMLP

OPSET = {"": 17, "ai.onnx.ml": 3}


def _require(package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(package) is None:
        raise ImportError(f"ONNX export/import needs '{package}': pip install skl2onnx "
                          f"onnxruntime (the 'ml' extra of fit)")


def _sklearn_graph(model: Any, ndim: int, prefix: str) -> tuple[Any, str]:
    """One scikit-learn regressor as an ONNX graph with names prefixed; returns the graph
    and the name of its output, (n, outputs of the model)."""
    import onnx
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    proto = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, ndim]))],
                            target_opset=OPSET)
    proto = onnx.compose.add_prefix(proto, prefix)
    return proto.graph, proto.graph.output[0].name


def committee_to_onnx(committee: Committee, metadata: dict[str, Any]) -> Any:
    """The ONNX model of a trained committee (see the module docstring)."""
    if committee.kind == "torch":
        return _torch_to_onnx(committee, metadata)
    _require("skl2onnx")
    import onnx
    from onnx import TensorProto, helper

    ndim, m = committee.ndim, committee.outputs
    nodes, initialisers, members = [], [], []
    # the MLPs take [-1, 1] coordinates, the trees the unit cube itself
    scaled = isinstance(committee, SklearnMLP)
    if scaled:
        initialisers += [helper.make_tensor("const_two", TensorProto.FLOAT, [], [2.0]),
                         helper.make_tensor("const_unit", TensorProto.FLOAT, [], [1.0])]
        nodes += [helper.make_node("Mul", ["x", "const_two"], ["x_twice"]),
                  helper.make_node("Sub", ["x_twice", "const_unit"], ["x_scaled"])]
    source = "x_scaled" if scaled else "x"
    initialisers.append(helper.make_tensor("member_shape", TensorProto.INT64, [3],
                                           [-1, 1, m]))
    models = [[model] for model in committee.models] if scaled else committee.models
    for i, member in enumerate(models):
        columns = []
        for j, model in enumerate(member):
            prefix = f"m{i}o{j}_"
            graph, output = _sklearn_graph(model, ndim, prefix)
            nodes.append(helper.make_node("Identity", [source], [f"{prefix}x"]))
            nodes.extend(graph.node)
            initialisers.extend(graph.initializer)
            columns.append(output)
        if len(columns) > 1:
            nodes.append(helper.make_node("Concat", columns, [f"m{i}_columns"], axis=1))
            columns = [f"m{i}_columns"]
        nodes.append(helper.make_node("Reshape", [columns[0], "member_shape"],
                                      [f"m{i}_out"]))
        members.append(f"m{i}_out")
    nodes.append(helper.make_node("Concat", members, ["members"], axis=1))
    graph = helper.make_graph(
        nodes, "committee",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, ndim])],
        [helper.make_tensor_value_info("members", TensorProto.FLOAT, [None, len(models), m])],
        initialisers)
    opsets = [helper.make_opsetid(domain, version) for domain, version in OPSET.items()]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="fit")
    onnx.checker.check_model(model)
    return _with_metadata(model, {"kind": "surrogate", "members": len(models),
                                  "outputs": m, "ndim": ndim, **metadata})


def _torch_to_onnx(committee: Committee, metadata: dict[str, Any]) -> Any:
    import io

    import onnx
    import torch

    from .torch_ensemble import members_first

    buffer = io.BytesIO()
    example = torch.rand(2, committee.ndim)
    torch.onnx.export(members_first(committee.network), (example,), buffer,
                      input_names=["x"], output_names=["members"],
                      dynamic_axes={"x": {0: "n"}, "members": {0: "n"}}, dynamo=False,
                      opset_version=OPSET[""])
    model = onnx.load_from_string(buffer.getvalue())
    return _with_metadata(model, {"kind": "surrogate", "members": committee.members,
                                  "outputs": committee.outputs, "ndim": committee.ndim,
                                  **metadata})


def regressor_to_onnx(model: Any, n_inputs: int, metadata: dict[str, Any]) -> Any:
    """The ONNX model of a scikit-learn regressor (or pipeline) with output ``y`` (n, 1)."""
    _require("skl2onnx")
    import onnx
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    proto = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, n_inputs]))],
                            final_types=[("y", FloatTensorType([None, 1]))],
                            target_opset=OPSET)
    onnx.checker.check_model(proto)
    return _with_metadata(proto, {"kind": "emulator", **metadata})


def _with_metadata(model: Any, metadata: dict[str, Any]) -> Any:
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = "fit", json.dumps(metadata)
    return model


def save(model: Any, path: str | Path) -> Path:
    """Write an ONNX model (atomically: a kill leaves the old file or the new one)."""
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(model.SerializeToString())
    os.replace(tmp, path)
    return path


class OnnxModel:
    """An ONNX file run with onnxruntime; ``metadata`` is its ``fit`` JSON object."""

    def __init__(self, path: str | Path):
        _require("onnxruntime")
        import onnxruntime

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"ONNX model {self.path} not found")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3   # no notes about unused initialisers
        try:
            self.session = onnxruntime.InferenceSession(str(self.path), options,
                                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime's own types derive from Exception
            raise ValueError(f"{self.path} is not a readable ONNX model: {exc}") from None
        raw = self.session.get_modelmeta().custom_metadata_map.get("fit")
        if raw is None:
            raise ValueError(f"{self.path} was not written by fit (no 'fit' metadata)")
        self.metadata: dict[str, Any] = json.loads(raw)
        self.output = self.session.get_outputs()[0].name

    def run(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        return np.asarray(self.session.run([self.output], {"x": x})[0], dtype=float)


class OnnxCommittee(Committee):
    """A committee read from an ONNX file: predicts like the committee it was written from,
    cannot be trained further; ``metadata`` is what it was written with."""

    kind = "onnx"

    def __init__(self, path: str | Path):
        self.model = OnnxModel(path)
        meta = self.model.metadata
        if meta.get("kind") != "surrogate":
            raise ValueError(f"{path} holds a {meta.get('kind')!r}, not a scan's committee")
        super().__init__(members=int(meta["members"]), seed=0)
        self.outputs, self.ndim = int(meta["outputs"]), int(meta["ndim"])
        self.metadata = meta

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        raise TypeError("a committee loaded from ONNX cannot be trained")

    def _fit(self, x: np.ndarray, y: np.ndarray, rows: np.ndarray, counts: np.ndarray,
             epochs: int) -> None:
        raise TypeError("a committee loaded from ONNX cannot be trained")

    def predict_members(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        if x.shape[1] != self.ndim:
            raise ValueError(f"{self.model.path} takes {self.ndim} inputs, got {x.shape[1]}")
        return self.model.run(x).transpose(1, 0, 2)


def export_committee(committee: Committee, path: str | Path, **metadata: Any) -> Path:
    """Write a trained committee to ``path`` (ONNX)."""
    if not committee.trained:
        raise ValueError("the committee has not been trained")
    return save(committee_to_onnx(committee, metadata), path)
