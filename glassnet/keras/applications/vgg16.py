"""Keras's ``keras.applications.vgg16``: ``VGG16``, ``preprocess_input`` ('caffe'), ``decode_predictions``.

The ImageNet weights are Keras's own HDF5 files (Keras 2's layout), fetched
from the URLs Keras downloads them from and checked against the MD5 digests
Keras publishes (``imagenet_utils.fetch_keras_file``).
"""

from . import imagenet_utils
from ._vgg import build_vgg
from .imagenet_utils import decode_predictions  # noqa: F401 - Keras's name in this module

WEIGHTS = {  # include_top -> Keras's file, with the MD5 Keras's code checks
    True: imagenet_utils.keras_file("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                                    "64373286793e3c8b2b4e3219cbf3544b"),
    False: imagenet_utils.keras_file("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                     "6d6bbae143d832006294945121d1f1fc"),
}


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 (Simonyan and Zisserman, 2014) as Keras builds it: 13 convolutions in five blocks, and with
    ``include_top`` the classifier ``flatten``, ``fc1``, ``fc2`` (4096 each), ``predictions``.

    ``weights``: ``'imagenet'`` (Keras's default: downloaded once, then
    cached), ``None`` (random), or the path of a weights file. Without the
    top, ``input_shape`` may be any ``(height, width, 3)`` of at least 32x32,
    or left open; ``pooling='avg'`` or ``'max'`` ends the model with a global
    pooling. 14,714,688 parameters without the top, 138,357,544 with it.
    """
    return build_vgg(name, (2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, WEIGHTS)


def preprocess_input(x, data_format=None):
    """RGB -> BGR and the ImageNet mean pixel subtracted ('caffe' mode), as VGG16 was trained."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
