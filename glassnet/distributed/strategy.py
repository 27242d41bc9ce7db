"""Data-parallel ``fit`` and ``evaluate``: the few things Keras's training loop does differently on
several ranks. ``glassnet.keras.distribute.MultiWorkerMirroredStrategy`` is this class under
Keras's name; ``training/loop.py`` asks ``fit_strategy()`` and, when it gets one, calls the hooks
below. In a job of one process ``fit_strategy()`` is None and nothing here runs.

What a strategy changes, and where:

* **data** (``training_loader``, ``evaluation_loader``): ``batch_size`` is the global batch; each
  rank reads ``batch_size / size`` samples of it, its ``DistributedSampler`` shard of the epoch's
  order (the seed comes from rank 0, so every rank draws the same order). Evaluation data is dealt
  without padding, so that nothing is counted twice.
* **the step** (``_DataParallelSteps``, a callback that runs first): at the start of ``fit``
  every rank gets rank 0's weights, the optimizer becomes a ``DistributedOptimizer`` (gradients
  averaged before each update) until ``fit`` ends, and rank 0's buffers are copied after each batch.
* **what is reported** (``reduce_logs``): at the end of each epoch and of ``evaluate`` the running
  means are merged from every rank's counts (merge.py), so every rank sees the same logs, and
  callbacks such as EarlyStopping decide the same thing everywhere; ``agree_to_stop`` makes a stop
  asked for on one rank stop all of them, at the same batch.
* **who writes** (``callbacks_for_this_rank``, ``verbose``): only rank 0 prints progress and runs
  ModelCheckpoint, CSVLogger and TensorBoard.
"""

import contextlib
import math

import numpy as np

from ..autograd import no_grad
from ..creation import default_generator
from ..data import DataLoader, Subset
from ..training import batches
from ..training.backup import BackupAndRestore
from ..training.callback import Callback
from ..training.callbacks import CSVLogger, ModelCheckpoint
from ..training.tensorboard import TensorBoard
from . import comm
from .buckets import GradientAverager, uninitialized
from .ddp import DistributedOptimizer
from .merge import merge_tracker
from .sampler import DistributedSampler

_WRITERS = (ModelCheckpoint, CSVLogger, TensorBoard)
_installed = None


def fit_strategy():
    """The strategy ``fit`` and ``evaluate`` follow: the one made in this process, when the job has
    several ranks; otherwise None."""
    return _installed if _installed is not None and comm.size() > 1 else None


