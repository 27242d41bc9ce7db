"""PyTorch's ``torch.utils.tensorboard.SummaryWriter``, written by tensorboardX.

::

    from glassnet.utils.tensorboard import SummaryWriter

    with SummaryWriter() as writer:                     # runs/<date>_<host>/
        for step in range(100):
            writer.add_scalar("loss/train", loss.item(), step)
        writer.add_histogram("fc/weight", model.fc.weight, step)

Every method takes glassnet Tensors where PyTorch takes torch Tensors and
hands tensorboardX their NumPy arrays. tensorboardX is optional
(``pip install "glassnet[tensorboard]"``) and is imported only when a writer
is made, so importing this module never fails. Viewing the logs needs
TensorBoard itself: ``tensorboard --logdir runs``. See docs/tensorboard.md.
"""

import os
import socket
import time
import warnings
from datetime import datetime

import numpy as np

from ..tensor import Tensor


def import_tensorboardx():
    """The tensorboardX module, or an ImportError that says how to install it."""
    try:
        import tensorboardX
    except ImportError as error:
        raise ImportError(
            "glassnet writes TensorBoard logs through tensorboardX, which is not installed: "
            'pip install "glassnet[tensorboard]" (or pip install tensorboardX)'
        ) from error
    return tensorboardX


def _array(value):
    """A Tensor's array; anything else (arrays, numbers, lists) as it is, for tensorboardX to read."""
    return value.array if isinstance(value, Tensor) else value


def _plain(value):
    """A Python number for a one-element Tensor or NumPy scalar: the hparams plugin types only those."""
    value = _array(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item()
    return value


def _image(value):
    """uint8 pixels: floats are read as [0, 1] and integers as [0, 255], clipped, as PyTorch does.

    Integers count as [0, 255] because glassnet keeps a uint8 image as int64
    (its dtype rules), which tensorboardX would scale as a float; and values
    are clipped because tensorboardX wraps 256 round to 0.
    """
    value = np.asarray(_array(value))
    if value.dtype == np.uint8:
        return value
    scale = 1 if np.issubdtype(value.dtype, np.integer) else 255
    return np.clip(value.astype(np.float32) * scale, 0, 255).astype(np.uint8)


def default_log_dir(comment=""):
    """PyTorch's default: ``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``."""
    current_time = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", current_time + "_" + socket.gethostname() + comment)


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir``; the arguments are PyTorch's.

    ``log_dir`` defaults to ``runs/<datetime>_<hostname><comment>``
    (``comment`` is used only then); ``purge_step`` drops events at or after
    that step left by a crashed run; events are queued (``max_queue``) and
    flushed to disk every ``flush_secs``, on ``flush()`` and on ``close()``.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        self._tbx = import_tensorboardx()
        self.log_dir = os.fspath(log_dir) if log_dir is not None else default_log_dir(comment)
        self.purge_step, self.max_queue, self.flush_secs = purge_step, max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self._writer = self._open(self.log_dir, purge_step)
        self._scalars_runs = {}  # add_scalars' runs, one writer each

    def _open(self, log_dir, purge_step=None):
        return self._tbx.SummaryWriter(logdir=log_dir, purge_step=purge_step, max_queue=self.max_queue,
                                       flush_secs=self.flush_secs, filename_suffix=self.filename_suffix)

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None):
        self._writer.add_scalar(tag, _array(scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves in one chart: each key is a run ``log_dir/<main_tag>_<key>`` holding ``main_tag``.

        This is PyTorch's layout; tensorboardX's own ``add_scalars`` nests the
        runs differently and keeps every value in memory, so it is not used.
        """
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            run = f"{main_tag.replace('/', '_')}_{tag}"
            if run not in self._scalars_runs:
                self._scalars_runs[run] = self._open(os.path.join(self.log_dir, run))
            self._scalars_runs[run].add_scalar(main_tag, _array(value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        self._writer.add_histogram(tag, _array(values), global_step, bins, walltime, max_bins)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image; floats are taken to lie in [0, 1], integers in [0, 255] (see ``_image``)."""
        self._writer.add_image(tag, _image(img_tensor), global_step, walltime, dataformats)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        self._writer.add_images(tag, _image(img_tensor), global_step, walltime, dataformats)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._writer.add_text(tag, text_string, global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """One row of the HParams table, written to the run ``log_dir/<run_name>`` (default: the time).

        ``hparam_domain_discrete`` (the values a filter offers) is not
        supported by tensorboardX and is ignored, with a warning.
        """
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("add_hparams: hparam_dict and metric_dict must be dicts")
        if hparam_domain_discrete:
            warnings.warn("add_hparams: hparam_domain_discrete is not supported (tensorboardX) and is "
                          "ignored", UserWarning, stacklevel=2)
        self._writer.add_hparams({k: _plain(v) for k, v in hparam_dict.items()},
                                 {k: _plain(v) for k, v in metric_dict.items()},
                                 name=run_name, global_step=global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        # TensorBoard's graph tab reads a TensorFlow GraphDef, which torch makes with its JIT tracer;
        # glassnet records its graph only during backward and has no such export.
        raise NotImplementedError("SummaryWriter.add_graph: glassnet cannot export a model graph; "
                                  "print(model) or model.summary() shows its layers")

    def _writers(self):
        return [self._writer, *self._scalars_runs.values()]

    def flush(self):
        for writer in self._writers():
            writer.flush()

    def close(self):
        for writer in self._writers():
            writer.close()
        self._scalars_runs = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
