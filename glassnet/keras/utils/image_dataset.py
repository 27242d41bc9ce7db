"""``keras.utils.image_dataset_from_directory``: batches of images and labels from class subfolders.

Keras returns a ``tf.data.Dataset``; here the result is an ``ImageDataset``,
a ``BatchSequence`` that ``fit``/``evaluate``/``predict`` take as ``x`` and
that a ``for`` loop runs through once per epoch, yielding ``(images,
labels)`` NumPy batches: images float32 (batch, height, width, channels)
with pixel values 0..255, labels as ``label_mode`` says.

As in Keras, the file list is shuffled once with ``seed`` before the
validation split (so the two subsets never share a file), and each epoch
then visits its subset in a new order (Keras shuffles within a buffer of
8 batches; here the whole subset). Images are decoded by Pillow and
resized like ``layers.Resizing`` (bilinear or nearest, no antialiasing);
'bicubic', 'area' and 'lanczos3' use Pillow's filters of those names.
"""

import os

import numpy as np

from ..preprocessing import image_transform as T
from ..preprocessing.image_io import check_size, index_directory, list_images, pillow
from ..preprocessing.image_iterators import ImageBatches

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_PILLOW_FILTERS = {"bicubic": "BICUBIC", "area": "BOX", "lanczos3": "LANCZOS"}
_LABEL_MODES = ("int", "categorical", "binary", None)
_CHANNELS = {"rgb": ("RGB", 3), "rgba": ("RGBA", 4), "grayscale": ("L", 1)}
WHO = "image_dataset_from_directory"


class ImageDataset(ImageBatches):
    """Batches of decoded, resized images (and labels), ``len`` per epoch; iterate it once per epoch."""

    who = WHO

    def __init__(self, file_paths, labels, label_mode, class_names, color_mode, batch_size, image_size,
                 shuffle, seed, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, workers=1,
                 max_queue_size=10):
        self.file_paths, self.labels, self.label_mode = list(file_paths), labels, label_mode
        self.class_names, self.color_mode, self.image_size = class_names, color_mode, image_size
        self.interpolation, self.crop, self.pad = interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio
        super().__init__(len(self.file_paths), batch_size, shuffle, seed, workers,
                         max_queue_size=max_queue_size)

    def __iter__(self):
        """One epoch of batches (a tf.data.Dataset is iterated the same way)."""
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def take(self, count):
        """The first ``count`` batches of the current epoch, as a list (``Dataset.take``'s use in a loop)."""
        return [self[i] for i in range(min(count, len(self)))]

    def load(self, path):
        """One image file as a float32 (height, width, channels) array, resized."""
        Image = pillow(WHO)
        mode, _ = _CHANNELS[self.color_mode]
        with Image.open(path) as img:
            img = img.convert(mode)
            height, width = self.image_size
            if self.interpolation in _PILLOW_FILTERS and not (self.crop or self.pad):
                resample = getattr(Image.Resampling, _PILLOW_FILTERS[self.interpolation])
                img = img.resize((width, height), resample)
            x = np.asarray(img, dtype=np.float32)
        x = x[:, :, None] if x.ndim == 2 else x
        x = T.fit_aspect(x, self.image_size, crop=self.crop, pad=self.pad)
        if x.shape[:2] == self.image_size:
            return x
        method = "bilinear" if self.interpolation in _PILLOW_FILTERS else self.interpolation
        return T.resize(x, self.image_size, method)

    def _get_batches_of_transformed_samples(self, index_array, rng):
        images = np.stack([self.load(self.file_paths[j]) for j in index_array])
        if self.labels is None or self.label_mode is None:
            return images
        labels = self.labels[index_array]
        if self.label_mode == "int":
            return images, labels.astype(np.int32)
        if self.label_mode == "binary":
            return images, labels.astype(np.float32).reshape(-1, 1)
        onehot = np.zeros((len(labels), len(self.class_names)), dtype=np.float32)
        onehot[np.arange(len(labels)), labels] = 1.0
        return images, onehot

    def __repr__(self):
        return (f"ImageDataset({self.n} files, {len(self)} batches of {self.batch_size}, "
                f"class_names={self.class_names}, image_size={self.image_size})")


