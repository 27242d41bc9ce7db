"""The hooks a subclass may override: train_step, test_step, predict_step;
MonitorCallback's one definition of "improved"; the callbacks CallbackList adds."""

import numpy as np
import pytest

import glassnet
from glassnet import nn, optim
from glassnet.nn.utils import clip_grad_norm_
from glassnet.training import (
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    ModelCheckpoint,
    MonitorCallback,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
    Trainer,
)


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)


class Clipped(nn.Sequential):
    """A custom train_step: gradient clipping, and one extra logged value."""

    max_norm = 1e-3

    def train_step(self, batch):
        x, y = batch
        trainer = self.trainer
        trainer.optimizer.zero_grad()
        loss, predictions = trainer.compute_loss(self, x, y)
        loss.backward()
        self.norms.append(float(clip_grad_norm_(self.parameters(), self.max_norm)))
        trainer.optimizer.step()
        logs = trainer.update_metrics(loss, predictions, y)
        logs["grad_norm"] = self.norms[-1]
        return logs


def test_fit_calls_an_overridden_train_step_and_its_logs_reach_the_history():
    glassnet.manual_seed(0)
    net = Clipped(nn.Linear(3, 1))
    net.norms = []
    net.compile(optimizer=optim.SGD(net.parameters(), lr=0.1), loss="mse", metrics=["mae"])
    before = net[0].weight.detach().numpy().copy()
    x, y = regression()
    history = net.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert len(net.norms) == 8  # 4 batches x 2 epochs, each through the override
    assert sorted(history.history) == ["grad_norm", "loss", "mae"]
    assert history.history["grad_norm"] == [net.norms[3], net.norms[7]]  # the epoch's last step
    # clipped to 1e-3 per step with lr 0.1: the weights moved by at most 8 * 1e-4 in norm
    moved = np.linalg.norm(net[0].weight.detach().numpy() - before)
    assert 0 < moved <= 8 * 0.1 * 1e-3 + 1e-9


def test_a_plain_dict_from_train_step_is_logged_as_the_last_batch_gave_it():
    class Constant(nn.Sequential):
        def train_step(self, batch):
            self.steps += 1
            return {"loss": 1.0 / self.steps}

    net = Constant(nn.Linear(3, 1))
    net.steps = 0
    net.compile(optimizer="sgd", loss="mse")
    history = net.fit(*regression(32), batch_size=8, epochs=2, verbose=0)
    assert history.history["loss"] == [1 / 4, 1 / 8]


def test_test_step_feeds_evaluate_and_validation():
    class Doubled(nn.Sequential):
        def test_step(self, batch):
            logs = super().test_step(batch)
            return {"loss": 2 * logs["loss"]}

    x, y = regression()
    glassnet.manual_seed(1)
    plain = nn.Sequential(nn.Linear(3, 1))
    plain.compile(optimizer="sgd", loss="mse")
    doubled = Doubled(nn.Linear(3, 1))
    doubled.load_state_dict(plain.state_dict())
    doubled.compile(optimizer="sgd", loss="mse")
    assert doubled.evaluate(x, y, verbose=0) == pytest.approx(2 * plain.evaluate(x, y, verbose=0))
    history = doubled.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    plain.load_state_dict(doubled.state_dict())  # the weights after that epoch
    assert history.history["val_loss"][0] == pytest.approx(2 * plain.evaluate(x, y, verbose=0))


def test_predict_step_changes_what_predict_returns():
    class Scaled(nn.Sequential):
        def predict_step(self, batch):
            return 10 * super().predict_step(batch)

    glassnet.manual_seed(2)
    net = Scaled(nn.Linear(3, 2))
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    with glassnet.no_grad():
        direct = net(glassnet.tensor(x)).numpy()
    np.testing.assert_allclose(net.predict(x, batch_size=4), 10 * direct, rtol=1e-6)


def test_the_default_steps_need_compile_and_say_so():
    net = nn.Sequential(nn.Linear(3, 1))
    with pytest.raises(RuntimeError, match="Sequential is not compiled; call model.compile"):
        net.train_step((glassnet.randn(2, 3), glassnet.randn(2, 1)))
    with pytest.raises(RuntimeError, match="is not compiled"):
        net.test_step((glassnet.randn(2, 3), glassnet.randn(2, 1)))
    assert net.predict_step(glassnet.randn(2, 3)).shape == (2, 1)  # needs no compile


