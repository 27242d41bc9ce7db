"""Loss functions with PyTorch's names and semantics.

Regression losses (MSE, L1, Huber, smooth L1) are compositions of ops.  The
cross-entropies are fused kernels, because a separate log, sigmoid or softmax
would overflow on large inputs and costs extra passes on the hot path:

* ``binary_cross_entropy_with_logits``: softplus written with ``exp(-|x|)``;
  its gradient is simply ``sigmoid(x) - target``.
* ``cross_entropy`` with class indices: log-softmax and the pick of the
  target's log-probability in one node, whose gradient is
  ``softmax - onehot``, scaled by the reduction, weights and smoothing.

Every backward is written with differentiable ops, so double backward works.
Weights are constants (PyTorch does not differentiate them either).
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from . import math as M
from . import reduce as R
from ._util import as_tensor
from .shape import reshape

_REDUCTIONS = ("mean", "sum", "none")


def _const(array):
    return Tensor._make(array, None, 0)


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return R.mean(loss)
    return R.sum(loss) if reduction == "sum" else loss


def _target(name, input, target, need_float=True):
    """The target as a Tensor; a constant float target takes the input's dtype."""
    target = as_tensor(target)
    if need_float and target.dtype.kind != "f":
        raise TypeError(
            f"{name}: target must be floating point like the input ({input.dtype}), got "
            f"{target.dtype}; convert it with target.float()"
        )
    if not target.requires_grad and target.dtype.kind == "f" and target.dtype != input.dtype:
        target = _const(target.data.astype(input.dtype))
    return target


def _same_shape(name, input, target):
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: target shape {target.shape} differs from input shape {input.shape}; "
            "broadcasting them would silently pair every prediction with every target. "
            "Make them match, e.g. target.reshape(input.shape) or input.reshape(-1)"
        )


def _constant_weight(name, what, weight, like):
    """A weight as an array of the input's dtype, checked to broadcast to the input."""
    if weight is None:
        return None
    if getattr(weight, "requires_grad", False) and _State.enabled:
        raise RuntimeError(f"{name}: {what} is not differentiable (as in PyTorch); pass {what}.detach()")
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=like.dtype)
    try:
        fits = np.broadcast_shapes(w.shape, like.shape) == like.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name}: {what} of shape {w.shape} does not broadcast to the input's {like.shape}")
    return w


# ------------------------------------------------------------ regression
def _difference(name, input, target, reduction):
    _check_reduction(name, reduction)
    target = _target(name, input, target)
    _same_shape(name, input, target)
    return input - target


def _weighted(loss, weight, reduction, divide_by_weight):
    if weight is None:
        return _reduce(loss, reduction)
    weight = as_tensor(weight, like=loss)
    if weight.shape != loss.shape:
        raise ValueError(f"weight of shape {weight.shape} must have the input's shape {loss.shape}")
    loss = loss * weight
    if reduction == "mean" and divide_by_weight:
        return R.sum(loss) / R.sum(weight)
    return _reduce(loss, reduction)


def mse_loss(input, target, *, reduction="mean", weight=None):
    """Mean squared error ``(input - target)**2``, reduced.

    Unlike PyTorch, which only warns, targets whose shape differs from the
    input's raise ValueError: an (N, 1) prediction against an (N,) target
    would broadcast to (N, N) and train on nonsense.  An optional ``weight``
    (input's shape) scales each term; 'mean' then divides by its sum.
    """
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
    return M.where(size.data < delta, quadratic, linear)


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
    return _reduce(_huber(diff, beta) * (1.0 / beta), reduction)


# -------------------------------------------------- binary cross-entropy
class _ElementwiseLoss(Function):
    """A loss computed per element, weighted and reduced inside the node."""

    def reduce(self, loss):
        if self.weight is not None:
            loss *= self.weight
        if self.reduction == "none":
            return loss
        return np.asarray(loss.sum() if self.reduction == "sum" else loss.mean(), dtype=loss.dtype)

    def upstream(self, g):
        """``g`` spread back over the elements, times the weights."""
        if self.reduction == "mean":
            g = g * (1.0 / max(self.inputs[0].data.size, 1))
        return g if self.weight is None else g * _const(self.weight)


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
    _check_reduction(name, reduction)
    target = _target(name, input, target)
    _same_shape(name, input, target)
    x = input.data
    if x.size and not (x.min() >= 0 and x.max() <= 1):
        raise ValueError(
            f"{name}: input must hold probabilities in [0, 1], got values in "
            f"[{x.min():.4g}, {x.max():.4g}]; for raw scores use binary_cross_entropy_with_logits"
        )
    w = _constant_weight(name, "weight", weight, x)
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
        pw = None if self.pos_weight is None else _const(self.pos_weight)
        gx = gt = None
        if self.needs_input_grad[0]:
            p = M.sigmoid(x)
            gx = (p - t if pw is None else p * (1 + (pw - 1) * t) - pw * t) * up
        if self.needs_input_grad[1]:
            if pw is None:
                gt = -x * up
            else:
                softplus = M.log(1 + M.exp(-M.abs(x))) + M.relu(-x)
                gt = ((pw - 1) * softplus - x) * up
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one stable step, on raw scores.

    Computed as ``max(x, 0) - x t + log(1 + exp(-|x|))``, finite for any
    ``x``.  ``pos_weight`` multiplies the positive term (per class, broadcast
    over the last dim) to trade recall against precision.
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    target = _target(name, input, target)
    _same_shape(name, input, target)
    w = _constant_weight(name, "weight", weight, input.data)
    pw = _constant_weight(name, "pos_weight", pos_weight, input.data)
    return _BCEWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)


