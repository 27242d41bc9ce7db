"""RNN/LSTM/GRU cells and layers against torch.nn and finite differences.

Forward and backward (outputs, final states, gradients of the input, h0, c0
and every parameter) against PyTorch in float32; gradcheck and gradgradcheck
in float64; the fused NumPy backward against the composed-op one; state
dicts moved both ways.  Packed (variable-length) sequences are in
``test_rnn_packed.py``.
"""

import math

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn
from glassnet.autograd import grad, gradcheck, gradgradcheck
from glassnet.ops import recurrent as R

tnn = torch.nn

CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {}),
         ("LSTMCell", {"bias": False}), ("GRUCell", {"bias": False})]
LAYERS = ["RNN", "RNN_relu", "LSTM", "GRU"]
CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=2, hx=True),
    dict(num_layers=1, bidirectional=True, bias=False, hx=True),
    dict(num_layers=3, bidirectional=True, hx=True),
]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pair(kind, *args, **kwargs):
    """The same layer in both libraries, glassnet's loaded from torch's state dict."""
    if kind == "RNN_relu":
        kind, kwargs = "RNN", dict(kwargs, nonlinearity="relu")
    theirs = getattr(tnn, kind)(*args, **kwargs)
    ours = getattr(nn, kind)(*args, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _leaf(array, lib):
    return lib.tensor(array, requires_grad=True)


def _flat(result):
    """(output, h_n) or (output, (h_n, c_n)) or a cell's h / (h, c), as a flat tuple."""
    if not isinstance(result, tuple):
        return (result,)
    out = []
    for r in result:
        out += list(r) if isinstance(r, tuple) else [r]
    return tuple(out)


def _compare_with_torch(ours, theirs, our_in, their_in, call, rtol=1e-5, atol=1e-5):
    got, want = _flat(call(ours, our_in)), _flat(call(theirs, their_in))
    assert len(got) == len(want)
    rng = _rng(7)
    ups = [rng.standard_normal(tuple(w.shape)).astype(np.float32) for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.array, w.detach().numpy(), rtol=rtol, atol=atol)
    sum(((g * glassnet.tensor(u)).sum() for g, u in zip(got, ups)), glassnet.tensor(0.0)).backward()
    sum((w * torch.tensor(u)).sum() for w, u in zip(want, ups)).backward()
    for a, b in zip(our_in, their_in):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=rtol, atol=atol)
    ours_p, theirs_p = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(ours_p) == list(theirs_p)
    for name, p in ours_p.items():
        want = theirs_p[name].grad.numpy()
        np.testing.assert_allclose(p.grad.array, want, rtol=rtol, atol=atol, err_msg=name)


# ----------------------------------------------------------------- cells
@pytest.mark.parametrize("kind,kwargs", CELLS)
@pytest.mark.parametrize("batched", [True, False])
def test_cell_matches_torch(kind, kwargs, batched):
    ours, theirs = _pair(kind, 5, 4, **kwargs)
    rng = _rng(1)
    shape = (3,) if batched else ()
    arrays = [rng.standard_normal(shape + (5,)).astype(np.float32)]
    n_states = 2 if kind == "LSTMCell" else 1
    arrays += [rng.standard_normal(shape + (4,)).astype(np.float32) for _ in range(n_states)]
    our_in = [_leaf(a, glassnet) for a in arrays]
    their_in = [_leaf(a, torch) for a in arrays]

    def call(cell, xs):
        # two steps, so that the gradient flows through the recurrence
        state = xs[1] if len(xs) == 2 else (xs[1], xs[2])
        state = cell(xs[0], state)
        return cell(xs[0] * 0.5, state)

    _compare_with_torch(ours, theirs, our_in, their_in, call)


