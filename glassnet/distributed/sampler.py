"""``DistributedSampler``: each rank's share of a dataset's indices, as PyTorch deals them.

Every rank draws the same order (the same ``seed`` plus the epoch), pads it
by repeating its first indices until it divides evenly among the ranks (or,
with ``drop_last``, cuts the tail instead), and takes every
``num_replicas``-th index from its own rank on. So the shards are disjoint,
of equal length, and together cover the dataset. Shuffled orders come from
NumPy's generator, so they are not torch's; unshuffled shards are exactly
``torch.utils.data.DistributedSampler``'s.

It is used as in PyTorch::

    sampler = DistributedSampler(train_set)
    loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                   # a new shuffle each epoch, the same on every rank
        for x, y in loader: ...

or, with a loader that takes no sampler, as ``Subset(train_set, sampler.indices())``.
"""

import math

import numpy as np

from . import comm


def _count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"DistributedSampler: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class DistributedSampler:
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` trains on (both default to
    this process's place in the job); ``shuffle``, ``seed``, ``drop_last`` and ``set_epoch`` as in
    PyTorch."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        self.num_replicas = _count(comm.size() if num_replicas is None else num_replicas, "num_replicas", 1)
        self.rank = comm.rank() if rank is None else rank
        if isinstance(self.rank, bool) or not isinstance(self.rank, (int, np.integer)) \
                or not 0 <= self.rank < self.num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in [0, {self.num_replicas - 1}] for "
                             f"num_replicas={self.num_replicas}, got {rank!r}")
        self.dataset, self.shuffle, self.drop_last = dataset, shuffle, drop_last
        self.seed, self.epoch = _count(seed, "seed", 0), 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)  # PyTorch's formula
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """The epoch about to start: with ``shuffle``, each epoch gets its own order."""
        self.epoch = _count(epoch, "epoch", 0)

    def indices(self):
        """This rank's indices for the current epoch, as an int64 array."""
        n = len(self.dataset)
        order = (np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle
                 else np.arange(n))
        if self.total_size > n:  # pad by repeating the order from its start, as often as needed
            order = np.resize(order, self.total_size)
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f"DistributedSampler({len(self.dataset)} samples, num_replicas={self.num_replicas}, "
                f"rank={self.rank}, shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last})")
