"""glassnet.keras's recurrent layers: recurrent_dropout (Keras's masks, one per gate, fixed over the
sequence, only in training) and Bidirectional(return_state=True), against hand computations, finite
differences and real Keras 3 (torch backend)."""

import numpy as np
import pytest

import glassnet
from glassnet import keras
from glassnet.autograd import gradcheck
from glassnet.keras import layers
from glassnet.keras.layers.masking import set_mask

pytestmark = pytest.mark.usefixtures("fresh_keras_names")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _f64(x, requires_grad=False):
    return glassnet.tensor(x, dtype=glassnet.float64, requires_grad=requires_grad)


# ------------------------------------------------------------------ recurrent dropout
@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_recurrent_dropout_is_a_no_op_in_inference(cls):
    x = _f64(np.random.default_rng(0).normal(size=(3, 6, 4)))
    plain = cls(5, return_sequences=True, dtype="float64")
    dropped = cls(5, return_sequences=True, dropout=0.4, recurrent_dropout=0.5, dtype="float64")
    plain(x)
    dropped(x)
    dropped.set_weights(plain.get_weights())
    dropped.eval()
    np.testing.assert_array_equal(dropped(x).detach().numpy(), plain(x).detach().numpy())
    dropped.train()
    assert not np.allclose(dropped(x).detach().numpy(), plain(x).detach().numpy())


def test_one_recurrent_mask_holds_for_the_whole_sequence():
    # h_t = relu(1 + m * h_{t-1}): a kept unit (m = 2) doubles and adds one at every step, a dropped
    # unit (m = 0) stays 1. A mask drawn anew at each step would mix the two within one sequence.
    layer = layers.SimpleRNN(200, activation="relu", recurrent_dropout=0.5, return_sequences=True,
                             dtype="float64")
    x = _f64(np.ones((2, 5, 1)))
    layer(x)
    layer.set_weights([np.ones((1, 200)), np.eye(200), np.zeros(200)])
    layer.train()
    out = layer(x).detach().numpy()
    kept, dropped = np.array([1, 3, 7, 15, 31.0]), np.ones(5)
    for row in out.transpose(0, 2, 1).reshape(-1, 5):
        assert np.array_equal(row, kept) or np.array_equal(row, dropped)
    share = np.mean([np.array_equal(row, kept) for row in out.transpose(0, 2, 1).reshape(-1, 5)])
    assert 0.35 < share < 0.65
    glassnet.manual_seed(7)
    first = layer(x).detach().numpy()
    glassnet.manual_seed(7)
    np.testing.assert_array_equal(layer(x).detach().numpy(), first)  # the global seed decides the masks


