"""Tracing: run the model once, then turn what ran into ONNX nodes.

The model runs on the example input with autograd recording, the input
made to require grad and the parameters made not to.  So exactly the ops
that depend on the input become graph nodes (``Function`` objects, each
with its inputs and attributes), and everything else, parameters and what
the forward computes from them alone, reaches the graph as plain tensors:
the ONNX initializers.  From the outputs back, every node is converted by
its entry in ``registry.OPS``.

Modules are seen too: for the run, each module of the model gets an
instance ``forward`` that calls the real one.  A layer with an entry in
``registry.LAYERS`` (a recurrent layer, an embedding, a batch norm) is
converted as a whole and its outputs named; its own ops are never looked
at.  Any other module is traced through: its Python runs as written, and
only the record of its ops matters, which is why custom ``forward`` methods
(a residual ``out + identity``, an ``out[:, -1]``) need no converter.  The
calls are also remembered, to say which module an unsupported op came from.
"""

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor
from .registry import OPS, UnsupportedError, layer_converter, qualified, supported


def tensors_in(obj):
    """The tensors of a (nested) tuple, list or dict, in order."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in tensors_in(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in tensors_in(item)]
    return []


class Tracer:
    """Names of ONNX values for the tensors of one run of ``model``, and the nodes that make them."""

    def __init__(self, model, graph):
        self.model, self.graph = model, graph
        self.names = {}  # id(tensor) -> ONNX value name
        self._alive = []  # the named tensors: an id stays theirs while they live
        self._converted = {}  # id(node) -> (node, names of its outputs)
        self._calls = []  # (module, ids of its inputs, its output tensors), innermost first
        self._running = []  # the traced-through modules whose forward has not returned yet
        self._inside = 0  # > 0 while a converted layer runs: its sub-modules are part of it
        self.paths = {id(m): path for path, m in model.named_modules()}
        self._stored = {}  # id(parameter or buffer) -> (its dotted name, the tensor)
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            self._stored[id(t)] = (name, t)

    # ------------------------------------------------------------- the run
    def run(self, args):
        """``model(*args)`` with every module watched; returns what the model returns."""
        modules = list(self.model.modules())
        saved = [(m, m.__dict__.get("forward")) for m in modules]
        for module in modules:
            module.__dict__["forward"] = self._watch(module, module.forward)
        try:
            with enable_grad():  # the record is the trace, even if the caller is under no_grad
                return self.model(*args)
        finally:
            for module, own in saved:
                if own is None:
                    module.__dict__.pop("forward", None)
                else:
                    module.__dict__["forward"] = own

    def _watch(self, module, forward):
        """``forward`` watched: a layer with a conversion is converted whole, any other traced through."""
        convert = layer_converter(module)

        def watched(*args, **kwargs):
            if self._inside:  # a part of a layer converted whole
                return forward(*args, **kwargs)
            output = self._call(module, forward, args, kwargs, whole=convert is not None)
            if convert is None or convert(self, module, args, kwargs, output) is NotImplemented:
                self._calls.append((module, {id(t) for t in tensors_in((args, kwargs))}, tensors_in(output)))
                self._check_followed(module, args, kwargs, output)
            _refuse_masks(module, output)
            return output

        return watched

    def _call(self, module, forward, args, kwargs, whole):
        if whole:
            self._inside += 1
        else:
            self._running.append(module)
        try:
            return forward(*args, **kwargs)
        finally:
            if whole:
                self._inside -= 1
            else:
                self._running.pop()

    # ------------------------------------------------------------- names
    def bind(self, tensor, name):
        """Name the ONNX value of ``tensor``: a graph input, or an output of a converted layer.

        A layer fed integer indices (an embedding) returns tensors outside
        the record; made to require grad, what the forward does with them
        next is recorded like the rest.
        """
        if tensor.grad_fn is None and tensor.array.dtype.kind == "f":
            tensor.requires_grad = True
        return self._name(tensor, name)

    def _name(self, tensor, name):
        self.names[id(tensor)] = name
        self._alive.append(tensor)
        return name

    def value(self, tensor):
        """The ONNX name of ``tensor``'s value, converting the ops it comes from on first use."""
        name = self.names.get(id(tensor))
        if name is not None:
            return name
        node = tensor.grad_fn
        if node is None:  # parameters, buffers, and what the forward made without the input
            stored = self._stored.get(id(tensor))
            return self._name(tensor, self.graph.constant(tensor.array, stored and stored[0]))
        for pending in self._pending(node):
            self._convert(pending)
        return self._converted[id(node)][1][tensor._index]

    def constant(self, array, module, what):
        """An initializer named after ``module``'s place in the model: ``rnn.W_l0``."""
        path = self.paths.get(id(module), "")
        return self.graph.constant(array, f"{path}.{what}" if path else what)

    def path(self, module):
        return self.paths.get(id(module), "")

    # -------------------------------------------------------- conversion
    def _pending(self, node):
        """The unconverted nodes ``node`` depends on, and itself, each after the nodes it reads."""
        order, expanded = [], set()
        stack = [(node, False)]
        while stack:
            current, done = stack.pop()
            if done:
                order.append(current)
                continue
            if id(current) in self._converted or id(current) in expanded:
                continue
            expanded.add(id(current))
            stack.append((current, True))
            for t in current.inputs:
                if t.grad_fn is not None and id(t) not in self.names:
                    stack.append((t.grad_fn, False))
        return order

    def _convert(self, node):
        fn = OPS.get(type(node))
        if fn is None:
            module = self._module_of(node)
            raise UnsupportedError(
                f"glassnet.onnx.export: no ONNX conversion for {describe(module, self.path(module))}: "
                f"its forward uses the op {node.name} ({qualified(node)}), which has none; supported: "
                f"{supported()}")
        try:
            result = fn(self, node)
        except UnsupportedError as error:
            module = self._module_of(node)
            raise UnsupportedError(f"glassnet.onnx.export: {describe(module, self.path(module))}, op "
                                   f"{node.name}: {error}") from None
        self._converted[id(node)] = (node, result if isinstance(result, tuple) else (result,))

    def _module_of(self, node):
        """The innermost module whose forward made ``node``: the first call (calls end innermost
        first) whose outputs reach it without passing its inputs; else the innermost one running."""
        for module, inputs, outputs in self._calls:
            if _reaches(outputs, inputs, node):
                return module
        return self._running[-1] if self._running else self.model

    def _check_followed(self, module, args, kwargs, output):
        """Refuse a module whose outputs left the record: NumPy on ``.array``, ``no_grad``, argmax..."""
        inputs = tensors_in((args, kwargs))
        if not any(self._traced(t) for t in inputs):
            return
        given = {id(t) for t in inputs}
        for t in tensors_in(output):
            if self._traced(t) or id(t) in given or self._is_stored(t):
                continue
            raise UnsupportedError(
                f"glassnet.onnx.export: no ONNX conversion for {describe(module, self.path(module))}: it "
                "returns a tensor that does not come from its input through glassnet's ops (computed "
                "on .data, .array or .numpy(), under no_grad, or by an op without a gradient such as "
                f"argmax, a comparison or .long()), which a trace cannot follow; supported: {supported()}")

    def _traced(self, tensor):
        return id(tensor) in self.names or tensor.grad_fn is not None

    def _is_stored(self, tensor):
        """A parameter or buffer, or a view of one (a slice of a table of positional encodings)."""
        return id(tensor) in self._stored or any(
            np.may_share_memory(tensor.array, t.array) for _, t in self._stored.values())


def _reaches(outputs, stop, node):
    """Whether walking back from ``outputs`` meets ``node`` before the tensors in ``stop``."""
    seen, stack = set(), [t for t in outputs if id(t) not in stop]
    while stack:
        fn = stack.pop().grad_fn
        if fn is None or id(fn) in seen:
            continue
        if fn is node:
            return True
        seen.add(id(fn))
        stack.extend(t for t in fn.inputs if id(t) not in stop)
    return False


def describe(module, path=""):
    where = f" at '{path}'" if path else ""
    return f"{type(module).__name__} ({qualified(module)}){where}"


def _refuse_masks(module, output):
    """Keras masks ride beside tensors, not in the record: a model that makes one cannot be traced."""
    if not getattr(module, "supports_masking", False):
        return
    from ..keras.layers.masking import mask_of  # only Keras layers make masks

    if any(mask_of(t) is not None for t in tensors_in(output)):
        raise UnsupportedError(
            f"glassnet.onnx.export: no ONNX conversion for the Keras mask made by {describe(module)}: "
            "masks (Embedding(mask_zero=True), Masking) are not exported; pad without a mask to export")