def test_compile_keeps_its_state_in_the_trainer_and_out_of_the_state_dict():
    net = nn.Sequential(nn.Linear(3, 1))
    net.compile(optimizer="adam", loss="mse", metrics=["mae"])
    assert isinstance(net.trainer, Trainer)
    assert net.optimizer is net.trainer.optimizer and net.trainer.metric_names == ["mae"]
    assert sorted(net.state_dict()) == ["0.bias", "0.weight"]
    assert nn.Sequential(nn.Linear(3, 1)).trainer is None


# ------------------------------------------------------------ MonitorCallback
@pytest.mark.parametrize("mode, monitor, values, min_delta, improved", [
    ("min", "val_loss", (1.0, 0.95), 0.1, False),   # better, but by less than min_delta
    ("min", "val_loss", (1.0, 0.85), 0.1, True),
    ("min", "val_loss", (1.0, 0.9), 0.1, False),    # exactly min_delta: not more than it
    ("max", "val_accuracy", (0.5, 0.55), 0.1, False),
    ("max", "val_accuracy", (0.5, 0.65), 0.1, True),
    ("auto", "val_acc", (0.5, 0.6), 0.0, True),     # accuracy-like: higher is better
    ("auto", "val_mae", (0.5, 0.6), 0.0, False),    # anything else: lower is better
    ("min", "loss", (1.0, 0.95), -0.1, False),      # a negative min_delta counts as its size, as in Keras
])
@pytest.mark.parametrize("make", [
    lambda monitor, mode, d: EarlyStopping(monitor=monitor, mode=mode, min_delta=d),
    lambda monitor, mode, d: ModelCheckpoint("unused.safetensors", monitor=monitor, mode=mode, min_delta=d),
    lambda monitor, mode, d: ReduceLROnPlateau(monitor=monitor, mode=mode, min_delta=d),
], ids=["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"])
def test_every_monitoring_callback_shares_one_rule_for_improvement(make, mode, monitor, values, min_delta,
                                                                     improved):
    callback = make(monitor, mode, min_delta)
    assert isinstance(callback, MonitorCallback)
    callback.reset_best()
    assert callback.improved(values[0])  # anything beats the initial best
    callback.best = values[0]
    assert callback.improved(values[1]) is improved


def test_monitor_callback_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="EarlyStopping: mode must be 'auto', 'min' or 'max', got 'up'"):
        EarlyStopping(mode="up")


def test_a_subclass_of_monitor_callback_tracks_the_best_epoch():
    class BestEpoch(MonitorCallback):
        def on_epoch_end(self, epoch, logs=None):
            value = self.monitored(logs)
            if self.improved(value):
                self.best, self.best_epoch = value, epoch

    net = nn.Sequential(nn.Linear(3, 1))
    net.compile(optimizer=optim.SGD(net.parameters(), lr=0.05), loss="mse")
    tracker = BestEpoch(monitor="loss")
    history = net.fit(*regression(), epochs=4, verbose=0, callbacks=[tracker])
    losses = history.history["loss"]
    assert tracker.best == min(losses) and tracker.best_epoch == int(np.argmin(losses))


# --------------------------------------------------------------- CallbackList
def test_callback_list_adds_progress_nan_check_and_history_itself():
    mine = Callback()
    cbs = CallbackList([mine], model=None, params={"verbose": 2}, add_history=True, add_progbar=True,
                       add_nan_check=True)
    kinds = [type(cb) for cb in cbs.callbacks]
    assert kinds == [ProgressBar, TerminateOnNaN, Callback, History]
    assert cbs.history is cbs.callbacks[-1]
    given = TerminateOnNaN()
    cbs = CallbackList([given], model=None, params={}, add_history=True, add_nan_check=True)
    assert cbs.callbacks == [given, cbs.history]  # the user's own TerminateOnNaN is not doubled
    assert CallbackList(None, model=None, params={}).callbacks == []


def test_fit_returns_the_history_the_callback_list_made():
    net = nn.Sequential(nn.Linear(3, 1))
    net.compile(optimizer="sgd", loss="mse")
    history = net.fit(*regression(), epochs=2, verbose=0)
    assert net.history is history and len(history.history["loss"]) == 2
