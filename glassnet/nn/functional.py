"""The function form of every layer: ``import glassnet.nn.functional as F``.

Modules hold parameters and a training flag; these functions take them as
arguments.  ``inplace=`` is accepted for PyTorch compatibility and ignored.
"""

from ..ops.activation import dropout as _dropout
from ..ops.activation import elu, gelu, leaky_relu, log_softmax, silu, softmax, softplus
from ..ops.embedding import embedding
from ..ops.linalg import linear
from ..ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ..ops.math import relu as _relu
from ..ops.math import sigmoid, tanh
from ..ops.shape import flatten


def relu(input, inplace=False):  # noqa: A002 - PyTorch's names
    return _relu(input)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Inverted dropout; note that ``training`` defaults to True, as in PyTorch."""
    return _dropout(input, p, training)


__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss",
    "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss",
    "dropout", "elu", "embedding", "flatten", "gelu", "leaky_relu", "linear", "log_softmax", "relu",
    "sigmoid", "silu", "softmax", "softplus", "tanh",
]

# Convolution, pooling and normalisation (glassnet/ops/conv.py, pool.py, norm.py).
from ..ops.conv import conv1d, conv2d  # noqa: E402
from ..ops.conv_transpose import conv_transpose2d  # noqa: E402
from ..ops.norm import batch_norm, dropout2d, layer_norm  # noqa: E402
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: E402

__all__ += [
    "conv1d", "conv2d", "conv_transpose2d", "batch_norm", "dropout2d", "layer_norm",
    "adaptive_avg_pool2d", "avg_pool2d", "max_pool2d",
]
