"""Stochastic gradient descent, with optional momentum and Nesterov momentum."""

import numpy as np

from .optimizer import Optimizer, _buffer


class SGD(Optimizer):
    """``p -= lr * d``, where ``d`` is the gradient (plus ``weight_decay * p``),
    or a running sum of past gradients when ``momentum > 0``::

        buf = momentum * buf + (1 - dampening) * d     (buf = d on the first step)
        d   = d + momentum * buf  if nesterov  else  buf

    ``lr_in_buffer=True`` is Keras's variant: ``d`` is scaled by lr *before*
    it enters the buffer, and the step is the buffer itself. With a constant
    lr both are the same; when lr changes (a schedule), Keras's buffer keeps
    the old steps at the lr they were taken with, PyTorch's rescales them all.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, lr_in_buffer=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)
        # Not a group option: it picks the rule, and PyTorch's defaults (and state dicts) stay PyTorch's.
        self.lr_in_buffer = lr_in_buffer

    def _check_group(self, group):
        self._non_negative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, "
                f"got momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _step_group(self, group):
        # float() keeps a NumPy float64 hyper-parameter from upcasting float32 arithmetic.
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        # Only momentum keeps something per parameter (its buffer starts at the first step), as in PyTorch.
        for param, grad, state in self._updates(group, keeps_state=momentum != 0):
            d = self._direction(param, grad, weight_decay, maximize)
            step_lr = lr
            if momentum != 0 and self.lr_in_buffer:
                # Slot 0: d is the caller's gradient (left alone) or slot 0 already.
                d = np.multiply(d, lr, out=self._tmp(param))
                step_lr = 1.0
            if momentum != 0:
                if "momentum_buffer" not in state:
                    buf = d.astype(param.dtype)  # a copy: d may be the gradient or a scratch
                    state["momentum_buffer"] = _buffer(buf)
                else:
                    buf = state["momentum_buffer"].array
                    buf *= momentum
                    if dampening == 0:
                        buf += d
                    else:
                        buf += np.multiply(d, 1 - dampening, out=self._tmp(param, 1))
                if nesterov:
                    # Slot 1, because d may be slot 0's scratch or the caller's gradient.
                    tmp = np.multiply(buf, momentum, out=self._tmp(param, 1))
                    d = np.add(d, tmp, out=tmp)
                else:
                    d = buf
            # A fresh product would allocate a parameter-sized array every step.
            param += np.multiply(d, -step_lr, out=self._tmp(param, 1))
