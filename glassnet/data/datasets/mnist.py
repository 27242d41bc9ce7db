"""MNIST and Fashion-MNIST: 28x28 grey images in LeCun's IDX format.

Two ways in, as in the two books:

* PyTorch style: ``MNIST(train=True)`` is a ``Dataset`` with ``.data``
  (uint8, N x 28 x 28) and ``.targets`` (int64, N);
* Keras style: ``mnist.load_data()`` returns
  ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays.

Files are cached as ``<data root>/mnist/*.gz`` and ``<data root>/fashion-mnist/*.gz``.
Their SHA-256 is checked on the uncompressed IDX bytes, so a re-gzipped copy
of the same data is accepted.
"""

import numpy as np

from ._download import Resource, fetch, read_content, register
from ._labelled import LabelledArrays

# IDX type byte -> big-endian dtype (the format is always big-endian).
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IDXFormatError(ValueError):
    """The bytes are not a well-formed IDX file."""


def parse_idx(content, name="<bytes>", ndim=None):
    """Decode IDX bytes into an array, checking the header against the payload.

    Header: two zero bytes, a type byte, the number of dimensions, then one
    big-endian uint32 per dimension. ``ndim`` (if given) is the number of
    dimensions the caller expects, e.g. 3 for images and 1 for labels.
    """
    if len(content) < 4:
        raise IDXFormatError(f"{name}: {len(content)} bytes is too short for an IDX header (4 bytes or more)")
    zero, type_code, dims = content[:2], content[2], content[3]
    magic = int.from_bytes(content[:4], "big")
    if zero != b"\x00\x00" or type_code not in _IDX_TYPES:
        raise IDXFormatError(
            f"{name}: bad IDX magic number 0x{magic:08x}; expected 0x0000TTDD with a type TT in "
            f"{sorted(hex(t) for t in _IDX_TYPES)} (e.g. 0x00000803 for images, 0x00000801 for labels)"
        )
    if ndim is not None and dims != ndim:
        raise IDXFormatError(f"{name}: IDX file has {dims} dimensions (magic 0x{magic:08x}), expected {ndim}")
    header = 4 + 4 * dims
    if len(content) < header:
        raise IDXFormatError(
            f"{name}: truncated header; {dims} dimensions need {header} bytes, got {len(content)}"
        )
    shape = tuple(int.from_bytes(content[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    payload = len(content) - header
    if payload != expected:
        state = "truncated" if payload < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{name}: file {state}; shape {shape} of {dtype.name} needs {expected} payload bytes, "
            f"got {payload}"
        )
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_idx(path, ndim=None):
    """Read an IDX file from disk (``.gz`` files are decompressed)."""
    return parse_idx(read_content(path, str(path).endswith(".gz")), str(path), ndim)


_FILES = {
    True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _resources(mirrors, hashes):
    names = _FILES[True] + _FILES[False]
    return [
        Resource(name, tuple(m + name for m in mirrors), hashes[name.removesuffix(".gz")], gzip=True)
        for name in names
    ]


# torchvision's mirror first: yann.lecun.com often refuses automated downloads.
_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)

MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FASHION_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
register("mnist", _resources(_MNIST_MIRRORS, MNIST_SHA256))
register("fashion-mnist", _resources(_FASHION_MIRRORS, FASHION_SHA256))


def load_split(folder, train=True, root=None, download=True):
    """``(images uint8 N x H x W, labels uint8 N)`` of one split, verified and parsed."""
    image_name, label_name = _FILES[bool(train)]
    images = parse_idx(fetch(folder, image_name, root, download), f"{folder}/{image_name}", ndim=3)
    labels = parse_idx(fetch(folder, label_name, root, download), f"{folder}/{label_name}", ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{folder}: expected uint8 images and labels, got {images.dtype} and {labels.dtype}"
        )
    if len(images) != len(labels):
        raise IDXFormatError(
            f"{folder}: {image_name} holds {len(images)} images but {label_name} holds {len(labels)} labels"
        )
    return images, labels


def load_data(root=None, download=True):
    """Keras' ``mnist.load_data()``: ``((x_train, y_train), (x_test, y_test))``, all uint8."""
    return load_split("mnist", True, root, download), load_split("mnist", False, root, download)


class MNIST(LabelledArrays):
    """The MNIST digits as a ``Dataset`` of ``(image, label)`` pairs, like torchvision's.

    ``root`` is the data root (the folder holding ``mnist/``), by default
    ``$GLASSNET_DATA`` or ``~/.cache/glassnet``. ``dataset[i]`` is a uint8
    28x28 array and an int, each passed through ``transform`` /
    ``target_transform`` when given. Without transforms the DataLoader
    batches straight from ``.data`` and ``.targets``.
    """

    folder = "mnist"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, download=True, transform=None, target_transform=None):
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images, labels = load_split(self.folder, train, root, download)
        self.data = images
        self.targets = labels.astype(np.int64)

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, samples={len(self)})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format as MNIST, ten kinds of clothing."""

    folder = "fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
