"""Multi-class cross-entropy and negative log-likelihood, as fused kernels.

``cross_entropy`` takes class indices (Keras' "sparse categorical") or class
probabilities (Keras' "categorical").  Either way log-softmax and the loss are
one node: the forward shifts the logits by their max, so no exp overflows,
and keeps the softmax, so the first-order gradient ``softmax - target`` is a
few NumPy operations.  Under ``create_graph`` the gradient is built from ops
instead (softmax recomputed from the input), which makes it differentiable.
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
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


def class_targets(name, input, target, weight, ignore_index):
    """Check class-index targets; return the input (an unbatched (C,) one made (1, C))
    and what the index losses need per sample, in arrays shaped like the target."""
    _check_input(name, input)
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
        cw = _class_weight(name, weight, x)
        total_w, wy = float(cw.sum()), cw.reshape(-1)[t] * mask
    denom = float(np.sum(wy)) if isinstance(wy, np.ndarray) else float(t.size)
    spec = dict(pick=pick, mask=mask, cw=cw, W=total_w, wy=wy, out_shape=out_shape,
                kept=t.shape[:1] + (1,) + t.shape[1:], denom=denom, scale=1.0 / denom if denom else 0.0)
    return x, spec


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
        loss = log_total - picked
        if isinstance(self.wy, np.ndarray):
            loss *= self.wy
        if eps:
            loss = (1 - eps) * loss + (eps / n_classes) * self.mask * (self.W * log_total - smooth)
        return self.reduce(loss)

    def backward(self, g):
        eps, n_classes = self.label_smoothing, self.in_shape[1]
        a = (1 - eps) * self.wy + (eps * self.W / n_classes) * self.mask
        if _State.enabled:  # create_graph: softmax recomputed through ops
            x = self.inputs[0]
            p = M.exp(x - R.logsumexp(x, 1, keepdim=True))
            a = const(np.asarray(_col(a), dtype=x.dtype))
            return (p * a - const(self.dense_targets(x.dtype))) * self.upstream(g)
        # First order: a few NumPy ops on the softmax kept from forward.
        r = g.data.reshape(self.kept[:1] + self.kept[2:]) if self.reduction == "none" else g.data
        r = r * self.scale if self.reduction == "mean" else r
        grad = self.probs * _col(a * r)
        grad[self.pick] -= (1 - eps) * self.wy * r
        if eps:
            grad -= (eps / n_classes) * self.cw * _col(self.mask * r)
        return const(grad)


class _NLLLoss(_PerSampleLoss):
    label_smoothing = 0.0

    def forward(self, x):
        self.in_shape = x.shape
        return self.reduce(-x[self.pick] * self.wy)

    def backward(self, g):
        return const(-self.dense_targets(g.dtype)) * self.upstream(g)


class _SoftCrossEntropy(_PerSampleLoss):
    """Cross-entropy against class probabilities ``q``: sum_c q_c (logsumexp(x) - x_c)."""

    def mix(self, t, cw):
        """The target, smoothed and class-weighted (on arrays or Tensors)."""
        eps = self.label_smoothing
        if eps:
            t = t * (1 - eps) + eps / self.in_shape[1]
        return t if cw is None else t * cw

    def forward(self, x, t):
        self.in_shape = x.shape
        q = self.q = self.mix(t, None if self.cw is None else self.cw.data)
        shifted = x - x.max(axis=1, keepdims=True)
        q_dot = (q * shifted).sum(axis=1)
        probs = np.exp(shifted, out=shifted)
        total = probs.sum(axis=1)
        probs /= total[:, None]
        self.probs, self.q_sum = probs, q.sum(axis=1)
        return self.reduce(np.log(total) * self.q_sum - q_dot)

    def backward(self, g):
        x, t = self.inputs
        r = self.upstream(g)
        gx = gt = None
        if self.needs_input_grad[0] and _State.enabled:  # create_graph: through ops
            q = self.mix(t, self.cw)
            gx = (M.exp(x - R.logsumexp(x, 1, keepdim=True)) * R.sum(q, 1, keepdim=True) - q) * r
        elif self.needs_input_grad[0]:
            gx = const((self.probs * _col(self.q_sum) - self.q) * r.data)
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
    target = as_target(name, input, target)
    x, t = (input, target) if input.ndim > 1 else (reshape(input, (1, -1)), reshape(target, (1, -1)))
    cw = None if weight is None else const(_class_weight(name, weight, x.data))
    samples = x.shape[:1] + x.shape[2:]
    denom = float(np.prod(samples))
    spec = dict(out_shape=samples if input.ndim > 1 else (), kept=samples[:1] + (1,) + samples[1:],
                denom=denom, scale=1.0 / denom if denom else 0.0)
    return _SoftCrossEntropy.apply(x, t, cw=cw, label_smoothing=eps, reduction=reduction, **spec)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, on log-probabilities ``input`` (N, C, ...).

    ``cross_entropy(x, t)`` equals ``nll_loss(log_softmax(x, 1), t)``, fused.
    """
    name = "nll_loss"
    check_reduction(name, reduction)
    x, spec = class_targets(name, input, target, weight, ignore_index)
    return _NLLLoss.apply(x, reduction=reduction, **spec)


