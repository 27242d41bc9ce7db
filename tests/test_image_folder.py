"""ImageFolder on a tiny folder of PNG and JPEG files that each test writes itself with Pillow."""

import numpy as np
import pytest
from PIL import Image

from glassnet.data import DataLoader, ImageFolder
from glassnet.data.image_folder import ImageLoadError


def write(path, color, size=(6, 4), mode="RGB"):
    """A solid-colour test image of ``size`` (width, height); PNG is lossless, JPEG nearly exact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "train"
    write(root / "dogs" / "dog.0.png", (255, 0, 0))
    write(root / "dogs" / "dog.1.jpg", (0, 0, 255), size=(9, 7))
    write(root / "cats" / "cat.0.png", (0, 255, 0))
    write(root / "cats" / "cat.1.PNG", (255, 255, 255), mode="RGBA")
    (root / "cats" / "notes.txt").write_text("not an image")
    (root / ".ipynb_checkpoints").mkdir()
    return root


def test_classes_sorted_and_samples_labelled(folder):
    data = ImageFolder(folder, image_size=(5, 3))
    assert data.classes == ["cats", "dogs"]
    assert data.class_to_idx == {"cats": 0, "dogs": 1}
    assert [p.name for p, _ in data.samples] == ["cat.0.png", "cat.1.PNG", "dog.0.png", "dog.1.jpg"]
    assert data.targets.dtype == np.int64 and data.targets.tolist() == [0, 0, 1, 1]
    image, label = data[2]
    assert image.shape == (3, 5, 3) and image.dtype == np.float32 and label == 1
    np.testing.assert_allclose(image[:, 0, 0], [1, 0, 0])  # red, scaled to [0, 1]
    np.testing.assert_allclose(data[1][0], 1.0)  # RGBA white -> RGB white
    blue = data[-1][0]
    np.testing.assert_allclose(blue[:, 2, 1], [0, 0, 1], atol=0.02)  # JPEG is lossy


def test_grayscale_and_int_size(folder):
    data = ImageFolder(folder, image_size=4, grayscale=True)
    image, _ = data[2]
    assert image.shape == (1, 4, 4)
    np.testing.assert_allclose(image, 76 / 255, atol=1 / 255)  # Pillow's luma of pure red: 0.299 * 255


def test_dataloader_batches_and_to_arrays(folder):
    data = ImageFolder(folder, image_size=(8, 8), cache=True)
    batches = list(DataLoader(data, batch_size=3))
    assert [tuple(x.shape) for x, _ in batches] == [(3, 3, 8, 8), (1, 3, 8, 8)]
    assert batches[0][1].numpy().tolist() == [0, 0, 1]
    x, y = data.to_arrays()
    assert x.shape == (4, 3, 8, 8) and y.tolist() == [0, 0, 1, 1]
    # Cached: deleting the files does not matter any more.
    for path, _ in data.samples:
        path.unlink()
    np.testing.assert_array_equal(data.to_arrays()[0], x)


def test_different_sizes_need_image_size(folder):
    with pytest.raises(ValueError, match="image_size"):
        ImageFolder(folder).to_arrays()


def test_transform_is_applied_per_sample(folder):
    data = ImageFolder(folder, image_size=2, transform=lambda im: im * 2, target_transform=lambda t: t + 10)
    image, label = data[0]
    np.testing.assert_allclose(image, 2 * ImageFolder(folder, image_size=2)[0][0])
    assert label == 10


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "empty_root").mkdir()
    with pytest.raises(FileNotFoundError, match="no class folders"):
        ImageFolder(tmp_path / "empty_root")
    root = tmp_path / "one_empty"
    write(root / "cats" / "a.png", (1, 2, 3))
    (root / "dogs").mkdir()
    with pytest.raises(FileNotFoundError, match="dogs"):
        ImageFolder(root)
    bad = root / "dogs" / "broken.jpg"
    bad.write_bytes(b"this is not a jpeg")
    data = ImageFolder(root)
    with pytest.raises(ImageLoadError, match="broken.jpg"):
        data[1]
