"""glassnet.keras: Keras's layers, models and training arguments over glassnet's engine.

Layer outputs are checked against Keras's own formulas written in NumPy
(a Dense layer is ``x @ kernel + bias`` with a kernel of shape (in, units);
a Conv2D works on channels-last images with a (kh, kw, in, filters) kernel),
and against torch where the formula is a convolution.
"""

import numpy as np
import pytest
import torch
from conftest import needs
from conftest import toy_classes as _data

import glassnet
from glassnet import keras
from glassnet.keras import layers, losses, models, optimizers, regularizers
from glassnet.keras.preprocessing.sequence import pad_sequences
from glassnet.keras.preprocessing.text import Tokenizer
from glassnet.keras.utils import normalize, to_categorical

pytestmark = pytest.mark.usefixtures("fresh_keras_names")


# ------------------------------------------------------------------ layers
def test_dense_is_x_times_kernel_plus_bias_in_keras_layout():
    layer = layers.Dense(4, activation="relu")
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    y = layer(glassnet.tensor(x)).detach().numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)
    np.testing.assert_allclose(y, np.maximum(x @ kernel + bias, 0), rtol=1e-6, atol=1e-6)
    assert not bias.any()  # Keras's zeros bias initializer
    limit = np.sqrt(6 / (3 + 4))  # glorot_uniform
    assert np.abs(kernel).max() <= limit
    layer.set_weights([np.ones((3, 4)), np.arange(4.0)])
    np.testing.assert_allclose(layer(glassnet.tensor(x)).detach().numpy(),
                               np.maximum(x.sum(1, keepdims=True) + np.arange(4), 0), rtol=1e-6)


def test_conv2d_is_channels_last_with_a_keras_kernel_and_matches_torch():
    layer = layers.Conv2D(5, (3, 2), strides=2, padding="same", activation="tanh")
    x = np.random.default_rng(1).normal(size=(2, 7, 6, 3)).astype(np.float32)
    y = layer(glassnet.tensor(x)).detach().numpy()
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 5) and y.shape == (2, 4, 3, 5)
    # TensorFlow's 'same' with stride 2: total padding max((ceil(n/s)-1)*s + k - n, 0), the odd pixel after
    padded = np.pad(x, ((0, 0), (1, 1), (0, 0), (0, 0)))  # rows: total 2; columns: total 0
    want = torch.nn.functional.conv2d(torch.tensor(padded).permute(0, 3, 1, 2),
                                      torch.tensor(kernel).permute(3, 2, 0, 1), torch.tensor(bias), stride=2)
    np.testing.assert_allclose(y, np.tanh(want.permute(0, 2, 3, 1).numpy()), rtol=1e-5, atol=1e-6)


def test_pooling_flatten_and_global_pooling_are_channels_last():
    x = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    pooled = layers.MaxPooling2D((2, 2))(glassnet.tensor(x)).numpy()
    np.testing.assert_array_equal(pooled, x.reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4)))
    averaged = layers.AveragePooling2D()(glassnet.tensor(x)).numpy()
    np.testing.assert_allclose(averaged, x.reshape(2, 2, 2, 2, 2, 3).mean(axis=(2, 4)))
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(glassnet.tensor(x)).numpy(), x.mean((1, 2)))
    assert layers.Flatten()(glassnet.tensor(x)).shape == (2, 48)
    odd = layers.MaxPooling2D(2, padding="same")(glassnet.tensor(np.ones((1, 5, 5, 1), np.float32)))
    assert odd.shape == (1, 3, 3, 1)


def test_dropout_acts_only_in_training():
    layer = layers.Dropout(0.5)
    x = glassnet.ones(1000)
    layer.train()
    kept = layer(x).numpy()
    assert set(np.unique(kept)) == {0.0, 2.0} and 0.4 < (kept == 0).mean() < 0.6
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_layers_are_named_as_keras_names_them():
    model = models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2), layers.Dropout(0.1)])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dropout"]
    assert model.get_layer("dense_1") is model.layers[1]
    assert layers.Dense(1, name="out").name == "out"
    with pytest.raises(ValueError, match="already in the model"):
        model.add(layers.Dense(1, name="dense"))


