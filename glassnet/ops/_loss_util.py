"""Checks and small helpers shared by the loss modules."""

import numpy as np

from ..autograd import is_recording
from ..tensor import Tensor
from . import reduce as R
from ._util import as_tensor
from ._util import constant as const

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduce_loss(loss, reduction):
    if reduction == "mean":
        return R.mean(loss)
    return R.sum(loss) if reduction == "sum" else loss


def as_target(name, input, target):
    """The target as a Tensor; a constant float target takes the input's dtype."""
    target = as_tensor(target)
    if target.dtype.kind != "f":
        raise TypeError(
            f"{name}: target must be floating point like the input ({input.dtype}), got "
            f"{target.dtype}; convert it with target.float()"
        )
    if not target.requires_grad and target.dtype.kind == "f" and target.dtype != input.dtype:
        target = const(target.array.astype(input.dtype))
    return target


def check_same_shape(name, input, target):
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: target shape {target.shape} differs from input shape {input.shape}; "
            "broadcasting them would silently pair every prediction with every target. "
            "Make them match, e.g. target.reshape(input.shape) or input.reshape(-1)"
        )


def constant_weight(name, what, weight, like):
    """A weight as an array of the input's dtype, checked to broadcast to the input."""
    if weight is None:
        return None
    if isinstance(weight, Tensor) and is_recording(weight):
        raise RuntimeError(f"{name}: {what} is not differentiable (as in PyTorch); pass {what}.detach()")
    w = np.asarray(weight.array if isinstance(weight, Tensor) else weight, dtype=like.dtype)
    try:
        fits = np.broadcast_shapes(w.shape, like.shape) == like.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {w.shape} does not broadcast to the input's {like.shape}")
    return w
