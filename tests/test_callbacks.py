"""Callbacks, progress output, Ctrl-C and History.plot (glassnet.training).

Where a callback's decision depends on a monitored value, a small scripted
callback placed before it overwrites that value with a known sequence: the
logic under test then sees exactly the curve the test describes. The data is
small and synthetic.
"""

import csv
import io
import os
import signal

import numpy as np
import pytest

import glassnet
from glassnet import nn, optim
from glassnet.training import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


def data(n=64, seed=0):
    """Synthetic regression data: y = x @ w + noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)


def model(lr=0.05):
    net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    net.compile(optimizer=optim.SGD(net.parameters(), lr=lr), loss="mse", metrics=["mae"])
    return net


class Script(Callback):
    """Replaces ``logs[key]`` at each epoch end with the next scripted value; keeps the weights seen."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values, self.weights = key, list(values), []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append({k: v.numpy().copy() for k, v in self.model.state_dict().items()})


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls, self.lrs = [], []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))
        self.lrs.append(self.model.optimizer.param_groups[0]["lr"])

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def same_weights(net, weights):
    return all(np.array_equal(v.numpy(), weights[k]) for k, v in net.state_dict().items())


def test_hooks_are_called_in_keras_order_with_logs():
    x, y = data(20)
    net, rec = model(), Recorder()
    net.fit(x, y, batch_size=10, epochs=2, validation_data=(x, y), callbacks=[rec], verbose=0)
    batch_keys = ["loss", "mae"]
    epoch_keys = ["loss", "mae", "val_loss", "val_mae"]
    expected = ["train_begin"]
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        for batch in range(2):
            expected += [("batch_begin", batch), ("batch_end", batch, batch_keys)]
        expected.append(("epoch_end", epoch, epoch_keys))
    assert rec.calls == expected + ["train_end"]


def test_stop_training_from_a_callback_ends_fit_after_the_batch():
    class StopAtBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = data(40)
    rec = Recorder()
    history = model().fit(x, y, batch_size=10, epochs=5, callbacks=[StopAtBatch(), rec], verbose=0)
    assert history.epoch == [0]
    assert [c[1] for c in rec.calls if c[0] == "batch_end"] == [0, 1]


# ---------------------------------------------------------- EarlyStopping
@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_stops_after_patience_and_restores_the_best_weights(restore, capsys):
    x, y = data()
    net = model()
    script = Script("val_loss", [1.0, 0.5, 0.7, 0.8, 0.9, 1.0])
    stop = EarlyStopping(patience=2, restore_best_weights=restore, verbose=1)
    history = net.fit(x, y, epochs=6, validation_split=0.25, callbacks=[script, stop], verbose=0)
    assert history.epoch == [0, 1, 2, 3]  # best at epoch 1, two epochs without improvement
    assert stop.stopped_epoch == 3 and stop.best_epoch == 1
    assert same_weights(net, script.weights[1 if restore else 3])
    assert not same_weights(net, script.weights[3 if restore else 1])
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out
    assert ("restoring the weights of epoch 2" in out) == restore


def test_early_stopping_mode_min_delta_and_baseline():
    x, y = data()
    # 'val_accuracy' is better when larger: mode 'auto' must pick 'max'.
    script = Script("val_accuracy", [0.5, 0.6, 0.6, 0.6, 0.6])
    stop = EarlyStopping(monitor="val_accuracy", patience=1)
    model().fit(x, y, epochs=5, validation_split=0.25, callbacks=[script, stop], verbose=0)
    assert stop.mode == "max" and stop.stopped_epoch == 2
    # Improvements smaller than min_delta do not count.
    script = Script("loss", [1.0, 0.99, 0.98, 0.97, 0.5])
    stop = EarlyStopping(monitor="loss", min_delta=0.05, patience=2)
    model().fit(x, y, epochs=5, callbacks=[script, stop], verbose=0)
    assert stop.stopped_epoch == 2
    # Improvements that do not beat the baseline do not restart the count (as in Keras).
    for baseline, stopped in [(0.1, 2), (None, 4)]:
        script = Script("loss", [1.0, 0.9, 0.95, 0.95, 0.95, 0.95])
        stop = EarlyStopping(monitor="loss", patience=3, baseline=baseline)
        model().fit(x, y, epochs=6, callbacks=[script, stop], verbose=0)
        assert stop.stopped_epoch == stopped, baseline


