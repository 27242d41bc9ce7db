"""The standard callbacks, with Keras' names, arguments and behaviour.

Epochs in printed messages count from 1, as the progress display does; the
``epoch`` argument of the hooks counts from 0, as in Keras.
"""

import csv
import math
import os
import warnings

import numpy as np

from ..io import save
from .callback import Callback

# Quantities that are better when larger; everything else ('loss', 'mae'...) is better when smaller.
_HIGHER_IS_BETTER = ("accuracy", "acc", "precision", "recall", "f1_score", "f1", "auc")


class MonitorCallback(Callback):
    """A callback that watches one logged quantity and keeps the best value so far.

    One definition for all of them (EarlyStopping, ModelCheckpoint,
    ReduceLROnPlateau, and yours): ``mode`` 'min' or 'max' ('auto' picks
    'max' for accuracy-like names, with or without 'val_', as Keras does);
    ``improved(value)`` is true when ``value`` beats ``reference`` (the best
    so far by default) by more than ``min_delta`` in that direction.
    """

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0.0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            name = monitor[4:] if monitor.startswith("val_") else monitor
            mode = "max" if name in _HIGHER_IS_BETTER else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self.reset_best()

    def reset_best(self):
        self.best = np.inf if self.mode == "min" else -np.inf

    def improved(self, value, reference=None):
        reference = self.best if reference is None else reference
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def monitored(self, logs):
        """The watched value from ``logs``, or None (with a warning) when it is missing."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__}: the logs have no {self.monitor!r} (available: "
                          f"{sorted(logs or {})}); is validation data given?", RuntimeWarning, stacklevel=3)
        return value


def _copy_weights(model):
    return {name: t.array.copy() for name, t in model.state_dict().items()}


class TerminateOnNaN(Callback):
    """Stops training as soon as the loss becomes NaN or infinite. ``fit`` adds one by default."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"TerminateOnNaN: the loss became {loss} in epoch {self.epoch + 1}, batch {batch + 1}; "
                  "stopping training (try a smaller learning rate, or check the data for NaN)", flush=True)
            self.model.stop_training = True


class EarlyStopping(MonitorCallback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the weights of the best epoch are put back
    when it stops (as in Keras, not when ``fit`` simply runs out of epochs).
    A ``baseline`` must be beaten for the waiting count to restart.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.reset_best()
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = self.monitored(logs)
        if current is None:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = _copy_weights(self.model)
        self.wait += 1
        if self.improved(current):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model)
            if self.baseline is None or self.improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print(f"EarlyStopping: restoring the weights of epoch {self.best_epoch + 1}", flush=True)
                self.model.load_state_dict(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)


class ModelCheckpoint(MonitorCallback):
    """Save ``model.state_dict()`` to ``filepath`` after each epoch (safetensors, written atomically).

    ``filepath`` may name the epoch and logged values: ``'ckpt-{epoch:02d}-{val_loss:.2f}.safetensors'``.
    With ``save_best_only`` a file is written only when ``monitor`` improves
    (by more than ``min_delta``; Keras has no such argument and behaves as 0).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, mode="auto",
                 min_delta=0.0):
        super().__init__(monitor, mode, min_delta)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only = save_best_only

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint: cannot fill in filepath {self.filepath!r} ({error!r}); it may use "
                f"{{epoch}} and the logged names {sorted(logs)}"
            ) from error
        if self.save_best_only:
            current = self.monitored(logs)
            if current is None or not self.improved(current):
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving to {path}", flush=True)
            self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving the model to {path}", flush=True)
        save(self.model.state_dict(), path)


def _lr(optimizer):
    return float(optimizer.param_groups[0]["lr"])


def _set_lr(optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr


class LearningRateScheduler(Callback):
    """At the start of each epoch, set the learning rate to ``schedule(epoch, lr)`` (epoch from 0)."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be callable, got {type(schedule).__name__}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = self.schedule(epoch, _lr(optimizer))
        if not isinstance(lr, (float, int, np.floating, np.integer)) or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"LearningRateScheduler: schedule({epoch}, lr) must return a number >= 0, got {lr!r}")
        _set_lr(optimizer, float(lr))
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting the learning rate to {float(lr):.6g}")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _lr(self.model.optimizer)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs.

    An improvement must beat the best value by more than ``min_delta``; after
    a reduction, ``cooldown`` epochs pass before counting again; the rate never
    goes below ``min_lr``. (Keras' epoch-level callback; the step-by-hand
    PyTorch version is ``glassnet.optim.lr_scheduler.ReduceLROnPlateau``.)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__(monitor, mode, min_delta)
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.reset_best()
        self.wait, self.cooldown_counter = 0, 0

    def on_epoch_end(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = _lr(optimizer)
        current = self.monitored(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(current):
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and _lr(optimizer) > self.min_lr:
                new_lr = max(_lr(optimizer) * self.factor, self.min_lr)
                _set_lr(optimizer, new_lr)
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing the learning rate to {new_lr:.6g}")
                self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """Append one row per epoch to a CSV file: ``epoch`` and every logged value, in sorted order."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self.file = self.writer = self.keys = None

    def on_train_begin(self, logs=None):
        has_rows = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.write_header = not has_rows
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.keys = sorted(logs)
            fields = ["epoch"] + self.keys
            self.writer = csv.DictWriter(self.file, fieldnames=fields, delimiter=self.separator)
            if self.write_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
            self.file = None
