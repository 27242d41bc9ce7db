"""Keras's losses on probability outputs, against real Keras 3: the same weights give the same loss
and, after one step of SGD, the same weights again."""

import numpy as np
import pytest

from glassnet import keras as gk

CASES = [  # (last activation, loss, targets as)
    ("sigmoid", "sparse_categorical_crossentropy", "labels"),  # the courses' MNIST
    ("sigmoid", "categorical_crossentropy", "one_hot"),
    ("softmax", "categorical_crossentropy", "one_hot"),
    ("softmax", "sparse_categorical_crossentropy", "labels"),
    ("sigmoid", "binary_crossentropy", "binary"),
    (None, "mse", "one_hot"),
]


def _data(targets, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 5)).astype("float32")
    labels = rng.integers(0, 3, 16)
    y = {"labels": labels, "one_hot": np.eye(3, dtype="float32")[labels],
         "binary": (rng.random((16, 3)) > 0.5).astype("float32")}[targets]
    return x, y


@pytest.mark.parametrize("activation, loss, targets", CASES)
def test_loss_and_one_step_match_keras(real_keras, activation, loss, targets):
    x, y = _data(targets)
    keras = real_keras
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation=activation)])
    ours = gk.Sequential([gk.layers.Dense(3, activation=activation, input_shape=(5,))])
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(optimizer="sgd", loss=loss)
    assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs.evaluate(x, y, verbose=0), rel=1e-5)
    theirs.fit(x, y, epochs=1, batch_size=16, verbose=0)
    ours.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_probabilities_are_normalised_before_the_log_as_keras_does():
    """Without Keras: a sigmoid's outputs are divided by their sum, clipped, then logged."""
    x, y = _data("labels")
    model = gk.Sequential([gk.layers.Dense(3, activation="sigmoid", input_shape=(5,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    p = model.predict(x).astype(np.float64)
    p = np.clip(p / p.sum(1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = -np.log(p[np.arange(16), y]).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_a_convolution_ending_in_softmax_gives_the_loss_of_its_probabilities():
    """Per-step classes from a Conv1D(activation='softmax'): the loss takes its logits (the layer
    without its activation), which must not be the probabilities."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 4, 2)).astype("float32"), rng.integers(0, 3, (5, 4))
    model = gk.Sequential([gk.layers.Conv1D(3, 1, activation="softmax", input_shape=(4, 2))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    p = model.predict(x).astype(np.float64)
    expected = -np.log(np.take_along_axis(p, y[..., None], -1)).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
