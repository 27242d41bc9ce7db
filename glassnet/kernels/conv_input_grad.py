"""The input gradient of a convolution as a col2im: each window's share of the gradient, added back.

With ``g`` the output gradient and ``W`` the kernel, the input gradient is
``gx[y, x, c] = sum over (i, j, o) of g[y - i, x - j, o] * W[o, c, i, j]``
(stride 1; in general each offset lands on a strided grid).  ``ops/conv.py``
picks between these kernels and the gather, a convolution of the padded
``g`` with the flipped kernel, by how many numbers each moves:

* ``scatter_input_grad``: the (C, H, W, N) layout of few-channel layers.
  One product gives every offset's share, added back one offset at a time.
* ``scatter_input_grad_channels_last``: the same for a gradient laid out
  (N, H, W, C), in that layout.  One product per offset, stacked, so that
  each offset's share is a contiguous block (added in runs of Wo * C
  numbers); one product for all offsets interleaves them, and the adds then
  walk C numbers at a time: 7.5 against 10.0 ms for the book convnet's
  second layer, timed inside its training step (docs/conv_performance.md).
"""

import numpy as np

from .windows import window_slices


def scatter_input_grad(g, w, geom, groups):
    """col2im in the (C, H, W, N) layout: the kernel times g gives each window's share."""
    n, (ho, wo), (h, w_in) = g.shape[0], geom.out_size, geom.in_size
    o, cg, kh, kw = w.shape
    g2 = g.transpose(1, 2, 3, 0).reshape(groups, o // groups, -1)
    shares = np.matmul(w.reshape(groups, o // groups, -1).transpose(0, 2, 1), g2)
    shares = shares.reshape(groups * cg, kh * kw, ho, wo, n)
    (top, bottom), (left, right) = geom.pads
    gx = np.zeros((groups * cg, h + top + bottom, w_in + left + right, n), g.dtype)
    for q, (rows, cols) in enumerate(window_slices(geom)):
        gx[:, rows, cols] += shares[:, q]
    return gx[:, top : top + h, left : left + w_in].transpose(3, 0, 1, 2)


def scatter_input_grad_channels_last(g, w, geom):
    """col2im in g's own (N, H, W, C) layout, one stacked product per kernel offset."""
    n, (ho, wo), (h, w_in) = g.shape[0], geom.out_size, geom.in_size
    o, c, kh, kw = w.shape
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)  # a view: (positions, O)
    shares = np.matmul(g2, w.transpose(2, 3, 0, 1).reshape(kh * kw, o, c)).reshape(-1, n, ho, wo, c)
    (top, bottom), (left, right) = geom.pads
    gx = np.zeros((n, h + top + bottom, w_in + left + right, c), g.dtype)
    for q, (rows, cols) in enumerate(window_slices(geom)):
        gx[:, rows, cols] += shares[q]
    return gx[:, top : top + h, left : left + w_in].transpose(0, 3, 1, 2)
