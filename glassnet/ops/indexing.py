"""Index-valued and index-built ops under PyTorch's names.

``nonzero``, ``argsort``, ``unique`` and ``one_hot`` give integers (no
gradient, as in PyTorch); ``repeat_interleave`` and ``meshgrid`` move values
around, so they are written with differentiable indexing and broadcasting,
and their gradients (summed over the copies) come from those ops.
"""

import numpy as np

from ..tensor import Tensor
from ._util import constant as _const
from ._util import normalize_dim
from .shape import reshape, transpose
from .shape_grad import broadcast_to


def _tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a tensor, got {type(x).__name__}")
    return x


def nonzero(input, *, as_tuple=False):  # noqa: A002 - PyTorch's names
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    found = np.nonzero(np.atleast_1d(_tensor(input, "nonzero").array))
    if as_tuple:
        return tuple(_const(i.astype(np.int64)) for i in found)
    rows = np.stack(found, axis=1).astype(np.int64) if found else np.zeros((0, 0), np.int64)
    return _const(rows if input.ndim else rows[:, :0])


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002, ARG001 - always stable here
    """Indices that sort ``input`` along ``dim``; ties keep their order (``stable=True``'s promise)."""
    x = _tensor(input, "argsort").array
    if x.ndim == 0:
        normalize_dim(dim, 0, "argsort")
        return _const(np.zeros((), np.int64))
    dim = normalize_dim(dim, x.ndim, "argsort")
    if descending:
        # flipping, sorting ascending and flipping back keeps equal elements in their first-come order
        flipped = np.flip(x, dim)
        order = np.flip(np.argsort(flipped, axis=dim, kind="stable"), dim)
        return _const((x.shape[dim] - 1 - order).astype(np.int64))
    return _const(np.argsort(x, axis=dim, kind="stable").astype(np.int64))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (sorted), and optionally where each element went and how often each occurs."""
    x = _tensor(input, "unique").array
    axis = None if dim is None else normalize_dim(dim, x.ndim, "unique")
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    out = [_const(values)]
    if return_inverse:
        shape = x.shape if axis is None else (x.shape[axis],)
        out.append(_const(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(_const(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002, ARG001
    """Each element (or each slice along ``dim``) ``repeats`` times in a row.

    ``repeats`` is a number or a 1-D tensor with one count per element; with
    ``dim=None`` the input is flattened first. ``repeat_interleave(counts)``
    alone repeats ``0, 1, 2, ...`` by ``counts``, as in PyTorch.
    """
    _tensor(input, "repeat_interleave")
    if repeats is None:
        counts = input.array
        return _const(np.repeat(np.arange(counts.shape[0]), counts).astype(np.int64))
    if dim is None:
        input, dim = reshape(input, -1), 0
    dim = normalize_dim(dim, input.ndim, "repeat_interleave")
    counts = repeats.array if isinstance(repeats, Tensor) else np.asarray(repeats)
    size = input.shape[dim]
    if counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, size)):
        raise RuntimeError(f"repeat_interleave: repeats must have shape ({size},) or be a number, "
                           f"got shape {tuple(counts.shape)}")
    if np.any(counts < 0):
        raise RuntimeError("repeat_interleave: repeats must be non-negative")
    picks = np.repeat(np.arange(size), counts.reshape(-1) if counts.ndim else int(counts))
    return input[(slice(None),) * dim + (picks,)]


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) as one-hot rows: a new last dim of ``num_classes`` (-1: max + 1)."""
    labels = _tensor(tensor, "one_hot").array
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: expected an integer tensor of class indices, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise RuntimeError("one_hot: class values must be non-negative")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"one_hot: class value {int(labels.max())} is out of range for "
                           f"num_classes={num_classes}")
    return _const((labels[..., None] == np.arange(num_classes)).astype(np.int64))


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D tensors; ``indexing='xy'`` swaps the first two grid dims (NumPy's)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for k, t in enumerate(tensors):
        if _tensor(t, "meshgrid").ndim > 1:
            raise RuntimeError(f"meshgrid: needs 0-D or 1-D tensors, tensor {k} has shape {tuple(t.shape)}")
    tensors = [reshape(t, -1) for t in tensors]
    shape = tuple(t.shape[0] for t in tensors)
    grids = []
    for k, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[k] = shape[k]
        grid = broadcast_to(reshape(t, *view), shape)
        grids.append(transpose(grid, 0, 1) if indexing == "xy" and len(shape) >= 2 else grid)
    return tuple(grids)


def swapaxes(input, axis0, axis1):  # noqa: A002
    """``transpose`` under NumPy's name (also ``swapdims``)."""
    return transpose(input, axis0, axis1)


swapdims = swapaxes
