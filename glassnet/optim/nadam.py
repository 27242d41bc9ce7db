"""NAdam: Adam whose momentum looks one step ahead, as Nesterov's does."""

import numpy as np

from .optimizer import Optimizer, _buffer


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016)::

        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))     momentum schedule
        m    = beta1 * m + (1 - beta1) * d
        v    = beta2 * v + (1 - beta2) * d * d
        denom = sqrt(v / (1 - beta2**t)) + eps
        p   -= lr * ((1 - mu_t) / (1 - prod(mu_1..mu_t)) * d
                     + mu_{t+1} / (1 - prod(mu_1..mu_{t+1})) * m) / denom

    The step mixes today's gradient with the momentum the *next* step will use.
    Keras's Nadam is this rule with ``momentum_decay=1`` (its schedule is
    ``0.96 ** t``). ``decoupled_weight_decay=True`` decays the weights as AdamW
    does, instead of adding ``weight_decay * p`` to the gradient.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        self._non_negative(group, "lr", "eps", "weight_decay", "momentum_decay")
        for i, beta in enumerate(group["betas"]):
            if not 0 <= beta < 1:
                raise ValueError(f"NAdam: invalid betas[{i}]={beta!r}, it must be in [0, 1)")

    def _init_state(self, p, group):
        state = {"step": 0, "mu_product": 1.0, "exp_avg": _buffer(np.zeros_like(p.array)),
                 "exp_avg_sq": _buffer(np.zeros_like(p.array))}
        self.state[p] = state
        return state

    def _step_group(self, group):
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        momentum_decay, maximize = float(group["momentum_decay"]), group["maximize"]
        for param, grad, state in self._updates(group):
            state["step"] += 1
            t = state["step"]
            if group["decoupled_weight_decay"]:
                if weight_decay != 0:
                    param *= 1 - lr * weight_decay
                d = self._direction(param, grad, 0.0, maximize)
            else:
                d = self._direction(param, grad, weight_decay, maximize)
            denom, part = self._tmp(param, 1), self._tmp(param, 2)

            mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            state["mu_product"] = mu_product = float(state["mu_product"]) * mu

            m, v = state["exp_avg"].array, state["exp_avg_sq"].array
            m += np.multiply(np.subtract(d, m, out=part), 1 - beta1, out=part)
            v *= beta2
            v += np.multiply(np.multiply(d, 1 - beta2, out=part), d, out=part)
            np.sqrt(np.divide(v, 1 - beta2**t, out=denom), out=denom)
            denom += eps

            param += np.multiply(np.divide(d, denom, out=part), -lr * (1 - mu) / (1 - mu_product), out=part)
            param += np.multiply(np.divide(m, denom, out=part), -lr * mu_next / (1 - mu_product * mu_next),
                                 out=part)
