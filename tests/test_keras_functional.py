"""glassnet.keras's functional API and subclassed models: graphs of layers, merge layers,
several inputs and outputs, and fit on them."""

import numpy as np
import pytest
from conftest import toy_classes as _data

import glassnet
from glassnet import keras
from glassnet.keras import layers, optimizers

pytestmark = pytest.mark.usefixtures("fresh_keras_names")


def test_the_functional_api_builds_a_graph_of_layers_and_trains_it():
    inputs = keras.Input(shape=(6,))
    assert inputs.shape == (None, 6)
    x = layers.Dense(16, activation="relu")(inputs)
    left, right = layers.Dense(4)(x), layers.Dense(4)(x)
    outputs = layers.Dense(3, activation="softmax")(layers.concatenate([left, right]))
    assert outputs.shape == (None, 3)
    model = keras.Model(inputs, outputs)
    assert [layer.name for layer in model.layers] == ["input_layer", "dense", "dense_1", "dense_2",
                                                      "concatenate", "dense_3"]
    assert model.count_params() == (6 * 16 + 16) + 2 * (16 * 4 + 4) + (8 * 3 + 3)
    x_data, y_data = _data()
    # the model computes what its layers compute, in the order the graph says
    probe = glassnet.tensor(x_data[:5])
    hidden = model.get_layer("dense")(probe)
    joined = glassnet.cat([model.get_layer("dense_1")(hidden), model.get_layer("dense_2")(hidden)], -1)
    want = model.get_layer("dense_3")(joined).detach().numpy()
    np.testing.assert_allclose(model(probe).detach().numpy(), want, rtol=1e-6)
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_data, y_data, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_model_of_inner_outputs_shares_the_trained_layers():
    inputs = keras.Input(shape=(4,))  # the book's feature-extractor idiom
    hidden = layers.Dense(3, activation="tanh", name="hidden")(inputs)
    outputs = layers.Dense(2, name="out")(hidden)
    model = keras.Model(inputs, outputs)
    features = keras.Model(model.input, [layer.output for layer in model.layers[1:]])
    x = glassnet.randn(5, 4)
    got_hidden, got_out = features(x)
    np.testing.assert_allclose(got_out.detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    assert got_hidden.shape == (5, 3) and features.get_layer("hidden") is model.get_layer("hidden")


def test_merge_layers_and_return_state_in_a_graph():
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], [layers.add([a, b]), layers.Multiply()([a, b]), layers.average([a, b]),
                                 layers.Subtract()([a, b]), layers.Maximum()([a, b])])
    x, y = glassnet.randn(2, 3), glassnet.randn(2, 3)
    added, multiplied, averaged, subtracted, largest = (t.numpy() for t in model([x, y]))
    np.testing.assert_allclose(added, x.numpy() + y.numpy(), rtol=1e-6)
    np.testing.assert_allclose(multiplied, x.numpy() * y.numpy(), rtol=1e-6)
    np.testing.assert_allclose(averaged, (x.numpy() + y.numpy()) / 2, rtol=1e-6)
    np.testing.assert_allclose(subtracted, x.numpy() - y.numpy(), rtol=1e-6)
    np.testing.assert_allclose(largest, np.maximum(x.numpy(), y.numpy()), rtol=1e-6)
    seq = keras.Input((5, 2))
    out, h, c = layers.LSTM(4, return_state=True)(seq)
    states = keras.Model(seq, [out, h, c])(glassnet.randn(3, 5, 2))
    np.testing.assert_array_equal(states[0].detach().numpy(), states[1].detach().numpy())


def test_a_subclassed_model_trains_through_its_call():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayers()
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    model.compile(optimizer=optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"] and model.name == "two_layers"
    with pytest.raises(NotImplementedError, match="must implement call"):
        keras.Model()(glassnet.zeros(1, 3))
    with pytest.raises(TypeError, match="inputs and outputs must be keras.Input"):
        keras.Model(glassnet.zeros(1, 3), glassnet.zeros(1, 3))


def test_fit_evaluate_and_predict_feed_a_model_with_two_inputs():
    a, b = keras.Input((4,)), keras.Input((3,))
    merged = layers.concatenate([layers.Dense(8, activation="relu")(a),
                                 layers.Dense(8, activation="relu")(b)])
    model = keras.Model([a, b], layers.Dense(1)(merged))
    model.compile(optimizer=optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(200, 4)).astype("float32"), rng.normal(size=(200, 3)).astype("float32")
    y = xa.sum(1) - xb.sum(1)
    history = model.fit([xa, xb], y, epochs=20, batch_size=16, verbose=0, validation_split=0.2)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert "val_mae" in history.history
    loss, mae = model.evaluate([xa, xb], y, verbose=0)
    assert loss < 0.5 and model.predict([xa[:5], xb[:5]]).shape == (5, 1)
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit([xa, xb[:10]], y, verbose=0)


# ------------------------------------------------------ generators, Sequence
def _batches(x, y, size):
    while True:  # Keras's generators loop for ever; steps_per_epoch says where an epoch ends
        for start in range(0, len(x), size):
            yield x[start:start + size], y[start:start + size]


def test_fit_takes_a_generator_with_steps_per_epoch_and_a_sequence():
    x, y = _data(n=96)
    model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(_batches(x, y, 32), steps_per_epoch=3, epochs=4, verbose=0,
                        validation_data=_batches(x, y, 48), validation_steps=2)
    assert len(history.history["loss"]) == 4 and "val_acc" in history.history
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(_batches(x, y, 32), epochs=1, verbose=0)

    class Batches(keras.utils.Sequence):
        def __init__(self):
            self.epochs_seen = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[32 * i:32 * (i + 1)], y[32 * i:32 * (i + 1)]

        def on_epoch_end(self):
            self.epochs_seen += 1

    sequence = Batches()
    model.fit_generator(sequence, epochs=2, verbose=0)  # Keras 2's name, as the first edition writes it
    assert sequence.epochs_seen == 2
    loss, acc = model.evaluate(sequence, verbose=0)
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0)[0], rel=1e-5)
    assert model.predict_generator(_batches(x, y, 32), steps=2).shape == (64, 3)
