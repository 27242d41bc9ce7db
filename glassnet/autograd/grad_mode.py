"""Whether ops record a graph: ``no_grad``, ``enable_grad``, and the two
questions an op may ask to take a faster path.

This module holds the only switch. Everything else asks through
``is_recording(*tensors)`` (in forward code: will this call become a graph
node?) or ``first_order()`` (in backward code: will this gradient itself be
differentiated?). Inside ``Function.forward`` the same answer is already in
``self.needs_input_grad``.
"""

import functools


class _State:
    enabled = True


def is_grad_enabled():
    return _State.enabled


def is_recording(*tensors):
    """True when a call on ``tensors`` now would be recorded in the graph:
    recording is on and at least one of them requires a gradient."""
    if not _State.enabled:
        return False
    for t in tensors:
        if t.requires_grad:
            return True
    return False


def first_order():
    """True inside a backward that need not itself be differentiable.

    The engine records a graph during backward only for ``create_graph=True``.
    Otherwise a hot op may compute its gradient in plain NumPy, skipping the
    Tensor bookkeeping of its differentiable backward; both forms are tested
    against each other.
    """
    return not _State.enabled


class set_grad_enabled:
    """Context manager (and decorator) that sets whether ops record a graph."""

    def __init__(self, mode):
        self.prev = _State.enabled
        _State.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _State.enabled = self.prev
        return False


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = _State.enabled
        _State.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _State.enabled = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops inside record no graph: use it for evaluation and weight updates.

    Works as ``with no_grad():`` and as a ``@no_grad()`` decorator.
    """

    mode = False


class enable_grad(_GradModeContext):
    """Switch recording back on inside a ``no_grad`` block."""

    mode = True
