"""Keras's masks: which time steps of a padded batch are real.

A mask is a boolean NumPy array (batch, steps), True where a step holds
data. As in Keras 3, it travels *with the tensor* a layer returns, so a
``Sequential`` model and a functional one pass it on without knowing about
it: ``Embedding(mask_zero=True)`` or ``Masking()`` attaches one to its
output, the next layer reads it with ``mask_of(x)``. A layer that
``SupportsMasking`` gives its output the mask its ``compute_mask`` says
(by default its input's); any other layer's output has none, so the mask
ends there (where Keras would warn that the layer drops it).

The masks live in a side table keyed by the tensor's identity (glassnet
tensors have fixed slots); an entry goes when its tensor does.
"""

import weakref

import numpy as np

from ...ops._util import constant
from ..functional import is_symbolic
from .base import Layer

_masks = {}  # id(tensor) -> (weak reference to the tensor, mask)


def mask_of(x):
    """The mask attached to ``x`` (a tensor, or a list of them: the first's), else None."""
    if isinstance(x, (list, tuple)):
        return mask_of(x[0]) if x else None
    entry = _masks.get(id(x))
    return entry[1] if entry is not None and entry[0]() is x else None


def set_mask(x, mask):
    """Attach ``mask`` to ``x``; for several outputs (``return_state``) the first one's."""
    if isinstance(x, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        for tensor, m in zip(x, masks):
            set_mask(tensor, m)
        return
    if mask is None:
        return
    key = id(x)
    _masks[key] = (weakref.ref(x, lambda _, key=key: _masks.pop(key, None)), np.asarray(mask, bool))


class SupportsMasking:
    """Mixed into a Layer (before it): Keras's ``supports_masking``.

    The layer's ``call`` may read ``mask_of(inputs)``; its output gets
    ``compute_mask(inputs, mask)``, by default the input's mask unchanged.
    """

    supports_masking = True

    def forward(self, inputs):
        out = super().forward(inputs)
        if not is_symbolic(inputs):  # symbolic calls run the layer on samples, which sets their masks
            set_mask(out, self.compute_mask(inputs, mask_of(inputs)))
        return out

    def compute_mask(self, inputs, mask):
        return mask


class Masking(SupportsMasking, Layer):
    """Masks the steps whose features all equal ``mask_value``, and zeroes them."""

    flops_per_output_element = 1

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask):
        return np.any(inputs.array != self.mask_value, axis=-1)

    def call(self, x):
        keep = self.compute_mask(x, None)
        return x * constant(keep[..., None].astype(x.dtype))
