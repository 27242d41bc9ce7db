"""``fit``, ``evaluate`` and ``predict``: the Keras training loop, written out once.

One training step is exactly the hand-written PyTorch loop::

    optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); optimizer.step()

Around it ``fit`` keeps running means of the loss and metrics and calls the
callbacks. Nothing here is needed to train by hand.
"""

import numpy as np

from ..autograd import no_grad
from ..distributed.strategy import fit_strategy
from ..tensor import Tensor
from . import batches
from .backup import backups_last
from .callback_list import CallbackList
from .interrupt import CtrlC
from .progress import resolve_verbose
from .trainer import trainer_of


def _set_mode(model, training):
    was = model.training
    model.train(training)
    return was


def run_evaluation(model, trainer, data_loader, caller, prefix=""):
    """Loss and metrics over ``data_loader`` by ``model.test_step``, in eval mode, recording no graph."""
    trainer.reset_metrics()
    logs = None
    was = _set_mode(model, False)
    try:
        with no_grad():
            for batch in data_loader:
                logs = model.test_step(batch)
    finally:
        model.train(was)
    if logs is None:
        raise ValueError(f"{caller}: the data holds no samples")
    strategy = fit_strategy()
    if strategy is not None:  # each rank evaluated its share: merge their counts
        logs = strategy.reduce_logs(logs, trainer)
    return {prefix + k: float(v) for k, v in logs.items()}


def fit(model, x=None, y=None, batch_size=32, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None,
        validation_steps=None, class_weight=None, sample_weight=None):
    """Train ``model`` for ``epochs`` passes over the data; return a ``History``. See docs/training.md."""
    trainer = trainer_of(model, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    data = batches.as_dataset_or_loader(x, y, "fit", steps=steps_per_epoch, sample_weight=sample_weight,
                                        class_weight=class_weight)
    val = batches.validation_source(validation_data, "fit", validation_steps)
    if validation_split and val is None:
        data, val = batches.split_off_validation(data, validation_split, "fit")
    train_loader = batches.loader(data, batch_size, shuffle, "fit")
    val_loader = None if val is None else batches.loader(val, batch_size, False, "fit")
    verbose = resolve_verbose(verbose, "fit")
    # Data-parallel over several MPI ranks, or None (docs/distributed.md): each rank trains on its share
    # of every global batch, and only rank 0 prints and writes files.
    strategy = fit_strategy()
    if strategy is not None:
        train_loader = strategy.training_loader(data, batch_size, shuffle, "fit")
        val_loader = None if val is None else strategy.evaluation_loader(val, batch_size, "fit")
        callbacks = strategy.callbacks_for_this_rank(callbacks, train_loader)
        verbose = strategy.verbose(verbose)

    # A BackupAndRestore runs after the other callbacks, to save the epoch as they leave it (backup.py).
    cbs = CallbackList(backups_last(callbacks), model,
                       {"epochs": epochs, "steps": len(train_loader), "verbose": verbose},
                       add_history=True, add_progbar=bool(verbose), add_nan_check=True)
    history = model.history = cbs.history
    model.stop_training = False
    was_training = model.training
    logs, epoch, batch = {}, initial_epoch, -1
    with CtrlC() as ctrl_c:
        try:
            cbs.on_train_begin()
            # A callback that restored a run (BackupAndRestore) says where it goes on: an epoch, and how
            # many of its batches were trained on before the backup.
            initial_epoch, done = model.__dict__.pop("_resume_at", (initial_epoch, 0))
            for epoch in range(initial_epoch, epochs):
                trainer.reset_metrics()
                model.train()
                cbs.on_epoch_begin(epoch)
                step_logs = None
                for batch, data_batch in enumerate(train_loader):
                    if batch < done:  # the same shuffled order as before the backup, so the same batches
                        continue
                    cbs.on_train_batch_begin(batch)
                    step_logs = model.train_step(data_batch)
                    cbs.on_train_batch_end(batch, step_logs)
                    if strategy is not None:  # every rank stops at the same batch
                        strategy.agree_to_stop(model)
                    if model.stop_training or ctrl_c.requested:
                        break
                done = 0
                if ctrl_c.requested:
                    raise KeyboardInterrupt
                if step_logs is None:
                    raise ValueError("fit: the training data holds no samples")
                # The last step's logs are the epoch's: the running means, as in Keras.
                if strategy is not None:
                    step_logs = strategy.reduce_logs(step_logs, trainer)
                logs = {k: float(v) for k, v in step_logs.items()}
                if val_loader is not None:
                    logs.update(run_evaluation(model, trainer, val_loader, "fit", "val_"))
                cbs.on_epoch_end(epoch, logs)
                if ctrl_c.requested:  # pressed during validation or an epoch-end callback
                    raise KeyboardInterrupt
                if strategy is not None:
                    strategy.agree_to_stop(model)
                if model.stop_training:
                    break
        except KeyboardInterrupt:
            finished = len(history.epoch)
            print(f"\nfit: interrupted (Ctrl-C) in epoch {epoch + 1}, after batch {batch + 1}; "
                  f"returning the History of the {finished} finished epoch(s)", flush=True)
        cbs.on_train_end(logs)
    model.train(was_training)
    return history


def evaluate(model, x=None, y=None, batch_size=32, verbose="auto", return_dict=False, steps=None,
             sample_weight=None):
    """Loss (and metrics) on the data: a float, ``[loss, metric, ...]``, or a dict with ``return_dict``."""
    trainer = trainer_of(model, "evaluate")
    data = batches.as_dataset_or_loader(x, y, "evaluate", steps=steps, sample_weight=sample_weight)
    data_loader = batches.loader(data, batch_size, False, "evaluate")
    verbose = resolve_verbose(verbose, "evaluate")
    strategy = fit_strategy()
    if strategy is not None:  # each rank evaluates its share; the metrics are merged
        data_loader = strategy.evaluation_loader(data, batch_size, "evaluate")
        verbose = strategy.verbose(verbose)
    logs = run_evaluation(model, trainer, data_loader, "evaluate")
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), flush=True)
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def predict(model, x, batch_size=32, verbose=0, steps=None):
    """``model.predict_step`` over ``x``, batch by batch in eval mode, as one NumPy array
    (a list of them for a model with several outputs)."""
    data = batches.as_dataset_or_loader(x, None, "predict", need_targets=False, steps=steps)
    data_loader = batches.loader(data, batch_size, False, "predict")
    resolve_verbose(verbose, "predict")
    outputs = []
    was = _set_mode(model, False)
    try:
        with no_grad():
            for batch in data_loader:
                out = model.predict_step(batch)
                several = isinstance(out, (list, tuple))
                outputs.append([_array_of(o, model) for o in out] if several else _array_of(out, model))
    finally:
        model.train(was)
    if not outputs:
        raise ValueError("predict: the data holds no samples")
    if isinstance(outputs[0], list):
        return [np.concatenate(parts) for parts in zip(*outputs)]
    return np.concatenate(outputs)


def _array_of(out, model):
    if isinstance(out, Tensor):
        return out.array
    if not isinstance(out, np.ndarray):
        raise TypeError(f"predict: {type(model).__name__}.predict_step returned a {type(out).__name__}; "
                        "predict needs a Tensor or an array per batch (or a list of them)")
    return out
