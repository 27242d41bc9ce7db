"""Batch-wise image transforms: exact geometric cases, seeding, and use inside a DataLoader."""

import numpy as np
import pytest

import glassnet
from glassnet.data import DataLoader, TensorDataset
from glassnet.data import transforms as T


def images(n=6, c=3, h=8, w=8, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w)).astype(np.float32)


ALL_RANDOM = [
    lambda s: T.RandomHorizontalFlip(seed=s),
    lambda s: T.RandomVerticalFlip(seed=s),
    lambda s: T.RandomCrop(8, padding=2, seed=s),
    lambda s: T.RandomRotation(30, seed=s),
    lambda s: T.RandomRotation(30, interpolation="bilinear", seed=s),
    lambda s: T.RandomTranslation(0.25, seed=s),
    lambda s: T.RandomZoom(0.3, interpolation="bilinear", seed=s),
    lambda s: T.ColorJitter(brightness=0.4, contrast=0.4, seed=s),
    lambda s: T.RandomAffine(20, translate=0.1, scale=(0.8, 1.2), seed=s),
]


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_shape_dtype_determinism_and_input_untouched(make):
    x = images()
    before = x.copy()
    a, b = make(3)(x), make(3)(x)
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(x, before)
    different = [make(s)(x) for s in range(4, 8)]
    assert any(not np.array_equal(a, d) for d in different), "the seed has no effect"


def test_global_generator_is_used_without_a_seed():
    x, flip = images(n=32), T.RandomRotation(45)
    glassnet.manual_seed(7)
    a = flip(x)
    glassnet.manual_seed(7)
    np.testing.assert_array_equal(a, flip(x))


def test_flip_twice_is_identity_per_sample():
    x = images(n=20)
    flip = T.RandomHorizontalFlip(p=0.5, seed=0)
    once = flip(x)
    flipped = np.array([not np.array_equal(o, s) for o, s in zip(once, x)])
    assert 0 < flipped.sum() < len(x)
    np.testing.assert_array_equal(once[flipped], x[flipped][..., ::-1])
    always = T.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(always(always(x)), x)


def test_crop_with_padding_keeps_content_aligned():
    x = images(n=10, h=6, w=7)
    out = T.RandomCrop((6, 7), padding=3, seed=1)(x)
    for o, s in zip(out, x):
        padded = np.pad(s, ((0, 0), (3, 3), (3, 3)))
        windows = [(i, j) for i in range(7) for j in range(7)
                   if np.array_equal(padded[:, i:i + 6, j:j + 7], o)]
        assert windows, "the crop is not a window of the padded image"
    assert T.RandomCrop(4, seed=0)(x).shape == (10, 3, 4, 4)
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(9)(x)


def test_normalize_matches_formula_and_checks_channels():
    x = images(c=3)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    expected = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(T.Normalize(mean, std)(x), expected, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="channels"):
        T.Normalize([0.1, 0.2], [1, 1])(x)


def test_to_float_and_rescale():
    pixels = np.array([[[[0, 255, 51]]]], dtype=np.uint8)
    np.testing.assert_allclose(T.ToFloat()(pixels), [[[[0, 1, 0.2]]]], rtol=1e-6)
    np.testing.assert_allclose(T.Rescale(1 / 127.5, -1)(pixels), [[[[-1, 1, -0.6]]]], rtol=1e-6)
    assert T.ToFloat()(pixels).dtype == np.float32


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_rotation_by_zero_is_identity(interpolation):
    x = images(h=7, w=5)
    np.testing.assert_array_equal(T.RandomRotation(0, interpolation=interpolation)(x), x)


def test_rotation_by_90_on_a_square_is_rot90():
    x = images(h=6, w=6)
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(x), np.rot90(x, 1, axes=(2, 3)))
    np.testing.assert_array_equal(T.RandomRotation((-90, -90))(x), np.rot90(x, -1, axes=(2, 3)))
    bilinear = T.RandomRotation((90, 90), interpolation="bilinear")(x)
    np.testing.assert_allclose(bilinear, np.rot90(x, 1, axes=(2, 3)), atol=1e-6)


def test_integer_translation_shifts_and_fills():
    x = images(n=1, h=5, w=5)
    # An exact (1, -2) shift through the inverse map: output (i, j) reads input (i - 1, j + 2).
    out = T.affine_sample(x, np.eye(2)[None], np.array([[-1.0, 2.0]]), fill=-5)
    np.testing.assert_array_equal(out[0, :, 1:, :3], x[0, :, :4, 2:])
    assert (out[0, :, 0, :] == -5).all() and (out[0, :, :, 3:] == -5).all()


def test_zoom_in_by_two_magnifies_the_centre():
    x = np.zeros((1, 1, 9, 9), np.float32)
    x[0, 0, 4, 4] = 1  # one bright centre pixel becomes a 3x3 blob under nearest sampling
    out = T.RandomZoom((2.0, 2.0))(x)
    assert out[0, 0].sum() > 1 and out[0, 0, 4, 4] == 1
    shrunk = T.RandomZoom((0.5, 0.5), fill=7.0)(np.ones((1, 1, 9, 9), np.float32))
    assert shrunk[0, 0, 0, 0] == 7.0 and shrunk[0, 0, 4, 4] == 1.0


def test_color_jitter_clips_and_keeps_constant_images_constant():
    flat = np.full((4, 3, 5, 5), 0.5, np.float32)
    out = T.ColorJitter(brightness=0.5, contrast=0.9, seed=0)(flat)
    for o in out:  # contrast leaves a constant image constant; brightness scales it
        assert np.ptp(o) < 1e-6 and 0.25 - 1e-6 <= o[0, 0, 0] <= 0.75 + 1e-6
    bright = T.ColorJitter(brightness=(3.0, 3.0))(images())
    assert bright.max() <= 1.0 and bright.min() >= 0.0


def test_single_image_and_bad_rank():
    x = images(n=1)[0]
    assert T.RandomRotation(10, seed=0)(x).shape == x.shape
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        T.Normalize([0], [1])(np.zeros((2, 3)))


def test_compose_and_dataloader_apply_per_batch():
    pixels = np.random.default_rng(0).integers(0, 256, (10, 1, 6, 6), dtype=np.uint8)
    labels = np.arange(10)
    calls = []

    def spy(batch):
        calls.append(batch.shape)
        return batch

    pipeline = T.Compose([T.ToFloat(), T.RandomHorizontalFlip(p=1.0), T.Normalize([0.5], [0.5]), spy])
    loader = DataLoader(TensorDataset(pixels, labels), batch_size=4, transform=pipeline)
    batches = list(loader)
    assert calls == [(4, 1, 6, 6), (4, 1, 6, 6), (2, 1, 6, 6)]
    x0, y0 = batches[0]
    expected = (pixels[:4, ..., ::-1] / 255.0 - 0.5) / 0.5
    np.testing.assert_allclose(x0.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(y0.numpy(), labels[:4])
    assert "RandomHorizontalFlip" in repr(pipeline)
