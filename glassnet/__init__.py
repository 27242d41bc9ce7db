"""glassnet: a deep-learning framework you can read end to end."""

from . import _allocator, _methods
from .backend import bool_, float32, float64, get_default_dtype, int32, int64, set_default_dtype
from .determinism import are_deterministic_algorithms_enabled, use_deterministic_algorithms
from .tensor import Tensor
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, manual_seed,
    normal, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm,
    tensor, zeros, zeros_like,
)
from .ops.math import (
    abs, add, clamp, cos, div, exp, log, maximum, minimum, mul, neg, pow, sign, sin, sqrt, sub,
    where,
)
from .ops.activation import relu, sigmoid, tanh
from .ops.reduce import amax, amin, argmax, argmin, logsumexp, max, mean, min, std, sum, var
from .ops.shape import (
    broadcast_to, cat, chunk, flatten, permute, repeat, reshape, split, squeeze, stack,
    t, transpose, unsqueeze,
)
from .ops.linalg import matmul
from .ops.linalg_more import bmm, dot, mm, mv, norm
from .ops.scan import cumsum
from .ops.indexing import argsort, meshgrid, nonzero, repeat_interleave, swapaxes, swapdims, unique
from .ops.elementwise import cosh, prelu, sinh
from .ops.activation import log_softmax, softmax
from .ops.tensor_types import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
    ShortTensor,
)
from .creation import randint_like, range  # noqa: A004 - torch.range, inclusive end
from .device import device, get_default_device, set_default_device
from . import cuda, distributions, linalg
from .ops import out as _out
from .io import load, save
from . import nn
from . import optim
from . import models  # as torchvision.models after `import torchvision`
from . import utils  # torch.utils.data after `import glassnet as torch`

_methods.install()
_out.install(globals())
_allocator.keep_freed_memory()
clip = clamp
concat = concatenate = cat
# PyTorch's dtype aliases (``dtype=torch.float``, ``.to(torch.long)``).
float, double, long, int, bool = float32, float64, int64, int32, bool_  # noqa: A001


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):  # noqa: A002
    return input.numel()

__version__ = "0.1.0"
