"""The compiled float32 LSTM and GRU steps (glassnet/kernels/recurrent_numba.py) against the NumPy kernel.

Both run the same buffers, so a layer's outputs and gradients must agree to
float32 rounding whichever runs; tests/test_rnn.py compares the layer (with
whichever kernel the dtype selects) against PyTorch.
"""

import numpy as np
import pytest

import glassnet
from glassnet import nn
from glassnet.kernels import recurrent_numba as RN
from glassnet.kernels.recurrent import GRUKernel, LSTMKernel
from glassnet.ops import recurrent as R

pytestmark = pytest.mark.skipif(not RN.AVAILABLE,
                                reason="numba is not installed (the compiled step is optional)")


def _run(layer, x, lengths):
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True)
    out, states = layer(packed)
    states = states if isinstance(states, tuple) else (states,)
    padded, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    (padded.sum() + sum((s * s).sum() for s in states)).backward()
    grads = [p.grad.array.copy() for p in layer.parameters()]
    return [padded.array, x.grad.array] + [s.array for s in states] + grads


@pytest.mark.parametrize("mode, compiled, plain", [("LSTM", RN.FusedLSTMKernel, LSTMKernel),
                                                    ("GRU", RN.FusedGRUKernel, GRUKernel)])
def test_float32_selects_the_compiled_step_and_float64_the_numpy_one(mode, compiled, plain):
    assert isinstance(R._kernel(mode, np.dtype(np.float32)), compiled)
    assert type(R._kernel(mode, np.dtype(np.float64))) is plain


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_compiled_step_matches_the_numpy_kernel(kind, monkeypatch):
    """Packed sequences of different lengths, two layers, both directions, 40 steps."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 40, 7)).astype(np.float32)
    lengths = [40, 33, 33, 12, 1]
    glassnet.manual_seed(0)
    layer = getattr(nn, kind)(7, 16, num_layers=2, bidirectional=True, batch_first=True)
    results = []
    for fused in (RN.FUSED, {}):
        monkeypatch.setattr(R, "_fused", lambda fused=fused: fused)
        layer.zero_grad()
        results.append(_run(layer, glassnet.tensor(x, requires_grad=True), lengths))
    names = ["output", "input gradient", "h_n", "c_n"][: 2 + (kind == "LSTM") + 1]
    names += [n for n, _ in layer.named_parameters()]
    for name, got, want in zip(names, *results):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.fixture(scope="module")
def elementwise():
    """The step's tanh and sigmoid over an array, compiled from the module's inline helpers."""
    @RN.numba.njit
    def apply(x, tanh, sigmoid):
        for k in range(x.size):
            tanh[k] = RN._tanh(x[k])
            sigmoid[k] = RN._sigmoid(x[k])

    def run(x):
        tanh, sigmoid = np.empty_like(x), np.empty_like(x)
        apply(x, tanh, sigmoid)
        return tanh, sigmoid

    return run


def test_tanh_and_sigmoid_are_accurate_to_float32_rounding(elementwise):
    x = np.concatenate([np.linspace(-20, 20, 400_001), [0.0, 1e-30, -1e-8, 3e38, -3e38]]).astype(np.float32)
    tanh, sigmoid = elementwise(x)
    exact = np.tanh(x.astype(np.float64))
    assert np.abs(tanh - exact).max() < 4e-7
    assert np.abs(sigmoid - 0.5 * (1 + np.tanh(x.astype(np.float64) / 2))).max() < 4e-7
    assert np.all(np.abs(tanh) <= 1) and np.all((sigmoid >= 0) & (sigmoid <= 1))
    np.testing.assert_allclose(tanh[-5:-2], x[-5:-2], rtol=3e-7)  # tiny inputs: tanh(x) = x, relatively


def test_nan_and_inf_are_not_hidden(elementwise):
    tanh, sigmoid = elementwise(np.array([np.nan, np.inf, -np.inf], np.float32))
    assert np.isnan(tanh[0]) and np.isnan(sigmoid[0])
    np.testing.assert_array_equal(tanh[1:], [1, -1])
    np.testing.assert_allclose(sigmoid[1:], [1, 0], atol=1e-7)
    for layer in (nn.LSTM(3, 4), nn.GRU(3, 4)):
        x = glassnet.tensor(np.full((6, 2, 3), np.nan, np.float32), requires_grad=True)
        out, _ = layer(x)
        out.sum().backward()
        assert np.isnan(out.array).all() and np.isnan(x.grad.array).all()
