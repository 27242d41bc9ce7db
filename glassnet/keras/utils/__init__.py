"""``keras.utils``: to_categorical, normalize, set_random_seed, Sequence."""

import random

import numpy as np

from ...creation import manual_seed
from ...data.preprocessing import to_categorical as _to_categorical
from ...data.sequence import BatchSequence as Sequence  # noqa: F401 - Keras's name: batches by index


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows for integer class labels, as a NumPy array (a trailing axis of 1 is dropped)."""
    return _to_categorical(y, num_classes).astype(dtype, copy=False)


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x, dtype=np.float32 if np.asarray(x).dtype.kind != "f" else None)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def set_random_seed(seed):
    """Seed Python's, NumPy's and glassnet's generators at once, as Keras's does for its backends."""
    random.seed(seed)
    np.random.seed(seed)
    manual_seed(seed)