def _check_arguments(labels, label_mode, color_mode, interpolation, validation_split, subset, shuffle, seed):
    if not (labels in ("inferred", None) or isinstance(labels, (list, tuple, np.ndarray))):
        raise ValueError(f"{WHO}: labels must be 'inferred', None, or a list of integer labels, "
                         f"got {labels!r}")
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"{WHO}: label_mode must be one of {list(_LABEL_MODES)}, got {label_mode!r}")
    if color_mode not in _CHANNELS:
        raise ValueError(f"{WHO}: color_mode must be 'rgb', 'rgba' or 'grayscale', got {color_mode!r}")
    methods = T.INTERPOLATIONS + tuple(_PILLOW_FILTERS)
    if interpolation not in methods:
        raise ValueError(f"{WHO}: interpolation must be one of {list(methods)}, got {interpolation!r}")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"{WHO}: subset must be 'training', 'validation' or 'both', got {subset!r}")
    if bool(validation_split) != (subset is not None):
        raise ValueError(f"{WHO}: validation_split and subset go together; got validation_split="
                         f"{validation_split!r} and subset={subset!r}")
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{WHO}: validation_split must be in (0, 1), got {validation_split!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{WHO}: with validation_split and shuffle=True, pass a seed, so that the training "
                         "and validation subsets are drawn from the same shuffled list and never overlap")


def _files_and_labels(directory, labels, class_names, follow_links):
    """``(paths, label array or None, class names)``."""
    if labels == "inferred":
        if class_names is not None and len(set(class_names)) != len(class_names):
            raise ValueError(f"{WHO}: class_names {list(class_names)} names a subfolder twice")
        names, filenames, found = index_directory(directory, class_names, ALLOWLIST_FORMATS, follow_links,
                                                  WHO)
        return [os.path.join(directory, f) for f in filenames], found.astype(np.int64), names
    if class_names is not None:
        raise ValueError(f"{WHO}: class_names is only used with labels='inferred'")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{WHO}: {directory!r} is not a folder")
    paths = list_images(directory, ALLOWLIST_FORMATS, follow_links)
    if labels is None:
        return paths, None, None
    given = np.asarray(labels)
    if given.ndim != 1 or len(given) != len(paths) or given.dtype.kind not in "iu":
        raise ValueError(f"{WHO}: labels must be one integer per image file; found {len(paths)} files and "
                         f"labels of shape {given.shape} and dtype {given.dtype}")
    return paths, given.astype(np.int64), [str(i) for i in range(int(given.max()) + 1 if len(given) else 0)]


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                                 data_format=None, verbose=True, workers=1, max_queue_size=10):
    """An ``ImageDataset`` of the images under ``directory`` (a pair of them for ``subset='both'``).

    With ``labels='inferred'`` the labels are the indices of the sorted
    subfolder names (``class_names`` fixes another order); ``label_mode``
    'int' gives int32 labels (batch,), 'categorical' one-hot float32 rows,
    'binary' float32 (batch, 1) for exactly two classes, None no labels.
    ``workers`` threads decode the next ``max_queue_size`` batches ahead.
    """
    from ..preprocessing.image_io import check_data_format

    check_data_format(data_format, WHO)
    image_size = check_size(image_size, "image_size", WHO)
    _check_arguments(labels, label_mode, color_mode, interpolation, validation_split, subset, shuffle, seed)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{WHO}: give crop_to_aspect_ratio or pad_to_aspect_ratio, not both")
    paths, found, names = _files_and_labels(directory, labels, class_names, follow_links)
    if labels is None:
        label_mode = None
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"{WHO}: label_mode='binary' needs exactly 2 classes, found {len(names)}: {names}")
    if verbose:
        classes = f" belonging to {len(names)} classes" if names is not None else ""
        print(f"Found {len(paths)} files{classes}.")
    if not paths:
        raise ValueError(f"{WHO}: no images ({', '.join(ALLOWLIST_FORMATS)}) found in {directory!r}")
    if seed is None:
        seed = int(np.random.randint(1_000_000))
    if shuffle:  # once, before the split, as Keras does: the subsets never overlap
        order = np.random.default_rng(seed).permutation(len(paths))
        paths, found = [paths[i] for i in order], None if found is None else found[order]
    parts = {"training": slice(None), None: slice(None)}
    if validation_split:
        n_val = int(validation_split * len(paths))
        parts = {"training": slice(None, len(paths) - n_val), "validation": slice(len(paths) - n_val, None)}

    def dataset(name):
        part = parts[name]
        if verbose and name is not None:
            print(f"Using {len(paths[part])} files for {name}.")
        return ImageDataset(paths[part], None if found is None else found[part], label_mode, names,
                            color_mode, batch_size, image_size, shuffle, seed, interpolation,
                            crop_to_aspect_ratio, pad_to_aspect_ratio, workers, max_queue_size)

    if subset == "both":
        return dataset("training"), dataset("validation")
    return dataset(subset)
