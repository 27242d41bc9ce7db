"""Inference fusion: ``Sequential`` runs Conv2d, ReLU, MaxPool2d as one step when no graph is kept.

(The ReLU may also come after the pool: it is the same function.)

Max pooling commutes with adding a per-channel bias and with ReLU: both are
nondecreasing functions, and so is their float rounding, so
``max_pool(relu(a + b)) == relu(max_pool(a) + b)`` bit for bit, NaN
included.  Pooling first does the bias add and the ReLU on a tensor 4x
smaller (for a 2x2 pool).  And when the convolution's windows are small
and the pool is 2x2 with stride 2, the convolution is computed in 2x2 tiles
of outputs (``kernels/conv_rows.py``) that are exactly the pooling windows, so
the full-size convolution output is never laid out at all.  LeNet-5's first
block at batch 1024: 21 ms with row windows and a separate pool, 13 ms
tiled (docs/conv_performance.md).

Only under ``no_grad`` (nothing to differentiate, so no graph to keep) and
only for the library's own layer classes, never subclasses, whose
``forward`` may do something else.  ``enabled = False`` turns it off.
"""

import numpy as np

from ..autograd import is_grad_enabled
from ..kernels.conv_rows import TILE, conv_max_pool_tiled, tiles_suit
from ..kernels.windows import pair
from ..ops import conv as C
from ..ops import pool as P
from ..ops._util import constant
from .activation import ReLU
from .conv import Conv2d
from .pool import MaxPool2d

enabled = True


def _fused_pool(modules):
    """The MaxPool2d of a fusable run at the head of ``modules`` (conv, ReLU, pool in either order)."""
    if len(modules) < 3 or type(modules[0]) is not Conv2d:
        return None
    kinds = {type(m) for m in modules[1:3]}
    pool = modules[1] if type(modules[1]) is MaxPool2d else modules[2]
    return pool if kinds == {ReLU, MaxPool2d} and not pool.return_indices else None


def run_sequence(modules, x):
    """``x`` through ``modules`` in order, fused where it can be (see the module's docstring)."""
    if not enabled or is_grad_enabled():
        for module in modules:
            x = module(x)
        return x
    i = 0
    while i < len(modules):
        pool = _fused_pool(modules[i:]) if x.ndim == 4 else None
        if pool is not None:
            x, i = conv_relu_max_pool(modules[i], pool, x), i + 3
        else:
            x, i = modules[i](x), i + 1
    return x


def _pool_is_tile(pool, out_size):
    """Whether the pool's windows are the 2x2 tiles, each whole and none overlapping."""
    name = "MaxPool2d"
    kernel, stride = pair(pool.kernel_size, name, "kernel_size"), pair(pool.stride, name, "stride")
    if kernel != TILE or stride != TILE or pair(pool.padding, name, "padding") != (0, 0):
        return False
    if pair(pool.dilation, name, "dilation") != (1, 1) or min(out_size) < 2:
        return False
    # ceil_mode adds a partial window only where a side is odd.
    return not (pool.ceil_mode and any(n % 2 for n in out_size))


def conv_relu_max_pool(conv, pool, x):
    """pool(relu(conv(x))) as relu(pool(conv without bias) + bias), for 4-D ``x`` under no_grad."""
    weight, bias = conv.weight, conv.bias
    try:  # the checks of the unfused path, with its messages
        C.check_conv_args("conv2d", x, weight, bias, conv.groups, 2)
        geom = C.conv_geometry("conv2d", x, weight, conv.stride, conv.padding, conv.dilation)
    except (RuntimeError, TypeError, ValueError) as error:
        raise conv.named_error(error) from None
    if (not C.channels_last(x.shape[1], conv.groups) and _pool_is_tile(pool, geom.out_size)
            and tiles_suit(x.array, weight.array, geom, conv.groups)):
        count = tuple(n // 2 for n in geom.out_size)
        y = conv_max_pool_tiled(x.array, weight.array, geom, count).transpose(3, 0, 1, 2)
    else:
        y = C.conv2d(x, weight, None, conv.stride, conv.padding, conv.dilation, conv.groups)
        y = P.max_pool2d(y, pool.kernel_size, pool.stride, pool.padding, pool.dilation,
                         pool.ceil_mode).array
    if bias is not None:
        y += bias.array[:, None, None]
    np.clip(y, y.dtype.type(0), y.dtype.type(np.inf), out=y)
    return constant(y)
