"""glassnet.vision: torchvision's datasets, io and utils, and glassnet.utils.data under torch's path.

References are the raw file formats read here byte by byte, Pillow, and
loops written out by hand; torchvision itself when it is importable.
"""

import gzip
import shutil

import numpy as np
import pytest
from conftest import data_dir, needs
from PIL import Image

import glassnet
import glassnet.vision as torchvision
from glassnet.data.datasets import ChecksumError, DatasetNotFoundError
from glassnet.vision import datasets, io, transforms, utils


def _idx_payload(path, header):
    """An IDX file's numbers, read directly: skip ``header`` bytes of magic and sizes."""
    return np.frombuffer(gzip.decompress(path.read_bytes()), dtype=np.uint8, offset=header)


# ----------------------------------------------------------------- the package and torch.utils.data
def test_package_layout_matches_torchvision_and_torch_utils():
    from glassnet.utils import data
    from glassnet.utils.data.sampler import SubsetRandomSampler

    assert torchvision.models is glassnet.models and torchvision.models.resnet18 is glassnet.models.resnet18
    assert data.DataLoader is glassnet.data.DataLoader and data.get_worker_info() is None
    assert SubsetRandomSampler is glassnet.data.SubsetRandomSampler
    for name in ("Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
                 "default_collate", "Sampler", "RandomSampler", "BatchSampler", "WeightedRandomSampler"):
        assert hasattr(data, name), name
    loader = data.DataLoader(data.TensorDataset(np.arange(6.0)), batch_size=4)
    assert [b[0].shape for b in loader] == [(4,), (2,)]


# ----------------------------------------------------------------- Fashion-MNIST, real files
def test_fashion_mnist_items_are_pil_images_with_torchvision_attributes():
    needs("fashion-mnist")
    test = datasets.FashionMNIST(root="unused-folder", train=False)
    raw = data_dir() / "fashion-mnist"
    pixels = _idx_payload(raw / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    labels = _idx_payload(raw / "t10k-labels-idx1-ubyte.gz", 8)
    assert len(test) == 10000 and test.data.dtype == np.uint8 and test.targets.dtype == np.int64
    np.testing.assert_array_equal(test.data.array, pixels)
    np.testing.assert_array_equal(test.targets.array, labels)
    image, label = test[-1]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert isinstance(label, int) and label == labels[-1]
    np.testing.assert_array_equal(np.asarray(image), pixels[-1])
    assert test.classes[9] == "Ankle boot" and test.class_to_idx["Trouser"] == 1
    assert "Split: Test" in repr(test)


def test_d2l_pipeline_resize_to_tensor_through_the_dataloader():
    needs("fashion-mnist")
    trans = transforms.Compose([transforms.Resize(32), transforms.ToTensor()])
    val = datasets.FashionMNIST(root="../data", train=False, transform=trans, download=True)
    loader = glassnet.utils.data.DataLoader(val, 64, shuffle=False)
    X, y = next(iter(loader))
    assert X.shape == (64, 1, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64
    pixels = _idx_payload(data_dir() / "fashion-mnist" / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    resized = np.asarray(Image.fromarray(pixels[3]).resize((32, 32), Image.Resampling.BILINEAR))
    np.testing.assert_array_equal(X.array[3, 0], resized.astype(np.float32) / np.float32(255))


def test_torchvision_layout_under_root_is_read_and_checked(tmp_path):
    needs("fashion-mnist")
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):  # as torchvision leaves them: unzipped
        (raw / name).write_bytes(gzip.decompress((data_dir() / "fashion-mnist" / f"{name}.gz").read_bytes()))
    test = datasets.FashionMNIST(root=tmp_path, train=False)
    assert test.source == raw and len(test) == 10000
    broken = bytearray((raw / "t10k-labels-idx1-ubyte").read_bytes())
    broken[100] ^= 1
    (raw / "t10k-labels-idx1-ubyte").write_bytes(bytes(broken))
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        datasets.FashionMNIST(root=tmp_path, train=False)
    assert (raw / "t10k-labels-idx1-ubyte").is_file()  # the user's file is reported, not deleted


def test_glassnet_layout_under_root_is_used(tmp_path):
    needs("fashion-mnist")
    shutil.copytree(data_dir() / "fashion-mnist", tmp_path / "fashion-mnist")
    assert datasets.FashionMNIST(root=tmp_path, train=False).source == tmp_path / "fashion-mnist"


def test_missing_dataset_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))
    where = r"MNIST/raw \(torchvision's layout\) nor .*mnist \(glassnet's\)"
    with pytest.raises(DatasetNotFoundError, match=where):
        datasets.MNIST(root=tmp_path, train=True, download=False)


