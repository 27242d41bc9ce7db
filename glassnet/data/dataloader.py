"""DataLoader: iterate over a dataset in (shuffled) mini-batches of Tensors.

The work is split as in ``torch.utils.data``:

* *which* samples, in which order: a sampler gives the indices of an epoch
  and a ``BatchSampler`` cuts them into batches. glassnet's samplers also
  hand over the whole epoch as one array (``order()``), which is cut into
  batches by slicing instead of a Python loop over single indices;
* *how* a batch is made from its indices: ``BatchFetcher`` (the dataset's
  own ``get_batch`` / ``arrays`` route, or one ``dataset[i]`` per sample and
  a collate function), giving NumPy arrays;
* *who* makes it: this process (``num_workers=0``) or worker processes
  (``workers.py``). Either way the batches come out in the same order and
  become Tensors here, in the main process.
"""

import itertools
import math
import multiprocessing

import numpy as np

from . import workers
from ._random import as_generator
from .collate import collate_arrays, to_tensors
from .dataset import IterableDataset, fetch_batch
from .workers import get_worker_info  # noqa: F401  (PyTorch has it in the same module)


def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return int(value)


class Sampler:
    """Base class: ``__iter__`` yields dataset indices and ``__len__`` says how many."""

    def __init__(self, data_source=None):  # PyTorch's signature; the argument is not needed
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__()")


class _ArraySampler(Sampler):
    """A sampler that draws a whole epoch at once: ``order()`` is an int64 array of indices."""

    def order(self):
        raise NotImplementedError

    def __iter__(self):
        return iter(self.order().tolist())


