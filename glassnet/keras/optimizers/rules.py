"""What ``compile`` builds from a Keras optimizer: a glassnet optimizer that steps the way Keras does.

Each class here is a ``glassnet.optim`` optimizer with two things added:

* **Keras's update rule.** Where Keras's formula differs from PyTorch's, the
  glassnet class has a switch for it, and ``keras_rule`` turns it on (eps
  under the square root, eps before Adam's bias correction, lr inside the
  momentum buffer). Adadelta is the same rule in both; Keras's Nadam is
  PyTorch's NAdam with ``momentum_decay=1``.
* **Keras's step around it** (``KerasStep``): the learning rate from a
  schedule, gradient clipping, Keras's weight decay, and the update count
  ``iterations``.

They are glassnet optimizers, so glassnet's trainer and callbacks (which set
``param_groups[i]["lr"]``) drive them unchanged.
"""

import numpy as np

from ... import optim
from ...autograd.grad_mode import enable_grad
from ...tensor import Tensor
from .schedules import LearningRateSchedule


class KerasStep:
    """Keras's step around a glassnet update rule; the rule's own options go to the glassnet class.

    ``learning_rate`` is a number or a ``LearningRateSchedule``. The other
    arguments are Keras's, applied in Keras's order before each update:

    * ``clipnorm``: each gradient scaled down to at most this L2 norm;
      ``global_clipnorm``: all gradients together; ``clipvalue``: each entry
      clipped to ``[-clipvalue, clipvalue]``. At most one of the three.
    * ``weight_decay``: ``p -= lr * weight_decay * p`` (decoupled, as AdamW),
      not the L2 penalty that the PyTorch-style classes call weight_decay.
    """

    keras_rule = {}  # the glassnet switches that make the rule Keras's

    def __init__(self, params, learning_rate=0.001, *, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, **rule_options):
        check_clipping(clipnorm, clipvalue, global_clipnorm)
        self.schedule = learning_rate if isinstance(learning_rate, LearningRateSchedule) else None
        self.iterations = 0
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        lr = self.schedule(0) if self.schedule is not None else learning_rate
        super().__init__(params, lr=float(lr), **{**self.keras_rule, **rule_options})

    # --------------------------------------------------------- learning rate
    @property
    def learning_rate(self):
        """The rate of the next update: ``schedule(iterations)``, or the lr that callbacks read and set."""
        if self.schedule is not None:
            return float(self.schedule(self.iterations))
        return float(self.param_groups[0]["lr"])

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule):
            self.schedule = value
            return
        refuse_number_for_schedule(self.schedule, type(self).__name__)
        for group in self.param_groups:
            group["lr"] = float(value)

    # ------------------------------------------------------------------ step
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if self.schedule is not None:
            lr = self.learning_rate
            for group in self.param_groups:
                group["lr"] = lr
        stepped = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        given = [p.grad for p in stepped]
        try:
            # The rule reads p.grad: lend it the clipped gradients, and give the caller's back afterwards.
            for p, g in zip(stepped, self._clipped([g.array for g in given])):
                if g is not p.grad.array:
                    p.grad = Tensor(g, dtype=g.dtype)
            self._decay_weights()
            super().step()
        finally:
            for p, g in zip(stepped, given):
                p.grad = g
        self.iterations += 1
        return loss

    def _clipped(self, grads):
        if self.clipnorm:
            return [g * _shrink(np.sqrt(np.sum(g * g)), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
            return [g * _shrink(norm, self.global_clipnorm) for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _decay_weights(self):
        if not self.weight_decay:
            return
        for group in self.param_groups:
            keep = 1 - float(group["lr"]) * self.weight_decay
            for p in group["params"]:
                if p.grad is not None:  # as Keras: only the variables that get an update decay
                    p.array *= keep

    # ------------------------------------------------------------ state dict
    def state_dict(self):
        return dict(super().state_dict(), iterations=self.iterations)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.iterations = int(state_dict.get("iterations", self.iterations))


def _shrink(norm, limit):
    """The factor that brings a gradient of ``norm`` down to ``limit`` (1 when it is already within).

    A Python float, so that it does not turn a float32 gradient into float64.
    """
    return float(limit / np.maximum(norm, limit))


def check_clipping(clipnorm, clipvalue, global_clipnorm):
    given = {k: v for k, v in dict(clipnorm=clipnorm, clipvalue=clipvalue,
                                   global_clipnorm=global_clipnorm).items() if v is not None}
    if len(given) > 1:
        raise ValueError(f"only one of clipnorm, clipvalue and global_clipnorm can be set; got {given}")


def refuse_number_for_schedule(current, owner):
    """Keras's rule: a learning rate that is a schedule cannot be overwritten by a number."""
    if isinstance(current, LearningRateSchedule):
        raise TypeError(f"{owner}: the learning rate comes from a {type(current).__name__} schedule, so it "
                        "cannot be set to a number; make the optimizer with a number as learning_rate to "
                        "set it later")


class SGD(KerasStep, optim.SGD):
    """Keras: ``v = momentum * v - lr * g``; ``p += v`` (nesterov: ``p += momentum * v - lr * g``)."""

    keras_rule = dict(lr_in_buffer=True)


class RMSprop(KerasStep, optim.RMSprop):
    """Keras: ``p -= lr * g / sqrt(v + eps)``, and with momentum the buffer holds the lr-scaled steps."""

    keras_rule = dict(eps_inside_sqrt=True, lr_in_buffer=True)


class Adam(KerasStep, optim.Adam):
    """Keras: ``p -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + eps)``."""

    keras_rule = dict(eps_before_correction=True)


class AdamW(Adam):
    """Keras's AdamW is its Adam with a weight decay (by default 0.004): ``KerasStep`` applies it."""


class Adagrad(KerasStep, optim.Adagrad):
    """Keras: ``p -= lr * g / sqrt(sum + eps)``, with the sum started at ``initial_accumulator_value``."""

    keras_rule = dict(eps_inside_sqrt=True)


class Adadelta(KerasStep, optim.Adadelta):
    """Keras's Adadelta is PyTorch's rule; only the defaults differ (lr 1e-3, rho 0.95, eps 1e-7)."""


class Nadam(KerasStep, optim.NAdam):
    """Keras's momentum schedule ``beta1 * (1 - 0.5 * 0.96 ** t)`` is PyTorch's with ``momentum_decay=1``."""

    keras_rule = dict(momentum_decay=1.0)
