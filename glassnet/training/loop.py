"""``fit``, ``evaluate`` and ``predict``: the Keras training loop, written out once.

One training step is exactly the hand-written PyTorch loop::

    optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()

Around it ``fit`` keeps running means of the loss and metrics and calls the
callbacks. Nothing here is needed to train by hand.
"""

import copy
from collections.abc import MutableMapping

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from . import batches
from .callback import CallbackList
from .callbacks import TerminateOnNaN
from .compile import compiled_state
from .history import History
from .interrupt import CtrlC
from .progress import ProgressBar, resolve_verbose


class Tracker:
    """Running means over an epoch: the loss weighted by batch size, and the metrics' own counts."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.names = ["loss"] + [m.name for m in metrics]
        self.reset()

    def reset(self):
        self.loss_sum, self.count = 0.0, 0
        for metric in self.metrics:
            metric.reset()

    def update(self, loss, predictions, targets):
        n = len(predictions)
        self.loss_sum += float(loss.data) * n
        self.count += n
        if self.metrics:
            y = targets.data if isinstance(targets, Tensor) else targets
            for metric in self.metrics:
                metric.update(y, predictions)

    def value(self, name):
        if name == "loss":
            return self.loss_sum / self.count if self.count else float("nan")
        return float(self.metrics[self.names.index(name) - 1].result())

    def logs(self, prefix=""):
        return {prefix + name: self.value(name) for name in self.names}


class BatchLogs(MutableMapping):
    """The logs handed to ``on_train_batch_end``: a dict whose metric values are computed when read.

    Some metrics (precision, F1) take longer to compute than a small training
    step; most batch callbacks read only the loss, and the progress bar reads
    everything only when it redraws.
    """

    def __init__(self, tracker):
        self._tracker, self._values = tracker, {}
        self._names = list(tracker.names)

    def __getitem__(self, key):
        if key not in self._values:
            if key not in self._names:
                raise KeyError(key)
            self._values[key] = self._tracker.value(key)
        return self._values[key]

    def __setitem__(self, key, value):
        if key not in self._names:
            self._names.append(key)
        self._values[key] = value

    def __delitem__(self, key):
        self._names.remove(key)
        self._values.pop(key, None)

    def __iter__(self):
        return iter(list(self._names))

    def __len__(self):
        return len(self._names)

    def __repr__(self):
        return repr(dict(self))


def _set_mode(model, training):
    was = model.training
    model.train(training)
    return was


def run_evaluation(model, compiled, data_loader, tracker, caller, prefix=""):
    """Loss and metrics over ``data_loader`` in eval mode, without recording graphs."""
    tracker.reset()
    was = _set_mode(model, False)
    try:
        with no_grad():
            for batch in data_loader:
                x, y = batches.unpack(batch, caller)
                loss, predictions = compiled.objective(model, x, y)
                tracker.update(loss, predictions, y)
    finally:
        model.train(was)
    if tracker.count == 0:
        raise ValueError(f"{caller}: the data holds no samples")
    return tracker.logs(prefix)


def fit(model, x=None, y=None, batch_size=32, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0):
    """Train ``model`` for ``epochs`` passes over the data; return a ``History``. See docs/training.md."""
    compiled = compiled_state(model, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    data = batches.as_dataset_or_loader(x, y, "fit")
    val = batches.validation_source(validation_data, "fit")
    if validation_split and val is None:
        data, val = batches.split_off_validation(data, validation_split, "fit")
    train_loader = batches.loader(data, batch_size, shuffle, "fit")
    val_loader = None if val is None else batches.loader(val, batch_size, False, "fit")
    verbose = resolve_verbose(verbose, "fit")

    history = History()
    given = list(callbacks or [])
    defaults = [] if any(isinstance(cb, TerminateOnNaN) for cb in given) else [TerminateOnNaN()]
    progress = [ProgressBar(verbose)] if verbose else []
    params = {"epochs": epochs, "steps": len(train_loader), "verbose": verbose}
    cbs = CallbackList(progress + defaults + given + [history], model, params)
    object.__setattr__(model, "history", history)
    object.__setattr__(model, "stop_training", False)

    tracker = Tracker(compiled.metrics)
    val_tracker = Tracker(copy.deepcopy(compiled.metrics))
    step = TrainStep(model, compiled, tracker)
    batch_logs = cbs.wants("on_train_batch_end")
    was_training = model.training
    logs, epoch, batch = {}, initial_epoch, -1
    with CtrlC() as ctrl_c:
        try:
            cbs.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                tracker.reset()
                model.train()
                cbs.on_epoch_begin(epoch)
                for batch, data_batch in enumerate(train_loader):
                    cbs.on_train_batch_begin(batch)
                    step(data_batch)
                    cbs.on_train_batch_end(batch, BatchLogs(tracker) if batch_logs else None)
                    if model.stop_training or ctrl_c.requested:
                        break
                if ctrl_c.requested:
                    raise KeyboardInterrupt
                if tracker.count == 0:
                    raise ValueError("fit: the training data holds no samples")
                logs = tracker.logs()
                if val_loader is not None:
                    logs.update(run_evaluation(model, compiled, val_loader, val_tracker, "fit", "val_"))
                cbs.on_epoch_end(epoch, logs)
                if ctrl_c.requested:  # pressed during validation or an epoch-end callback
                    raise KeyboardInterrupt
                if model.stop_training:
                    break
        except KeyboardInterrupt:
            finished = len(history.epoch)
            print(f"\nfit: interrupted (Ctrl-C) in epoch {epoch + 1}, after batch {batch + 1}; "
                  f"returning the History of the {finished} finished epoch(s)", flush=True)
        cbs.on_train_end(logs)
    model.train(was_training)
    return history


class TrainStep:
    """One optimisation step on one batch, then the running means."""

    def __init__(self, model, compiled, tracker):
        self.model, self.objective, self.optimizer = model, compiled.objective, compiled.optimizer
        self.tracker = tracker

    def __call__(self, data_batch):
        x, y = batches.unpack(data_batch, "fit")
        self.optimizer.zero_grad()
        loss, predictions = self.objective(self.model, x, y)
        loss.backward()
        self.optimizer.step()
        self.tracker.update(loss, predictions, y)


def evaluate(model, x=None, y=None, batch_size=32, verbose="auto", return_dict=False):
    """Loss (and metrics) on the data: a float, ``[loss, metric, ...]``, or a dict with ``return_dict``."""
    compiled = compiled_state(model, "evaluate")
    data = batches.as_dataset_or_loader(x, y, "evaluate")
    data_loader = batches.loader(data, batch_size, False, "evaluate")
    verbose = resolve_verbose(verbose, "evaluate")
    logs = run_evaluation(model, compiled, data_loader, Tracker(copy.deepcopy(compiled.metrics)), "evaluate")
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=32, verbose=0):
    """The model's outputs for ``x``, batch by batch in eval mode, as one NumPy array."""
    data = batches.as_dataset_or_loader(x, None, "predict", need_targets=False)
    data_loader = batches.loader(data, batch_size, False, "predict")
    resolve_verbose(verbose, "predict")
    outputs = []
    was = _set_mode(model, False)
    try:
        with no_grad():
            for batch in data_loader:
                # A Dataset of (inputs, targets) may be given: the targets are not needed.
                inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
                out = model(inputs)
                if not isinstance(out, Tensor):
                    raise TypeError(
                        f"predict: {type(model).__name__} returned a {type(out).__name__}; "
                        "predict needs a model that returns one Tensor"
                    )
                outputs.append(out.data)
    finally:
        model.train(was)
    if not outputs:
        raise ValueError("predict: the data holds no samples")
    return np.concatenate(outputs)
