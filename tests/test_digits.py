"""The embedded digits: shape, checksum, and that they are exactly the MNIST images they claim to be."""

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import data_dir

from glassnet.data import DataLoader, datasets
from glassnet.data.datasets import ChecksumError, digits, mnist

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_digits.py"


def real_mnist():
    root = data_dir()
    if root is None or not (root / "mnist").is_dir():
        pytest.skip("real data not available: GLASSNET_DATA has no 'mnist/' folder")
    return root


def test_shapes_dtypes_and_size():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (18_000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (2_000, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (18_000,) and y_train.dtype == np.int64
    assert y_test.shape == (2_000,) and y_test.dtype == np.int64
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert digits.FILE.stat().st_size <= 3 * 1024 * 1024


def test_images_are_the_mnist_images_they_name():
    root = real_mnist()
    (mx_train, my_train), (mx_test, my_test) = mnist.load_data(root=root, download=False)
    arrays = digits.load_arrays()
    for split, (images, labels) in (("train", (mx_train, my_train)), ("test", (mx_test, my_test))):
        index = arrays[f"{split}_index"].astype(np.int64)
        assert np.all(np.diff(index) > 0)  # distinct, in file order
        np.testing.assert_array_equal(arrays[f"x_{split}"], images[index])
        np.testing.assert_array_equal(arrays[f"y_{split}"], labels[index])
        # Stratified: each class within one sample of its share of the whole split.
        share = np.bincount(labels, minlength=10) / len(labels) * len(index)
        assert np.all(np.abs(np.bincount(arrays[f"y_{split}"], minlength=10) - share) < 1)


def test_script_selects_the_shipped_arrays():
    # The selection, not the compression: compressing takes most of a minute on a slow machine.
    # `python scripts/make_digits.py --check` compares the rebuilt file byte for byte.
    root = real_mnist()
    spec = importlib.util.spec_from_file_location("make_digits", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rebuilt, shipped = script.select(root), digits.load_arrays()
    assert sorted(rebuilt) == sorted(shipped)
    for key in shipped:
        np.testing.assert_array_equal(rebuilt[key], shipped[key])


def test_checksum_is_verified(tmp_path):
    bad = tmp_path / "digits.npz"
    shutil.copy(digits.FILE, bad)
    content = bytearray(bad.read_bytes())
    content[len(content) // 2] ^= 0xFF
    bad.write_bytes(bytes(content))
    with pytest.raises(ChecksumError, match="digits.load_data: SHA-256 mismatch"):
        digits.load_data(bad)
    with pytest.raises(FileNotFoundError, match="installation is incomplete"):
        digits.load_data(tmp_path / "absent.npz")


def test_dataset_class_and_listing():
    test = digits.Digits(train=False)
    assert len(test) == 2_000 and "test" in repr(test)
    image, label = test[3]
    assert image.shape == (28, 28) and isinstance(label, int)
    x, y = next(iter(DataLoader(test, batch_size=16)))
    assert tuple(x.shape) == (16, 28, 28) and tuple(y.shape) == (16,)
    info = {i.name: i for i in datasets.available()}["digits"]
    assert info.cached and info.missing == []
