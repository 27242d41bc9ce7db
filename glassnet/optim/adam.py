"""Adam and AdamW: momentum on the gradient, scaled by a running RMS of it."""

import numpy as np

from .optimizer import Optimizer, _buffer


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2015)::

        m  = beta1 * m + (1 - beta1) * d              first moment
        v  = beta2 * v + (1 - beta2) * d * d          second moment (amsgrad: its running max)
        p -= lr / (1 - beta1**t) * m / (sqrt(v / (1 - beta2**t)) + eps)

    ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2 penalty);
    ``AdamW`` decays the weights directly instead.

    ``eps_before_correction=True`` is Keras's placement (the paper's "epsilon
    hat"): eps is added to ``sqrt(v)`` before v's bias correction, i.e. the
    denominator is ``sqrt(v / (1 - beta2**t)) + eps / sqrt(1 - beta2**t)``.
    The two differ most in the first steps, when ``1 - beta2**t`` is small.
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 *, maximize=False, eps_before_correction=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)
        # Not a group option: it picks the rule, and PyTorch's defaults (and state dicts) stay PyTorch's.
        self.eps_before_correction = eps_before_correction

    def _check_group(self, group):
        self._non_negative(group, "lr", "eps", "weight_decay")
        for i, beta in enumerate(group["betas"]):
            if not 0 <= beta < 1:
                raise ValueError(f"{type(self).__name__}: invalid betas[{i}]={beta!r}, it must be in [0, 1)")

    def _init_state(self, p, group):
        state = {"step": 0, "exp_avg": _buffer(np.zeros_like(p.array)),
                 "exp_avg_sq": _buffer(np.zeros_like(p.array))}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _buffer(np.zeros_like(p.array))
        self.state[p] = state
        return state

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        for param, grad, state in self._updates(group):
            state["step"] += 1
            t = state["step"]
            if self._decoupled:
                if weight_decay != 0:
                    param *= 1 - lr * weight_decay
                d = self._direction(param, grad, 0.0, maximize)
            else:
                d = self._direction(param, grad, weight_decay, maximize)
            tmp = self._tmp(param, 1)
            c1, c2_sqrt = 1 - beta1**t, (1 - beta2**t) ** 0.5
            names = ["exp_avg", "exp_avg_sq"] + ["max_exp_avg_sq"] * bool(amsgrad)
            for p, g, scratch, *buffers in self._pieces(param, d, tmp, *(state[k].array for k in names)):
                self._update(p, g, scratch, dict(zip(names, buffers)), lr, eps, beta1, beta2, c1, c2_sqrt)

    def _update(self, param, d, tmp, buffers, lr, eps, beta1, beta2, c1, c2_sqrt):
        """One step of (a piece of) one parameter; ``buffers`` are the pieces of its state."""
        m, v, v_max = buffers["exp_avg"], buffers["exp_avg_sq"], buffers.get("max_exp_avg_sq")
        m += np.multiply(np.subtract(d, m, out=tmp), 1 - beta1, out=tmp)
        v *= beta2
        v += np.multiply(np.multiply(d, 1 - beta2, out=tmp), d, out=tmp)
        if v_max is not None:
            v = np.maximum(v_max, v, out=v_max)

        # sqrt(v / c2) + eps = (sqrt(v) + eps * sqrt(c2)) / sqrt(c2): folding sqrt(c2)
        # into the scalar step saves a pass over the parameter.
        denom = np.sqrt(v, out=tmp)
        denom += eps if self.eps_before_correction else eps * c2_sqrt
        step = np.divide(m, denom, out=tmp)
        step *= -lr * c2_sqrt / c1
        param += step


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): before each
    step ``p *= 1 - lr * weight_decay``, instead of adding ``weight_decay * p``
    to the gradient, so the decay is not rescaled by Adam's denominator.
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 *, maximize=False, eps_before_correction=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         eps_before_correction=eps_before_correction)
