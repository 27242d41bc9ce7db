"""Keras's image preprocessing layers (glassnet/keras/layers/preprocessing_image.py) against Keras 3.

Deterministic layers (Rescaling, Resizing, CenterCrop) and the random ones
at a fixed factor are compared with Keras 3's own layers on its torch
backend; random draws are checked by their properties (a flip is exactly a
flip, a contrast change is one factor per image, seeds repeat).
"""

import numpy as np
import pytest

import glassnet
from glassnet.keras import layers, models


@pytest.fixture
def images():
    return (np.random.default_rng(0).random((3, 9, 12, 2)) * 255).astype("float32")


def run(layer, x, training=None):
    return layer(glassnet.tensor(x), training=training).array


@pytest.mark.parametrize("make", [
    lambda L: L.Rescaling(1 / 255.0, offset=-0.5),
    lambda L: L.Resizing(5, 7), lambda L: L.Resizing(20, 11),
    lambda L: L.Resizing(6, 5, interpolation="nearest"),
    lambda L: L.Resizing(5, 7, crop_to_aspect_ratio=True),
    lambda L: L.Resizing(8, 3, pad_to_aspect_ratio=True, fill_value=9.0),
    lambda L: L.Resizing(4, 9, pad_to_aspect_ratio=True),
    lambda L: L.CenterCrop(5, 7), lambda L: L.CenterCrop(9, 4), lambda L: L.CenterCrop(20, 11)])
def test_deterministic_layers_match_keras(real_keras, fresh_keras_names, images, make):
    ours, theirs = make(layers), make(real_keras.layers)
    want = np.asarray(theirs(images))
    assert run(ours, images).shape == want.shape
    np.testing.assert_allclose(run(ours, images), want, rtol=1e-5, atol=5e-4)
    np.testing.assert_allclose(run(ours, images[0]), want[0], rtol=1e-5, atol=5e-4)  # one unbatched image


@pytest.mark.parametrize("make", [
    lambda L: L.RandomRotation((0.07, 0.07), fill_mode="reflect"),
    lambda L: L.RandomRotation((-0.11, -0.11), fill_mode="constant", fill_value=3.0),
    lambda L: L.RandomRotation((0.3, 0.3), fill_mode="wrap", interpolation="nearest"),
    lambda L: L.RandomZoom((0.3, 0.3), (-0.2, -0.2), fill_mode="nearest"),
    lambda L: L.RandomTranslation((0.25, 0.25), (-0.13, -0.13))])
def test_random_warps_at_a_fixed_factor_match_keras(real_keras, fresh_keras_names, images, make):
    want = np.asarray(make(real_keras.layers)(images, training=True))
    np.testing.assert_allclose(run(make(layers), images, training=True), want, atol=5e-3)


def test_a_quarter_turn_is_rot90_and_integer_translations_move_pixels():
    x = np.random.default_rng(1).random((2, 7, 7, 3)).astype("float32")
    turned = run(layers.RandomRotation((0.25, 0.25), interpolation="nearest"), x, training=True)
    np.testing.assert_array_equal(turned, np.rot90(x, 1, axes=(1, 2)))  # positive: counter-clockwise
    moved = run(layers.RandomTranslation((2 / 7, 2 / 7), (-1 / 7, -1 / 7), fill_mode="constant"), x,
                training=True)
    np.testing.assert_allclose(moved[:, 2:, :6], x[:, :5, 1:], atol=1e-6)  # two rows down, one column left
    np.testing.assert_array_equal(moved[:, :2], 0.0)


@pytest.mark.parametrize("mode, axes", [("horizontal", [(2,)]), ("vertical", [(1,)]),
                                        ("horizontal_and_vertical", [(2,), (1,), (1, 2)])])
def test_random_flip_flips_exactly(mode, axes):
    x = np.random.default_rng(2).random((48, 4, 5, 1)).astype("float32")
    out = run(layers.RandomFlip(mode, seed=3), x, training=True)
    kinds = set()
    for original, flipped in zip(x, out):
        options = [original] + [np.flip(original, tuple(a - 1 for a in ax)) for ax in axes]
        kind = [k for k, want in enumerate(options) if np.array_equal(flipped, want)]
        assert kind, "each image is itself or one of the allowed flips"
        kinds.add(kind[0])
    assert kinds == set(range(len(axes) + 1))


def test_random_contrast_is_one_factor_per_image_within_range():
    x = (np.random.default_rng(4).random((16, 5, 5, 3)) * 100 + 50).astype("float32")
    out = run(layers.RandomContrast(0.4, seed=0), x, training=True)
    mean = x.mean(axis=(1, 2), keepdims=True)
    factors = (out - mean)[:, 0, 0, 0] / (x - mean)[:, 0, 0, 0]
    np.testing.assert_allclose(out, (x - mean) * factors[:, None, None, None] + mean, rtol=1e-4, atol=1e-3)
    assert factors.min() >= 0.6 - 1e-4 and factors.max() <= 1.4 + 1e-4 and factors.std() > 0.05
    clipped = run(layers.RandomContrast((0.0, 5.0), value_range=(0, 200), seed=1), x, training=True)
    assert clipped.max() <= 200 and clipped.min() >= 0


