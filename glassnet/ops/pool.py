"""Pooling: ``max_pool2d``, ``avg_pool2d`` and ``adaptive_avg_pool2d``.

A pooling reduces each window of the input to one number.  It is computed
as one whole-array operation per kernel offset (a 2 x 2 pool is four
strided slices of the input), so the Python loop runs k*k times, never once
per window.  Each backward routes the gradient back along the same slices;
it is linear in the gradient, and its own backward is the forward's routing
again, so second derivatives come from the same two nodes.
"""

import math

import numpy as np

from ..autograd import Function
from ..kernels.windows import empty_in_layout, make_geometry, padded, pair, window_slices
from . import reduce as R
from ._util import constant as _const
from .linalg import matmul
from .shape import squeeze, unsqueeze


def _overlapping(geom):
    return any(s < e for s, e in zip(geom.stride, geom.extent))


def _order(a):
    return tuple(sorted(range(a.ndim), key=lambda d: -a.strides[d]))


def _relaid(a, like):
    """``a`` copied into an array whose dims lie in memory in ``like``'s order."""
    out = empty_in_layout(like, a.shape)
    out[...] = a
    return out


def _spread(g, geom, like, factor):
    """A gradient shaped and laid out ``like`` the input: ``g * factor(q)`` added where offset q read."""
    (top, bottom), (left, right) = geom.pads
    (h, w), overlapping = geom.in_size, _overlapping(geom)
    shape = like.shape[:2] + (h + top + bottom, w + left + right)
    # Windows that tile the padded input exactly write every position once; with a stride
    # longer than the window there are gaps, which must start at zero.
    tiled = geom.stride == geom.extent and shape[2:] == tuple(
        o * s for o, s in zip(geom.out_size, geom.stride))
    out = empty_in_layout(like, shape, zeros=not tiled)
    if _order(g) != _order(like):
        # One copy of the (small) output gradient into the input's memory order, so that the k*k
        # masked multiplies below walk g, the mask and out alike instead of striding across them.
        g = _relaid(g, like)
    for q, (rows, cols) in enumerate(window_slices(geom)):
        if overlapping:
            out[:, :, rows, cols] += g * factor(q)
        else:  # each position is written once: straight into place
            np.multiply(g, factor(q), out=out[:, :, rows, cols])
    return out[:, :, top : top + h, left : left + w]


# ------------------------------------------------------------------ max pool
def window_max(x, geom, with_argmax):
    """Each window's maximum, and (if asked) the offset q of window_slices(geom) it came from."""
    slices = window_slices(geom)
    xp = padded(x, geom.pads, "nchw", fill=-np.inf)
    y = xp[(slice(None), slice(None)) + slices[0]].copy(order="K")
    index = np.min_scalar_type(len(slices) - 1).type
    argmax = np.zeros_like(y, dtype=index) if with_argmax else None  # in y's (the input's) memory order
    for q, (rows, cols) in enumerate(slices[1:], 1):
        window = xp[:, :, rows, cols]
        if with_argmax:
            # The winner is the last offset that beat all before it: the largest such q.
            np.maximum(argmax, (window > y) * index(q), out=argmax)
        np.maximum(y, window, out=y)
    return y, argmax


def _flat_indices(argmax, geom):
    """PyTorch's indices: each winner's position in its channel's flattened (H, W) input."""
    kw, (sh, sw), (dh, dw) = geom.kernel[1], geom.stride, geom.dilation
    (ho, wo), (top, left), width = geom.out_size, (geom.pads[0][0], geom.pads[1][0]), geom.in_size[1]
    qi, qj = np.divmod(argmax.astype(np.int64), kw)
    rows = np.arange(ho)[:, None] * sh - top + qi * dh
    cols = np.arange(wo)[None, :] * sw - left + qj * dw
    return rows * width + cols


class MaxPool2d(Function):
    """Max over each window; remembers which offset won (the first one on ties, as PyTorch)."""

    def forward(self, x):
        y, self.argmax = window_max(x, self.geom, self.needs_input_grad[0])
        return y

    def backward(self, g):
        return MaxPoolScatter.apply(g, geom=self.geom, argmax=self.argmax, like=self.inputs[0].array)


class MaxPoolScatter(Function):
    """Each output gradient to the input position that won its window."""

    def forward(self, g):
        return _spread(g, self.geom, self.like, lambda q: self.argmax == q)

    def backward(self, gg):
        return MaxPoolGather.apply(gg, geom=self.geom, argmax=self.argmax)


class MaxPoolGather(Function):
    """The value at each window's winning position (the scatter's transpose)."""

    def forward(self, gg):
        ggp = padded(gg, self.geom.pads, "nchw")
        out = np.zeros_like(self.argmax, dtype=gg.dtype)
        for q, (rows, cols) in enumerate(window_slices(self.geom)):
            out += ggp[:, :, rows, cols] * (self.argmax == q)
        return out

    def backward(self, g):
        return MaxPoolScatter.apply(g, geom=self.geom, argmax=self.argmax, like=self.inputs[0].array)


# ------------------------------------------------------------------ avg pool
class AvgPool2d(Function):
    """Window sums times ``scale`` (1 / window size, or an (Ho, Wo) array of them)."""

    def forward(self, x):
        xp = padded(x, self.geom.pads, "nchw")
        slices = window_slices(self.geom)
        y = xp[(slice(None), slice(None)) + slices[0]].copy(order="K")
        for rows, cols in slices[1:]:
            y += xp[:, :, rows, cols]
        y *= self.scale
        return y

    def backward(self, g):
        return AvgPoolSpread.apply(g, geom=self.geom, scale=self.scale, like=self.inputs[0].array)


