"""``torchvision.datasets``: MNIST, FashionMNIST, CIFAR10, ImageFolder and DatasetFolder.

As in torchvision, an item is ``(PIL image, int label)``, each passed
through ``transform`` / ``target_transform``, so a pipeline needs
``transforms.ToTensor()`` to get Tensors. The attributes are torchvision's:
``classes``, ``class_to_idx``, ``targets``, ``data`` (MNIST's as uint8
Tensors, CIFAR10's as a NumPy array and a list, as torchvision has them).

The files are read by glassnet's own loaders (``glassnet.data.datasets``:
checksums, download, cache), looked for in this order:

1. torchvision's layout under ``root``, so a folder torchvision filled can be
   reused: ``root/MNIST/raw/`` (or ``FashionMNIST``) with the IDX files, plain
   or gzipped, checked against the published SHA-256; for CIFAR-10,
   ``root/cifar-10-batches-bin/`` (the *binary* version: torchvision's own
   ``cifar-10-batches-py`` holds pickles, and unpickling a file can run code,
   so glassnet does not read it);
2. glassnet's layout under ``root``: ``root/mnist/``, ``root/fashion-mnist/``,
   ``root/cifar-10/``;
3. glassnet's data root (``$GLASSNET_DATA``, else ``~/.cache/glassnet``),
   where ``download=True`` fetches missing files. A download therefore lands
   in glassnet's cache, shared by every script, not in ``root``.
"""

import os
from pathlib import Path

import numpy as np
from PIL import Image

from ..data.dataset import Dataset
from ..data.datasets import cifar10, mnist
from ..data.datasets._download import REGISTRY, DatasetNotFoundError, _check, data_root, read_content
from ..data.image_folder import find_classes as _find_classes
from ..data.image_folder import list_samples
from ..tensor import Tensor

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class VisionDataset(Dataset):
    """What the datasets share: ``root``, the two transforms, and torchvision's ``repr``."""

    def __init__(self, root=None, transform=None, target_transform=None):
        self.root = None if root is None else os.path.expanduser(str(root))
        self.transform, self.target_transform = transform, target_transform

    def _transformed(self, sample, target):
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}"]
        lines += [line for line in self.extra_repr().splitlines() if line]
        if self.transform is not None:
            lines += [f"Transform: {self.transform!r}"]
        if self.target_transform is not None:
            lines += [f"Target transform: {self.target_transform!r}"]
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + line for line in lines)


def _index(index, length):
    """An int index from an int, a NumPy integer or a 0-d Tensor; negative ones count from the end."""
    if isinstance(index, Tensor):
        index = index.item()
    return range(length)[int(index)]


# ------------------------------------------------------------------ MNIST family
def _torchvision_idx(raw, folder, name, ndim):
    """One IDX file of torchvision's ``raw/`` folder (plain or gzipped), verified; None when absent."""
    for path, gzipped in ((raw / name.removesuffix(".gz"), False), (raw / name, True)):
        if path.is_file():
            content = read_content(path, gzipped)
            _check(content, REGISTRY[folder][name], f"file {path}")  # a bad file is reported, never deleted
            return mnist.parse_idx(content, str(path), ndim)
    return None


def _mnist_split(dataset, folder, root, train, download):
    """``(images, labels, where they came from)`` of one split, looked for in the three places in turn."""
    image_name, label_name = mnist._FILES[bool(train)]
    if root is not None:
        raw = Path(root).expanduser() / dataset / "raw"
        images, labels = (_torchvision_idx(raw, folder, name, ndim) for name, ndim in ((image_name, 3),
                                                                                          (label_name, 1)))
        if images is not None and labels is not None:
            if len(images) != len(labels):
                raise mnist.IDXFormatError(f"{raw}: {len(images)} images but {len(labels)} labels")
            return images, labels, raw
        own = data_root(root) / folder
        if (own / image_name).is_file() and (own / label_name).is_file():
            return (*mnist.load_split(folder, train, root, download=False), own)
    try:
        return (*mnist.load_split(folder, train, None, download), data_root() / folder)
    except DatasetNotFoundError as err:
        looked = "" if root is None else (f"Not found in {Path(root) / dataset / 'raw'} (torchvision's "
                                          f"layout) nor {Path(root) / folder} (glassnet's) either.\n")
        raise DatasetNotFoundError(f"{dataset}: {looked}{err}") from None