def test_a_missing_monitor_warns_with_the_available_keys():
    x, y = data()
    with pytest.warns(RuntimeWarning, match=r"no 'val_loss' \(available: \['loss', 'mae'\]\)"):
        model().fit(x, y, epochs=1, callbacks=[EarlyStopping()], verbose=0)
    with pytest.raises(ValueError, match="EarlyStopping: mode must be"):
        EarlyStopping(mode="largest")


# -------------------------------------------------------- ModelCheckpoint
def test_checkpoint_save_best_only_writes_on_improvement_and_loads(tmp_path):
    x, y = data()
    net = model()
    script = Script("val_loss", [1.0, 0.5, 0.7, 0.4])
    path = tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors"
    ckpt = ModelCheckpoint(path, save_best_only=True)
    net.fit(x, y, epochs=4, validation_split=0.25, callbacks=[script, ckpt], verbose=0)
    files = sorted(os.listdir(tmp_path))
    assert files == ["ckpt-01-1.00.safetensors", "ckpt-02-0.50.safetensors", "ckpt-04-0.40.safetensors"]
    for name, epoch in zip(files, [0, 1, 3]):
        fresh = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
        fresh.load_state_dict(glassnet.load(tmp_path / name))
        assert same_weights(fresh, script.weights[epoch])


def test_checkpoint_every_epoch_overwrites_one_file(tmp_path):
    x, y = data()
    net = model()
    net.fit(x, y, epochs=3, callbacks=[ModelCheckpoint(tmp_path / "last.safetensors")], verbose=0)
    assert os.listdir(tmp_path) == ["last.safetensors"]
    loaded = glassnet.load(tmp_path / "last.safetensors")
    assert same_weights(net, {k: v.numpy() for k, v in loaded.items()})
    bad = ModelCheckpoint(tmp_path / "{val_acc}.safetensors")
    with pytest.raises(ValueError, match=r"ModelCheckpoint: cannot fill in filepath .*\['loss', 'mae'\]"):
        net.fit(x, y, epochs=1, callbacks=[bad], verbose=0)


# -------------------------------------------------------- learning rates
def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    x, y = data()
    net, rec = model(lr=0.1), Recorder()
    sched = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)
    history = net.fit(x, y, epochs=4, callbacks=[sched, rec], verbose=0)
    assert rec.lrs == [0.1, 0.05, 0.025, 0.0125]
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025, 0.0125]
    with pytest.raises(ValueError, match=r"schedule\(0, lr\) must return a number >= 0, got None"):
        net.fit(x, y, callbacks=[LearningRateScheduler(lambda epoch, lr: None)], verbose=0)


def test_reduce_lr_on_plateau_with_patience_cooldown_and_floor():
    x, y = data()
    net, rec = model(lr=1.0), Recorder()
    flat = Script("loss", [1.0] * 10)
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, cooldown=2, min_lr=0.2)
    net.fit(x, y, epochs=10, callbacks=[flat, plateau, rec], verbose=0)
    # Keras' counting: reduce at the end of epochs 2, 5 and 8 (index from 0); the cooldown
    # ends in the epoch its counter reaches 0, which then counts as a first flat epoch.
    assert rec.lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2]
    assert net.optimizer.param_groups[0]["lr"] == 0.2
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\)"):
        ReduceLROnPlateau(factor=1.5)


# -------------------------------------------------------------- CSVLogger
def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    history = model().fit(x, y, epochs=3, validation_split=0.25, callbacks=[CSVLogger(path)], verbose=0)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    for i, name in enumerate(rows[0][1:], start=1):
        assert [float(r[i]) for r in rows[1:]] == history.history[name]
    model().fit(x, y, epochs=2, callbacks=[CSVLogger(path, separator=";", append=True)], verbose=0)
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 6 and lines[4].startswith("0;")


