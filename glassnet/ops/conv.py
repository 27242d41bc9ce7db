"""Convolution: ``conv2d`` and ``conv1d``, each one matrix multiply over an im2col matrix.

Three nodes form a family closed under differentiation.  With ``B(x, w)``
the convolution (bilinear in x and w):

* ``Conv2d(x, w)``           = B(x, w)
* ``Conv2dInputGrad(g, w)``  = dB/dx^T g: the full convolution of g with the
  flipped kernel (a gather, see ``Geometry.transposed``), or where that
  moves more numbers, each window's share added back (a col2im scatter)
* ``Conv2dWeightGrad(x, g)`` = dB/dw^T g: windows of x against g

The backward of each is made of the other two, so double (and higher)
backward works with nothing more.  The plain first-order backward reuses the
im2col matrix that the forward built instead of building it again.
"""

import math

import numpy as np

from ..autograd import Function, first_order
from ..kernels.conv_input_grad import scatter_input_grad, scatter_input_grad_channels_last
from ..kernels.conv_rows import conv_rows
from ..kernels.windows import im2col_chwn, im2col_nhwc, make_geometry, padded, pair
from . import reduce as R
from ._util import constant as _const
from .shape import squeeze, unsqueeze

# Choices measured on the layers of LeNet and VGG (docs/conv_performance.md):
# from this many input channels on, channels-last im2col beats one slice copy per kernel offset;
CHANNELS_LAST_FROM = 32
# the input gradient is a gather (a convolution of g) while its im2col matrix is at most this
# many times the size of the scatter's column matrix, else a col2im scatter;
GATHER_UP_TO = 1.0
# a weight-gradient product whose inner dimension (N * Ho * Wo) is this many times longer
# than its output's larger side is summed over chunks: OpenBLAS is slow on that shape.
LONG_INNER = 2048
# A channels-last convolution whose weight gradient will not be asked for (inference, a frozen
# layer) builds its im2col matrix in blocks of about this many bytes, each multiplied in cache.
STREAM_BLOCK_BYTES = 3 * 2**20


# ---------------------------------------------------------------- NumPy kernels
def channels_last(channels, groups):
    return groups == 1 and channels >= CHANNELS_LAST_FROM


def im2col(x, geom, groups):
    """The im2col matrix of ``x`` in the layout that suits its channel count."""
    if channels_last(x.shape[1], groups):
        return im2col_nhwc(padded(x, geom.pads, "nhwc", geom.spacing), geom)
    return im2col_chwn(padded(x, geom.pads, "chwn", geom.spacing), geom)


