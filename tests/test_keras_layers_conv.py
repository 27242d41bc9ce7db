"""glassnet.keras's DepthwiseConv2D/SeparableConv2D (and their 1-D kin) against real Keras 3 with the
same weights, and the training-time noise layers SpatialDropout1D/2D and GaussianNoise."""

import numpy as np
import pytest
from conftest import same_predictions

import glassnet
from glassnet import keras
from glassnet.keras import layers

pytestmark = pytest.mark.usefixtures("fresh_keras_names")



CASES = [  # (class name, constructor arguments, input shape without the batch)
    ("DepthwiseConv2D", dict(kernel_size=3), (7, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), strides=2, padding="same", depth_multiplier=2), (7, 6, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, dilation_rate=2, padding="same", use_bias=False,
                             activation="relu"), (8, 8, 2)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3), (7, 6, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=(2, 3), strides=(2, 1), padding="same",
                             depth_multiplier=3, activation="tanh"), (9, 7, 2)),
    ("SeparableConv2D", dict(filters=6, kernel_size=3, strides=2, padding="valid", use_bias=False),
     (9, 9, 4)),
    ("DepthwiseConv1D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2), (9, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=2, padding="same", depth_multiplier=2), (7, 3)),
]


@pytest.mark.parametrize("name, kwargs, shape", CASES)
def test_depthwise_and_separable_convolutions_match_keras(real_keras, name, kwargs, shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + shape).astype(np.float32)
    theirs, ours = getattr(real_keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs.build((None,) + shape)
    ours(glassnet.tensor(x))
    weights = [rng.normal(size=w.shape).astype(np.float32) for w in theirs.get_weights()]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    want = np.asarray(theirs(x).detach().cpu())
    np.testing.assert_allclose(ours(glassnet.tensor(x)).detach().numpy(), want, rtol=1e-5, atol=1e-5)
    for mine, kept in zip(ours.get_weights(), weights):
        np.testing.assert_array_equal(mine, kept)
    assert ours.count_params() == theirs.count_params()


def test_separable_conv_weights_are_keras_names_and_shapes():
    layer = layers.SeparableConv2D(8, 3, depth_multiplier=2)
    layer(glassnet.randn(1, 5, 5, 3))
    assert [name for name, *_ in layer.keras_weights()] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 3, 2), (1, 1, 6, 8), (8,)]
    depthwise = layers.DepthwiseConv2D(3, depth_multiplier=2)
    depthwise(glassnet.randn(1, 5, 5, 3))
    assert [w.shape for w in depthwise.get_weights()] == [(3, 3, 3, 2), (6,)]


def _convnet(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((10, 10, 3)), L.SeparableConv2D(6, 3, padding="same", activation="relu"),
                           L.SpatialDropout2D(0.3), L.DepthwiseConv2D(3, strides=2, depth_multiplier=2),
                           L.GaussianNoise(0.1), L.GlobalAveragePooling2D(), L.Dense(2)])


def test_a_separable_convnet_trains_saves_and_keras_reads_it(real_keras, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 10, 10, 3)).astype(np.float32)
    y = (x[:, :5].mean((1, 2, 3)) > x[:, 5:].mean((1, 2, 3))).astype(np.int64)
    model = _convnet(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "separable.keras")
    again = keras.models.load_model(tmp_path / "separable.keras")
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)
    theirs = real_keras.models.load_model(tmp_path / "separable.keras")
    same_predictions(model, theirs, x)


# ------------------------------------------------------------------ noise layers
def test_spatial_dropout_drops_whole_channels_only_in_training():
    x = glassnet.ones(4, 6, 5, 8)
    layer = layers.SpatialDropout2D(0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())  # inference: unchanged
    layer.train()
    out = layer(x).numpy()
    per_channel = out.reshape(4, 30, 8)
    assert (per_channel == per_channel[:, :1]).all()  # one value per (sample, channel)
    assert set(np.unique(out)) == {0.0, 2.0}
    steps = layers.SpatialDropout1D(0.5)
    steps.train()
    out = steps(glassnet.ones(4, 9, 8)).numpy()
    assert (out == out[:, :1]).all() and set(np.unique(out)) == {0.0, 2.0}
    with pytest.raises(ValueError, match="steps, channels"):
        steps(glassnet.ones(4, 8))


def test_dropout_noise_shape_broadcasts_one_mask():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 6))
    layer.train()
    out = layer(glassnet.ones(3, 7, 6)).numpy()
    assert (out == out[:, :1]).all() and set(np.unique(out)) == {0.0, 2.0}


def test_gaussian_noise_adds_noise_of_the_given_stddev_only_in_training():
    x = glassnet.zeros(200, 50)
    layer = layers.GaussianNoise(0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), 0)
    layer.train()
    noise = layer(x).numpy()
    assert abs(noise.std() - 0.5) < 0.02 and abs(noise.mean()) < 0.02
    weight = glassnet.ones(3, requires_grad=True)
    (layer(weight) * 2).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy(), 2)  # additive noise: the gradient passes as is
    assert layer.get_config()["stddev"] == 0.5


def test_glassnet_reads_keras_separable_and_depthwise_layers(real_keras, tmp_path):
    L = real_keras.layers
    theirs = real_keras.Sequential([real_keras.Input((9, 9, 2)),
                                    L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2),
                                    L.SpatialDropout2D(0.1), L.DepthwiseConv2D(2, strides=2), L.Flatten(),
                                    L.Dense(1)])
    theirs.save(tmp_path / "theirs.keras")
    ours = keras.models.load_model(tmp_path / "theirs.keras")
    x = np.random.default_rng(2).normal(size=(3, 9, 9, 2)).astype(np.float32)
    same_predictions(ours, theirs, x)
