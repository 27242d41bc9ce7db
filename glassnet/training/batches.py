"""What ``fit``/``evaluate``/``predict`` accept as data, turned into DataLoaders.

Arrays (NumPy, Tensors, lists) become a ``TensorDataset`` batched by the
DataLoader's fast path: one fancy index per array per batch. They are
converted once, up front, to the dtypes a model wants (float64 -> float32,
integer labels -> int64), so that no batch pays for a conversion.
A ``Dataset`` is wrapped in a DataLoader; a ``DataLoader`` is used as it is.
pandas DataFrames and Series are read as their NumPy values (pandas is never
imported: anything with ``to_numpy`` is one).
"""

import math

import numpy as np

from .. import backend
from ..data import BatchSequence, DataLoader, Dataset, Subset, TensorDataset
from ..data.collate import to_tensors
from ..tensor import Tensor


def to_array(data, caller, what):
    """``data`` as an array with glassnet's dtype rules, converted (copied) only if needed."""
    if isinstance(data, Tensor):
        data = data.array
    try:
        return backend.as_array(data)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{caller}: {what} must be a NumPy array, a Tensor or a nested list of numbers; "
            f"got {type(data).__name__} ({error})"
        ) from error


def from_table(data, caller, what):
    """A pandas DataFrame or Series as a NumPy array; anything else as it is."""
    if not hasattr(data, "to_numpy") or isinstance(data, Tensor):
        return data
    columns = getattr(data, "dtypes", None)
    if columns is not None and hasattr(columns, "items"):  # a DataFrame: every column must be numeric
        kinds = {str(name): getattr(dtype, "kind", "O") for name, dtype in columns.items()}
        text = [name for name, kind in kinds.items() if kind not in "biuf"]
        if text:
            raise TypeError(f"{caller}: {what} has columns that are not numbers: {text[:5]}; encode them "
                            "first (pandas.get_dummies, or a mapping to 0/1)")
        # One dtype for all columns (mixed ones would come out as Python objects).
        return data.to_numpy(dtype=np.int64 if set(kinds.values()) <= {"i", "u"} else np.float64)
    return data.to_numpy()


def _is_dataset(x):
    return isinstance(x, Dataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__")
                                      and not isinstance(x, (np.ndarray, Tensor, list, tuple, BatchSequence)))


class BatchesFrom:
    """The batches a generator, an iterator or a ``BatchSequence`` yields, ``steps`` to an epoch.

    A generator goes on where the last epoch stopped (Keras's rule), so it must
    be told how many batches make an epoch; a sequence knows (``len``).
    """

    def __init__(self, source, steps, caller):
        self.source, self.sequence = source, isinstance(source, BatchSequence)
        if steps is None and not self.sequence:
            raise ValueError(f"{caller}: a generator has no length; pass steps_per_epoch=... (and "
                             "validation_steps=... for validation data from a generator)")
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer))
                                  or steps < 1):
            raise ValueError(f"{caller}: steps must be a positive int, got {steps!r}")
        self.steps = len(source) if steps is None else int(steps)
        self.iterator = None if self.sequence else iter(source)

    def __iter__(self):
        for i in range(self.steps):
            if self.sequence and i and i % len(self.source) == 0:
                self.source.on_epoch_end()  # more steps than batches: a new pass, reshuffled (Keras 2's rule)
            batch = self.source[i % len(self.source)] if self.sequence else next(self.iterator)
            yield to_tensors(tuple(batch) if isinstance(batch, (tuple, list)) else batch)
        if self.sequence:
            self.source.on_epoch_end()

    def __len__(self):
        return self.steps


def _is_batch_source(x):
    return isinstance(x, BatchSequence) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


class InputsDataset(TensorDataset):
    """Arrays for a model with several inputs, ``(x1, ..., xn[, y])``; ``loader`` batches them as
    ``([x1, ..., xn], y)``, which is what such a model is called with."""

    def __init__(self, inputs, *rest):
        super().__init__(*inputs, *(a for a in rest if a is not None))
        self.n_inputs = len(inputs)

    def part(self, index):
        arrays = [a[index] for a in self.arrays]
        return InputsDataset(arrays[:self.n_inputs], *arrays[self.n_inputs:])


class GroupedBatches:
    """A DataLoader over an InputsDataset whose batches come as ``([x1, ..., xn], y)``."""

    def __init__(self, loader, n_inputs):
        self.loader, self.n_inputs = loader, n_inputs

    def __iter__(self):
        n = self.n_inputs
        for batch in self.loader:
            yield (list(batch[:n]), *batch[n:])

    def __len__(self):
        return len(self.loader)


def _several_inputs(x):
    """A list of arrays, one per model input (not a nested list of numbers)."""
    return isinstance(x, (list, tuple)) and len(x) > 1 and all(isinstance(a, (np.ndarray, Tensor)) for a in x)


