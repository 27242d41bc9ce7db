"""``BackupAndRestore``: a run that crashes, or is killed, goes on from its last backup.

Every epoch (or every ``save_freq`` batches) the callback writes to
``backup_dir/backup.safetensors`` what the rest of the run depends on: the
weights, the optimizer's state, where the run is, glassnet's and NumPy's
random generators, the History so far and the other callbacks' counters.
``fit`` with a ``BackupAndRestore`` on the same folder, in a new process and
on a freshly built model, restores all of it and goes on where the backup
was taken, ending with the weights an uninterrupted run would have had.
See docs/resuming.md.
"""

import os

import numpy as np

from ..creation import default_generator
from ..io.serialization import load, save
from ..tensor import Tensor
from .callback import Callback
from .callbacks import MonitorCallback
from .history import Curves

FILE = "backup.safetensors"
# What the standard callbacks count between epochs; a callback of your own is saved through its
# state_dict() / load_state_dict() when it has them.
_COUNTERS = ("best", "wait", "cooldown_counter", "best_epoch", "stopped_epoch", "best_weights")
_WORD = (1 << 64) - 1


class BackupAndRestore(Callback):
    """Keras's arguments: ``backup_dir``, ``save_freq='epoch'`` (or a number of batches),
    ``delete_checkpoint=True``."""

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is empty; name the folder the backup goes in")
        batches = isinstance(save_freq, (int, np.integer)) and not isinstance(save_freq, bool)
        if save_freq != "epoch" and not (batches and save_freq >= 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a number of batches >= 1, "
                             f"got {save_freq!r}")
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.delete_checkpoint = delete_checkpoint
        self.path = os.path.join(self.backup_dir, FILE)
        self.others = []  # the fit's other callbacks, whose state goes into the backup (see backups_last)

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._finished, self._resume, self._batches, self._due = False, None, 0, False
        if os.path.exists(self.path):
            self._restore()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self._resume is not None:  # the epoch a backup within it was taken in
            self._epoch_start = self._resume["epoch_start"]
            _set_random(self._epoch_start)  # so that fit draws the same shuffled order again
            _set_running_means(self._trainer().tracker, self._resume["running_means"])
            # The callbacks before this one may have set a learning rate for the epoch again.
            self._trainer().optimizer.load_state_dict(self._resume["optimizer"])
        elif self.save_freq != "epoch":
            self._epoch_start = _random_now()  # a backup within the epoch must redraw its order

    def on_train_batch_begin(self, batch, logs=None):
        if self._resume is not None:  # the order is drawn, the done batches skipped: dropout goes on
            _set_random(self._resume["random"])
            self._resume = None

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches < self.save_freq:
            return
        self._batches = 0
        if batch + 1 < self.params.get("steps", batch + 2):
            self._write(self._state(self._epoch, batch + 1))
        else:  # the epoch's last batch: its backup waits for validation and the epoch-end callbacks
            self._due = True

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" or self._due:
            self._write(self._state(epoch + 1, 0, logs))
            self._due = False
        self._finished = epoch + 1 >= self.params.get("epochs", epoch + 1)

    def on_train_end(self, logs=None):
        # EarlyStopping ends a run too; Ctrl-C (which also calls on_train_end) does not.
        done = self._finished or getattr(self.model, "stop_training", False)
        if done and self.delete_checkpoint and os.path.exists(self.path):
            os.remove(self.path)
            try:
                os.rmdir(self.backup_dir)  # only when nothing else is in it
            except OSError:
                pass

    # ---------------------------------------------------------------- saving
    def _trainer(self):
        trainer = getattr(self.model, "trainer", None)
        if trainer is None:
            raise RuntimeError("BackupAndRestore: the model is not compiled; it is used with model.fit")
        return trainer

    def _write(self, state):
        os.makedirs(self.backup_dir, exist_ok=True)
        save(state, self.path)

    def _state(self, next_epoch, next_batch, logs=None):
        """Everything fit needs to go on at batch ``next_batch`` of epoch ``next_epoch``."""
        history = self.model.history
        epochs, curves = list(history.epoch), {k: list(v) for k, v in history.history.items()}
        if next_batch == 0 and (not epochs or epochs[-1] != next_epoch - 1):
            # History comes after this callback: the epoch that just ended is added from its logs.
            epochs.append(next_epoch - 1)
            for key, value in (logs or {}).items():
                curves.setdefault(key, []).append(float(value))
        state = {
            "next_epoch": next_epoch,
            "next_batch": next_batch,
            "model": self.model.state_dict(),
            "optimizer": self._trainer().optimizer.state_dict(),
            "random": _encode_random(_random_now()),
            "history": {"epoch": epochs, "curves": curves},
            "callbacks": self._callback_states(),
        }
        if next_batch:
            state["epoch_start_random"] = _encode_random(self._epoch_start)
            state["running_means"] = _running_means(self._trainer().tracker)
        return state

    def _callback_states(self):
        """``{class name: [state of each such callback, in list order]}`` of the callbacks that count."""
        states = {}
        for cb in self.others:
            if callable(getattr(cb, "state_dict", None)) and callable(getattr(cb, "load_state_dict", None)):
                states.setdefault(type(cb).__name__, []).append(cb.state_dict())
            elif isinstance(cb, MonitorCallback):
                counters = {k: getattr(cb, k) for k in _COUNTERS if hasattr(cb, k)}
                states.setdefault(type(cb).__name__, []).append(counters)
        return states

    # ---------------------------------------------------------------- restoring
    def _restore(self):
        try:
            state = load(self.path)
            position = int(state["next_epoch"]), int(state["next_batch"])
            randoms = _decode_random(state["random"])
            epochs = [int(e) for e in state["history"]["epoch"]]
            callbacks = state["callbacks"]
            curves = Curves({k: list(v) for k, v in state["history"]["curves"].items()})
            resume = None if not position[1] else {
                "epoch_start": _decode_random(state["epoch_start_random"]), "random": randoms,
                "running_means": state["running_means"], "optimizer": state["optimizer"]}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"BackupAndRestore: the backup {self.path!r} cannot be read ({error}); "
                             "delete it to start the run again from the beginning") from error
        self._load_model_and_optimizer(state)
        self._load_callback_states(callbacks)
        self.model.history.epoch, self.model.history.history = epochs, curves
        if resume is None:
            _set_random(randoms)
        self._resume = resume  # within an epoch: the rest waits for that epoch's start
        self.model.__dict__["_resume_at"] = position  # where fit's epoch loop starts (see loop.py)
        self._finished = not position[1] and position[0] >= self.params.get("epochs", position[0])

    def _load_model_and_optimizer(self, state):
        """Both or neither: a backup of another model leaves this one as it was."""
        optimizer = self._trainer().optimizer
        weights, moments = _weights(self.model), optimizer.state_dict()
        try:
            _load_weights(self.model, state["model"])
            optimizer.load_state_dict(state["optimizer"])
        except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as error:
            try:
                self.model.load_state_dict(weights)
                optimizer.load_state_dict(moments)
            except (KeyError, TypeError, ValueError, RuntimeError):
                pass  # a lazy model not built yet has nothing to go back to
            raise ValueError(f"BackupAndRestore: the backup {self.path!r} does not fit this model or "
                             f"optimizer ({error}); was it written by another one?") from error

    def _load_callback_states(self, saved):
        seen = {}
        for cb in self.others:
            name = type(cb).__name__
            states = saved.get(name, [])
            i = seen[name] = seen.get(name, -1) + 1
            if i >= len(states):  # a callback the backed-up run did not have starts afresh
                continue
            if callable(getattr(cb, "load_state_dict", None)) and callable(getattr(cb, "state_dict", None)):
                cb.load_state_dict(_plain(states[i]))
            elif isinstance(cb, MonitorCallback):
                for key, value in states[i].items():
                    setattr(cb, key, _plain(value))


