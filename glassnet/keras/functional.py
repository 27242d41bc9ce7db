"""Keras's functional API: symbolic tensors that record which layer made them.

``x = Input(shape=(784,))`` is a ``KerasTensor``: a shape with ``None`` for
the batch, and no values. Calling a layer on one runs the layer once on a
small batch of zeros (which builds it and gives the output shape) and
returns a new KerasTensor that remembers the call. ``Model(inputs,
outputs)`` then walks those calls back from the outputs and replays them,
in order, on real tensors.
"""

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


class KerasTensor:
    """A symbolic tensor: ``shape`` (batch first, None), the ``layer`` that made it and that call's inputs."""

    def __init__(self, shape, dtype="float32", layer=None, inputs=(), index=0):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.layer, self.inputs, self.index = layer, tuple(inputs), index

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        source = f", made by {self.layer.name!r}" if self.layer is not None else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{source}>"


def is_symbolic(inputs):
    if isinstance(inputs, (list, tuple)):
        return any(isinstance(x, KerasTensor) for x in inputs)
    return isinstance(inputs, KerasTensor)


def _sample(x):
    """Zeros for a KerasTensor: a batch of 2, and 1 for every unknown dimension."""
    shape = (2,) + tuple(1 if d is None else d for d in x.shape[1:])
    return Tensor(np.zeros(shape, dtype=x.dtype), dtype=x.dtype)


def call_symbolically(layer, inputs):
    """Run ``layer`` on zeros shaped like the KerasTensor ``inputs``; return KerasTensors of its outputs."""
    several = isinstance(inputs, (list, tuple))
    given = list(inputs) if several else [inputs]
    samples = [_sample(x) for x in given]
    was = layer.training
    layer.eval()
    try:
        with no_grad():
            out = layer(samples if several else samples[0])
    finally:
        layer.train(was)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    made = [KerasTensor((None,) + tuple(o.shape[1:]), o.dtype, layer, given, i) for i, o in enumerate(outs)]
    layer.__dict__["output"] = made if isinstance(out, (list, tuple)) else made[0]
    layer.__dict__.setdefault("input", inputs)
    return layer.__dict__["output"]


def trace(inputs, outputs):
    """Every tensor between ``inputs`` and ``outputs``, each after the tensors it is made from."""
    known = {id(x) for x in inputs}
    order, seen = [], set(known)

    def visit(tensor, path):
        if id(tensor) in seen:
            return
        if tensor.layer is None or not tensor.inputs:
            raise ValueError(f"Model: the output {tensor!r} does not depend on the model's inputs "
                             f"{list(inputs)}")
        if id(tensor) in path:
            raise ValueError("Model: the layers form a cycle")
        for parent in tensor.inputs:
            visit(parent, path | {id(tensor)})
        seen.add(id(tensor))
        order.append(tensor)

    for out in outputs:
        visit(out, frozenset())
    return order


def layers_of(tensors):
    """The layers that make ``tensors``, each once, in order."""
    found = {}
    for t in tensors:
        found.setdefault(id(t.layer), t.layer)
    return list(found.values())


def replay(tensors, inputs, values):
    """The real tensor of every traced KerasTensor, given ``values`` for the ``inputs``.

    A call with several outputs (``return_state=True``) runs once for all of them.
    """
    env = {id(k): v for k, v in zip(inputs, values)}
    calls = {}
    for tensor in tensors:
        key = (id(tensor.layer), tuple(id(t) for t in tensor.inputs))
        if key not in calls:
            args = [env[id(t)] for t in tensor.inputs]
            result = tensor.layer(args if len(args) > 1 or tensor.layer.takes_list else args[0])
            calls[key] = list(result) if isinstance(result, (list, tuple)) else [result]
        env[id(tensor)] = calls[key][tensor.index]
    return env
