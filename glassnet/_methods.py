"""Attach operators and methods to Tensor, each forwarding to its op.

Kept apart from ``tensor.py`` so that the class says what a tensor is and
this table says what it can do, with PyTorch's method names.
"""

import numpy as np

from . import device as D
from .autograd import is_recording
from .ops import activation as A
from .ops import elementwise as E
from .ops import indexing as I
from .ops import inplace, linalg, scan
from .ops import linalg_more as LM
from .ops import math as M
from .ops import reduce as R
from .ops import shape as S
from .ops._util import as_tensor
from .ops.math import to
from .ops.tensor_types import tensor_type
from .tensor import Tensor


def _compare(op, name):
    def method(self, other):
        other = other.array if isinstance(other, Tensor) else other
        if np.shape(other) != self.shape:
            M._check_broadcast(name, self.shape, np.shape(other))
        return Tensor._make(np.asarray(op(self.array, other)), None, 0)

    return method


def _reflected(fn):
    return lambda self, other: fn(as_tensor(other, like=self), self)


def _inplace(fn, name):
    def method(self, other):
        other_t = as_tensor(other, like=self)
        if is_recording(self, other_t):
            if self.is_leaf and self.requires_grad:
                raise RuntimeError(
                    f"a leaf tensor that requires grad is used in an in-place {name}; "
                    "wrap parameter updates in `with glassnet.no_grad():`"
                )
            return fn(self, other_t)  # inside a graph: rebind, keep history
        result = fn(self.detach(), other_t.detach()).array
        self.array[...] = result
        return self

    return method


def _inplace_named(fn, name):
    """``add_`` & co: PyTorch's in-place methods, for tensors outside any graph.

    Unlike ``+=`` (which may rebind a name to a new graph node), a method
    call must change this very tensor, which glassnet cannot do while the
    tensor is part of a recorded graph.
    """

    def method(self, other, *, alpha=None):
        other_t = as_tensor(other, like=self)
        if is_recording(self, other_t):
            raise RuntimeError(
                f"{name}: in-place update of a tensor that takes part in autograd; "
                f"do it under `with glassnet.no_grad():`, or write `x = x {name[:-1]} ...`"
            )
        if alpha is not None:
            other_t = M.mul(other_t.detach(), alpha)
        self.array[...] = fn(self.detach(), other_t.detach()).array
        return self

    return method


def _setitem(self, index, value):
    if is_recording(self):
        raise RuntimeError(
            "in-place assignment into a tensor that requires grad; "
            "do it under `with glassnet.no_grad():` or on a detached tensor"
        )
    index = S._unwrap_index(index)
    value = value.array if isinstance(value, Tensor) else value
    try:
        self.array[index] = value
    except ValueError:
        # PyTorch drops a value's leading size-1 dims (t[i, j] = a (1, 1) tensor); NumPy refuses a
        # 2-d array stored into one element, so drop them and try once more.
        value = np.asarray(value)
        kept = next((d for d, n in enumerate(value.shape) if n != 1), value.ndim)
        if kept == 0:
            raise
        self.array[index] = value.reshape(value.shape[kept:])


def _view(self, *shape):
    return S.reshape(self, *shape)


def _expand_as(self, other):
    return S.expand(self, other.shape)


