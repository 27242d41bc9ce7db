"""Classification metrics, all computed from one confusion matrix.

Labels are the integers 0..C-1. Precision, recall and F1 follow
scikit-learn: ``average='binary'`` scores the class ``pos_label``;
``'macro'`` is the plain mean over classes, ``'weighted'`` the mean weighted
by support (true count), ``'micro'`` pools all counts; ``None`` gives one
score per class. Without ``labels``, the classes averaged over are those that
occur in ``y_true`` or ``y_pred``. A ratio with a zero denominator (e.g.
precision of a class never predicted) is ``zero_division`` (0 by default),
as scikit-learn does after its warning.
"""

import numpy as np

from ._inputs import label_pair

AVERAGES = ("binary", "micro", "macro", "weighted", None)


def count_matrix(t, p, num_classes=None):
    """Confusion counts of int label arrays: row = true class, column = predicted class."""
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    n = seen if num_classes is None else int(num_classes)
    if min(t.min(initial=0), p.min(initial=0)) < 0 or seen > n:
        raise ValueError(f"labels must be integers in 0..{n - 1}, got values from "
                         f"{min(t.min(), p.min())} to {seen - 1}")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def confusion_matrix(y_true, y_pred, num_classes=None, threshold=0.5, from_logits=False):
    """``cm[i, j]`` = number of samples of true class i predicted as class j.

    ``num_classes`` defaults to the largest label seen plus one.
    """
    t, p = label_pair(y_true, y_pred, threshold, from_logits)
    return count_matrix(t, p, num_classes)


def accuracy(y_true, y_pred, threshold=0.5, from_logits=False):
    """Fraction of samples whose predicted label equals the true one."""
    t, p = label_pair(y_true, y_pred, threshold, from_logits)
    return float(np.mean(t == p)) if len(t) else 0.0


def _divide(num, den, zero_division):
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, zero_division, num / safe)


def _pad(cm, n):
    if cm.shape[0] >= n:
        return cm
    out = np.zeros((n, n), dtype=cm.dtype)
    out[:cm.shape[0], :cm.shape[0]] = cm
    return out


def scores_from_matrix(cm, average="binary", pos_label=1, labels=None, zero_division=0.0):
    """``(precision, recall, f1, support)`` from a confusion matrix; see the module doc."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    cm = np.asarray(cm)
    present = np.flatnonzero(cm.sum(0) + cm.sum(1))
    if average == "binary":
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs two classes, but the labels hold {present.tolist()}; "
                "choose average='macro', 'micro', 'weighted' or None for multiclass data"
            )
        if len(present) == 2 and pos_label not in present:
            raise ValueError(
                f"pos_label={pos_label} is not a valid label; it should be one of {present.tolist()}"
            )
        labels = [pos_label]
    elif labels is None:
        labels = present
    labels = np.asarray(labels, dtype=np.int64)
    cm = _pad(cm, int(labels.max(initial=-1)) + 1)
    tp, predicted, actual = np.diag(cm)[labels], cm.sum(0)[labels], cm.sum(1)[labels]
    if average == "micro":
        tp, predicted, actual = tp.sum(), predicted.sum(), actual.sum()
    precision = _divide(tp, predicted, zero_division)
    recall = _divide(tp, actual, zero_division)
    # F1 as 2tp / (2tp + fp + fn): defined even when precision or recall is 0/0.
    f1 = _divide(2 * tp, predicted + actual, zero_division)
    if average == "binary":
        return float(precision[0]), float(recall[0]), float(f1[0]), int(actual[0])
    if average == "micro":
        return float(precision), float(recall), float(f1), int(actual)
    if average is None:
        return precision, recall, f1, actual
    weights = actual if average == "weighted" else np.ones(len(labels))
    if weights.sum() == 0:
        return float(zero_division), float(zero_division), float(zero_division), int(actual.sum())
    means = tuple(float(np.average(s, weights=weights)) for s in (precision, recall, f1))
    return means + (int(actual.sum()),)


def precision_recall_f1(y_true, y_pred, average="binary", pos_label=1, labels=None, zero_division=0.0,
                        threshold=0.5, from_logits=False):
    """``(precision, recall, f1, support)`` at once, like sklearn's ``precision_recall_fscore_support``."""
    t, p = label_pair(y_true, y_pred, threshold, from_logits)
    return scores_from_matrix(count_matrix(t, p), average, pos_label, labels, zero_division)