class MNIST(VisionDataset):
    """The MNIST digits: ``(PIL image 28x28 mode "L", label)``; ``data`` uint8 (N, 28, 28), ``targets``
    int64."""

    folder = "mnist"  # glassnet's folder name under a data root
    classes = list(mnist.MNIST.classes)

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform, target_transform)
        self.train = train
        images, labels, self.source = _mnist_split(type(self).__name__, self.folder, root, train, download)
        self.data = Tensor._make(images, None, 0)
        self.targets = Tensor._make(labels.astype(np.int64), None, 0)

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    @property
    def raw_folder(self):
        """Where torchvision keeps the files (``root/<class name>/raw``)."""
        return os.path.join(self.root or str(data_root()), type(self).__name__, "raw")

    def __len__(self):
        return len(self.data.array)

    def __getitem__(self, index):
        index = _index(index, len(self))
        image = Image.fromarray(self.data.array[index])
        return self._transformed(image, int(self.targets.array[index]))

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format, ten kinds of clothing."""

    folder = "fashion-mnist"
    classes = list(mnist.FashionMNIST.classes)


# ------------------------------------------------------------------ CIFAR-10
def _cifar_split(root, train, download):
    names = cifar10.TRAIN_FILES if train else cifar10.TEST_FILES
    if root is not None:
        binary = Path(root).expanduser() / cifar10.MEMBER_DIR
        if all((binary / n).is_file() for n in names):
            parts = [cifar10.parse_batch((binary / n).read_bytes(), str(binary / n)) for n in names]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), binary
        own = data_root(root) / cifar10.FOLDER
        if (own / cifar10.ARCHIVE).is_file() or all((own / cifar10.MEMBER_DIR / n).is_file() for n in names):
            return (*cifar10.load_split(train, root, download=False), own)
    try:
        return (*cifar10.load_split(train, None, download), data_root() / cifar10.FOLDER)
    except DatasetNotFoundError as err:
        note = ""
        if root is not None and (Path(root) / "cifar-10-batches-py").is_dir():
            note = (f"{Path(root) / 'cifar-10-batches-py'} is torchvision's pickled version, which glassnet "
                    f"does not unpickle (a pickle can run code); get {cifar10.ARCHIVE}.\n")
        raise DatasetNotFoundError(f"CIFAR10: {note}{err}") from None


class CIFAR10(VisionDataset):
    """CIFAR-10: ``(PIL image 32x32 RGB, label)``; ``data`` uint8 (N, 32, 32, 3) array, ``targets`` a list."""

    classes = list(cifar10.CLASSES)

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform, target_transform)
        self.train = train
        images, labels, self.source = _cifar_split(root, train, download)
        self.data = images
        self.targets = [int(label) for label in labels]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        index = _index(index, len(self))
        return self._transformed(Image.fromarray(self.data[index]), self.targets[index])

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


# ------------------------------------------------------------------ folders of files
def has_file_allowed_extension(filename, extensions):
    return str(filename).lower().endswith(tuple(e.lower() for e in extensions))


def pil_loader(path):
    with open(path, "rb") as file:
        return Image.open(file).convert("RGB")


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Files under ``root/<class>/`` (subfolders included), loaded by ``loader(path)``.

    Class names are the sorted folder names (hidden ones, such as
    ``.ipynb_checkpoints``, are skipped, unlike torchvision). A file counts
    when its name ends with one of ``extensions`` or, instead,
    ``is_valid_file(path)`` says so. ``samples`` lists ``(path, class index)``.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty=False):
        super().__init__(root, transform, target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def find_classes(directory):
        return _find_classes(directory)

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("DatasetFolder: give either extensions or is_valid_file (exactly one of them)")
        accept = is_valid_file or (lambda path: has_file_allowed_extension(path, extensions))
        samples, empty = list_samples(directory, class_to_idx, lambda path: accept(str(path)), recursive=True)
        if empty and not allow_empty:
            what = f"the extensions {', '.join(extensions)}" if extensions else "is_valid_file"
            raise FileNotFoundError(f"DatasetFolder: no file accepted by {what} in the class folder(s) "
                                    f"{', '.join(sorted(empty))} of {directory}")
        return [(str(path), target) for path, target in samples]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, target = self.samples[_index(index, len(self))]
        return self._transformed(self.loader(path), target)


class ImageFolder(DatasetFolder):
    """Images under ``root/<class>/`` as ``(PIL RGB image, class index)``, as torchvision's ImageFolder."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
