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
