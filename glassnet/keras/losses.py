"""Keras's losses: functions ``loss(y_true, y_pred)``, classes, and names.

``compile`` gives them to glassnet's trainer by name, so a model ending in
softmax or sigmoid is trained on the stable logit form (see
``glassnet/training/objective.py``), while these functions compute Keras's
own formula when called directly (probabilities clipped to [1e-7, 1-1e-7]).
"""

import numpy as np

from ..ops import activation as A
from ..ops import math as M
from ..tensor import Tensor

EPSILON = 1e-7


def _tensors(y_true, y_pred):
    y_pred = y_pred if isinstance(y_pred, Tensor) else Tensor(np.asarray(y_pred, dtype=np.float32))
    y_true = y_true if isinstance(y_true, Tensor) else Tensor(np.asarray(y_true), dtype=y_pred.dtype)
    return y_true, y_pred


def _clip(p):
    return M.clamp(p, EPSILON, 1 - EPSILON)


def mean_squared_error(y_true, y_pred):
    t, p = _tensors(y_true, y_pred)
    return ((p - t) ** 2).mean(-1)


def mean_absolute_error(y_true, y_pred):
    t, p = _tensors(y_true, y_pred)
    return (p - t).abs().mean(-1)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    t, p = _tensors(y_true, y_pred)
    p = A.sigmoid(p) if from_logits else p
    p = _clip(p)
    return -(t * M.log(p) + (1 - t) * M.log(1 - p)).mean(-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    t, p = _tensors(y_true, y_pred)
    p = A.softmax(p, -1) if from_logits else p / p.sum(-1, keepdim=True)  # Keras normalises the output
    return -(t * M.log(_clip(p))).sum(-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    t, p = _tensors(y_true, y_pred)
    classes = p.shape[-1]
    one_hot = np.eye(classes, dtype=p.dtype)[np.asarray(t.array, dtype=np.int64).reshape(p.shape[:-1])]
    return categorical_crossentropy(Tensor(one_hot), p, from_logits)


mse, mae = mean_squared_error, mean_absolute_error


class Loss:
    """A loss object: ``loss(y_true, y_pred)`` is the batch mean of the per-sample losses."""

    function = None

    def __init__(self, from_logits=False, name=None, reduction="sum_over_batch_size"):
        self.from_logits, self.name = from_logits, name or self.function.__name__

    def __call__(self, y_true, y_pred):
        if self.function in (mean_squared_error, mean_absolute_error):
            return self.function(y_true, y_pred).mean()
        return self.function(y_true, y_pred, from_logits=self.from_logits).mean()


class BinaryCrossentropy(Loss):
    function = staticmethod(binary_crossentropy)


class CategoricalCrossentropy(Loss):
    function = staticmethod(categorical_crossentropy)


class SparseCategoricalCrossentropy(Loss):
    function = staticmethod(sparse_categorical_crossentropy)


class MeanSquaredError(Loss):
    function = staticmethod(mean_squared_error)


class MeanAbsoluteError(Loss):
    function = staticmethod(mean_absolute_error)


_NAMES = {
    binary_crossentropy: "binary_crossentropy", categorical_crossentropy: "categorical_crossentropy",
    sparse_categorical_crossentropy: "sparse_categorical_crossentropy", mean_squared_error: "mse",
    mean_absolute_error: "mae",
}


def resolve(loss):
    """The name glassnet's trainer knows for a Keras loss (function, object or name)."""
    if isinstance(loss, Loss):
        return _NAMES[type(loss).function]
    if loss in _NAMES:
        return _NAMES[loss]
    return loss
