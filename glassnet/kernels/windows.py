"""Sliding windows, shared by convolution and pooling: sizes, padding, im2col.

A convolution or a pooling looks at one small window of the (padded) input
per output position.  ``Geometry`` says where the windows are; ``padded``
copies the input into a zero buffer in the memory layout the next step
wants; ``im2col`` lays every window out as one row (or column) of a matrix,
so that a whole convolution becomes a single matrix multiply.

Two layouts, chosen by channel count because each wins on one side (see
``docs/conv_performance.md``): with few channels, ``(C, H, W, N)`` and one
slice copy per kernel offset, each moving runs of ``Wo * N`` contiguous
numbers however small the image; with many channels, channels-last
``(N, H, W, C)`` through ``sliding_window_view``, whose copy moves runs of
C.  A convolution's output keeps its im2col layout (returned as an
(N, C, H, W) view), so the next layer of the same kind needs no transpose;
a few-channel layer with many output channels puts them innermost, as the
channels-last layer after it wants.
"""

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Geometry(NamedTuple):
    """Where the windows of a 2-D convolution or pooling lie, per spatial dim (h, w)."""

    kernel: tuple
    stride: tuple
    dilation: tuple
    pads: tuple  # ((top, bottom), (left, right)); negative crops
    in_size: tuple  # (H, W) before padding
    out_size: tuple  # (Ho, Wo)
    spacing: tuple = (1, 1)  # 1 + the zeros put between input pixels (a stride-dilated gradient)

    @property
    def extent(self):
        """The span of one window, dilation included."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    def transposed(self):
        """The geometry of the input gradient as a stride-1 convolution (a gather).

        The output gradient, with ``stride - 1`` zeros between its pixels and
        padded by ``extent - 1 - pad`` (plus the rows the last window did not
        reach), convolved with the flipped kernel gives back an (H, W) image.
        """
        pads = []
        for n, (lo, hi), e, s, o in zip(self.in_size, self.pads, self.extent, self.stride, self.out_size):
            unreached = n + lo + hi - e - (o - 1) * s
            pads.append((e - 1 - lo, e - 1 - hi + unreached))
        return Geometry(self.kernel, (1, 1), self.dilation, tuple(pads), self.out_size, self.in_size,
                        spacing=self.stride)


def pair(value, name, what):
    """An int or a pair of ints as a pair of ints, with an error that names the op."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return (int(value[0]), int(value[1]))
    raise TypeError(f"{name}: {what} must be an int or a pair of ints, got {value!r}")


def make_geometry(name, in_size, kernel, stride, dilation, pads):
    """A ``Geometry``, or an error when the kernel does not fit the padded input."""
    out = []
    for n, k, s, d, (lo, hi) in zip(in_size, kernel, stride, dilation, pads):
        if k < 1 or s < 1 or d < 1:
            raise ValueError(
                f"{name}: kernel size, stride and dilation must be positive, "
                f"got kernel_size={kernel}, stride={stride}, dilation={dilation}"
            )
        out.append((n + lo + hi - d * (k - 1) - 1) // s + 1)
    if min(out) < 1:
        padded_size = tuple(n + lo + hi for n, (lo, hi) in zip(in_size, pads))
        extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        raise RuntimeError(
            f"{name}: the kernel (size {tuple(kernel)}, spanning {extent} with dilation "
            f"{tuple(dilation)}) is larger than the padded input ({padded_size[0]} x {padded_size[1]}, "
            f"from {in_size[0]} x {in_size[1]} with padding); use a smaller kernel or more padding"
        )
    return Geometry(tuple(kernel), tuple(stride), tuple(dilation), tuple(pads), tuple(in_size), tuple(out))


def window_slices(geom):
    """For each kernel offset (i, j), the (rows, cols) slices of the padded input it sees."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = geom.kernel, geom.stride, geom.dilation, geom.out_size
    return [
        (slice(i * dh, i * dh + (ho - 1) * sh + 1, sh), slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))
        for i in range(kh)
        for j in range(kw)
    ]


def empty_in_layout(like, shape, zeros=False):
    """An array of ``shape`` whose dims lie in memory in the same order as ``like``'s.

    A gradient laid out like its input keeps the element-wise ops that meet
    both (a ReLU's mask, say) running over contiguous memory.
    """
    outer_first = sorted(range(like.ndim), key=lambda d: -like.strides[d])
    array = (np.zeros if zeros else np.empty)(tuple(shape[d] for d in outer_first), like.dtype)
    return array.transpose(np.argsort(outer_first))


def _placement(n, lo, hi, spacing):
    """(source slice, destination slice, padded length) along one dim."""
    full = (n - 1) * spacing + 1 + lo + hi
    first = max(0, -(lo // spacing))  # the first pixel that lands inside (a negative pad crops)
    end = min(n, (full - 1 - lo) // spacing + 1)
    start = lo + first * spacing
    if end <= first:
        return slice(0, 0), slice(0, 0), full
    return slice(first, end), slice(start, start + (end - first - 1) * spacing + 1, spacing), full


def padded(x, pads, layout, spacing=(1, 1), fill=0):
    """``x`` (N, C, H, W) copied into a ``fill`` buffer with ``pads`` around it.

    ``layout`` is 'nchw', 'chwn' (batch last) or 'nhwc' (channels last);
    the copy that padding needs anyway does the transpose.
    """
    order = {"nchw": (0, 1, 2, 3), "chwn": (1, 2, 3, 0), "nhwc": (0, 2, 3, 1)}[layout]
    if spacing == (1, 1) and pads == ((0, 0), (0, 0)):
        return x.transpose(order)
    (hsrc, hdst, hp), (wsrc, wdst, wp) = (
        _placement(n, lo, hi, s) for n, (lo, hi), s in zip(x.shape[2:], pads, spacing)
    )
    shape = tuple((x.shape[0], x.shape[1], hp, wp)[i] for i in order)
    buf = np.full(shape, fill, x.dtype) if fill else np.zeros(shape, x.dtype)
    spatial = (hdst, wdst)
    target = tuple(spatial[i - 2] if i >= 2 else slice(None) for i in order)
    buf[target] = x[:, :, hsrc, wsrc].transpose(order)
    return buf


def im2col_chwn(xp, geom):
    """(C * kh * kw, Ho * Wo * N) from a padded (C, Hp, Wp, N) buffer: one slice copy per offset."""
    c, n = xp.shape[0], xp.shape[3]
    (kh, kw), (ho, wo) = geom.kernel, geom.out_size
    cols = np.empty((c, kh * kw, ho, wo, n), xp.dtype)
    for q, (rows, columns) in enumerate(window_slices(geom)):
        cols[:, q] = xp[:, rows, columns]
    return cols.reshape(c * kh * kw, ho * wo * n)


def im2col_nhwc(xp, geom):
    """(N * Ho * Wo, kh * kw * C) from a padded (N, Hp, Wp, C) buffer, through a strided view."""
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    win = sliding_window_view(xp, geom.extent, axis=(1, 2))[:, ::sh, ::sw, :, ::dh, ::dw]
    win = win.transpose(0, 1, 2, 4, 5, 3)  # (N, Ho, Wo, kh, kw, C): channels stay contiguous
    return win.reshape(-1, math.prod(win.shape[3:]))  # the copy
