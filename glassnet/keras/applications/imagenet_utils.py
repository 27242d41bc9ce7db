"""What Keras's ImageNet models share: input checks, preprocessing, class names, weight files.

* ``preprocess_input(x, mode='caffe')``: Keras's three conventions. VGG
  uses 'caffe' (the weights were trained in Caffe on BGR images with the
  mean pixel subtracted): channels reversed RGB -> BGR, then the ImageNet
  mean of each BGR channel (103.939, 116.779, 123.68) subtracted, no
  scaling. As in Keras, a float NumPy array is changed in place and
  returned; integer images are first converted to float32.
* ``decode_predictions(preds, top=5)``: ``(class id, name, score)`` for the
  ``top`` classes of each row, names from Keras's ``imagenet_class_index.json``.
* ``fetch_keras_file``: Keras's published files, at the URLs Keras's own
  code downloads from, checked against the MD5 digests it publishes, cached
  in ``<data root>/models/`` by ``glassnet.models.weights.fetch`` (a
  temporary file renamed into place once verified).
"""

import json

import numpy as np

from ...models.weights import WeightFile, fetch
from ...tensor import Tensor

KERAS_APPLICATIONS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_FILE = WeightFile(
    "imagenet_class_index.json",
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
    "c2c37ea517e94d9795004a39431a14cb", "md5")
_CLASS_INDEX = None

# 'caffe' mode: the mean pixel of ImageNet's training set, in BGR order.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# 'torch' mode: torchvision's per-channel mean and standard deviation, RGB, for pixels in [0, 1].
TORCH_MEAN, TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def keras_file(folder, name, md5):
    """A file of Keras's applications bucket, with the MD5 digest Keras's code checks it against."""
    return WeightFile(name, f"{KERAS_APPLICATIONS_URL}{folder}/{name}", md5, "md5")


def fetch_keras_file(file, who):
    """The local path of a Keras-published ``WeightFile``, verified (downloaded when not cached)."""
    return fetch(file, who=who)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Keras's ``imagenet_utils.preprocess_input``: a batch (or one image) of 0-255 RGB pixels, made ready
    for a model trained in ``mode``'s convention ('caffe', 'tf' or 'torch')."""
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch', got {mode!r}")
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"preprocess_input: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    if isinstance(x, Tensor):  # a glassnet tensor: the same numbers, in a new tensor
        return Tensor(preprocess_input(x.array.copy(), data_format, mode))
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    axis = -1 if data_format != "channels_first" else 0 if x.ndim == 3 else 1
    if x.ndim not in (3, 4) or x.shape[axis] != 3:
        raise ValueError(f"preprocess_input: expected an image or a batch of images with 3 color channels "
                         f"({data_format or 'channels_last'}), got shape {x.shape}")
    index = [slice(None)] * x.ndim
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        means, stds = TORCH_MEAN, TORCH_STD
    else:
        x = np.flip(x, axis=axis)  # RGB -> BGR; a view, so the subtraction below writes through
        means, stds = CAFFE_MEAN_BGR, None
    for c in range(3):
        index[axis] = c
        x[tuple(index)] -= means[c]
        if stds is not None:
            x[tuple(index)] /= stds[c]
    return x


def class_index():
    """``{'0': ['n01440764', 'tench'], ...}``: Keras's ImageNet class index, fetched once."""
    global _CLASS_INDEX
    if _CLASS_INDEX is None:
        path = fetch_keras_file(CLASS_INDEX_FILE, "decode_predictions")
        with open(path, encoding="utf8") as f:
            _CLASS_INDEX = json.load(f)
    return _CLASS_INDEX


def decode_predictions(preds, top=5):
    """``[[(class id, name, score), ...] per sample]``: the ``top`` classes of each row, best first."""
    preds = np.asarray(preds.array if isinstance(preds, Tensor) else preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects a batch of ImageNet predictions, shape "
                         f"(samples, 1000); got {preds.shape}")
    names = class_index()
    results = []
    for row in preds:
        best = np.argsort(row)[::-1][:top]
        results.append([(*names[str(i)], row[i]) for i in best])
    return results


def obtain_input_shape(input_shape, default_size, min_size, require_flatten, weights, who):
    """Keras's rule for a model's input shape (channels last): the default with the top layers and
    ImageNet weights, else the given shape checked, else ``(None, None, 3)``."""
    default = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default:
            raise ValueError(f"{who}: with include_top=True and weights='imagenet', input_shape must be "
                             f"{default}, got {tuple(input_shape)}")
        return default
    if input_shape is not None:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"{who}: input_shape must be (height, width, channels), got {input_shape}")
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(f"{who}: the ImageNet weights take 3 input channels, got input_shape "
                             f"{input_shape}")
        if any(d is not None and d < min_size for d in input_shape[:2]):
            raise ValueError(f"{who}: the input must be at least {min_size}x{min_size}, got input_shape "
                             f"{input_shape}")
    else:
        input_shape = default if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"{who}: with include_top=True the input shape must be fixed, got {input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights, who):
    """With ImageNet weights the last layer must give softmax probabilities or logits (None)."""
    if weights is not None and classifier_activation not in (None, "softmax"):
        raise ValueError(f"{who}: with pretrained weights classifier_activation must be None or "
                         f"'softmax', got {classifier_activation!r}")
