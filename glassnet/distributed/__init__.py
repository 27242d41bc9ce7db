"""Data-parallel training over MPI: the same script on one process, on ``mpirun -np 2``, or on N machines.

Every rank (process) holds the whole model, trains on its own part of each
batch, and the ranks average their gradients before each update, so that
they stay identical and take the step one process would take on the whole
batch. MPI moves the numbers, through mpi4py (``pip install
'glassnet[distributed]'``); without an MPI launcher a script runs as a job of
one process, where everything here changes nothing. See docs/distributed.md.

* ``comm.py``: ``init()``, ``rank()``, ``size()``, ``local_rank()``, ``barrier()``, and
  ``all_reduce``, ``broadcast``, ``all_gather`` on Tensors (``torch.distributed``'s names);
* ``buckets.py``: gradients averaged in a few large messages (Horovod's tensor fusion);
* ``ddp.py``: ``DistributedDataParallel`` (PyTorch's idiom) and ``DistributedOptimizer`` (Horovod's);
* ``sampler.py``: ``DistributedSampler``, each rank's shard of a dataset;
* ``sync_batchnorm.py``: ``SyncBatchNorm``, batch statistics over all ranks (also ``nn.SyncBatchNorm``);
* ``strategy.py`` and ``merge.py``: data-parallel ``fit``/``evaluate`` (Keras's idiom, through
  ``glassnet.keras.distribute.MultiWorkerMirroredStrategy``).
"""

from .comm import (
    ReduceOp,
    all_gather,
    all_reduce,
    barrier,
    broadcast,
    communicator,
    init,
    is_initialized,
    is_main_process,
    launched_by_mpi,
    local_rank,
    rank,
    size,
)
from .ddp import DistributedDataParallel, DistributedOptimizer
from .sampler import DistributedSampler
from .sync_batchnorm import SyncBatchNorm

# PyTorch's names for the same questions.
get_rank, get_world_size = rank, size

__all__ = [
    "DistributedDataParallel", "DistributedOptimizer", "DistributedSampler", "ReduceOp", "SyncBatchNorm",
    "all_gather", "all_reduce", "barrier", "broadcast", "communicator", "get_rank", "get_world_size", "init",
    "is_initialized", "is_main_process", "launched_by_mpi", "local_rank", "rank", "size",
]
