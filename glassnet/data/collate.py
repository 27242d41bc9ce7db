"""Turning a list of samples into one batch.

Collation happens in two steps so that a batch-wise ``transform`` can run on
plain arrays in their stored dtype (e.g. uint8 pixels) before anything is
converted: ``collate_arrays`` stacks samples into NumPy arrays, and
``to_tensors`` wraps arrays as glassnet Tensors with glassnet's dtype rules
(float data -> float32, integer labels -> int64).
"""

from collections.abc import Mapping
from numbers import Number

import numpy as np

from .. import backend
from ..tensor import Tensor


def collate_arrays(samples):
    """Stack a list of samples into a batch of arrays with the same structure.

    A sample may be a Tensor, an array, a number, a string, or a tuple, list
    or dict of those; a tuple of samples gives a tuple of batches and a dict
    gives a dict, so ``(x, y)`` samples become an ``(xs, ys)`` batch.
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return np.stack([s.array for s in samples])
    if isinstance(first, (np.ndarray, np.generic, Number)):
        return np.stack([np.asarray(s) for s in samples])
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: collate_arrays([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        size = len(first)
        if any(len(s) != size for s in samples):
            raise ValueError(f"collate: samples have different lengths, first one has {size} fields")
        fields = [collate_arrays(list(group)) for group in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
            return type(first)(*fields)
        return type(first)(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"collate: don't know how to batch samples of type {type(first).__name__}; "
        "return Tensors, arrays, numbers, or tuples/dicts of them, or pass collate_fn="
    )


def to_tensors(batch):
    """Wrap every array in ``batch`` as a Tensor (float -> float32, int -> int64)."""
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, (np.ndarray, np.generic, Number)):
        return Tensor._make(backend.as_array(batch), None, 0)
    if isinstance(batch, Mapping):
        return {key: to_tensors(value) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(to_tensors(v) for v in batch))
    if isinstance(batch, (tuple, list)):
        if batch and all(isinstance(v, str) for v in batch):
            return batch
        return type(batch)(to_tensors(v) for v in batch)
    return batch


def default_collate(samples):
    """The DataLoader's default: stack samples and return Tensors."""
    return to_tensors(collate_arrays(samples))
