"""PyTorch's in-place fillers and clamps.

``normal_``, ``uniform_``, ``exponential_``, ``bernoulli_`` and ``clamp_``
write into the tensor's own array, so ``net[0].weight.data.normal_(0, 0.01)``
changes the layer's weight (``.data`` shares the array) without being
recorded. Random values come from glassnet's generator (``manual_seed``).
Like PyTorch, they refuse a tensor that takes part in autograd: a parameter
is filled through ``.data`` or under ``no_grad()``.
"""

import numpy as np

from ..autograd import is_recording
from ..creation import default_generator
from . import math as M


def _writable(t, name):
    if is_recording(t):
        raise RuntimeError(
            f"{name}: in-place change of a tensor that requires grad; do it through .data "
            f"(w.data.{name}(...)) or under `with glassnet.no_grad():`"
        )
    return t


def _fill(t, values):
    t.array[...] = values
    return t


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples of N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal_: std must be >= 0, got {std}")
    rng = generator or default_generator()
    return _fill(_writable(self, "normal_"), rng.normal(mean, std, self.shape))


def uniform_(self, a=0.0, b=1.0, *, from_=None, to=None, generator=None):
    """Fill with samples uniform on [a, b) (``from_``/``to`` are PyTorch's keyword names for them)."""
    a = a if from_ is None else from_
    b = b if to is None else to
    if a > b:
        raise RuntimeError(f"uniform_: expected a <= b, got a={a} and b={b}")
    rng = generator or default_generator()
    return _fill(_writable(self, "uniform_"), rng.uniform(a, b, self.shape))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples of the exponential distribution of rate ``lambd``."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_: lambd must be > 0, got {lambd}")
    rng = generator or default_generator()
    return _fill(_writable(self, "exponential_"), rng.exponential(1.0 / lambd, self.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 (probability ``p``, a number or a tensor of probabilities) or 0."""
    probs = p.array if hasattr(p, "array") else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError("bernoulli_: p must be in [0, 1]")
    rng = generator or default_generator()
    return _fill(_writable(self, "bernoulli_"), rng.random(self.shape) < probs)


def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
    """``clamp`` written back into this tensor."""
    _writable(self, "clamp_")
    return _fill(self, M.clamp(self.detach(), min, max).array)


def tensor_format(self, spec):
    """``f'{loss:.3f}'``: a one-element tensor formats as its number; ``f'{t}'`` is ``str(t)``."""
    if not spec:
        return str(self)
    if self.array.size != 1:
        raise TypeError(f"unsupported format string {spec!r} for a tensor of shape {tuple(self.shape)}: "
                        "only a one-element tensor formats as a number; use .tolist() or index it first")
    return format(self.array.item(), spec)


METHODS = {
    "normal_": normal_, "uniform_": uniform_, "exponential_": exponential_, "bernoulli_": bernoulli_,
    "clamp_": clamp_, "clip_": clamp_,
    "__format__": tensor_format,
}
