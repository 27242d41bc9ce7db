"""Keras's BatchNormalization and LayerNormalization over the last axis (channels last).

Keras's ``momentum=0.99`` keeps 99 % of the running statistics at each
step; glassnet's (PyTorch's) ``momentum`` is the share of the new batch,
so it is ``1 - 0.99`` here. ``epsilon`` defaults to Keras's 1e-3.

A frozen BatchNormalization (``trainable = False``, itself or through its
model) runs in inference mode even inside ``fit``: it normalizes with its
moving statistics and leaves them alone. That is Keras's rule since 2.1.3,
made for fine-tuning: unfreezing the top of a pretrained network must not
let small batches of new data overwrite the statistics it was trained with.
"""

import numpy as np

from ...ops.norm import batch_norm, layer_norm
from ...ops.shape import reshape
from ...tensor import Tensor
from .. import initializers
from .base import Layer
from .masking import SupportsMasking


class BatchNormalization(Layer):
    flops_per_output_element = 2  # at inference, a scale and a shift

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if axis not in (-1,):
            raise NotImplementedError(f"{self.name}: only axis=-1 (channels last) is supported")
        self.momentum, self.epsilon, self.center, self.scale = momentum, epsilon, center, scale
        if scale:
            self.declare_weight("gamma", initializers.get(gamma_initializer))
        if center:
            self.declare_weight("beta", initializers.get(beta_initializer))
        self._statistics_init = (initializers.get(moving_mean_initializer),
                                 initializers.get(moving_variance_initializer))

    def build(self, input_shape):
        channels = input_shape[-1]
        self.make_weights({"gamma": (channels,), "beta": (channels,)})
        dtype = self.gamma.dtype if self.scale else np.float32
        self.register_buffer("moving_mean", Tensor(np.zeros(channels, dtype)))
        self.register_buffer("moving_variance", Tensor(np.ones(channels, dtype)))
        for init, buffer in zip(self._statistics_init, (self.moving_mean, self.moving_variance)):
            init(buffer)

    def call(self, x):
        channels = self.moving_mean.shape[0]
        if x.shape[-1] != channels:
            raise ValueError(f"{self.name} expects inputs with {channels} channels on the last axis; got "
                             f"{tuple(x.shape)}")
        # Channels last: every position of every sample is a row of a (rows, channels) batch.
        rows = reshape(x, (-1, channels))
        batch_statistics = self.training and self.trainable  # frozen: inference mode (Keras's rule)
        y = batch_norm(rows, self.moving_mean, self.moving_variance, self.gamma if self.scale else None,
                       self.beta if self.center else None, batch_statistics, 1 - self.momentum, self.epsilon)
        return reshape(y, x.shape)

    def keras_weights(self):
        entries = [(name, t, None, None) for name, t in (("gamma", self.gamma if self.scale else None),
                                                           ("beta", self.beta if self.center else None))
                   if t is not None]
        return entries + [("moving_mean", self.moving_mean, None, None),
                          ("moving_variance", self.moving_variance, None, None)]


class LayerNormalization(SupportsMasking, Layer):  # per step, so a mask passes through
    flops_per_output_element = 5

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # Keras 3 saves the axis as a list
            axis = axis[0]
        if axis not in (-1,):
            raise NotImplementedError(f"{self.name}: only axis=-1 is supported")
        self.epsilon, self.center, self.scale = epsilon, center, scale
        if scale:
            self.declare_weight("gamma", initializers.get(gamma_initializer))
        if center:
            self.declare_weight("beta", initializers.get(beta_initializer))

    def build(self, input_shape):
        self.make_weights({"gamma": (input_shape[-1],), "beta": (input_shape[-1],)})

    def call(self, x):
        return layer_norm(x, (x.shape[-1],), self.gamma if self.scale else None,
                          self.beta if self.center else None, self.epsilon)