# ------------------------------------------------------------------ models
def test_a_model_with_an_input_shape_is_built_and_summarised_before_fit():
    model = models.Sequential()
    model.add(layers.Dense(16, activation="relu", input_shape=(10,)))
    model.add(layers.Dense(1, activation="sigmoid"))
    assert model.count_params() == 10 * 16 + 16 + 16 + 1
    text = model.summary(print_fn=lambda *_: None)
    assert 'Model: "sequential"' in text and "dense (Dense)" in text and "(None, 16)" in text
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(10, 16), (16,), (16, 1), (1,)]
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_array_equal(model.get_weights()[1], np.ones(16))
    popped = model.pop()
    assert popped.name == "dense_1" and [layer.name for layer in model.layers] == ["dense"]


def test_compile_before_the_model_knows_its_input_then_fit_builds_it():
    x, y = _data()
    model = models.Sequential([layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["acc"])
    history = model.fit(x, y, epochs=15, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0].get_weights()[0].shape == (6, 8)
    probabilities = model.predict(x[:4])
    np.testing.assert_allclose(probabilities.sum(1), 1, rtol=1e-5)


def test_keras_optimizer_objects_bind_at_compile_with_keras_names_and_defaults():
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=optimizers.RMSprop(lr=0.005), loss="mse")
    group = model.optimizer.param_groups[0]
    assert group["lr"] == 0.005 and group["alpha"] == 0.9 and group["eps"] == 1e-7
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True), loss="mse")
    assert model.optimizer.param_groups[0]["nesterov"] is True
    with pytest.raises(TypeError, match="RMSprop: unexpected keyword argument"):
        optimizers.RMSprop(decay_rate=0.1)


def test_history_keys_follow_the_metric_names_as_written():
    x, y = _data(classes=2)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(6,))])
    model.compile(optimizer="rmsprop", loss=losses.binary_crossentropy, metrics=["binary_accuracy"])
    history = model.fit(x, y.astype(np.float32), epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    assert sorted(history.history) == ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]
    loss, acc = model.evaluate(x, y.astype(np.float32), verbose=0)
    assert 0 <= acc <= 1 and loss > 0


