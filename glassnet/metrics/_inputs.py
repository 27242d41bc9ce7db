"""Turning what a model or a user hands a metric into plain NumPy labels or values.

Metrics accept NumPy arrays, lists and glassnet Tensors. For classification,
``y_pred`` may be labels, class scores, or one probability per sample:

* shape (N, C) with C > 1: class scores, probabilities or logits -> argmax;
* shape (N,) or (N, 1) of floats in [0, 1]: probabilities of class 1 ->
  ``p > threshold`` (0./1. float labels pass through unchanged);
* with ``from_logits=True``: logits of class 1 -> ``sigmoid(z) > threshold``;
* integers or booleans: labels as they are.

``y_true`` follows the same rules without ``from_logits`` (so one-hot rows
become labels too).
"""

import numpy as np

from ..tensor import Tensor


def to_numpy(x):
    if isinstance(x, Tensor):
        return x.array
    return np.asarray(x)


def as_labels(y, threshold=0.5, from_logits=False, name="y_pred"):
    """Class labels (int64, shape (N,)) from labels, class scores or probabilities."""
    a = to_numpy(y)
    if a.ndim == 2 and a.shape[1] > 1:
        return a.argmax(axis=1).astype(np.int64)
    if a.ndim == 2:
        a = a[:, 0]
    elif a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(
            f"{name}: expected labels (N,), scores (N, C) or probabilities (N, 1); got shape {a.shape}"
        )
    if a.dtype.kind in "biu":
        return a.astype(np.int64)
    if a.dtype.kind != "f":
        raise TypeError(f"{name}: expected numbers, got dtype {a.dtype}")
    if from_logits:
        # sigmoid(z) > t  <=>  z > log(t / (1 - t)), which is z > 0 for t = 0.5
        return (a > np.log(threshold) - np.log1p(-threshold)).astype(np.int64)
    if np.all((a >= 0) & (a <= 1)):
        return (a > threshold).astype(np.int64)
    if np.all(a == np.round(a)):
        return a.astype(np.int64)
    raise ValueError(
        f"{name}: float values outside [0, 1] that are not whole numbers, so neither probabilities "
        "nor labels; pass from_logits=True if these are logits"
    )


def label_pair(y_true, y_pred, threshold=0.5, from_logits=False):
    """``(true labels, predicted labels)`` of equal length."""
    t = as_labels(y_true, name="y_true")
    p = as_labels(y_pred, threshold, from_logits, name="y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {len(t)} samples but y_pred has {len(p)}")
    return t, p


def value_pair(y_true, y_pred):
    """Regression targets and predictions as float64 arrays of shape (N, outputs)."""
    t = to_numpy(y_true).astype(np.float64)
    p = to_numpy(y_pred).astype(np.float64)
    if t.shape != p.shape:
        # (N,) against (N, 1) would silently broadcast to (N, N): line them up instead.
        if t.ndim == 1 and p.shape == (len(t), 1):
            p = p[:, 0]
        elif p.ndim == 1 and t.shape == (len(p), 1):
            t = t[:, 0]
        else:
            raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}")
    if t.ndim == 0:
        t, p = t.reshape(1), p.reshape(1)
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    if t.ndim != 2:
        t, p = t.reshape(len(t), -1), p.reshape(len(p), -1)
    return t, p
