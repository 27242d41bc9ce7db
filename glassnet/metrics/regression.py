"""Regression metrics. Several outputs (shape (N, k)) are scored per output and then
averaged (``multioutput='uniform_average'``) or returned one per output
(``'raw_values'``), as in scikit-learn."""

import numpy as np

from ._inputs import value_pair


def _reduce(per_output, multioutput):
    if multioutput == "raw_values":
        return per_output
    if multioutput == "uniform_average":
        return float(np.mean(per_output))
    raise ValueError(f"multioutput must be 'uniform_average' or 'raw_values', got {multioutput!r}")


def mean_absolute_error(y_true, y_pred, multioutput="uniform_average"):
    """Mean of ``|y_true - y_pred|``."""
    t, p = value_pair(y_true, y_pred)
    return _reduce(np.abs(t - p).mean(axis=0), multioutput)


def mean_squared_error(y_true, y_pred, multioutput="uniform_average"):
    """Mean of ``(y_true - y_pred) ** 2``."""
    t, p = value_pair(y_true, y_pred)
    return _reduce(((t - p) ** 2).mean(axis=0), multioutput)


def r2_score(y_true, y_pred, multioutput="uniform_average"):
    """Coefficient of determination, ``1 - SS_res / SS_tot``: 1 is perfect, 0 is predicting the mean.

    A constant target has SS_tot = 0; the score is then 1 for a perfect
    prediction and 0 otherwise (scikit-learn's ``force_finite``).
    """
    t, p = value_pair(y_true, y_pred)
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    constant = ss_tot == 0
    score = 1 - ss_res / np.where(constant, 1.0, ss_tot)
    score = np.where(constant, np.where(ss_res == 0, 1.0, 0.0), score)
    return _reduce(score, multioutput)
