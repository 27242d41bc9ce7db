"""Ctrl-C during ``fit``: finish the current batch, then stop and return the History.

Python turns Ctrl-C into a ``KeyboardInterrupt`` wherever the program happens
to be, possibly halfway through an optimizer step that has updated some
parameters and not others. While ``fit`` runs, a SIGINT handler only raises a
flag that the loop checks between batches; a second Ctrl-C interrupts at once,
as usual. Outside the main thread (or when someone else owns SIGINT, such as
a notebook kernel) the handler is left alone and ``fit`` catches the
``KeyboardInterrupt`` wherever it lands.
"""

import signal
import threading


class CtrlC:
    """Context manager: ``requested`` becomes True on the first Ctrl-C."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        self.requested = False
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
