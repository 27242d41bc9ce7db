"""Multi-class cross-entropy and negative log-likelihood, as fused kernels.

``cross_entropy`` takes class indices (Keras' "sparse categorical") or class
probabilities (Keras' "categorical").  Either way log-softmax and the loss are
one node: the forward shifts the logits by their max, so no exp overflows,
and keeps the softmax, so the first-order gradient ``softmax - target`` is a
few NumPy operations.  Under ``create_graph`` the gradient is built from ops
instead (softmax recomputed from the input), which makes it differentiable.
"""

import numpy as np

from ..autograd import Function, first_order
from ..tensor import Tensor
from . import math as M
from . import reduce as R
from ._loss_util import as_target, check_reduction, const, constant_weight
from ._util import as_tensor
from .shape import reshape


def _check_input(name, input):
    if input.ndim == 0 or input.dtype.kind != "f":
        raise TypeError(
            f"{name}: input must be a floating-point (N, C) or (N, C, d1, ...) tensor of scores, "
            f"got dtype {input.dtype} and shape {input.shape}"
        )


class ClassTargets:
    """What the index losses need to know about class-index targets, per sample.

    Arrays are shaped like the target, (N,) or (N, d1, ...); the scalars 1.0
    stand for "all ones" and save an array when nothing is weighted or ignored.
    """

    __slots__ = ("pick", "valid", "class_weight", "total_weight", "target_weight")

    def __init__(self, pick, valid, class_weight, total_weight, target_weight):
        self.pick = pick                    # x[pick]: each sample's target entry of x
        self.valid = valid                  # 1.0, or 0/1 per sample (0: ignore_index)
        self.class_weight = class_weight    # 1.0, or the (C, 1, ...) class weights
        self.total_weight = total_weight    # sum of the class weights (C when unweighted)
        self.target_weight = target_weight  # each sample's target class weight, times valid


class Reduction:
    """How per-sample losses become the result ('none', 'mean' or 'sum'), and how
    the result's gradient is spread back over the samples."""

    __slots__ = ("kind", "out_shape", "kept_shape", "denominator", "scale")

    def __init__(self, kind, sample_shape, out_shape, denominator):
        self.kind = kind
        self.out_shape = out_shape  # the loss's shape under 'none'
        # per-sample values made to broadcast against (N, C, d1, ...)
        self.kept_shape = sample_shape[:1] + (1,) + sample_shape[1:]
        self.denominator = denominator  # what 'mean' divides by
        self.scale = 1.0 / denominator if denominator else 0.0

    def apply(self, loss):
        if self.kind == "none":
            return loss.reshape(self.out_shape)
        total = loss.sum()
        if self.kind == "mean":
            total = total * self.scale if self.denominator else np.nan
        return np.asarray(total, dtype=loss.dtype)

    def upstream_array(self, g):
        """The result's gradient ``g`` (an array) per sample, shaped like the target."""
        if self.kind == "none":
            return g.reshape(self.kept_shape[:1] + self.kept_shape[2:])
        return g * self.scale if self.kind == "mean" else g

    def upstream(self, g):
        """The same as a Tensor shaped (N, 1, d1, ...), for the differentiable backward."""
        if self.kind == "none":
            return reshape(g, self.kept_shape)
        return g * self.scale if self.kind == "mean" else g


def class_targets(name, input, target, weight, ignore_index, reduction):
    """Check class-index targets; return the input (an unbatched (C,) one made
    (1, C)), its ``ClassTargets`` and its ``Reduction``."""
    _check_input(name, input)
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
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
    valid = 1.0 if valid is None else valid.astype(x.dtype)
    class_weight, total_weight, target_weight = 1.0, float(n_classes), valid
    if weight is not None:
        class_weight = _class_weight(name, weight, x)
        total_weight = float(class_weight.sum())
        target_weight = class_weight.reshape(-1)[t] * valid
    # 'mean' divides by the summed weight of the counted samples, as PyTorch does
    denominator = float(np.sum(target_weight)) if isinstance(target_weight, np.ndarray) else float(t.size)
    targets = ClassTargets(pick, valid, class_weight, total_weight, target_weight)
    return x, targets, Reduction(reduction, t.shape, out_shape, denominator)


def _class_weight(name, weight, x):
    """A (C,) class weight, shaped (C, 1, ...) to broadcast along dim 1 of ``x``."""
    n_classes = x.shape[1]
    w = constant_weight(name, "weight", weight, np.empty(n_classes, x.dtype))
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have shape ({n_classes},), one per class, got {w.shape}")
    return w.reshape((n_classes,) + (1,) * (x.ndim - 2))


def _col(v):
    """A per-sample array (N, d...) made to broadcast against (N, C, d...)."""
    return v[:, None] if isinstance(v, np.ndarray) and v.ndim else v


class _IndexLoss(Function):
    """A loss over class-index targets; attributes ``targets`` (ClassTargets),
    ``reduction`` (Reduction) and ``label_smoothing``."""

    label_smoothing = 0.0

    def dense_targets(self, dtype):
        """``b`` in ``grad = r (a softmax - b)``: (1-eps) w[y] at the target, eps w / C everywhere."""
        eps, t = self.label_smoothing, self.targets
        b = np.zeros(self.in_shape, dtype)
        b[t.pick] = (1 - eps) * t.target_weight
        if eps:
            b += (eps / self.in_shape[1]) * t.class_weight * _col(t.valid)
        return b


