"""glassnet.keras: the Keras API of *Deep Learning with Python*, on glassnet's engine and trainer.

``from keras import models, layers`` becomes ``from glassnet.keras import
models, layers`` (and ``import keras`` becomes ``from glassnet import
keras``); the rest of the code stays as the book writes it. Each Keras
layer is a thin glassnet ``nn.Module``; training is glassnet's own
``compile``/``fit`` (docs/keras.md).
"""

from .. import __version__
from . import (
    activations,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    saving,
    utils,
)
from .layers import Input
from .layers.base import reset_names as _reset_names
from .models import Model, Sequential


class backend:  # noqa: N801 - Keras's module name
    """The few ``keras.backend`` functions the books use."""

    @staticmethod
    def clear_session():
        _reset_names()


__all__ = [
    "Input", "Model", "Sequential", "activations", "backend", "callbacks", "datasets", "initializers",
    "layers", "losses", "metrics", "models", "optimizers", "preprocessing", "regularizers", "saving", "utils",
]

from . import applications  # noqa: E402 - keras.applications (VGG16, VGG19), after the layers it uses

__all__ += ["applications"]
from . import distribute  # noqa: E402 - keras.distribute (MultiWorkerMirroredStrategy), docs/distributed.md