@pytest.mark.parametrize("kind,kwargs", CELLS[:4])
def test_cell_gradcheck_and_gradgradcheck(kind, kwargs):
    cell = getattr(nn, kind)(2, 3, **kwargs).double()
    rng = _rng(2)
    x = glassnet.tensor(rng.standard_normal((2, 2)), dtype=glassnet.float64, requires_grad=True)
    states = [glassnet.tensor(rng.standard_normal((2, 3)), dtype=glassnet.float64, requires_grad=True)
              for _ in range(2 if kind == "LSTMCell" else 1)]

    def fn(x, *rest):
        out = cell(x, rest[0] if len(states) == 1 else tuple(rest[:2]))
        return out if isinstance(out, tuple) else (out,)

    params = list(cell.parameters())
    assert gradcheck(fn, [x, *states, *params])
    assert gradgradcheck(fn, [x, *states, *params])


def test_cell_without_state_starts_from_zeros():
    cell = nn.LSTMCell(3, 2)
    x = glassnet.randn(4, 3)
    h, c = cell(x)
    h0, c0 = cell(x, (glassnet.zeros(4, 2), glassnet.zeros(4, 2)))
    np.testing.assert_array_equal(h.array, h0.array)
    np.testing.assert_array_equal(c.array, c0.array)


# ---------------------------------------------------------------- layers
def _layer_inputs(kind, config, seq=5, batch=3, size=4, hidden=6, seed=3):
    rng = _rng(seed)
    directions = 2 if config.get("bidirectional") else 1
    shape = (batch, seq, size) if config.get("batch_first") else (seq, batch, size)
    arrays = [rng.standard_normal(shape).astype(np.float32)]
    if config.get("hx"):
        n_states = 2 if kind == "LSTM" else 1
        arrays += [rng.standard_normal((config["num_layers"] * directions, batch, hidden)).astype(np.float32)
                   for _ in range(n_states)]
    return arrays


def _call_layer(layer, xs):
    if len(xs) == 1:
        return layer(xs[0])
    return layer(xs[0], xs[1] if len(xs) == 2 else (xs[1], xs[2]))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("kind", LAYERS)
def test_layer_matches_torch(kind, config):
    kwargs = {k: v for k, v in config.items() if k != "hx"}
    ours, theirs = _pair(kind, 4, 6, **kwargs)
    arrays = _layer_inputs(kind, config)
    our_in = [_leaf(a, glassnet) for a in arrays]
    their_in = [_leaf(a, torch) for a in arrays]
    _compare_with_torch(ours, theirs, our_in, their_in, _call_layer)


@pytest.mark.parametrize("kind", LAYERS)
def test_unbatched_input_matches_torch(kind):
    ours, theirs = _pair(kind, 4, 6, num_layers=2, bidirectional=True)
    rng = _rng(4)
    arrays = [rng.standard_normal((5, 4)).astype(np.float32)]
    arrays += [rng.standard_normal((4, 6)).astype(np.float32) for _ in range(2 if kind == "LSTM" else 1)]
    _compare_with_torch(ours, theirs, [_leaf(a, glassnet) for a in arrays], [_leaf(a, torch) for a in arrays],
                        _call_layer)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_two_layer_bidirectional_gradcheck(kind):
    layer = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True).double()
    rng = _rng(5)
    inputs = [glassnet.tensor(rng.standard_normal((3, 2, 2)), dtype=glassnet.float64, requires_grad=True)]
    inputs += [glassnet.tensor(rng.standard_normal((4, 2, 3)), dtype=glassnet.float64, requires_grad=True)
               for _ in range(2 if kind == "LSTM" else 1)]

    def fn(*xs):
        return _flat(_call_layer(layer, xs[: len(inputs)]))

    assert gradcheck(fn, inputs + list(layer.parameters()))


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_gradgradcheck(kind):
    layer = _pair(kind, 2, 2, bidirectional=True)[0].double()
    rng = _rng(6)
    x = glassnet.tensor(rng.standard_normal((2, 2, 2)), dtype=glassnet.float64, requires_grad=True)
    assert gradgradcheck(lambda x, *ps: _flat(layer(x)), [x, *list(layer.parameters())[:2]])


