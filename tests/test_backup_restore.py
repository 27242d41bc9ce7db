"""BackupAndRestore: a run stopped by an exception or killed mid-training resumes from its last finished
epoch and ends with exactly the uninterrupted run's weights (float64: bit for bit)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet
from glassnet import keras, nn
from glassnet.training.backup import FILE, BackupAndRestore

EPOCHS = 4


@pytest.fixture(autouse=True)
def float64():
    """Training in float64 makes "the same weights" a bit-for-bit claim (no BLAS rounding order)."""
    glassnet.set_default_dtype(np.float64)
    yield
    glassnet.set_default_dtype(np.float32)


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


class Crash(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.model.history.epoch and len(self.model.history.epoch) == self.epoch and batch == 3:
            raise RuntimeError("power cut")


def test_a_run_stopped_by_an_exception_resumes_and_ends_with_the_same_weights(tmp_path):
    x, y = _data()
    straight = _keras_model()
    history = straight.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0)

    crashing = _keras_model()
    backup = BackupAndRestore(tmp_path)
    with pytest.raises(RuntimeError, match="power cut"):
        crashing.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0, callbacks=[backup, Crash(epoch=2)])
    assert (tmp_path / FILE).exists()  # kept after the crash, holding 2 finished epochs

    resumed = _keras_model()  # a new model, as a new process would build
    seen = []
    record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch))
    again = resumed.fit(x, y, epochs=EPOCHS, batch_size=16, verbose=0, callbacks=[backup, record])
    assert seen == [2, 3]  # only the epochs the crash left undone
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)  # float64: bit for bit
    assert again.epoch == [0, 1, 2, 3] and again.history == history.history  # the whole History
    assert not (tmp_path / FILE).exists()  # a finished run deletes its backup


def test_a_pytorch_style_module_resumes_too(tmp_path):
    x, y = _data(1)

    def model():
        glassnet.manual_seed(3)
        net = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1), nn.Sigmoid())
        net.compile("sgd", "binary_crossentropy")
        return net

    straight = model()
    straight.fit(x, y, epochs=3, batch_size=8, verbose=0)
    first = model()
    keep = BackupAndRestore(tmp_path, delete_checkpoint=False)
    first.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[keep])
    second = model()
    second.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    for (name, a), b in zip(second.state_dict().items(), straight.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_a_corrupt_backup_is_named_and_not_half_loaded(tmp_path):
    (tmp_path / FILE).write_bytes(b"not a safetensors file")
    model = _keras_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"{FILE}.*delete it"):
        model.fit(*_data(), epochs=1, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(NotImplementedError, match="save_freq='epoch'"):
        BackupAndRestore(tmp_path, save_freq=10)


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
def slow_after_two(epoch, logs):
    if epoch == 1:  # the second epoch's backup is written: say so, then wait to be killed
        open({ready!r}, "w").close()
        time.sleep(60)
signal_ready = keras.callbacks.LambdaCallback(on_epoch_end=slow_after_two)
backup = BackupAndRestore({backup!r})
model.fit(x, y, epochs={epochs}, batch_size=16, verbose=0, callbacks=[backup, signal_ready])
np.save({out!r}, np.concatenate([w.ravel() for w in model.get_weights()]))
"""


def _script(tmp_path, name, kill):
    ready = tmp_path / f"{name}.ready"
    code = SCRIPT.format(tests=os.path.dirname(__file__), ready=str(ready) if kill else "/dev/null",
                         epochs=EPOCHS, backup=str(tmp_path / name), out=str(tmp_path / f"{name}.npy"))
    if not kill:
        code = code.replace("time.sleep(60)", "pass")
    return code, ready


def test_a_process_killed_with_sigkill_resumes_from_its_backup(tmp_path):
    code, _ = _script(tmp_path, "straight", kill=False)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    code, ready = _script(tmp_path, "killed", kill=True)
    process = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert process.poll() is None and time.monotonic() < deadline, "the training process did not get far"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL and (tmp_path / "killed" / FILE).exists()
    resume = code.replace("time.sleep(60)", "pass")  # a fresh process, same script
    subprocess.run([sys.executable, "-c", resume], check=True, timeout=120)
    np.testing.assert_array_equal(np.load(tmp_path / "killed.npy"), np.load(tmp_path / "straight.npy"))
