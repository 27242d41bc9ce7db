"""Dense layers: ``Linear``, ``LazyLinear`` (Keras' ``Dense``) and ``Identity``."""


import numpy as np

from .. import backend
from ..ops import linalg
from . import init
from .module import Module, Parameter


class Identity(Module):
    """Returns its input; a placeholder where a layer is optional."""

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
        weight, bias = self._parameters["weight"], self._parameters["bias"]
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise RuntimeError(
                f"{self._describe()}: expected input with last dimension {self.in_features}, "
                f"got shape {tuple(input.shape)}"
            )
        if input.data.dtype != weight.data.dtype:
            raise TypeError(
                f"{self._describe()}: input has dtype {input.dtype} but the weights are "
                f"{weight.dtype}; convert the input (.float() / .double()) or the model (.to(dtype))"
            )
        if bias is None:
            return linalg.Linear.apply(input, weight)
        return linalg.Linear.apply(input, weight, bias)

    def _describe(self):
        return f"{type(self).__name__}(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class LazyLinear(Linear):
    """A Linear layer that learns ``in_features`` from its first input.

    ``LazyLinear(10)`` is Keras' ``Dense(10)``: you give only the output
    size.  Its parameters do not exist until the first call (or until
    ``load_state_dict`` gives their shapes), so run one batch through the
    model *before* building an optimizer from ``model.parameters()``.  After
    that the layer turns into a plain ``Linear``, as in PyTorch.
    """

    def __init__(self, out_features, bias=True, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self._use_bias = bias
        self._dtype = dtype
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.in_features:
            super().reset_parameters()

    def _materialize(self, in_features, dtype):
        """Create the parameters now that ``in_features`` is known."""
        dtype = np.dtype(self._dtype or dtype)
        self.in_features = in_features
        self.weight = Parameter(np.empty((self.out_features, in_features), dtype))
        if self._use_bias:
            self.bias = Parameter(np.empty(self.out_features, dtype))
        for name in ("_use_bias", "_dtype"):
            del self.__dict__[name]
        self.__class__ = Linear
        self.reset_parameters()

    def _materialize_from_state(self, state_dict, prefix):
        weight = state_dict.get(prefix + "weight")
        if weight is not None and np.ndim(weight) == 2:
            self._materialize(np.shape(weight)[1], backend.get_default_dtype())

    def extra_repr(self):
        return f"in_features=0, out_features={self.out_features}, bias={self._use_bias}"

    def forward(self, input):  # noqa: A002 - PyTorch's name
        if input.ndim == 0:
            raise RuntimeError(f"{self._describe()}: expected at least 1-d input, got a scalar")
        dtype = input.dtype if input.dtype.kind == "f" else backend.get_default_dtype()
        self._materialize(input.shape[-1], dtype)
        return self.forward(input)
