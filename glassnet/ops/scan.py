"""Running sums along a dim: ``cumsum``.

The gradient of a running sum is the running sum taken from the other end:
element i of the input reaches every output j >= i. That reversed sum is
``total - cumsum(g) + g``, written with ``cumsum`` itself, so the backward
is differentiable and so on to any order.
"""

import numpy as np

from ..autograd import Function
from . import reduce as R
from ._util import normalize_dim, pick_dim


class CumSum(Function):
    def forward(self, x):
        return np.cumsum(x, axis=self.dim)

    def backward(self, g):
        return R.sum(g, self.dim, keepdim=True) - cumsum(g, self.dim) + g


def cumsum(input, dim=None, *, dtype=None, axis=None):  # noqa: A002 - PyTorch's names
    """Running sums of ``input`` along ``dim``; integer and bool inputs sum as int64, as in PyTorch."""
    dim = pick_dim(dim, axis)
    if dim is None:
        raise TypeError("cumsum: missing the dim (or axis) to sum along")
    if input.ndim == 0:
        normalize_dim(dim, 0, "cumsum")
        return input.to(dtype) if dtype is not None else input * 1
    dim = normalize_dim(dim, input.ndim, "cumsum")
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.kind in "biu":
        input = input.long()
    return CumSum.apply(input, dim=dim)
