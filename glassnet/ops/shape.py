"""Shape ops: views, joins, splits, padding, repetition and indexing.

Each backward undoes the forward's rearrangement on the gradient: a reshape
is undone by a reshape, a permutation by the inverse permutation, a join by a
split, and indexing by scattering into zeros (adding where an index repeats).
"""

import math

import numpy as np

from ..autograd import Function, first_order
from ..tensor import Tensor
from ._util import normalize_dim
from .shape_grad import broadcast_to, sum_to


class Reshape(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, g):
        if first_order():
            return Tensor._make(g.array.reshape(self.in_shape), None, 0)
        return reshape(g, self.in_shape)


def reshape(x, *shape):
    shape = _shape_arg(shape)
    try:
        out_shape = _resolve_shape(x.shape, shape)
    except ValueError as err:
        raise RuntimeError(f"reshape: {err}") from None
    if out_shape == x.shape:
        return x
    return Reshape.apply(x, shape=out_shape)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _resolve_shape(in_shape, shape):
    size = math.prod(in_shape)
    known = math.prod(s for s in shape if s != -1)
    if list(shape).count(-1) > 1:
        raise ValueError("only one dimension can be -1")
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"shape {tuple(shape)} is invalid for input of shape {in_shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size:
        raise ValueError(
            f"shape {tuple(shape)} is invalid for input of shape {in_shape} ({size} elements)"
        )
    return tuple(int(s) for s in shape)


class Permute(Function):
    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, g):
        inverse = tuple(np.argsort(self.dims))
        if first_order():
            return Tensor._make(g.array.transpose(inverse), None, 0)
        return permute(g, inverse)


def permute(x, *dims):
    dims = normalize_dim(_shape_arg(dims), x.ndim, "permute")
    if sorted(dims) != list(range(x.ndim)):
        raise RuntimeError(
            f"permute: dims {dims} are not a permutation of the {x.ndim} dims of shape {x.shape}"
        )
    if dims == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, dims=dims)


def transpose(x, dim0, dim1):
    if x.ndim == 0:  # as PyTorch: a scalar takes dims 0 and -1, and swapping them changes nothing
        if dim0 not in (0, -1) or dim1 not in (0, -1):
            raise IndexError(f"transpose: a 0-d tensor takes dims 0 and -1 only, got ({dim0}, {dim1})")
        return permute(x, ())
    d0, d1 = normalize_dim((dim0, dim1), x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(x, tuple(dims))


def t(x):
    """Reverse the dims; for a matrix this is the usual transpose (``.T``)."""
    return permute(x, tuple(reversed(range(x.ndim))))


def squeeze(x, dim=None):
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = normalize_dim(dim if isinstance(dim, (tuple, list)) else (dim,), x.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


def unsqueeze(x, dim):
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    shape = x.shape[:dim] + (1,) + x.shape[dim:]
    return reshape(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        normalize_dim((start_dim, end_dim), 0, "flatten")  # a 0-d tensor has dims 0 and -1 only
        return reshape(x, (1,))
    start, end = normalize_dim((start_dim, end_dim), x.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                           f"for a tensor of shape {x.shape}")
    # the merged size written out: a -1 would be ambiguous when another dim is 0
    shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return reshape(x, shape)


def expand(x, *sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0 or -1 in sizes[:lead]:
        raise RuntimeError(
            f"expand: sizes {sizes} do not fit a tensor of shape {x.shape}: give at least "
            f"{x.ndim} sizes, and -1 (keep) only for existing dims, not new leading ones"
        )
    shape = tuple(
        x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes)
    )
    return broadcast_to(x, shape)


# ------------------------------------------------------------- join & split
class Cat(Function):
    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return np.concatenate(xs, axis=self.dim)

    def backward(self, g):
        return tuple(split(g, self.sizes, self.dim))


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    if any(t_.ndim == 0 for t_ in tensors):
        raise RuntimeError(
            f"cat: expected tensors with at least 1 dimension, got shapes {[t_.shape for t_ in tensors]}; "
            "use stack to join 0-d tensors"
        )
    dim = normalize_dim(dim, tensors[0].ndim, "cat")
    ref = tensors[0].shape
    for i, t_ in enumerate(tensors):
        if t_.ndim != len(ref) or any(
            a != b for k, (a, b) in enumerate(zip(t_.shape, ref)) if k != dim
        ):
            raise RuntimeError(
                f"cat: sizes must match except in dim {dim}; tensor 0 has shape "
                f"{ref}, tensor {i} has shape {t_.shape}"
            )
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t_ in enumerate(tensors):
        if t_.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: all tensors must have the same shape; tensor 0 has shape "
                f"{tensors[0].shape}, tensor {i} has shape {t_.shape}"
            )
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t_, dim) for t_ in tensors], dim)


