"""Keras's callbacks: glassnet's own (``glassnet.training``), under Keras's names."""

from ..training import (
    BackupAndRestore,
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)
from ..training import ProgressBar as ProgbarLogger


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_batch_begin=kwargs.pop("on_train_batch_begin", on_batch_begin),
                     on_train_batch_end=kwargs.pop("on_train_batch_end", on_batch_end),
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        if kwargs:
            raise TypeError(f"LambdaCallback: unexpected keyword argument(s) {sorted(kwargs)}")
        for hook, fn in hooks.items():
            if fn is not None:
                setattr(self, hook, fn)


__all__ = [
    "BackupAndRestore", "Callback", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard",
    "TerminateOnNaN",
]
