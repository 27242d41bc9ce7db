"""BackupAndRestore: a run stopped by an exception or killed mid-training resumes from its last backup and
ends with the uninterrupted run's weights and History.

In float64 the claim is bit for bit. In float32 it is "within float32 rounding": on one machine the numbers
come out the same too, but BLAS may sum in another order with another thread count, so these tests only
promise what docs/resuming.md promises.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet
from glassnet import keras, nn, optim
from glassnet.training import Callback
from glassnet.training.backup import FILE, BackupAndRestore

EPOCHS = 4


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    glassnet.set_default_dtype(request.param)
    yield request.param
    glassnet.set_default_dtype(np.float32)


@pytest.fixture
def float64():
    glassnet.set_default_dtype(np.float64)
    yield
    glassnet.set_default_dtype(np.float32)


def _same(a, b, dtype=np.float64):
    if dtype == np.float64:
        np.testing.assert_array_equal(a, b)  # bit for bit
    else:
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # float32 rounding


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, 6))
    return x, (x[:, :1] * 2 - x[:, 1:2] > 0).astype(np.float64)


def _keras_model():
    """Dropout and shuffling draw random numbers every epoch: resuming must restore the generators too."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(6,)),
                              keras.layers.Dropout(0.3),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


class Crash(Callback):
    """A power cut at the end of batch ``batch`` of epoch ``epoch``."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("power cut")


class Seen(Callback):
    """Which (epoch, batch) steps a run trains on."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.steps.append((self.epoch, batch))


def _same_history(resumed, straight, dtype=np.float64):
    # Keras's History after a restart holds only the epochs run since; glassnet's holds the whole run.
    assert resumed.epoch == straight.epoch == list(range(EPOCHS))
    assert list(resumed.history) == list(straight.history)
    for key, values in straight.history.items():
        _same(np.array(resumed.history[key]), np.array(values), dtype)


def test_an_exception_in_epoch_3_resumes_to_the_same_weights(tmp_path, dtype):
    x, y = _data()
    straight = _keras_model()
    history = straight.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0)

    folder = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="power cut"):
        _keras_model().fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0,
                           callbacks=[BackupAndRestore(folder), Crash(epoch=2, batch=3)])
    assert (folder / FILE).exists()  # kept after the crash, holding 2 finished epochs

    resumed, seen = _keras_model(), Seen()  # a new model, as a new process would build
    again = resumed.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0,
                        callbacks=[BackupAndRestore(folder), seen])
    assert seen.steps[0] == (2, 0) and len(seen.steps) == 2 * 6  # only the epochs the crash left undone
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        _same(a, b, dtype)
    _same_history(again, history, dtype)
    assert not folder.exists()  # a finished run deletes its backup


def _with_schedules(backup, *more):
    # ReduceLROnPlateau counts epochs without improvement (min_delta=10: always) and cools down: its
    # counters must be restored. It is listed after the backup, which still saves the rate it lowers.
    # The multiplying schedule runs at every epoch's start; resuming within an epoch must not apply it twice.
    plateau = keras.callbacks.ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=10, cooldown=1)
    return [keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9), backup, plateau, *more]


def test_a_backup_every_few_batches_resumes_within_the_epoch(tmp_path, float64):
    x, y = _data()
    straight = _keras_model()
    history = straight.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0,
                           callbacks=_with_schedules(BackupAndRestore(tmp_path / "straight", save_freq=2)))

    folder = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="power cut"):  # the last backup: after batch 3 of epoch 2
        _keras_model().fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0,
                           callbacks=_with_schedules(BackupAndRestore(folder, save_freq=2), Crash(2, 4)))
    assert glassnet.load(folder / FILE)["next_batch"] == 4

    resumed, seen = _keras_model(), Seen()
    again = resumed.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0,
                        callbacks=_with_schedules(BackupAndRestore(folder, save_freq=2), seen))
    assert seen.steps[:3] == [(2, 4), (2, 5), (3, 0)]
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
    _same_history(again, history)
    assert "learning_rate" in again.history and again.history["learning_rate"][-1] < 1e-3 * 0.9**3


