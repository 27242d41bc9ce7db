"""``Normal(loc, scale)``: the Gaussian, with ``rsample`` (reparameterised) and ``log_prob``."""

import math

import numpy as np

from ..ops import math as M
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


class Normal(Distribution):
    def __init__(self, loc, scale, validate_args=None):  # noqa: ARG002
        self.loc, self.scale = as_float_tensor(loc), as_float_tensor(scale)
        if self.loc.dtype != self.scale.dtype:
            self.scale = self.scale.to(self.loc.dtype)
        if np.any(self.scale.array <= 0):
            raise ValueError("Normal: scale must be positive")
        self.batch_shape = np.broadcast_shapes(self.loc.shape, self.scale.shape)

    @property
    def mean(self):
        return self.loc.expand(*self.batch_shape)

    @property
    def stddev(self):
        return self.scale.expand(*self.batch_shape)

    @property
    def variance(self):
        return self.stddev * self.stddev

    def sample(self, sample_shape=()):
        """Samples outside the graph."""
        shape = self._extended(sample_shape)
        values = self._rng().normal(self.loc.array, self.scale.array, shape)
        return Tensor._make(values.astype(self.loc.dtype), None, 0)

    def rsample(self, sample_shape=()):
        """``loc + scale * eps`` with eps ~ N(0, 1): gradients reach ``loc`` and ``scale``."""
        eps = self._rng().standard_normal(self._extended(sample_shape)).astype(self.loc.dtype)
        return self.loc + self.scale * Tensor._make(eps, None, 0)

    def log_prob(self, value):
        value = as_float_tensor(value)
        z = (value - self.loc) / self.scale
        return z * z * -0.5 - M.log(self.scale) - 0.5 * math.log(2 * math.pi)

    def entropy(self):
        return M.log(self.stddev) + 0.5 + 0.5 * math.log(2 * math.pi)
