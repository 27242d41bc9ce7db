"""Keras's metrics: names as Keras spells them, and glassnet's streaming metric classes."""

import numpy as np

from ..metrics import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
    Precision,
    Recall,
)
from ..tensor import Tensor

_RENAMED = {
    # Keras name -> a glassnet metric with that name (History keys stay as the user wrote them)
    "binary_accuracy": lambda: BinaryAccuracy(name="binary_accuracy"),
    "sparse_categorical_accuracy": lambda: Accuracy(name="sparse_categorical_accuracy"),
    "categorical_accuracy": lambda: Accuracy(name="categorical_accuracy"),
}


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per sample: the share of outputs on the right side of ``threshold``."""
    t, p = np.asarray(y_true), _array(y_pred)
    return ((p > threshold) == (t > threshold)).mean(-1)


def categorical_accuracy(y_true, y_pred):
    return (np.argmax(np.asarray(y_true), -1) == np.argmax(_array(y_pred), -1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    t = np.asarray(y_true).reshape(_array(y_pred).shape[:-1])
    return (t == np.argmax(_array(y_pred), -1)).astype(np.float32)


def _array(x):
    return x.detach().numpy() if isinstance(x, Tensor) else np.asarray(x)


# A metric function given to compile is tracked under its own name, as Keras does.
_FUNCTIONS = {binary_accuracy: "binary_accuracy", categorical_accuracy: "categorical_accuracy",
              sparse_categorical_accuracy: "sparse_categorical_accuracy"}


def resolve(metrics):
    """What ``nn.Module.compile`` takes for Keras's ``metrics=[...]``."""
    if metrics is None:
        return None
    if isinstance(metrics, (str, AUC, Accuracy, BinaryAccuracy, Mean, Precision, Recall)):
        metrics = [metrics]
    metrics = [_FUNCTIONS.get(m, m) if callable(m) and not isinstance(m, type) else m for m in metrics]
    return [_RENAMED[m]() if isinstance(m, str) and m in _RENAMED else m for m in metrics]


__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "Mean", "MeanAbsoluteError", "MeanSquaredError", "Precision",
           "Recall", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"]
