"""Data parallelism, PyTorch's way: ``DistributedDataParallel`` and (Horovod's) ``DistributedOptimizer``.

Every rank holds the whole model and trains on its own part of each batch.
The ranks start from rank 0's weights and, after each backward, replace
their gradients by the mean over all ranks; so every rank takes the same
step, and the weights stay identical everywhere. With a loss that is a mean
over the batch, that step is the one a single process would take on the
union of the ranks' batches.

Where the averaging happens is the one difference from PyTorch. PyTorch's
DDP hooks into its autograd engine and averages during ``backward()``.
glassnet's engine has no such hook, and the readable place is just after
backward, before the optimizer step; it is written once, in either of two
forms::

    model = DistributedDataParallel(net)              # broadcasts rank 0's weights
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    ...
    loss.backward()
    model.sync_gradients()                            # the one added line
    optimizer.step()

or, leaving the loop exactly as PyTorch writes it, Horovod's wrapper::

    optimizer = DistributedOptimizer(optim.SGD(model.parameters(), lr=0.1))
    ...
    loss.backward()
    optimizer.step()                                  # averages, then steps
"""

import contextlib

from ..autograd import enable_grad
from ..nn.module import Module
from .buckets import GradientAverager


class DistributedDataParallel(Module):
    """``module``, replicated on every rank: rank 0's parameters and buffers are copied to all ranks
    now, buffers (BatchNorm's running statistics) again before each training forward, and
    ``sync_gradients()`` averages the gradients over the ranks in buckets of ``bucket_cap_mb``."""

    def __init__(self, module, device_ids=None, output_device=None, broadcast_buffers=True, bucket_cap_mb=25):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected a glassnet nn.Module, "
                            f"got {type(module).__name__}")
        if device_ids is not None or output_device is not None:
            raise ValueError("DistributedDataParallel: glassnet runs on the CPU; device_ids and "
                             f"output_device must be None, got {device_ids!r} and {output_device!r}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.averager = GradientAverager(module.parameters(), module.buffers(), bucket_cap_mb)
        self.averager.broadcast_state()

    def forward(self, *args, **kwargs):
        if self.training and self.broadcast_buffers:
            self.averager.broadcast_buffers()
        return self.module(*args, **kwargs)

    def sync_gradients(self):
        """Replace every parameter's ``.grad`` by its mean over all ranks (after backward, before step)."""
        self.averager.average_gradients()

    def no_sync(self):
        """PyTorch's context for accumulating gradients: nothing to suspend here, as gradients are
        averaged only when ``sync_gradients()`` (or a ``DistributedOptimizer``'s step) runs."""
        return contextlib.nullcontext()


class DistributedOptimizer:
    """``optimizer``, whose ``step()`` first averages the gradients of the parameters it updates over
    all ranks (Horovod's name). Everything else (``zero_grad``, ``param_groups``, ``state_dict``,
    learning-rate schedulers) is the wrapped optimizer's own."""

    def __init__(self, optimizer, bucket_cap_mb=25):
        if not hasattr(optimizer, "param_groups") or not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"DistributedOptimizer: expected a glassnet optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.bucket_cap_mb = bucket_cap_mb
        self.averager = None  # planned at the first step, when lazy layers have their shapes

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if self.averager is None:
            params = [p for group in self.optimizer.param_groups for p in group["params"]]
            self.averager = GradientAverager(params, bucket_cap_mb=self.bucket_cap_mb,
                                             caller="DistributedOptimizer")
        self.averager.average_gradients()
        self.optimizer.step()
        return loss

    def __getattr__(self, name):
        # Only reached for what this wrapper does not define itself.
        optimizer = self.__dict__.get("optimizer")
        if optimizer is None:  # while being copied or unpickled
            raise AttributeError(name)
        return getattr(optimizer, name)

    def __repr__(self):
        return f"DistributedOptimizer({self.optimizer!r})"
