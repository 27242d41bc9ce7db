"""Keras's metrics: names as Keras spells them, and glassnet's streaming metric classes."""

from ..metrics import Accuracy, BinaryAccuracy, Mean, MeanAbsoluteError, MeanSquaredError, Precision, Recall

_RENAMED = {
    # Keras name -> a glassnet metric with that name (History keys stay as the user wrote them)
    "binary_accuracy": lambda: BinaryAccuracy(name="binary_accuracy"),
    "sparse_categorical_accuracy": lambda: Accuracy(name="sparse_categorical_accuracy"),
    "categorical_accuracy": lambda: Accuracy(name="categorical_accuracy"),
}


def resolve(metrics):
    """What ``nn.Module.compile`` takes for Keras's ``metrics=[...]``."""
    if metrics is None:
        return None
    if isinstance(metrics, (str, Accuracy, BinaryAccuracy, Mean, Precision, Recall)):
        metrics = [metrics]
    return [_RENAMED[m]() if isinstance(m, str) and m in _RENAMED else m for m in metrics]


__all__ = ["Accuracy", "BinaryAccuracy", "Mean", "MeanAbsoluteError", "MeanSquaredError", "Precision",
           "Recall"]
