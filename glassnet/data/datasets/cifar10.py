"""CIFAR-10: 60,000 colour images of 32x32 pixels in 10 classes (Krizhevsky, 2009).

Two ways in, as in the two books:

* PyTorch style: ``CIFAR10(train=True)`` is a ``Dataset`` with ``.data``
  (uint8, N x 32 x 32 x 3, channels last like torchvision's and Keras') and
  ``.targets`` (int64, N); ``channels_first=True`` gives N x 3 x 32 x 32,
  ready for ``Conv2d`` and the batch transforms of ``glassnet.data.transforms``;
* Keras style: ``cifar10.load_data()`` returns ``((x_train, y_train), (x_test,
  y_test))`` with x uint8 (N, 32, 32, 3) and y uint8 (N, 1), as Keras does.

We read the *binary* version of the archive, not the Python one: the Python
version stores each batch as a pickle, and unpickling runs whatever code the
file names, so a tampered file could execute code. The binary version is
plain fixed-size records: one label byte, then 1024 red, 1024 green and 1024
blue bytes, each plane a 32x32 image row by row.

The archive (170,052,171 bytes) is cached as ``<data root>/cifar-10/cifar-10-binary.tar.gz``
and checked by SHA-256 on every extraction; a fresh download is also checked
against the MD5 that the dataset's page publishes. Its six data files are
extracted once, next to it, into ``cifar-10-batches-bin/``; delete that
folder to extract them again.
"""

import hashlib
import io
import tarfile

import numpy as np

from ._download import Resource, data_root, fetch, register
from ._labelled import LabelledArrays

FOLDER = "cifar-10"
ARCHIVE = "cifar-10-binary.tar.gz"
MEMBER_DIR = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# MD5 from https://www.cs.toronto.edu/~kriz/cifar.html; SHA-256 as recorded by
# independent verifications of that same 170,052,171-byte file.
MD5 = {ARCHIVE: "c32a1d4ab5d03f1284b67883e8d87530"}
SHA256 = {ARCHIVE: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"}
_RECORD = 1 + 3 * 32 * 32


class CIFARFormatError(ValueError):
    """A CIFAR-10 file does not have the binary format's layout."""


def _check_md5(content):
    """Download hook: reject bytes whose MD5 is not the published one (the helpers then check SHA-256)."""
    got = hashlib.md5(content, usedforsecurity=False).hexdigest()
    if got != MD5[ARCHIVE]:
        raise ValueError(f"MD5 mismatch for {ARCHIVE}: expected {MD5[ARCHIVE]}, got {got}")
    return content


register(FOLDER, [Resource(ARCHIVE, (f"https://www.cs.toronto.edu/~kriz/{ARCHIVE}",), SHA256[ARCHIVE],
                           convert=_check_md5)])


def parse_batch(content, name="<bytes>"):
    """One binary batch file: ``(images uint8 (N, 32, 32, 3), labels uint8 (N,))``."""
    if len(content) == 0 or len(content) % _RECORD:
        raise CIFARFormatError(f"{name}: {len(content)} bytes is not a whole number of {_RECORD}-byte "
                               "records (1 label byte + 3072 pixel bytes); the file is truncated or not "
                               "from the binary version of CIFAR-10")
    records = np.frombuffer(content, dtype=np.uint8).reshape(-1, _RECORD)
    labels = records[:, 0].copy()
    if labels.max() >= len(CLASSES):
        raise CIFARFormatError(f"{name}: label {labels.max()} is out of range; CIFAR-10 labels are 0 to 9")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _extract(root, download):
    """Verify the archive and write its six data files into ``MEMBER_DIR``."""
    content = fetch(FOLDER, ARCHIVE, root, download)
    target = data_root(root) / FOLDER / MEMBER_DIR
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        for name in TRAIN_FILES + TEST_FILES:
            # Only the expected regular files, written under our own names: a
            # member path such as "../x" or a link can never place a file elsewhere.
            try:
                member = archive.getmember(f"{MEMBER_DIR}/{name}")
            except KeyError:
                raise CIFARFormatError(f"{ARCHIVE} has no member {MEMBER_DIR}/{name}") from None
            if not member.isfile():
                raise CIFARFormatError(f"{ARCHIVE}: {member.name} is not a regular file")
            data = archive.extractfile(member).read()
            parse_batch(data, f"{ARCHIVE}:{member.name}")
            partial = target / f".{name}.part"
            partial.write_bytes(data)
            partial.replace(target / name)


def load_split(train=True, root=None, download=True):
    """``(images uint8 (N, 32, 32, 3), labels uint8 (N,))`` of one split, extracting on first use."""
    names = TRAIN_FILES if train else TEST_FILES
    directory = data_root(root) / FOLDER / MEMBER_DIR
    if not all((directory / n).is_file() for n in names):
        _extract(root, download)
    parts = [parse_batch((directory / n).read_bytes(), str(directory / n)) for n in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def load_data(root=None, download=True):
    """Keras' ``cifar10.load_data()``: x uint8 (N, 32, 32, 3), y uint8 (N, 1)."""
    (x_train, y_train), (x_test, y_test) = (load_split(s, root, download) for s in (True, False))
    return (x_train, y_train[:, None]), (x_test, y_test[:, None])


class CIFAR10(LabelledArrays):
    """CIFAR-10 as a ``Dataset`` of ``(image, label)`` pairs, like torchvision's.

    ``root`` is the data root (the folder holding ``cifar-10/``). ``.data`` is
    uint8, (N, 32, 32, 3), or (N, 3, 32, 32) with ``channels_first=True``;
    ``.targets`` is int64; ``.classes`` names the labels. Without transforms
    the DataLoader batches straight from ``.data`` and ``.targets``.
    """

    classes = CLASSES

    def __init__(self, root=None, train=True, download=True, transform=None, target_transform=None,
                 channels_first=False):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        images, labels = load_split(train, root, download)
        self.data = np.ascontiguousarray(images.transpose(0, 3, 1, 2)) if channels_first else images
        self.targets = labels.astype(np.int64)
        self.class_to_idx = {name: i for i, name in enumerate(CLASSES)}

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"CIFAR10(split={split!r}, samples={len(self)}, shape={self.data.shape[1:]})"