class _CrossEntropy(_IndexLoss):
    def forward(self, x):
        eps, n_classes, t = self.label_smoothing, x.shape[1], self.targets
        self.in_shape = x.shape
        shifted = x - x.max(axis=1, keepdims=True)
        picked = shifted[t.pick]
        if eps:
            smooth = (shifted * t.class_weight).sum(axis=1)
        probs = np.exp(shifted, out=shifted)  # reuse the buffer: one (N, C) temporary in all
        total = probs.sum(axis=1)
        probs /= total[:, None]
        self.probs = probs
        log_total = np.log(total)
        loss = log_total - picked
        if isinstance(t.target_weight, np.ndarray):
            loss *= t.target_weight
        if eps:
            loss = (1 - eps) * loss + (eps / n_classes) * t.valid * (t.total_weight * log_total - smooth)
        return self.reduction.apply(loss)

    def backward(self, g):
        eps, n_classes, t = self.label_smoothing, self.in_shape[1], self.targets
        # grad = r (a softmax - b): a per sample, b from dense_targets
        a = (1 - eps) * t.target_weight + (eps * t.total_weight / n_classes) * t.valid
        if first_order():  # a few NumPy ops on the softmax kept from forward
            r = self.reduction.upstream_array(g.array)
            grad = self.probs * _col(a * r)
            grad[t.pick] -= (1 - eps) * t.target_weight * r
            if eps:
                grad -= (eps / n_classes) * t.class_weight * _col(t.valid * r)
            return const(grad)
        # create_graph: the softmax recomputed through ops, so the gradient is differentiable
        x = self.inputs[0]
        p = M.exp(x - R.logsumexp(x, 1, keepdim=True))
        a = const(np.asarray(_col(a), dtype=x.dtype))
        return (p * a - const(self.dense_targets(x.dtype))) * self.reduction.upstream(g)


class _NLLLoss(_IndexLoss):
    def forward(self, x):
        self.in_shape = x.shape
        return self.reduction.apply(-x[self.targets.pick] * self.targets.target_weight)

    def backward(self, g):
        return const(-self.dense_targets(g.dtype)) * self.reduction.upstream(g)


class _SoftCrossEntropy(Function):
    """Cross-entropy against class probabilities ``q``: sum_c q_c (logsumexp(x) - x_c).

    Attributes ``cw`` (class weights or None), ``label_smoothing``, ``reduction``.
    """

    def mix(self, t, cw):
        """The target, smoothed and class-weighted (on arrays or Tensors)."""
        eps = self.label_smoothing
        if eps:
            t = t * (1 - eps) + eps / self.in_shape[1]
        return t if cw is None else t * cw

    def forward(self, x, t):
        self.in_shape = x.shape
        q = self.q = self.mix(t, None if self.cw is None else self.cw.array)
        shifted = x - x.max(axis=1, keepdims=True)
        q_dot = (q * shifted).sum(axis=1)
        probs = np.exp(shifted, out=shifted)
        total = probs.sum(axis=1)
        probs /= total[:, None]
        self.probs, self.q_sum = probs, q.sum(axis=1)
        return self.reduction.apply(np.log(total) * self.q_sum - q_dot)

    def backward(self, g):
        x, t = self.inputs
        r = self.reduction.upstream(g)
        gx = gt = None
        if self.needs_input_grad[0] and first_order():
            gx = const((self.probs * _col(self.q_sum) - self.q) * r.array)
        elif self.needs_input_grad[0]:  # create_graph: through ops
            q = self.mix(t, self.cw)
            gx = (M.exp(x - R.logsumexp(x, 1, keepdim=True)) * R.sum(q, 1, keepdim=True) - q) * r
        if self.needs_input_grad[1]:
            scale = (1 - self.label_smoothing) if self.cw is None else self.cw * (1 - self.label_smoothing)
            gt = (R.logsumexp(x, 1, keepdim=True) - x) * scale * r
        return gx, gt


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
    check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    _check_input(name, input)
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    if t.shape == input.shape or t.dtype.kind == "f":
        return _soft_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    x, targets, reduce = class_targets(name, input, t, weight, ignore_index, reduction)
    return _CrossEntropy.apply(x, targets=targets, reduction=reduce, label_smoothing=label_smoothing)


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
    target = as_target(name, input, target)
    x, t = (input, target) if input.ndim > 1 else (reshape(input, (1, -1)), reshape(target, (1, -1)))
    cw = None if weight is None else const(_class_weight(name, weight, x.array))
    samples = x.shape[:1] + x.shape[2:]
    reduce = Reduction(reduction, samples, samples if input.ndim > 1 else (), float(np.prod(samples)))
    return _SoftCrossEntropy.apply(x, t, cw=cw, label_smoothing=eps, reduction=reduce)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, on log-probabilities ``input`` (N, C, ...).

    ``cross_entropy(x, t)`` equals ``nll_loss(log_softmax(x, 1), t)``, fused.
    """
    name = "nll_loss"
    check_reduction(name, reduction)
    x, targets, reduce = class_targets(name, input, target, weight, ignore_index, reduction)
    return _NLLLoss.apply(x, targets=targets, reduction=reduce)


