"""``model.compile``: turn the names a Keras user types into glassnet objects.

Strings get **Keras's** defaults, not PyTorch's, so that ``compile(optimizer=
'rmsprop')`` behaves like the book: the PyTorch-style classes in
``glassnet.optim`` keep their own defaults when built by hand. Objects pass
through unchanged, so both idioms work::

    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.1), loss=nn.CrossEntropyLoss())
"""

from .. import metrics as _metrics
from .. import optim
from .objective import LOSS_NAMES, Objective
from .trainer import Trainer

# name -> (class, Keras's defaults in the class's own argument names). Where
# Keras's update rule differs slightly from the PyTorch one (see
# docs/training.md) these are the closest settings.
_OPTIMIZERS = {
    "sgd": (optim.SGD, dict(lr=0.01)),
    "rmsprop": (optim.RMSprop, dict(lr=1e-3, alpha=0.9, eps=1e-7)),
    "adam": (optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7)),
    "adamw": (optim.AdamW, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7, weight_decay=0.004)),
    "adagrad": (optim.Adagrad, dict(lr=1e-3, initial_accumulator_value=0.1, eps=1e-7)),
}

_METRIC_NAMES = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "f1", "mae",
                 "mean_absolute_error", "mse", "mean_squared_error")


_MULTICLASS = ("sparse_categorical_crossentropy", "categorical_crossentropy")


def resolve_optimizer(model, optimizer):
    """An Optimizer over ``model.parameters()`` from a name, a class, or a ready instance."""
    if isinstance(optimizer, optim.Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in _OPTIMIZERS:
            raise ValueError(
                f"compile: unknown optimizer {optimizer!r}; valid names: {sorted(_OPTIMIZERS)} "
                "(or pass an optimizer such as glassnet.optim.SGD(model.parameters(), lr=0.1))"
            )
        cls, defaults = _OPTIMIZERS[key]
        return cls(_trainable(model), **defaults)
    if isinstance(optimizer, type) and issubclass(optimizer, optim.Optimizer):
        return optimizer(_trainable(model))
    if callable(getattr(optimizer, "bind", None)):  # made before the model (keras.optimizers.Adam())
        return optimizer.bind(_trainable(model))
    raise TypeError(
        f"compile: optimizer must be a name such as 'adam', an Optimizer class, or an optimizer built on "
        f"model.parameters(); got {type(optimizer).__name__}"
    )


def _trainable(model):
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError(
            f"compile: {type(model).__name__} has no trainable parameters (none at all, or all frozen "
            "with requires_grad=False / trainable=False); an optimizer needs something to train"
        )
    return params


def resolve_metric(metric, loss_name):
    """A streaming metric object; names follow Keras, and 'accuracy' follows the loss as in Keras."""
    if isinstance(metric, _metrics.Metric):
        return metric
    if isinstance(metric, type) and issubclass(metric, _metrics.Metric):
        return metric()
    if not isinstance(metric, str) or metric.lower() not in _METRIC_NAMES:
        raise ValueError(
            f"compile: unknown metric {metric!r}; valid names: {sorted(_METRIC_NAMES)} "
            "(or pass a glassnet.metrics object such as metrics.Precision(average='macro'))"
        )
    key = metric.lower()
    if key in ("accuracy", "acc") and loss_name == "binary_crossentropy":
        obj = _metrics.BinaryAccuracy()
    else:
        obj = _metrics.get(key)
    if key in ("precision", "recall", "f1_score", "f1") and loss_name in _MULTICLASS:
        # Keras' binary scores make little sense on 10 classes: average over the classes instead.
        obj.average = "macro"
    obj.name = metric  # the History key is the name the user typed, as in Keras ('acc' stays 'acc')
    return obj


def compile_model(model, optimizer="rmsprop", loss=None, metrics=None):
    """Attach an optimizer, a loss and metrics to ``model`` for ``fit``/``evaluate``."""
    if loss is None:
        raise ValueError(
            "compile: a loss is needed to train, e.g. loss='sparse_categorical_crossentropy' or "
            f"loss=nn.CrossEntropyLoss(); names known: {sorted(LOSS_NAMES)}"
        )
    objective = Objective(model, loss)
    if metrics is None:
        metrics = []
    elif isinstance(metrics, (str, _metrics.Metric)):
        metrics = [metrics]
    elif isinstance(metrics, dict):
        raise TypeError("compile: metrics must be a list (one output per model), not a dict")
    resolved = [resolve_metric(m, objective.name) for m in metrics]
    names = [m.name for m in resolved]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates or "loss" in names:
        raise ValueError(
            f"compile: metric names must be unique and not 'loss'; repeated: {duplicates or ['loss']}")
    # Plain attributes (none is a Module, Parameter or Tensor, so none enters the state_dict):
    # the trainer for fit & co, and Keras's names for what a callback may read or set.
    model.trainer = Trainer(resolve_optimizer(model, optimizer), objective, resolved)
    model.optimizer = model.trainer.optimizer
    model.stop_training = False
    return None
