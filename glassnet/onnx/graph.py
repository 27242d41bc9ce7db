"""``Graph``: the ONNX graph under construction, as lists of nodes and initializers.

Every value in an ONNX graph is a name: a graph input, an initializer (a
constant stored in the file) or the output of one node.  ``add`` appends a
node and returns the fresh names of its outputs, so a conversion reads like
the arithmetic it writes: ``y = g.add("Add", [g.add("MatMul", [x, w]), b])``.

The reductions moved their axes from an attribute to an input in opset 18
(``ReduceSum`` already in 13, the oldest opset exported): ``reduce`` says
it either way, so the converters need not know the opset.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .registry import OPSET_RANGE

INT64_MAX = int(np.iinfo(np.int64).max)
INT64_MIN = int(np.iinfo(np.int64).min)


def onnx_dtype(dtype):
    """The TensorProto element type of a NumPy dtype."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Graph:
    def __init__(self, opset):
        low, high = OPSET_RANGE
        if not isinstance(opset, int) or not low <= opset <= high:
            raise ValueError(f"glassnet.onnx.export: opset_version must be an int from {low} to {high}, "
                             f"got {opset!r}")
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._taken = set()
        self._counts = {}
        self._small = {}  # (dtype, shape, bytes) -> name: one initializer per distinct small constant

    # ---------------------------------------------------------------- names
    def fresh(self, hint):
        """A name not used yet: ``hint``, else ``hint_1``, ``hint_2``..."""
        n = self._counts.get(hint, 0)
        name = hint if n == 0 and hint not in self._taken else f"{hint}_{n}"
        while name in self._taken:
            n += 1
            name = f"{hint}_{n}"
        self._counts[hint] = n + 1
        self._taken.add(name)
        return name

    def reserve(self, name):
        """Keep ``name`` (a graph input or output) from being given to anything else."""
        if name in self._taken:
            raise ValueError(f"glassnet.onnx.export: the name {name!r} is used twice; pass other "
                             "input_names or output_names")
        self._taken.add(name)

    # ---------------------------------------------------------------- nodes
    def add(self, op_type, inputs, outputs=1, **attributes):
        """Append an ``op_type`` node; its output name, or a list of ``outputs`` names when that is > 1."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        attributes = {k: _plain(v) for k, v in attributes.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), names, name=names[0], **attributes))
        return names[0] if outputs == 1 else names

    # ------------------------------------------------------------ constants
    def constant(self, array, name=None):
        """An initializer holding ``array``; small ones are shared, so equal constants are stored once."""
        array = np.asarray(array)
        key = None
        if name is None and array.size <= 16:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self._small:
                return self._small[key]
        name = self.fresh(name or "const")
        self.initializers.append(numpy_helper.from_array(np.asarray(array, order="C"), name))
        if key is not None:
            self._small[key] = name
        return name

    def ints(self, values):
        """A 1-D int64 constant: the shapes, axes and indices that ONNX takes as inputs."""
        return self.constant(np.asarray(list(values), np.int64))

    def scalar(self, value, dtype):
        return self.constant(np.asarray(value, dtype))

    # ------------------------------------------------ opset-dependent forms
    def unsqueeze(self, x, axes):
        return self.add("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x, axes):
        return self.add("Squeeze", [x, self.ints(axes)])

    def reduce(self, op_type, x, axes, keepdims):
        """``ReduceSum``/``ReduceMax``/``ReduceMean``: their axes became an input in opset 13 (ReduceSum)
        and 18 (the others)."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.add(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.add(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    # ---------------------------------------------------------------- model
    def rename(self, old, new):
        """Give the value ``old`` the name ``new`` everywhere (a graph output keeps the name asked for)."""
        self._taken.add(new)
        for node in self.nodes:
            for names in (node.input, node.output):
                for i, name in enumerate(names):
                    if name == old:
                        names[i] = new

    def produced(self, name):
        return any(name in node.output for node in self.nodes)

    def to_model(self, inputs, outputs, producer_version):
        """The ModelProto, with the lowest IR version that has this opset (so older runtimes load it)."""
        used = {name for node in self.nodes for name in node.input} | {o.name for o in outputs}
        initializers = [t for t in self.initializers if t.name in used]  # constants a conversion dropped
        graph = helper.make_graph(self.nodes, "glassnet", inputs, outputs, initializers)
        opset = [helper.make_opsetid("", self.opset)]
        return helper.make_model(graph, opset_imports=opset, producer_name="glassnet",
                                 producer_version=producer_version,
                                 ir_version=helper.find_min_ir_version_for(opset))


def value_info(name, dtype, shape):
    """A graph input or output: ``shape`` may hold strings, the names of dynamic axes."""
    return helper.make_tensor_value_info(name, onnx_dtype(dtype), list(shape))


def _plain(value):
    """Attribute values as the Python types ``make_node`` expects (NumPy scalars are not)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


__all__ = ["Graph", "INT64_MAX", "INT64_MIN", "onnx", "onnx_dtype", "value_info"]
