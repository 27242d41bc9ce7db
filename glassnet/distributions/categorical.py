"""``Categorical(probs)`` / ``Categorical(logits=...)``: one index drawn from ``k`` categories."""

import numpy as np

from ..ops import math as M
from ..ops import reduce as R
from ..ops.activation import log_softmax, softmax
from ..tensor import Tensor
from .distribution import Distribution, as_float_tensor


def normalized_probs(probs, logits, name):
    """Probabilities along the last dim summing to 1, from ``probs`` (any positive scale) or ``logits``."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: give exactly one of probs and logits")
    if logits is not None:
        return softmax(as_float_tensor(logits), -1)
    probs = as_float_tensor(probs)
    if probs.ndim == 0:
        raise ValueError(f"{name}: probs must have at least one dim (the categories), got a 0-d tensor")
    if np.any(probs.array < 0) or not np.all(np.isfinite(probs.array)):
        raise ValueError(f"{name}: probs must be finite and non-negative")
    if np.any(probs.array.sum(-1) <= 0):
        raise ValueError(f"{name}: the probabilities of each distribution must not all be 0")
    return probs / R.sum(probs, -1, keepdim=True)


class Categorical(Distribution):
    def __init__(self, probs=None, logits=None, validate_args=None):  # noqa: ARG002
        self.probs = normalized_probs(probs, logits, "Categorical")
        if logits is not None:
            self.logits = log_softmax(as_float_tensor(logits), -1)
        else:
            with np.errstate(divide="ignore"):  # a category of probability 0 has logit -inf, as in PyTorch
                self.logits = M.log(self.probs)
        self.batch_shape = tuple(self.probs.shape[:-1])
        self.num_categories = self.probs.shape[-1]

    def sample(self, sample_shape=()):
        """Category indices (int64), shape ``sample_shape + batch_shape``: the inverse of the running sum."""
        shape = self._extended(sample_shape)
        cdf = np.cumsum(self.probs.array.astype(np.float64), -1)
        u = self._rng().random(shape)[..., None] * cdf[..., -1:]
        index = np.minimum((cdf <= u).sum(-1), self.num_categories - 1)
        return Tensor._make(index.astype(np.int64), None, 0)

    def log_prob(self, value):
        """log p[value], per element of ``value`` (int64 indices), broadcast with the batch."""
        value = value.array if isinstance(value, Tensor) else np.asarray(value)
        if value.dtype.kind not in "iu" or np.any((value < 0) | (value >= self.num_categories)):
            raise ValueError(f"Categorical.log_prob: value must hold integer categories in [0, "
                             f"{self.num_categories}), got {value!r}")
        shape = np.broadcast_shapes(value.shape, self.batch_shape)
        logits = self.logits.expand(*shape, self.num_categories)
        picks = np.broadcast_to(value, shape)[..., None] == np.arange(self.num_categories)
        zero = Tensor._make(np.zeros((), logits.dtype), None, 0)
        return R.sum(M.where(Tensor._make(picks, None, 0), logits, zero), -1)

    def entropy(self):
        zero = Tensor._make(np.zeros((), self.probs.dtype), None, 0)
        with np.errstate(invalid="ignore"):  # 0 * -inf, replaced by 0 just below
            p_log_p = M.where(Tensor._make(self.probs.array > 0, None, 0), self.probs * self.logits, zero)
        return -R.sum(p_log_p, -1)
