"""Fusion in ``Sequential``: runs of convolution, ReLU and max pool computed as fewer, smaller steps.

Max pooling commutes with adding a per-channel bias and with ReLU: both are
nondecreasing functions, and so is their float rounding, so
``max_pool(relu(a + b)) == relu(max_pool(a) + b)`` bit for bit, NaN
included.  Three rewrites follow, each for the library's own layer classes
only (never subclasses, whose ``forward`` may do something else), none for
a module whose ``forward`` was replaced on the instance (``summary``'s
recorder).  ``enabled = False`` turns them all off.

* **Inference** (``no_grad``): Conv2d, ReLU, MaxPool2d (the ReLU on either
  side of the pool) as one step, pooling before the bias and the ReLU.
  When the windows are small and the pool is 2x2, the convolution is
  computed in 2x2 tiles of outputs (``kernels/conv_rows.py``) that are the
  pooling windows, so the full-size output is never laid out.  LeNet-5's
  first block at batch 1024: 21 ms with row windows and a separate pool,
  13 ms tiled (docs/conv_performance.md).
* **A first block in training**: a convolution whose input needs no
  gradient, a ReLU (a module or a Keras layer's own ``activation='relu'``)
  or none, and a 2x2 max pool, trained in tiles by ``ops/conv_pool.py``.
* **Otherwise, with a graph**: a ReLU followed by a max pool runs after the
  pool.  The gradients are the same too: a window's winner is the same
  position whenever its maximum is positive (ReLU leaves positive numbers
  alone, and ties still go to the first), and when it is not, the ReLU's
  gradient is zero either way.  The ReLU and its backward touch a quarter
  of the numbers: the book convnet's first ReLU (128 x 32 x 26 x 26) cost
  0.95 ms forward and 2.7 ms backward.
"""

import numpy as np

from ..autograd import is_grad_enabled
from ..kernels.conv_rows import conv_max_pool_tiled, tiles_suit
from ..ops import conv as C
from ..ops import pool as P
from ..ops._util import constant
from ..tensor import Tensor
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


def _relu_split(module):
    """``(what runs before, the ReLU)`` for a ReLU module (None before it) or a built layer whose own
    activation is a ReLU; None for anything else."""
    if type(module) is ReLU:
        return None, module
    split = getattr(module, "split_activation", None)
    if split is None or type(getattr(module, "activation", None)) is not ReLU or not module.built:
        return None
    return split()


def _pool_after_relu(modules, i, x):
    """If ``modules[i]`` ends in a ReLU and a max pool follows, ``(relu(pool(before(x))), i + 2)``."""
    if i + 1 >= len(modules) or not isinstance(x, Tensor):
        return None
    commutes = getattr(modules[i + 1], "commutes_with_relu", None)
    split = _relu_split(modules[i]) if commutes is not None and commutes() else None
    if split is None:
        return None
    before, relu = split
    return relu(modules[i + 1](x if before is None else before(x))), i + 2


def _tiled_conv_pool(modules, i, x):
    """A convolution at ``modules[i]``, a ReLU (its own activation, or the next module) or none, and a
    2x2 max pool, as ``relu(conv.max_pooled(x, pool))`` (ops/conv_pool.py): ``(output, next index)``,
    or None where that does not apply."""
    conv = modules[i]
    max_pooled = getattr(conv, "max_pooled", None)
    if max_pooled is None or not isinstance(x, Tensor) or x.requires_grad:
        return None
    relu, j = getattr(conv, "activation", None), i + 1
    if relu is not None and type(relu) is not ReLU:
        return None
    if relu is None and j < len(modules) and type(modules[j]) is ReLU:
        relu, j = modules[j], j + 1
    if j >= len(modules) or getattr(modules[j], "tiles", None) is None:
        return None
    y = max_pooled(x, modules[j])
    if y is None:
        return None
    return (y if relu is None else relu(y)), j + 1


def run_sequence(modules, x):
    """``x`` through ``modules`` in order, fused where it can be (see the module's docstring)."""
    if not enabled or any("forward" in getattr(m, "__dict__", ()) for m in modules):
        # A forward replaced on the instance (summary's recorder, a user's patch) runs as itself.
        for module in modules:
            x = module(x)
        return x
    inference, i = not is_grad_enabled(), 0
    while i < len(modules):
        pool = _fused_pool(modules[i:]) if inference and getattr(x, "ndim", 0) == 4 else None
        if pool is not None:
            x, i = conv_relu_max_pool(modules[i], pool, x), i + 3
            continue
        fused = _tiled_conv_pool(modules, i, x) or _pool_after_relu(modules, i, x)
        x, i = fused if fused is not None else (modules[i](x), i + 1)
    return x


def conv_relu_max_pool(conv, pool, x):
    """pool(relu(conv(x))) as relu(pool(conv without bias) + bias), for 4-D ``x`` under no_grad."""
    weight, bias = conv.weight, conv.bias
    try:  # the checks of the unfused path, with its messages
        C.check_conv_args("conv2d", x, weight, bias, conv.groups, 2)
        geom = C.conv_geometry("conv2d", x, weight, conv.stride, conv.padding, conv.dilation)
    except (RuntimeError, TypeError, ValueError) as error:
        raise conv.named_error(error) from None
    if (not C.channels_last(x.shape[1], conv.groups) and pool.tiles(geom.out_size)
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