def test_trainable_false_freezes_a_layer_at_the_next_compile():
    x, y = _data()
    model = models.Sequential([layers.Dense(8, input_shape=(6,)), layers.Dense(3, activation="softmax")])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_an_l2_regularizer_adds_its_penalty_to_every_step():
    x = np.zeros((8, 3), np.float32)  # no data gradient on the kernel: only the penalty moves it
    y = np.zeros((8, 1), np.float32)
    model = models.Sequential([layers.Dense(1, input_shape=(3,), kernel_regularizer=regularizers.l2(0.5),
                                            use_bias=False)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    before = model.get_weights()[0]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    # one step of w -= lr * d(0.5 * sum(w^2))/dw = lr * w
    np.testing.assert_allclose(model.get_weights()[0], before * (1 - 0.1), rtol=1e-6)


def test_bad_inputs_get_keras_style_errors():
    model = models.Sequential([layers.Dense(10, input_shape=(784,))])
    with pytest.raises(ValueError, match=r"dense expects inputs of shape \(None, 784\); got \(128, 28, 28\)"):
        model(glassnet.zeros(128, 28, 28))
    with pytest.raises(ValueError, match="Unknown optimizer 'adamax'"):
        model.compile(optimizer="adamax", loss="mse")
    with pytest.raises(ValueError, match="Unknown activation 'relu6'"):
        layers.Dense(3, activation="relu6")
    with pytest.raises(ValueError, match="expects channels-last inputs"):
        layers.Conv2D(2, 3)(glassnet.zeros(1, 3, 8))
    with pytest.raises(NotImplementedError, match="validation_freq"):
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.zeros((2, 784)), np.zeros((2, 10)), validation_freq=2)
    with pytest.raises(RuntimeError, match=r"fit: Sequential is not compiled.*model.compile"):
        models.Sequential([layers.Dense(2, input_shape=(3,))]).fit(np.zeros((2, 3)), np.zeros((2, 2)))
    convnet = models.Sequential([layers.Conv2D(4, 3, input_shape=(28, 28, 1)), layers.Flatten(),
                                 layers.Dense(10, activation="softmax")])
    convnet.compile("rmsprop", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"channels-last inputs with 1 channels.*\(4, 1, 28, 28\)"):
        convnet.fit(np.zeros((4, 1, 28, 28)), np.eye(10)[:4], verbose=0)
    with pytest.raises(ValueError, match="labels: use loss='sparse_categorical_crossentropy'.*to_categ"):
        convnet.fit(np.zeros((4, 28, 28, 1)), np.arange(4), verbose=0)
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'; valid names: \['acc', 'accuracy'"):
        convnet.compile("rmsprop", "categorical_crossentropy", metrics=["acuracy"])


# ------------------------------------------------------- losses and utils
def test_loss_functions_follow_keras_formulas():
    t = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    p = np.array([[0.2, 0.8], [0.6, 0.4]], np.float32)
    np.testing.assert_allclose(losses.categorical_crossentropy(t, p).numpy(), -np.log([0.8, 0.6]), rtol=1e-6)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1, 0], p).numpy(), -np.log([0.8, 0.6]),
                               rtol=1e-6)
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)
    np.testing.assert_allclose(losses.binary_crossentropy(t, p).numpy(), bce, rtol=1e-6)
    clipped = np.float32(1) - np.float32(1e-7)  # Keras clips to [eps, 1 - eps], in float32
    assert losses.binary_crossentropy([1.0], [1.0]).item() == pytest.approx(-np.log(clipped), rel=1e-5)
    np.testing.assert_allclose(losses.mean_squared_error(t, p).numpy(), ((t - p) ** 2).mean(-1), rtol=1e-6)
    mean_loss = losses.SparseCategoricalCrossentropy()([1, 0], p).item()
    assert mean_loss == pytest.approx(-np.log([0.8, 0.6]).mean())


def test_to_categorical_normalize_and_pad_sequences():
    np.testing.assert_array_equal(to_categorical([0, 2, 1]), np.eye(3, dtype=np.float32)[[0, 2, 1]])
    assert to_categorical(np.array([[1], [0]]), 3).shape == (2, 3)
    np.testing.assert_allclose(np.linalg.norm(normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), axis=1), [1, 0])
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])


def test_tokenizer_ranks_words_by_frequency_and_makes_matrices():
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(["The cat sat.", "the cat, the dog!"])
    assert tok.word_index == {"the": 1, "cat": 2, "sat": 3, "dog": 4}
    assert tok.texts_to_sequences(["the dog and the cat"]) == [[1, 1, 2]]  # only indices below num_words
    np.testing.assert_array_equal(tok.texts_to_matrix(["the the cat"], mode="count"), [[0, 2, 1]])
    np.testing.assert_array_equal(tok.texts_to_matrix(["the the cat"], mode="binary"), [[0, 1, 1]])
    np.testing.assert_allclose(tok.texts_to_matrix(["the the cat"], mode="freq"), [[0, 2 / 3, 1 / 3]])
    tfidf = tok.texts_to_matrix(["the the cat"], mode="tfidf")
    assert tfidf[0, 1] == pytest.approx((1 + np.log(2)) * np.log(1 + 2 / 3))


# -------------------------------------------------------------- real data
def test_keras_datasets_have_keras_shapes_and_types():
    needs("mnist")
    (x, y), (xt, yt) = keras.datasets.mnist.load_data()
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8 and y.shape == (60000,) and xt.shape[0] == 10000
    needs("boston")
    (x, y), (xt, yt) = keras.datasets.boston_housing.load_data()
    assert x.shape == (404, 13) and xt.shape == (102, 13)