def _by_hand(mode, x, kernel, recurrent, bias, input_masks, state_masks, units):
    """Keras's cells with implementation=1 (its choice under recurrent dropout), from Keras's weights.

    The masks come in glassnet's gate order (LSTM: i, f, c, o as Keras; GRU: reset, update, new, where
    Keras's columns are update, reset, candidate)."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[mode]
    column = {"rnn": [0], "lstm": [0, 1, 2, 3], "gru": [1, 0, 2]}[mode]  # Keras column block -> mask
    block = [slice(k * units, (k + 1) * units) for k in range(gates)]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        xs = [x[:, t] * (1 if input_masks is None else input_masks[column[k]][:, 0]) for k in range(gates)]
        hs = [h * state_masks[column[k]] for k in range(gates)]
        b_in, b_rec = (bias[0], bias[1]) if mode == "gru" else (bias, np.zeros_like(bias))
        gx = [xs[k] @ kernel[:, block[k]] + b_in[block[k]] for k in range(gates)]
        gh = [hs[k] @ recurrent[:, block[k]] + b_rec[block[k]] for k in range(gates)]
        if mode == "rnn":
            h = np.tanh(gx[0] + gh[0])
        elif mode == "lstm":
            i, f, g, o = (gx[k] + gh[k] for k in range(4))
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
        else:
            z, r = _sigmoid(gx[0] + gh[0]), _sigmoid(gx[1] + gh[1])
            h = z * h + (1 - z) * np.tanh(gx[2] + r * gh[2])
        outs.append(h)
    return np.stack(outs, 1)


@pytest.mark.parametrize("cls, mode", [(layers.SimpleRNN, "rnn"), (layers.LSTM, "lstm"), (layers.GRU, "gru")])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_recurrent_dropout_follows_keras_cells_by_hand(cls, mode, dropout):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 2))
    layer = cls(3, dropout=dropout, recurrent_dropout=0.4, return_sequences=True, dtype="float64")
    layer(_f64(x))
    weights = [rng.normal(scale=0.7, size=w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    layer.train()
    glassnet.manual_seed(11)
    input_masks, state_masks = layer._dropout_masks(3, 2, np.dtype(np.float64))
    glassnet.manual_seed(11)
    out = layer(_f64(x)).detach().numpy()
    input_masks = None if input_masks is None else [m.numpy() for m in input_masks]
    state_masks = [m.numpy() for m in state_masks]
    assert len(state_masks) == {"rnn": 1, "lstm": 4, "gru": 3}[mode]
    assert set(np.unique(state_masks[0])) <= {0.0, 1 / 0.6}
    np.testing.assert_allclose(out, _by_hand(mode, x, *weights, input_masks, state_masks, 3), rtol=1e-10)


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_recurrent_dropout_gradients_match_finite_differences(cls):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 2))
    keep = np.ones((3, 4), bool)
    keep[2, :2] = False  # with a mask as well: the shorter sequence runs packed
    layer = cls(3, dropout=0.2, recurrent_dropout=0.3, return_sequences=True, go_backwards=True,
                dtype="float64")
    layer(_f64(x))
    layer.train()

    def run(inputs, *_):
        glassnet.manual_seed(5)  # the same dropout masks at every evaluation
        set_mask(inputs, keep)
        return layer(inputs)

    assert gradcheck(run, [_f64(x, requires_grad=True)] + list(layer.parameters()))


def test_recurrent_dropout_trains_in_a_model():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(128, 6, 3)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.float32)
    model = keras.Sequential([keras.Input((6, 3)), layers.LSTM(8, recurrent_dropout=0.2),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.85
    assert model.layers[0].get_config()["recurrent_dropout"] == 0.2


# ------------------------------------------------------------------ Bidirectional states
def _bidirectional(lib, rnn, merge_mode):
    L = lib.layers
    x = lib.Input((6, 3))
    outs = L.Bidirectional(getattr(L, rnn)(4, return_sequences=True, return_state=True),
                           merge_mode=merge_mode)(x)
    return lib.Model(x, list(outs))


@pytest.mark.parametrize("rnn", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("merge_mode", ["concat", "ave", None])
def test_bidirectional_returns_merged_outputs_then_forward_and_backward_states_as_keras(
        real_keras, rnn, merge_mode):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 6, 3)).astype(np.float32)
    theirs, ours = _bidirectional(real_keras, rnn, merge_mode), _bidirectional(keras, rnn, merge_mode)
    weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    want, got = theirs.predict(x, verbose=0), ours.predict(x)
    states = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}[rnn]
    assert len(got) == len(want) == (2 if merge_mode is None else 1) + 2 * states
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-5, atol=1e-5)


def test_bidirectional_states_without_sequences_and_after_saving(tmp_path):
    x = np.random.default_rng(5).normal(size=(2, 5, 3)).astype(np.float32)
    inputs = keras.Input((5, 3))
    both = layers.Bidirectional(layers.LSTM(4, return_state=True))
    merged, h_ahead, c_ahead, h_behind, c_behind = both(inputs)
    model = keras.Model(inputs, [merged, h_ahead, c_behind])
    out, h, c = model.predict(x)
    np.testing.assert_array_equal(out[:, :4], h)  # the forward half of the merge is its last state
    model.save(tmp_path / "states.keras")
    again = keras.models.load_model(tmp_path / "states.keras")
    for a, b in zip(again.predict(x), (out, h, c)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
