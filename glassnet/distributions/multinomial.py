"""``Multinomial(total_count, probs)``: counts of ``total_count`` draws from ``len(probs)`` categories.

d2l's first probability section rolls a die with
``Multinomial(1, fair_probs).sample((n,))``. ``probs`` need not sum to 1
(they are normalised, as in PyTorch); ``logits`` may be given instead.
"""

import math

import numpy as np

from ..ops import math as M
from ..ops import reduce as R
from ..tensor import Tensor
from .categorical import normalized_probs
from .distribution import Distribution, as_float_tensor


class Multinomial(Distribution):
    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):  # noqa: ARG002
        if not isinstance(total_count, (int, np.integer)) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got {total_count!r}")
        self.total_count = int(total_count)
        self.probs = normalized_probs(probs, logits, "Multinomial")
        self.batch_shape = tuple(self.probs.shape[:-1])
        self.event_shape = tuple(self.probs.shape[-1:])

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.probs * (1 - self.probs) * self.total_count

    def sample(self, sample_shape=()):
        """Counts per category, shape ``sample_shape + batch_shape + (k,)``, in the probabilities' dtype."""
        shape = self._extended(sample_shape)
        pvals = self.probs.array.astype(np.float64)
        pvals = pvals / pvals.sum(-1, keepdims=True)
        counts = self._rng().multinomial(self.total_count, pvals, size=shape[:-1])
        return Tensor._make(counts.astype(self.probs.dtype), None, 0)

    def log_prob(self, value):
        """log of (n! / prod x_i!) prod p_i^x_i; differentiable in the probabilities."""
        value = as_float_tensor(value)
        if value.shape[-1:] != self.event_shape:
            raise ValueError(f"Multinomial.log_prob: value's last dim must be {self.event_shape[0]}, "
                             f"got shape {tuple(value.shape)}")
        lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
        norm = math.lgamma(self.total_count + 1) - lgamma(value.array + 1).sum(-1)
        logp = M.log(self.probs)
        # 0 * log(0) is 0 here: a category with probability 0 that was not drawn costs nothing
        zero = Tensor._make(np.zeros((), logp.dtype), None, 0)
        terms = M.where(Tensor._make(value.array == 0, None, 0), zero, M.mul(value, logp))
        return R.sum(terms, -1) + Tensor._make(norm.astype(value.dtype), None, 0)