def test_the_books_first_network_learns_mnist():
    """Chapter 2's code as the book writes it but for the imports (one epoch here instead of five)."""
    needs("mnist")
    from glassnet.keras import layers, models  # noqa: F811 - the book's own import line
    from glassnet.keras.datasets import mnist
    from glassnet.keras.utils import to_categorical

    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))
    network.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    train_images = train_images.reshape((60000, 28 * 28)).astype('float32') / 255
    test_images = test_images.reshape((10000, 28 * 28)).astype('float32') / 255
    train_labels, test_labels = to_categorical(train_labels), to_categorical(test_labels)
    network.fit(train_images, train_labels, epochs=1, batch_size=128, verbose=0)
    test_loss, test_acc = network.evaluate(test_images, test_labels, verbose=0)
    assert test_acc >= 0.95  # the book reaches 97.8 % after five epochs (docs/keras.md)


# ------------------------------------------------------- recurrent layers
def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _keras_lstm(x, kernel, recurrent, bias, units):
    """Keras's LSTM step by step from its own weights: gate columns i, f, c, o."""
    h = c = np.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    return h


def _keras_gru(x, kernel, recurrent, bias, units):
    """Keras's GRU (reset_after=True): columns z, r, h; bias rows (input, recurrent)."""
    h = np.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        xi = x[:, t] @ kernel + bias[0]
        hr = h @ recurrent + bias[1]
        z = _sigmoid(xi[:, :units] + hr[:, :units])
        r = _sigmoid(xi[:, units:2 * units] + hr[:, units:2 * units])
        candidate = np.tanh(xi[:, 2 * units:] + r * hr[:, 2 * units:])
        h = z * h + (1 - z) * candidate
    return h


@pytest.mark.parametrize("cls, reference, count", [
    (layers.LSTM, _keras_lstm, 4 * (5 * (3 + 5) + 5)),
    (layers.GRU, _keras_gru, 3 * 5 * (3 + 5) + 2 * 3 * 5),
])
def test_recurrent_layers_follow_keras_gate_layouts_and_counts(cls, reference, count):
    layer = cls(5, dtype="float64")
    x = np.random.default_rng(2).normal(size=(4, 6, 3))
    out = layer(glassnet.tensor(x, dtype=glassnet.float64)).detach().numpy()
    weights = layer.get_weights()
    assert layer.count_params() == count
    rng = np.random.default_rng(3)
    weights = [rng.normal(scale=0.5, size=w.shape) for w in weights]  # gates of distinct sizes
    layer.set_weights(weights)
    out = layer(glassnet.tensor(x, dtype=glassnet.float64)).detach().numpy()
    np.testing.assert_allclose(out, reference(x, *weights, 5), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(layer.get_weights()[1], weights[1])


def test_lstm_starts_with_an_open_forget_gate_and_returns_sequences_and_states():
    layer = layers.LSTM(4, return_sequences=True, return_state=True)
    seq, h, c = layer(glassnet.randn(2, 7, 3))
    assert seq.shape == (2, 7, 4) and h.shape == (2, 4) and c.shape == (2, 4)
    np.testing.assert_allclose(seq[:, -1].detach().numpy(), h.detach().numpy())
    bias = layer.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    backwards = layers.SimpleRNN(3, return_sequences=True, go_backwards=True)
    assert backwards(glassnet.randn(2, 5, 3)).shape == (2, 5, 3)


def test_embedding_then_lstm_learns_a_toy_sequence_task():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, size=(256, 8))
    y = (x[:, 0] > 10).astype(np.float32)  # the answer is at the start: the LSTM must carry it
    model = models.Sequential([layers.Embedding(20, 8), layers.LSTM(16),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_batch_normalization_uses_keras_momentum_and_epsilon_on_the_last_axis():
    layer = layers.BatchNormalization()
    x = np.random.default_rng(4).normal(2.0, 3.0, size=(8, 5, 3)).astype(np.float32)
    layer.train()
    y = layer(glassnet.tensor(x)).detach().numpy()
    flat = x.reshape(-1, 3)
    np.testing.assert_allclose(y.reshape(-1, 3), (flat - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-3),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * flat.mean(0), rtol=1e-5)
    assert [w.shape for w in layer.get_weights()] == [(3,)] * 4
    assert layer.count_params() == 6 and len(layer.non_trainable_weights) == 2


def test_bidirectional_reads_the_sequence_both_ways_and_time_distributed_maps_each_step():
    x = glassnet.randn(2, 5, 3)
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True))
    both = bi(x).detach().numpy()
    assert both.shape == (2, 5, 8) and bi.count_params() == 2 * 4 * (4 * (3 + 4) + 4)
    np.testing.assert_allclose(both[..., :4], bi.forward_layer(x).detach().numpy(), rtol=1e-6)
    twin = layers.LSTM(4, return_sequences=True)  # the backward weights, run on the reversed sequence
    twin(x)
    twin.set_weights(bi.backward_layer.get_weights())
    reversed_run = twin(glassnet.tensor(x.numpy()[:, ::-1].copy())).detach().numpy()[:, ::-1]
    np.testing.assert_allclose(both[..., 4:], reversed_run, rtol=1e-5, atol=1e-6)
    assert layers.Bidirectional(layers.GRU(4), merge_mode="sum")(x).shape == (2, 4)
    dense = layers.Dense(6)
    per_step = layers.TimeDistributed(dense)(x).detach().numpy()
    np.testing.assert_allclose(per_step[:, 2], dense(x[:, 2]).detach().numpy(), rtol=1e-6)


