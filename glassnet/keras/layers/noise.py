"""Keras's other training-time noise: whole-channel dropout and additive Gaussian noise.

All act only while training (``model.fit``); in inference they pass the
input through unchanged. Their random numbers come from glassnet's global
generator (``glassnet.manual_seed``); Keras's ``seed`` argument is kept for
its configs only.
"""

import numpy as np

from ...creation import default_generator
from ...ops._util import constant
from .base import Layer
from .core import Dropout
from .masking import SupportsMasking


class _SpatialDropout(Dropout):
    """Dropout of whole channels: one draw per (sample, channel), the same at every position.

    Neighbouring positions of a feature map are strongly correlated, so
    dropping single entries barely regularises; dropping whole channels does.
    """

    rank = 1

    def _noise_shape(self, x):
        if x.ndim != self.rank + 2:
            dims = "steps" if self.rank == 1 else "height, width"
            raise ValueError(f"{self.name} expects inputs of shape (None, {dims}, channels); got "
                             f"{tuple(x.shape)}")
        return (x.shape[0],) + (1,) * self.rank + (x.shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.pop("trainable")  # Keras's spatial dropouts neither write nor accept it
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels)."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps of channels-last images (batch, height, width, channels)."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self.name}: only data_format='channels_last' (Keras's default) is supported")


class GaussianNoise(SupportsMasking, Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` while training."""

    flops_per_output_element = 1

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if stddev < 0:
            raise ValueError(f"{self.name}: stddev must be >= 0, got {stddev!r}")
        self.stddev = stddev

    def call(self, x):
        if not self.training or self.stddev == 0:
            return x
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        noise = default_generator().standard_normal(tuple(x.shape), dtype=dtype) * self.stddev
        return x + constant(noise.astype(x.dtype, copy=False))