# ----------------------------------------------------------------- CIFAR-10, small files in the binary format
def test_cifar10_binary_batches_under_root(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(0)
    records = rng.integers(0, 256, (3, 1 + 3072), dtype=np.uint8)
    records[:, 0] = [7, 0, 9]
    (folder / "test_batch.bin").write_bytes(records.tobytes())
    test = datasets.CIFAR10(root=tmp_path, train=False, transform=transforms.PILToTensor())
    assert test.data.shape == (3, 32, 32, 3) and test.targets == [7, 0, 9]
    image, label = test[0]
    # One record: the label byte, then the red, green and blue planes, each 32 rows of 32.
    np.testing.assert_array_equal(image.array, records[0, 1:].reshape(3, 32, 32))
    assert label == 7 and datasets.CIFAR10(root=tmp_path, train=False)[2][0].mode == "RGB"
    assert test.classes[7] == "horse" and test.class_to_idx["airplane"] == 0
    # torchvision's pickled copy is not read: the error says so.
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))
    (tmp_path / "other" / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="does not unpickle"):
        datasets.CIFAR10(root=tmp_path / "other", train=False)


# ----------------------------------------------------------------- ImageFolder
def _save(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return pixels


def test_image_folder_lists_classes_and_files_as_torchvision(tmp_path):
    rng = np.random.default_rng(0)
    dog = _save(tmp_path / "dog" / "b.png", rng.integers(0, 256, (5, 6, 3), dtype=np.uint8))
    _save(tmp_path / "dog" / "nested" / "a.png", rng.integers(0, 256, (5, 6, 3), dtype=np.uint8))
    gray = _save(tmp_path / "cat" / "x.PNG", rng.integers(0, 256, (4, 4), dtype=np.uint8))
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    folder = datasets.ImageFolder(tmp_path)
    assert folder.classes == ["cat", "dog"] and folder.class_to_idx == {"cat": 0, "dog": 1}
    assert [(p.removeprefix(str(tmp_path)), t) for p, t in folder.samples] == [
        ("/cat/x.PNG", 0), ("/dog/b.png", 1), ("/dog/nested/a.png", 1)]
    assert folder.targets == [0, 1, 1] and folder.imgs == folder.samples
    image, label = folder[0]
    assert image.mode == "RGB" and label == 0  # grey files are converted, as torchvision's loader does
    np.testing.assert_array_equal(np.asarray(image)[:, :, 2], gray)
    np.testing.assert_array_equal(np.asarray(folder[1][0]), dog)
    only_b = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith("b.png"), allow_empty=True)
    assert [t for _, t in only_b.samples] == [1]
    with pytest.raises(FileNotFoundError, match="no file accepted by is_valid_file in the class folder"):
        datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith("b.png"))
    with pytest.raises(ValueError, match="exactly one of them"):
        datasets.DatasetFolder(tmp_path, datasets.default_loader, extensions=(".png",), is_valid_file=bool)


# ----------------------------------------------------------------- io
@pytest.mark.parametrize("mode, channels", [("RGB", 3), ("RGBA", 4), ("L", 1), ("LA", 2)])
def test_read_image_gives_chw_uint8(tmp_path, mode, channels):
    shape = (6, 7) if channels == 1 else (6, 7, channels)
    pixels = _save(tmp_path / "a.png", np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8))
    out = io.read_image(str(tmp_path / "a.png"))
    assert out.dtype == np.uint8 and out.shape == (channels, 6, 7)
    np.testing.assert_array_equal(out.array, pixels.reshape(6, 7, channels).transpose(2, 0, 1))
    np.testing.assert_array_equal(io.decode_image(io.read_file(tmp_path / "a.png")).array, out.array)


