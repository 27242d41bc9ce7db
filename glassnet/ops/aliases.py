"""NumPy's spellings of reduction keywords, accepted where PyTorch's are.

d2l writes ``X.sum(0, keepdims=True)`` and ``X.sum(axis=1, keepdims=True)``;
PyTorch accepts ``keepdims`` and ``axis`` as aliases of ``keepdim`` and
``dim`` on its reductions, so glassnet's reductions do too, by this wrapper
around each one where it is installed as a function and a method.
"""

import functools


def numpy_keywords(fn):
    """``fn`` with ``keepdims=`` read as ``keepdim=`` and ``axis=`` as ``dim=``."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if "keepdims" in kwargs:
            if "keepdim" in kwargs:
                raise TypeError(f"{fn.__name__}: pass either keepdim= or keepdims=, not both")
            kwargs["keepdim"] = kwargs.pop("keepdims")
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}: pass either dim= or axis=, not both")
            kwargs["dim"] = kwargs.pop("axis")
        return fn(*args, **kwargs)

    return call


# The functions taking dim= that d2l calls with NumPy's words (``A.cumsum(axis=0)`` too).
REDUCTIONS = ("sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp",
              "norm", "cumsum")


def install(namespace):
    """Wrap the reductions named in ``namespace`` (a module's globals: ``glassnet.sum`` & co)."""
    for name in REDUCTIONS:
        namespace[name] = numpy_keywords(namespace[name])
