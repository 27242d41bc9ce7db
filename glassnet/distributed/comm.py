"""The process group: which rank this process is, how many there are, and the collectives on tensors.

MPI does the work, through mpi4py. A process started by ``mpirun`` (or
another MPI launcher) joins the job at ``init()``; a process started any
other way is a job of one, where every collective is the identity and
nothing imports mpi4py. Importing ``mpi4py.MPI`` starts MPI, so it happens
in ``init()``, never when glassnet loads.

The collectives follow ``torch.distributed``: ``all_reduce``, ``broadcast``
and ``all_gather`` work in place on glassnet Tensors (``all_reduce`` and
``broadcast`` also return the tensor). They record no graph.

A rank that stops on an uncaught exception would leave the others waiting
forever in their next collective; so, in a job of several ranks, ``init()``
installs an exception hook that prints the traceback, says which rank failed,
and calls ``MPI_Abort``, which ends every rank of the job.
"""

import os
import sys

import numpy as np

from ..tensor import Tensor

# Set by the launchers: Open MPI, MPICH and Intel MPI (Hydra's PMI), PMIx launchers (Open MPI 5,
# srun --mpi=pmix), MVAPICH.
_LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MV2_COMM_WORLD_SIZE")


class ReduceOp:
    """How ``all_reduce`` combines the ranks' values (``torch.distributed.ReduceOp``'s names)."""

    SUM, AVG, MAX, MIN, PRODUCT = "sum", "avg", "max", "min", "product"


_REDUCE_OPS = ("sum", "avg", "max", "min", "product")


def launched_by_mpi():
    """True when an MPI launcher started this process (its environment says so)."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


class _OneProcess:
    """The group when there is no MPI job: rank 0 of 1; every collective leaves its data as it is."""

    comm = None
    rank, size, local_rank = 0, 1, 0


class _MPIGroup:
    """``MPI.COMM_WORLD``, with the rank among the processes of this machine."""

    def __init__(self, MPI):  # noqa: N803 - mpi4py's module name
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        # The ranks that share this machine's memory, numbered from 0 (MPI-3, any launcher).
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = node.Get_rank()
        node.Free()
        self.ops = {"sum": MPI.SUM, "avg": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "product": MPI.PROD}


_group = None


def init(mpi=None):
    """Join the MPI job this process belongs to; return ``(rank, size)``.

    ``mpi=None`` looks at the environment: under ``mpirun`` (or another MPI
    launcher) the job is MPI's ``COMM_WORLD``; otherwise this process is a
    job of one and mpi4py is not imported. ``mpi=True`` joins MPI anyway (a
    single process then is MPI's "singleton"); ``mpi=False`` never does.
    Calling ``init`` again does nothing. ``rank()``, ``size()`` and the
    collectives call it when it has not run.
    """
    global _group
    if _group is not None:
        return _group.rank, _group.size
    if mpi is None:
        mpi = launched_by_mpi()
    if not mpi:
        _group = _OneProcess()
        return 0, 1
    try:
        from mpi4py import MPI
    except ImportError as error:
        found = [name for name in _LAUNCHER_VARIABLES if name in os.environ]
        why = (f"this process was started by an MPI launcher ({', '.join(found)} is set)" if found
               else "init(mpi=True) asks for MPI")
        raise ImportError(f"glassnet.distributed.init: {why}, but mpi4py is not installed, so it cannot join "
                          "the job; install it with pip install 'glassnet[distributed]'") from error
    _group = _MPIGroup(MPI)
    if _group.size > 1:
        sys.excepthook = _aborting_hook(sys.excepthook, _group)
    return _group.rank, _group.size


def _aborting_hook(previous, group):
    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.write(
            f"glassnet.distributed: rank {group.rank} of {group.size} stopped on an uncaught "
            f"{kind.__name__}; aborting the whole job (MPI_Abort) so that no rank waits for it forever\n")
        sys.stderr.flush()
        group.comm.Abort(1)
    return hook


def _current():
    if _group is None:
        init()
    return _group


def is_initialized():
    return _group is not None


def rank():
    """This process's number in the job, from 0."""
    return _current().rank


def size():
    """The number of processes in the job (1 without MPI)."""
    return _current().size


def local_rank():
    """This process's number among the job's processes on the same machine."""
    return _current().local_rank


def is_main_process():
    """True on rank 0, the one that prints and writes files."""
    return rank() == 0


def communicator():
    """mpi4py's communicator of the job (for MPI calls of your own), or None for a job of one process."""
    return _current().comm


def barrier():
    """Wait until every rank has come here."""
    group = _current()
    if group.size > 1:
        group.comm.Barrier()


def _array_of(tensor, caller):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}: expected a glassnet Tensor, got {type(tensor).__name__}")
    return tensor.array


