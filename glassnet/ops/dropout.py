"""Dropout: ``dropout`` zeroes single elements, ``dropout2d`` whole channels.

Both scale what they keep by 1 / (1 - p) at training time ("inverted
dropout"), so the expected value is unchanged and evaluation is the
identity. The masks come from glassnet's global generator, so
``glassnet.manual_seed`` makes them reproducible.
"""

import numpy as np

from ..autograd import Function
from ..creation import default_generator
from ._util import constant as _constant


class Dropout(Function):
    """``x * mask``, the mask (already scaled) drawn by the caller."""

    def forward(self, x):
        return x * self.mask

    def backward(self, g):
        return g * _constant(self.mask)


def _check_p(name, p):
    if not 0 <= p <= 1:
        raise ValueError(f"{name}: p is a probability and must be in [0, 1], got {p}")


def _scaled_keep_mask(shape, p, dtype):
    """1 / (1 - p) with probability 1 - p, else 0, in ``dtype``."""
    if p == 1:
        return np.zeros(shape, dtype)
    rand_dtype = np.float64 if dtype == np.float64 else np.float32
    mask = (default_generator().random(shape, dtype=rand_dtype) >= p).astype(dtype)
    mask *= dtype.type(1 / (1 - p))
    return mask


def dropout(x, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p)."""
    _check_p("dropout", p)
    if not training or p == 0:
        return x
    if x.array.dtype.kind != "f":
        raise TypeError(
            f"dropout: expected a floating-point tensor, got dtype {x.dtype}; convert it with .float()"
        )
    return Dropout.apply(x, mask=_scaled_keep_mask(x.shape, p, x.dtype))


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002 - PyTorch's names
    """Zero whole channels with probability ``p``, scaling the rest by 1 / (1 - p).

    Neighbouring pixels of a feature map are strongly correlated, so
    dropping single pixels hardly regularises a conv net; dropping whole
    channels does.  Input (N, C, H, W), or (N, C, L).
    """
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return Dropout.apply(input, mask=_scaled_keep_mask(shape, p, input.dtype))


__all__ = ["dropout", "dropout2d"]


def shaped_dropout(x, p, noise_shape, training=True):
    """Dropout with one mask drawn for ``noise_shape`` and broadcast over ``x`` (Keras's
    ``noise_shape``; a recurrent layer's input dropout keeps its mask over all time steps)."""
    _check_p("dropout", p)
    if not training or p == 0:
        return x
    return Dropout.apply(x, mask=_scaled_keep_mask(tuple(noise_shape), p, x.dtype))
