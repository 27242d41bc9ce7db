"""Loss functions with PyTorch's names and semantics.

Regression losses (L1, Huber, smooth L1) are compositions of ops; plain MSE
is one fused node, being on the hot path of every regression model.  The
binary cross-entropies are fused too: a separate log or sigmoid would
saturate or overflow on large inputs.  ``binary_cross_entropy_with_logits``
writes softplus with ``exp(-|x|)``, and its gradient is ``sigmoid(x) - t``.
The multi-class losses (``cross_entropy``, ``nll_loss``) live in
``cross_entropy.py`` and are re-exported here.

Every backward is written with differentiable ops, so double backward works.
Class and sample weights are constants (PyTorch does not differentiate them).
"""

import numpy as np

from ..autograd import Function, first_order
from . import math as M
from . import reduce as R
from ._loss_util import as_target, check_reduction, check_same_shape, const, constant_weight, reduce_loss
from ._util import as_tensor
from .activation import relu, sigmoid
from .cross_entropy import cross_entropy, nll_loss


class _ElementwiseLoss(Function):
    """A fused loss: computed per element, weighted and reduced inside one node."""

    def reduce(self, loss):
        if self.weight is not None:
            loss *= self.weight
        if self.reduction == "none":
            return loss
        return np.asarray(loss.sum() if self.reduction == "sum" else loss.mean(), dtype=loss.dtype)

    def upstream(self, g):
        """``g`` spread back over the elements, times the weights."""
        if self.reduction == "mean":
            g = g * (1.0 / max(self.inputs[0].array.size, 1))
        return g if self.weight is None else g * const(self.weight)


# ------------------------------------------------------------ regression
def _difference(name, input, target, reduction):
    check_reduction(name, reduction)
    target = as_target(name, input, target)
    check_same_shape(name, input, target)
    return input - target


def _weighted(loss, weight, reduction, divide_by_weight):
    if weight is None:
        return reduce_loss(loss, reduction)
    weight = as_tensor(weight, like=loss)
    if weight.shape != loss.shape:
        raise ValueError(f"weight of shape {weight.shape} must have the input's shape {loss.shape}")
    loss = loss * weight
    if reduction == "mean" and divide_by_weight:
        return R.sum(loss) / R.sum(weight)
    return reduce_loss(loss, reduction)


class _SquaredError(_ElementwiseLoss):
    def forward(self, x, t):
        self.diff = x - t
        return self.reduce(self.diff * self.diff)

    def backward(self, g):
        x, t = self.inputs
        up = self.upstream(g)
        if first_order():
            gx = const(self.diff * (2 * up.array))
        else:  # create_graph: through ops, so it can be differentiated
            gx = (x - t) * (2 * up)
        return gx if self.needs_input_grad[0] else None, -gx if self.needs_input_grad[1] else None


