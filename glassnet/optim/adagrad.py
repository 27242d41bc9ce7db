"""Adagrad: per-coordinate step sizes that shrink with the gradients seen so far."""

import numpy as np

from .optimizer import Optimizer, _buffer


class Adagrad(Optimizer):
    """Divide each step by the root of the sum of all past squared gradients::

        sum += d * d
        p   -= lr / (1 + (t - 1) * lr_decay) * d / (sqrt(sum) + eps)

    ``eps_inside_sqrt=True`` divides by ``sqrt(sum + eps)`` instead, as Keras does.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False, eps_inside_sqrt=False):
        # Set first: add_param_group (called by the base class) may make state already.
        # Not a group option: it picks the rule, and PyTorch's defaults (and state dicts) stay PyTorch's.
        self.eps_inside_sqrt = eps_inside_sqrt
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        # The accumulator exists from the start (not the first step), as in PyTorch,
        # so a state dict saved before training already holds it.
        # A lazy layer's parameter gets its accumulator at the first step, when it has a shape.
        group = self.param_groups[-1]
        for p in group["params"]:
            if not getattr(p, "is_uninitialized", False):
                self._init_state(p, group)

    def _init_state(self, p, group):
        init = np.full_like(p.array, group["initial_accumulator_value"])
        state = self.state[p] = {"step": 0, "sum": _buffer(init)}
        return state

    def _check_group(self, group):
        self._non_negative(group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _step_group(self, group):
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        weight_decay, maximize = float(group["weight_decay"]), group["maximize"]
        for param, grad, state in self._updates(group):
            state["step"] += 1
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            d = self._direction(param, grad, weight_decay, maximize)
            total = state["sum"].array
            tmp = np.multiply(d, d, out=self._tmp(param, 1))
            total += tmp
            if self.eps_inside_sqrt:
                np.sqrt(np.add(total, eps, out=tmp), out=tmp)
            else:
                np.sqrt(total, out=tmp)
                tmp += eps
            np.divide(d, tmp, out=tmp)
            tmp *= -clr
            param += tmp
