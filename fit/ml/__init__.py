"""Machine learning for scans: targets and labels, candidates, surrogate committees, batch
selection, emulators, ONNX.

Used by the ``ml_scan`` sampler (`fit.samplers.ml_scan`) and by emulator providers
(`fit.ml.emulators`). Needs scikit-learn; ONNX export and import need skl2onnx and
onnxruntime; the ``torch`` model needs PyTorch. Each is imported only where used.
"""
