"""PyTorch's legacy tensor types: ``FloatTensor([1, 2])``, ``LongTensor(3, 4)``, ``x.type()``.

``torch.FloatTensor`` is both a constructor (from data, or a shape for an
uninitialised tensor; glassnet fills it with zeros) and a class that
``isinstance`` checks a tensor's dtype against; ``x.type()`` names it and
``x.type(torch.float64)`` or ``x.type('torch.LongTensor')`` converts.
"""

import numpy as np

from ..tensor import Tensor
from . import math as M


class _TensorType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        from ..creation import tensor, zeros  # creation imports the ops package

        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            if isinstance(args[0], (tuple, list)) and not args[0]:
                return zeros(0, dtype=cls.dtype, device=device)
            return tensor(args[0], dtype=cls.dtype, device=device)
        return zeros(*args, dtype=cls.dtype, device=device)  # a shape: PyTorch leaves it uninitialised

    def __repr__(cls):
        return f"<class 'glassnet.{cls.__name__}'>"


def _tensor_type(name, dtype):
    doc = f"A {np.dtype(dtype)} tensor, PyTorch's {name}."
    return _TensorType(name, (), {"dtype": np.dtype(dtype), "__doc__": doc})


FloatTensor = _tensor_type("FloatTensor", np.float32)
DoubleTensor = _tensor_type("DoubleTensor", np.float64)
HalfTensor = _tensor_type("HalfTensor", np.float16)
LongTensor = _tensor_type("LongTensor", np.int64)
IntTensor = _tensor_type("IntTensor", np.int32)
ShortTensor = _tensor_type("ShortTensor", np.int16)
CharTensor = _tensor_type("CharTensor", np.int8)
ByteTensor = _tensor_type("ByteTensor", np.uint8)
BoolTensor = _tensor_type("BoolTensor", np.bool_)
TYPES = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor,
         BoolTensor)
_BY_DTYPE = {t.dtype: t for t in TYPES}
_BY_NAME = {f"torch.{t.__name__}": t for t in TYPES} | {f"glassnet.{t.__name__}": t for t in TYPES}


def tensor_type(self, dtype=None, non_blocking=False):  # noqa: ARG001 - nothing is asynchronous on the CPU
    """``x.type()``: the type's name ('torch.FloatTensor', as PyTorch says); ``x.type(dt)``: converted."""
    if dtype is None:
        kind = _BY_DTYPE.get(self.dtype)
        return f"torch.{kind.__name__}" if kind else f"torch.{self.dtype}"
    if isinstance(dtype, str):
        if dtype not in _BY_NAME:
            raise ValueError(f"Tensor.type: unknown type name {dtype!r}, expected e.g. 'torch.FloatTensor'")
        dtype = _BY_NAME[dtype].dtype
    elif isinstance(dtype, _TensorType):
        dtype = dtype.dtype
    return M.to(self, dtype)
