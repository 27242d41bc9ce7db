"""Keras's ``keras.applications``: ImageNet models with Keras's layer names, and their weights.

``VGG16`` and ``VGG19`` are built as Keras builds them (functional models,
the same layer names and order), so Keras's published HDF5 weight files
load into them unchanged; ``vgg16.preprocess_input`` and
``decode_predictions`` are Keras's. docs/transfer_learning.md shows the
book's feature extraction and fine-tuning with them.
"""

from . import imagenet_utils, vgg16, vgg19
from .vgg16 import VGG16
from .vgg19 import VGG19

__all__ = ["VGG16", "VGG19", "imagenet_utils", "vgg16", "vgg19"]
