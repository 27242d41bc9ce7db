"""Image files in and out, with Pillow: Keras's ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, and the listing of a folder of class subfolders that both
``flow_from_directory`` and ``image_dataset_from_directory`` read.

Pillow decodes and encodes every format (it is an optional dependency:
``pip install pillow``); arrays are channels-last (height, width,
channels), float32 unless asked otherwise.
"""

import io
import os
import warnings
from pathlib import Path

import numpy as np

# Pillow's resampling filters under Keras's names.
_FILTERS = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC", "hamming": "HAMMING",
            "box": "BOX", "lanczos": "LANCZOS"}


def pillow(who="keras.preprocessing.image"):
    try:
        from PIL import Image
    except ImportError as err:  # only image files need Pillow
        raise ImportError(f"{who} needs Pillow to read and write images: pip install pillow") from err
    return Image


def check_data_format(data_format, who):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{who}: only data_format='channels_last' (images as height, width, channels) is "
                         f"supported, got {data_format!r}")


def check_size(size, what, who):
    """``size`` as a (height, width) pair of positive ints, or a clear error."""
    try:
        height, width = size
        ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0
                 for v in (height, width))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"{who}: {what} must be (height, width), two positive ints, got {size!r}")
    return int(height), int(width)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """The image file at ``path`` as a Pillow image in ``color_mode`` ('rgb', 'rgba' or 'grayscale').

    ``target_size`` = (height, width) resizes it with Pillow's filter named
    ``interpolation``; ``keep_aspect_ratio`` first crops the centre to the
    target's aspect ratio, so nothing is stretched.
    """
    Image = pillow("load_img")
    if grayscale:
        warnings.warn("load_img: grayscale=True is deprecated; use color_mode='grayscale'", stacklevel=2)
        color_mode = "grayscale"
    modes = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}
    if color_mode not in modes:
        raise ValueError(f"load_img: color_mode must be 'rgb', 'rgba' or 'grayscale', got {color_mode!r}")
    if interpolation not in _FILTERS:
        raise ValueError(f"load_img: interpolation must be one of {sorted(_FILTERS)}, got {interpolation!r}")
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:  # read whole, so no file stays open behind a lazy image
            img = Image.open(io.BytesIO(f.read()))
    elif hasattr(path, "read"):
        img = Image.open(path)
    else:
        raise TypeError(f"load_img: path must be a file name or a file object, got {type(path).__name__}")
    # 16- and 32-bit grayscale stay as they are, as Keras keeps them.
    if not (color_mode == "grayscale" and img.mode in ("L", "I;16", "I")) and img.mode != modes[color_mode]:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        height, width = check_size(target_size, "target_size", "load_img")
        if img.size != (width, height):
            box = None
            if keep_aspect_ratio:
                from .image_transform import aspect_box

                top, left, box_h, box_w = aspect_box(img.size[1], img.size[0], height, width)
                box = (left, top, left + box_w, top + box_h)
            img = img.resize((width, height), getattr(Image.Resampling, _FILTERS[interpolation]), box=box)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image as a NumPy array (height, width, channels), float32 by default."""
    check_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An array (height, width, 1, 3 or 4 channels) as a Pillow image.

    With ``scale`` the values are stretched to 0..255 first (minimum to 0,
    maximum to 255), as Keras does; without it they are taken as pixel values.
    """
    Image = pillow("array_to_img")
    check_data_format(data_format, "array_to_img")
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError("array_to_img: expected an image array of shape (height, width, 1, 3 or 4 "
                         f"channels), got {x.shape}")
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    if x.shape[-1] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[-1] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if np.max(x) > 255:  # 16- or 32-bit grayscale
        return Image.fromarray(x[:, :, 0].astype("int32"), "I")
    return Image.fromarray(x[:, :, 0].astype("uint8"), "L")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write the array ``x`` as an image file; the format comes from ``file_format`` or the name."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format or Path(str(path)).suffix[1:]).lower() in ("jpg", "jpeg"):
        warnings.warn("save_img: JPEG has no alpha channel; it is dropped", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


# ------------------------------------------------------------------ folders
def list_class_folders(directory, who):
    """The sorted names of ``directory``'s subfolders (the classes), or a clear error."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{who}: {directory!r} is not a folder")
    return sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())


def list_images(folder, extensions, follow_links):
    """Paths of the image files under ``folder`` (subfolders included), in a fixed sorted order."""
    found = []
    walk = sorted(os.walk(folder, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        found += [os.path.join(root, name) for name in sorted(files) if name.lower().endswith(extensions)]
    return found


def index_directory(directory, classes, extensions, follow_links, who):
    """``(classes, filenames, labels)`` of a folder of class subfolders.

    ``classes`` defaults to the sorted subfolder names; ``filenames`` are
    relative to ``directory`` (``'cats/cat.1.jpg'``), class after class,
    sorted within each.
    """
    names = list_class_folders(directory, who)
    if classes:
        missing = [c for c in classes if not os.path.isdir(os.path.join(directory, c))]
        if missing:
            raise FileNotFoundError(f"{who}: no subfolder(s) {missing} in {directory!r}; it has {names}")
        names = list(classes)
    filenames, labels = [], []
    for label, name in enumerate(names):
        for path in list_images(os.path.join(directory, name), extensions, follow_links):
            filenames.append(os.path.relpath(path, directory))
            labels.append(label)
    return names, filenames, np.asarray(labels, dtype=np.int32)
