"""Broadcasting in both directions: ``sum_to`` and ``broadcast_to``.

Every binary op's backward ends in ``sum_to(grad, input.shape)``: a gradient
that was broadcast forward is summed back over the broadcast axes.  The two
ops are each other's backward.
"""

import numpy as np

from ..autograd import Function


def _sum_axes(from_shape, to_shape):
    """The axes to sum over to reduce ``from_shape`` to ``to_shape``."""
    lead = len(from_shape) - len(to_shape)
    axes = tuple(range(lead))
    axes += tuple(
        lead + i for i, n in enumerate(to_shape) if n == 1 and from_shape[lead + i] != 1
    )
    return axes, lead


class SumTo(Function):
    def forward(self, x):
        self.in_shape = x.shape
        axes, lead = _sum_axes(x.shape, self.shape)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape) if lead or y.shape != self.shape else y

    def backward(self, g):
        return broadcast_to(g, self.in_shape)


class BroadcastTo(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, g):
        return sum_to(g, self.in_shape)


def sum_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo.apply(x, shape=shape)


def broadcast_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(
            f"expand/broadcast_to: can't broadcast a tensor of shape {x.shape} to {shape}"
        ) from None
    return BroadcastTo.apply(x, shape=shape)
