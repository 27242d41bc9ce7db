"""What ``compile`` was given (optimizer, loss, metrics), saved so a loaded model comes back compiled.

Only names and Keras's own classes are saved; a model compiled with a
plain function or a glassnet object is saved without its compile settings
(compile it again after loading), as Keras does for what it cannot name.
"""

import warnings

from .. import losses as keras_losses
from .. import metrics as keras_metrics
from .. import optimizers as keras_optimizers
from .config import _parameters


def of(model):
    """Keras 3's ``compile_config`` of ``model``, or None when it was not compiled or cannot be named."""
    given = model.__dict__.get("_keras_compile")
    if given is None:
        return None
    try:
        return {"optimizer": _optimizer_entry(given["optimizer"]), "loss": _loss_entry(given["loss"]),
                "metrics": _metrics_entry(given["metrics"]), "loss_weights": None, "weighted_metrics": None}
    except TypeError as reason:
        warnings.warn(f"{model.name}.save: the compile settings are not saved ({reason}); compile the loaded "
                      "model again", stacklevel=3)
        return None


def _optimizer_entry(optimizer):
    if isinstance(optimizer, str):  # saved with its settings, which Keras 2 files need
        optimizer = keras_optimizers.get(optimizer)
    if isinstance(optimizer, keras_optimizers.Optimizer):
        config = {k: v for k, v in optimizer.get_config().items()
                  if v is None or isinstance(v, (bool, int, float, str))}
        return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": config,
                "registered_name": None}
    raise TypeError(f"the optimizer {type(optimizer).__name__} is not a Keras optimizer")


def _loss_entry(loss):
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, keras_losses.Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": {"name": loss.name, "from_logits": loss.from_logits}, "registered_name": None}
    name = keras_losses.resolve(loss)
    if isinstance(name, str):
        return name
    raise TypeError(f"the loss {loss!r} has no Keras name")


def _metrics_entry(metrics):
    if metrics is None:
        return None
    out = []
    for metric in [metrics] if isinstance(metrics, str) else metrics:
        if isinstance(metric, str):
            out.append(metric)
        elif callable(metric) and getattr(keras_metrics, getattr(metric, "__name__", ""), None) is metric:
            out.append(metric.__name__)
        elif type(metric).__name__ in keras_metrics.__all__:
            out.append({"module": "keras.metrics", "class_name": type(metric).__name__,
                        "config": {"name": metric.name}, "registered_name": None})
        else:
            raise TypeError(f"the metric {metric!r} has no Keras name")
    return out


# ------------------------------------------------------------------ loading
def apply(model, compiled):
    """Compile ``model`` as the saved ``compile_config`` says."""
    model.compile(optimizer=_optimizer(compiled.get("optimizer") or "rmsprop"),
                  loss=_loss(compiled.get("loss")),
                  metrics=_metrics(compiled.get("metrics")))


def _make(module, entry, what):
    cls = getattr(module, entry.get("class_name", ""), None)
    if not isinstance(cls, type):
        raise ValueError(f"load_model: unknown {what} {entry.get('class_name')!r} in the compile settings")
    accepted = _parameters(cls)
    return cls(**{k: v for k, v in (entry.get("config") or {}).items() if k in accepted})


def _optimizer(entry):
    return entry if isinstance(entry, str) else _make(keras_optimizers, entry, "optimizer")


def _loss(entry):
    return entry if entry is None or isinstance(entry, str) else _make(keras_losses, entry, "loss")


def _metrics(entries):
    if entries is None:
        return None
    flat = []
    for entry in entries:  # Keras 3 nests the list once per output
        flat += entry if isinstance(entry, list) else [entry]
    return [m if isinstance(m, str) else _make(keras_metrics, m, "metric") for m in flat]


def as_legacy(compiled):
    """Keras 2's ``training_config`` from Keras 3's ``compile_config``."""
    optimizer = compiled["optimizer"]
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer, "config": {}}
    return {"loss": compiled["loss"], "metrics": compiled["metrics"], "loss_weights": None,
            "optimizer_config": optimizer}


def from_legacy(training):
    optimizer = training.get("optimizer_config") or "rmsprop"
    if isinstance(optimizer, dict) and not optimizer.get("config"):
        optimizer = optimizer.get("class_name", "rmsprop").lower()
    return {"optimizer": optimizer, "loss": training.get("loss"), "metrics": training.get("metrics")}