def _weights(sample_weight, class_weight, y, n, caller):
    """Per-sample loss weights from ``sample_weight`` or ``class_weight`` (Keras's arguments), or None."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError(f"{caller}: give sample_weight or class_weight, not both")
    if class_weight is not None:
        if y is None or not isinstance(class_weight, dict):
            raise TypeError(f"{caller}: class_weight must be a dict {{class index: weight}} with targets y")
        labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(n, -1)[:, 0]
        table = np.ones(int(max(int(labels.max()) + 1, max(class_weight) + 1)))
        for cls, weight in class_weight.items():
            table[int(cls)] = weight
        sample_weight = table[labels.astype(np.int64)]
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float32).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"{caller}: sample_weight holds {w.shape[0]} weights for {n} samples")
    return w


def array_dataset(x, y, caller, sample_weight=None, class_weight=None):
    if _several_inputs(x):
        xs = [to_array(a, caller, f"x[{i}]") for i, a in enumerate(x)]
        ya = None if y is None else to_array(y, caller, "y")
        sizes = [len(a) for a in xs] + ([] if ya is None else [len(ya)])
        if any(a.ndim == 0 for a in xs) or len(set(sizes)) > 1:
            given = [a.shape for a in xs] + ([] if ya is None else [("y", ya.shape)])
            raise ValueError(f"{caller}: every input in x, and y, must have the same number of samples; "
                             f"got shapes {given}")
        return InputsDataset(xs, ya, _weights(sample_weight, class_weight, ya, len(xs[0]), caller))
    xa = to_array(x, caller, "x")
    if xa.ndim == 0:
        raise ValueError(f"{caller}: x must have a first (sample) dimension, got a scalar")
    if y is None:
        return TensorDataset(xa)
    ya = to_array(y, caller, "y")
    if ya.ndim == 0 or len(ya) != len(xa):
        raise ValueError(
            f"{caller}: x and y must have the same number of samples; got x of shape {xa.shape} "
            f"and y of shape {ya.shape}"
        )
    weights = _weights(sample_weight, class_weight, ya, len(xa), caller)
    return TensorDataset(xa, ya) if weights is None else TensorDataset(xa, ya, weights)


def as_dataset_or_loader(x, y, caller, need_targets=True, steps=None, sample_weight=None, class_weight=None):
    """A DataLoader, a Dataset or the batches of a generator for ``x`` (and ``y``)."""
    x, y = from_table(x, caller, "x"), from_table(y, caller, "y")
    sample_weight = from_table(sample_weight, caller, "sample_weight")
    if x is None:
        raise ValueError(f"{caller}: no data given; pass x (and y) as arrays, or a Dataset or DataLoader")
    if _is_batch_source(x):
        if y is not None:
            raise ValueError(f"{caller}: y must be None when x is a generator or a Sequence (it yields "
                             "(x, y) batches itself)")
        return BatchesFrom(x, steps, caller)
    if steps is not None:
        raise ValueError(f"{caller}: steps apply to generators and Sequences, which yield batches; "
                         f"got a {type(x).__name__}")
    if (sample_weight is not None or class_weight is not None) and (_is_batch_source(x) or _is_dataset(x)
                                                                  or isinstance(x, DataLoader)):
        raise ValueError(f"{caller}: sample_weight and class_weight apply to arrays; a Dataset or generator "
                         "yields (x, y, weight) itself")
    if isinstance(x, (DataLoader, BatchesFrom)) or _is_dataset(x):
        if y is not None:
            raise ValueError(
                f"{caller}: y must be None when x is a {type(x).__name__} (it yields the targets itself)"
            )
        return x
    if need_targets and y is None:
        raise ValueError(f"{caller}: y (the targets) is missing; pass y=... with the arrays x")
    return array_dataset(x, y, caller, sample_weight, class_weight)


def loader(data, batch_size, shuffle, caller):
    if isinstance(data, (DataLoader, BatchesFrom)):
        return data
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{caller}: batch_size must be a positive int, got {batch_size!r}")
    batched = DataLoader(data, batch_size=int(batch_size), shuffle=shuffle)
    return GroupedBatches(batched, data.n_inputs) if isinstance(data, InputsDataset) else batched


def split_off_validation(data, validation_split, caller):
    """Keras semantics: the *last* fraction of the samples, taken before any shuffling."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"{caller}: validation_split must be in [0, 1), got {validation_split!r}")
    if isinstance(data, DataLoader):
        raise ValueError(
            f"{caller}: validation_split needs arrays or a Dataset, not a DataLoader; "
            "pass validation_data=... instead"
        )
    n = len(data)
    split_at = int(math.ceil(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"{caller}: validation_split={validation_split} of {n} samples leaves "
            f"{split_at} for training and {n - split_at} for validation; both need at least one"
        )
    if isinstance(data, InputsDataset):
        return data.part(slice(None, split_at)), data.part(slice(split_at, None))
    if isinstance(data, TensorDataset):
        return TensorDataset(*(a[:split_at] for a in data.arrays)), TensorDataset(
            *(a[split_at:] for a in data.arrays))
    return Subset(data, np.arange(split_at)), Subset(data, np.arange(split_at, n))


def validation_source(validation_data, caller, steps=None):
    if validation_data is None:
        return None
    if _is_batch_source(validation_data):
        return BatchesFrom(validation_data, steps, caller)
    if isinstance(validation_data, tuple):
        if len(validation_data) not in (2, 3):
            raise ValueError(
                f"{caller}: validation_data must be (x_val, y_val), (x_val, y_val, sample_weight_val), a "
                f"Dataset or a DataLoader; got a tuple of {len(validation_data)} items"
            )
        x, y, *weight = (from_table(part, caller, "validation_data") for part in validation_data)
        return array_dataset(x, y, caller, sample_weight=weight[0] if weight else None)
    return as_dataset_or_loader(validation_data, None, caller)


def unpack(batch, caller):
    """``(inputs, targets, sample weights or None)`` from one batch of a loader."""
    if isinstance(batch, (tuple, list)) and len(batch) in (2, 3):
        return batch[0], batch[1], (batch[2] if len(batch) == 3 else None)
    fields = f"{len(batch)} fields" if isinstance(batch, (tuple, list)) else f"a {type(batch).__name__}"
    raise ValueError(f"{caller}: each batch must be (inputs, targets) to compute a loss; got {fields}")