class AvgPoolSpread(Function):
    """The average pool's transpose: each output gradient, scaled, to every pixel of its window."""

    def forward(self, g):
        return _spread(g, self.geom, self.like, lambda q: self.scale)

    def backward(self, gg):
        return AvgPool2d.apply(gg, geom=self.geom, scale=self.scale)


# ------------------------------------------------------------------ functions
def _pool_geometry(name, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    if x.ndim != 4:
        raise RuntimeError(f"{name}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                           f"got shape {tuple(x.shape)}")
    if x.array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point input, got dtype {x.dtype}; use .float()")
    kernel = pair(kernel_size, name, "kernel_size")
    stride = kernel if stride is None or stride == [] else pair(stride, name, "stride")
    pads, dilation = pair(padding, name, "padding"), pair(dilation, name, "dilation")
    for p, k, d in zip(pads, kernel, dilation):
        if p < 0 or 2 * p > d * (k - 1) + 1:
            raise ValueError(f"{name}: padding {pads} must be between 0 and half the kernel size "
                             f"{kernel}, as in PyTorch")
    ends = [p + _ceil_extra(n, k, s, d, p) if ceil_mode else p
            for n, k, s, d, p in zip(x.shape[2:], kernel, stride, dilation, pads)]
    return make_geometry(name, x.shape[2:], kernel, stride, dilation, tuple(zip(pads, ends)))


def _ceil_extra(n, k, s, d, p):
    """Rows (or columns) past the end padding that ``ceil_mode`` adds for one more window.

    PyTorch's rule: the output length rounds up, ceil((n + 2p - extent) / s) + 1,
    but the last window must start inside the input or its left padding.
    """
    extent = d * (k - 1) + 1
    out = -(-(n + 2 * p - extent) // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return max(0, (out - 1) * s + extent - (n + 2 * p))


def _unbatched(fn, input, *args):  # noqa: A002
    """Run a pooling written for (N, C, H, W) on a (C, H, W) input too (each output squeezed)."""
    if input.ndim != 3:
        return fn(input, *args)
    out = fn(unsqueeze(input, 0), *args)
    return tuple(squeeze(o, 0) for o in out) if isinstance(out, tuple) else squeeze(out, 0)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """The maximum of each window; the gradient goes to the first maximum of a window.

    ``return_indices=True`` also returns where each maximum came from, as an
    int64 index into its channel's flattened (H, W) input, as in PyTorch.
    """

    def pool(x):
        geom = _pool_geometry("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
        y = MaxPool2d.apply(x, geom=geom)
        if not return_indices:
            return y
        # Found again rather than kept from the node, which no_grad does not build.
        return y, _const(_flat_indices(window_max(x.array, geom, True)[1], geom))

    return _unbatched(pool, input)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """The mean of each window; padding counts as zeros unless ``count_include_pad=False``.

    With ``ceil_mode`` a last, partial window may reach past the padding; as
    in PyTorch, the positions beyond the padded input never count.
    """

    def pool(x):
        geom = _pool_geometry("avg_pool2d", x, kernel_size, stride, padding, ceil_mode=ceil_mode)
        pads = tuple(lo for lo, _ in geom.pads)
        if divisor_override:
            scale = x.dtype.type(1 / divisor_override)
        elif geom.pads == ((0, 0), (0, 0)) or (count_include_pad and geom.pads == tuple(zip(pads, pads))):
            scale = x.dtype.type(1 / math.prod(geom.kernel))
        else:
            # count_include_pad: the window inside the padded input (n + 2 * pad), else inside the input
            counts = [_inside(n + 2 * lo * count_include_pad, k, s, lo * (not count_include_pad), o)
                      for n, k, s, (lo, _), o in
                      zip(geom.in_size, geom.kernel, geom.stride, geom.pads, geom.out_size)]
            scale = (1 / np.outer(*counts)).astype(x.dtype)
        return AvgPool2d.apply(x, geom=geom, scale=scale)

    return _unbatched(pool, input)


def _inside(n, k, s, lo, out):
    """How many of each window's k positions lie inside the unpadded length n."""
    start = np.arange(out) * s - lo
    return np.minimum(start + k, n) - np.maximum(start, 0)


def _averaging_matrix(n, out, dtype):
    """(out, n): row i averages PyTorch's window [floor(i n / out), ceil((i + 1) n / out))."""
    a = np.zeros((out, n), dtype)
    for i in range(out):
        start, end = (i * n) // out, -(-((i + 1) * n) // out)
        a[i, start:end] = 1 / (end - start)
    return a


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a given output size, whatever the input size.

    ``output_size`` 1 is global average pooling.  Otherwise the pooling is
    separable, rows then columns, so it is two products with averaging
    matrices, ``A_h @ x @ A_w.T``, whose windows may overlap and differ in size.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                           f"got shape {tuple(input.shape)}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    h, w = input.shape[-2:]
    oh, ow = (n if s is None else s for n, s in zip((h, w), sizes))
    if min(oh, ow) < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size!r}")
    if (oh, ow) == (1, 1):
        return R.mean(input, (-2, -1), keepdim=True)
    rows = _const(_averaging_matrix(h, oh, input.dtype))
    cols = _const(_averaging_matrix(w, ow, input.dtype).T.copy())
    return matmul(matmul(rows, input), cols)
