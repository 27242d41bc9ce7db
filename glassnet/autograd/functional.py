"""Gradients as values: ``grad``, ``vjp`` and ``jacobian``."""

import numpy as np

from ..tensor import Tensor
from .engine import run_backward
from .grad_mode import enable_grad


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple.

    Unlike ``backward``, nothing is written into ``.grad``.  With
    ``create_graph=True`` the results are themselves differentiable, which
    gives second derivatives.
    """
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = list(_as_tuple(grad_outputs))
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad and has no grad_fn")
        if g is None:
            if out.array.size != 1:
                raise RuntimeError(
                    f"grad: output {i} has shape {out.shape}; pass grad_outputs for "
                    "non-scalar outputs"
                )
            grad_outputs[i] = Tensor._make(np.ones_like(out.array), None, 0)
        elif not isinstance(g, Tensor):
            grad_outputs[i] = Tensor(g)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    found = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return tuple(found)


def vjp(func, inputs, v=None, create_graph=False):
    """``(func(inputs), v^T J)``: a vector-Jacobian product without forming J."""
    single = not isinstance(inputs, (tuple, list))
    inputs = tuple(
        Tensor._make(t.array, None, 0).requires_grad_(True) if not create_graph else t
        for t in _as_tuple(inputs)
    )
    with _enabled():
        out = func(*inputs)
    if v is None:
        v = Tensor._make(np.ones_like(out.array), None, 0)
    grads = grad(out, inputs, v, create_graph=create_graph, allow_unused=True)
    grads = tuple(
        Tensor._make(np.zeros_like(t.array), None, 0) if g is None else g
        for g, t in zip(grads, inputs)
    )
    return out.detach(), grads[0] if single else grads


def jacobian(func, inputs):
    """The full Jacobian of ``func`` at ``inputs``, one backward per output element.

    For one input and one output the result has shape
    ``output.shape + input.shape``, as ``torch.autograd.functional.jacobian``.
    """
    single = not isinstance(inputs, (tuple, list))
    inputs = tuple(
        Tensor._make(t.array, None, 0).requires_grad_(True) for t in _as_tuple(inputs)
    )
    with _enabled():
        out = func(*inputs)
    rows = [np.zeros((out.array.size,) + t.shape, dtype=t.array.dtype) for t in inputs]
    for k in range(out.array.size):
        basis = np.zeros(out.array.size, dtype=out.array.dtype)
        basis[k] = 1
        v = Tensor._make(basis.reshape(out.shape), None, 0)
        grads = grad(out, inputs, v, retain_graph=True, allow_unused=True)
        for row, g in zip(rows, grads):
            if g is not None:
                row[k] = g.array
    jac = tuple(Tensor._make(r.reshape(out.shape + t.shape), None, 0) for r, t in zip(rows, inputs))
    return jac[0] if single else jac


def _enabled():
    return enable_grad()
