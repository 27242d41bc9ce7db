"""Feature scaling and label encoding, with scikit-learn's and Keras's semantics.

A scaler learns its statistics from the training split only (``fit``) and
then applies the same numbers to validation and test data (``transform``);
fitting on all data would leak the test set into training.

Scalers take arrays of shape ``(samples, features...)``: statistics are per
feature, over the first axis. They accept NumPy arrays or Tensors and return
the same kind; float inputs keep their dtype, others become float32.
"""

import numpy as np

from .. import backend
from ..tensor import Tensor


def _unwrap(x, where):
    is_tensor = isinstance(x, Tensor)
    array = x.array if is_tensor else np.asarray(x)
    if array.ndim < 2:
        raise ValueError(
            f"{where}: expected an array of shape (samples, features), got shape {array.shape}; "
            "use x.reshape(-1, 1) for a single feature"
        )
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected numeric data, got dtype {array.dtype}")
    return array, is_tensor


def _wrap(array, is_tensor):
    return Tensor._make(array, None, 0) if is_tensor else array


def _nonzero_scale(scale):
    """Constant features get a scale of 1, so they map to 0 rather than to nan."""
    scale = scale.copy()
    scale[scale < 10 * np.finfo(np.float64).eps] = 1.0
    return scale


class _Scaler:
    def fit(self, X):
        array, _ = _unwrap(X, f"{type(self).__name__}.fit")
        if array.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}.fit: got no samples")
        self._feature_shape = array.shape[1:]
        self.n_features_in_ = int(np.prod(self._feature_shape))
        self.n_samples_seen_ = array.shape[0]
        self._fit(array)
        return self

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def _check(self, X, method):
        where = f"{type(self).__name__}.{method}"
        if not hasattr(self, "_feature_shape"):
            raise RuntimeError(
                f"{where}: this {type(self).__name__} is not fitted yet; call fit(X_train) first"
            )
        array, is_tensor = _unwrap(X, where)
        if array.shape[1:] != self._feature_shape:
            raise ValueError(
                f"{where}: X has features of shape {array.shape[1:]} ({int(np.prod(array.shape[1:]))} "
                f"features), but the scaler was fitted on shape {self._feature_shape} "
                f"({self.n_features_in_} features)"
            )
        dtype = array.dtype if array.dtype.kind == "f" else backend.get_default_dtype()
        return array.astype(dtype, copy=False), is_tensor

    def transform(self, X):
        array, is_tensor = self._check(X, "transform")
        return _wrap(self._transform(array), is_tensor)

    def inverse_transform(self, X):
        array, is_tensor = self._check(X, "inverse_transform")
        return _wrap(self._inverse(array), is_tensor)


class StandardScaler(_Scaler):
    """Shift each feature to mean 0 and scale it to standard deviation 1.

    Attributes after ``fit``: ``mean_``, ``var_`` (population variance) and
    ``scale_`` (their square root, 1 for constant features).
    """

    def __init__(self, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit(self, x):
        self.mean_ = x.mean(axis=0, dtype=np.float64)
        self.var_ = x.var(axis=0, dtype=np.float64)
        self.scale_ = _nonzero_scale(np.sqrt(self.var_))

    def _transform(self, x):
        if not (self.with_mean or self.with_std):
            return x.copy()
        if self.with_mean:
            x = x - self.mean_.astype(x.dtype)
        if self.with_std:
            x = x / self.scale_.astype(x.dtype)
        return x

    def _inverse(self, x):
        if self.with_std:
            x = x * self.scale_.astype(x.dtype)
        if self.with_mean:
            x = x + self.mean_.astype(x.dtype)
        return x


class MinMaxScaler(_Scaler):
    """Map each feature's training range linearly onto ``feature_range``.

    Attributes after ``fit``: ``data_min_``, ``data_max_``, ``data_range_``,
    and the affine map ``x * scale_ + min_``. Test data outside the training
    range lands outside ``feature_range`` unless ``clip=True``.
    """

    def __init__(self, feature_range=(0, 1), clip=False):
        low, high = feature_range
        if not low < high:
            raise ValueError(f"MinMaxScaler: feature_range needs min < max, got {feature_range}")
        self.feature_range = (low, high)
        self.clip = clip

    def _fit(self, x):
        low, high = self.feature_range
        self.data_min_ = x.min(axis=0).astype(np.float64)
        self.data_max_ = x.max(axis=0).astype(np.float64)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (high - low) / _nonzero_scale(self.data_range_)
        self.min_ = low - self.data_min_ * self.scale_

    def _transform(self, x):
        x = x * self.scale_.astype(x.dtype) + self.min_.astype(x.dtype)
        if self.clip:
            np.clip(x, *self.feature_range, out=x)
        return x

    def _inverse(self, x):
        return (x - self.min_.astype(x.dtype)) / self.scale_.astype(x.dtype)


def _class_indices(labels, num_classes, where):
    array = np.asarray(labels.array if isinstance(labels, Tensor) else labels)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise TypeError(f"{where}: labels must be whole numbers (class indices), got non-integer values")
    elif array.dtype.kind not in "iub":
        raise TypeError(f"{where}: labels must be integer class indices, got dtype {array.dtype}")
    array = array.astype(np.int64)
    if num_classes is None or num_classes == -1:
        if array.size == 0:
            raise ValueError(f"{where}: cannot infer num_classes from no labels; pass num_classes")
        num_classes = int(array.max()) + 1
    if array.size and array.min() < 0:
        raise ValueError(f"{where}: labels must be >= 0, found {int(array.min())}")
    if array.size and array.max() >= num_classes:
        raise ValueError(
            f"{where}: label {int(array.max())} is out of range for num_classes={num_classes} "
            f"(labels must lie in [0, {num_classes - 1}])"
        )
    return array, int(num_classes)


def _encode(indices, num_classes, dtype):
    flat = indices.reshape(-1)
    out = np.zeros((flat.size, num_classes), dtype=dtype)
    out[np.arange(flat.size), flat] = 1
    return out.reshape(indices.shape + (num_classes,))


def one_hot(labels, num_classes=None):
    """PyTorch's ``F.one_hot``: an int64 Tensor with a new last axis of size ``num_classes``.

    ``num_classes`` defaults to ``max(labels) + 1``.
    """
    indices, num_classes = _class_indices(labels, num_classes, "one_hot")
    return Tensor._make(_encode(indices, num_classes, np.int64), None, 0)


def to_categorical(y, num_classes=None):
    """Keras's ``to_categorical``: a float32 NumPy array of one-hot rows.

    A trailing axis of size 1, as in labels of shape ``(n, 1)``, is dropped
    first, so the result is ``(n, num_classes)``.
    """
    indices, num_classes = _class_indices(y, num_classes, "to_categorical")
    if indices.ndim > 1 and indices.shape[-1] == 1:
        indices = indices.reshape(indices.shape[:-1])
    return _encode(indices, num_classes, np.float32)
