"""Numerical gradient checking by central differences in float64."""

import numpy as np

from ..tensor import Tensor
from .functional import grad


class GradcheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def _outputs(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _weighted(fn, inputs, weights):
    """<weights, fn(inputs)> summed over every output: one number to differentiate."""
    return sum(float(np.sum(o.array * w)) for o, w in zip(_outputs(fn(*inputs)), weights))


def numerical_grad(fn, inputs, weights, eps):
    """d <weights, fn(inputs)> / d input, by central differences."""
    weights = weights if isinstance(weights, (tuple, list)) else (weights,)
    results = []
    for t in inputs:
        if not t.requires_grad:
            results.append(None)
            continue
        g = np.zeros(t.shape, dtype=np.float64)
        # Index the array itself (not a reshaped copy) so that a
        # non-contiguous input is perturbed too.
        for i in np.ndindex(t.shape):
            orig = t.array[i]
            t.array[i] = orig + eps
            plus = _weighted(fn, inputs, weights)
            t.array[i] = orig - eps
            minus = _weighted(fn, inputs, weights)
            t.array[i] = orig
            g[i] = (plus - minus) / (2 * eps)
        results.append(g)
    return results


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check ``fn``'s backward against central differences.

    ``inputs`` are float64 tensors; those with ``requires_grad`` are checked.
    ``fn`` returns a tensor or a tuple of tensors.  A random weighting of
    the outputs makes every output element count.  On failure the message
    names the input and the worst element with both values.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, t in enumerate(inputs):
        if t.requires_grad and t.array.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {t.dtype}; use float64 inputs "
                "(dtype=glassnet.float64) so finite differences are accurate"
            )
    outs = _outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outs]
    positions = [i for i, t in enumerate(inputs) if t.requires_grad]
    wanted = [inputs[i] for i in positions]
    # An output that does not depend on any input has a zero analytic gradient.
    live = [k for k, o in enumerate(outs) if o.requires_grad]
    if live:
        analytic = grad(
            [outs[k] for k in live], wanted,
            [Tensor._make(weights[k], None, 0) for k in live], allow_unused=True,
        )
    else:
        analytic = [None] * len(wanted)
    numeric = [n for n in numerical_grad(fn, inputs, weights, eps) if n is not None]
    for pos, a, n in zip(positions, analytic, numeric):
        a = np.zeros_like(n) if a is None else a.array
        err = np.abs(a - n) - (atol + rtol * np.abs(n))
        if np.any(err > 0) or np.isnan(a).any() != np.isnan(n).any():
            worst = np.unravel_index(np.argmax(np.where(np.isnan(err), np.inf, err)), n.shape)
            msg = (
                f"gradcheck failed for input {pos} (shape {n.shape}): "
                f"at index {tuple(int(i) for i in worst)} the analytic gradient is "
                f"{a[worst]:.8g} but the numerical one is {n[worst]:.8g} "
                f"(max abs difference {np.max(np.abs(a - n)):.3g})"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=1, raise_exception=True):
    """Check second derivatives, as ``torch.autograd.gradgradcheck`` does.

    The first gradient ``v -> v^T J(x)`` (built with ``create_graph=True``) is
    itself gradchecked as a function of both the inputs ``x`` and the
    upstream gradient ``v``.  Differentiating with respect to ``v`` checks
    the backward of a backward even for linear ops, whose second derivative
    with respect to ``x`` is zero.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    n_in = len(inputs)
    wanted_idx = [i for i, t in enumerate(inputs) if t.requires_grad]
    rng = np.random.default_rng(seed)
    vs = tuple(
        Tensor._make(rng.standard_normal(o.shape), None, 0).requires_grad_(True)
        for o in _outputs(fn(*inputs))
    )

    def first_grad(*args):
        xs, v = args[:n_in], args[n_in:]
        gs = grad(_outputs(fn(*xs)), [xs[i] for i in wanted_idx], list(v),
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + vs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed)
