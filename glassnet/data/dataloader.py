"""DataLoader: iterate over a dataset in (shuffled) mini-batches of Tensors."""

import math

import numpy as np

from ._random import as_generator
from .collate import to_tensors
from .dataset import fetch_batch


class DataLoader:
    """Mini-batches of ``dataset``, as glassnet Tensors.

    Parameters follow PyTorch:

    * ``batch_size``: samples per batch; ``drop_last`` drops a short final batch.
    * ``shuffle``: a new order every epoch, drawn from ``generator`` (a numpy
      Generator) or from a Generator seeded once with ``seed``; with neither,
      from glassnet's global generator, so ``glassnet.manual_seed`` makes the
      whole run reproducible.
    * ``collate_fn(samples) -> batch``: builds a batch from a list of samples;
      giving one always takes the per-sample route.
    * ``transform(inputs) -> inputs``: applied to each whole batch of inputs
      (the first field of a tuple batch, the whole batch otherwise), as NumPy
      arrays in their stored dtype, before conversion to Tensors. Scaling
      uint8 pixels to floats here costs one vectorised operation per batch.

    Datasets that expose their arrays (see ``glassnet.data.dataset``) are
    batched with one fancy-index per array; others sample by sample.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 transform=None, generator=None, seed=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.transform = transform
        # A fixed generator is made once so that successive epochs still differ.
        self.generator = None if generator is None and seed is None else as_generator(generator, seed)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or as_generator()).permutation(n)

    def _load(self, indices):
        if self.collate_fn is not None:
            return self.collate_fn([self.dataset[i] for i in indices.tolist()])
        return fetch_batch(self.dataset, indices)

    def _apply_transform(self, batch):
        if self.transform is None:
            return batch
        if isinstance(batch, tuple):
            inputs = self.transform(batch[0])
            if hasattr(batch, "_fields"):  # namedtuple
                return batch._replace(**{batch._fields[0]: inputs})
            return (inputs,) + batch[1:]
        if isinstance(batch, list):
            return [self.transform(batch[0])] + batch[1:]
        return self.transform(batch)

    def __iter__(self):
        order = self._order()
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            batch = self._load(order[start:start + self.batch_size])
            yield to_tensors(self._apply_transform(batch))

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")