# ------------------------------------------------ index-target losses
def class_targets(name, input, target, weight, ignore_index):
    """Check class-index targets; return the input (an unbatched (C,) one made (1, C))
    and what the index losses need per sample, in arrays shaped like the target."""
    if input.ndim == 0 or input.dtype.kind != "f":
        raise TypeError(
            f"{name}: input must be a floating-point (N, C) or (N, C, d1, ...) tensor, "
            f"got dtype {input.dtype} and shape {input.shape}"
        )
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index target must be an integer tensor of shape {expected}, got dtype "
            f"{t.dtype}; convert it with target.long()"
        )
    if t.shape != expected:
        hint = "; flatten it with target.reshape(-1)" if t.shape == expected + (1,) else ""
        raise ValueError(
            f"{name}: expected a target of shape {expected} (class indices) for input of shape "
            f"{input.shape}, got {t.shape}{hint}"
        )
    x = input if input.ndim > 1 else reshape(input, (1, -1))
    n_classes, out_shape = x.shape[1], t.shape
    t = t.reshape(x.shape[:1] + x.shape[2:])
    valid = None
    if t.size:
        lo, hi = t.min(), t.max()
        if lo <= ignore_index <= hi:
            valid = t != ignore_index
            t = np.where(valid, t, 0)
            lo, hi = t.min(), t.max()
        if lo < 0 or hi >= n_classes:
            raise IndexError(
                f"{name}: target contains class index {lo if lo < 0 else hi} but input has {n_classes} "
                f"classes (valid: 0..{n_classes - 1}, or ignore_index={ignore_index})"
            )
    # x[pick] is x[n, t[n, i..], i..]: each sample's target entry, by plain fancy
    # indexing (several times faster than take_along_axis on small batches).
    grids = (np.arange(t.shape[0]),) if t.ndim == 1 else np.indices(t.shape, sparse=True)
    pick = (grids[0], t) + tuple(grids[1:])
    mask = 1.0 if valid is None else valid.astype(x.dtype)
    cw, total_w, wy = 1.0, float(n_classes), mask
    if weight is not None:
        w = _constant_weight(name, "weight", weight, np.empty(n_classes, x.dtype))
        if w.shape != (n_classes,):
            raise ValueError(f"{name}: weight must have shape ({n_classes},), one per class, got {w.shape}")
        cw, total_w = w.reshape((n_classes,) + (1,) * (x.ndim - 2)), float(w.sum())
        wy = w[t] * mask
    denom = float(np.sum(wy)) if isinstance(wy, np.ndarray) else float(t.size)
    spec = dict(pick=pick, mask=mask, cw=cw, W=total_w, wy=wy, out_shape=out_shape,
                kept=t.shape[:1] + (1,) + t.shape[1:], denom=denom, scale=1.0 / denom if denom else 0.0)
    return x, spec


def _col(v):
    """A per-sample array (N, d...) made to broadcast against (N, C, d...)."""
    return v[:, None] if isinstance(v, np.ndarray) and v.ndim else v


class _PerSampleLoss(Function):
    """Losses over class-index targets, computed per sample, then reduced."""

    def reduce(self, loss):
        if self.reduction == "none":
            return loss.reshape(self.out_shape)
        total = loss.sum()
        if self.reduction == "mean":
            total = total * self.scale if self.denom else np.nan
        return np.asarray(total, dtype=loss.dtype)

    def upstream(self, g):
        """``g`` per sample, shaped (N, 1, d...) or a scalar, as a Tensor."""
        if self.reduction == "none":
            return reshape(g, self.kept)
        return g * self.scale if self.reduction == "mean" else g

    def dense_targets(self, dtype):
        """``b`` in ``grad = r (a softmax - b)``: (1-eps) w[y] at the target, eps w / C everywhere."""
        eps = self.label_smoothing
        b = np.zeros(self.in_shape, dtype)
        b[self.pick] = (1 - eps) * self.wy
        if eps:
            b += (eps / self.in_shape[1]) * self.cw * _col(self.mask)
        return b


