"""Keras's convolution and pooling layers: channels-last images over glassnet's channels-first ops.

Keras images are (batch, height, width, channels); glassnet's convolution
works on (batch, channels, height, width). A layer here turns its input
around, runs glassnet's op, and turns the output back. The kernel is kept
in glassnet's layout (filters, channels, kh, kw); ``get_weights`` gives
Keras's (kh, kw, channels, filters).
"""

import math

import numpy as np

from ...kernels.windows import make_geometry
from ...ops import pool as P
from ...ops._util import constant
from ...ops.conv import conv1d, conv2d
from ...ops.conv_pool import conv_max_pool
from ...ops.shape import pad, permute, squeeze, unsqueeze
from .. import activations
from .base import Layer
from .masking import SupportsMasking, mask_of


def _tuple(value, n, what, who):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(value) != n or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValueError(f"{who}: {what} must be a positive int or {n} of them, got {value!r}")
    return value


def _same_pads(size, kernel, stride, dilation):
    """TensorFlow's 'same' padding (before, after) per axis: the odd pixel goes after."""
    pads = []
    for n, k, s, d in zip(size, kernel, stride, dilation):
        total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _to_channels_first(x, n):
    return permute(x, (0, n + 1) + tuple(range(1, n + 1)))


def _to_channels_last(y, n):
    return permute(y, (0,) + tuple(range(2, n + 2)) + (1,))


def convolve(x, weight, bias, strides, padding, dilation, groups=1):
    """Keras's convolution of channels-last ``x`` by a glassnet-layout ``weight`` (filters, in, k...)."""
    n = x.ndim - 2
    x = _to_channels_first(x, n)
    pads = 0
    if padding == "same":
        pairs = _same_pads(x.shape[2:], weight.shape[2:], strides, dilation)
        if all(a == b for a, b in pairs):
            pads = tuple(a for a, _ in pairs)
        else:
            x = pad(x, [p for pair in reversed(pairs) for p in pair])
    if n == 1:
        strides, dilation, pads = strides[0], dilation[0], pads if pads == 0 else pads[0]
    y = (conv2d if n == 2 else conv1d)(x, weight, bias, strides, pads, dilation, groups)
    return _to_channels_last(y, n)


def split_own_activation(layer):
    """``(the layer without its activation, the activation)``: the seam the loss uses to skip a final
    softmax/sigmoid (``training/objective.py``)."""
    def without_activation(x):
        activation, layer.activation = layer.activation, None
        try:
            return layer.call(x)
        finally:
            layer.activation = activation

    return without_activation, layer.activation


def check_rank(layer, shape):
    """A convolution's input must be (batch, steps, channels) or (batch, height, width, channels)."""
    if len(shape) != layer.rank + 2:
        dims = "steps" if layer.rank == 1 else "height, width"
        raise ValueError(f"{layer.name} expects channels-last inputs (None, {dims}, channels); got "
                         f"{tuple(shape)}")


