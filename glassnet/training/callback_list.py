"""``CallbackList``: the callbacks of one ``fit``, called hook by hook."""

from .callback import Callback
from .callbacks import TerminateOnNaN
from .history import History
from .progress import ProgressBar

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end")


class CallbackList:
    """Calls each hook on every callback in order.

    As in Keras, the list adds the standard callbacks itself: the progress
    bar first (``add_progbar``), ``TerminateOnNaN`` unless one is given
    (``add_nan_check``), and the ``History`` last (``add_history``; it is
    ``self.history``), so that it records what the others wrote into the logs.

    The batch hooks run for every batch, so only the callbacks that override
    them are called: a hook left as the base class's no-op costs nothing.
    """

    def __init__(self, callbacks, model, params, add_history=False, add_progbar=False, add_nan_check=False):
        given = list(callbacks or [])
        self.history = History() if add_history else None
        self.callbacks = (
            ([ProgressBar(params.get("verbose", 1))] if add_progbar else [])
            + ([TerminateOnNaN()] if add_nan_check and not any(isinstance(c, TerminateOnNaN) for c in given)
               else [])
            + given
            + ([self.history] if add_history else [])
        )
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"fit: callbacks must be glassnet.training.Callback objects, got {type(cb).__name__}"
                )
            cb.set_model(model)
            cb.set_params(params)
        # A hook counts when the callback's class or the callback itself (a LambdaCallback) defines it.
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks
                               if getattr(getattr(cb, hook), "__func__", None) is not getattr(Callback, hook)]
                        for hook in _HOOKS}

    def wants(self, hook):
        return bool(self._active[hook])

    def on_train_begin(self, logs=None):
        for hook in self._active["on_train_begin"]:
            hook(logs)

    def on_train_end(self, logs=None):
        for hook in self._active["on_train_end"]:
            hook(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for hook in self._active["on_epoch_begin"]:
            hook(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for hook in self._active["on_epoch_end"]:
            hook(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        for hook in self._active["on_train_batch_begin"]:
            hook(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        for hook in self._active["on_train_batch_end"]:
            hook(batch, logs)