class _CrossEntropy(_PerSampleLoss):
    def forward(self, x):
        eps, n_classes = self.label_smoothing, x.shape[1]
        self.in_shape = x.shape
        shifted = x - x.max(axis=1, keepdims=True)
        picked = shifted[self.pick]
        if eps:
            smooth = (shifted * self.cw).sum(axis=1)
        probs = np.exp(shifted, out=shifted)  # reuse the buffer: one (N, C) temporary in all
        total = probs.sum(axis=1)
        probs /= total[:, None]
        self.probs = probs
        log_total = np.log(total)
        loss = (log_total - picked) * self.wy
        if eps:
            loss = (1 - eps) * loss + (eps / n_classes) * self.mask * (self.W * log_total - smooth)
        return self.reduce(loss)

    def backward(self, g):
        eps, n_classes = self.label_smoothing, self.in_shape[1]
        a = (1 - eps) * self.wy + (eps * self.W / n_classes) * self.mask
        if _State.enabled:  # create_graph: softmax recomputed through ops
            x = self.inputs[0]
            p = M.exp(x - R.logsumexp(x, 1, keepdim=True))
            a = _const(np.asarray(_col(a), dtype=x.dtype))
            return (p * a - _const(self.dense_targets(x.dtype))) * self.upstream(g)
        # First order: a few NumPy ops on the softmax kept from forward.
        r = g.data.reshape(self.kept[:1] + self.kept[2:]) if self.reduction == "none" else g.data
        r = r * self.scale if self.reduction == "mean" else r
        grad = self.probs * _col(a * r)
        grad[self.pick] -= (1 - eps) * self.wy * r
        if eps:
            grad -= (eps / n_classes) * self.cw * _col(self.mask * r)
        return _const(grad)


class _NLLLoss(_PerSampleLoss):
    label_smoothing = 0.0

    def forward(self, x):
        self.in_shape = x.shape
        return self.reduce(-x[self.pick] * self.wy)

    def backward(self, g):
        return _const(-self.dense_targets(g.dtype)) * self.upstream(g)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` (N, C) or (N, C, d1, ...).

    ``target`` holds either class indices (integers, shape (N,) or
    (N, d1, ...); Keras' "sparse categorical") or class probabilities
    (floats, the input's shape; Keras' "categorical").  ``weight`` (C,)
    rescales classes, ``ignore_index`` skips index targets, and
    ``label_smoothing`` mixes the target with the uniform distribution.
    With 'mean', index targets average over the weights of the counted
    samples, probability targets over the number of samples, as in PyTorch.
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.shape == input.shape or t.dtype.kind == "f":
        return _soft_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    x, spec = class_targets(name, input, t, weight, ignore_index)
    return _CrossEntropy.apply(x, reduction=reduction, label_smoothing=label_smoothing, **spec)


def _soft_cross_entropy(input, target, weight, ignore_index, reduction, eps):
    name = "cross_entropy"
    target = as_tensor(target)
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: a float target holds class probabilities and must have the input's shape "
            f"{input.shape}, got {target.shape}; for class indices use an integer target (target.long())"
        )
    if target.dtype.kind != "f":
        raise TypeError(
            f"{name}: target has the input's shape {input.shape} but dtype {target.dtype}: class "
            "probabilities must be floating point (target.float()), class indices have no class dim"
        )
    if ignore_index >= 0:
        raise ValueError(f"{name}: ignore_index={ignore_index} is not supported with probability targets")
    target = _target(name, input, target)
    dim = 1 if input.ndim > 1 else 0
    n_classes = input.shape[dim]
    if eps:
        target = target * (1 - eps) + eps / n_classes
    if weight is not None:
        w = _constant_weight(name, "weight", weight, np.empty(n_classes, input.dtype))
        target = target * _const(w.reshape((n_classes,) + (1,) * (input.ndim - dim - 1)))
    log_probs = input - R.logsumexp(input, dim, keepdim=True)
    return _reduce(-R.sum(log_probs * target, dim), reduction)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, on log-probabilities ``input`` (N, C, ...).

    ``cross_entropy(x, t)`` equals ``nll_loss(log_softmax(x, 1), t)``, fused.
    """
    name = "nll_loss"
    _check_reduction(name, reduction)
    x, spec = class_targets(name, input, target, weight, ignore_index)
    return _NLLLoss.apply(x, reduction=reduction, **spec)


__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
]
