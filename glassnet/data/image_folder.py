"""ImageFolder: a dataset of image files sorted into one folder per class.

The layout of Kaggle's dogs-vs-cats and of torchvision's ``ImageFolder``::

    root/cat/cat.0.jpg
    root/cat/cat.1.jpg
    root/dog/dog.0.jpg

Class names are the sorted folder names, so label 0 is ``cat`` and 1 is
``dog`` on every machine. Images are decoded with Pillow (installed
separately: ``pip install pillow``), converted to RGB (or grayscale),
resized to ``image_size`` and returned as float32 (C, H, W) arrays in
[0, 1], with int64 labels.
"""

import os
from pathlib import Path

import numpy as np

from .dataset import Dataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".tif", ".tiff", ".webp")


class ImageLoadError(OSError):
    """An image file could not be read or decoded."""


def _pillow():
    try:
        from PIL import Image
    except ImportError as err:  # Pillow is optional: only image folders need it.
        raise ImportError("ImageFolder needs Pillow to decode images: pip install pillow") from err
    return Image


def _size(image_size):
    if image_size is None:
        return None
    if isinstance(image_size, int):
        return image_size, image_size
    height, width = image_size
    return int(height), int(width)


def load_image(path, image_size=None, grayscale=False):
    """One image file as a float32 (C, H, W) array in [0, 1]; ``image_size`` is (height, width)."""
    Image = _pillow()
    try:
        with Image.open(path) as image:
            image = image.convert("L" if grayscale else "RGB")
            if image_size is not None:
                height, width = _size(image_size)
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32)
    except (OSError, ValueError, SyntaxError) as err:  # Pillow's errors for broken or foreign files
        raise ImageLoadError(f"cannot read image {path}: {err}") from err
    pixels = pixels[None] if grayscale else pixels.transpose(2, 0, 1)
    return np.ascontiguousarray(pixels) / np.float32(255)


def find_classes(root):
    """``(classes, class_to_idx)``: the sorted names of ``root``'s subfolders and their labels."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"ImageFolder: {root} is not a folder")
    # Hidden folders (.ipynb_checkpoints, .DS_Store's kin) are not classes.
    classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    if not classes:
        raise FileNotFoundError(f"ImageFolder: no class folders in {root}; expected the layout "
                                f"{root}/<class name>/<image files>, e.g. {root}/cat/cat.0.jpg")
    return classes, {name: i for i, name in enumerate(classes)}


def list_samples(root, class_to_idx, is_valid_file, recursive=False):
    """``(samples, empty)``: ``(path, label)`` of every file under ``root/<class>/`` that
    ``is_valid_file(path)`` accepts, class by class and in sorted order, and the classes with none.

    ``recursive`` also looks in subfolders of a class folder (following
    links), as torchvision's ``ImageFolder`` does.
    """
    samples, empty = [], []
    for name in sorted(class_to_idx):
        folder = Path(root) / name
        if recursive:
            files = [Path(top) / f for top, _, names in sorted(os.walk(folder, followlinks=True))
                     for f in sorted(names)]
        else:
            files = sorted(p for p in folder.iterdir() if p.is_file())
        chosen = [(path, class_to_idx[name]) for path in files if is_valid_file(path)]
        if not chosen:
            empty.append(name)
        samples += chosen
    return samples, empty


class ImageFolder(Dataset):
    """Images under ``root/<class>/``, as ``(image, label)`` pairs.

    * ``image_size``: (height, width) or one int; every image is resized to
      it. Needed to batch images of different sizes.
    * ``grayscale``: one channel instead of three.
    * ``cache``: keep each decoded image in memory after its first use, so
      later epochs skip the decoding (150x150 RGB is 270 KB per image).
    * ``transform`` / ``target_transform``: applied to each sample, as in
      torchvision; batch-wise augmentation belongs in ``DataLoader(transform=...)``.

    ``samples`` lists ``(path, label)``; ``targets`` holds the labels.
    """

    def __init__(self, root, image_size=None, grayscale=False, cache=False, transform=None,
                 target_transform=None, extensions=IMG_EXTENSIONS):
        self.root = Path(root)
        self.image_size = _size(image_size)
        self.grayscale, self.transform, self.target_transform = grayscale, transform, target_transform
        self.classes, self.class_to_idx = find_classes(self.root)
        extensions = tuple(e.lower() for e in extensions)

        def is_image(path):
            return path.suffix.lower() in extensions and not path.name.startswith(".")

        self.samples, empty = list_samples(self.root, self.class_to_idx, is_image)
        if empty:
            raise FileNotFoundError(f"ImageFolder: no image files ({', '.join(extensions)}) in the class "
                                    f"folder(s) {', '.join(str(self.root / n) for n in empty)}")
        self.targets = np.array([label for _, label in self.samples], dtype=np.int64)
        self._cache = {} if cache else None

    def __len__(self):
        return len(self.samples)

    def load(self, index):
        """The decoded image at ``index``, before ``transform``."""
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        image = load_image(self.samples[index][0], self.image_size, self.grayscale)
        if self._cache is not None:
            self._cache[index] = image
        return image

    def __getitem__(self, index):
        index = range(len(self))[index]  # negative indices and bounds, like a list
        image, target = self.load(index), int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def get_batch(self, indices):
        """``(images (N, C, H, W) float32, labels (N,) int64)`` for the DataLoader."""
        samples = [self[int(i)] for i in np.asarray(indices).reshape(-1)]
        images = [image for image, _ in samples]
        shapes = {np.shape(image) for image in images}
        if len(shapes) > 1:
            raise ValueError(f"ImageFolder: cannot batch images of different sizes {sorted(shapes)}; "
                             "pass image_size=(height, width) to resize them all")
        targets = np.array([target for _, target in samples])
        return np.stack(images), targets.astype(np.int64) if self.target_transform is None else targets

    def to_arrays(self):
        """Every sample at once, ``(images, labels)``, for Keras-style ``fit(x, y)``."""
        return self.get_batch(np.arange(len(self)))

    def __repr__(self):
        return (f"ImageFolder(root={str(self.root)!r}, samples={len(self)}, classes={self.classes}, "
                f"image_size={self.image_size})")
