"""``export``: a glassnet model as an ONNX file, traced from one forward run (see ``trace.py``)."""

import contextlib

import numpy as np

from .. import __version__
from ..autograd import no_grad
from ..io.atomic import atomic_path
from ..nn.module import Module
from ..tensor import Tensor
from .graph import Graph, onnx, value_info
from .trace import Tracer, tensors_in


def export(model, example_input, path, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=17):
    """Write ``model`` to ``path`` as an ONNX model that computes what it computes on ``example_input``.

    The arguments mean what they mean to ``torch.onnx.export``:

    * ``example_input``: the input of one forward run (a Tensor or an array);
      a tuple is several positional arguments, a list is one argument that
      is a list (a Keras model with several inputs).
    * ``input_names`` / ``output_names``: the names of the graph's inputs and
      outputs, in order; by default ``input`` and ``output`` (``input_0``,
      ``input_1``... when there are several).
    * ``dynamic_axes``: ``{name: {axis: symbolic name}}`` or ``{name: [axes]}``;
      those dims are left free, e.g. ``{'input': {0: 'batch'}, 'output': {0: 'batch'}}``.
    * ``opset_version``: the ONNX opset, 17 by default.

    The model runs once in eval mode (its modes are restored afterwards),
    and what ran is what is exported: Python ``if`` and ``for`` are
    recorded as the path taken for this input.  The file is written
    atomically (``path`` may also be a writable binary file object) after
    ``onnx.checker`` has passed it.  Returns the ``onnx.ModelProto``.
    """
    if not isinstance(model, Module):
        raise TypeError(f"glassnet.onnx.export: expected a glassnet Module or Keras model, got "
                        f"{type(model).__name__}")
    graph = Graph(opset_version)
    args = _arguments(example_input)
    with _inference_state(model, args):
        inputs, outputs = _trace(model, args, graph, input_names, output_names)
    _check_inputs_used(graph, [name for name, _ in inputs])
    axes = _dynamic_axes(dynamic_axes, inputs + outputs)
    proto = graph.to_model([value_info(name, t.dtype, _shape(t, axes.get(name))) for name, t in inputs],
                           [value_info(name, t.dtype, _shape(t, axes.get(name))) for name, t in outputs],
                           __version__)
    onnx.checker.check_model(proto, full_check=True)
    _save(proto, path)
    return proto


def _trace(model, args, graph, input_names, output_names):
    """Run ``model`` on ``args`` under a ``Tracer``: the (name, tensor) of each graph input and output."""
    given = tensors_in(args)
    traced = [_traceable(t) for t in given]
    args = _replace(args, dict(zip(map(id, given), traced)))
    in_names = _names(input_names, len(traced), "input")
    for name in in_names + list(output_names or []):
        graph.reserve(name)
    tracer = Tracer(model, graph)
    for tensor, name in zip(traced, in_names):
        tracer.bind(tensor, name)
    outputs = tensors_in(tracer.run(args))
    out_names = _names(output_names, len(outputs), "output")
    for name in out_names[len(output_names or []):]:
        graph.reserve(name)
    _name_outputs(graph, [tracer.value(t) for t in outputs], out_names, set(in_names))
    return list(zip(in_names, traced)), list(zip(out_names, outputs))


# --------------------------------------------------------------- arguments
def _arguments(example_input):
    """The positional arguments of the forward run, arrays made Tensors."""
    if isinstance(example_input, tuple):
        return tuple(_as_tensors(a) for a in example_input)
    return (_as_tensors(example_input),)


def _as_tensors(value):
    if isinstance(value, np.ndarray):
        return Tensor(value, dtype=value.dtype)
    if isinstance(value, list):
        return [_as_tensors(v) for v in value]
    return value


def _traceable(tensor):
    """A new leaf over the same data that the record starts from (floats require grad)."""
    t = Tensor._make(tensor.array, None, 0)
    return t.requires_grad_(True) if t.array.dtype.kind == "f" else t


def _replace(obj, swap):
    if isinstance(obj, Tensor):
        return swap.get(id(obj), obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_replace(v, swap) for v in obj)
    if isinstance(obj, dict):
        return {k: _replace(v, swap) for k, v in obj.items()}
    return obj


@contextlib.contextmanager
def _inference_state(model, args):
    """Eval mode, and no parameter requiring grad (so only the input's ops are recorded); then back."""
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        if any(getattr(p, "is_uninitialized", False) for p in model.parameters()):
            with no_grad():  # lazy layers take their sizes from a first call, before the trace
                model(*args)
        flags = [(p, p.requires_grad) for p in model.parameters()]
        try:
            for p, _ in flags:
                p.requires_grad = False
            yield
        finally:
            for p, flag in flags:
                p.requires_grad = flag
    finally:
        for module, mode in modes:
            module.training = mode


# ------------------------------------------------------------------- names
def _names(given, count, default):
    """``count`` names: the given ones, then ``input`` (or ``input_0``, ``input_1``...) for the rest."""
    given = list(given or [])
    if len(given) > count:
        raise ValueError(f"glassnet.onnx.export: {len(given)} {default}_names given for {count} {default}s")
    if count == 1 and not given:
        return [default]
    return given + [f"{default}_{i}" for i in range(len(given), count)]


def _name_outputs(graph, values, names, inputs):
    """Make each output value carry its name: rename the node output, or add an Identity (for a
    graph input, a constant, or a value that is already another output)."""
    renamed = {}
    for value, name in zip(values, names):
        if value in renamed or value in inputs or not graph.produced(value):
            source = renamed.get(value, value)
            graph.nodes.append(onnx.helper.make_node("Identity", [source], [name], name=name))
        else:
            graph.rename(value, name)
            renamed[value] = name


def _check_inputs_used(graph, in_names):
    used = {name for node in graph.nodes for name in node.input}
    unused = [name for name in in_names if name not in used]
    if unused:
        raise ValueError(
            f"glassnet.onnx.export: the outputs do not depend on the input(s) {unused} through glassnet's "
            "ops; the forward computes on arrays (.data, .array, .numpy(), NumPy) or under no_grad, "
            "which a trace cannot follow")


def _dynamic_axes(dynamic_axes, values):
    """``{value name: {axis: symbolic name}}`` from either of torch's spellings; ``values`` (name, tensor)."""
    out = {}
    rank_of = {name: t.ndim for name, t in values}
    for name, axes in (dynamic_axes or {}).items():
        if name not in rank_of:
            raise ValueError(f"glassnet.onnx.export: dynamic_axes names {name!r}, which is not an input or "
                             f"output; they are {list(rank_of)}")
        if not isinstance(axes, dict):
            axes = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
        for axis in axes:
            if not -rank_of[name] <= axis < rank_of[name]:
                raise ValueError(f"glassnet.onnx.export: dynamic axis {axis} of {name!r}, which has "
                                 f"{rank_of[name]} dims")
        out[name] = {a % rank_of[name]: str(n) for a, n in axes.items()}
    return out


def _shape(tensor, dynamic):
    return [dynamic.get(i, n) if dynamic else n for i, n in enumerate(tensor.shape)]


def _save(proto, path):
    if hasattr(path, "write"):
        path.write(proto.SerializeToString())
        return
    with atomic_path(path, "glassnet.onnx.export") as temporary:
        onnx.save_model(proto, temporary)