def precision(y_true, y_pred, average="binary", pos_label=1, labels=None, zero_division=0.0,
              threshold=0.5, from_logits=False):
    """Of the samples predicted as a class, the fraction that belong to it: tp / (tp + fp)."""
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels, zero_division,
                               threshold, from_logits)[0]


def recall(y_true, y_pred, average="binary", pos_label=1, labels=None, zero_division=0.0,
           threshold=0.5, from_logits=False):
    """Of the samples of a class, the fraction predicted as it: tp / (tp + fn)."""
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels, zero_division,
                               threshold, from_logits)[1]


def f1_score(y_true, y_pred, average="binary", pos_label=1, labels=None, zero_division=0.0,
             threshold=0.5, from_logits=False):
    """Harmonic mean of precision and recall: 2tp / (2tp + fp + fn)."""
    return precision_recall_f1(y_true, y_pred, average, pos_label, labels, zero_division,
                               threshold, from_logits)[2]


def classification_report(y_true, y_pred, labels=None, target_names=None, digits=2, output_dict=False,
                          zero_division=0.0, threshold=0.5, from_logits=False):
    """Per-class precision, recall, F1 and support, then accuracy and the averages.

    The text has scikit-learn's layout; ``output_dict=True`` returns the same
    numbers as a dict keyed by class name, 'accuracy', 'macro avg' and 'weighted avg'.
    """
    t, p = label_pair(y_true, y_pred, threshold, from_logits)
    cm = count_matrix(t, p)
    present = np.flatnonzero(cm.sum(0) + cm.sum(1))
    labels = present if labels is None else np.asarray(labels, dtype=np.int64)
    names = [str(label) for label in labels] if target_names is None else [str(n) for n in target_names]
    if len(names) != len(labels):
        raise ValueError(f"classification_report: {len(labels)} classes but {len(target_names)} target_names")
    per_class = scores_from_matrix(cm, None, labels=labels, zero_division=zero_division)
    rows = {name: tuple(column[i] for column in per_class) for i, name in enumerate(names)}
    # Pooled counts equal accuracy only when every class that occurs is reported.
    if set(present.tolist()) <= set(labels.tolist()):
        summary = {"accuracy": accuracy(t, p)}
    else:
        summary = {"micro avg": scores_from_matrix(cm, "micro", labels=labels, zero_division=zero_division)}
    for mode in ("macro", "weighted"):
        summary[f"{mode} avg"] = scores_from_matrix(cm, mode, labels=labels, zero_division=zero_division)
    if output_dict:
        keys = ("precision", "recall", "f1-score", "support")
        report = {name: dict(zip(keys, map(_plain, row))) for name, row in rows.items()}
        for name, row in summary.items():
            report[name] = row if name == "accuracy" else dict(zip(keys, map(_plain, row)))
        return report
    return _format_report(rows, summary, int(per_class[3].sum()), digits)


def _plain(x):
    return int(x) if np.issubdtype(type(x), np.integer) else float(x)


def _format_report(rows, summary, total, digits):
    width = max(len(name) for name in list(rows) + ["weighted avg"])
    width = max(width, digits)

    def line(name, cells):
        return f"{name:>{width}} " + "".join(f" {cell:>9}" for cell in cells) + "\n"

    def numbers(row):
        return [f"{v:.{digits}f}" for v in row[:3]] + [str(int(row[3]))]

    text = line("", ["precision", "recall", "f1-score", "support"]) + "\n"
    text += "".join(line(name, numbers(row)) for name, row in rows.items()) + "\n"
    for name, row in summary.items():
        if name == "accuracy":
            text += line(name, ["", "", f"{row:.{digits}f}", str(total)])
        else:
            text += line(name, numbers(row))
    return text
