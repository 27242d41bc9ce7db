"""Convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose2d``; ``LazyConv1d`` and ``LazyConv2d``.

A convolution layer slides ``out_channels`` small filters over the input;
each filter sees ``in_channels / groups`` channels of a ``kernel_size``
window.  Parameter names, shapes, initialisation and ``repr`` follow
PyTorch, so a ``state_dict`` moves across unchanged.
"""


import math

import numpy as np

from .. import backend
from ..ops import conv as C
from ..ops.conv_pool import conv_max_pool
from ..ops.conv_transpose import conv_transpose2d
from . import init
from .lazy import LazyModuleMixin
from .module import Module, Parameter


def _tuple(value, n, what):
    if isinstance(value, (tuple, list)):
        if len(value) != n or not all(isinstance(v, int) for v in value):
            raise ValueError(f"{what} must be an int or {n} ints, got {value!r}")
        return tuple(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int or a tuple of ints, got {value!r}")
    return (value,) * n


class _ConvNd(Module):
    """What Conv1d and Conv2d share; ``_n`` is the number of spatial dims."""

    _n = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", dtype=None):
        super().__init__()
        name, n = type(self).__name__, self._n
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must both be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not supported, only 'zeros'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = _tuple(stride, n, f"{name}: stride")
        self.dilation = _tuple(dilation, n, f"{name}: dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, f"{name}: padding")
        self.padding_mode = padding_mode
        self._create_parameters(dtype, bias)

    def _weight_shape(self):
        return (self.out_channels, self.in_channels // self.groups) + self.kernel_size

    def _create_parameters(self, dtype, bias):
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty(self._weight_shape(), dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_affine_(self.weight, self.bias)

    def forward(self, input):  # noqa: A002
        try:  # the op checks; the layer only says which layer it was
            return self._convolve(input)
        except (RuntimeError, TypeError, ValueError) as error:
            raise self.named_error(error) from None

    def _convolve(self, input):  # noqa: A002
        fn = C.conv1d if self._n == 1 else C.conv2d
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def flops(self, in_shape, out_shape):
        # Every output element is a dot product over (in_channels / groups) x the kernel window.
        return 2 * (self.in_channels // self.groups) * math.prod(self.kernel_size) * math.prod(out_shape)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0,) * self._n) != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if not self._has_bias():
            s += ", bias=False"
        return s

    def _has_bias(self):
        return self.bias is not None


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) input, e.g. a sequence of embeddings (channels = features)."""

    _n = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) images: weight (out, in / groups, kh, kw), bias (out,)."""

    _n = 2

    def max_pooled(self, input, pool):  # noqa: A002
        """``pool(self(input))`` as one tiled step (ops/conv_pool.py) where that applies, else None
        (nn/fusion.py then runs the layers); not for a subclass, whose forward may differ."""
        if type(self) is not Conv2d or self.groups != 1 or getattr(input, "ndim", 0) != 4:
            return None
        try:  # arguments the layer would refuse: None, and the layer says why
            C.check_conv_args("conv2d", input, self.weight, self.bias, 1, 2)
            geom = C.conv_geometry("conv2d", input, self.weight, self.stride, self.padding, self.dilation)
        except (RuntimeError, TypeError, ValueError):
            return None
        return conv_max_pool(input, self.weight, self.bias, geom, pool)


class ConvTranspose2d(_ConvNd):
    """The transpose of a Conv2d (sometimes called a deconvolution): upsamples, e.g. by ``stride=2``.

    Weight (in, out / groups, kh, kw), bias (out,), as in PyTorch; the output
    size is ``(H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", dtype=None):
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got {padding!r}")
        self.output_padding = _tuple(output_padding, 2, "ConvTranspose2d: output_padding")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype)

    def _weight_shape(self):
        # PyTorch's layout for a transposed convolution: input channels first.
        return (self.in_channels, self.out_channels // self.groups) + self.kernel_size

    def _convolve(self, input):  # noqa: A002
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)


class _LazyConvNd(LazyModuleMixin):
    """What LazyConv1d and LazyConv2d add to their convolution: ``in_channels`` from the first input."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype)

    def _create_parameters(self, dtype, bias):
        self._leave_open(dtype, parameters={"weight": True, "bias": bias})

    def infer_sizes(self, input):  # noqa: A002 - PyTorch's name
        n, name = self._n, type(self).__name__
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"{name}: expected a {n + 1}-D or {n + 2}-D input, got shape "
                               f"{tuple(input.shape)}")
        self._set_in_channels(input.shape[-n - 1])

    def infer_sizes_from_state(self, tensors):
        weight = tensors.get("weight")
        if weight is None or np.ndim(weight) != self._n + 2:
            return False
        self._set_in_channels(np.shape(weight)[1] * self.groups)
        return True

    def _set_in_channels(self, in_channels):
        if in_channels % self.groups:
            raise ValueError(f"{type(self).__name__}: the input's {in_channels} channels are not divisible "
                             f"by groups={self.groups}")
        self.in_channels = in_channels

    def open_shapes(self):
        return {"weight": self._weight_shape(), "bias": (self.out_channels,)}


class LazyConv1d(_LazyConvNd, Conv1d):
    """A Conv1d that learns ``in_channels`` from its first input (Keras's ``Conv1D(filters, k)``)."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """A Conv2d that learns ``in_channels`` from its first input (Keras's ``Conv2D(filters, k)``).

    Until then its weight and bias are uninitialized parameters (``nn/lazy.py``);
    then it becomes a plain ``Conv2d``, as in PyTorch.
    """

    cls_to_become = Conv2d