def conv_arrays(x, w, geom, groups, bias=None):
    """B(x, w) + bias as an (N, O, Ho, Wo) array (a transposed view), and the im2col matrix."""
    n, o, (ho, wo) = x.shape[0], w.shape[0], geom.out_size
    cols = im2col(x, geom, groups)
    if channels_last(x.shape[1], groups):
        # (positions x channels) @ (channels x out): the orientation OpenBLAS runs fastest.
        y = cols @ w.transpose(2, 3, 1, 0).reshape(-1, o)
        if bias is not None:
            y += bias
        return y.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), cols
    if channels_last(o, groups):
        # Many output channels: the next layer takes them channels last, so they come out
        # innermost, (Ho, Wo, N, O); a (C, H, W, N) output would cost that layer a transposing
        # copy, and its gradient one more on the way back.
        y = np.matmul(cols.T, w.reshape(o, -1).T)
        if bias is not None:
            y += bias
        return y.reshape(ho, wo, n, o).transpose(2, 3, 0, 1), cols
    y = np.matmul(w.reshape(groups, o // groups, -1), cols.reshape(groups, -1, cols.shape[1]))
    y = y.reshape(o, ho, wo, n)
    if bias is not None:
        y += bias[:, None, None, None]
    return y.transpose(3, 0, 1, 2), cols


def conv_streamed(x, w, geom, groups, bias=None):
    """``conv_arrays``'s result without its whole im2col matrix, for when no weight gradient is due.

    With few channels, one product per output row over row windows shared
    by the rows that overlap (``conv_rows``).  With channels last, blocks of
    whole samples built into one matrix at a time, each product written
    straight into its slice of the output.
    """
    if not channels_last(x.shape[1], groups):
        return conv_rows(x, w, geom, groups, bias, channels_innermost=channels_last(w.shape[0], groups))
    n, o, (ho, wo) = x.shape[0], w.shape[0], geom.out_size
    xp, w2 = padded(x, geom.pads, "nhwc", geom.spacing), w.transpose(2, 3, 1, 0).reshape(-1, o)
    out = np.empty((n, ho, wo, o), x.dtype)
    step = max(1, STREAM_BLOCK_BYTES // (w[0].size * ho * wo * x.itemsize))
    for start in range(0, n, step):
        block = out[start : start + step].reshape(-1, o)
        np.matmul(im2col_nhwc(xp[start : start + step], geom), w2, out=block)
        if bias is not None:  # while the block is still in cache
            block += bias
    return out.transpose(0, 3, 1, 2)


def _flipped(w, groups):
    """The kernel of the input gradient: in/out channels swapped per group, rotated 180 degrees."""
    o, cg, kh, kw = w.shape
    w = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return w.reshape(groups * cg, o // groups, kh, kw)[:, :, ::-1, ::-1]


def input_grad_arrays(g, w, geom, groups):
    """dB/dx^T g, by whichever of gather and scatter moves fewer numbers (kernels/conv_input_grad.py)."""
    o, c = w.shape[0], w.shape[1] * groups
    if o * math.prod(geom.in_size) <= GATHER_UP_TO * c * math.prod(geom.out_size):
        return conv_arrays(g, _flipped(w, groups), geom.transposed(), groups)[0]
    if groups == 1 and g.strides[1] == g.itemsize:  # g has its channels innermost
        return scatter_input_grad_channels_last(g, w, geom)
    return scatter_input_grad(g, w, geom, groups)


def _long_matmul(a, b):
    """``a @ b`` for stacks whose inner dimension is much longer than the result.

    OpenBLAS runs such products (e.g. 6 x 100,000 @ 100,000 x 25) several
    times slower than square ones; summing the products of 32 slices of the
    inner dimension is about twice as fast.
    """
    inner = a.shape[-1]
    if inner < LONG_INNER * max(a.shape[-2], b.shape[-1]):
        return np.matmul(a, b)
    step = -(-inner // 32)
    out = np.matmul(a[..., :step], b[..., :step, :])
    for start in range(step, inner, step):
        out += np.matmul(a[..., start : start + step], b[..., start : start + step, :])
    return out


def bias_grad(g):
    """The sum of an (N, O, H, W) gradient over all but its channels.

    With the channels innermost (the layouts conv_arrays gives), a product of the (positions, O)
    matrix with a vector of ones: NumPy's sum over the three outer axes walks the array O numbers at
    a time, 2.6 against 0.5 ms for the book convnet's first layer.
    """
    if g.ndim == 4 and g.dtype.kind == "f" and g.strides[1] == g.itemsize:
        outer = sorted((0, 2, 3), key=lambda d: -g.strides[d])  # the positions in memory order
        try:
            rows = g.transpose(*outer, 1).reshape(-1, g.shape[1], copy=False)
        except ValueError:  # the positions do not collapse into one axis
            return g.sum(axis=(0, 2, 3))
        return np.ones(rows.shape[0], g.dtype) @ rows
    return g.sum(axis=(0, 2, 3))


def weight_grad_from_cols(cols, g, w_shape, groups):
    """dB/dw^T g from the forward's im2col matrix of x."""
    o, cg, kh, kw = w_shape
    if channels_last(cg * groups, groups):
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)  # (positions, O)
        gw = _long_matmul(cols.T, g2)  # (kh * kw * C, O)
        return np.ascontiguousarray(gw.reshape(kh, kw, cg, o).transpose(3, 2, 0, 1))
    if groups == 1 and g.strides[1] == min(g.strides):
        # g has its channels innermost (see conv_arrays): (K, positions) @ (positions, O).
        gw = _long_matmul(cols, g.transpose(2, 3, 0, 1).reshape(-1, o))
        return np.ascontiguousarray(gw.T).reshape(w_shape)
    g2 = g.transpose(1, 2, 3, 0).reshape(groups, o // groups, -1)
    stacked = cols.reshape(groups, -1, cols.shape[1])
    return _long_matmul(g2, stacked.transpose(0, 2, 1)).reshape(w_shape)


# ----------------------------------------------------------------------- nodes
class Conv2d(Function):
    """B(x, w) (+ bias); attributes ``geom`` (a windows.Geometry) and ``groups``."""

    def forward(self, x, w, bias=None):
        if not self.needs_input_grad[1]:  # no weight gradient: nothing to keep
            self.cols = None
            return conv_streamed(x, w, self.geom, self.groups, bias)
        y, self.cols = conv_arrays(x, w, self.geom, self.groups, bias)
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        need, geom, groups = self.needs_input_grad, self.geom, self.groups
        if first_order() and channels_last(x.shape[1], groups) and g.array.strides[1] != g.array.itemsize:
            # A channels-first gradient (from a Flatten, say) of a channels-last layer: one copy of it
            # with the channels innermost serves both products, and the input gradient then comes
            # out in x's own layout (a ReLU's backward over mismatched layouts cost 1.15 against 0.2 ms).
            g = _const(np.ascontiguousarray(g.array.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2))
        gx = Conv2dInputGrad.apply(g, w, geom=geom, groups=groups) if need[0] else None
        gw = gb = None
        if need[1] and first_order() and self.cols is not None:
            gw = _const(weight_grad_from_cols(self.cols, g.array, w.shape, groups))
        elif need[1]:
            gw = Conv2dWeightGrad.apply(x, g, geom=geom, groups=groups, w_shape=w.shape)
        if len(need) == 2:
            return gx, gw
        if need[2]:
            gb = _const(bias_grad(g.array)) if first_order() else R.sum(g, (0, 2, 3))
        return gx, gw, gb


class Conv2dInputGrad(Function):
    """dB/dx^T g, a function of (g, w); linear in each."""

    def forward(self, g, w):
        return input_grad_arrays(g, w, self.geom, self.groups)

    def backward(self, gg):
        g, w = self.inputs
        need, params = self.needs_input_grad, {"geom": self.geom, "groups": self.groups}
        return (
            Conv2d.apply(gg, w, **params) if need[0] else None,
            Conv2dWeightGrad.apply(gg, g, w_shape=w.shape, **params) if need[1] else None,
        )


class Conv2dWeightGrad(Function):
    """dB/dw^T g, a function of (x, g); attribute ``w_shape``."""

    def forward(self, x, g):
        return weight_grad_from_cols(im2col(x, self.geom, self.groups), g, self.w_shape, self.groups)

    def backward(self, gg):
        x, g = self.inputs
        need, params = self.needs_input_grad, {"geom": self.geom, "groups": self.groups}
        return (
            Conv2dInputGrad.apply(g, gg, **params) if need[0] else None,
            Conv2d.apply(x, gg, **params) if need[1] else None,
        )


# -------------------------------------------------------------- the functions
def check_conv_args(name, x, weight, bias, groups, spatial):
    dims = "(N, C, L) or 2-D (C, L)" if spatial == 1 else "(N, C, H, W) or 3-D (C, H, W)"
    if x.ndim != spatial + 2:
        raise RuntimeError(f"{name}: expected a {spatial + 2}-D input {dims}, got shape {tuple(x.shape)}")
    if weight.ndim != spatial + 2:
        raise RuntimeError(
            f"{name}: expected a {spatial + 2}-D weight (out_channels, in_channels / groups, "
            f"kernel...), got shape {tuple(weight.shape)}"
        )
    if not isinstance(groups, int) or groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"{name}: groups={groups!r} must be a positive int dividing out_channels "
                         f"{weight.shape[0]}")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"{name}: the input of shape {tuple(x.shape)} has {x.shape[1]} channels, but the weight of "
            f"shape {tuple(weight.shape)} with groups={groups} expects {weight.shape[1] * groups} "
            f"(weight.shape[1] * groups)"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"{name}: bias of shape {tuple(bias.shape)} should be ({weight.shape[0]},)")
    for t, what in [(weight, "weight"), (bias, "bias")]:
        if t is not None and t.array.dtype != x.array.dtype:
            raise TypeError(f"{name}: input has dtype {x.dtype} but the {what} has dtype {t.dtype}; "
                            "convert one so both match")
    if x.array.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point input, got dtype {x.dtype}; use .float()")


def _pads(name, padding, kernel, stride, dilation):
    """Per-side padding ((top, bottom), (left, right)) from an int, a pair, 'same' or 'valid'."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        # PyTorch puts the odd pixel of an even kernel's padding at the end.
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
    ph, pw = pair(padding, name, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"{name}: negative padding {padding!r} is not supported")
    return ((ph, ph), (pw, pw))


def conv_geometry(name, input, weight, stride, padding, dilation):  # noqa: A002
    """The windows of a convolution of ``input`` by ``weight``, from the user's arguments."""
    kernel, stride = weight.shape[2:], pair(stride, name, "stride")
    dilation = pair(dilation, name, "dilation")
    pads = _pads(name, padding, kernel, stride, dilation)
    return make_geometry(name, input.shape[2:], kernel, stride, dilation, pads)


def _conv(name, input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    geom = conv_geometry(name, input, weight, stride, padding, dilation)
    if input.shape[0] == 0:  # the im2col layouts have no empty form; PyTorch gives an empty output
        raise RuntimeError(f"{name}: got a batch of 0 inputs (shape {tuple(input.shape)}); "
                           "an empty batch is not supported")
    args = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*args, geom=geom, groups=groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation, as in PyTorch) of (N, C, H, W) or (C, H, W) input.

    ``weight`` is (out_channels, in_channels / groups, kh, kw); ``padding`` is
    an int, a pair, 'same' (stride 1 only) or 'valid'.
    """
    if input.ndim == 3:
        return squeeze(conv2d(unsqueeze(input, 0), weight, bias, stride, padding, dilation, groups), 0)
    check_conv_args("conv2d", input, weight, bias, groups, 2)
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups)


def _one(value, what):
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"conv1d: {what} must be an int or a 1-tuple, got {value!r}")
    return int(value)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution of (N, C, L) or (C, L) input: a 2-D one over a height of 1."""
    if input.ndim == 2:
        return squeeze(conv1d(unsqueeze(input, 0), weight, bias, stride, padding, dilation, groups), 0)
    check_conv_args("conv1d", input, weight, bias, groups, 1)
    if not isinstance(padding, str):
        padding = (0, _one(padding, "padding"))
    y = _conv("conv1d", unsqueeze(input, 2), unsqueeze(weight, 2), bias, (1, _one(stride, "stride")),
              padding, (1, _one(dilation, "dilation")), groups)
    return squeeze(y, 2)
