"""ONNX export: ``glassnet.onnx.export(model, example_input, "model.onnx")``, as ``torch.onnx.export``.

The model is traced from one forward run and written as an ONNX graph that
onnxruntime (or any ONNX runtime) executes; docs/onnx.md says how, what
converts and why it is built as it is.  Needs the ``onnx`` package.
"""

try:
    import onnx  # noqa: F401 - only to say clearly what is missing
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError("glassnet.onnx needs the onnx package: pip install onnx (and onnxruntime to run "
                      "the exported models)") from error

# Importing the conversions registers them.
from . import conv_ops, layers, ops, recurrent, shape_ops
from .exporter import export
from .registry import UnsupportedError

__all__ = ["UnsupportedError", "export"]
