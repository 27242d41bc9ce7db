"""Making tensors: from data, constants, ranges and random numbers.

Random numbers come from one global ``numpy.random.Generator`` that
``manual_seed`` resets, so a script seeded once is reproducible.
"""

import numpy as np

from . import backend
from .tensor import Tensor


class _RNG:
    generator = np.random.default_rng()


def manual_seed(seed):
    """Seed glassnet's random numbers (init, dropout, shuffling, rand*)."""
    _RNG.generator = np.random.default_rng(seed)
    return _RNG.generator


def default_generator():
    return _RNG.generator


def _float_dtype(dtype):
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    return dtype


def _make(array, requires_grad):
    t = Tensor._make(array, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (floats become float32)."""
    if isinstance(data, Tensor):
        data = data.array
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d.array if isinstance(d, Tensor) else d for d in data]
    array = backend.as_array(data, dtype)
    if array is data or (isinstance(data, np.ndarray) and np.shares_memory(array, data)):
        array = array.copy()
    return _make(array, requires_grad)


def as_tensor(data, dtype=None):
    """Like ``tensor`` but shares memory with an array of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` and keeping its dtype."""
    return Tensor._make(np.asarray(array), None, 0)


def zeros(*size, dtype=None, requires_grad=False):
    return _make(np.zeros(_size(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _make(np.ones(_size(size), _float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    return _make(np.full(_size((size,)), fill_value, dtype=np.dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = backend.int64 if ints else backend.get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _make(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    """Uniform on [0, 1)."""
    array = _RNG.generator.random(_size(size)).astype(_float_dtype(dtype))
    return _make(array, requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    """Standard normal."""
    array = _RNG.generator.standard_normal(_size(size)).astype(_float_dtype(dtype))
    return _make(array, requires_grad)


def randint(low, high=None, size=(), dtype=None):
    """Integers uniform on [low, high); ``randint(high, size)`` also works."""
    if isinstance(high, (tuple, list)):  # randint(high, size), as in PyTorch
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if low >= high:
        raise ValueError(f"randint: expected low < high, got low={low} and high={high}")
    array = _RNG.generator.integers(low, high, size=_size((size,)))
    return _make(array.astype(dtype or backend.int64), False)


def randperm(n):
    return _make(_RNG.generator.permutation(n).astype(backend.int64), False)


def normal(mean, std, size, requires_grad=False):
    array = _RNG.generator.normal(mean, std, _size((size,)))
    return _make(array.astype(backend.get_default_dtype()), requires_grad)


def _like(fn):
    def like(input, *args, dtype=None, requires_grad=False, **kwargs):  # noqa: A002
        return fn(input.shape, *args, dtype=dtype or input.dtype, requires_grad=requires_grad, **kwargs)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
rand_like = _like(rand)
randn_like = _like(randn)
empty_like = _like(empty)


def full_like(input, fill_value, dtype=None, requires_grad=False):  # noqa: A002
    return full(input.shape, fill_value, dtype=dtype or input.dtype, requires_grad=requires_grad)
