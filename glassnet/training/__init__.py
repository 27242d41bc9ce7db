"""Keras-style training for every ``nn.Module``: ``compile``, ``fit``, ``evaluate``, ``predict``.

``model.compile(...)`` and friends are thin methods on ``nn.Module`` that
call the functions here; a hand-written PyTorch loop needs none of it.

* ``compile.py``   names ('adam', 'mse', 'accuracy') -> objects, with Keras' defaults
* ``objective.py`` the loss, for models ending in Softmax/Sigmoid and for logits
* ``batches.py``   arrays, Datasets and DataLoaders -> batches
* ``loop.py``      fit / evaluate / predict
* ``callback.py``, ``callbacks.py``, ``history.py``, ``progress.py``, ``interrupt.py``
"""

from .callback import Callback, CallbackList
from .callbacks import (
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .compile import compile_model
from .history import History
from .loop import evaluate, fit, predict
from .progress import ProgressBar

__all__ = [
    "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LearningRateScheduler",
    "ModelCheckpoint", "ProgressBar", "ReduceLROnPlateau", "TerminateOnNaN", "compile_model", "evaluate",
    "fit", "predict",
]
