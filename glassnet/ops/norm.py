"""Normalisation: ``batch_norm`` and ``layer_norm``.

Both normalisations are one formula over different axes: subtract the mean,
divide by the standard deviation, then scale and shift by learned
per-feature ``weight`` and ``bias``.  Batch norm takes its statistics over
the batch and the spatial positions of each channel, layer norm over the
trailing features of each sample.  So both are the one ``Normalize`` node.
"""

import numpy as np

from ..autograd import Function, first_order
from . import reduce as R
from ._util import constant as _const
from .shape import reshape
from .shape_grad import sum_to


class Normalize(Function):
    """``xhat * weight + bias`` with ``xhat = (x - mean) / sqrt(var + eps)`` over ``axes``.

    Attributes: ``axes``, ``eps``, ``shape`` (how weight and bias broadcast
    against x) and ``running``: None, or (running_mean, running_var,
    momentum) arrays that the forward updates in place, as in PyTorch.
    """

    def forward(self, x, weight, bias):
        mean = x.mean(axis=self.axes, keepdims=True)
        xhat = x - mean
        var = _sum_of_products(xhat, xhat, self.axes) / x.dtype.type(x.size // mean.size)
        self.invstd = 1 / np.sqrt(var + x.dtype.type(self.eps))
        xhat *= self.invstd
        self.xhat = xhat
        if self.running is not None:
            self._update_running(mean, var, x.size // mean.size)
        y = xhat * weight.reshape(self.shape)
        y += bias.reshape(self.shape)
        return y

    def _update_running(self, mean, var, count):
        running_mean, running_var, momentum = self.running
        running_mean *= 1 - momentum
        running_mean += momentum * mean.reshape(running_mean.shape)
        # The running variance is the unbiased one (n - 1), the batch is normalised by the biased one.
        running_var *= 1 - momentum
        running_var += (momentum * count / (count - 1)) * var.reshape(running_var.shape)

    def backward(self, g):
        if first_order():
            return self._backward_arrays(g.array)
        x, weight, bias = self.inputs
        axes, shape = self.axes, self.shape
        xc = x - R.mean(x, axes, keepdim=True)
        invstd = (R.mean(xc * xc, axes, keepdim=True) + self.eps) ** -0.5
        xhat = xc * invstd
        gxhat = g * reshape(weight, shape)
        gx = invstd * (gxhat - R.mean(gxhat, axes, keepdim=True)
                       - xhat * R.mean(gxhat * xhat, axes, keepdim=True))
        return gx, reshape(sum_to(g * xhat, shape), weight.shape), reshape(sum_to(g, shape), bias.shape)

    def _backward_arrays(self, g):
        need, axes, xhat = self.needs_input_grad, self.axes, self.xhat
        weight = self.inputs[1].array
        gx = gw = gb = None
        if need[0]:
            gx = g * weight.reshape(self.shape)  # the gradient of xhat, turned in place into that of x
            count = gx.dtype.type(gx.size // self.invstd.size)
            projection = _sum_of_products(gx, xhat, axes) / count
            gx -= gx.mean(axis=axes, keepdims=True)
            gx -= xhat * projection
            gx *= self.invstd
            gx = _const(gx)
        param_axes = tuple(i for i in range(g.ndim) if i not in _kept_axes(g.ndim, self.shape))
        if need[1]:
            gw = _const(_sum_of_products(g, xhat, param_axes).reshape(weight.shape))
        if need[2]:
            gb = _const(g.sum(axis=param_axes).reshape(weight.shape))
        return gx, gw, gb


def _kept_axes(ndim, shape):
    """The axes of an ndim-array along which ``shape`` (broadcast from the right) is not 1."""
    lead = ndim - len(shape)
    return tuple(lead + i for i, n in enumerate(shape) if n != 1)


def _sum_of_products(a, b, axes):
    """``(a * b).sum(axes, keepdims=True)`` without the temporary ``a * b`` (einsum)."""
    letters = "abcdefghijklmnopqrstuvwxyz"[: a.ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    total = np.einsum(f"{letters},{letters}->{kept}", a, b)
    return total.reshape([1 if i in axes else n for i, n in enumerate(a.shape)])


def _affine(weight, bias, n, like):
    """weight and bias, with constant ones and zeros standing in for missing ones."""
    weight = weight if weight is not None else _const(np.ones(n, like.dtype))
    bias = bias if bias is not None else _const(np.zeros(n, like.dtype))
    return weight, bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial positions.

    In training the batch's own statistics are used, and ``running_mean``
    and ``running_var`` (if given) move towards them by ``momentum``, in
    place.  In evaluation the running statistics are used instead.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), "
                         f"got shape {tuple(input.shape)}")
    c = input.shape[1]
    for name, t in [("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)]:
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} of shape {tuple(t.shape)} does not match the "
                               f"{c} channels of the input of shape {tuple(input.shape)}")
    shape = (1, c) + (1,) * (input.ndim - 2)
    if training:
        if input.numel() // c <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got "
                             f"input of shape {tuple(input.shape)}")
        running = None
        if running_mean is not None and running_var is not None:
            running = (running_mean.array, running_var.array, momentum)
        axes = (0,) + tuple(range(2, input.ndim))
        return Normalize.apply(input, *_affine(weight, bias, c, input), axes=axes, eps=eps, shape=shape,
                               running=running)
    if running_mean is None or running_var is None:
        raise RuntimeError("batch_norm: running_mean and running_var are needed in evaluation mode "
                           "(training=False)")
    # A fixed affine map per channel: fold it into one scale and one shift.
    invstd = _const((1 / np.sqrt(running_var.array + eps)).astype(input.dtype))
    scale = invstd if weight is None else weight * invstd
    shift = _const(-running_mean.array.astype(input.dtype)) * scale
    if bias is not None:
        shift = shift + bias
    return input * reshape(scale, shape) + reshape(shift, shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise each sample over its trailing ``normalized_shape`` dims."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: normalized_shape={shape} expects an input of shape (*, "
                           f"{', '.join(map(str, shape))}), got {tuple(input.shape)}")
    for name, t in [("weight", weight), ("bias", bias)]:
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"layer_norm: {name} of shape {tuple(t.shape)} should be {shape}")
    weight, bias = _affine(weight, bias, shape, input)
    axes = tuple(range(input.ndim - k, input.ndim))
    return Normalize.apply(input, weight, bias, axes=axes, eps=eps, shape=shape, running=None)


__all__ = ["batch_norm", "layer_norm"]