# ---------------------------------------------------------- TerminateOnNaN
def test_nan_loss_stops_training_naming_epoch_and_batch(capsys):
    x, y = data(60)
    x[25] = np.nan  # synthetic: sample 25 lands in batch 3 (of 10 samples each), unshuffled
    rec = Recorder()
    history = model().fit(x, y, batch_size=10, epochs=3, shuffle=False, callbacks=[rec], verbose=0)
    out = capsys.readouterr().out
    assert "TerminateOnNaN" in out and "in epoch 1, batch 3" in out
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    assert [c[1] for c in rec.calls if c[0] == "batch_end"] == [0, 1, 2]
    # it is on by default, and not added twice when given
    mine = TerminateOnNaN()
    model().fit(x, y, batch_size=10, shuffle=False, callbacks=[mine], verbose=0)
    assert capsys.readouterr().out.count("TerminateOnNaN") == 1


# ---------------------------------------------------------------- progress
def test_progress_prints_one_line_per_epoch_when_not_a_terminal(capsys):
    x, y = data()
    model().fit(x, y, epochs=2, validation_split=0.25, verbose="auto")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - 2 steps - ") and lines[1].startswith("Epoch 2/2")
    for key in ("loss: ", "mae: ", "val_loss: ", "val_mae: "):
        assert key in lines[1]
    model().fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model().evaluate(x, y)
    assert capsys.readouterr().out.startswith("loss: ")


def test_progress_draws_a_bar_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    x, y = data()
    model().fit(x, y, epochs=2, batch_size=8, verbose=1)
    text = screen.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text and "8/8" in text and "loss: " in text
    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    model().fit(x, y, epochs=1, verbose=2)  # 2: one line per epoch, even on a terminal
    assert screen.getvalue().startswith("Epoch 1/1 - 2 steps")


# ------------------------------------------------------------------ Ctrl-C
class Interrupt(Callback):
    def __init__(self, epoch, batch, how):
        super().__init__()
        self.at, self.how = (epoch, batch), how

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            if self.how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("how", ["raise", "signal"])
def test_ctrl_c_stops_after_the_batch_and_returns_the_history(how, capsys):
    x, y = data(40)
    rec = Recorder()
    before = signal.getsignal(signal.SIGINT)
    history = model().fit(x, y, batch_size=10, epochs=4, callbacks=[rec, Interrupt(1, 2, how)], verbose=0)
    assert history.epoch == [0] and len(history.history["loss"]) == 1
    ends = [c[1] for c in rec.calls if c[0] == "batch_end"]
    assert ends == [0, 1, 2, 3, 0, 1, 2]  # the interrupted batch finished, no other began
    assert rec.calls[-1] == "train_end"
    assert "interrupted (Ctrl-C) in epoch 2, after batch 3" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is before


def test_ctrl_c_during_validation_keeps_that_epoch(capsys):
    class KillAtEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    x, y = data(40)
    history = model().fit(x, y, epochs=5, validation_split=0.25, callbacks=[KillAtEpochEnd()], verbose=0)
    assert history.epoch == [0, 1]
    assert "returning the History of the 2 finished epoch(s)" in capsys.readouterr().out


# ----------------------------------------------------------------- History
def test_history_plot_writes_a_png(tmp_path):
    x, y = data()
    history = model().fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = history.plot(tmp_path / "curves.png")
    with open(tmp_path / "curves.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]
    assert len(fig.axes[0].lines) == 2  # training and validation
    fig = history.plot(tmp_path / "mae.png", metrics="mae")
    assert [ax.get_title() for ax in fig.axes] == ["mae"]
    with pytest.raises(ValueError, match=r"no curve named \['accuracy'\]; recorded: \['loss', 'mae'\]"):
        history.plot(tmp_path / "x.png", metrics=["accuracy"])
