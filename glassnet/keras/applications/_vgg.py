"""The VGG networks as Keras's ``applications`` build them: one builder for VGG16 and VGG19.

Keras's layer names (``block1_conv1`` ... ``block5_pool``, ``flatten``,
``fc1``, ``fc2``, ``predictions``) and order matter beyond looks: Keras's
weight files are loaded by layer order, and the book unfreezes layers by
name (``block5_conv1``).
"""

import os

from .. import layers
from ..functional import KerasTensor
from ..models import Model
from . import imagenet_utils


def _source_inputs(tensor):
    """The ``Input`` tensors a KerasTensor is made from (Keras's ``get_source_inputs``)."""
    if not tensor.inputs:
        return [tensor]
    found = []
    for parent in tensor.inputs:
        found += [t for t in _source_inputs(parent) if all(t is not f for f in found)]
    return found


# glassnet.keras traces each layer call by running the layer on a batch of zeros of the input's shape
# (1 for an unknown size). VGG's convolutions and pools have the same weights at every image size, so the
# convolutional blocks are traced on 32x32 zeros (the smallest image VGG takes) and then given the sizes
# the real input has: a "same" convolution keeps the size, each 2x2 pool halves it, rounding down. A
# 224x224 trace would cost two full forward passes (30 GFLOPs), and an open size (None) traced as 1x1
# could not pass five pools.
TRACE_SIZE = 32


def _set_image_sizes(image, size, traced):
    """Give ``image`` the height and width ``size`` (None for open) and every ``(tensor, pools before
    it)`` of ``traced`` the size those pools leave."""
    for tensor, pools in traced:
        height, width = (None if n is None else n // 2 ** pools for n in size)
        tensor.shape = (tensor.shape[0], height, width, tensor.shape[3])
    image.shape = (image.shape[0], *size, image.shape[3])


def _conv_blocks(x, convs_per_block):
    """Keras's five blocks of 3x3 "same" convolutions with ReLU, each ending in a 2x2 max-pool."""
    traced, pools = [], 0
    for block, (convs, filters) in enumerate(zip(convs_per_block, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
            traced.append((x, pools))
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
        pools += 1
        traced.append((x, pools))
    return x, traced


def build_vgg(name, convs_per_block, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, files):
    """A VGG functional model; ``convs_per_block`` is (2, 2, 3, 3, 3) for VGG16, (2, 2, 4, 4, 4) for VGG19;
    ``files`` maps ``include_top`` to the Keras weight file (``WeightFile``)."""
    who = name.upper()
    is_path = isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
    if not (weights in ("imagenet", None) or is_path):
        raise ValueError(f"{who}: weights must be None (random initialization), 'imagenet' (pre-training on "
                         f"ImageNet) or the path to a weights file; got {weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{who}: with weights='imagenet' and include_top=True, classes must be 1000, got "
                         f"{classes}")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights, who)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{who}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, include_top, weights, who)
    if weights == "imagenet":  # fetched first: offline, nothing is built in vain
        weights = imagenet_utils.fetch_keras_file(files[include_top], who)
    if input_tensor is None:
        img_input = layers.Input(shape=shape)
    elif not isinstance(input_tensor, KerasTensor) or input_tensor.ndim != 4:
        raise TypeError(f"{who}: input_tensor must be a keras.Input(...) of images (or a tensor made from "
                        f"one), got {input_tensor!r}")
    else:
        img_input = input_tensor
    size = img_input.shape[1:3]
    if include_top and None in size:
        raise ValueError(f"{who}: with include_top=True the image size must be fixed, got {img_input.shape}")
    if any(n is not None and n < TRACE_SIZE for n in size):
        raise ValueError(f"{who}: the input must be at least 32x32, got {img_input.shape}")
    given = img_input.shape
    img_input.shape = (None, TRACE_SIZE, TRACE_SIZE, given[3])
    try:
        x, traced = _conv_blocks(img_input, convs_per_block)
    finally:  # an input_tensor given by the caller gets its shape back whatever happens
        img_input.shape = given
    _set_image_sizes(img_input, size, traced)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    inputs = img_input if input_tensor is None else _source_inputs(input_tensor)
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    model = Model(inputs, x, name=name)
    if weights is not None:
        model.load_weights(weights)
    return model
