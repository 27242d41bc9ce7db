"""The training state of one compiled model, and its default steps.

``model.compile(...)`` puts a ``Trainer`` in ``model.trainer``: the
optimizer, the loss (an ``Objective``) and the metrics it settled, and the
running means of an epoch. ``fit``, ``evaluate`` and ``predict`` call the
model's ``train_step``, ``test_step`` and ``predict_step`` for each batch;
``nn.Module`` implements those by calling the ones here, so a subclass may
override any of them (a custom loss, gradient clipping, a GAN) and still
use ``fit``, as in Keras::

    class Clipped(nn.Sequential):
        def train_step(self, batch):
            x, y = batch
            trainer = self.trainer
            trainer.optimizer.zero_grad()
            loss, predictions = trainer.compute_loss(self, x, y)
            loss.backward()
            nn.utils.clip_grad_norm_(self.parameters(), 1.0)
            trainer.optimizer.step()
            return trainer.update_metrics(loss, predictions, y)
"""

from collections.abc import MutableMapping

from ..tensor import Tensor
from . import batches


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
        self.loss_sum += float(loss.array) * n
        self.count += n
        if self.metrics:
            y = targets.array if isinstance(targets, Tensor) else targets
            for metric in self.metrics:
                metric.update(y, predictions)

    def value(self, name):
        if name == "loss":
            return self.loss_sum / self.count if self.count else float("nan")
        return float(self.metrics[self.names.index(name) - 1].result())

    def logs(self, prefix=""):
        return {prefix + name: self.value(name) for name in self.names}


class RunningLogs(MutableMapping):
    """The running means as a dict whose values are computed when read.

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


class Trainer:
    """What ``compile`` settled for one model, and one batch's work for fit/evaluate/predict."""

    def __init__(self, optimizer, objective, metrics):
        self.optimizer = optimizer
        self.objective = objective
        self.metrics = metrics
        self.tracker = Tracker(metrics)

    @property
    def metric_names(self):
        return [m.name for m in self.metrics]

    # The pieces a custom train_step is made of.
    def compute_loss(self, model, x, y, sample_weight=None):
        """``(loss, predictions)`` of ``model`` on one batch, as compile's loss defines them."""
        return self.objective(model, x, y, sample_weight)

    def update_metrics(self, loss, predictions, y):
        """Add one batch to the running means; return them as the step's logs."""
        self.tracker.update(loss, predictions, y)
        return RunningLogs(self.tracker)

    def reset_metrics(self):
        self.tracker.reset()

    # The default steps (nn.Module.train_step & co call these).
    def train_step(self, model, batch):
        x, y, weight = batches.unpack(batch, "fit")
        optimizer = self.optimizer
        optimizer.zero_grad()
        loss, predictions = self.objective(model, x, y, weight)
        loss.backward()
        optimizer.step()
        return self.update_metrics(loss, predictions, y)

    def test_step(self, model, batch):
        x, y, weight = batches.unpack(batch, "evaluate")
        loss, predictions = self.objective(model, x, y, weight)
        return self.update_metrics(loss, predictions, y)

    @staticmethod
    def predict_step(model, batch):
        # A Dataset of (inputs, targets) may be given: the targets are not needed.
        inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
        return model(inputs)


def trainer_of(model, caller):
    """``model.trainer``, or a clear error when ``compile`` has not run."""
    trainer = getattr(model, "trainer", None)
    if trainer is None:
        raise RuntimeError(
            f"{caller}: {type(model).__name__} is not compiled; call "
            "model.compile(optimizer=..., loss=..., metrics=[...]) first"
        )
    return trainer
