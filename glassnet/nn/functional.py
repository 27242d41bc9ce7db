"""The function form of every layer: ``import glassnet.nn.functional as F``.

Modules hold parameters and a training flag; these functions take them as
arguments.  ``inplace=`` is accepted for PyTorch compatibility and ignored.
"""

from ..ops.activation import elu, gelu, leaky_relu, log_softmax, sigmoid, silu, softmax, softplus, tanh
from ..ops.activation import relu as _relu
from ..ops.conv import conv1d, conv2d
from ..ops.conv_transpose import conv_transpose2d
from ..ops.dropout import dropout as _dropout
from ..ops.dropout import dropout2d
from ..ops.elementwise import prelu
from ..ops.embedding import embedding
from ..ops.indexing import one_hot
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
from ..ops.norm import batch_norm, layer_norm
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d
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
    "conv1d", "conv2d", "conv_transpose2d", "batch_norm", "dropout2d", "layer_norm",
    "adaptive_avg_pool2d", "avg_pool2d", "max_pool2d", "one_hot", "prelu",
]