def backups_last(callbacks):
    """``callbacks`` with every BackupAndRestore moved after the others, and told about them.

    ``fit`` calls this. A backup must hold the epoch as the other callbacks
    leave it (a learning rate ReduceLROnPlateau lowered, values they added to
    the logs), and a restore must come after they have set themselves up for
    the run, so that the counters it puts back stay. ``History`` still comes
    after everything.
    """
    given = list(callbacks or [])
    others = [cb for cb in given if not isinstance(cb, BackupAndRestore)]
    backups = [cb for cb in given if isinstance(cb, BackupAndRestore)]
    for backup in backups:
        backup.others = others
    return others + backups


def _weights(model):
    return {name: t.array.copy() for name, t in model.state_dict().items()}


def _load_weights(model, saved):
    """By name; or by position when only the names differ (Keras numbers layers per session, so the
    same model built again in one process is ``dense_2`` where the backup says ``dense``)."""
    ours = model.state_dict()
    if list(ours) != list(saved) and len(ours) == len(saved) and all(
            tuple(a.shape) == tuple(b.shape) for a, b in zip(ours.values(), saved.values())):
        saved = dict(zip(ours, saved.values()))
    model.load_state_dict(saved)


def _plain(value):
    """What glassnet.load gives back (Tensors, nested), as the arrays and lists the callbacks kept."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


# ---------------------------------------------------------------- running means within an epoch
def _counts(obj):
    """A metric's running sums: its attributes that are numbers, arrays or lists of arrays."""
    def counts(value):
        if isinstance(value, list):
            return all(isinstance(v, np.ndarray) for v in value)
        return isinstance(value, (int, float, np.number, np.ndarray))
    return {k: v for k, v in vars(obj).items() if counts(v)}


