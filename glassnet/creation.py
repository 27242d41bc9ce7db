"""Making tensors: from data, constants, ranges and random numbers.

Random numbers come from one global ``numpy.random.Generator`` that
``manual_seed`` resets, so a script seeded once is reproducible.

Every creator takes PyTorch's keywords: ``dtype=``, ``requires_grad=``,
``device=`` (the CPU only; a GPU raises, see ``device.py``) and, for the
shaped ones, the shape as ``zeros(2, 3)``, ``zeros((2, 3))`` or
``zeros(size=(2, 3))``.
"""

import numpy as np

from . import backend
from .device import check as _check_device
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


def _make(array, requires_grad, device=None, caller="tensor"):
    _check_device(device, caller)
    t = Tensor._make(array, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size, keyword=None, caller="a creator"):
    """The shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if keyword is not None:
        if size:
            raise TypeError(f"{caller}: the shape is given both positionally {size} and as size={keyword}")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = size[0].tolist()
    try:
        shape = tuple(int(n) for n in size)
    except TypeError:
        raise TypeError(f"{caller}: the shape must be integers, got {size!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{caller}: sizes must be >= 0, got {shape}")
    return shape


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):  # noqa: ARG001
    """A new tensor holding a copy of ``data`` (floats become float32)."""
    if isinstance(data, Tensor):
        data = data.array
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d.array if isinstance(d, Tensor) else d for d in data]
    array = backend.as_array(data, dtype)
    if array is data or (isinstance(data, np.ndarray) and np.shares_memory(array, data)):
        array = array.copy()
    return _make(array, requires_grad, device, "tensor")


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with an array of the right dtype."""
    _check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with ``array`` and keeping its dtype."""
    return Tensor._make(np.asarray(array), None, 0)


def zeros(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _make(np.zeros(_size(shape, size, "zeros"), _float_dtype(dtype)), requires_grad, device, "zeros")


def ones(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _make(np.ones(_size(shape, size, "ones"), _float_dtype(dtype)), requires_grad, device, "ones")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    array = np.full(_size((size,), None, "full"), fill_value, dtype=np.dtype(dtype))
    return _make(array, requires_grad, device, "full")


def empty(*shape, size=None, dtype=None, device=None, requires_grad=False):
    # zeros rather than uninitialised memory: the same cost in NumPy, and nothing random to debug
    return _make(np.zeros(_size(shape, size, "empty"), _float_dtype(dtype)), requires_grad, device, "empty")


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = backend.int64 if ints else backend.get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device, "arange")


def range(start, end, step=1, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """``start, start + step, ...`` up to and *including* ``end``, in the default float dtype.

    PyTorch deprecates it for ``arange`` (whose end is excluded) but d2l and
    older code use it, so it keeps PyTorch's inclusive end.
    """
    if step == 0:
        raise ValueError("range: step must be nonzero")
    count = int(np.floor((end - start) / step + 1e-9)) + 1  # the float slack keeps an end hit by rounding
    values = start + step * np.arange(max(count, 0), dtype=np.float64)
    return _make(values.astype(_float_dtype(dtype)), requires_grad, device, "range")


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    array = np.linspace(start, end, steps).astype(_float_dtype(dtype))
    return _make(array, requires_grad, device, "linspace")


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device, "eye")


def rand(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    rng = generator or _RNG.generator
    array = rng.random(_size(shape, size, "rand")).astype(_float_dtype(dtype))
    return _make(array, requires_grad, device, "rand")


def randn(*shape, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    rng = generator or _RNG.generator
    array = rng.standard_normal(_size(shape, size, "randn")).astype(_float_dtype(dtype))
    return _make(array, requires_grad, device, "randn")


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` also works."""
    if isinstance(high, (tuple, list)):  # randint(high, size), as in PyTorch
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: the size argument is required, e.g. randint(0, 10, size=(5,))")
    if low >= high:
        raise ValueError(f"randint: expected low < high, got low={low} and high={high}")
    array = (generator or _RNG.generator).integers(low, high, size=_size((size,), None, "randint"))
    return _make(array.astype(dtype or backend.int64), requires_grad, device, "randint")


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    array = (generator or _RNG.generator).permutation(n).astype(dtype or backend.int64)
    return _make(array, requires_grad, device, "randperm")


def normal(mean, std, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples: ``normal(0, 1, size=(3, 4))``, or tensors of means and stds, broadcast."""
    means = mean.array if isinstance(mean, Tensor) else mean
    stds = std.array if isinstance(std, Tensor) else std
    if size is None:
        if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
            raise TypeError("normal: with a number as mean and std, give the shape with size=")
        shape = np.broadcast_shapes(np.shape(means), np.shape(stds))
    else:
        shape = _size((size,), None, "normal")
    if np.any(np.asarray(stds) < 0):
        raise RuntimeError("normal: std must be >= 0")
    if dtype is None:
        floats = [t.dtype for t in (mean, std) if isinstance(t, Tensor) and t.dtype.kind == "f"]
        dtype = floats[0] if floats else backend.get_default_dtype()
    array = (generator or _RNG.generator).normal(means, stds, shape)
    return _make(array.astype(dtype), requires_grad, device, "normal")


def _like(fn):
    def like(input, *args, dtype=None, device=None, requires_grad=False, **kwargs):  # noqa: A002
        return fn(input.shape, *args, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad,
                  **kwargs)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and dtype) of ``input``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
rand_like = _like(rand)
randn_like = _like(randn)
empty_like = _like(empty)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)
