"""Keras's weight initializers, by name or as objects, written into glassnet parameters in place.

glassnet keeps weights in PyTorch's layout (a Dense weight is (units,
in_features), a convolution's (filters, channels, kh, kw)); fan-in and
fan-out are the same numbers in either layout, so each initializer draws
from exactly Keras's distribution.
"""

import math

import numpy as np

from ..creation import default_generator
from ..nn.init import _calculate_fan_in_and_fan_out


class Initializer:
    """Fills a tensor in place: ``initializer(tensor)``."""

    def __call__(self, tensor):
        tensor.array[...] = self.sample(tensor.shape, tensor) if tensor.array.size else 0
        return tensor

    def sample(self, shape, tensor):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def _truncated_normal(shape, stddev):
    """N(0, stddev^2) redrawn outside two standard deviations, as Keras's TruncatedNormal."""
    rng = default_generator()
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * stddev


class VarianceScaling(Initializer):
    """Keras's family: variance ``scale / n`` with n the fan in, out or their mean."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def sample(self, shape, tensor):
        fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor) if len(shape) > 1 else (shape[0], shape[0])
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return default_generator().uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return default_generator().standard_normal(shape) * math.sqrt(variance)
        # Keras divides by the truncated normal's own std (0.8796...) so the variance stays as asked.
        return _truncated_normal(shape, math.sqrt(variance) / 0.87962566103423978)


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def sample(self, shape, tensor):
        return self.mean + self.stddev * default_generator().standard_normal(shape)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def sample(self, shape, tensor):
        return default_generator().uniform(self.minval, self.maxval, shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape, tensor):
        return np.full(shape, self.value)


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one, times ``gain``."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def sample(self, shape, tensor):
        rows, cols = shape[0], int(np.prod(shape[1:]))
        a = default_generator().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return self.gain * q[:rows, :cols].reshape(shape)


_BY_NAME = {
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_normal": LecunNormal, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "zeros": Zeros, "ones": Ones, "orthogonal": Orthogonal,
    "constant": Constant,
}


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a class, an instance or a function of a tensor."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"Unknown initializer {identifier!r}; valid names: {sorted(_BY_NAME)}")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise TypeError(f"an initializer must be a name or an Initializer, got {type(identifier).__name__}")


def serialize(initializer):
    for name, cls in _BY_NAME.items():
        if type(initializer) is cls:
            return name
    return type(initializer).__name__
