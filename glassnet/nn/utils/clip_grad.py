"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as in PyTorch.

Recurrent networks multiply gradients by the same weights at every time
step, so they sometimes explode; rescaling all gradients when their joint
norm exceeds ``max_norm`` keeps their direction and bounds the step.
"""

import math

import numpy as np

from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` taken together as one vector (a 0-d Tensor)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.array for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._make(np.zeros((), np.float32), None, 0)
    dtype = arrays[0].dtype
    if norm_type == math.inf:
        total = max(float(np.abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        # Accumulate in float64: many float32 squares summed in float32 lose digits.
        per = [np.linalg.norm(a.reshape(-1).astype(np.float64), norm_type) for a in arrays]
        total = float(np.linalg.norm(np.array(per), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    return Tensor._make(np.asarray(total, dtype), None, 0)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    coef = min(coef, 1.0) if not math.isnan(coef) else coef
    # An infinite norm gives coef 0 and inf * 0 = nan, as in PyTorch: the step is spoiled, visibly.
    with np.errstate(invalid="ignore"):
        for g in _grads(parameters):
            g.array *= g.array.dtype.type(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients in place so that their joint norm is at most ``max_norm``.

    Returns the norm *before* clipping (a 0-d Tensor), handy to log.  Use
    ``norm_type=float('inf')`` for the largest absolute value.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g.array, -clip_value, clip_value, out=g.array)
