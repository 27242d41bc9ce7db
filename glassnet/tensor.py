"""The Tensor: an array, an optional gradient, and the node that made it.

Arithmetic, shape and reduction methods are attached in ``_methods.py`` from
the op modules, so this file holds only what a tensor *is*.
"""

import numpy as np

from . import backend


class Tensor:
    __slots__ = ("array", "grad", "requires_grad", "grad_fn", "_index", "__weakref__")
    # Let NumPy defer to our reflected operators (ndarray + Tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.array
        self.array = backend.as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._index = 0
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, grad_fn, index):
        """Fast constructor for op outputs: no conversion, no checks."""
        if type(data) is not np.ndarray:
            # NumPy returns scalars, not 0-d arrays, from full reductions and
            # 0-d arithmetic; a scalar is immutable and would break zero_() & co.
            data = np.asarray(data)
        t = object.__new__(Tensor)
        t.array = data
        t.grad = None
        t.grad_fn = grad_fn
        t._index = index
        t.requires_grad = grad_fn is not None
        return t

    # ----------------------------------------------------------- attributes
    @property
    def data(self):
        """This tensor's values as a new tensor outside the graph, sharing storage (PyTorch's ``.data``).

        Edits through it (``w.data[:] += 1``, ``w.data.normal_(0, 0.01)``) change ``w`` and are
        not recorded; ``w.data = t`` swaps the storage. ``.array`` is the NumPy array itself.
        """
        return Tensor._make(self.array, None, 0)

    @data.setter
    def data(self, value):
        self.array = value.array if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self):
        return self.array.shape

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def size(self, dim=None):
        return self.array.shape if dim is None else self.array.shape[dim]

    def numel(self):
        return self.array.size

    def dim(self):
        return self.array.ndim

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def numpy(self):
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self.array

    def item(self):
        if self.array.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor converts to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self.array.item()

    def tolist(self):
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(
                f"The truth value of a tensor with {self.array.size} elements is "
                "ambiguous; use .any() or .all()"
            )
        return bool(self.array)

    __hash__ = object.__hash__

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"Only floating-point tensors can require gradients, got dtype {self.dtype}"
            )
        if not self.is_leaf and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor: use .detach() instead"
            )
        self.requires_grad = requires_grad
        return self

    def detach(self):
        """The same data, cut off from the graph."""
        return Tensor._make(self.array, None, 0)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return self
        retained = self.grad_fn.__dict__.setdefault("retained", {})
        retained[self._index] = self
        return self

    def backward(self, gradient=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no grad_fn; "
                "did you compute it under no_grad(), or forget requires_grad=True?"
            )
        if gradient is None:
            if self.array.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar "
                    f"outputs, but this tensor has shape {self.shape}; pass "
                    f"gradient= with that shape"
                )
            gradient = Tensor._make(np.ones_like(self.array), None, 0)
        else:
            gradient = gradient if isinstance(gradient, Tensor) else Tensor(gradient)
            if gradient.shape != self.shape:
                raise RuntimeError(
                    f"backward(): gradient has shape {gradient.shape}, "
                    f"expected the tensor's shape {self.shape}"
                )
        from .autograd.engine import run_backward  # the engine imports this module

        run_backward([self], [gradient], retain_graph, create_graph)

    # ------------------------------------------------------------ in place
    def zero_(self):
        self.array[...] = 0
        return self

    def fill_(self, value):
        self.array[...] = value
        return self

    def copy_(self, other):
        self.array[...] = other.array if isinstance(other, Tensor) else other
        return self

    # -------------------------------------------------------------- display
    def __repr__(self):
        body = np.array2string(
            self.array, separator=", ", prefix="tensor(", formatter=_float_formatter(self.array)
        )
        extras = []
        if self.array.size == 0 and self.array.ndim != 1:
            extras.append(f"size={self.shape}")
        if self.array.dtype not in (backend.get_default_dtype(), backend.int64, backend.bool_):
            extras.append(f"dtype=glassnet.{self.array.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"


def _float_formatter(data):
    """PyTorch's number style: ``1., 2.`` for whole numbers, else 4 decimals,
    in scientific notation when magnitudes span more than 1000x."""
    if data.dtype.kind != "f" or data.size == 0:
        return None
    signed = data[np.isfinite(data)].astype(np.float64)
    finite = np.abs(signed)
    nonzero = finite[finite != 0]
    if nonzero.size == 0:
        fmt = "{:.0f}."
    else:
        lo, hi = nonzero.min(), nonzero.max()
        whole = bool(np.all(finite == np.round(finite)))
        if hi > 1e8 or (not whole and (hi / lo > 1e3 or lo < 1e-4)):
            fmt = "{:.4e}"
        else:
            fmt = "{:.0f}." if whole else "{:.4f}"

    def one(v):
        return fmt.format(v) if np.isfinite(v) else str(v)

    # Right-align every entry to the widest one, as PyTorch does; the widest
    # is an extreme value or a non-finite one.
    samples = [signed.min(), signed.max()] if signed.size else []
    if signed.size < data.size:
        samples += [v for v in (np.inf, -np.inf) if (data == v).any()]
        samples += [np.nan] if np.isnan(data).any() else []
    width = max(len(one(v)) for v in samples)
    return {"float_kind": lambda v: one(v).rjust(width)}

