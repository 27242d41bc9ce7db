"""``keras.preprocessing.image``: image files, ``ImageDataGenerator`` and its iterators.

The module of *Deep Learning with Python*'s chapter 5::

    from glassnet.keras.preprocessing.image import ImageDataGenerator

    train_datagen = ImageDataGenerator(rescale=1./255)
    train_generator = train_datagen.flow_from_directory(
        train_dir, target_size=(150, 150), batch_size=20, class_mode='binary')
    model.fit(train_generator, steps_per_epoch=100, epochs=30)

It is split along its seams: files (``image_io``), geometry
(``image_transform``), the generator (``image_generator``) and its batch
iterators (``image_iterators``). docs/keras_images.md says what is measured.
"""

import numpy as np

from .image_generator import ImageDataGenerator
from .image_io import array_to_img, img_to_array, load_img, save_img
from .image_iterators import DirectoryIterator, NumpyArrayIterator
from .image_iterators import KerasIterator as Iterator
from .image_transform import keras_generator_matrix, smart_resize, warp


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """One channels-last image (H, W, C) through ``ImageDataGenerator``'s affine transform."""
    if (row_axis, col_axis, channel_axis) != (0, 1, 2):
        raise ValueError("apply_affine_transform: only channels-last images (row_axis=0, col_axis=1, "
                         f"channel_axis=2) are supported, got {(row_axis, col_axis, channel_axis)}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform: expected one image (height, width, channels), "
                         f"got {x.shape}")
    matrix = keras_generator_matrix(theta, tx, ty, shear, zx, zy, *x.shape[:2])
    return warp(x[None], matrix[None], "bilinear" if order else "nearest", fill_mode, cval)[0]


def flip_axis(x, axis):
    """``x`` reversed along ``axis`` (a copy)."""
    return np.flip(np.asarray(x), axis).copy()


__all__ = [
    "DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "apply_affine_transform",
    "array_to_img", "flip_axis", "img_to_array", "load_img", "save_img", "smart_resize",
]