def _contiguous(array):
    """The array itself when MPI can write into it; otherwise a contiguous copy to write back."""
    return array if array.flags.c_contiguous and array.flags.writeable else np.ascontiguousarray(array)


def all_reduce(tensor, op=ReduceOp.SUM):
    """Replace ``tensor`` on every rank by the sum (or ``'avg'``, ``'max'``, ``'min'``, ``'product'``)
    of its values over all ranks; return it."""
    array = _array_of(tensor, "all_reduce")
    buffer = _contiguous(array)
    all_reduce_array(buffer, op)
    if buffer is not array:
        array[...] = buffer
    return tensor


def all_reduce_array(array, op="sum"):
    """``all_reduce`` on a contiguous, writable NumPy array, in place."""
    if op not in _REDUCE_OPS:
        raise ValueError(f"all_reduce: op must be one of {list(_REDUCE_OPS)}, got {op!r}")
    if op == "avg" and array.dtype.kind != "f":
        raise TypeError(f"all_reduce: op='avg' needs a floating-point tensor, got dtype {array.dtype}")
    group = _current()
    if group.size == 1:
        return array
    group.comm.Allreduce(group.MPI.IN_PLACE, array, op=group.ops[op])
    if op == "avg":
        array /= group.size  # sum, then divide: MPI has no mean
    return array


def _check_rank(src, group, caller):
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < group.size:
        raise ValueError(f"{caller}: src must be a rank from 0 to {group.size - 1}, got {src!r}")


def broadcast(tensor, src=0):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank; return it."""
    array = _array_of(tensor, "broadcast")
    buffer = _contiguous(array)
    broadcast_array(buffer, src)
    if buffer is not array:
        array[...] = buffer
    return tensor


def broadcast_array(array, src=0):
    """``broadcast`` on a contiguous, writable NumPy array, in place."""
    group = _current()
    _check_rank(src, group, "broadcast")
    if group.size > 1:
        group.comm.Bcast(array, root=int(src))
    return array


def all_gather(tensor_list, tensor):
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank (PyTorch's signature).

    ``tensor_list`` holds ``size()`` tensors of ``tensor``'s shape and dtype,
    written in place. Every rank must give a tensor of the same shape.
    """
    array = _array_of(tensor, "all_gather")
    group = _current()
    if not isinstance(tensor_list, list) or len(tensor_list) != group.size:
        given = f"{len(tensor_list)} items" if isinstance(tensor_list, list) else type(tensor_list).__name__
        raise ValueError(f"all_gather: tensor_list must be a list of {group.size} tensors (one per rank), "
                         f"got {given}")
    for i, out in enumerate(tensor_list):
        out_array = _array_of(out, "all_gather")
        if out_array.shape != array.shape or out_array.dtype != array.dtype:
            raise ValueError(f"all_gather: tensor_list[{i}] has shape {out_array.shape} and dtype "
                             f"{out_array.dtype}; expected {array.shape} and {array.dtype}, as the tensor "
                             "sent")
    gathered = gather_arrays(array)
    for out, part in zip(tensor_list, gathered):
        out.array[...] = part
    return tensor_list


def gather_arrays(array):
    """Every rank's ``array`` (same shape everywhere), stacked in rank order: shape ``(size, *shape)``."""
    group = _current()
    send = np.ascontiguousarray(array)
    if group.size == 1:
        return send[None].copy()
    received = np.empty((group.size,) + send.shape, send.dtype)
    group.comm.Allgather(send, received)
    return received


def gather_objects(obj):
    """Every rank's Python object (pickled by mpi4py), in rank order; for small things such as logs."""
    group = _current()
    return [obj] if group.size == 1 else group.comm.allgather(obj)
