"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

import numpy as np

from .optimizer import Optimizer, _buffer


class RMSprop(Optimizer):
    """Steps scaled by a moving average of squared gradients::

        square_avg = alpha * square_avg + (1 - alpha) * d * d
        avg        = sqrt(square_avg - grad_avg ** 2) + eps   (centered: grad_avg is
                     the moving average of d; otherwise it is 0)
        buf        = momentum * buf + d / avg                 (if momentum > 0)
        p         -= lr * buf   or   lr * d / avg

    Two switches give Keras's rule: ``eps_inside_sqrt=True`` makes
    ``avg = sqrt(square_avg - grad_avg ** 2 + eps)``, and ``lr_in_buffer=True``
    makes ``buf = momentum * buf + lr * d / avg`` and ``p -= buf`` (the same
    as PyTorch's while lr is constant; see ``SGD``).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False, eps_inside_sqrt=False, lr_in_buffer=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)
        # Not group options: they pick the rule, and PyTorch's defaults (and state dicts) stay PyTorch's.
        self.eps_inside_sqrt, self.lr_in_buffer = eps_inside_sqrt, lr_in_buffer

    def _check_group(self, group):
        self._non_negative(group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _init_state(self, p, group):
        state = {"step": 0, "square_avg": _buffer(np.zeros_like(p.array))}
        if group["momentum"] > 0:
            state["momentum_buffer"] = _buffer(np.zeros_like(p.array))
        if group["centered"]:
            state["grad_avg"] = _buffer(np.zeros_like(p.array))
        self.state[p] = state
        return state

    def _step_group(self, group):
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum, weight_decay = float(group["momentum"]), float(group["weight_decay"])
        centered, maximize = group["centered"], group["maximize"]
        names = ["square_avg"] + ["grad_avg"] * bool(centered) + ["momentum_buffer"] * (momentum > 0)
        for param, grad, state in self._updates(group):
            state["step"] += 1
            d = self._direction(param, grad, weight_decay, maximize)
            tmp = self._tmp(param, 1)
            for p, g, scratch, *buffers in self._pieces(param, d, tmp, *(state[k].array for k in names)):
                self._update(p, g, scratch, dict(zip(names, buffers)), lr, alpha, eps, momentum)

    def _update(self, param, d, tmp, buffers, lr, alpha, eps, momentum):
        """One step of (a piece of) one parameter; ``buffers`` are the pieces of its state."""
        square_avg, grad_avg, buf = (buffers.get(k) for k in ("square_avg", "grad_avg", "momentum_buffer"))
        square_avg *= alpha
        square_avg += np.multiply(np.multiply(d, 1 - alpha, out=tmp), d, out=tmp)
        variance = square_avg
        if grad_avg is not None:  # centered
            grad_avg += np.multiply(np.subtract(d, grad_avg, out=tmp), 1 - alpha, out=tmp)
            variance = np.subtract(square_avg, np.multiply(grad_avg, grad_avg, out=tmp), out=tmp)
        if self.eps_inside_sqrt:
            avg = np.sqrt(np.add(variance, eps, out=tmp), out=tmp)
        else:
            avg = np.sqrt(variance, out=tmp)
            avg += eps

        if buf is not None:  # momentum
            buf *= momentum
            increment = np.divide(d, avg, out=tmp)
            if self.lr_in_buffer:
                increment *= lr
                buf += increment
                param -= buf
            else:
                buf += increment
                param += np.multiply(buf, -lr, out=tmp)
        else:
            step = np.divide(d, avg, out=tmp)
            step *= -lr
            param += step
