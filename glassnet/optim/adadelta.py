"""Adadelta: steps sized by the ratio of two running RMS values, so the lr's units drop out."""

import numpy as np

from .optimizer import Optimizer, _buffer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012)::

        square_avg = rho * square_avg + (1 - rho) * d * d
        delta      = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * d
        acc_delta  = rho * acc_delta + (1 - rho) * delta * delta
        p         -= lr * delta

    The numerator is the RMS of past *updates*, so a step has the units of the
    parameter whatever the gradient's scale; ``lr`` only rescales it (1.0 in
    the paper and in PyTorch; Keras's Adadelta runs the same rule with lr 1e-3).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        self._non_negative(group, "lr", "eps", "weight_decay")
        if not 0 <= group["rho"] <= 1:
            raise ValueError(f"Adadelta: invalid rho={group['rho']!r}, it must be in [0, 1]")

    def _init_state(self, p, group):
        state = {"step": 0, "square_avg": _buffer(np.zeros_like(p.array)),
                 "acc_delta": _buffer(np.zeros_like(p.array))}
        self.state[p] = state
        return state

    def _step_group(self, group):
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay, maximize = float(group["weight_decay"]), group["maximize"]
        for param, grad, state in self._updates(group):
            state["step"] += 1
            d = self._direction(param, grad, weight_decay, maximize)
            std, delta = self._tmp(param, 1), self._tmp(param, 2)

            square_avg, acc_delta = state["square_avg"].array, state["acc_delta"].array
            square_avg *= rho
            square_avg += np.multiply(np.multiply(d, 1 - rho, out=std), d, out=std)
            np.sqrt(np.add(square_avg, eps, out=std), out=std)
            np.sqrt(np.add(acc_delta, eps, out=delta), out=delta)
            delta /= std
            delta *= d

            acc_delta *= rho
            acc_delta += np.multiply(np.multiply(delta, 1 - rho, out=std), delta, out=std)
            delta *= -lr
            param += delta
