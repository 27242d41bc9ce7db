"""Gradients averaged over all ranks in a few large messages: Horovod's tensor fusion.

A network's parameters are many small arrays (a bias of 10 numbers, a
kernel of 150). One MPI message per parameter would pay the message latency
(microseconds on one machine, tens of them across a network) dozens of
times per step. So the gradients are copied into a few flat buffers, one
per ``bucket_cap_mb`` of parameters of one dtype (25 MB, PyTorch's
default), each buffer is summed over the ranks by one ``Allreduce``, divided
by the number of ranks, and copied back. The plan is made once from the
parameters' shapes, in the order the module lists them, so it is the same
on every rank.

A parameter that has no gradient on some rank (a branch that rank's batch
did not use) counts as a zero gradient there; one that has no gradient on
any rank keeps ``grad = None``, as on one process, so optimizers skip it.
"""

import time

import numpy as np

from ..creation import from_numpy
from . import comm


def uninitialized(tensors):
    """The tensors that are still lazy placeholders (no shape until their layer's first call)."""
    return [t for t in tensors if getattr(t, "is_uninitialized", False)]


class _Bucket:
    """One flat buffer and where each member's numbers sit in it."""

    def __init__(self, dtype):
        self.dtype, self.members, self.size = dtype, [], 0

    def add(self, tensor):
        self.members.append((tensor, self.size))
        self.size += tensor.array.size

    def allocate(self):
        self.buffer = np.empty(self.size, self.dtype)
        return self


def plan_buckets(tensors, cap_bytes):
    """Tensors grouped by dtype into buckets of at most ``cap_bytes`` (a bigger tensor gets its own)."""
    open_buckets, done = {}, []
    for tensor in tensors:
        dtype = tensor.array.dtype
        bucket = open_buckets.get(dtype)
        if bucket is not None and (bucket.size + tensor.array.size) * dtype.itemsize > cap_bytes:
            done.append(bucket)
            bucket = None
        if bucket is None:
            bucket = open_buckets[dtype] = _Bucket(dtype)
        bucket.add(tensor)
    done.extend(open_buckets.values())
    return [bucket.allocate() for bucket in done]


class GradientAverager:
    """Averages the gradients of ``parameters`` over all ranks; broadcasts parameters and buffers.

    ``seconds`` and ``messages`` count the time spent in (and the number of)
    the averaging's MPI calls and copies, for measuring the communication share.
    """

    def __init__(self, parameters, buffers=(), bucket_cap_mb=25, caller="DistributedDataParallel"):
        self.parameters = [p for p in parameters if p.requires_grad]
        self.buffers = [b for b in buffers if b is not None]
        lazy = uninitialized(self.parameters + self.buffers)
        if lazy:
            raise RuntimeError(
                f"{caller}: {len(lazy)} parameter(s) or buffer(s) are not initialised yet (lazy layers, "
                "or Keras layers without an input shape); run one forward pass on a batch first, or give "
                "the model its input shape, so that every rank starts from the same full-sized weights")
        if not bucket_cap_mb > 0:
            raise ValueError(f"{caller}: bucket_cap_mb must be > 0, got {bucket_cap_mb!r}")
        self.buckets = plan_buckets(self.parameters, bucket_cap_mb * 2**20)
        self.seconds, self.messages = 0.0, 0

    def broadcast_state(self, src=0):
        """Rank ``src``'s parameters and buffers, copied in place into every rank's."""
        self.broadcast(self.parameters + self.buffers, src)

    def broadcast_buffers(self, src=0):
        self.broadcast(self.buffers, src)

    def broadcast(self, tensors, src=0):
        if comm.size() == 1 or not tensors:
            return
        started = time.perf_counter()
        for bucket in plan_buckets(tensors, 2**62):  # one message per dtype
            _pack(bucket, lambda tensor: tensor.array)
            comm.broadcast_array(bucket.buffer, src)
            for tensor, start in bucket.members:
                tensor.array[...] = bucket.buffer[start:start + tensor.array.size].reshape(tensor.array.shape)
            self.messages += 1
        self.seconds += time.perf_counter() - started

    def average_gradients(self):
        """Each parameter's ``.grad`` replaced by its mean over the ranks (in place where it can be)."""
        size = comm.size()
        if size == 1:
            return
        started = time.perf_counter()
        present = np.array([p.grad is not None for p in self.parameters], np.uint8)
        comm.all_reduce_array(present, "max")
        somewhere = dict(zip(map(id, self.parameters), present.astype(bool)))
        self.messages += 1
        for bucket in self.buckets:
            if not any(somewhere[id(p)] for p, _ in bucket.members):
                continue
            _pack(bucket, lambda p: None if p.grad is None else p.grad.array)
            comm.all_reduce_array(bucket.buffer, "sum")
            bucket.buffer /= size
            self.messages += 1
            for p, start in bucket.members:
                if somewhere[id(p)]:
                    _unpack_gradient(p, bucket.buffer[start:start + p.array.size])
        self.seconds += time.perf_counter() - started


def _pack(bucket, array_of):
    """Copy each member's array (zeros where there is none) into the bucket's buffer."""
    for tensor, start in bucket.members:
        part = bucket.buffer[start:start + tensor.array.size]
        array = array_of(tensor)
        if array is None:
            part[...] = 0
        else:
            part[...] = array.reshape(-1)


def _unpack_gradient(param, averaged):
    grad = None if param.grad is None else param.grad.array
    if grad is not None and grad.flags.writeable and grad.flags.c_contiguous and grad.shape == param.shape:
        grad[...] = averaged.reshape(grad.shape)
    else:  # no gradient here, or a read-only view left by backward: a fresh array of its own
        param.grad = from_numpy(averaged.reshape(param.array.shape).copy())