def _running_means(tracker):
    return {"loss_sum": tracker.loss_sum, "count": tracker.count,
            "metrics": [_counts(metric) for metric in tracker.metrics]}


def _set_running_means(tracker, saved):
    tracker.loss_sum, tracker.count = float(saved["loss_sum"]), int(saved["count"])
    for metric, counts in zip(tracker.metrics, saved["metrics"]):
        for key, value in counts.items():
            setattr(metric, key, _plain(value))


# ---------------------------------------------------------------- random generators
def _random_now():
    """glassnet's generator (dropout, shuffling, augmentation) and NumPy's global one (user code)."""
    return {"glassnet": default_generator().bit_generator.state, "numpy": np.random.get_state()}


def _set_random(states):
    default_generator().bit_generator.state = states["glassnet"]
    np.random.set_state(states["numpy"])


def _encode_random(states):
    ours, (name, keys, pos, has_gauss, cached) = states["glassnet"], states["numpy"]
    if set(ours["state"]) != {"state", "inc"}:
        raise TypeError(f"BackupAndRestore: glassnet's generator is a {ours['bit_generator']}; "
                        "only the PCG64 family (what glassnet.manual_seed makes) can be backed up")
    inner = ours["state"]
    # Two 128-bit numbers, which JSON readers other than Python's would round: as 64-bit words.
    words = [number >> shift & _WORD for number in (inner["state"], inner["inc"]) for shift in (64, 0)]
    return {
        "glassnet": {"bit_generator": ours["bit_generator"], "words": np.array(words, np.uint64),
                     "has_uint32": int(ours["has_uint32"]), "uinteger": int(ours["uinteger"])},
        "numpy": {"bit_generator": name, "keys": keys, "pos": int(pos), "has_gauss": int(has_gauss),
                  "cached_gaussian": float(cached)},
    }


def _decode_random(saved):
    """The saved states, tried on throwaway generators: a damaged backup fails here, before anything
    is restored."""
    ours, theirs = saved["glassnet"], saved["numpy"]
    kind = type(default_generator().bit_generator)
    if ours["bit_generator"] != kind.__name__:
        raise ValueError(f"the backup's generator is a {ours['bit_generator']}, glassnet's a {kind.__name__}")
    s_high, s_low, inc_high, inc_low = (int(w) for w in _plain(ours["words"]))
    glassnet_state = {"bit_generator": ours["bit_generator"],
                      "state": {"state": s_high << 64 | s_low, "inc": inc_high << 64 | inc_low},
                      "has_uint32": int(ours["has_uint32"]), "uinteger": int(ours["uinteger"])}
    numpy_state = (theirs["bit_generator"], np.asarray(_plain(theirs["keys"]), np.uint32), int(theirs["pos"]),
                   int(theirs["has_gauss"]), float(theirs["cached_gaussian"]))
    kind().state = glassnet_state
    np.random.RandomState().set_state(numpy_state)
    return {"glassnet": glassnet_state, "numpy": numpy_state}
