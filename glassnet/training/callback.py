"""The callback protocol: hooks that ``fit`` calls at fixed points of training.

A callback sees the model (``self.model``) and the logs: after a batch, the
running means of the loss and metrics over the epoch so far; after an epoch,
the epoch's values and the validation ones (``'val_loss'``...). Setting
``self.model.stop_training = True`` ends ``fit`` after the current batch.
"""


class Callback:
    """Base class: override the hooks you need; all do nothing by default."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end")


class CallbackList:
    """Calls each hook on every callback in order.

    The batch hooks run for every batch, so only the callbacks that override
    them are called: a hook left as the base class's no-op costs nothing.
    """

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"fit: callbacks must be glassnet.training.Callback objects, got {type(cb).__name__}"
                )
            cb.set_model(model)
            cb.set_params(params)
        self._active = {hook: [getattr(cb, hook) for cb in self.callbacks
                               if getattr(type(cb), hook) is not getattr(Callback, hook)] for hook in _HOOKS}

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
