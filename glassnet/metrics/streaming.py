"""Metrics that accumulate over batches, Keras style: ``update`` per batch, ``result`` at the end.

Each keeps counts, not scores, so the result over many batches equals the
one-shot function on all the data at once: ``Accuracy`` counts hits,
``Precision``/``Recall``/``F1Score``/``ConfusionMatrix`` share a growing
confusion matrix, the regression metrics keep error sums. ``update_state``
and ``reset_state`` are Keras' names for ``update`` and ``reset``.
"""

import numpy as np

from ._inputs import label_pair, to_numpy, value_pair
from .classification import _pad, count_matrix, scores_from_matrix


class Metric:
    """Base class: subclasses define ``reset``, ``update`` and ``result``."""

    name = "metric"

    def __init__(self, name=None):
        if name is not None:
            self.name = name
        self.reset()

    def reset(self):
        raise NotImplementedError

    def update(self, y_true, y_pred):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def update_state(self, *args, **kwargs):
        return self.update(*args, **kwargs)

    def reset_state(self):
        return self.reset()

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update(*args, **kwargs)
        return self.result()

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Mean(Metric):
    """Running (weighted) mean of the values given, e.g. the loss of each batch.

    ``update(loss, sample_weight=batch_size)`` averages per sample rather than per batch.
    """

    name = "mean"

    def reset(self):
        self.total, self.count = 0.0, 0.0

    def update(self, values, sample_weight=None):
        values = to_numpy(values).astype(np.float64)
        weight = np.ones_like(values) if sample_weight is None else np.broadcast_to(
            to_numpy(sample_weight).astype(np.float64), values.shape)
        self.total += float((values * weight).sum())
        self.count += float(weight.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class Accuracy(Metric):
    """Fraction of correct predictions; takes labels, class scores or probabilities (see ``metrics``)."""

    name = "accuracy"

    def __init__(self, name=None, threshold=0.5, from_logits=False):
        self.threshold, self.from_logits = threshold, from_logits
        super().__init__(name)

    def reset(self):
        self.correct, self.total = 0, 0

    def update(self, y_true, y_pred):
        t, p = label_pair(y_true, y_pred, self.threshold, self.from_logits)
        self.correct += int((t == p).sum())
        self.total += len(t)

    def result(self):
        return self.correct / self.total if self.total else 0.0


class BinaryAccuracy(Metric):
    """Keras' accuracy for a binary loss: each output thresholded on its own (multi-label too)."""

    name = "accuracy"

    def __init__(self, name=None, threshold=0.5):
        self.threshold = threshold
        super().__init__(name)

    def reset(self):
        self.correct, self.total = 0, 0

    def update(self, y_true, y_pred):
        t, p = value_pair(y_true, y_pred)
        self.correct += int(((p > self.threshold) == (t > self.threshold)).sum())
        self.total += t.size

    def result(self):
        return self.correct / self.total if self.total else 0.0


class AUC(Metric):
    """Area under the ROC curve of a binary classifier, exact (Keras's ``AUC()`` approximates it).

    Keeps every score and label of the epoch and computes the Mann-Whitney
    statistic: the chance that a random positive scores above a random
    negative, ties counting a half. ``y_pred`` is one score per sample
    (probabilities or logits; only their order matters).
    """

    name = "auc"

    def reset(self):
        self.scores, self.labels = [], []

    def update(self, y_true, y_pred):
        t, p = to_numpy(y_true).reshape(-1), to_numpy(y_pred).reshape(-1)
        if t.shape != p.shape:
            raise ValueError(f"AUC: one score per label is needed; got {p.shape[0]} scores for "
                             f"{t.shape[0]} labels (AUC is for binary outputs of shape (N,) or (N, 1))")
        self.labels.append(t > 0.5)
        self.scores.append(p.astype(np.float64))

    def result(self):
        if not self.labels:
            return 0.0
        t, p = np.concatenate(self.labels), np.concatenate(self.scores)
        positives, negatives = int(t.sum()), int((~t).sum())
        if positives == 0 or negatives == 0:
            return 0.0
        order = np.argsort(p, kind="mergesort")
        ranks = np.empty(len(p))
        sorted_p = p[order]  # ranks from 1; tied scores share the mean of their ranks
        starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
        ends = np.r_[starts[1:], len(p)]
        mean_ranks = (starts + 1 + ends) / 2
        ranks[order] = np.repeat(mean_ranks, ends - starts)
        return float((ranks[t].sum() - positives * (positives + 1) / 2) / (positives * negatives))


class ConfusionMatrix(Metric):
    """Confusion counts over all batches; grows when a new class shows up.

    ``num_classes`` fixes the size up front (classes never seen still get a row).
    """

    name = "confusion_matrix"

    def __init__(self, num_classes=None, name=None, threshold=0.5, from_logits=False):
        self.num_classes, self.threshold, self.from_logits = num_classes, threshold, from_logits
        super().__init__(name)

    def reset(self):
        n = self.num_classes or 0
        self.matrix = np.zeros((n, n), dtype=np.int64)

    def update(self, y_true, y_pred):
        t, p = label_pair(y_true, y_pred, self.threshold, self.from_logits)
        seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
        if self.num_classes is not None and seen > self.num_classes:
            raise ValueError(
                f"{self.name}: label {seen - 1} is out of range for num_classes={self.num_classes}"
            )
        self.matrix = _pad(self.matrix, seen)
        self.matrix += count_matrix(t, p, len(self.matrix))

    def result(self):
        return self.matrix.copy()


class _Scores(ConfusionMatrix):
    """Precision, recall or F1 from the accumulated confusion matrix."""

    _which = 0

    def __init__(self, average="binary", pos_label=1, labels=None, num_classes=None, zero_division=0.0,
                 name=None, threshold=0.5, from_logits=False):
        self.average, self.pos_label, self.labels = average, pos_label, labels
        self.zero_division = zero_division
        super().__init__(num_classes, name, threshold, from_logits)

    def result(self):
        return scores_from_matrix(
            self.matrix, self.average, self.pos_label, self.labels, self.zero_division
        )[self._which]


class Precision(_Scores):
    """tp / (tp + fp), accumulated; ``average`` and ``pos_label`` as in ``metrics.precision``."""

    name = "precision"
    _which = 0


class Recall(_Scores):
    """tp / (tp + fn), accumulated; ``average`` and ``pos_label`` as in ``metrics.recall``."""

    name = "recall"
    _which = 1


class F1Score(_Scores):
    """2tp / (2tp + fp + fn), accumulated; ``average`` and ``pos_label`` as in ``metrics.f1_score``."""

    name = "f1_score"
    _which = 2


class _ErrorMean(Metric):
    def reset(self):
        self.total, self.count = 0.0, 0

    def update(self, y_true, y_pred):
        t, p = value_pair(y_true, y_pred)
        self.total += float(self._error(t - p).sum())
        self.count += t.size

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanAbsoluteError(_ErrorMean):
    name = "mae"
    _error = staticmethod(np.abs)


class MeanSquaredError(_ErrorMean):
    name = "mse"
    _error = staticmethod(np.square)


_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "precision": Precision, "recall": Recall, "f1_score": F1Score, "f1": F1Score,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mean": Mean, "confusion_matrix": ConfusionMatrix, "auc": AUC,
}


def get(identifier):
    """A metric object from a name (``'accuracy'``, ``'mae'``...), a Metric class or instance."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Unknown metric {identifier!r}; known names: {sorted(_BY_NAME)}")
