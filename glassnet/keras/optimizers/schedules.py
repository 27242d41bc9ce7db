"""Keras's learning-rate schedules: the learning rate as a function of the step.

A schedule is given as an optimizer's ``learning_rate``; before each update the
optimizer calls it with its ``iterations``, the number of updates done so far
(0 for the first). Unlike ``glassnet.optim.lr_scheduler`` (PyTorch's, stepped
by hand and chained), a Keras schedule is a pure function of the step.
"""

import bisect
import math


class LearningRateSchedule:
    """Base class: subclasses write ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step)")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must define get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _positive_steps(decay_steps):
    if not decay_steps > 0:
        raise ValueError(f"decay_steps must be > 0, got {decay_steps!r}")


class _StepDecay(LearningRateSchedule):
    """What exponential and inverse-time decay share: progress ``step / decay_steps``, floored with
    ``staircase``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        _positive_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name or type(self).__name__

    def progress(self, step):
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return dict(initial_learning_rate=self.initial_learning_rate, decay_steps=self.decay_steps,
                    decay_rate=self.decay_rate, staircase=self.staircase, name=self.name)


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; ``staircase`` floors the exponent."""

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate**self.progress(step)


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; ``staircase`` floors the ratio."""

    def __call__(self, step):
        return self.initial_learning_rate / (1 + self.decay_rate * self.progress(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to step ``boundaries[0]`` (included), ``values[1]`` up to ``boundaries[1]``, ..."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay needs one value more than boundaries; got "
                             f"{len(boundaries)} boundaries and {len(values)} values")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase, got {list(boundaries)}")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        # A boundary belongs to the interval it ends, so count the boundaries strictly below the step.
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self):
        return dict(boundaries=self.boundaries, values=self.values, name=self.name)


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` in ``decay_steps``, along ``(1 - t) ** power``.

    After ``decay_steps`` the rate stays at the end value, or with ``cycle=True``
    the decay starts again over a period stretched to the next multiple of
    ``decay_steps``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _positive_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        period = self.decay_steps
        if self.cycle:
            period *= max(1, math.ceil(step / self.decay_steps))
        else:
            step = min(step, self.decay_steps)
        span = self.initial_learning_rate - self.end_learning_rate
        return span * (1 - step / period) ** self.power + self.end_learning_rate

    def get_config(self):
        return dict(initial_learning_rate=self.initial_learning_rate, decay_steps=self.decay_steps,
                    end_learning_rate=self.end_learning_rate, power=self.power, cycle=self.cycle,
                    name=self.name)


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the starting rate down to ``alpha`` times it, over ``decay_steps``.

    With ``warmup_target``, the rate first climbs linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, and
    the cosine then starts from ``warmup_target``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _positive_steps(decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = (
            initial_learning_rate, decay_steps, alpha, name)
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        if self.warmup_target is None:
            return self._cosine(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        return self._cosine(step - self.warmup_steps, self.warmup_target)

    def _cosine(self, step, start):
        fraction = 0.5 * (1 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1 - self.alpha) * fraction + self.alpha)

    def get_config(self):
        return dict(initial_learning_rate=self.initial_learning_rate, decay_steps=self.decay_steps,
                    alpha=self.alpha, name=self.name, warmup_target=self.warmup_target,
                    warmup_steps=self.warmup_steps)


__all__ = ["CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
           "PiecewiseConstantDecay", "PolynomialDecay"]
