"""Keras 2's module path for the array helpers (``from keras.utils.np_utils import to_categorical``)."""

from . import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]
