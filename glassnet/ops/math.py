"""Element-wise arithmetic and functions, broadcasting-aware.

Each backward is written with differentiable ops, so it can itself be
differentiated (double backward).  Binary ops reduce their gradient with
``sum_to`` back to each input's shape.
"""

import numpy as np

from ..autograd import Function, first_order, sum_to_array
from ._util import as_tensor, promote
from ._util import constant as _const
from .shape_grad import sum_to


def _operands(a, b, name="an element-wise op"):
    """Both operands as Tensors of one dtype family, as PyTorch promotes them."""
    a = as_tensor(a, like=b if not hasattr(a, "data") else None)
    b = as_tensor(b, like=a)
    if a.array.dtype != b.array.dtype:
        a, b = promote(a, b)
    if a.shape != b.shape:  # the common equal-shape case costs one tuple comparison
        _check_broadcast(name, a.shape, b.shape)
    return a, b


def _check_broadcast(name, *shapes):
    """A named error instead of NumPy's 'operands could not be broadcast together'."""
    # plain loops over each pair's dims from the right: cheaper than np.broadcast_shapes
    for i, first in enumerate(shapes):
        for other in shapes[i + 1 :]:
            for m, n in zip(reversed(first), reversed(other)):
                if m != n and m != 1 and n != 1:
                    # ValueError, NumPy's type, so code that caught NumPy's error still does
                    raise ValueError(
                        f"{name}: operands could not be broadcast together with shapes "
                        f"{' and '.join(map(str, shapes))}: each dim, counted from the right, "
                        "must be equal or 1 in one of them"
                    )


def _binary(cls, a, b):
    return cls.apply(*_operands(a, b, cls.__name__.lower()))


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        a, b = self.inputs
        if first_order():
            return _const(sum_to_array(g.array, a.shape)), _const(sum_to_array(g.array, b.shape))
        return sum_to(g, a.shape), sum_to(g, b.shape)


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        a, b = self.inputs
        if first_order():
            return _const(sum_to_array(g.array, a.shape)), _const(sum_to_array(-g.array, b.shape))
        return sum_to(g, a.shape), sum_to(-g, b.shape)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs
        if first_order():
            ga = _const(sum_to_array(g.array * b.array, a.shape)) if self.needs_input_grad[0] else None
            gb = _const(sum_to_array(g.array * a.array, b.shape)) if self.needs_input_grad[1] else None
            return ga, gb
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
            ga = g * b * a ** (b - 1)
            if (b.array == 0).any():
                # d(a^0)/da is 0 even at a == 0, where b * a^(b-1) is 0 * inf.
                ga = where(b.array == 0, 0.0, ga)
            ga = sum_to(ga, a.shape)
        if self.needs_input_grad[1]:
            # d(a^b)/db = a^b log a.  At a == 0 with b >= 0 the limit 0 is used;
            # a negative base gives nan, as in PyTorch (no real logarithm).
            at_zero = (a.array == 0) & (b.array >= 0)
            log_a = log(where(at_zero, 1.0, a)) if at_zero.any() else log(a)
            gb = sum_to(g * a**b * log_a, b.shape)
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
    a, b = _operands(a, b, "div")
    if a.array.dtype.kind != "f" and b.array.dtype.kind != "f":
        # True division of integers gives the default float, as in PyTorch.
        from ..backend import get_default_dtype

        a, b = (_const(t.array.astype(get_default_dtype())) for t in (a, b))
    return Div.apply(a, b)


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


def sign(x):
    """-1, 0 or 1 per element; no gradient."""
    return _const(np.sign(x.array))


# -------------------------------------------------------- dtype conversion
class Cast(Function):
    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, g):
        return to(g, self.in_dtype)


def to(x, dtype=None, *args, **kwargs):
    """Convert to ``dtype`` (``Tensor.to``); device strings ('cpu') are accepted and ignored."""
    if isinstance(dtype, str) and dtype == "cpu" or dtype is None:
        dtype = kwargs.get("dtype", args[0] if args else None)
        if dtype is None:
            return x
    dtype = np.dtype(dtype)
    if dtype == x.array.dtype:
        return x
    if x.requires_grad and dtype.kind == "f":
        return Cast.apply(x, dtype=dtype)
    return _const(x.array.astype(dtype))


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
    return _const(np.zeros((), dtype=t.array.dtype))


def where(condition, input=None, other=None):  # noqa: A002 - PyTorch's names
    """Elements of ``input`` where ``condition`` holds, else of ``other``.

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch.
    """
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (then it is nonzero(as_tuple=True))")
    cond = as_tensor(condition)
    if cond.array.dtype != np.bool_:
        cond = _const(cond.array.astype(bool))
    ref = input if hasattr(input, "data") else other if hasattr(other, "data") else None
    a = as_tensor(input, like=ref)
    b = as_tensor(other, like=a)
    if a.array.dtype != b.array.dtype:
        a, b = promote(a, b)
    _check_broadcast("where", cond.shape, a.shape, b.shape)
    return Where.apply(cond, a, b)


class Clamp(Function):
    """``min(max(x, lo), hi)``.  Each output element's gradient goes to the
    input it was copied from: ``x`` inside the range (ends included), else
    the bound it was clipped to; when ``lo > hi`` the result is ``hi``."""

    def forward(self, x, *bounds):
        lo = bounds[0] if self.has_min else None
        hi = bounds[-1] if self.has_max else None
        out = x if lo is None else np.maximum(x, lo)
        out = out if hi is None else np.minimum(out, hi)
        if lo is None:
            self.masks = (x <= hi, None, x > hi)
        elif hi is None:
            self.masks = (x >= lo, x < lo, None)
        else:
            self.masks = ((x >= lo) & (x <= hi), (x < lo) & (lo < hi), (x > hi) | (hi < lo))
        return out

    def backward(self, g):
        masks = [m for m in self.masks if m is not None]
        zero = zeros_like_tensor(g)
        return tuple(
            sum_to(where(m, g, zero), t.shape) if need else None
            for m, t, need in zip(masks, self.inputs, self.needs_input_grad)
        )


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]``; bounds may be numbers or tensors."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    bounds = [as_tensor(v, like=x) for v in (min, max) if v is not None]
    return Clamp.apply(x, *bounds, has_min=min is not None, has_max=max is not None)


def maximum(a, b):
    """Element-wise maximum; a tie splits the gradient evenly, as in PyTorch."""
    return _select_extreme(a, b, np.greater, "maximum")


def minimum(a, b):
    """Element-wise minimum; a tie splits the gradient evenly, as in PyTorch."""
    return _select_extreme(a, b, np.less, "minimum")


def _select_extreme(a, b, better, name):
    a, b = _operands(a, b, name)
    # a NaN wins, so it propagates as in PyTorch (a NaN in b loses every comparison and is kept anyway)
    wins = better(a.array, b.array) | (a.array != a.array)
    ties = a.array == b.array
    # (a + b) / 2 at ties carries half the gradient to each side.
    half = (a + b) * 0.5 if ties.any() else None
    out = where(_const(wins), a, b)
    return out if half is None else where(_const(ties), half, out)
