"""Keras's masks in glassnet.keras: Embedding(mask_zero=True) and Masking mark padded steps; the
recurrent layers skip them, GlobalAveragePooling1D leaves them out, Dense/Dropout/TimeDistributed pass
the mask on. Compared with real Keras 3 (torch backend) on padded IMDB-like batches, same weights."""

import numpy as np
import pytest
from conftest import same_predictions

import glassnet
from glassnet import keras
from glassnet.autograd import gradcheck
from glassnet.data.text import pad_sequences
from glassnet.keras import layers
from glassnet.keras.layers.masking import mask_of, set_mask

pytestmark = pytest.mark.usefixtures("fresh_keras_names")



def _reviews(n=12, vocabulary=40, longest=15, padding="pre", seed=0):
    """Word-index sequences of many lengths (one empty), padded with 0 as pad_sequences does."""
    rng = np.random.default_rng(seed)
    lengths = list(rng.integers(1, 2 * longest, n - 1)) + [0]
    texts = [rng.integers(1, vocabulary, k) for k in lengths]
    return pad_sequences(texts, maxlen=longest, padding=padding, truncating="pre").astype(np.int64)


def _stack(lib, vocabulary=40):
    """The same model in glassnet.keras or Keras: every recurrent layer and wrapper behind one mask."""
    L = lib.layers
    return lib.Sequential([
        L.Embedding(vocabulary, 6, mask_zero=True),
        L.LSTM(5, return_sequences=True),
        L.Dropout(0.3),
        L.GRU(4, return_sequences=True, go_backwards=True),
        L.TimeDistributed(L.Dense(4, activation="tanh")),
        L.Bidirectional(L.SimpleRNN(3, return_sequences=True)),
        L.Dense(4),
        L.Bidirectional(L.LSTM(2), merge_mode="ave"),
        L.Dense(1, activation="sigmoid"),
    ])


def _same_weights(ours, theirs, seed=1):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(scale=0.6, size=w.shape).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_a_masked_sequential_model_matches_keras_on_padded_reviews(real_keras, padding):
    x = _reviews(padding=padding)
    theirs = _stack(real_keras)
    theirs.build((None, x.shape[1]))
    ours = _stack(keras)
    ours.build((None, x.shape[1]))
    _same_weights(ours, theirs)
    same_predictions(ours, theirs, x)


def _functional(lib, vocabulary=40, steps=15):
    L = lib.layers
    words = lib.Input((steps,), dtype="int32")
    vectors = L.Embedding(vocabulary, 6, mask_zero=True)(words)
    sequence = L.GRU(5, return_sequences=True)(vectors)
    pooled = L.GlobalAveragePooling1D()(sequence)
    last = L.LSTM(3)(L.Dense(4)(sequence))
    return lib.Model(words, [L.Dense(2)(L.concatenate([pooled, last])), pooled])


def test_a_masked_functional_model_matches_keras(real_keras):
    x = _reviews()[:-1]  # the empty review gives Keras's 0/0 in the pooling, checked below
    theirs, ours = _functional(real_keras), _functional(keras)
    _same_weights(ours, theirs)
    for got, want in zip(ours.predict(x), theirs.predict(x, verbose=0)):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-5)


def test_masking_layer_and_global_average_pooling_match_keras(real_keras):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    x[0, :3] = 0  # leading padding
    x[1, 4:] = 0  # trailing padding
    x[2, 2] = 0  # a hole
    x[3] = -1
    x[3, 5, 1] = 0  # only one feature 0: not masked

    def model(lib):
        L = lib.layers
        return lib.Sequential([lib.Input((7, 3)), L.Masking(mask_value=0.0),
                               L.SimpleRNN(4, return_sequences=True), L.GlobalAveragePooling1D()])

    theirs, ours = model(real_keras), model(keras)
    _same_weights(ours, theirs)
    same_predictions(ours, theirs, x)
    masked = layers.Masking()(glassnet.tensor(x))
    np.testing.assert_array_equal(mask_of(masked), np.any(x != 0, axis=-1))


def test_masked_steps_repeat_the_last_output_and_keep_the_state():
    layer = layers.SimpleRNN(2, return_sequences=True, return_state=True, dtype="float64")
    x = np.random.default_rng(3).normal(size=(2, 5, 3))
    x[0, [0, 2, 4]] = 0  # masked: steps 0, 2 and 4 of the first sequence
    seq, state = layer(layers.Masking()(glassnet.tensor(x, dtype=glassnet.float64)))
    seq, state = seq.detach().numpy(), state.detach().numpy()
    np.testing.assert_array_equal(seq[0, 0], 0)  # nothing seen yet: zeros
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])
    np.testing.assert_array_equal(seq[0, 4], seq[0, 3])
    np.testing.assert_array_equal(state[0], seq[0, 3])
    # The first sequence is exactly its two real steps run alone.
    alone = layers.SimpleRNN(2, dtype="float64")
    alone(glassnet.tensor(x[:1, [1, 3]], dtype=glassnet.float64))
    alone.set_weights(layer.get_weights())
    np.testing.assert_allclose(alone(glassnet.tensor(x[:1, [1, 3]], dtype=glassnet.float64)).detach()[0],
                               state[0], rtol=1e-12)
    assert mask_of(seq) is None  # numpy copies carry no mask


