"""Datasets: things with a length that hand out samples by index.

A generic dataset only has to implement ``__len__`` and ``__getitem__``; the
DataLoader then builds each batch one sample at a time. That Python loop is
the slow part of training small models, so a dataset held in memory can offer
the whole batch at once, in either of two ways:

* an ``arrays`` attribute: an array (or a tuple or dict of arrays) whose
  first dimension runs over samples. A batch is then one fancy-index per
  array, ``a[indices]``.
* a ``get_batch(indices)`` method returning the batch already stacked (a
  tuple or dict of arrays). ``TensorDataset``, ``Subset`` and
  ``ConcatDataset`` implement it.

``fetch_batch`` below is the one place that chooses between these.
"""

import math
from collections.abc import Mapping

import numpy as np

from ..tensor import Tensor
from ._random import as_generator
from .collate import collate_arrays, to_tensors


class Dataset:
    """Base class: subclasses implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement ``__iter__()`` instead of indexing.

    For data that cannot be indexed (lines of a file, a generator). The
    DataLoader groups consecutive samples into batches; with workers, every
    worker iterates its own copy, so the dataset should give each one its
    share, by looking at ``get_worker_info()`` in ``__iter__``, or every
    sample comes ``num_workers`` times (PyTorch's rule).
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__()")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it has no [index]")

    def __len__(self):
        raise TypeError(f"{type(self).__name__} is an IterableDataset with no __len__; define one "
                        "to give it (and its DataLoader) a length")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _as_array(data):
    if isinstance(data, Tensor):
        return data.array
    return np.asarray(data)


def _gather(arrays, indices):
    """One fancy-index per array, keeping the tuple/dict structure."""
    if isinstance(arrays, Mapping):
        return {key: _gather(value, indices) for key, value in arrays.items()}
    if isinstance(arrays, (tuple, list)):
        return tuple(_gather(value, indices) for value in arrays)
    return _as_array(arrays)[indices]


def fetch_batch(dataset, indices):
    """The samples at ``indices`` (an int array) stacked into arrays, by the fastest route."""
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is not None:
        return get_batch(indices)
    arrays = getattr(dataset, "arrays", None)
    if arrays is not None:
        return _gather(arrays, indices)
    return collate_arrays([dataset[i] for i in indices.tolist()])


class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors: ``TensorDataset(x, y)[i] == (x[i], y[i])``.

    The arrays are kept as given (no copy, no dtype change); batches are
    converted to float32 / int64 Tensors by the DataLoader.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = tuple(_as_array(t) for t in tensors)
        if any(a.ndim == 0 for a in arrays):
            raise ValueError("TensorDataset: a 0-d tensor has no samples; each needs a first dimension")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in the first dimension "
                f"(the number of samples), got sizes {sizes}"
            )
        self.arrays = arrays

    @property
    def tensors(self):
        return tuple(Tensor._make(a, None, 0) for a in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(to_tensors(a[index]) for a in self.arrays)

    def get_batch(self, indices):
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices):
        return fetch_batch(self.dataset, self.indices[indices])


class ConcatDataset(Dataset):
    """Several datasets one after another (``a + b`` builds one too)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets])

    def __len__(self):
        return int(self.cumulative_sizes[-1])

    def _locate(self, indices):
        indices = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if np.any((indices < -n) | (indices >= n)):
            raise IndexError(f"ConcatDataset: index out of range for a dataset of {n} samples")
        indices = np.where(indices < 0, indices + n, indices)
        which = np.searchsorted(self.cumulative_sizes, indices, side="right")
        starts = np.concatenate([[0], self.cumulative_sizes[:-1]])
        return which, indices - starts[which]

    def __getitem__(self, index):
        which, local = self._locate(index)
        return self.datasets[int(which)][int(local)]

    def get_batch(self, indices):
        which, local = self._locate(indices)
        present = np.unique(which)
        if len(present) == 1:
            return fetch_batch(self.datasets[present[0]], local)
        parts = [(which == k, fetch_batch(self.datasets[k], local[which == k])) for k in present]
        return _interleave(parts, len(indices))


def _interleave(parts, n):
    """Put each part's rows back at the positions its mask marks."""
    masks, batches = zip(*parts)
    first = batches[0]
    if isinstance(first, Mapping):
        return {key: _interleave(list(zip(masks, [b[key] for b in batches])), n) for key in first}
    if isinstance(first, tuple):
        return tuple(_interleave(list(zip(masks, field)), n) for field in zip(*batches))
    if isinstance(first, list):  # e.g. strings
        out = [None] * n
        for mask, batch in parts:
            for position, value in zip(np.flatnonzero(mask), batch):
                out[position] = value
        return out
    out = np.empty((n,) + first.shape[1:], dtype=np.result_type(*batches))
    for mask, batch in parts:
        out[mask] = batch
    return out


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions
    summing to 1 (then leftover samples go one each to the first splits, as
    in PyTorch). ``generator`` is a numpy Generator or an int seed; by default
    glassnet's global generator is used, so ``glassnet.manual_seed`` fixes it.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(isinstance(x, int) for x in lengths):
        if any(f < 0 or f > 1 for f in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, (int, np.integer)) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has {n} samples"
        )
    order = as_generator(generator).permutation(n)
    ends = np.cumsum(lengths)
    return [Subset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]
