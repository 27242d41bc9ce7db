"""``out=`` for the simple functions (``torch.add(x, y, out=z)``, ``torch.exp(x, out=z)``).

The result is written into ``out``'s own array (same object, so ``id(out)``
does not change), cast to ``out``'s dtype, and ``out`` is returned. As in
PyTorch, this is outside autograd: a call whose inputs require a gradient
is refused while recording. If the shape differs, ``out`` takes the
result's shape (PyTorch resizes it too, with a warning).
"""

import functools

from ..autograd import is_recording
from ..tensor import Tensor


def _write(result, out, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out= must be a tensor, got {type(out).__name__}")
    values = result.array
    if values.dtype.kind == "f" and out.dtype.kind in "biu":
        raise RuntimeError(f"{name}: result type {values.dtype} can't be cast to the out= dtype {out.dtype}")
    if out.shape == values.shape:
        out.array[...] = values
    else:
        out.array = values.astype(out.dtype)
    return out


def with_out(fn, name=None, alpha=False):
    """``fn`` with PyTorch's ``out=`` keyword (and ``alpha=`` for add/sub: ``a + alpha * b``)."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if alpha:
            scale = kwargs.pop("alpha", 1)
            if scale != 1:
                args = (args[0], args[1] * scale) + tuple(args[2:])
        if out is None:
            return fn(*args, **kwargs)
        flat = [t for a in args for t in (a if isinstance(a, (list, tuple)) else [a])]  # cat's list
        tensors = [t for t in flat if isinstance(t, Tensor)]
        if is_recording(*tensors):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                "but one of the arguments requires grad"
            )
        return _write(fn(*args, **kwargs), out, name)

    return call


# The functions that take out= here; add and sub also take alpha=.
OUT_FUNCTIONS = ("add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "sin", "cos",
                 "sinh", "cosh", "tanh", "sigmoid", "maximum", "minimum", "clamp", "where", "matmul", "mm",
                 "bmm", "mv", "dot", "cumsum", "cat", "stack")


def install(namespace):
    """Give the functions named in ``namespace`` (``glassnet``'s globals) the ``out=`` keyword."""
    for name in OUT_FUNCTIONS:
        namespace[name] = with_out(namespace[name], name, alpha=name in ("add", "sub"))
