"""Keras's depthwise and separable convolutions, over glassnet's grouped convolution.

A depthwise convolution filters each input channel on its own with
``depth_multiplier`` kernels: glassnet's convolution with one group per
channel. Keras orders the outputs channel by channel (channel c's kernels
give outputs c * depth_multiplier + 0, 1, ...), which is how the groups
of a grouped convolution are laid out too, so Keras's kernel
(kh, kw, channels, depth_multiplier) is glassnet's
(channels * depth_multiplier, 1, kh, kw) after a transpose and a reshape.
A separable convolution is a depthwise one followed by a 1x1 convolution
that mixes the channels; it needs far fewer weights than a full
convolution (Xception, chapter 9 of the book).
"""

import math

import numpy as np

from .. import activations, initializers, regularizers
from .base import Layer
from .conv import _tuple, check_rank, convolve, split_own_activation


def _depthwise_to_keras(w, rank, multiplier):
    """(channels * m, 1, k...) -> Keras's (k..., channels, m)."""
    w = w.reshape((-1, multiplier) + w.shape[2:])
    return w.transpose(tuple(range(2, rank + 2)) + (0, 1))


def _depthwise_from_keras(a, rank):
    """Keras's (k..., channels, m) -> (channels * m, 1, k...)."""
    a = a.transpose((rank, rank + 1) + tuple(range(rank)))
    return a.reshape((-1, 1) + a.shape[2:])


class _DepthwiseBase(Layer):
    """What the depthwise and the separable layers share: arguments, the depthwise kernel, the call."""

    rank = 2
    depthwise_name = "kernel"  # Keras's name for it; the separable layers call it depthwise_kernel

    def _setup(self, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
               activation, use_bias, depthwise_initializer, depthwise_regularizer, bias_initializer,
               bias_regularizer, unsupported):
        n = self.rank
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self.name}: only data_format='channels_last' (Keras's default) is supported")
        if padding not in ("valid", "same"):
            raise ValueError(f"{self.name}: padding must be 'valid' or 'same', got {padding!r}")
        if any(c is not None for c in unsupported):
            raise NotImplementedError(f"{self.name}: weight constraints and activity_regularizer are not "
                                      "supported by glassnet.keras")
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", self.name)
        self.strides = _tuple(strides, n, "strides", self.name)
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate", self.name)
        self.padding, self.depth_multiplier, self.use_bias = padding, depth_multiplier, use_bias
        self.activation = activations.get(activation)
        self.declare_kernel_and_bias("depthwise_weight", depthwise_initializer, depthwise_regularizer,
                                     use_bias, bias_initializer, bias_regularizer)

    def _check(self, shape):
        check_rank(self, shape)

    def _depthwise(self, x, bias):
        self._check(x.shape)
        channels = x.shape[-1]
        return convolve(x, self.depthwise_weight, bias, self.strides, self.padding, self.dilation_rate,
                        channels)

    def _depthwise_entry(self):
        n, m = self.rank, self.depth_multiplier
        return (self.depthwise_name, self.depthwise_weight, lambda w: _depthwise_to_keras(w, n, m),
                lambda a: _depthwise_from_keras(a, n))

    def split_activation(self):
        return split_own_activation(self)

    def extra_repr(self):
        return (f"name={self.name!r}, kernel_size={self.kernel_size}, strides={self.strides}, "
                f"padding={self.padding!r}, depth_multiplier={self.depth_multiplier}")


class DepthwiseConv2D(_DepthwiseBase):
    rank = 2

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
                    use_bias, depthwise_initializer, depthwise_regularizer, bias_initializer,
                    bias_regularizer, (depthwise_constraint, bias_constraint, activity_regularizer))

    def build(self, input_shape):
        self._check(input_shape)
        outputs = input_shape[-1] * self.depth_multiplier
        self.make_weights({"depthwise_weight": (outputs, 1) + self.kernel_size, "bias": (outputs,)})

    def call(self, x):
        y = self._depthwise(x, self.bias)
        return y if self.activation is None else self.activation(y)

    def keras_weights(self):
        return [self._depthwise_entry()] + ([("bias", self.bias, None, None)] if self.use_bias else [])

    def flops(self, in_shape, out_shape):
        return 2 * math.prod(self.kernel_size) * math.prod(out_shape)


class SeparableConv2D(_DepthwiseBase):
    rank = 2
    depthwise_name = "depthwise_kernel"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
                    use_bias, depthwise_initializer, depthwise_regularizer, bias_initializer,
                    bias_regularizer,
                    (depthwise_constraint, pointwise_constraint, bias_constraint, activity_regularizer))
        self.declare_weight("pointwise_weight", initializers.get(pointwise_initializer),
                            regularizers.get(pointwise_regularizer))

    def build(self, input_shape):
        self._check(input_shape)
        middle = input_shape[-1] * self.depth_multiplier
        self.make_weights({"depthwise_weight": (middle, 1) + self.kernel_size,
                           "pointwise_weight": (self.filters, middle) + (1,) * self.rank,
                           "bias": (self.filters,)})

    def call(self, x):
        y = self._depthwise(x, None)
        y = convolve(y, self.pointwise_weight, self.bias, (1,) * self.rank, "valid", (1,) * self.rank)
        return y if self.activation is None else self.activation(y)

    def keras_weights(self):
        back = tuple(range(2, self.rank + 2)) + (1, 0)  # (filters, in, 1...) <-> Keras's (1..., in, filters)
        forth = tuple(int(i) for i in np.argsort(back))
        entries = [self._depthwise_entry(),
                   ("pointwise_kernel", self.pointwise_weight, lambda a: a.transpose(back),
                    lambda a: a.transpose(forth))]
        return entries + ([("bias", self.bias, None, None)] if self.use_bias else [])

    def flops(self, in_shape, out_shape):
        middle = in_shape[-1] * self.depth_multiplier
        depthwise = 2 * math.prod(self.kernel_size) * middle * math.prod(out_shape[:-1])
        return depthwise + 2 * middle * math.prod(out_shape)


class DepthwiseConv1D(DepthwiseConv2D):
    rank = 1


class SeparableConv1D(SeparableConv2D):
    rank = 1
