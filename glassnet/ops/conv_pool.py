"""A first convolution and the 2x2 max pool after it, trained in 2x2 tiles of outputs.

A network's first convolution reads images with few channels, so its
products are bound by memory, not arithmetic, and the full-size output it
hands to the pool is the largest array of the step. Here each product
column is the (kh + 1) x (kw + 1) patch under a 2x2 tile of outputs, and
the weight holds the kernel once per tile position, zeros around it
(``kernels/conv_rows.py`` does the same for inference). The four tile
positions come out as four contiguous slabs: the pool is their maximum,
the backward sends each gradient to the slab that won, and the weight
gradient is one product per slab, folded back onto the kernel. Nothing
the size of the convolution's output is ever strided through.

The input gets no gradient: this is for a layer that reads the data
(``nn/fusion.py`` takes it only then). The weight's gradient is itself
differentiable: ``TiledWeightGrad`` and ``TiledWinnerConv`` are each
other's transposes, as the convolution's own nodes are.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd import Function, first_order
from ..kernels.conv_rows import TILE, TILED_UP_TO_TAPS, tile_pads, tiled_weight
from ..kernels.windows import padded
from . import reduce as R
from ._util import constant as _const
from .conv import bias_grad, channels_last

# The four slabs of one chunk of positions take about this many bytes, so that the pool and the
# routing of its gradient run in cache: the first layer of the book's convnet (1 -> 32 channels,
# 26 x 26, batch 128), forward 3.9 -> 1.7 ms, weight gradient 4.6 -> 2.2 ms against whole slabs.
CHUNK_BYTES = 2**19


def tiles_suit_training(x, w, geom):
    """Whether ``conv_max_pool`` applies to a convolution of x by w over ``geom`` (the pool is a
    2x2 one, checked by the pool's ``tiles``); not for an input holding an infinity, which the
    tiled weight's zeros would turn into NaN.

    Only with as many filters as a channels-last layer has (``ops/conv.py: CHANNELS_LAST_FROM``):
    the tiles come out channels innermost, (positions, O). With fewer (LeNet's 6) the products
    are too narrow and the next, few-channel layer wants the batch innermost: LeNet's training
    step took 19.7 against 15.8 ms. Unlike inference, no upper limit: forward and backward of
    conv, ReLU and pool at batch 128, tiled against the layers, 1 -> 32 filters at 28 x 28:
    14.4 / 19.0 ms; 1 -> 64: 27.1 / 42.2; 1 -> 128: 54.1 / 85.4; 3 -> 64 at 32 x 32: 50.5 / 61.5.
    """
    return (x.ndim == 4 and x.shape[0] > 0 and x.dtype == w.dtype and channels_last(w.shape[0], 1)
            and w.shape[1] * w.shape[2] * w.shape[3] <= TILED_UP_TO_TAPS
            and geom.stride == geom.dilation == geom.spacing == (1, 1) and min(geom.out_size) >= 2
            and min(min(p) for p in geom.pads) >= 0 and bool(np.isfinite(x.sum())))


def _patches(x, geom, count):
    """(N * Th * Tw, C * eh * ew): the (kh + 1) x (kw + 1) input patch under each 2x2 tile of outputs."""
    (kh, kw), (th, tw) = geom.kernel, count
    eh, ew = kh + 1, kw + 1
    xp = padded(x, tile_pads(geom, count), "nchw")  # a view when there is nothing to pad
    n, c = xp.shape[:2]
    s = xp.strides
    view = as_strided(xp, (n, th, tw, c, eh, ew), (s[0], 2 * s[2], 2 * s[3], s[1], s[2], s[3]),
                      writeable=False)
    return view.reshape(n * th * tw, c * eh * ew)


def _tile_weights(w):
    """(4, C * eh * ew, O): for each tile position (di, dj), the kernel placed at that offset."""
    o, c, kh, kw = w.shape
    big = tiled_weight(w, TILE).reshape(o, 4, kh + 1, c, kw + 1)  # (O, position, eh, C, ew)
    return np.ascontiguousarray(big.transpose(1, 3, 2, 4, 0)).reshape(4, -1, o)


def _fold(tile_grads, w_shape):
    """The transpose of ``_tile_weights``: each tile position's gradient added back onto the kernel."""
    o, c, kh, kw = w_shape
    big = tile_grads.reshape(2, 2, c, kh + 1, kw + 1, o)
    gw = big[0, 0, :, :kh, :kw].copy()
    gw += big[0, 1, :, :kh, 1:]
    gw += big[1, 0, :, 1:, :kw]
    gw += big[1, 1, :, 1:, 1:]
    return np.ascontiguousarray(gw.transpose(3, 0, 1, 2))


class _Tiles:
    """What the three nodes share: the patches, which slab won each window, the output's shape."""

    def __init__(self, patches, shape):
        self.patches, self.shape = patches, shape  # shape: (N, O, Th, Tw)
        step = max(1, CHUNK_BYTES // (4 * shape[1] * patches.itemsize))
        self.chunks = [(a, min(a + step, len(patches))) for a in range(0, len(patches), step)]
        self.winner = None

    def max_pool(self, w):
        """The pooled convolution by w as (positions, O); records each window's winner."""
        y = np.empty((len(self.patches), w.shape[0]), w.dtype)
        self.winner = winner = np.zeros(y.shape, np.uint8)
        tiled = _tile_weights(w)
        for a, b in self.chunks:
            slabs, out, won = np.matmul(self.patches[a:b], tiled), y[a:b], winner[a:b]
            np.copyto(out, slabs[0])
            for q in range(1, 4):  # ties go to the first, as in max_pool2d
                np.maximum(won, (slabs[q] > out) * np.uint8(q), out=won)
                np.maximum(out, slabs[q], out=out)
        return y

    def to_output(self, flat):
        n, o, th, tw = self.shape
        return flat.reshape(n, th, tw, o).transpose(0, 3, 1, 2)

    def from_output(self, g):
        """An (N, O, Th, Tw) array as (positions, O): a view when it is laid out so."""
        n, o, th, tw = self.shape
        return g.transpose(0, 2, 3, 1).reshape(n * th * tw, o)

    def weight_grad(self, g, w_shape):
        """Each gradient sent to its window's winning slab, then one product per slab, chunk by chunk.

        (Slabs side by side, one product per chunk, was slower: 5.3 against 3.2 ms.)
        """
        g2, tile_grads = self.from_output(g), 0
        for a, b in self.chunks:
            routed = np.stack([g2[a:b] * (self.winner[a:b] == q) for q in range(4)])
            tile_grads = tile_grads + np.matmul(self.patches[a:b].T, routed)
        return _fold(tile_grads, w_shape)

    def winner_conv(self, v):
        """The convolution by kernel v, read at each window's winning position."""
        slabs = np.matmul(self.patches, _tile_weights(v))
        return self.to_output(np.take_along_axis(slabs, self.winner[None].astype(np.intp), 0)[0])


class ConvMaxPool(Function):
    """max_pool2d(conv2d(x, w) + bias, 2) for an x that needs no gradient; attribute ``geom``."""

    def forward(self, x, w, bias=None):
        count = tuple(m // 2 for m in self.geom.out_size)
        self.tiles = _Tiles(_patches(x, self.geom, count), (x.shape[0], w.shape[0]) + count)
        y = self.tiles.max_pool(w)
        if bias is not None:
            y += bias
        return self.tiles.to_output(y)

    def backward(self, g):
        need, w_shape = self.needs_input_grad, self.inputs[1].shape
        if need[0]:
            raise RuntimeError("conv_max_pool: the input must not need a gradient (nn/fusion.py checks)")
        gw = gb = None
        if need[1]:
            gw = (_const(self.tiles.weight_grad(g.array, w_shape)) if first_order()
                  else TiledWeightGrad.apply(g, tiles=self.tiles, w_shape=w_shape))
        if len(need) == 3 and need[2]:
            gb = _const(bias_grad(g.array)) if first_order() else R.sum(g, (0, 2, 3))
        return (None, gw) if len(need) == 2 else (None, gw, gb)


class TiledWeightGrad(Function):
    """The weight gradient of ``ConvMaxPool`` as a function of the output gradient (linear)."""

    def forward(self, g):
        return self.tiles.weight_grad(g, self.w_shape)

    def backward(self, gg):
        return TiledWinnerConv.apply(gg, tiles=self.tiles, w_shape=self.w_shape)


class TiledWinnerConv(Function):
    """The transpose of ``TiledWeightGrad``: the convolution by v at each window's winner."""

    def forward(self, v):
        return self.tiles.winner_conv(v)

    def backward(self, h):
        return TiledWeightGrad.apply(h, tiles=self.tiles, w_shape=self.w_shape)


def conv_max_pool(x, w, bias, geom, pool):
    """``pool(conv2d(x, w) + bias)`` in 2x2 tiles, or None where they do not apply.

    ``pool`` is the pooling layer; its ``tiles(size)`` says whether it takes whole 2x2 tiles of
    an output of that size. Adding the bias after the pool gives the same maximum.
    """
    if x.requires_grad or not pool.tiles(geom.out_size) or not tiles_suit_training(x.array, w.array, geom):
        return None
    args = (x, w) if bias is None else (x, w, bias)
    return ConvMaxPool.apply(*args, geom=geom)