class _Conv(Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, groups=1,
                 **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self.name}: only data_format='channels_last' (Keras's default) is supported")
        if padding not in ("valid", "same"):
            raise ValueError(f"{self.name}: padding must be 'valid' or 'same', got {padding!r}")
        self.filters, self.padding, self.groups, self.use_bias = filters, padding, groups, use_bias
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", self.name)
        self.strides = _tuple(strides, n, "strides", self.name)
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate", self.name)
        self.activation = activations.get(activation)
        self.declare_kernel_and_bias("weight", kernel_initializer, kernel_regularizer, use_bias,
                                     bias_initializer, bias_regularizer)

    def build(self, input_shape):
        check_rank(self, input_shape)
        self.in_channels = input_shape[-1]
        if self.in_channels % self.groups:
            raise ValueError(f"{self.name}: {self.in_channels} input channels are not divisible by "
                             f"groups={self.groups}")
        shape = (self.filters, self.in_channels // self.groups) + self.kernel_size
        self.make_weights({"weight": shape, "bias": (self.filters,)})

    def call(self, x):
        n = self.rank
        if x.ndim != n + 2 or x.shape[-1] != self.in_channels:
            raise ValueError(f"{self.name} expects channels-last inputs with {self.in_channels} channels "
                             f"(the last axis); got shape {tuple(x.shape)}")
        y = convolve(x, self.weight, self.bias, self.strides, self.padding, self.dilation_rate, self.groups)
        return y if self.activation is None else self.activation(y)

    def split_activation(self):
        return split_own_activation(self)

    def max_pooled(self, x, pool):
        """``pool`` of this convolution before its activation, as one tiled step (ops/conv_pool.py)
        where that applies, else None (glassnet/nn/fusion.py then runs the layers)."""
        if type(self) is not Conv2D or not self.built or self.groups != 1 or getattr(x, "ndim", 0) != 4:
            return None
        if x.shape[-1] != self.in_channels:
            return None
        x = _to_channels_first(x, 2)
        pads = ((0, 0), (0, 0))
        if self.padding == "same":
            pads = tuple(_same_pads(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate))
        try:
            geom = make_geometry(self.name, x.shape[2:], self.kernel_size, self.strides, self.dilation_rate,
                                 pads)
        except (RuntimeError, ValueError):
            return None
        y = conv_max_pool(x, self.weight, self.bias, geom, pool)
        return None if y is None else _to_channels_last(y, 2)

    def keras_weights(self):
        order = tuple(range(2, self.rank + 2)) + (1, 0)  # (filters, in, k...) -> (k..., in, filters)
        back = tuple(int(i) for i in np.argsort(order))  # the inverse permutation
        entries = [("kernel", self.weight, lambda a: a.transpose(order), lambda a: a.transpose(back))]
        return entries + ([("bias", self.bias, None, None)] if self.bias is not None else [])

    def flops(self, in_shape, out_shape):
        return 2 * (self.in_channels // self.groups) * math.prod(self.kernel_size) * math.prod(out_shape)

    def extra_repr(self):
        return (f"name={self.name!r}, filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}")


class Conv2D(_Conv):
    rank = 2


class Conv1D(_Conv):
    rank = 1


class _Pooling(Layer):
    rank, kind = 2, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        if padding not in ("valid", "same"):
            raise ValueError(f"{self.name}: padding must be 'valid' or 'same', got {padding!r}")
        self.pool_size = _tuple(pool_size, n, "pool_size", self.name)
        self.strides = self.pool_size if strides is None else _tuple(strides, n, "strides", self.name)
        if padding == "same" and self.strides != self.pool_size:
            raise NotImplementedError(f"{self.name}: padding='same' is supported when strides == pool_size")
        self.padding = padding

    def call(self, x):
        n = self.rank
        if x.ndim != n + 2:
            raise ValueError(f"{self.name} expects channels-last inputs of rank {n + 2}; "
                             f"got {tuple(x.shape)}")
        y = _to_channels_first(x, n)
        kernel, stride = self.pool_size, self.strides
        if n == 1:
            y, kernel, stride = unsqueeze(y, 2), (1,) + kernel, (1,) + stride
        ceil = self.padding == "same"  # with strides == pool_size, 'same' is a last partial window
        try:  # the op checks; the layer says which layer it was
            if self.kind == "max":
                y = P.max_pool2d(y, kernel, stride, ceil_mode=ceil)
            else:
                y = P.avg_pool2d(y, kernel, stride, ceil_mode=ceil, count_include_pad=False)
        except (RuntimeError, ValueError) as error:
            raise type(error)(f"{self.name}: {error}") from None
        y = squeeze(y, 2) if n == 1 else y
        return _to_channels_last(y, n)

    def tiles(self, size):
        """Whether this pool takes whole 2x2 tiles of an (H, W) input of ``size`` (nn/fusion.py)."""
        if type(self) is not MaxPooling2D or self.pool_size != (2, 2) or self.strides != (2, 2):
            return False
        return min(size) >= 2 and not (self.padding == "same" and any(n % 2 for n in size))

    def commutes_with_relu(self):
        """Whether ``relu(pool(x))`` may stand for ``pool(relu(x))`` (glassnet/nn/fusion.py)."""
        return type(self) in (MaxPooling1D, MaxPooling2D)

    def flops(self, in_shape, out_shape):
        return math.prod(self.pool_size) * math.prod(out_shape)


class MaxPooling2D(_Pooling):
    rank, kind = 2, "max"


class AveragePooling2D(_Pooling):
    rank, kind = 2, "avg"


class MaxPooling1D(_Pooling):
    rank, kind = 1, "max"


class AveragePooling1D(_Pooling):
    rank, kind = 1, "avg"


class _GlobalPooling(Layer):
    rank, kind = 2, "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims

    def call(self, x):
        if x.ndim != self.rank + 2:  # else the mean runs over the wrong axes and the shape is silently wrong
            layout = "(batch, steps, channels)" if self.rank == 1 else "(batch, height, width, channels)"
            raise ValueError(f"{type(self).__name__} ({self.name}): expected a {self.rank + 2}-D input "
                             f"{layout}, got shape {tuple(x.shape)}")
        axes = tuple(range(1, self.rank + 1))
        if self.kind == "avg":
            return x.mean(axes, keepdim=self.keepdims)
        return x.amax(axes, keepdim=self.keepdims)

    def flops(self, in_shape, out_shape):
        return math.prod(in_shape)


class GlobalAveragePooling2D(_GlobalPooling):
    rank, kind = 2, "avg"


class GlobalMaxPooling2D(_GlobalPooling):
    rank, kind = 2, "max"


class GlobalAveragePooling1D(SupportsMasking, _GlobalPooling):
    """The mean over steps; over the unmasked ones when the input has a mask (a row all masked: NaN,
    as in Keras)."""

    rank, kind = 1, "avg"

    def call(self, x):
        mask = mask_of(x)
        if mask is None:
            return super().call(x)
        weights = constant(mask[:, :, None].astype(x.dtype))
        with np.errstate(invalid="ignore"):  # 0 / 0 for a row without data, as Keras gives
            return (x * weights).sum(1, keepdim=self.keepdims) / weights.sum(1, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask):
        return None  # the time axis is gone


class GlobalMaxPooling1D(_GlobalPooling):
    rank, kind = 1, "max"
