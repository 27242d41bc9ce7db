"""Reductions over dims: sum, mean, max/min, var/std, logsumexp, argmax.

``dim`` may be an int, a tuple or None (all dims); ``axis`` is accepted as a
NumPy-style alias.  Backward broadcasts the gradient back over the reduced
dims, after re-inserting them when ``keepdim`` was False.
"""

from collections import namedtuple

import numpy as np

from ..autograd import Function, first_order
from ..tensor import Tensor
from . import math as M
from ._util import normalize_dim, pick_dim, pick_keepdim
from .shape import reshape
from .shape_grad import broadcast_to


def _axes(dim, ndim, name):
    if dim is None:
        return tuple(range(ndim))
    d = normalize_dim(dim, ndim, name)
    if ndim == 0:  # a 0-d tensor's dim 0 (or -1) is the tensor itself: nothing to reduce
        return ()
    return d if isinstance(d, tuple) else (d,)


def _nonempty(x, axes, name):
    """max, min and argmax of nothing have no value: PyTorch's IndexError, named."""
    if any(x.shape[a] == 0 for a in axes) or (not axes and x.numel() == 0):
        raise IndexError(
            f"{name}: cannot reduce a tensor of shape {x.shape} over dims {axes}, one of which has size 0"
        )


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return np.sum(x, axis=self.axes, keepdims=self.keepdim)

    def backward(self, g):
        kept = _kept_shape(self.in_shape, self.axes)
        if first_order():
            return Tensor._make(np.broadcast_to(g.array.reshape(kept), self.in_shape), None, 0)
        if not self.keepdim:
            g = reshape(g, kept)
        return broadcast_to(g, self.in_shape)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):  # noqa: A001
    keepdim = pick_keepdim(keepdim, keepdims)
    axes = _axes(pick_dim(dim, axis), x.ndim, "sum")
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype == np.bool_:
        x = x.long()
    return Sum.apply(x, axes=axes, keepdim=keepdim)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    keepdim = pick_keepdim(keepdim, keepdims)
    if x.array.dtype.kind != "f":
        raise RuntimeError(
            f"mean: expected a floating-point tensor, got dtype {x.dtype}; "
            "convert it with .float() first"
        )
    axes = _axes(pick_dim(dim, axis), x.ndim, "mean")
    count = int(np.prod([x.shape[a] for a in axes]))
    # The mean of nothing is 0 / 0, NaN, as in NumPy and PyTorch (not a made-up 0).
    return sum(x, axes, keepdim) * (1.0 / count if count else float("nan"))


class MaxMin(Function):
    """max or min over dims.  A full reduction (and amax/amin) shares the
    gradient evenly between tied extremes; with ``index`` (max/min over one
    dim) it all goes to the element whose index is returned, as in PyTorch."""

    def forward(self, x):
        self.in_shape = x.shape
        if self.index is not None:
            axis = self.axes[0]
            kept = np.take_along_axis(x, self.index, axis)
            self.weights = np.zeros(x.shape, x.dtype)
            np.put_along_axis(self.weights, self.index, 1, axis)
        else:
            kept = (np.max if self.largest else np.min)(x, axis=self.axes, keepdims=True)
            hit = x == kept
            if np.isnan(kept).any():  # a nan is the extreme: it gets the gradient
                hit |= np.isnan(x) & np.isnan(kept)
            self.weights = hit / hit.sum(axis=self.axes, keepdims=True).astype(x.dtype)
        return kept if self.keepdim else kept.reshape(
            tuple(n for i, n in enumerate(x.shape) if i not in self.axes)
        )

    def backward(self, g):
        g = reshape(g, _kept_shape(self.in_shape, self.axes))
        return g * Tensor._make(self.weights.astype(g.dtype, copy=False), None, 0)


