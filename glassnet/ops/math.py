"""Element-wise arithmetic and functions, broadcasting-aware.

Each backward is written with differentiable ops, so it can itself be
differentiated (double backward).  Binary ops reduce their gradient with
``sum_to`` back to each input's shape.
"""

import numpy as np

from ..autograd.function import Function
from ._util import as_tensor
from .shape_grad import sum_to


def _binary(cls, a, b):
    a = as_tensor(a, like=b if not hasattr(a, "data") else None)
    b = as_tensor(b, like=a)
    return cls.apply(a, b)


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(g, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(g * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g / b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(-g * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(g * b * a ** (b - 1), a.shape)
        if self.needs_input_grad[1]:
            # d(a^b)/db = a^b log a; where a == 0 the limit is taken as 0.
            safe_log = log(where(a > 0, a, 1.0))
            gb = sum_to(g * a**b * safe_log, b.shape)
        return ga, gb


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


def add(a, b):
    return _binary(Add, a, b)


def sub(a, b):
    return _binary(Sub, a, b)


def mul(a, b):
    return _binary(Mul, a, b)


def div(a, b):
    return _binary(Div, a, b)


def pow(a, b):  # noqa: A001 - PyTorch's name
    return _binary(Pow, a, b)


def neg(x):
    return Neg.apply(x)


# ----------------------------------------------------------- unary functions
class Exp(Function):
    save_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output()


class Log(Function):
    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        return g / self.inputs[0]


class Sqrt(Function):
    save_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (2 * self.output())


class Abs(Function):
    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        return g * sign(self.inputs[0])


class Sin(Function):
    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        return g * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        return -g * sin(self.inputs[0])


class Tanh(Function):
    save_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        y = self.output()
        return g * (1 - y * y)


class Sigmoid(Function):
    save_output = True

    def forward(self, x):
        # exp of a non-positive number only, so large |x| never overflows.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, g):
        y = self.output()
        return g * y * (1 - y)


class Relu(Function):
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, g):
        return g * self.mask_tensor()

    def mask_tensor(self):
        return _constant(self.mask)


def _constant(array):
    from ..tensor import Tensor

    return Tensor._make(array, None, 0)


def exp(x):
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def abs(x):  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return Relu.apply(x)


def sign(x):
    """-1, 0 or 1 per element; no gradient."""
    return _constant(np.sign(x.data))


# ------------------------------------------------ selection: clamp, where, max
class Where(Function):
    def forward(self, cond, a, b):
        return np.where(cond, a, b)

    def backward(self, g):
        cond, a, b = self.inputs
        zero = zeros_like_tensor(g)
        ga = sum_to(where(cond, g, zero), a.shape) if self.needs_input_grad[1] else None
        gb = sum_to(where(cond, zero, g), b.shape) if self.needs_input_grad[2] else None
        return None, ga, gb


def zeros_like_tensor(t):
    return _constant(np.zeros((), dtype=t.data.dtype))


def where(condition, input, other):  # noqa: A002 - PyTorch's names
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    cond = as_tensor(condition)
    if cond.data.dtype != np.bool_:
        cond = _constant(cond.data.astype(bool))
    ref = input if hasattr(input, "data") else other if hasattr(other, "data") else None
    a = as_tensor(input, like=ref)
    b = as_tensor(other, like=a)
    return Where.apply(cond, a, b)


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]``; the gradient is zero where clipped."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    keep = np.ones(x.shape, dtype=bool)
    if min is not None:
        keep &= x.data >= (min.data if hasattr(min, "data") else min)
    if max is not None:
        keep &= x.data <= (max.data if hasattr(max, "data") else max)
    lo = x.data if min is None else np.maximum(x.data, getattr(min, "data", min))
    clipped = lo if max is None else np.minimum(lo, getattr(max, "data", max))
    return where(_constant(keep), x, _constant(clipped.astype(x.data.dtype, copy=False)))


def maximum(a, b):
    """Element-wise maximum; a tie splits the gradient evenly, as in PyTorch."""
    return _select_extreme(a, b, np.greater)


def minimum(a, b):
    """Element-wise minimum; a tie splits the gradient evenly, as in PyTorch."""
    return _select_extreme(a, b, np.less)


def _select_extreme(a, b, better):
    a = as_tensor(a, like=b if not hasattr(a, "data") else None)
    b = as_tensor(b, like=a)
    wins = better(a.data, b.data)
    ties = a.data == b.data
    # (a + b) / 2 at ties carries half the gradient to each side.
    half = (a + b) * 0.5 if ties.any() else None
    out = where(_constant(wins), a, b)
    return out if half is None else where(_constant(ties), half, out)
