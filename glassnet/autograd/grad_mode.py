"""Switching graph recording on and off: ``no_grad``, ``enable_grad``."""

import functools


class _State:
    enabled = True


def is_grad_enabled():
    return _State.enabled


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