# torch.max(x, dim) returns a named pair: ``values, indices = x.max(1)`` or ``.values``.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _extreme(x, dim, keepdim, largest, name):
    if dim is None:
        _nonempty(x, tuple(range(x.ndim)), name)
        return MaxMin.apply(x, axes=tuple(range(x.ndim)), keepdim=False, largest=largest, index=None)
    d = normalize_dim(dim, x.ndim, name)
    if x.ndim == 0:  # the value itself, at index 0
        return ValuesIndices(MaxMin.apply(x, axes=(), keepdim=keepdim, largest=largest, index=None),
                             Tensor._make(np.zeros((), np.int64), None, 0))
    _nonempty(x, (d,), name)
    index = (np.argmax if largest else np.argmin)(x.array, axis=d, keepdims=True)
    values = MaxMin.apply(x, axes=(d,), keepdim=keepdim, largest=largest, index=index)
    indices = index if keepdim else np.squeeze(index, d)
    return ValuesIndices(values, Tensor._make(indices.astype(np.int64, copy=False), None, 0))


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    keepdim = pick_keepdim(keepdim, keepdims)
    """The largest value; with ``dim``, a ``(values, indices)`` pair as in PyTorch."""
    if hasattr(dim, "data"):  # torch.max(a, b) is the element-wise maximum
        return M.maximum(x, dim)
    return _extreme(x, pick_dim(dim, axis), keepdim, True, "max")


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    keepdim = pick_keepdim(keepdim, keepdims)
    """The smallest value; with ``dim``, a ``(values, indices)`` pair as in PyTorch."""
    if hasattr(dim, "data"):
        return M.minimum(x, dim)
    return _extreme(x, pick_dim(dim, axis), keepdim, False, "min")


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick_dim(dim, axis), pick_keepdim(keepdim, keepdims)
    axes = _axes(dim, x.ndim, "amax")
    _nonempty(x, axes, "amax")
    return MaxMin.apply(x, axes=axes, keepdim=keepdim, largest=True, index=None)


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = pick_dim(dim, axis), pick_keepdim(keepdim, keepdims)
    axes = _axes(dim, x.ndim, "amin")
    _nonempty(x, axes, "amin")
    return MaxMin.apply(x, axes=axes, keepdim=keepdim, largest=False, index=None)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extreme(np.argmax, x, pick_dim(dim, axis), pick_keepdim(keepdim, keepdims), "argmax")


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extreme(np.argmin, x, pick_dim(dim, axis), pick_keepdim(keepdim, keepdims), "argmin")


def _arg_extreme(pick, x, dim, keepdim, name):
    """Indices (int64, no gradient) of the extreme values; over everything when dim is None."""
    if dim is None:
        _nonempty(x, tuple(range(x.ndim)), name)
        return Tensor._make(np.asarray(pick(x.array), dtype=np.int64), None, 0)
    d = normalize_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return Tensor._make(np.zeros((), np.int64), None, 0)
    _nonempty(x, (d,), name)
    out = pick(x.array, axis=d, keepdims=keepdim)
    return Tensor._make(out.astype(np.int64, copy=False), None, 0)


def var(x, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None, keepdims=None):
    keepdim = pick_keepdim(keepdim, keepdims)
    """Variance; ``correction=1`` (Bessel) by default, as in PyTorch."""
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if x.array.dtype.kind != "f":
        raise RuntimeError(f"var/std: expected a floating-point tensor, got dtype {x.dtype}; "
                           "convert it with .float() first")
    axes = _axes(pick_dim(dim, axis), x.ndim, "var")
    count = int(np.prod([x.shape[a] for a in axes]))
    centered = x - mean(x, axes, keepdim=True)
    dof = count - correction
    scale = 1.0 / dof if dof > 0 else float("nan")
    return sum(centered * centered, axes, keepdim) * scale


def std(x, dim=None, keepdim=False, *, correction=1, unbiased=None, axis=None, keepdims=None):
    keepdim = pick_keepdim(keepdim, keepdims)
    _axes(pick_dim(dim, axis), x.ndim, "std")  # a dim out of range is named as std's, not var's
    return M.sqrt(var(x, dim, keepdim, correction=correction, unbiased=unbiased, axis=axis))


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    keepdim = pick_keepdim(keepdim, keepdims)
    """log(sum(exp(x))) computed without overflow by shifting by the max."""
    axes = _axes(pick_dim(dim, axis), x.ndim, "logsumexp")
    if x.array.dtype.kind != "f":  # integers give the default float, as in PyTorch
        x = x.float()
    shift = np.max(x.array, axis=axes, keepdims=True, initial=-np.inf)  # -inf over nothing: the result
    shift = np.where(np.isfinite(shift), shift, 0)
    shift_t = Tensor._make(shift, None, 0)
    out = M.log(sum(M.exp(x - shift_t), axes, keepdim=True)) + shift_t
    return out if keepdim else reshape(out, tuple(n for i, n in enumerate(x.shape) if i not in axes))