METHODS = {
    # arithmetic
    "__add__": M.add, "__radd__": _reflected(M.add),
    "__sub__": M.sub, "__rsub__": _reflected(M.sub),
    "__mul__": M.mul, "__rmul__": _reflected(M.mul),
    "__truediv__": M.div, "__rtruediv__": _reflected(M.div),
    "__pow__": M.pow, "__rpow__": _reflected(M.pow),
    "__matmul__": linalg.matmul, "__rmatmul__": _reflected(linalg.matmul),
    "__neg__": M.neg, "__pos__": lambda self: self,
    "__iadd__": _inplace(M.add, "+="), "__isub__": _inplace(M.sub, "-="),
    "__imul__": _inplace(M.mul, "*="), "__itruediv__": _inplace(M.div, "/="),
    "add_": _inplace_named(M.add, "add_"), "sub_": _inplace_named(M.sub, "sub_"),
    "mul_": _inplace_named(M.mul, "mul_"), "div_": _inplace_named(M.div, "div_"),
    "add": M.add, "sub": M.sub, "mul": M.mul, "div": M.div, "pow": M.pow, "neg": M.neg,
    "matmul": linalg.matmul,
    # comparisons (no gradient)
    "__eq__": _compare(np.equal, "eq"), "__ne__": _compare(np.not_equal, "ne"),
    "__lt__": _compare(np.less, "lt"), "__le__": _compare(np.less_equal, "le"),
    "__gt__": _compare(np.greater, "gt"), "__ge__": _compare(np.greater_equal, "ge"),
    "eq": _compare(np.equal, "eq"), "ne": _compare(np.not_equal, "ne"),
    "lt": _compare(np.less, "lt"), "le": _compare(np.less_equal, "le"),
    "gt": _compare(np.greater, "gt"), "ge": _compare(np.greater_equal, "ge"),
    # element-wise
    "exp": M.exp, "log": M.log, "sqrt": M.sqrt, "abs": M.abs, "__abs__": M.abs,
    "sin": M.sin, "cos": M.cos, "tanh": A.tanh, "sigmoid": A.sigmoid, "relu": A.relu,
    "clamp": M.clamp, "clip": M.clamp, "maximum": M.maximum, "minimum": M.minimum,
    "sign": M.sign,
    "where": lambda self, condition, other: M.where(condition, self, other),
    # reductions
    "sum": R.sum, "mean": R.mean, "max": R.max, "min": R.min, "amax": R.amax,
    "amin": R.amin, "var": R.var, "std": R.std, "logsumexp": R.logsumexp,
    "argmax": R.argmax, "argmin": R.argmin,
    "any": lambda self, dim=None: Tensor._make(np.asarray(self.array.any(axis=dim)), None, 0),
    "all": lambda self, dim=None: Tensor._make(np.asarray(self.array.all(axis=dim)), None, 0),
    # shape
    "reshape": S.reshape, "view": _view, "view_as": lambda self, other: S.reshape(self, other.shape),
    "permute": S.permute, "transpose": S.transpose,
    "t": S.t, "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "flatten": S.flatten,
    "expand": S.expand, "expand_as": _expand_as, "repeat": S.repeat, "split": S.split,
    "chunk": S.chunk, "__getitem__": S.getitem, "__setitem__": _setitem,
    # dtype
    "to": to, "float": lambda self: to(self, np.float32), "double": lambda self: to(self, np.float64),
    "long": lambda self: to(self, np.int64), "int": lambda self: to(self, np.int32),
    "bool": lambda self: to(self, np.bool_), "type_as": lambda self, other: to(self, other.dtype),
    "clone": lambda self: self * 1 if self.requires_grad else Tensor._make(self.array.copy(), None, 0),
    "cpu": lambda self: self,
}


# PyTorch's names d2l uses (docs/pytorch_names.md).
TORCH_NAMES = {
    "norm": LM.norm, "dot": LM.dot, "mm": LM.mm, "mv": LM.mv, "bmm": LM.bmm,
    "cumsum": scan.cumsum, "sinh": E.sinh, "cosh": E.cosh, "prelu": E.prelu,
    "softmax": A.softmax, "log_softmax": A.log_softmax,
    "nonzero": I.nonzero, "argsort": I.argsort, "unique": I.unique, "repeat_interleave": I.repeat_interleave,
    "swapaxes": I.swapaxes, "swapdims": I.swapdims,
    "to": D.tensor_to, "cpu": D.tensor_cpu, "cuda": D.tensor_cuda, "type": tensor_type,
    **inplace.METHODS,
}


def install():
    for name, fn in {**METHODS, **TORCH_NAMES}.items():
        setattr(Tensor, name, fn)
    Tensor.device = property(D.tensor_device)
    Tensor.T = property(S.t)
    Tensor.mT = property(lambda self: S.transpose(self, -2, -1))