@pytest.mark.parametrize("kind", LAYERS)
def test_fused_backward_equals_composed_backward(kind):
    """The NumPy first-order backward against the composed-op one (what create_graph uses),
    and the fused forward against the composed cells run step by step."""
    config = dict(num_layers=2, bidirectional=True, hx=True)
    layer = _pair(kind, 4, 5, num_layers=2, bidirectional=True)[0].double()
    arrays = _layer_inputs(kind, config, hidden=5)
    inputs = [glassnet.tensor(a, dtype=glassnet.float64, requires_grad=True) for a in arrays]
    wrt = inputs + list(layer.parameters())
    outs = _flat(_call_layer(layer, inputs))
    ups = [glassnet.tensor(_rng(8).standard_normal(o.shape), dtype=glassnet.float64) for o in outs]
    fast = grad(outs, wrt, ups, retain_graph=True)
    slow = grad(outs, wrt, ups, create_graph=True)
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f.array, s.detach().array, rtol=1e-10, atol=1e-12)
    mode = {"RNN": "RNN_TANH", "RNN_relu": "RNN_RELU"}.get(kind, kind)
    x = inputs[0].reshape(-1, 4)
    states = [s[0] for s in inputs[1:]]
    run = R.composed_recurrence(mode, np.full(5, 3), reverse=False)
    want = run(x, *states, *list(layer.parameters())[:4])
    got = R.recurrence(mode, x, states, *list(layer.parameters())[:4], np.full(5, 3))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.array, w.array, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 8])
def test_one_sequence_of_any_length_matches_the_composed_cells(mode, dtype, steps):
    """Batch 1 makes every step a single column of the feature-major buffers, with a row
    stride of ``steps`` numbers; NumPy 2.4's in-place ``negative`` got such views wrong."""
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    rng = _rng(steps)
    x = glassnet.tensor(rng.standard_normal((steps, 3)), dtype=dtype, requires_grad=True)
    states = [glassnet.tensor(rng.standard_normal((1, 4)), dtype=dtype) for _ in range(1 + (mode == "LSTM"))]
    weights = [glassnet.tensor(rng.standard_normal(shape) * 0.5, dtype=dtype, requires_grad=True)
               for shape in [(4 * gates, 3), (4 * gates, 4), (4 * gates,), (4 * gates,)]]
    got = R.recurrence(mode, x, states, *weights, np.ones(steps, np.int64))
    want = R.composed_recurrence(mode, np.ones(steps, np.int64), reverse=False)(x, *states, *weights)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.array, w.array, rtol=tol, atol=tol)
    fast = grad(got[0].sum(), [x, *weights])
    slow = grad(want[0].sum(), [x, *weights])
    for f, w in zip(fast, slow):
        np.testing.assert_allclose(f.array, w.array, rtol=10 * tol, atol=10 * tol)


def test_long_sequence_gradient_survives_subnormal_flush():
    """300 steps: the gradient reaching early steps underflows float32; flushing it must not
    change the result beyond float32 rounding (compared with torch in float64)."""
    ours, theirs = _pair("LSTM", 3, 8)
    theirs = theirs.double()
    x = _rng(9).standard_normal((300, 2, 3)).astype(np.float32)
    gx, tx = glassnet.tensor(x, requires_grad=True), torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ours(gx)[0][-1].sum().backward()
    theirs(tx)[0][-1].sum().backward()
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-4, atol=1e-7)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_flush_zeroes_only_negligible_numbers():
    tiny = np.array([1e-40, -3e-39, 1e-33, -4e-32, 1e-20, -1e-10, 1.0, 3e38], np.float32)
    out = tiny.copy()
    R._flush_(out, R._flush_offset(out.dtype))
    np.testing.assert_array_equal(out[:4], 0)
    np.testing.assert_allclose(out[4:], tiny[4:], rtol=1e-7)
    np.testing.assert_array_equal(out[5:], tiny[5:])