def test_the_mask_passes_through_dense_dropout_time_distributed_and_ends_at_pooling():
    x = glassnet.tensor(np.array([[3, 1, 0, 0], [0, 2, 2, 5]]))
    embedded = layers.Embedding(6, 3, mask_zero=True)(x)
    want = x.numpy() != 0
    for layer in (layers.Dense(4), layers.Dropout(0.5), layers.TimeDistributed(layers.Dense(2)),
                  layers.Activation("relu"), layers.LayerNormalization(), layers.GaussianNoise(0.1)):
        np.testing.assert_array_equal(mask_of(layer(embedded)), want)
    assert mask_of(layers.LSTM(2, return_sequences=True)(embedded)) is not None
    assert mask_of(layers.LSTM(2)(embedded)) is None
    assert mask_of(layers.GlobalAveragePooling1D()(embedded)) is None
    assert mask_of(layers.Flatten()(embedded)) is None  # a layer without masking drops it, as in Keras
    assert mask_of(layers.Embedding(6, 3)(x)) is None


def test_an_all_padding_sequence_gives_zeros_and_nan_only_where_keras_does():
    x = glassnet.tensor(np.array([[0, 0, 0], [1, 2, 0]]))
    embedded = layers.Embedding(3, 2, mask_zero=True)(x)
    for rnn in (layers.LSTM(2), layers.GRU(2, go_backwards=True), layers.SimpleRNN(2, return_sequences=True)):
        out = rnn(embedded).detach().numpy()
        np.testing.assert_array_equal(out[0], 0)
        assert np.isfinite(out).all()
    pooled = layers.GlobalAveragePooling1D()(embedded).detach().numpy()
    assert np.isnan(pooled[0]).all() and np.isfinite(pooled[1]).all()  # Keras's 0 / 0


def test_gradients_through_masked_steps_match_finite_differences():
    x = np.random.default_rng(4).normal(size=(3, 5, 2))
    keep = np.array([[0, 1, 1, 1, 1], [1, 1, 0, 1, 0], [0, 0, 0, 0, 1]], bool)
    x[~keep] = 0
    for rnn in (layers.LSTM(3, return_sequences=True, dtype="float64"),
                layers.Bidirectional(layers.GRU(2, dtype="float64"), dtype="float64")):
        rnn(glassnet.tensor(x, dtype=glassnet.float64))
        weights = list(rnn.parameters())

        def run(inputs, *_, rnn=rnn):
            set_mask(inputs, keep)  # the mask itself must not move with the finite differences
            return rnn(inputs)

        inputs = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
        assert gradcheck(run, [inputs] + weights)
        run(inputs).sum().backward()
        np.testing.assert_array_equal(inputs.grad.numpy()[~keep], 0)  # masked steps do not count


def test_a_masked_model_trains_and_saves(tmp_path):
    x = _reviews(n=64, longest=10, padding="post", seed=5)
    y = (x[:, 0] > 20).astype(np.float32)  # the first word decides: the padding after it must not blur it
    model = keras.Sequential([keras.Input((10,)), layers.Embedding(40, 8, mask_zero=True), layers.GRU(8),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    model.save(tmp_path / "masked.keras")
    again = keras.models.load_model(tmp_path / "masked.keras")
    assert again.layers[0].mask_zero
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)


def test_keras_reads_glassnets_masked_model(real_keras, tmp_path):
    x = _reviews(padding="post")
    ours = _stack(keras)
    ours.build((None, x.shape[1]))
    ours.save(tmp_path / "stack.keras")
    theirs = real_keras.models.load_model(tmp_path / "stack.keras")
    same_predictions(ours, theirs, x)


def test_glassnet_reads_a_keras_model_with_masks_noise_and_recurrent_dropout(real_keras, tmp_path):
    L = real_keras.layers
    theirs = real_keras.Sequential([
        real_keras.Input((9,), dtype="int32"), L.Embedding(40, 6, mask_zero=True), L.SpatialDropout1D(0.2),
        L.LSTM(5, return_sequences=True, recurrent_dropout=0.3), L.GaussianNoise(0.1),
        L.Bidirectional(L.GRU(3, return_sequences=True)), L.GlobalAveragePooling1D(), L.Dense(1)])
    theirs.save(tmp_path / "theirs.keras")
    ours = keras.models.load_model(tmp_path / "theirs.keras")
    assert ours.layers[2].recurrent_dropout == 0.3
    x = _reviews(longest=9, padding="post")[:-1]
    same_predictions(ours, theirs, x, atol=1e-6)


def _merged(lib, merge):
    L = lib.layers
    a, b = lib.Input((8,), dtype="int32"), lib.Input((8,), dtype="int32")
    masked = L.Embedding(40, 4, mask_zero=True)(a)
    other = L.Embedding(40, 4, mask_zero=merge != "concatenate_one")(b)
    if merge == "add":
        joined = L.Add()([masked, other])
    elif merge == "concatenate_time":
        joined = L.Concatenate(axis=1)([masked, other])
    else:
        joined = L.Concatenate()([masked, other])
    return lib.Model([a, b], L.GRU(3, return_sequences=True)(joined))


@pytest.mark.parametrize("merge", ["add", "concatenate_time", "concatenate_one"])
def test_merge_layers_combine_masks_as_keras(real_keras, merge):
    a, b = _reviews(longest=8, padding="post", seed=6), _reviews(longest=8, padding="pre", seed=7)
    theirs, ours = _merged(real_keras, merge), _merged(keras, merge)
    _same_weights(ours, theirs)
    want = np.asarray(theirs.predict([a, b], verbose=0))
    np.testing.assert_allclose(ours.predict([a, b]), want, rtol=1e-5, atol=1e-5)
