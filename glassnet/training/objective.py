"""The loss that ``fit`` minimises, for both ways of ending a classifier.

Keras models end in ``Softmax``/``Sigmoid`` and output probabilities; PyTorch
models output raw scores (logits) and leave the activation to the loss.
A string loss such as ``'sparse_categorical_crossentropy'`` must train both,
so the Objective finds out which kind of output the model makes (its
``kind``) and computes the loss the stable way for it:

* ``'split'``: a ``Sequential`` (perhaps nested) whose last layer is
  ``Softmax``/``Sigmoid``. The loss runs the model *up to* that layer and takes
  the fused cross-entropy of the logits, which never computes ``log(0)``;
  the metrics still see the probabilities the model outputs.
* ``'log_probs'``: the last layer is ``LogSoftmax``: negative log-likelihood.
* ``'probs'``: any other model whose output was made by a softmax or sigmoid
  (seen on the first batch): probabilities clipped to ``[1e-7, 1 - 1e-7]``
  before the log, as Keras does.
* ``'logits'``: everything else, PyTorch style.

Regression losses and loss objects use the output as it is; a loss object
is called as ``loss(outputs, targets)`` (PyTorch's argument order).
"""

import numpy as np

from ..autograd import no_grad
from ..nn import activation as act
from ..nn import loss as nn_loss
from ..nn.containers import Sequential
from ..nn.fusion import run_sequence
from ..ops import activation as ops_act
from ..ops import loss as F
from ..ops import math as M
from ..tensor import Tensor

EPSILON = 1e-7  # Keras' backend epsilon for clipping probabilities

_CROSS_ENTROPIES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy")
_REGRESSION = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss}
LOSS_NAMES = {
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "mse": "mse", "mean_squared_error": "mse",
    "mae": "mae", "mean_absolute_error": "mae",
    "huber": "huber", "huber_loss": "huber",
}


def split_final_activation(model):
    """``(layers before it, activation)`` for a Sequential ending in Softmax/Sigmoid, else None."""
    if not isinstance(model, Sequential) or type(model).forward is not Sequential.forward:
        return None
    layers = list(model._modules.values())
    if not layers:
        return None
    *head, last = layers
    if isinstance(last, (act.Softmax, act.Sigmoid)):
        return head, last
    # A layer with a built-in activation (keras.layers.Dense(10, activation='softmax')) says where it splits.
    split = getattr(last, "split_activation", None)
    if split is not None:
        before, activation = split()
        if isinstance(activation, (act.Softmax, act.Sigmoid)):
            return head + [before], activation
    inner = split_final_activation(last)
    return None if inner is None else (head + inner[0], inner[1])


def _last_layer(model):
    while isinstance(model, Sequential) and type(model).forward is Sequential.forward and len(model):
        model = list(model._modules.values())[-1]
    return model


