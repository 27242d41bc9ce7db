"""Keras's core layers over glassnet's ops: Dense is a linear map and an activation.

``Dense(units, activation='relu')`` computes ``relu(x @ W.T + b)`` with
glassnet's fused ``linear`` op. Its weight is kept in glassnet's (and
PyTorch's) layout, (units, in_features); ``get_weights``/``set_weights``
and ``kernel`` give Keras's (in_features, units).
"""

import math

from ... import backend, nn
from ...ops.dropout import dropout, shaped_dropout
from ...ops.linalg import linear
from ...ops.shape import permute, reshape, unsqueeze
from .. import activations
from ..functional import KerasTensor
from .base import Layer, _shape_tuple
from .masking import SupportsMasking


def _transpose(array):
    return array.T


class Dense(SupportsMasking, Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units < 1:
            raise ValueError(f"{self.name}: units must be a positive int, got {units!r}")
        if kernel_constraint is not None or bias_constraint is not None:
            raise NotImplementedError(f"{self.name}: weight constraints are not supported by glassnet.keras")
        self.units, self.use_bias, self.in_features = units, use_bias, None
        self.activation = activations.get(activation)
        self.declare_kernel_and_bias("weight", kernel_initializer, kernel_regularizer, use_bias,
                                     bias_initializer, bias_regularizer)
        if activity_regularizer is not None:  # a penalty on the outputs: not kept silently
            raise NotImplementedError(f"{self.name}: activity_regularizer is not supported by "
                                      "glassnet.keras; kernel_regularizer penalises the weights")

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"{self.name} expects inputs of shape (None, ..., features); got {input_shape}")
        self.in_features = input_shape[-1]
        self.make_weights({"weight": (self.units, self.in_features), "bias": (self.units,)})

    def pre_activation(self, x):
        """``x @ W.T + b``, before the activation (the loss takes a final softmax's logits from here)."""
        if not self.built:
            self._build_for(x)
        if x.ndim < 2 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self.name} expects inputs of shape (None, {self.in_features}); got "
                             f"{tuple(x.shape)}" + ("; add a Flatten layer or reshape the data"
                                                    if x.ndim > 2 else ""))
        return linear(x, self.weight, self.bias)

    def call(self, x):
        y = self.pre_activation(x)
        return y if self.activation is None else self.activation(y)

    def split_activation(self):
        """``(pre_activation, activation)``: the seam the loss uses to skip a final softmax/sigmoid."""
        return self.pre_activation, self.activation

    @property
    def kernel(self):
        return self.weight.t()

    def keras_weights(self):
        entries = [("kernel", self.weight, _transpose, _transpose)]
        return entries + ([("bias", self.bias, None, None)] if self.bias is not None else [])

    def flops(self, in_shape, out_shape):
        return 2 * self.units * in_shape[-1] * math.prod(out_shape[:-1])

    def extra_repr(self):
        activation = activations.serialize(self.activation)
        return f"name={self.name!r}, units={self.units}, activation={activation!r}"


class Activation(SupportsMasking, Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation) or nn.Identity()

    def call(self, x):
        return self.activation(x)

    def split_activation(self):
        return (lambda x: x), self.activation


class Dropout(SupportsMasking, Layer):
    """Keras's Dropout: ``rate`` is the fraction dropped, only while training.

    ``noise_shape`` (None entries: the input's size) draws one mask of that
    shape, broadcast over the input: (batch, 1, features) drops the same
    features at every step.
    """

    flops_per_output_element = 0

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"{self.name}: rate must be in [0, 1), got {rate!r}")
        self.rate, self.noise_shape = rate, None if noise_shape is None else tuple(noise_shape)

    def call(self, x):
        shape = self._noise_shape(x)
        if shape is None:
            return dropout(x, self.rate, self.training)
        return shaped_dropout(x, self.rate, shape, self.training)

    def _noise_shape(self, x):
        if self.noise_shape is None:
            return None
        return tuple(n if d is None else d for d, n in zip(self.noise_shape, x.shape))


class Flatten(Layer):
    flops_per_output_element = 0

    def call(self, x):
        # the size written out: with a batch of 0, -1 would be ambiguous
        return reshape(x, (x.shape[0], math.prod(x.shape[1:])))


class Reshape(Layer):
    flops_per_output_element = 0

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, x):
        try:
            return reshape(x, (x.shape[0],) + self.target_shape)
        except (RuntimeError, ValueError) as error:
            raise ValueError(f"{self.name}: cannot reshape inputs of shape {tuple(x.shape)} to "
                             f"(None, {', '.join(map(str, self.target_shape))}): {error}") from None


class Permute(Layer):
    """Reorders the axes after the batch: ``dims`` counts them from 1, as Keras does."""

    flops_per_output_element = 0

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)

    def call(self, x):
        return permute(x, (0,) + self.dims)


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    flops_per_output_element = 0

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = n

    def call(self, x):
        if x.ndim != 2:
            raise ValueError(f"{self.name} expects inputs of shape (None, features); got {tuple(x.shape)}")
        return unsqueeze(x, 1).expand(x.shape[0], self.n, x.shape[1])


class InputLayer(Layer):
    """Holds the model's input shape; passes its input on, after checking it."""

    flops_per_output_element = 0

    def __init__(self, input_shape=None, batch_size=None, name=None, shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        super().__init__(name=name, input_shape=shape, **kwargs)

    def call(self, x):
        expected = self.input_spec_shape
        if expected is not None and (x.ndim != len(expected) + 1 or any(
                e is not None and e != d for e, d in zip(expected, x.shape[1:]))):
            raise ValueError(f"{self.name} expects inputs of shape (None, {', '.join(map(str, expected))}); "
                             f"got {tuple(x.shape)}")
        return x


def Input(shape=None, batch_size=None, name=None, dtype=None, **kwargs):  # noqa: N802 - Keras's name
    """A symbolic model input (the functional API); also the first entry of a ``Sequential``."""
    layer = InputLayer(input_shape=_shape_tuple(shape, "Input"), batch_size=batch_size, name=name,
                       dtype=dtype)
    tensor = KerasTensor((None,) + layer.input_spec_shape, dtype or backend.get_default_dtype(), layer)
    layer.__dict__["output"] = tensor
    return tensor