class DataParallelStrategy:
    """Makes ``fit`` and ``evaluate`` of every model in this process data-parallel over the MPI job.

    Making one joins the job (``init()``); ``scope()`` is there for Keras code, and
    ``communication_seconds`` adds up the time the gradient averaging of every ``fit`` took.
    """

    def __init__(self):
        global _installed
        comm.init()
        _installed = self
        self.communication_seconds = 0.0

    @property
    def num_replicas_in_sync(self):
        return comm.size()

    def scope(self):
        """Keras's ``with strategy.scope():``; models need nothing from it (every fit is distributed)."""
        return contextlib.nullcontext(self)

    # ------------------------------------------------------------------ data
    def training_loader(self, data, batch_size, shuffle, caller):
        if isinstance(data, (DataLoader, batches.BatchesFrom)):
            return data  # the user's own batches, which the user deals to the ranks (docs/distributed.md)
        size = comm.size()
        if batch_size % size:
            raise ValueError(f"{caller}: batch_size={batch_size} is the global batch, split evenly over the "
                             f"{size} ranks; make it a multiple of {size}")
        # Every rank draws a seed, rank 0's wins; unshuffled, nothing is drawn, as on one process.
        seed = np.array([default_generator().integers(2**31) if shuffle else 0], np.int64)
        comm.broadcast_array(seed)
        sampler = DistributedSampler(data, shuffle=shuffle, seed=int(seed[0]))
        return _RankShare(data, batch_size // size, sampler, caller)

    def evaluation_loader(self, data, batch_size, caller):
        if isinstance(data, (DataLoader, batches.BatchesFrom)):
            return data
        rank, size = comm.rank(), comm.size()
        return _loader(data, np.arange(rank, len(data), size), math.ceil(batch_size / size), caller)

    # ------------------------------------------------------------- the steps
    def callbacks_for_this_rank(self, callbacks, train_loader):
        callbacks = list(callbacks or [])
        if any(isinstance(cb, BackupAndRestore) for cb in callbacks):
            raise NotImplementedError(
                "fit: BackupAndRestore does not run under a distribution strategy yet (every rank would "
                "restore and write on its own); use ModelCheckpoint, which rank 0 runs")
        if comm.rank() != 0:
            callbacks = [cb for cb in callbacks if not isinstance(cb, _WRITERS)]
        return [_DataParallelSteps(self, train_loader)] + callbacks

    @staticmethod
    def verbose(verbose):
        return verbose if comm.rank() == 0 else 0

    @staticmethod
    def agree_to_stop(model):
        """``model.stop_training`` on every rank: true as soon as it is true on one."""
        flag = np.array([bool(model.stop_training)], np.uint8)
        model.stop_training = bool(comm.all_reduce_array(flag, "max")[0])

    @staticmethod
    def reduce_logs(logs, trainer):
        """The logs over all ranks: the running means merged from every rank's counts (exact), other
        numbers averaged over the ranks."""
        tracker = trainer.tracker
        names = list(logs)  # only the names: a value read before the merge would be this rank's
        # A custom step may log without the tracker: then its numbers are all "other numbers".
        extra = {name: logs[name] for name in names if name not in tracker.names or not tracker.count}
        averaged = merge_tracker(tracker, extra)
        return {name: averaged[name] if name in averaged else tracker.value(name) for name in names}


def _loader(data, indices, batch_size, caller):
    """The samples of ``data`` at ``indices``, in that order, ``batch_size`` at a time."""
    part = data.part(indices) if isinstance(data, batches.InputsDataset) else Subset(data, indices)
    return batches.loader(part, batch_size, False, caller)


class _RankShare:
    """This rank's part of every global batch: its sampler shard of the epoch, ``batch_size`` at a time."""

    def __init__(self, data, batch_size, sampler, caller):
        self.data, self.batch_size, self.sampler, self.caller = data, batch_size, sampler, caller
        self.epoch = 0

    def __len__(self):
        return math.ceil(len(self.sampler) / self.batch_size)

    def __iter__(self):
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        return iter(_loader(self.data, self.sampler.indices(), self.batch_size, self.caller))

    def first_inputs(self):
        indices = self.sampler.indices()[:self.batch_size]
        return batches.unpack(next(iter(_loader(self.data, indices, self.batch_size, self.caller))), "fit")[0]


class _DataParallelSteps(Callback):
    """For one ``fit``: rank 0's weights everywhere, averaged gradients, rank 0's buffers after each batch."""

    def __init__(self, strategy, train_loader):
        super().__init__()
        self.strategy, self.train_loader = strategy, train_loader

    def on_train_begin(self, logs=None):
        model = self.model
        if uninitialized(list(model.parameters()) + list(model.buffers())):
            self._build(model)
        self.averager = GradientAverager(model.parameters(), model.buffers(), caller="fit")
        self.averager.broadcast_state()
        self.optimizer = model.trainer.optimizer
        if not isinstance(self.optimizer, DistributedOptimizer):
            distributed = DistributedOptimizer(self.optimizer)
            distributed.averager = self.averager
            model.trainer.optimizer = model.optimizer = distributed

    def _build(self, model):
        """Give lazy layers their sizes with one forward pass (in eval mode: no statistics move)."""
        if not hasattr(self.train_loader, "first_inputs"):
            raise RuntimeError("fit: the model has layers without sizes yet; with batches from a DataLoader "
                               "or a generator under a distribution strategy, call the model once first")
        was = model.training
        model.eval()
        with no_grad():
            model(self.train_loader.first_inputs())
        model.train(was)

    def on_train_batch_end(self, batch, logs=None):
        self.averager.broadcast_buffers()

    def on_train_end(self, logs=None):
        self.model.trainer.optimizer = self.model.optimizer = self.optimizer
        self.strategy.communication_seconds += self.averager.seconds
