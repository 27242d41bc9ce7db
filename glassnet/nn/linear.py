"""Dense layers: ``Linear``, ``LazyLinear`` (Keras' ``Dense``) and ``Identity``."""

import math

import numpy as np

from .. import backend
from ..ops import linalg
from . import init
from .lazy import LazyModuleMixin
from .module import Module, Parameter


class Identity(Module):
    """Returns its input; a placeholder where a layer is optional."""

    flops_per_output_element = 0

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features).

    Initialised as in PyTorch: W ~ U(-1/sqrt(in), 1/sqrt(in)) (Kaiming
    uniform with a = sqrt(5)), and b from the same range.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_affine_(self.weight, self.bias)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        try:  # the op checks; the layer only says which layer it was
            return linalg.linear(input, self._parameters["weight"], self._parameters["bias"])
        except (RuntimeError, TypeError) as error:
            raise self.named_error(error) from None

    def flops(self, in_shape, out_shape):
        # One multiply-add per weight and output row; the bias add replaces the one addition
        # a dot product of length in_features does not need, so the count is exact with a bias.
        return 2 * self.in_features * self.out_features * math.prod(out_shape[:-1])

    def _describe(self):
        return f"{type(self).__name__}(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear layer that learns ``in_features`` from its first input (Keras's ``Dense(units)``).

    Until then its weight and bias are uninitialized parameters (see
    ``nn/lazy.py``); an optimizer may be built from ``model.parameters()``
    before the first call, as in PyTorch. Then it becomes a plain ``Linear``.
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, dtype=None):
        Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self._leave_open(dtype, parameters={"weight": True, "bias": bias})

    def infer_sizes(self, input):  # noqa: A002 - PyTorch's name
        if input.ndim == 0:
            raise RuntimeError(f"LazyLinear(out_features={self.out_features}): expected at least 1-d input, "
                               "got a scalar")
        self.in_features = input.shape[-1]

    def infer_sizes_from_state(self, tensors):
        weight = tensors.get("weight")
        if weight is None or np.ndim(weight) != 2:
            return False
        self.in_features = np.shape(weight)[1]
        return True

    def open_shapes(self):
        return {"weight": (self.out_features, self.in_features), "bias": (self.out_features,)}
