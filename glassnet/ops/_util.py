"""Small helpers shared by the op modules."""

import numpy as np

from ..tensor import Tensor


def constant(array):
    """Wrap an array as a Tensor outside any graph (a gradient, a mask, a result)."""
    return Tensor._make(array, None, 0)


def as_tensor(x, like=None):
    """Wrap a Python number or array as a constant Tensor.

    A number combined with a float tensor takes that tensor's dtype, as in
    PyTorch (``float32_tensor * 2.0`` stays float32).
    """
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, bool, np.number)):
        kind = like.array.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(x, (float, np.floating))):
            return Tensor._make(np.asarray(x, dtype=like.array.dtype), None, 0)
    return Tensor(x)


def promote(a, b):
    """PyTorch's type promotion where NumPy's differs.

    An integer or bool tensor meeting a float tensor takes that float dtype
    (NumPy would widen int64 with float32 to float64).  Integer tensors
    never require grad, so the cast is a constant.
    """
    ka, kb = a.array.dtype.kind, b.array.dtype.kind
    if ka == kb or (ka != "f" and kb != "f"):
        return a, b
    if ka != "f":
        return Tensor._make(a.array.astype(b.array.dtype), None, 0), b
    return a, Tensor._make(b.array.astype(a.array.dtype), None, 0)


def normalize_dim(dim, ndim, name):
    """A dim (or tuple of dims) made non-negative, with a clear range error."""
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"{name}: dim {d} is out of range for a tensor with {ndim} dimensions"
            )
        out.append(d % max(ndim, 1))
    return tuple(out) if isinstance(dim, (tuple, list)) else out[0]


def pick_keepdim(keepdim, keepdims):
    """PyTorch's ``keepdim=`` with NumPy's ``keepdims=`` accepted as an alias (d2l writes the latter)."""
    if keepdims is None:
        return keepdim
    if keepdim and not keepdims:
        raise TypeError("pass either keepdim= or keepdims=, not both")
    return bool(keepdims)


def pick_dim(dim, axis):
    """PyTorch's ``dim=`` with NumPy's ``axis=`` accepted as an alias."""
    if axis is not None:
        if dim is not None:
            raise TypeError("pass either dim= or axis=, not both")
        return axis
    return dim
