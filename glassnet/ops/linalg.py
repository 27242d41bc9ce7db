"""Matrix products: ``matmul`` (the ``@`` operator) and the fused ``linear``."""

import numpy as np

from ..autograd import Function, first_order, sum_to_array
from ..tensor import Tensor
from . import reduce as R
from ._util import constant as _const
from .shape import reshape, squeeze, transpose, unsqueeze
from .shape_grad import sum_to


class MatMul(Function):
    """Batched matrix product of tensors with at least 2 dims each."""

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if first_order():
            if self.needs_input_grad[0]:
                ga = _const(sum_to_array(np.matmul(g.array, b.array.swapaxes(-1, -2)), a.shape))
            if self.needs_input_grad[1]:
                gb = _const(sum_to_array(np.matmul(a.array.swapaxes(-1, -2), g.array), b.shape))
            return ga, gb
        if self.needs_input_grad[0]:
            ga = sum_to(matmul(g, transpose(b, -1, -2)), a.shape)
        if self.needs_input_grad[1]:
            gb = sum_to(matmul(transpose(a, -1, -2), g), b.shape)
        return ga, gb


def matmul(a, b):
    """``a @ b`` with NumPy/PyTorch rules for 1-D and batched operands."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("matmul: both arguments need at least 1 dimension; use * for scalars")
    if a.dtype != b.dtype:  # as PyTorch (and glassnet's linear): no silent promotion in a product
        raise TypeError(f"matmul: both operands must have the same dtype, got {a.dtype} and {b.dtype}; "
                        "convert one (.float() / .double())")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
            f"({k_a} != {k_b}: the last dim of the first must equal the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} dim of the second)"
        )
    if a.ndim == 1 and b.ndim == 1:
        return R.sum(a * b)
    if a.ndim == 1:
        return squeeze(MatMul.apply(unsqueeze(a, 0), b), -2)
    if b.ndim == 1:
        return squeeze(MatMul.apply(a, unsqueeze(b, 1)), -1)
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"matmul: batch dims of {tuple(a.shape)} and {tuple(b.shape)} do not broadcast"
        ) from None
    return MatMul.apply(a, b)


class Linear(Function):
    """``x @ weight.T + bias`` in one node, as ``nn.Linear`` computes it.

    One node instead of three saves graph bookkeeping in every dense layer;
    the bias is added in place into the product's fresh buffer.
    """

    def forward(self, x, weight, bias=None):
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    def backward(self, g):
        x, weight = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        if first_order():
            return self._backward_arrays(g.array, x.array, weight.array)
        gx = matmul(g, weight) if need[0] else None
        if not need[1] and (len(need) < 3 or not need[2]):
            return (gx, None) + ((None,) if len(need) == 3 else ())
        g2 = reshape(g, (-1, g.shape[-1]))
        gw = matmul(transpose(g2, 0, 1), reshape(x, (-1, x.shape[-1]))) if need[1] else None
        if len(need) == 2:
            return gx, gw
        gb = R.sum(g2, 0) if need[2] else None
        return gx, gw, gb


    def _backward_arrays(self, g, x, weight):
        need = self.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1])
        grads = (
            _const(g @ weight) if need[0] else None,
            _const(g2.T @ x.reshape(-1, x.shape[-1])) if need[1] else None,
        )
        if len(need) == 3:
            grads += (_const(g2.sum(axis=0)) if need[2] else None,)
        return grads


def linear(x, weight, bias=None):
    """Apply an affine map: ``x @ weight.T + bias`` (``weight`` is out x in)."""
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(x.shape)} does not fit a weight of shape "
            f"{tuple(weight.shape)} (out_features x in_features): expected the input's "
            f"last dim to be {weight.shape[-1]}, got {x.shape[-1] if x.ndim else 'a scalar'}"
        )
    if x.array.dtype != weight.array.dtype:
        raise TypeError(
            f"linear: input has dtype {x.dtype} but the weights are {weight.dtype}; convert the "
            "input (.float() / .double()) or the model (.to(dtype))"
        )
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
