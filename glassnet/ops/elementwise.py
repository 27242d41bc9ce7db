"""More element-wise functions under PyTorch's names: ``sinh``, ``cosh``, ``prelu``.

Each other's derivatives (sinh' = cosh, cosh' = sinh), so their backwards are
differentiable as they stand. ``prelu`` is a ``where`` between ``x`` and
``weight * x``, so its gradient reaches the slopes too.
"""

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from . import math as M
from ._util import constant as _const
from .shape import reshape


def _floating(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a tensor, got {type(x).__name__}")
    return x if x.dtype.kind == "f" else x.float()  # integers give floats, as in PyTorch


class Sinh(Function):
    def forward(self, x):
        return np.sinh(x)

    def backward(self, g):
        return g * cosh(self.inputs[0])


class Cosh(Function):
    def forward(self, x):
        return np.cosh(x)

    def backward(self, g):
        return g * sinh(self.inputs[0])


def sinh(input):  # noqa: A002 - PyTorch's name
    return Sinh.apply(_floating(input, "sinh"))


def cosh(input):  # noqa: A002
    return Cosh.apply(_floating(input, "cosh"))


def prelu(input, weight):  # noqa: A002
    """``x`` where ``x > 0``, else ``weight * x``, with one learnt slope per channel (dim 1) or one for all.

    ``weight`` has 1 element or as many as the input has channels, as ``nn.PReLU(num_parameters)``.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("prelu: input and weight must be tensors")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(
            f"prelu: weight has {weight.numel()} elements, expected 1 or the input's {channels} channels "
            f"(dim 1 of shape {tuple(input.shape)})"
        )
    if weight.numel() > 1:
        weight = reshape(weight, (channels,) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        weight = reshape(weight, ())
    return M.where(_const(input.array > 0), input, weight * input)