def test_random_layers_are_identity_at_inference_and_active_in_training(real_keras, fresh_keras_names,
                                                                       images):
    for name, args in (("RandomFlip", ()), ("RandomRotation", (0.2,)), ("RandomZoom", (0.3,)),
                       ("RandomTranslation", (0.2, 0.2)), ("RandomContrast", (0.5,))):
        ours = getattr(layers, name)(*args, seed=5)
        np.testing.assert_array_equal(run(ours, images, training=False), images)
        theirs = getattr(real_keras.layers, name)(*args)
        np.testing.assert_array_equal(np.asarray(theirs(images, training=False)), images)
        assert not np.array_equal(run(ours, images, training=True), images)
    model = models.Sequential([layers.RandomFlip("horizontal", input_shape=(9, 12, 2)),
                               layers.RandomRotation(0.1), layers.Rescaling(1 / 255.0)])
    np.testing.assert_allclose(model.predict(images), images / 255, rtol=1e-6)  # predict: inference


def test_seeded_layers_repeat_and_successive_calls_differ(images):
    a, b = layers.RandomRotation(0.2, seed=11), layers.RandomRotation(0.2, seed=11)
    first = run(a, images, training=True)
    np.testing.assert_array_equal(first, run(b, images, training=True))
    assert not np.array_equal(first, run(a, images, training=True))
    glassnet.manual_seed(3)
    c = run(layers.RandomZoom(0.3), images, training=True)
    glassnet.manual_seed(3)
    np.testing.assert_array_equal(c, run(layers.RandomZoom(0.3), images, training=True))


def test_gradients_flow_through_warps_and_resizing(images):
    """The warps are linear maps of the input: <grad, x> equals the weighted sum of the output."""
    w = np.random.default_rng(6).normal(size=images.shape).astype("float32")
    for layer in (layers.RandomRotation((0.1, 0.1), fill_mode="constant"), layers.RandomZoom((0.3, 0.3),
                                                                                             fill_mode="wrap")):
        x = glassnet.tensor(images, requires_grad=True)
        out = layer(x, training=True)
        (out * glassnet.tensor(w)).sum().backward()
        np.testing.assert_allclose((x.grad.array * images).sum(), (out.array * w).sum(), rtol=1e-4)
        np.testing.assert_allclose(out.array, run(layer.__class__(**_fixed(layer)), images, True), atol=1e-3)
    x = glassnet.tensor(images, requires_grad=True)
    out = layers.Resizing(4, 5)(x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.array.sum(), out.array.size, rtol=1e-5)  # each output is an average


def _fixed(layer):
    config = layer.get_config()
    return {k: v for k, v in config.items() if k not in ("name", "trainable", "dtype")}


def test_configs_round_trip_and_name_keras_s_arguments(real_keras, fresh_keras_names, tmp_path):
    made = [layers.Rescaling(0.5, 1.0), layers.Resizing(4, 6, crop_to_aspect_ratio=True),
            layers.CenterCrop(3, 3),
            layers.RandomFlip("vertical", seed=1), layers.RandomRotation(0.1, fill_mode="constant"),
            layers.RandomZoom(0.2, 0.1), layers.RandomTranslation(0.1, 0.2), layers.RandomContrast(0.3)]
    for layer in made:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
        theirs = getattr(real_keras.layers, type(layer).__name__)
        assert set(config) - {"name", "trainable", "dtype"} <= set(theirs(**_fixed(layer)).get_config())
    model = models.Sequential([layers.Input((8, 8, 3))] + made[3:] + [layers.Conv2D(2, 3), layers.Flatten()])
    x = np.random.default_rng(7).random((2, 8, 8, 3)).astype("float32")
    for name in ("augment.keras", "augment.h5"):  # Keras 3's file and Keras 2's
        model.save(tmp_path / name)
        loaded = models.load_model(tmp_path / name)
        assert [type(m).__name__ for m in loaded.layers] == [type(m).__name__ for m in model.layers]
        np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"factor must lie in \[-1, 1\]"):
        layers.RandomZoom(1.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match=r"resizing.*expected images.*got shape \(4, 4\)"):
        layers.Resizing(2, 2)(glassnet.tensor(np.zeros((4, 4), "float32")))
    with pytest.raises(ValueError, match=r"\(height, width\) must be"):
        layers.CenterCrop(0, 3)
