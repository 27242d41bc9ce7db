"""The graph node: one differentiable operation.

A ``Function`` subclass writes ``forward`` on raw arrays and ``backward`` with
glassnet's own differentiable ops on Tensors.  Because backward is itself made
of ops, running it with graph recording on (``create_graph=True``) gives
higher-order derivatives for free, as in Chainer.

A node keeps its input Tensors (for backward) and only the output *arrays* it
asks for; an output Tensor is rebuilt on demand from ``(node, index)``, so a
node never holds a reference to its own outputs and no reference cycle forms.
"""

import numpy as np

from ..tensor import Tensor
from .anomaly import _Anomaly, where_created
from .grad_mode import _State, first_order  # noqa: F401 - first_order: ops import it from here too

_make = Tensor._make


def sum_to_array(array, shape):
    """Sum a broadcast gradient array back down to ``shape`` (NumPy only)."""
    if array.shape == shape:
        return array
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and array.shape[lead + i] != 1
    )
    return array.sum(axis=axes, keepdims=True).reshape(shape)


class Function:
    """Base class of every differentiable operation.

    Subclasses implement:

    * ``forward(self, *arrays) -> array | tuple[array, ...]``
    * ``backward(self, *grads) -> Tensor | None | tuple[Tensor | None, ...]``,
      one gradient per input, written with differentiable Tensor ops.

    Keyword arguments given to ``apply`` become attributes of the node.  Set
    ``self.save_output = True`` (class attribute) to make ``self.output(i)``
    available in backward.  ``self.needs_input_grad`` (one bool per input) is
    set before ``forward`` runs and is all False when the call is not
    recorded, so forward can skip saving what no backward will read.
    """

    save_output = False
    retained = None  # output index -> Tensor, for Tensor.retain_grad()

    def __init__(self, **params):
        self.__dict__.update(params)

    @classmethod
    def apply(cls, *inputs, **params):
        # This runs for every op of every step: kept to plain attribute work.
        fn = object.__new__(cls)
        fn.__dict__.update(params)
        needs = tuple([t.requires_grad for t in inputs])
        recording = _State.enabled and True in needs
        # Known before forward, as in PyTorch, so that forward keeps only what
        # backward will use (a convolution's unfolded input, a pool's argmax).
        fn.needs_input_grad = needs if recording else (False,) * len(needs)
        result = fn.forward(*[t.array for t in inputs])
        if not recording:
            if type(result) is tuple:
                return tuple([_make(o, None, 0) for o in result])
            return _make(result, None, 0)
        fn.inputs = inputs
        fn.freed = False
        if _Anomaly.enabled:
            fn.created_at = where_created()
        if cls.save_output:
            fn.saved_outputs = result if type(result) is tuple else (result,)
        if type(result) is not tuple:
            fn.n_outputs = 1
            return _make(result, fn, 0)
        fn.n_outputs = len(result)
        fn.output_meta = [(o.shape, o.dtype) for o in result]
        return tuple([_make(o, fn, i) for i, o in enumerate(result)])

    def output(self, index=0):
        """The ``index``-th output as a Tensor that is part of the graph."""
        return _make(self.saved_outputs[index], self, index)

    def zero_output(self, index):
        """Zeros shaped like output ``index``: the gradient of an unused output."""
        shape, dtype = self.output_meta[index]
        return np.zeros(shape, dtype)

    def forward(self, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} is not differentiable")

    def release(self):
        """Drop what backward needed, once the graph is done with."""
        self.__dict__ = {
            "freed": True,
            "inputs": None,
            "n_outputs": self.n_outputs,
            "needs_input_grad": self.needs_input_grad,
        }

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name}Backward>"