def mse_loss(input, target, *, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``, reduced.

    Unlike PyTorch, which only warns, targets whose shape differs from the
    input's raise ValueError: an (N, 1) prediction against an (N,) target
    would broadcast to (N, N) and train on nonsense.  An optional ``weight``
    (input's shape) scales each term; 'mean' then divides by its sum.
    """
    if weight is None:  # the common case, fused: one node instead of four
        check_reduction("mse_loss", reduction)
        target = as_target("mse_loss", input, target)
        check_same_shape("mse_loss", input, target)
        return _SquaredError.apply(input, target, weight=None, reduction=reduction)
    diff = _difference("mse_loss", input, target, reduction)
    return _weighted(diff * diff, weight, reduction, divide_by_weight=True)


def l1_loss(input, target, *, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``; shapes must match (see ``mse_loss``)."""
    diff = _difference("l1_loss", input, target, reduction)
    return _weighted(M.abs(diff), weight, reduction, divide_by_weight=True)


def _huber(diff, delta):
    size = M.abs(diff)
    quadratic = diff * diff * 0.5
    linear = (size - 0.5 * delta) * delta
    return M.where(size.array < delta, quadratic, linear)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Squared error below ``delta``, ``delta``-scaled absolute error above.

    Shapes must match (see ``mse_loss``).  With ``weight``, 'mean' averages
    the weighted terms over their count, as PyTorch does.
    """
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    diff = _difference("huber_loss", input, target, reduction)
    return _weighted(_huber(diff, delta), weight, reduction, divide_by_weight=False)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """Huber loss divided by ``beta``: its linear part has slope 1; beta=0 is L1."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    diff = _difference("smooth_l1_loss", input, target, reduction)
    return reduce_loss(_huber(diff, beta) * (1.0 / beta), reduction)


# -------------------------------------------------- binary cross-entropy
class _BinaryCrossEntropy(_ElementwiseLoss):
    def forward(self, x, t):
        with np.errstate(divide="ignore"):
            # PyTorch clamps each log at -100, so 0*log(0) terms stay finite.
            log_x = np.maximum(np.log(x), -100)
            log_not_x = np.maximum(np.log1p(-x), -100)
        return self.reduce(-(t * log_x + (1 - t) * log_not_x))

    def backward(self, g):
        x, t = self.inputs
        up = self.upstream(g)
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = (x - t) / M.clamp(x * (1 - x), min=1e-12) * up
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = (M.clamp(M.log(1 - x), min=-100) - M.clamp(M.log(x), min=-100)) * up
        return gx, gt


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """``-(t log p + (1 - t) log(1 - p))`` on probabilities ``p`` (each log clamped at -100).

    Prefer ``binary_cross_entropy_with_logits`` on raw scores: it never
    saturates.  ``weight`` broadcasts to the input and rescales each term.
    """
    name = "binary_cross_entropy"
    check_reduction(name, reduction)
    target = as_target(name, input, target)
    check_same_shape(name, input, target)
    x = input.array
    if x.size and not (x.min() >= 0 and x.max() <= 1):
        raise ValueError(
            f"{name}: input must hold probabilities in [0, 1], got values in "
            f"[{x.min():.4g}, {x.max():.4g}]; for raw scores use binary_cross_entropy_with_logits"
        )
    t = target.array
    if t.size and not (t.min() >= 0 and t.max() <= 1):  # as PyTorch: a target past 1 gives a negative loss
        raise ValueError(f"{name}: target must hold probabilities in [0, 1], got values in "
                         f"[{t.min():.4g}, {t.max():.4g}]")
    w = constant_weight(name, "weight", weight, x)
    return _BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


class _BCEWithLogits(_ElementwiseLoss):
    def forward(self, x, t):
        # softplus(-x) = log(1 + e^-x), built from e^-|x| so nothing overflows.
        softplus = np.log1p(np.exp(-np.abs(x)))
        softplus += np.maximum(-x, 0)
        pw = self.pos_weight
        scale = softplus if pw is None else (1 + (pw - 1) * t) * softplus
        return self.reduce((1 - t) * x + scale)

    def backward(self, g):
        x, t = self.inputs
        up = self.upstream(g)
        pw = None if self.pos_weight is None else const(self.pos_weight)
        gx = gt = None
        if self.needs_input_grad[0]:
            p = sigmoid(x)
            gx = (p - t if pw is None else p * (1 + (pw - 1) * t) - pw * t) * up
        if self.needs_input_grad[1]:
            if pw is None:
                gt = -x * up
            else:
                softplus = M.log(1 + M.exp(-M.abs(x))) + relu(-x)
                gt = ((pw - 1) * softplus - x) * up
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable step, on raw scores.

    Computed as ``max(x, 0) - x t + log(1 + exp(-|x|))``, finite for any
    ``x``.  ``pos_weight`` multiplies the positive term (per class, broadcast
    over the last dim) to trade recall against precision.
    """
    name = "binary_cross_entropy_with_logits"
    check_reduction(name, reduction)
    target = as_target(name, input, target)
    check_same_shape(name, input, target)
    w = constant_weight(name, "weight", weight, input.array)
    pw = constant_weight(name, "pos_weight", pos_weight, input.array)
    return _BCEWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
]