# ------------------------------------------------------ dropout and modes
def test_dropout_between_layers_only_in_training():
    ours, theirs = _pair("LSTM", 4, 5, num_layers=2, dropout=1.0)
    x = _rng(10).standard_normal((6, 2, 4)).astype(np.float32)
    # p = 1 zeroes the first layer's output: the second layer then sees zeros, in both libraries.
    np.testing.assert_allclose(ours(glassnet.tensor(x))[0].array, theirs(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(glassnet.tensor(x))[0].array, theirs(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    half = nn.GRU(4, 5, num_layers=2, dropout=0.5)
    glassnet.manual_seed(1)
    a = half(glassnet.tensor(x))[0].array
    glassnet.manual_seed(1)
    b = half(glassnet.tensor(x))[0].array
    c = half(glassnet.tensor(x))[0].array
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(4, 5, dropout=0.3)


# ------------------------------------------------- parameters, init, I/O
@pytest.mark.parametrize("kind", LAYERS)
def test_state_dict_moves_both_ways(kind):
    kwargs = dict(num_layers=2, bidirectional=True)
    if kind == "RNN_relu":
        kind, kwargs = "RNN", dict(kwargs, nonlinearity="relu")
    ours, theirs = getattr(nn, kind)(4, 6, **kwargs), getattr(tnn, kind)(4, 6, **kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in ours.state_dict().items()})
    x = _rng(11).standard_normal((5, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(glassnet.tensor(x))[0].array, theirs(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    fresh = getattr(nn, kind)(4, 6, **kwargs)
    fresh.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(fresh(glassnet.tensor(x))[0].array, ours(glassnet.tensor(x))[0].array)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_state_dict_keys_match_torch(kind):
    assert list(getattr(nn, kind)(3, 5).state_dict()) == list(getattr(tnn, kind)(3, 5).state_dict())


@pytest.mark.parametrize("module", [nn.LSTM(10, 400, num_layers=2), nn.GRUCell(10, 400)],
                         ids=["LSTM", "GRUCell"])
def test_init_is_uniform_within_one_over_sqrt_hidden(module):
    bound = 1 / math.sqrt(400)
    values = np.concatenate([p.array.ravel() for p in module.parameters()])
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_repr_matches_torch():
    for args, kwargs in [((4, 6), {}), ((4, 6), dict(num_layers=2, batch_first=True, dropout=0.5)),
                         ((4, 6), dict(bias=False, bidirectional=True))]:
        assert repr(nn.LSTM(*args, **kwargs)) == repr(tnn.LSTM(*args, **kwargs))
    assert repr(nn.RNN(3, 2, nonlinearity="relu")) == repr(tnn.RNN(3, 2, nonlinearity="relu"))
    assert repr(nn.RNNCell(3, 2, nonlinearity="relu")) == repr(tnn.RNNCell(3, 2, nonlinearity="relu"))
    assert repr(nn.GRUCell(3, 2, bias=False)) == repr(tnn.GRUCell(3, 2, bias=False))


# ---------------------------------------------------------------- errors
def test_errors_name_the_layer_and_the_shapes():
    lstm = nn.LSTM(8, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"LSTM\(8, 4\): expected input .* input_size=8, got \(5, 3, 7\)"):
        lstm(glassnet.randn(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"expected h_0 of shape \(2, 3, 4\).*got \(1, 3, 4\)"):
        lstm(glassnet.randn(5, 3, 8), (glassnet.randn(1, 3, 4), glassnet.randn(2, 3, 4)))
    with pytest.raises(TypeError, match="input has dtype float64 but the weights are float32"):
        lstm(glassnet.randn(5, 3, 8, dtype=glassnet.float64))
    with pytest.raises(RuntimeError, match=r"GRUCell\(3, 2\): expected a hidden state of shape \(4, 2\)"):
        nn.GRUCell(3, 2)(glassnet.randn(4, 3), glassnet.randn(4, 5))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 2, nonlinearity="sigmoid")
