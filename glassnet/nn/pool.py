"""Pooling layers: ``MaxPool2d``, ``AvgPool2d`` and ``AdaptiveAvgPool2d``.

They have no parameters; each holds its window settings and calls the
function of the same name in ``glassnet.nn.functional``.
"""

import math

from ..kernels.windows import pair
from ..ops import pool as P
from .module import Module


def _window_flops(self, in_shape, out_shape):
    """Every output reads one window."""
    kernel = self.kernel_size if isinstance(self.kernel_size, tuple) else (self.kernel_size,) * 2
    return math.prod(kernel) * math.prod(out_shape)


class MaxPool2d(Module):
    """The largest value of each ``kernel_size`` window; ``stride`` defaults to the kernel size."""

    flops = _window_flops

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def tiles(self, size):
        """Whether this pool takes whole 2x2 tiles, none overlapping, of an input of (H, W) ``size``
        (then a convolution before it may be computed in tiles: nn/fusion.py)."""
        settings = {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding,
                    "dilation": self.dilation}
        pairs = [pair(v, "MaxPool2d", what) for what, v in settings.items()]
        if type(self) is not MaxPool2d or self.return_indices or pairs != [(2, 2), (2, 2), (0, 0), (1, 1)]:
            return False
        # ceil_mode adds a partial window only where a side is odd.
        return min(size) >= 2 and not (self.ceil_mode and any(n % 2 for n in size))

    def commutes_with_relu(self):
        """Whether ``relu(pool(x))`` may stand for ``pool(relu(x))`` (nn/fusion.py): the same values
        and gradients; not for a subclass, whose forward may do something else."""
        return type(self) is MaxPool2d and not self.return_indices

    def forward(self, input):  # noqa: A002 - PyTorch's name
        try:  # the op checks; the layer only says which layer it was
            return P.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices)
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            raise self.named_error(error) from None

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean of each window; ``count_include_pad=False`` leaves padding out of the mean."""

    flops = _window_flops

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        try:  # the op checks; the layer only says which layer it was
            return P.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad, self.divisor_override)
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            raise self.named_error(error) from None

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size``; 1 gives global average pooling."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        try:  # the op checks; the layer only says which layer it was
            return P.adaptive_avg_pool2d(input, self.output_size)
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            raise self.named_error(error) from None

    def flops(self, in_shape, out_shape):
        return math.prod(in_shape)  # every input element is added once

    def extra_repr(self):
        return f"output_size={self.output_size}"
