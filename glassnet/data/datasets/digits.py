"""Digits: a fixed sample of real MNIST that ships inside glassnet, so it works offline.

20,000 real MNIST digits: 18,000 from the training split and 2,000 from the
test split, drawn at random with each class in proportion to its share of
the split (a stratified sample) and kept in file order. ``train_index`` /
``test_index`` say which MNIST images they are. ``scripts/make_digits.py``
rebuilds the file from the MNIST files and explains the choice; the file's
SHA-256 is checked every time it is loaded.

A random sample rather than the first N images: the MNIST test file is
ordered by writer population, and its first images are harder than the set
as a whole, so a test accuracy on them would misstate the model.

Keras style::

    from glassnet.data.datasets import digits
    (x_train, y_train), (x_test, y_test) = digits.load_data()   # uint8 images, int64 labels
"""

import hashlib
import io
from pathlib import Path

import numpy as np

from ._download import ChecksumError
from ._labelled import LabelledArrays

FILE = Path(__file__).resolve().parent / "files" / "digits.npz"
SHA256 = "ef7b188144d5bfd992d9ffadb5762c26e357fd201f6a783afcb3cfa52e8f4d49"
DESCRIPTION = "digits: 18,000 + 2,000 real MNIST images shipped inside glassnet (no download)"
_KEYS = ("x_train", "y_train", "x_test", "y_test", "train_index", "test_index")


def load_arrays(path=None):
    """Every array in the file, by name, after checking the file's SHA-256."""
    path = FILE if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"digits.load_data: the embedded file {path} is missing; the glassnet installation is "
            "incomplete (reinstall it, or rebuild the file with scripts/make_digits.py)"
        )
    raw = path.read_bytes()
    got = hashlib.sha256(raw).hexdigest()
    if got != SHA256:
        raise ChecksumError(
            f"digits.load_data: SHA-256 mismatch for {path}:\n  expected {SHA256}\n  got      {got}\n"
            "The file is corrupt or not the one glassnet shipped; reinstall glassnet"
        )
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if sorted(arrays) != sorted(_KEYS):
        raise ValueError(f"digits.load_data: {path} holds {sorted(arrays)}, expected {sorted(_KEYS)}")
    return arrays


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``: images uint8 (N, 28, 28), labels int64 (N,)."""
    a = load_arrays(path)
    return ((a["x_train"], a["y_train"].astype(np.int64)),
            (a["x_test"], a["y_test"].astype(np.int64)))


class Digits(LabelledArrays):
    """The embedded digits as a ``Dataset`` of ``(image, label)`` pairs, like ``MNIST``."""

    classes = [str(d) for d in range(10)]

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        split = 0 if train else 1
        self.data, self.targets = load_data()[split]

    def __repr__(self):
        return f"Digits(split={'train' if self.train else 'test'!r}, samples={len(self)})"
