"""``BackupAndRestore``: a run that crashes, or is stopped, resumes at its last finished epoch.

At the end of every epoch the callback writes everything the next epoch
depends on to ``backup_dir/backup.safetensors`` (safetensors, no pickle,
written beside and renamed, so a crash mid-write leaves the previous backup
whole): the weights and buffers, the optimizer's state (moments, step
counts), the epoch reached, glassnet's random generator (dropout masks,
shuffling, augmentation draw from it) and NumPy's global one, and the
History so far. Calling ``fit`` again with the same callback, in a new
process and on a freshly built model, restores all of it before the first
batch and continues with the next epoch, so the run ends with the weights
an uninterrupted run would have had. A run that finishes deletes its
backup (``delete_checkpoint=True``); one that crashed or was interrupted
keeps it.
"""

import os

import numpy as np

from ..creation import default_generator
from ..io.serialization import load, save
from .callback import Callback
from .history import Curves

FILE = "backup.safetensors"


class BackupAndRestore(Callback):
    """Keras's arguments: ``backup_dir``, ``save_freq='epoch'``, ``delete_checkpoint=True``."""

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError("BackupAndRestore: save_freq='epoch' only; a backup within an epoch "
                                      "would also have to replay the epoch's shuffled order up to its batch")
        self.backup_dir, self.delete_checkpoint = os.fspath(backup_dir), delete_checkpoint
        self.path = os.path.join(self.backup_dir, FILE)

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._finished = False
        if os.path.exists(self.path):
            self._restore()

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        save(self._state(epoch, logs), self.path)
        self._finished = epoch + 1 >= self.params.get("epochs", epoch + 1)

    def on_train_end(self, logs=None):
        # Early stopping ends a run too; Ctrl-C (which also calls on_train_end) does not.
        done = self._finished or getattr(self.model, "stop_training", False)
        if done and self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)

    # ---------------------------------------------------------------- state
    def _optimizer(self):
        trainer = getattr(self.model, "trainer", None)
        if trainer is None:
            raise RuntimeError("BackupAndRestore: the model is not compiled; it is used with model.fit")
        return trainer.optimizer

    def _state(self, epoch, logs):
        history = self.model.history
        epochs, curves = list(history.epoch), {k: list(v) for k, v in history.history.items()}
        if not epochs or epochs[-1] != epoch:  # the History callback may come after this one
            epochs.append(epoch)
            for key, value in (logs or {}).items():
                curves.setdefault(key, []).append(float(value))
        return {
            "model": self.model.state_dict(),
            "optimizer": self._optimizer().state_dict(),
            "next_epoch": epoch + 1,
            "glassnet_generator": default_generator().bit_generator.state,
            "numpy_global": _numpy_global_state(),
            "history": {"epoch": epochs, "curves": curves},
        }

    def _restore(self):
        try:
            state = load(self.path)
            _load_weights(self.model, state["model"])
            self._optimizer().load_state_dict(state["optimizer"])
            default_generator().bit_generator.state = state["glassnet_generator"]
            np.random.set_state(_numpy_global_from(state["numpy_global"]))
            saved = state["history"]
            next_epoch = int(state["next_epoch"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"BackupAndRestore: the backup {self.path!r} cannot be restored ({error}); "
                             "delete it to start the run again from the beginning") from error
        history = self.model.history
        history.epoch = list(saved["epoch"])
        history.history = Curves({k: list(v) for k, v in saved["curves"].items()})
        self.model.__dict__["_initial_epoch"] = next_epoch  # fit starts its epoch loop there
        self._finished = next_epoch >= self.params.get("epochs", next_epoch)


def _load_weights(model, saved):
    """By name; or by position when only the names differ (Keras numbers layers per session, so the
    same model built again in one process is ``dense_2`` where the backup says ``dense``)."""
    ours = model.state_dict()
    if list(ours) != list(saved) and len(ours) == len(saved) and all(
            tuple(a.shape) == tuple(b.shape) for a, b in zip(ours.values(), saved.values())):
        saved = dict(zip(ours, saved.values()))
    model.load_state_dict(saved)


def _numpy_global_state():
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": name, "keys": keys, "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)}


def _numpy_global_from(saved):
    keys = saved["keys"]
    keys = keys.data if hasattr(keys, "data") else keys
    return (saved["name"], np.asarray(keys, np.uint32), saved["pos"], saved["has_gauss"], saved["cached"])
