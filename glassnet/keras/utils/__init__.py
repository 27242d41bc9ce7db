"""``keras.utils``: to_categorical, normalize, set_random_seed, Sequence, plot_model."""

import random

import numpy as np

from ...creation import manual_seed
from ...data.preprocessing import to_categorical as _to_categorical
from ...data.sequence import BatchSequence as Sequence  # noqa: F401 - Keras's name: batches by index


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot rows for integer class labels, as a NumPy array (a trailing axis of 1 is dropped)."""
    return _to_categorical(y, num_classes).astype(dtype, copy=False)


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x, dtype=np.float32 if np.asarray(x).dtype.kind != "f" else None)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def set_random_seed(seed):
    """Seed Python's, NumPy's and glassnet's generators at once, as Keras's does for its backends."""
    random.seed(seed)
    np.random.seed(seed)
    manual_seed(seed)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", dpi=None, **kwargs):
    """Draw ``model``'s layers to ``to_file`` (.png, .svg, .pdf or .dot) with ``glassnet.viz.draw_model``.

    Rendering needs Graphviz's ``dot`` program, as Keras's does; a .dot file
    needs nothing. Returns the ``Graph`` (shown inline by Jupyter).
    """
    from ...viz import draw_model

    shape = getattr(model, "input_shape", None)
    if shape is None:
        raise ValueError(f"plot_model: {getattr(model, 'name', 'the model')} has no known input shape; give "
                         "its first layer an input_shape, or build it on data first")
    graph = draw_model(model, tuple(shape[1:]), show_shapes=show_shapes)
    if rankdir != "TB":
        graph.source = graph.source.replace("rankdir=TB", f"rankdir={rankdir}", 1)
    graph.save(to_file)
    return graph


# Keras 3 keeps the image file helpers and the folder-to-dataset reader in keras.utils (docs/keras_images.md).
from ..preprocessing.image_io import array_to_img, img_to_array, load_img, save_img  # noqa: E402
from .image_dataset import image_dataset_from_directory  # noqa: E402
