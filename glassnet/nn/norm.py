"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` (and their lazy forms), ``LayerNorm``.

Batch norm keeps running estimates of each channel's mean and variance as
buffers: saved in the ``state_dict``, updated in training mode, used in
evaluation mode, so ``model.eval()`` matters.  Names, buffers and ``repr``
follow PyTorch.
"""

import numpy as np

from .. import backend
from ..ops import norm as N
from ..tensor import Tensor
from .dropout import Dropout2d  # noqa: F401 - lived here before nn/dropout.py; old imports keep working
from .lazy import LazyModuleMixin
from .module import Module, Parameter


class _BatchNorm(Module):
    flops_per_output_element = 2  # at inference, a scale and a shift

    _dims = ()  # the accepted input ranks

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=None, *, bias=True):
        super().__init__()
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(np.ones(num_features, dtype)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_features, dtype)) if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype), dtype=dtype))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype), dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def forward(self, input):  # noqa: A002 - PyTorch's name
        if input.ndim not in self._dims or input.shape[1] != self.num_features:
            ranks = " or ".join(f"{d}-D" for d in self._dims)
            raise RuntimeError(f"{type(self).__name__}({self.num_features}): expected a {ranks} input with "
                               f"{self.num_features} channels in dim 1, got shape {tuple(input.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:  # a cumulative average over all batches so far
                momentum = 1.0 / int(self.num_batches_tracked.array)
        # Without running statistics even evaluation normalises with the batch's own.
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        try:  # the op checks; the layer only says which layer it was
            return N.batch_norm(input, self.running_mean if track else None,
                                self.running_var if track else None, self.weight, self.bias, use_batch,
                                momentum, self.eps)
        except (RuntimeError, ValueError) as error:
            raise self.named_error(error) from None

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) features or (N, C, L) sequences, per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) feature maps, per channel C."""

    _dims = (4,)


class _LazyBatchNorm(LazyModuleMixin):
    """What LazyBatchNorm1d and LazyBatchNorm2d add: ``num_features`` from the first input's dim 1."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None, *,
                 bias=True):
        super().__init__(0, eps, momentum, affine, track_running_stats, dtype, bias=bias)
        self._leave_open(dtype, parameters={"weight": affine, "bias": affine and bias},
                         buffers=dict.fromkeys(("running_mean", "running_var"), track_running_stats))

    def infer_sizes(self, input):  # noqa: A002 - PyTorch's name
        if input.ndim not in self._dims:
            ranks = " or ".join(f"{d}-D" for d in self._dims)
            raise RuntimeError(f"{type(self).__name__}: expected a {ranks} input, "
                               f"got shape {tuple(input.shape)}")
        self.num_features = input.shape[1]

    def infer_sizes_from_state(self, tensors):
        known = [tensors[name] for name in ("weight", "running_mean") if name in tensors]
        if not known or np.ndim(known[0]) != 1:
            return False
        self.num_features = len(known[0])
        return True

    def open_shapes(self):
        return dict.fromkeys(("weight", "bias", "running_mean", "running_var"), (self.num_features,))


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """A BatchNorm1d whose ``num_features`` comes from the first input, as in PyTorch."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """A BatchNorm2d whose ``num_features`` (channels) comes from the first input, as in PyTorch."""

    cls_to_become = BatchNorm2d


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims, then scale and shift."""

    flops_per_output_element = 5  # mean, variance, then scale and shift

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        affine = elementwise_affine
        self.register_parameter("weight", Parameter(np.ones(shape, dtype)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if affine and bias else None)

    def reset_parameters(self):
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def forward(self, input):  # noqa: A002
        return N.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
