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

from .grad_mode import _State

# Bound by glassnet/tensor.py once the class exists (the modules import each
# other): the Tensor class and its fast constructor.
Tensor = None
_make = None


def first_order():
    """True inside a backward that need not itself be differentiable.

    The engine records a graph during backward only for ``create_graph=True``.
    Otherwise a hot op may compute its gradient in plain NumPy, skipping the
    Tensor bookkeeping of its differentiable backward; both forms are tested
    against each other.
    """
    return not _State.enabled


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
    available in backward.
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
        result = fn.forward(*[t.data for t in inputs])
        needs = tuple([t.requires_grad for t in inputs])
        if not (_State.enabled and True in needs):
            if type(result) is tuple:
                return tuple([_make(o, None, 0) for o in result])
            return _make(result, None, 0)
        fn.inputs = inputs
        fn.needs_input_grad = needs
        fn.freed = False
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
        return Tensor._make(self.saved_outputs[index], self, index)

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
