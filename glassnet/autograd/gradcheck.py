"""Numerical gradient checking by central differences in float64."""

import numpy as np

from .functional import grad


class GradcheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def numerical_grad(fn, inputs, grad_output, eps):
    """d <grad_output, fn(inputs)> / d input, by central differences."""
    results = []
    for t in inputs:
        if not t.requires_grad:
            results.append(None)
            continue
        flat = t.data.reshape(-1)  # a view: perturbing it perturbs t
        g = np.zeros_like(flat)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = float(np.sum(fn(*inputs).data * grad_output))
            flat[i] = orig - eps
            minus = float(np.sum(fn(*inputs).data * grad_output))
            flat[i] = orig
            g[i] = (plus - minus) / (2 * eps)
        results.append(g.reshape(t.shape))
    return results


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check ``fn``'s backward against central differences.

    ``inputs`` are float64 tensors; those with ``requires_grad`` are checked.
    A random output weighting makes every output element count.  On failure
    the message names the input and the worst element with both values.
    """
    from ..tensor import Tensor

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, t in enumerate(inputs):
        if t.requires_grad and t.data.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {t.dtype}; use float64 inputs "
                "(dtype=glassnet.float64) so finite differences are accurate"
            )
    out = fn(*inputs)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    wanted = [t for t in inputs if t.requires_grad]
    analytic = grad(out, wanted, Tensor._make(weights, None, 0), allow_unused=True)
    numeric = [n for n in numerical_grad(fn, inputs, weights, eps) if n is not None]
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.zeros_like(n) if a is None else a.data
        err = np.abs(a - n) - (atol + rtol * np.abs(n))
        if np.any(err > 0):
            worst = np.unravel_index(np.argmax(err), n.shape)
            msg = (
                f"gradcheck failed for differentiable input {k} (shape {n.shape}): "
                f"at index {tuple(int(i) for i in worst)} the analytic gradient is "
                f"{a[worst]:.8g} but the numerical one is {n[worst]:.8g} "
                f"(max abs difference {np.max(np.abs(a - n)):.3g})"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=1):
    """Check second derivatives: gradcheck of the (create_graph) gradient."""
    from ..tensor import Tensor

    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    out = fn(*inputs)
    weights = Tensor._make(np.random.default_rng(seed).standard_normal(out.shape), None, 0)
    wanted_idx = [i for i, t in enumerate(inputs) if t.requires_grad]

    def first_grad(*xs):
        y = fn(*xs)
        gs = grad(y, [xs[i] for i in wanted_idx], weights, create_graph=True, allow_unused=True)
        total = None
        for g in gs:
            if g is not None:
                term = (g * g).sum()
                total = term if total is None else total + term
        return total

    return gradcheck(first_grad, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