def test_sample_and_class_weights_scale_each_sample_loss_as_keras_does():
    x, y = _data(n=40)
    model = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(6,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    p = model.predict(x)
    per_sample = -np.log(p[np.arange(40), y])
    w = np.linspace(0.5, 2.0, 40)
    # Keras: sum(w * loss) / batch size (not / sum(w))
    weighted = model.evaluate(x, y, batch_size=40, sample_weight=w, verbose=0)
    assert weighted == pytest.approx((w * per_sample).sum() / 40, rel=1e-5)
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    as_samples = np.array([class_weight[c] for c in y])
    fresh = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(6,))])
    fresh.set_weights(model.get_weights())
    fresh.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=40, epochs=1, verbose=0, shuffle=False, class_weight=class_weight)
    fresh.fit(x, y, batch_size=40, epochs=1, verbose=0, shuffle=False, sample_weight=as_samples)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match="sample_weight holds 3 weights for 40 samples"):
        model.fit(x, y, sample_weight=[1, 2, 3], verbose=0)


def test_auc_by_name_and_by_class_in_a_keras_model():
    x, y = _data(n=96, classes=2)
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(6,))])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy",
                  metrics=["AUC", keras.metrics.AUC(name="roc")])
    history = model.fit(x, y.astype("float32"), epochs=2, verbose=0)
    assert sorted(history.history) == ["AUC", "loss", "roc"]
    assert history.history["AUC"] == history.history["roc"] and 0 <= history.history["roc"][-1] <= 1


def test_history_answers_keras_2_0_names_for_accuracy():
    """The first edition's notebooks read history['acc'] after metrics=['accuracy'] (Keras 2.0 logged
    it so); the keys stay as written."""
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(3,))])
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8) % 2
    history = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0).history
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history["acc"] == history["accuracy"] and history["val_acc"] == history["val_accuracy"]
    with pytest.raises(KeyError):
        history["mae"]


def test_history_answers_keras_2_0_names_for_mae():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("rmsprop", "mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(8, 3))
    history = model.fit(x, x[:, :1], epochs=1, validation_data=(x, x[:, :1]), verbose=0).history
    assert history["val_mean_absolute_error"] == history["val_mae"] and "mean_absolute_error" not in history