class SequentialSampler(_ArraySampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def order(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


def _generator_once(generator):
    """A seed becomes its Generator now, so that successive epochs draw different orders."""
    return None if generator is None else as_generator(generator)


class RandomSampler(_ArraySampler):
    """A random order, drawn anew every epoch from ``generator`` (or glassnet's global generator).

    With ``replacement``, ``num_samples`` independent draws; without, whole
    permutations, as many as ``num_samples`` needs (the last one cut short).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be True or False, got {replacement!r}")
        if num_samples is not None:
            _positive_int(num_samples, "RandomSampler: num_samples")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples = num_samples
        self.generator = _generator_once(generator)

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def order(self):
        n, rng = len(self.data_source), as_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        if n == 0:
            return np.arange(0)
        whole, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(whole)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given ``indices`` in a new random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = _generator_once(generator)

    def order(self):
        indices = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return indices[as_generator(self.generator).permutation(len(indices))]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        weights = np.asarray(weights.array if hasattr(weights, "array") else weights, dtype=np.float64)
        if weights.ndim != 1 or np.any(weights < 0) or not np.isfinite(weights).all() or weights.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-d sequence of finite, non-negative "
                             f"numbers with a positive sum, got {weights!r}")
        self.num_samples = _positive_int(num_samples, "WeightedRandomSampler: num_samples")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement "
                             f"from {np.count_nonzero(weights)} non-zero weights")
        self.weights, self.replacement = weights, bool(replacement)
        self.generator = _generator_once(generator)

    def order(self):
        rng = as_generator(self.generator)
        probabilities = self.weights / self.weights.sum()
        return rng.choice(len(self.weights), self.num_samples, self.replacement, probabilities)

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """The indices of ``sampler`` in lists of ``batch_size``; ``drop_last`` drops a short last one."""

    def __init__(self, sampler, batch_size, drop_last):
        self.sampler = sampler
        self.batch_size = _positive_int(batch_size, "BatchSampler: batch_size")
        self.drop_last = bool(drop_last)

    def batches(self):
        """The batches as int64 arrays: slices of one array when the sampler can give its whole epoch."""
        if isinstance(self.sampler, _ArraySampler) and type(self.sampler).__iter__ is _ArraySampler.__iter__:
            order = np.asarray(self.sampler.order(), dtype=np.int64)
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            for start in range(0, stop, self.batch_size):
                yield order[start:start + self.batch_size]
            return
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield np.asarray(batch, dtype=np.int64)

    def __iter__(self):
        return (batch.tolist() for batch in self.batches())

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


class BatchFetcher:
    """Makes one batch, as NumPy arrays, from its indices (or from a stream); runs in workers too."""

    def __init__(self, dataset, collate_fn, transform, batch_size, drop_last, batched):
        self.dataset, self.collate_fn, self.transform = dataset, collate_fn, transform
        self.batch_size, self.drop_last, self.batched = batch_size, drop_last, batched

    def from_indices(self, indices):
        if not self.batched:  # batch_size=None: one sample, as it is
            sample = self.dataset[int(indices)]
            return self._transformed(sample if self.collate_fn is None else self.collate_fn(sample))
        if self.collate_fn is not None:
            return self._transformed(self.collate_fn([self.dataset[i] for i in indices.tolist()]))
        return self._transformed(fetch_batch(self.dataset, indices))

    def from_stream(self, samples):
        """The next batch of an iterator over an IterableDataset; StopIteration when it has no more."""
        if not self.batched:
            sample = next(samples)
            return self._transformed(sample if self.collate_fn is None else self.collate_fn(sample))
        batch = list(itertools.islice(samples, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self._transformed((self.collate_fn or collate_arrays)(batch))

    def _transformed(self, batch):
        """``transform`` on the inputs: the first field of a tuple or list batch, else the whole batch."""
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


class DataLoader:
    """Mini-batches of ``dataset``, as glassnet Tensors; PyTorch's arguments and meanings.

    * ``batch_size``: samples per batch (None: single samples, not stacked);
      ``drop_last`` drops a short final batch.
    * ``shuffle``: a new order every epoch, drawn from ``generator`` (a NumPy
      Generator or an int seed, turned into a Generator once) or glassnet's
      global generator, so ``glassnet.manual_seed`` makes a run reproducible.
      ``seed=`` is the same as ``generator=<int>``.
    * ``sampler`` / ``batch_sampler``: the order (or the batches) yourself.
    * ``collate_fn(samples) -> batch``: builds a batch from a list of samples;
      giving one always takes the per-sample route.
    * ``num_workers``: worker processes that build batches in parallel (see
      ``workers.py``: seeds, ``worker_init_fn``, ``get_worker_info``,
      ``prefetch_factor``, ``persistent_workers``, ``timeout``,
      ``multiprocessing_context``); the batches are those of ``num_workers=0``,
      in the same order.
    * ``pin_memory``, ``pin_memory_device``: accepted; there is no GPU memory to pin.
    * ``transform(inputs) -> inputs`` (glassnet's own): applied to each whole
      batch of inputs, as NumPy arrays in their stored dtype, before they
      become Tensors. Scaling uint8 pixels here is one vectorised operation.

    Datasets that expose their arrays (see ``glassnet.data.dataset``) are
    batched with one fancy-index per array; others sample by sample.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True, transform=None, seed=None):
        if batch_size is not None:
            batch_size = _positive_int(batch_size, "DataLoader: batch_size")
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.shuffle, self.collate_fn, self.transform = bool(shuffle), collate_fn, transform
        self.num_workers, self.timeout, self.worker_init_fn = int(num_workers), timeout, worker_init_fn
        self.prefetch_factor = (2 if prefetch_factor is None else prefetch_factor) if num_workers else None
        self.persistent_workers, self.in_order = persistent_workers, in_order
        self.pin_memory, self.pin_memory_device = pin_memory, pin_memory_device
        self.multiprocessing_context = multiprocessing_context
        # A fixed generator is made once so that successive epochs still differ.
        self.generator = None if generator is None and seed is None else as_generator(generator, seed)
        self._iterable = isinstance(dataset, IterableDataset)
        self.sampler, self.batch_sampler = self._samplers(shuffle, sampler, batch_sampler)
        self._workers = None  # the persistent workers, once started

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers):
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an int >= 0 (0 loads in this process), "
                             f"got {num_workers!r}")
        if not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"DataLoader: timeout must be a number of seconds >= 0, got {timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor applies to worker processes; "
                             "it needs num_workers > 0")
        if prefetch_factor is not None:
            _positive_int(prefetch_factor, "DataLoader: prefetch_factor")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")

    def _samplers(self, shuffle, sampler, batch_sampler):
        """``(sampler, batch_sampler)`` as PyTorch sets them, after its checks on the combination."""
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset decides its own order; shuffle, sampler and "
                                 "batch_sampler must be left out")
            return None, None
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True exclude each other "
                             "(the sampler is the order)")
        if batch_sampler is not None:
            if self.batch_size != 1 or shuffle or sampler is not None or self.drop_last:
                raise ValueError("DataLoader: batch_sampler excludes batch_size, shuffle, sampler and "
                                 "drop_last (it makes the batches itself)")
            self.batch_size = None
            return sampler, batch_sampler
        if self.batch_size is None and self.drop_last:
            raise ValueError("DataLoader: batch_size=None turns batching off, "
                             "so drop_last=True means nothing")
        if sampler is None:
            sampler = RandomSampler(self.dataset, generator=self.generator) if shuffle \
                else SequentialSampler(self.dataset)
        if self.batch_size is None:
            return sampler, None
        return sampler, BatchSampler(sampler, self.batch_size, self.drop_last)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def fetcher(self):
        # A batch_sampler makes batches although batch_size is None (PyTorch's convention).
        batched = self.batch_size is not None or self.batch_sampler is not None
        return BatchFetcher(self.dataset, self.collate_fn, self.transform, self.batch_size, self.drop_last,
                            batched)

    def index_batches(self):
        """This epoch's tasks: index arrays (or single indices when not batching); drawn now."""
        if self.batch_sampler is None:
            return iter(self.sampler)
        if isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.batches()
        return (np.asarray(batch, dtype=np.int64) for batch in self.batch_sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return self._batches_here()
        if not self.persistent_workers:
            return workers.WorkerIterator(self, self._start_workers(), owns_workers=True)
        if self._workers is None or self._workers.closed:
            self._workers = self._start_workers()
        return workers.WorkerIterator(self, self._workers, owns_workers=False)

    def _batches_here(self):
        fetcher = self.fetcher()
        if not self._iterable:
            for indices in self.index_batches():
                yield to_tensors(fetcher.from_indices(indices))
            return
        samples = iter(self.dataset)
        while True:
            try:
                batch = fetcher.from_stream(samples)
            except StopIteration:
                return
            yield to_tensors(batch)

    def _start_workers(self):
        context = self.multiprocessing_context
        if context is None:  # fork, as PyTorch on Linux: the dataset is inherited, not pickled
            methods = multiprocessing.get_all_start_methods()
            context = "fork" if "fork" in methods else methods[0]
        if isinstance(context, str):
            context = multiprocessing.get_context(context)
        seed = workers.base_seed(self.generator)
        return workers.WorkerPool(self.fetcher(), self.num_workers, seed, self.worker_init_fn, context,
                                  iterable=self._iterable)

    def __repr__(self):
        try:
            size = f" of {len(self.dataset)} samples"
        except TypeError:  # an IterableDataset without a length
            size = ""
        return (f"DataLoader({type(self.dataset).__name__}{size}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
                f"num_workers={self.num_workers})")