class Slice(Function):
    """Basic (view) indexing; backward pads the gradient back with zeros."""

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, g):
        return IndexBackward.apply(g, index=self.index, shape=self.in_shape, dtype=g.dtype)


class IndexBackward(Function):
    """Scatter ``g`` into zeros of the input's shape, adding repeated indices."""

    def forward(self, g):
        out = np.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            out[self.index] = g
        else:
            np.add.at(out, self.index, g)
        return out

    def backward(self, gg):
        return Slice.apply(gg, index=self.index)


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items
    )


def getitem(x, index):
    """``x[index]`` with PyTorch/NumPy semantics; Tensors are accepted as indices."""
    index = _unwrap_index(index)
    try:
        return Slice.apply(x, index=index)
    except IndexError:
        # NumPy's own message names an axis, not the tensor; say what was indexed with what
        raise IndexError(
            f"Tensor index: {index!r} does not fit a tensor of shape {x.shape} "
            "(an index past a dim's size, too many indices, or a mask of another length)"
        ) from None


def _unwrap_index(index):
    if isinstance(index, tuple):
        return tuple(_unwrap_index(i) for i in index)
    if hasattr(index, "data") and not isinstance(index, np.ndarray):
        return index.array
    if isinstance(index, list):
        return np.asarray(index)
    return index


def split(x, split_size_or_sections, dim=0):
    """Split into pieces of a given size, or of the sizes in a list."""
    if x.ndim == 0:
        raise RuntimeError("split: expected a tensor with at least 1 dimension, got a 0-d tensor")
    dim = normalize_dim(dim, x.ndim, "split")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and n > 0):
            raise RuntimeError(f"split: expected a split size > 0 for dim {dim} of size {n}, got {step}")
        # an empty dim splits into one empty piece, as in PyTorch
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split: sizes {sizes} add up to {sum(sizes)}, but dim {dim} has size {n}"
            )
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        start += size
    return tuple(pieces)


def chunk(x, chunks, dim=0):
    if x.ndim == 0:
        raise RuntimeError("chunk: expected a tensor with at least 1 dimension, got a 0-d tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk: expected a number of chunks > 0, got {chunks}")
    n = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    if n == 0:  # PyTorch gives `chunks` empty pieces
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


# ---------------------------------------------------------- pad and repeat
class Pad(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return np.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, g):
        index = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.widths, self.in_shape))
        return getitem(g, index)


def pad(x, pad, mode="constant", value=0.0):
    """Pad with a constant; ``pad`` lists (left, right) pairs from the last dim."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported, only 'constant'")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(
            f"pad: expected an even number of at most {2 * x.ndim} values, got {len(pad)}"
        )
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(x, widths=tuple(widths), value=value)


def repeat(x, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (``torch.Tensor.repeat``)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"repeat: need at least {x.ndim} repeat counts for shape {x.shape}, got {sizes}"
        )
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + x.shape)
    # Insert a broadcast axis before each dim, then merge the pairs.
    interleaved = []
    for n in x.shape:
        interleaved += [1, n]
    target = []
    for r, n in zip(sizes, x.shape):
        target += [r, n]
    tiled = broadcast_to(reshape(x, tuple(interleaved)), tuple(target))
    return reshape(tiled, tuple(r * n for r, n in zip(sizes, x.shape)))


__all__ = [
    "reshape", "permute", "transpose", "t", "squeeze", "unsqueeze", "flatten", "expand",
    "cat", "stack", "split", "chunk", "pad", "repeat", "getitem", "sum_to", "broadcast_to",
]