def test_read_image_modes_and_palettes(tmp_path):
    pixels = np.random.default_rng(3).integers(0, 256, (5, 5, 3), dtype=np.uint8)
    Image.fromarray(pixels).convert("P").save(tmp_path / "p.png")
    expected = np.asarray(Image.open(tmp_path / "p.png").convert("RGB")).transpose(2, 0, 1)
    np.testing.assert_array_equal(io.read_image(tmp_path / "p.png").array, expected)
    gray = io.read_image(tmp_path / "p.png", io.ImageReadMode.GRAY)
    np.testing.assert_array_equal(gray.array[0], np.asarray(Image.open(tmp_path / "p.png").convert("L")))
    io.write_jpeg(glassnet.from_numpy(pixels.transpose(2, 0, 1).copy()), tmp_path / "j.jpg", quality=90)
    decoded = np.asarray(Image.open(tmp_path / "j.jpg")).transpose(2, 0, 1)
    np.testing.assert_array_equal(io.read_image(tmp_path / "j.jpg").array, decoded)


# ----------------------------------------------------------------- utils
def _grid_by_hand(images, nrow, padding, pad_value):
    count, channels, h, w = images.shape
    columns = min(nrow, count)
    rows = -(-count // columns)
    grid = np.full((channels, rows * (h + padding) + padding, columns * (w + padding) + padding), pad_value)
    for k in range(count):
        r, c = divmod(k, columns)
        for y in range(h):
            for x in range(w):
                grid[:, padding + r * (h + padding) + y, padding + c * (w + padding) + x] = images[k, :, y, x]
    return grid


def test_make_grid_tiles_pads_and_normalises():
    images = np.random.default_rng(4).random((5, 3, 4, 6)).astype(np.float32)
    grid = utils.make_grid(glassnet.tensor(images), nrow=2, padding=3, pad_value=0.5)
    np.testing.assert_array_equal(grid.array, _grid_by_hand(images, 2, 3, 0.5))
    gray = utils.make_grid(glassnet.tensor(images[:, :1] * 4 - 1), normalize=True)
    x = images[:, :1] * 4 - 1
    expected = np.repeat((x - x.min()) / (x.max() - x.min()), 3, axis=1)
    np.testing.assert_allclose(gray.array, _grid_by_hand(expected, 8, 2, 0.0), rtol=1e-6)
    each = utils.make_grid(glassnet.tensor(images * 3), normalize=True, scale_each=True, value_range=(0, 1.5))
    np.testing.assert_allclose(each.array, _grid_by_hand(np.clip(images * 2, 0, 1), 8, 2, 0.0), rtol=1e-6)
    assert utils.make_grid(glassnet.tensor(images[0])).shape == (3, 4, 6)  # one image: no frame


def test_save_image_rounds_to_bytes(tmp_path):
    images = np.random.default_rng(5).random((2, 3, 4, 4)).astype(np.float32)
    utils.save_image(glassnet.tensor(images), tmp_path / "grid.png", nrow=1, padding=0)
    saved = np.asarray(Image.open(tmp_path / "grid.png"))
    expected = np.floor(np.concatenate(list(images), axis=1) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(saved, expected)


def test_grid_and_folder_against_torchvision(tmp_path):
    try:
        import torch
        import torchvision as real
    except Exception:  # absent, or built for another torch
        pytest.skip("torchvision is not importable; the hand-written references above stand in for it")
    images = np.random.default_rng(6).random((5, 1, 4, 6)).astype(np.float32) * 3 - 1
    for options in ({}, {"nrow": 2, "padding": 3, "pad_value": 0.5}, {"normalize": True},
                    {"normalize": True, "scale_each": True, "value_range": (0, 1.5)}):
        np.testing.assert_array_equal(utils.make_grid(glassnet.tensor(images), **options).array,
                                      real.utils.make_grid(torch.tensor(images), **options).numpy())
    for name in ("cat/1.png", "cat/sub/0.jpg", "dog/2.png"):
        _save(tmp_path / name, np.zeros((3, 3), np.uint8))
    (tmp_path / "dog" / "x.txt").touch()
    ours, theirs = datasets.ImageFolder(tmp_path), real.datasets.ImageFolder(str(tmp_path))
    assert (ours.samples, ours.classes, ours.targets) == (theirs.samples, theirs.classes, theirs.targets)