class Objective:
    """Computes ``(loss, predictions)`` for a batch; ``predictions`` are what the metrics see."""

    def __init__(self, model, loss):
        self.fn, self.name, self.binary = None, None, False
        if isinstance(loss, str):
            key = loss.lower()
            if key not in LOSS_NAMES:
                raise ValueError(
                    f"compile: unknown loss {loss!r}; valid names: {sorted(LOSS_NAMES)} "
                    "(or pass a loss module or function such as nn.CrossEntropyLoss())"
                )
            self.name = LOSS_NAMES[key]
            self.binary = self.name == "binary_crossentropy"
        elif callable(loss):
            self.fn = loss
            # Metrics threshold probabilities, so raw binary scores are squashed for them.
            self.binary = (isinstance(loss, nn_loss.BCEWithLogitsLoss)
                           or loss is F.binary_cross_entropy_with_logits)
        else:
            raise TypeError(
                f"compile: loss must be a name such as 'mse' or a callable loss(outputs, targets); "
                f"got {type(loss).__name__}"
            )
        self.kind = self._kind_from_layers(model)

    def _kind_from_layers(self, model):
        if self.name not in _CROSS_ENTROPIES:
            return "logits" if self.fn is not None and self.binary else "outputs"
        split = split_final_activation(model)
        wanted = act.Sigmoid if self.binary else act.Softmax
        if split is not None and isinstance(split[1], wanted):
            self.head, self.activation = split
            return "split"
        if split is not None:
            return "probs"  # e.g. a sigmoid before a categorical loss: Keras reads it as probabilities
        if isinstance(_last_layer(model), act.LogSoftmax) and not self.binary:
            return "log_probs"
        return None  # decided by the first batch's output

    # -------------------------------------------------------------- forward
    def __call__(self, model, x, y, sample_weight=None):
        if self.kind == "split":
            logits = run_sequence(self.head, x)  # as Sequential runs them, fused where it can
            with no_grad():
                outputs = self.activation(logits)
            return self._reduced(logits, y, None, sample_weight), outputs.array
        outputs = model(x)
        kind = self.kind or self._kind_from_output(outputs)
        if self.fn is not None:
            if sample_weight is not None:
                raise ValueError("fit: sample_weight and class_weight need a loss given by name, such as "
                                 "'sparse_categorical_crossentropy'")
            loss = self.fn(outputs, _align(y, outputs))
        else:
            loss = self._reduced(outputs, y, kind, sample_weight)
        predictions = outputs.array
        if kind == "logits" and self.binary:
            predictions = _sigmoid(predictions)
        return loss, predictions

    def _kind_from_output(self, out):
        """Did a softmax/sigmoid make this output? The graph says so; without one, the values.

        Only a decision read from the graph is kept: under ``no_grad`` (evaluate
        before fit) each batch is looked at again.
        """
        if out.grad_fn is not None:
            self.kind = "probs" if type(out.grad_fn) in (ops_act.Softmax, ops_act.Sigmoid) else "logits"
            return self.kind
        if not self.binary and out.ndim >= 2:
            p = out.array
            if p.min() >= 0 and np.allclose(p.sum(-1), 1, atol=1e-4):
                return "probs"
        return "logits"

    def _reduced(self, z, y, kind, sample_weight):
        """The batch's loss: the mean, or with ``sample_weight`` Keras's weighted sum over the batch size."""
        if sample_weight is None:
            return self._loss(z, y, kind)
        losses = self._loss(z, y, kind, reduction="none")
        w = sample_weight.reshape(-1).to(losses.dtype)
        if losses.ndim > 1 or losses.shape[0] != w.shape[0]:  # per element: each sample's mean
            losses = losses.reshape(w.shape[0], -1).mean(1)
        return (losses * w).sum() * (1.0 / w.shape[0])

    def _loss(self, z, y, kind=None, reduction="mean"):
        name, kind = self.name, kind or self.kind
        if name == "categorical_crossentropy" and tuple(y.shape) != tuple(z.shape):
            _refuse_labels(y, z)
        if name in _REGRESSION:
            return _REGRESSION[name](z, _align(_float(y), z), reduction=reduction)
        if name == "binary_crossentropy":
            t = _align(_float(y), z)
            if kind == "probs":
                return F.binary_cross_entropy(M.clamp(z, EPSILON, 1 - EPSILON), t, reduction=reduction)
            return F.binary_cross_entropy_with_logits(z, t, reduction=reduction)
        if kind in ("split", "probs") and z.ndim > 2:
            # Keras puts classes on the last axis: fold the other axes into the batch.
            z = z.reshape(-1, z.shape[-1])
            y = y.reshape(-1) if name == "sparse_categorical_crossentropy" else y.reshape(-1, z.shape[-1])
        if kind == "probs":
            # As Keras: scale the outputs to sum to 1 (a no-op after a softmax; after a sigmoid, as the
            # courses write it, it makes them a distribution), then clip before the log.
            z = z / z.sum(-1, keepdim=True)
            z, kind = M.log(M.clamp(z, EPSILON, 1 - EPSILON)), "log_probs"
        if name == "sparse_categorical_crossentropy":
            t = _labels(y)
            if kind != "log_probs":
                return F.cross_entropy(z, t, reduction=reduction)
            return F.nll_loss(z, t, reduction=reduction)
        t = _float(y)
        if kind != "log_probs":
            return F.cross_entropy(z, t, reduction=reduction)
        losses = -(z * t).sum(1)
        return losses.mean() if reduction == "mean" else losses


def _refuse_labels(y, z):
    labels = y.dtype.kind in "iu" or y.ndim == z.ndim - 1 or (y.ndim == z.ndim and y.shape[-1] == 1)
    hint = ("; these look like class labels: use loss='sparse_categorical_crossentropy', or one-hot "
            "targets from keras.utils.to_categorical(labels)") if labels else ""
    raise ValueError(f"categorical_crossentropy expects one-hot targets shaped like the output "
                     f"{tuple(z.shape)}; got targets of shape {tuple(y.shape)}{hint}")


def _float(y):
    return y if y.dtype.kind == "f" else y.float()


def _labels(y):
    """Class indices as int64 (N,): Keras also accepts (N, 1) and whole-number floats."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    return y if y.dtype == np.int64 else y.long()


def _align(y, outputs):
    """A (N,) target for a (N, 1) output (and the like) gets the output's shape, as Keras does."""
    if isinstance(y, Tensor) and y.shape != outputs.shape and y.numel() == outputs.numel():
        return y.reshape(outputs.shape)
    return y


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
