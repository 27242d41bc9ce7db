"""The base of ``glassnet.distributions``: shapes and parameter checks shared by every distribution.

As in ``torch.distributions``, ``sample(sample_shape)`` gives values of shape
``sample_shape + batch_shape + event_shape``; samples come from glassnet's
generator, so ``glassnet.manual_seed`` makes them reproducible.
"""

import numpy as np

from ..creation import default_generator
from ..tensor import Tensor


def as_float_tensor(value):
    """A number, list or tensor of parameters as a floating tensor (integers become float32)."""
    t = value if isinstance(value, Tensor) else Tensor(value)
    return t if t.dtype.kind == "f" else t.float()


class Distribution:
    batch_shape = ()
    event_shape = ()

    def _extended(self, sample_shape):
        if isinstance(sample_shape, (int, np.integer)):
            sample_shape = (int(sample_shape),)
        return tuple(sample_shape) + tuple(self.batch_shape) + tuple(self.event_shape)

    @staticmethod
    def _rng():
        return default_generator()

    def sample(self, sample_shape=()):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.sample")

    def log_prob(self, value):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.log_prob")

    def __repr__(self):
        return f"{type(self).__name__}(batch_shape={tuple(self.batch_shape)})"
