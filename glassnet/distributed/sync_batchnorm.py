"""``SyncBatchNorm``: batch norm whose statistics are those of the whole global batch.

A plain BatchNorm in a data-parallel job normalises each rank's part of
the batch by that part's own mean and variance (PyTorch's default, and
glassnet's): cheaper, and fine when each rank's part is large. With small
parts the statistics get noisy, and SyncBatchNorm takes them over every
rank's samples instead, so training matches one process on the whole batch.

Forward: each rank computes, per channel, its count, mean and sum of squared
deviations; one ``Allgather`` brings all of them to every rank, and each
combines them in rank order (Chan et al.'s pairwise formula, in float64),
so every rank gets the same global mean and variance. The running
statistics move towards the global ones (the variance unbiased by the
global count), so they too stay identical on every rank.

Backward: with ``xhat`` normalised and ``g`` the gradient of the output, the
input's gradient needs two per-channel sums over the *global* batch,
``sum(g)`` and ``sum(g * xhat)``: one ``Allreduce`` of both.
The gradients of ``weight`` and ``bias`` are this rank's own sums; the
gradient averaging of data parallelism combines them like every other
parameter's. Outside training, or in a job of one process, it is BatchNorm.
"""

import numpy as np

from ..autograd import Function, first_order
from ..nn.norm import _BatchNorm
from ..tensor import Tensor
from . import comm


def global_moments(x, axes):
    """Per-channel ``(count, mean, biased variance)`` over ``axes`` of every rank's ``x``, in float64."""
    count = x.size // x.shape[1]
    mean = x.mean(axis=axes, dtype=np.float64)
    deviation_squares = ((x - mean.astype(x.dtype).reshape(_channel_shape(x))) ** 2).sum(axis=axes,
                                                                                         dtype=np.float64)
    parts = comm.gather_arrays(np.stack([np.full_like(mean, count), mean, deviation_squares]))
    total, mean_all, squares_all = parts[0]
    for n, m, m2 in parts[1:]:  # Chan's formula: merge two groups' counts, means and squared deviations
        delta = m - mean_all
        merged = total + n
        squares_all = squares_all + m2 + delta ** 2 * total * n / merged
        mean_all = mean_all + delta * n / merged
        total = merged
    return int(total[0]), mean_all, squares_all / total


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


class SyncNormalize(Function):
    """Batch norm of ``x`` (N, C, ...) with global statistics; ``running``: None or (mean, var, momentum)."""

    def forward(self, x, weight, bias):
        axes = (0,) + tuple(range(2, x.ndim))
        count, mean, var = global_moments(x, axes)
        if count <= 1:
            raise ValueError(f"SyncBatchNorm: expected more than 1 value per channel over all ranks when "
                             f"training, got input of shape {x.shape} on this rank")
        if self.running is not None:
            running_mean, running_var, momentum = self.running
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype)
            running_var *= 1 - momentum
            running_var += (momentum * var * count / (count - 1)).astype(running_var.dtype)
        shape = _channel_shape(x)
        self.axes, self.count = axes, count
        self.invstd = (1 / np.sqrt(var + self.eps)).astype(x.dtype).reshape(shape)
        self.xhat = (x - mean.astype(x.dtype).reshape(shape)) * self.invstd
        return self.xhat * weight.reshape(shape) + bias.reshape(shape)

    def backward(self, g):
        if not first_order():
            raise NotImplementedError("SyncBatchNorm: second derivatives (create_graph=True) are not "
                                      "supported")
        g = g.array
        weight = self.inputs[1].array
        shape, axes, xhat = self.invstd.shape, self.axes, self.xhat
        sum_g = g.sum(axis=axes)
        sum_g_xhat = (g * xhat).sum(axis=axes)
        gx = None
        if self.needs_input_grad[0]:
            sums = np.stack([sum_g, sum_g_xhat])
            comm.all_reduce_array(sums, "sum")  # over the global batch, as the statistics were
            mean_g = (sums[0] / self.count).astype(g.dtype).reshape(shape)
            mean_g_xhat = (sums[1] / self.count).astype(g.dtype).reshape(shape)
            gx = (g - mean_g - xhat * mean_g_xhat) * (self.invstd * weight.reshape(shape))
            gx = Tensor._make(gx, None, 0)
        gw = Tensor._make(sum_g_xhat.astype(weight.dtype), None, 0) if self.needs_input_grad[1] else None
        gb = Tensor._make(sum_g.astype(weight.dtype), None, 0) if self.needs_input_grad[2] else None
        return gx, gw, gb


class SyncBatchNorm(_BatchNorm):
    """``BatchNorm`` over (N, C, ...) inputs whose training statistics are taken over all ranks."""

    _dims = (2, 3, 4, 5)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        if not self.training or comm.size() == 1:
            return super().forward(input)
        if input.ndim not in self._dims or input.shape[1] != self.num_features:
            raise RuntimeError(f"SyncBatchNorm({self.num_features}): expected an input of 2 to 5 dims with "
                               f"{self.num_features} channels in dim 1, got shape {tuple(input.shape)}")
        running = None
        if self.track_running_stats:
            self.num_batches_tracked.array += 1
            momentum = self.momentum
            if momentum is None:  # a cumulative average over all batches so far
                momentum = 1.0 / int(self.num_batches_tracked.array)
            running = (self.running_mean.array, self.running_var.array, momentum)
        # Without affine parameters the scale is 1 and the shift 0: constants, so no gradient is asked.
        ones, zeros = np.ones(self.num_features, input.dtype), np.zeros(self.num_features, input.dtype)
        weight = self.weight if self.weight is not None else Tensor._make(ones, None, 0)
        bias = self.bias if self.bias is not None else Tensor._make(zeros, None, 0)
        return SyncNormalize.apply(input, weight, bias, eps=self.eps, running=running)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm holding the same parameters
        and buffers (the same objects, so an optimizer made before still updates them)."""
        if process_group is not None:
            raise ValueError("SyncBatchNorm.convert_sync_batchnorm: glassnet synchronises over the whole "
                             "job; process_group must be None")
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            return cls._from_batchnorm(module)
        for name, child in list(module._modules.items()):
            if child is not None:
                # Written into the registry directly: replacing it through setattr would move the
                # child to the end, and a Sequential runs its children in registry order.
                module._modules[name] = cls.convert_sync_batchnorm(child)
        return module

    @classmethod
    def _from_batchnorm(cls, bn):
        if getattr(bn, "cls_to_become", None) is not None:
            raise RuntimeError(f"SyncBatchNorm.convert_sync_batchnorm: {type(bn).__name__} has no size yet; "
                               "call the model once (or give the layer num_features) before converting")
        sync = cls(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
        for name in ("weight", "bias"):
            sync._parameters[name] = bn._parameters[name]
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            sync._buffers[name] = bn._buffers[name]
        sync.train(bn.training)
        return sync
