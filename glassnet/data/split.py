"""Holding data out: a train/test split and k-fold cross-validation indices.

Sizes follow scikit-learn (``train_test_split`` and ``KFold``), so results
quoted from a book that uses scikit-learn split the same number of samples.
"""

import math

import numpy as np

from ..tensor import Tensor
from ._random import as_generator


def _take(data, indices):
    if isinstance(data, Tensor):
        return Tensor._make(data.array[indices], None, 0)
    return np.asarray(data)[indices]


def train_test_split(*arrays, test_size=0.2, shuffle=True, seed=None):
    """Split arrays (same first dimension) into train and test parts.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` like scikit-learn.
    ``test_size`` is a fraction in (0, 1) (rounded up to whole samples) or a
    sample count. Without shuffling the test part is the end of the data.
    ``seed`` is an int or a numpy Generator; by default glassnet's global
    generator is used.
    """
    if not arrays:
        raise ValueError("train_test_split: pass at least one array")
    sizes = [len(a) for a in arrays]
    if len(set(sizes)) > 1:
        raise ValueError(f"train_test_split: arrays have different numbers of samples: {sizes}")
    n = sizes[0]
    if isinstance(test_size, (float, np.floating)):
        if not 0 < test_size < 1:
            raise ValueError(f"train_test_split: a float test_size must lie in (0, 1), got {test_size}")
        n_test = math.ceil(test_size * n)
    else:
        n_test = int(test_size)
    n_train = n - n_test
    if n_test < 1 or n_train < 1:
        raise ValueError(
            f"train_test_split: test_size={test_size} of {n} samples leaves "
            f"{n_train} for training and {n_test} for testing; both need at least one"
        )
    if shuffle:
        order = as_generator(seed).permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = np.arange(n_train), np.arange(n_train, n)
    out = []
    for a in arrays:
        out += [_take(a, train), _take(a, test)]
    return out


def kfold_indices(n, k, shuffle=False, seed=None):
    """Yield ``(train_idx, val_idx)`` for each of ``k`` folds over ``n`` samples.

    Each sample is validated on exactly once. Folds are contiguous blocks (of
    a shuffled order if ``shuffle``); the first ``n % k`` folds hold one extra
    sample, as in scikit-learn's ``KFold``.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"kfold_indices: k must be an int >= 2, got {k!r}")
    if k > n:
        raise ValueError(f"kfold_indices: cannot make {k} folds from {n} samples")
    order = as_generator(seed).permutation(n) if shuffle else np.arange(n)
    fold_sizes = np.full(k, n // k)
    fold_sizes[: n % k] += 1
    start = 0
    for size in fold_sizes:
        val = order[start:start + size]
        in_val = np.zeros(n, dtype=bool)
        in_val[val] = True
        yield np.flatnonzero(~in_val), val
        start += size
