"""PyTorch's named products and norms: ``dot``, ``mm``, ``mv``, ``bmm``, ``norm``.

The products are ``matmul`` with the shape rule of their name checked first
(``mm`` takes exactly two matrices, no broadcasting), so their gradients
and double gradients are ``matmul``'s. The norms are sums of powers of
``abs``, except the 2-norm, which has its own node so that its gradient at
a zero vector is 0 (the subgradient PyTorch picks) rather than 0 / 0.
"""

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from . import math as M
from . import reduce as R
from ._util import constant as _const
from ._util import normalize_dim, pick_dim, pick_keepdim
from .linalg import matmul


def _need(name, **tensors_and_ndims):
    for label, (t, ndim) in tensors_and_ndims.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}: {label} must be a tensor, got {type(t).__name__}")
        if t.ndim != ndim:
            raise RuntimeError(f"{name}: {label} must be {ndim}-D, got shape {tuple(t.shape)}")


def dot(input, other):  # noqa: A002 - PyTorch's names
    """The inner product of two 1-D tensors of the same length."""
    _need("dot", input=(input, 1), other=(other, 1))
    if input.shape != other.shape:
        raise RuntimeError(f"dot: expected 1-D tensors of one size, got {len(input)} and {len(other)}")
    return matmul(input, other)


def mv(input, vec):  # noqa: A002
    """Matrix (n, m) times vector (m,)."""
    _need("mv", input=(input, 2), vec=(vec, 1))
    return matmul(input, vec)


def mm(input, mat2):  # noqa: A002
    """Matrix (n, m) times matrix (m, p), no broadcasting."""
    _need("mm", input=(input, 2), mat2=(mat2, 2))
    return matmul(input, mat2)


def bmm(input, mat2):  # noqa: A002
    """Batches of matrices (b, n, m) times (b, m, p), the same b in both, no broadcasting."""
    _need("bmm", input=(input, 3), mat2=(mat2, 3))
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    return matmul(input, mat2)


class Norm2(Function):
    """sqrt(sum(x^2)) over ``axes``; the gradient x / norm is 0 where the norm is 0."""

    save_output = True

    def forward(self, x):
        return np.sqrt(np.sum(x * x, axis=self.axes, keepdims=self.keepdim))

    def backward(self, g):
        (x,) = self.inputs
        n = self.output()
        if not self.keepdim:
            n, g = (_keep(t, self.axes) for t in (n, g))
        safe = M.where(_const(n.array == 0), _const(np.ones((), n.dtype)), n)
        return g * x / safe


def _keep(t, axes):
    for a in sorted(axes):
        t = t.unsqueeze(a)
    return t


def norm(input, p="fro", dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):  # noqa: A002
    """``torch.norm``: the p-norm of all elements, or over ``dim`` (an int or a tuple).

    ``p`` is a number (2, 1, 0, inf, -inf or any other), or ``'fro'`` (the
    2-norm of the elements, the Frobenius norm of a matrix). ``'nuc'`` is not
    supported.
    """
    dim, keepdim = pick_dim(dim, axis), pick_keepdim(keepdim, keepdims)
    if input.dtype.kind != "f":
        raise RuntimeError(f"norm: expected a floating-point tensor, got dtype {input.dtype}")
    if dtype is not None:
        input = input.to(dtype)
    axes = tuple(range(input.ndim)) if dim is None else normalize_dim(dim, input.ndim, "norm")
    axes = axes if isinstance(axes, tuple) else (axes,)
    if p == "fro" or p == 2:
        return Norm2.apply(input, axes=axes, keepdim=keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
    a = M.abs(input)
    if p == float("inf"):
        return R.amax(a, axes, keepdim)
    if p == float("-inf"):
        return R.amin(a, axes, keepdim)
    if p == 0:
        return _const(np.sum(input.array != 0, axis=axes, keepdims=keepdim).astype(input.dtype))
    if p == 1:
        return R.sum(a, axes, keepdim)
    return R.sum(a ** float(p), axes, keepdim) ** (1.0 / p)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - torch.linalg's names
    """``torch.linalg.vector_norm``: the elements (or those along ``dim``) as one vector."""
    return norm(x, "fro" if ord == 2 else ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: N803
    """``torch.linalg.matrix_norm`` for ``ord='fro'`` (the only one glassnet has)."""
    if ord != "fro":
        raise NotImplementedError(f"linalg.matrix_norm: only ord='fro' is supported, got {ord!r}")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: expected a tensor with 2 or more dims, got shape {A.shape}")
    return norm(A, "fro", dim, keepdim, dtype)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: the 2-norm of a vector, the Frobenius norm of a matrix.

    With ``ord=None`` and ``dim=None`` that is the 2-norm of all elements. A
    numeric ``ord`` is taken as a vector norm over ``dim`` (or a 1-D input);
    matrix norms other than Frobenius are not supported.
    """
    if ord is None or ord == "fro":
        return norm(A, "fro", dim, keepdim, dtype)
    matrix = (dim is None and A.ndim == 2) or (isinstance(dim, (tuple, list)) and len(dim) == 2)
    if matrix:
        raise NotImplementedError(f"linalg.norm: only the 'fro' matrix norm is supported, got ord={ord!r}")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)
