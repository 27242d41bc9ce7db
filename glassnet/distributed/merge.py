"""Running means and metrics of every rank, combined into those of the whole data.

``fit`` and ``evaluate`` keep counts, not scores (training/trainer.py's
``Tracker``: the loss summed over samples and the sample count, and each
streaming metric's own counts). Counts add up across ranks, so merging them
gives exactly what one process would report on all the ranks' samples,
however unevenly the samples were dealt. The merge runs in rank order from
rank 0's state on every rank, so every rank ends with the same numbers.

glassnet's own metrics keep sums (``total``, ``count``, ``correct``), a
confusion matrix that grows with the classes seen (``matrix``; precision,
recall and F1 too), or, for the exact AUC, every score and label. Another
metric class is merged by its ``merge_state(metrics)`` method (Keras's
name), and refused without one: averaging ranks' results is wrong for most
scores.
"""

import copy

import numpy as np

from ..metrics.streaming import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    ConfusionMatrix,
    Mean,
    MeanAbsoluteError,
    MeanSquaredError,
)
from . import comm

# Each of glassnet's metrics, and the attributes that hold its counts.
_SUMMED = {Mean: ("total", "count"), MeanAbsoluteError: ("total", "count"),
           MeanSquaredError: ("total", "count"), Accuracy: ("correct", "total"),
           BinaryAccuracy: ("correct", "total")}


def _padded_sum(a, b):
    n = max(len(a), len(b))
    total = np.zeros((n, n), np.result_type(a, b))
    total[:len(a), :len(a)] += a
    total[:len(b), :len(b)] += b
    return total


def merge_metrics(metrics):
    """One metric holding the state of all ``metrics`` (the same class, one per rank, in rank order)."""
    merged = copy.deepcopy(metrics[0])
    if callable(getattr(merged, "merge_state", None)):
        merged.merge_state(metrics[1:])
        return merged
    summed = next((names for cls, names in _SUMMED.items() if isinstance(merged, cls)), None)
    if summed is None and not isinstance(merged, (ConfusionMatrix, AUC)):
        raise TypeError(
            f"{type(merged).__name__}: its state cannot be combined across ranks; give the metric a "
            "merge_state(metrics) method that adds the other ranks' metrics into this one")
    for other in metrics[1:]:
        if isinstance(merged, ConfusionMatrix):  # Precision, Recall and F1Score too
            merged.matrix = _padded_sum(merged.matrix, other.matrix)
        elif isinstance(merged, AUC):
            merged.scores += other.scores
            merged.labels += other.labels
        else:
            for name in summed:
                setattr(merged, name, getattr(merged, name) + getattr(other, name))
    return merged


def merge_tracker(tracker, extra=None):
    """Set ``tracker`` (loss sum, count, metrics) on every rank to the sum over all ranks; return
    the mean over the ranks of the plain numbers in ``extra`` (logs that are not the tracker's)."""
    ranks = comm.gather_objects((tracker.loss_sum, tracker.count, tracker.metrics, extra or {}))
    tracker.loss_sum = sum(loss_sum for loss_sum, _, _, _ in ranks)
    tracker.count = sum(count for _, count, _, _ in ranks)
    for i, metric in enumerate(tracker.metrics):
        metric.__dict__.update(merge_metrics([metrics[i] for _, _, metrics, _ in ranks]).__dict__)
    return {key: sum(float(r[3][key]) for r in ranks) / len(ranks) for key in (extra or {})}