class StepEveryEpoch(Callback):
    """A PyTorch scheduler stepped by fit; its state_dict() goes into the backup."""

    def __init__(self, scheduler):
        super().__init__()
        self.scheduler = scheduler

    def on_epoch_end(self, epoch, logs=None):
        self.scheduler.step()

    def state_dict(self):
        return self.scheduler.state_dict()

    def load_state_dict(self, state):
        self.scheduler.load_state_dict(state)


def test_a_pytorch_style_module_resumes_with_its_scheduler(tmp_path, float64):
    x, y = _data(1)

    def run(*more, epochs=EPOCHS):
        glassnet.manual_seed(3)
        net = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1), nn.Sigmoid())
        net.compile(optim.SGD(net.parameters(), lr=0.1, momentum=0.9), "binary_crossentropy")
        steps = StepEveryEpoch(optim.lr_scheduler.StepLR(net.trainer.optimizer, step_size=2, gamma=0.5))
        return net, net.fit(x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[steps, *more])

    straight, history = run()
    with pytest.raises(RuntimeError, match="power cut"):
        run(BackupAndRestore(tmp_path), Crash(epoch=1, batch=5))
    second, again = run(BackupAndRestore(tmp_path))
    for (name, a), b in zip(second.state_dict().items(), straight.state_dict().values()):
        np.testing.assert_array_equal(a.array, b.array, err_msg=name)
    _same_history(again, history)


def test_a_damaged_or_foreign_backup_is_named_and_nothing_is_loaded(tmp_path):
    x, y = _data()
    (tmp_path / FILE).write_bytes(b"not a safetensors file")
    model = _keras_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"{FILE}.*cannot be read.*delete it"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])

    other = keras.Sequential([keras.layers.Dense(3, input_shape=(6,)), keras.layers.Dense(1)])
    other.compile("adam", "mse")
    keep = BackupAndRestore(tmp_path / "other", delete_checkpoint=False)
    other.fit(x, y, epochs=1, verbose=0, callbacks=[keep])
    with pytest.raises(ValueError, match=f"{FILE}.*does not fit this model"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path / "other")])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)

    for wrong in (0, 1.5, "batch", True):
        with pytest.raises(ValueError, match="save_freq"):
            BackupAndRestore(tmp_path, save_freq=wrong)


SCRIPT = """
import sys, time
import numpy as np
import glassnet
glassnet.set_default_dtype(np.float64)
sys.path.insert(0, {tests!r})
from test_backup_restore import _data, _keras_model
from glassnet import keras
from glassnet.training.backup import BackupAndRestore
x, y = _data()
model = _keras_model()
def wait_to_be_killed(epoch, logs):
    if epoch == 2 and {kill!r}:  # the second epoch's backup is written: say so, and wait
        open({ready!r}, "w").close()
        time.sleep(60)
ready = keras.callbacks.LambdaCallback(on_epoch_begin=wait_to_be_killed)
model.fit(x, y, epochs={epochs}, batch_size=16, verbose=0, callbacks=[BackupAndRestore({backup!r}), ready])
np.save({out!r}, np.concatenate([w.ravel() for w in model.get_weights()]))
"""


def _script(tmp_path, name, kill):
    return SCRIPT.format(tests=os.path.dirname(__file__), kill=kill, ready=str(tmp_path / f"{name}.ready"),
                         epochs=EPOCHS, backup=str(tmp_path / name), out=str(tmp_path / f"{name}.npy"))


def test_a_process_killed_with_sigkill_resumes_from_its_backup(tmp_path):
    subprocess.run([sys.executable, "-c", _script(tmp_path, "straight", kill=False)], check=True, timeout=60)
    process = subprocess.Popen([sys.executable, "-c", _script(tmp_path, "killed", kill=True)])
    ready, deadline = tmp_path / "killed.ready", time.monotonic() + 30
    try:
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, "the training process stalled"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert glassnet.load(tmp_path / "killed" / FILE)["next_epoch"] == 2

    # A fresh process runs the same script: it finds the backup and trains epochs 3 and 4 only.
    subprocess.run([sys.executable, "-c", _script(tmp_path, "killed", kill=False)], check=True, timeout=60)
    np.testing.assert_array_equal(np.load(tmp_path / "killed.npy"), np.load(tmp_path / "straight.npy"))
    assert not (tmp_path / "killed").exists()
