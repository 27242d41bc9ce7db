"""Weight penalties added to the loss: ``kernel_regularizer=regularizers.l2(0.001)``.

A Keras layer keeps its regularizers; the model adds ``penalty(weight)`` of
each to the loss at every training step (``keras.Sequential.train_step``),
so the gradient of the penalty reaches the weights through autograd.
"""


class Regularizer:
    def __call__(self, weight):  # pragma: no cover - abstract
        raise NotImplementedError


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w^2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight):
        penalty = 0.0
        if self.l1:
            penalty = penalty + self.l1 * weight.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * (weight * weight).sum()
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1(l1=0.01):  # noqa: E741 - Keras's name
    return L1L2(l1=l1)


def l2(l2=0.01):
    return L1L2(l2=l2)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


L1, L2 = l1, l2


def get(identifier):
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in ("l1", "l2", "l1_l2"):
        return {"l1": l1, "l2": l2, "l1_l2": l1_l2}[identifier]()
    raise ValueError(f"Unknown regularizer {identifier!r}; use regularizers.l1/l2/l1_l2 or a callable")
