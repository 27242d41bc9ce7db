"""The graph node: one differentiable operation.

A ``Function`` subclass writes ``forward`` on raw arrays and ``backward`` with
glassnet's own differentiable ops on Tensors.  Because backward is itself made
of ops, running it with graph recording on (``create_graph=True``) gives
higher-order derivatives for free, as in Chainer.

A node keeps its input Tensors (for backward) and only the output *arrays* it
asks for; an output Tensor is rebuilt on demand from ``(node, index)``, so a
node never holds a reference to its own outputs and no reference cycle forms.
"""

from .grad_mode import _State


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

    def __init__(self, **params):
        self.__dict__.update(params)

    @classmethod
    def apply(cls, *inputs, **params):
        from ..tensor import Tensor

        fn = cls(**params)
        arrays = [t.data for t in inputs]
        result = fn.forward(*arrays)
        multi = isinstance(result, tuple)
        outs = result if multi else (result,)
        record = _State.enabled and any(t.requires_grad for t in inputs)
        if record:
            fn.inputs = inputs
            fn.needs_input_grad = tuple(t.requires_grad for t in inputs)
            fn.n_outputs = len(outs)
            fn.freed = False
            if cls.save_output:
                fn.saved_outputs = outs
            if multi:
                fn.output_meta = [(o.shape, o.dtype) for o in outs]
            tensors = tuple(Tensor._make(o, fn, i) for i, o in enumerate(outs))
        else:
            tensors = tuple(Tensor._make(o, None, 0) for o in outs)
        return tensors if multi else tensors[0]

    def output(self, index=0):
        """The ``index``-th output as a Tensor that is part of the graph."""
        from ..tensor import Tensor

        return Tensor._make(self.saved_outputs[index], self, index)

    def zero_output(self, index):
        """Zeros shaped like output ``index``: the gradient of an unused output."""
        import numpy as np

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
            "n_outputs": self.n_outputs,
            "needs_input_grad": self.needs_input_grad,
        }

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name}Backward>"
