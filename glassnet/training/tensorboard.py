"""Keras's ``TensorBoard`` callback: ``fit`` writes its logs where TensorBoard reads them.

::

    model.fit(x, y, epochs=10, validation_split=0.2,
              callbacks=[keras.callbacks.TensorBoard(log_dir="logs", histogram_freq=1)])
    # then: tensorboard --logdir logs

The layout is the one Keras writes, so TensorBoard draws a glassnet run as
it draws a Keras one: two runs, ``log_dir/train`` and ``log_dir/validation``,
with the same tags (``epoch_loss``, ``epoch_accuracy``...) in each, so that
training and validation curves share a chart. Writing goes through
``glassnet.utils.tensorboard.SummaryWriter`` (tensorboardX, an optional
dependency: ``pip install "glassnet[tensorboard]"``). See docs/tensorboard.md.
"""

import os
import time
import warnings

import numpy as np

from ..utils.tensorboard import SummaryWriter, import_tensorboardx
from .callback import Callback
from .callbacks import _lr


def _positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


class TensorBoard(Callback):
    """Log scalars, weight histograms and weight images for TensorBoard; Keras's arguments.

    * every epoch, in ``train/``: ``epoch_<name>`` for each logged value
      without a ``val_`` prefix, and ``epoch_learning_rate`` (the first
      parameter group's ``lr``) when the model's optimizer has
      ``param_groups``; in ``validation/``: ``epoch_<name>`` for each
      ``val_<name>``. The step is the epoch index, from 0.
    * ``update_freq``: ``'epoch'`` (the default) writes only the above; an
      int N (``'batch'`` means 1) also writes ``batch_<name>`` in ``train/``
      every N batches, the step counting batches from 1 across epochs.
    * ``histogram_freq``: every that many epochs (0: never), a histogram of
      each parameter in ``train/``, tagged with its PyTorch name, dots made
      slashes: a Keras layer's as Keras tags them (``dense/kernel/histogram``),
      a PyTorch-style module's by parameter name (``0.weight`` ->
      ``0/weight/histogram``). Buffers (running statistics) are not drawn.
    * ``write_images``: with the histograms, each parameter as a grayscale
      image, ``dense/weight/image`` (see ``_weight_image``).
    * ``write_steps_per_second``: ``epoch_steps_per_second`` in ``train/``.

    Accepted for Keras's code and doing nothing: ``write_graph`` (glassnet has
    no graph for TensorBoard's graph tab), ``profile_batch`` (no profiler),
    ``embeddings_freq`` and ``embeddings_metadata`` (a warning when set).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        import_tensorboardx()  # a missing tensorboardX should stop fit before training, not after an epoch
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not _positive_int(update_freq):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an int > 0, "
                             f"got {update_freq!r}")
        if not (histogram_freq == 0 or _positive_int(histogram_freq)):
            raise ValueError(f"TensorBoard: histogram_freq must be an int >= 0, got {histogram_freq!r}")
        if embeddings_freq:
            warnings.warn("TensorBoard: embeddings are not written (embeddings_freq is ignored)",
                          UserWarning, stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.update_freq = histogram_freq, update_freq
        self.write_graph, self.write_images = write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.profile_batch = profile_batch
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._writers = {}
        self._global_batch = self._epoch_batches = 0
        self._epoch_start = time.perf_counter()

    def _writer(self, run):
        # Opened at the first write, as in Keras: a fit without validation leaves no validation/ run.
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._global_batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_batches, self._epoch_start = 0, time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._global_batch += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._global_batch % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", float(value), self._global_batch)

    def on_epoch_end(self, epoch, logs=None):
        # Copies: the other callbacks and the History must see the logs as fit made them.
        logs = logs or {}
        train = {name: value for name, value in logs.items() if not name.startswith("val_")}
        validation = {name[4:]: value for name, value in logs.items() if name.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if getattr(optimizer, "param_groups", None):
            train["learning_rate"] = _lr(optimizer)
        if self.write_steps_per_second:
            train["steps_per_second"] = self._epoch_batches / max(time.perf_counter() - self._epoch_start,
                                                                  1e-9)
        for run, values in (("train", train), ("validation", validation)):
            if values:
                writer = self._writer(run)
                for name, value in values.items():
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        # Flushed each epoch so that a TensorBoard already open shows the run as it trains.
        for writer in self._writers.values():
            writer.flush()

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for tag, array in _tagged_weights(self.model):
            writer.add_histogram(f"{tag}/histogram", array, epoch)
            image = _weight_image(array) if self.write_images else None
            if image is not None:
                writer.add_images(f"{tag}/image", image, epoch, dataformats="NHWC")

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _tagged_weights(model):
    """``(tag, array)`` of every weight: a Keras layer's under Keras's names and layout
    (``dense/kernel``), any other module's under its parameter name (``0.weight`` -> ``0/weight``)."""
    tagged = set()
    for module in model.modules():
        own = {id(p) for p in module._parameters.values() if p is not None}
        for name, tensor, to_keras, _ in getattr(module, "keras_weights", list)():
            if id(tensor) in own and not getattr(tensor, "is_uninitialized", False):
                tagged.add(id(tensor))
                yield f"{module.name}/{name}", to_keras(tensor.array) if to_keras else tensor.array
    for name, param in model.named_parameters():
        if id(param) not in tagged and not getattr(param, "is_uninitialized", False):  # a lazy layer never
            yield name.replace(".", "/"), param.array  # called has no values yet


def _weight_image(weight):
    """A weight as images (N, H, W, C) in [0, 1], as Keras draws it; None for shapes it does not draw.

    A bias is a column; a matrix is turned to be wider than tall; a 3-D
    weight (a conv filter bank with one input channel, squeezed) is one
    image per filter, and a 2-D conv on RGB input one colour image per
    filter; a single number (the bias of one unit) is not drawn. The values
    are stretched from [min, max] to [0, 1] (Keras clips to [0, 1] instead,
    which draws most weights black).
    """
    w = np.squeeze(np.asarray(weight, dtype=np.float64))
    if w.ndim == 1:
        w = w.reshape(1, -1, 1, 1)
    elif w.ndim == 2:
        w = (w.T if w.shape[0] > w.shape[1] else w)[None, :, :, None]
    elif w.ndim == 3:
        w = w[..., None]
    elif w.ndim == 4 and w.shape[1] == 3:  # (out, in, kh, kw) with RGB input
        w = w.transpose(0, 2, 3, 1)
    else:
        return None
    low, high = w.min(), w.max()
    return (w - low) / (high - low) if high > low else np.zeros_like(w)
