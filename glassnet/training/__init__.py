"""Keras-style training for every ``nn.Module``: ``compile``, ``fit``, ``evaluate``, ``predict``.

``model.compile(...)`` and friends are thin methods on ``nn.Module`` that
call the functions here; a hand-written PyTorch loop needs none of it.

* ``compile.py``   names ('adam', 'mse', 'accuracy') -> objects, with Keras' defaults
* ``objective.py`` the loss, for models ending in Softmax/Sigmoid and for logits
* ``batches.py``   arrays, Datasets and DataLoaders -> batches
* ``trainer.py``   the compiled state of a model and its default train/test/predict steps
* ``loop.py``      fit / evaluate / predict, calling the model's steps
* ``callback.py``, ``callback_list.py``, ``callbacks.py``, ``tensorboard.py``, ``history.py``,
  ``progress.py``, ``interrupt.py``
"""

from .backup import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .callbacks import (
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    MonitorCallback,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .compile import compile_model
from .history import History
from .loop import evaluate, fit, predict
from .progress import ProgressBar
from .tensorboard import TensorBoard
from .trainer import Trainer

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback", "ProgressBar", "ReduceLROnPlateau",
    "TensorBoard", "TerminateOnNaN", "Trainer",
    "compile_model", "evaluate", "fit", "predict",
]
