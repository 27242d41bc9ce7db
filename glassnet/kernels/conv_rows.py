"""Inference convolutions from row windows: an im2col shared by the output rows that overlap.

The im2col matrix holds each input pixel once per kernel offset that sees
it, kh * kw times.  But the kh output rows that one kernel spans read the
same input rows.  Here only the width is unrolled: for every padded input
row, its windows along the width, ``(Hp, C, kw, Wo, N)``, kw copies of each
pixel.  With the matrix's inner dimension ordered (kernel row, channel,
kernel column), output row r's im2col matrix is then the slab of kh rows
starting at ``r * stride``: contiguous, a ``(kh * C * kw, Wo * N)`` matrix
without any copy.  One product per output row, each into its slice of the
output, the bias added while that slice is in cache.  LeNet at batch 1024:
the second convolution 17.2 -> 12.5 ms, the first 24 -> 15.4 ms
(docs/conv_performance.md).

For the few-channel (C, H, W, N) layout only: with channels last, the
channels are the inner dimension of each window and a slab of rows is not
one matrix.  Nothing here keeps what a weight gradient would need.

**Tiles.**  With small windows (LeNet's first layer: 1 channel, 5x5) each
product does few multiply-adds per number it reads.  When a 2x2 max pool
follows, ``conv_max_pool_tiled`` multiplies per 2x2 tile of outputs: the
windows are the patches under whole tiles (6x6 numbers per channel for a
5x5 kernel, 9 per output instead of 25) and the weight holds the kernel
once per output of the tile, zeros elsewhere.  That multiplies some zeros
(1.44x the useful work for a 5x5 kernel) but reads far fewer numbers, and
each product's four tile positions come out as four slabs whose maximum is
the pool.
"""

import numpy as np

from .windows import padded

# A convolution followed by a 2x2 max pool is computed per 2x2 tile when its windows hold at
# most this many numbers (C * kh * kw), so that the plain product is bound by memory, and it has
# at most this many output channels (measured with 1, 3 and 6 input channels and 6 to 128
# outputs, docs/conv_performance.md).
TILED_UP_TO_TAPS = 32
TILED_UP_TO_OUT = 32
TILE = (2, 2)


def row_windows(xp, offsets, step, count):
    """(Hp, C, len(offsets), count, N) from a padded (C, Hp, Wp, N) input.

    Entry [h, c, b, t] is input row h, channel c, column ``offsets[b] + step * t``.
    """
    c, hp, n = xp.shape[0], xp.shape[1], xp.shape[3]
    rows = np.empty((hp, c, len(offsets), count, n), xp.dtype)
    for b, offset in enumerate(offsets):
        rows[:, :, b] = xp[:, :, offset : offset + (count - 1) * step + 1 : step].transpose(1, 0, 2, 3)
    return rows


def conv_rows(x, w, geom, groups, bias=None, channels_innermost=False):
    """B(x, w) + bias as an (N, O, Ho, Wo) view of an (O, Ho, Wo, N) array, one product per row.

    ``channels_innermost`` (one group only) lays the output out as (Ho, Wo, N, O)
    instead, for a next layer that takes its input channels last.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = geom.kernel, geom.stride, geom.dilation, geom.out_size
    xp = padded(x, geom.pads, "chwn", geom.spacing)
    c, n, o = xp.shape[0], xp.shape[3], w.shape[0]
    rows = row_windows(xp, [j * dw for j in range(kw)], sw, wo)
    # Inner dimension ordered (kernel row, channel, kernel column), as in a slab of `rows`.
    w2 = w.reshape(groups, o // groups, c // groups, kh, kw).transpose(0, 1, 3, 2, 4)
    w2 = w2.reshape(groups, o // groups, -1)
    out = np.empty((ho, wo, n, o) if channels_innermost else (o, ho, wo, n), x.dtype)
    for r in range(ho):
        slab = rows[r * sh : r * sh + (kh - 1) * dh + 1 : dh]  # a copy only where dilated or grouped
        slab = slab.reshape(kh, groups, -1, wo * n).transpose(1, 0, 2, 3).reshape(groups, -1, wo * n)
        if channels_innermost:
            block = out[r].reshape(wo * n, o)
            np.matmul(slab[0].T, w2[0].T, out=block)
            if bias is not None:
                block += bias
            continue
        block = out[:, r].reshape(groups, o // groups, wo * n)
        np.matmul(w2, slab, out=block)
        if bias is not None:
            block += bias.reshape(groups, o // groups, 1)
    return out.transpose(2, 3, 0, 1) if channels_innermost else out.transpose(3, 0, 1, 2)


def tiles_suit(x, w, geom, groups):
    """Whether ``conv_max_pool_tiled`` applies and is the faster way.

    Not for an input holding an infinity: the tiled weight's zeros would
    multiply it into NaN where each output's own product gives inf (or a
    finite number).  A NaN is harmless here: it reaches only outputs of its
    own tile, which the pool merges anyway.
    """
    return (groups == 1 and w[0].size <= TILED_UP_TO_TAPS and len(w) <= TILED_UP_TO_OUT
            and geom.stride == geom.dilation == geom.spacing == (1, 1) and bool(np.isfinite(x.sum())))


def tiled_weight(w, tile):
    """(O * th * tw, eh * C * ew): the kernel placed once per output of a tile, zeros elsewhere."""
    o, c, kh, kw = w.shape
    big = np.zeros((o, *tile, tile[0] + kh - 1, c, tile[1] + kw - 1), w.dtype)
    rows_first = w.transpose(0, 2, 1, 3)
    for di in range(tile[0]):
        for dj in range(tile[1]):
            big[:, di, dj, di : di + kh, :, dj : dj + kw] = rows_first
    return big.reshape(o * tile[0] * tile[1], -1)


def tile_pads(geom, count, tile=TILE):
    """The convolution's pads with the bottom and right changed to cover exactly ``count`` tiles
    (negative: a crop of rows and columns that no whole pooling window reads)."""
    extent = tuple(t + k - 1 for t, k in zip(tile, geom.kernel))
    return tuple((lo, (m - 1) * t + e - size - lo)
                 for (lo, _), t, m, e, size in zip(geom.pads, tile, count, extent, geom.in_size))


def conv_max_pool_tiled(x, w, geom, count):
    """max_pool2d(B(x, w), 2) over ``count`` = (rows, cols) windows, as an (O, rows, cols, N) array.

    Stride 1, no dilation, one group (``tiles_suit``).  The input is padded
    (or cropped) at the bottom and right to exactly what the tiles read.
    """
    (th, tw), (kh, kw), o = TILE, geom.kernel, w.shape[0]
    extent = (th + kh - 1, tw + kw - 1)
    xp = padded(x, tile_pads(geom, count), "chwn")
    n = xp.shape[3]
    rows = row_windows(xp, range(extent[1]), tw, count[1])
    weight = tiled_weight(w, TILE)
    block = np.empty((o, th * tw, count[1] * n), x.dtype)
    pooled = np.empty((o, *count, n), x.dtype)
    for r in range(count[0]):
        np.matmul(weight, rows[r * th : r * th + extent[0]].reshape(-1, count[1] * n),
                  out=block.reshape(o * th * tw, -1))
        out = pooled[:, r].reshape(o, -1)  # the pool of this row of tiles, while it is in cache
        np.maximum(block[:, 0], block[:, 1], out=out)
        np.maximum(out, block[:, 2], out=out)
        np.maximum(out, block[:, 3], out=out)
    return pooled
