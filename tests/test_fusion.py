"""Inference fusion of Conv2d, ReLU, MaxPool2d in Sequential (glassnet/nn/fusion.py).

The fused path must give what the layers give one by one: bit for bit
where it only reorders (pool before bias and ReLU), to float rounding where
it tiles the convolution; and against PyTorch either way.  It must also
stay out of the way: not under autograd, not for subclasses, not for inputs
it cannot tile exactly.
"""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import nn
from glassnet.kernels import conv_rows as R
from glassnet.nn import fusion
from glassnet.ops import conv as C


def _pair(in_ch, out_ch, conv_kw, pool_kw, relu_first=True, dtype=np.float32, seed=0):
    """The same conv -> ReLU -> max pool block in glassnet and torch, with shared weights."""
    gn.manual_seed(seed)
    ours = nn.Sequential(nn.Conv2d(in_ch, out_ch, **conv_kw), nn.ReLU(), nn.MaxPool2d(**pool_kw))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(in_ch, out_ch, **conv_kw), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(**pool_kw))
    if not relu_first:
        ours = nn.Sequential(ours[0], ours[2], ours[1])
        theirs = torch.nn.Sequential(theirs[0], theirs[2], theirs[1])
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def _run_both(ours, theirs, x):
    with gn.no_grad():
        got = ours(gn.tensor(x, dtype=x.dtype)).numpy()
    with torch.no_grad():
        want = theirs(torch.tensor(x)).numpy()
    return got, want


BLOCKS = [
    # (in, out, conv kwargs, pool kwargs, input (H, W)); in * kh * kw <= 32 and a 2x2 pool: tiles
    (1, 6, {"kernel_size": 5, "padding": 2}, {"kernel_size": 2}, (28, 28)),       # LeNet's first block
    (6, 16, {"kernel_size": 5}, {"kernel_size": 2}, (14, 14)),                    # LeNet's second
    (3, 4, {"kernel_size": 3}, {"kernel_size": 2}, (9, 8)),                       # odd output: floor
    (3, 4, {"kernel_size": 3}, {"kernel_size": 2, "ceil_mode": True}, (8, 8)),    # even: still tiles
    (3, 4, {"kernel_size": 3}, {"kernel_size": 2, "ceil_mode": True}, (9, 8)),    # partial window
    (2, 5, {"kernel_size": (3, 2), "padding": (2, 1)}, {"kernel_size": 2}, (7, 10)),
    (2, 3, {"kernel_size": 3, "bias": False}, {"kernel_size": 2}, (8, 8)),
    (2, 4, {"kernel_size": 3, "stride": 2, "padding": 1}, {"kernel_size": 2}, (11, 11)),
    (2, 4, {"kernel_size": 3, "dilation": 2}, {"kernel_size": 2}, (11, 11)),
    (4, 4, {"kernel_size": 3, "groups": 2, "padding": "same"}, {"kernel_size": 2}, (8, 8)),
    (3, 6, {"kernel_size": 3, "padding": 1}, {"kernel_size": 3, "stride": 2}, (9, 9)),  # AlexNet-style
    (3, 6, {"kernel_size": 3}, {"kernel_size": 3, "stride": 2, "padding": 1}, (10, 10)),
    (3, 6, {"kernel_size": 3}, {"kernel_size": 2, "stride": 1, "dilation": 2}, (10, 10)),
    (3, 40, {"kernel_size": 3, "padding": 1}, {"kernel_size": 2}, (8, 8)),        # channels last out
    (40, 8, {"kernel_size": 3, "padding": 1}, {"kernel_size": 2}, (6, 6)),        # channels-last input
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("relu_first", [True, False], ids=["conv-relu-pool", "conv-pool-relu"])
@pytest.mark.parametrize("block", BLOCKS, ids=[str(i) for i in range(len(BLOCKS))])
def test_fused_block_matches_torch(block, relu_first, dtype):
    in_ch, out_ch, conv_kw, pool_kw, size = block
    ours, theirs = _pair(in_ch, out_ch, conv_kw, pool_kw, relu_first, dtype)
    x = np.random.default_rng(1).standard_normal((3, in_ch, *size)).astype(dtype)
    got, want = _run_both(ours, theirs, x)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("block", BLOCKS, ids=[str(i) for i in range(len(BLOCKS))])
def test_reordering_is_exact_where_nothing_is_tiled(block, monkeypatch):
    """Pool, then bias and ReLU: the same numbers, bit for bit, as the layers one by one."""
    monkeypatch.setattr(R, "TILED_UP_TO_TAPS", 0)
    in_ch, out_ch, conv_kw, pool_kw, size = block
    ours, _ = _pair(in_ch, out_ch, conv_kw, pool_kw)
    x = gn.tensor(np.random.default_rng(2).standard_normal((2, in_ch, *size)).astype(np.float32))
    with gn.no_grad():
        fused = ours(x).numpy()
        monkeypatch.setattr(fusion, "enabled", False)
        apart = ours(x).numpy()
    np.testing.assert_array_equal(fused, apart)


def test_whole_lenet_under_no_grad_matches_torch_and_the_graph_path():
    gn.manual_seed(0)
    layers = lambda L: L.Sequential(  # noqa: E731
        L.Conv2d(1, 6, 5, padding=2), L.ReLU(), L.MaxPool2d(2), L.Conv2d(6, 16, 5), L.ReLU(), L.MaxPool2d(2),
        L.Flatten(), L.Linear(400, 120), L.ReLU(), L.Linear(120, 84), L.ReLU(), L.Linear(84, 10))
    ours, theirs = layers(nn), layers(torch.nn)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((16, 1, 28, 28)).astype(np.float32)
    got, want = _run_both(ours, theirs, x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    recorded = ours(gn.tensor(x))  # with autograd on: the layers one by one, with a graph
    assert recorded.grad_fn is not None
    np.testing.assert_allclose(recorded.detach().numpy(), got, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_input_stays_where_its_windows_reach(bad):
    """The tiled weight's zeros would spread inf or NaN to a neighbour; such input is not tiled."""
    ours, theirs = _pair(1, 6, {"kernel_size": 3, "padding": 1}, {"kernel_size": 2})
    x = np.random.default_rng(4).standard_normal((2, 1, 12, 12)).astype(np.float32)
    x[0, 0, 5, 5] = bad
    got, want = _run_both(ours, theirs, x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert np.isnan(got).sum() + np.isinf(got).sum() < got.size / 4  # not the whole image


def test_tiled_product_matches_convolution_then_pool():
    rng = np.random.default_rng(5)
    for x_shape, w_shape, pad in [((3, 1, 28, 28), (6, 1, 5, 5), 2), ((2, 3, 9, 7), (8, 3, 3, 2), 1),
                                  ((2, 2, 6, 6), (1, 2, 1, 1), 0)]:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        geom = C.conv_geometry("conv2d", x, w, 1, pad, 1)
        count = tuple(n // 2 for n in geom.out_size)
        got = R.conv_max_pool_tiled(x, w, geom, count).transpose(3, 0, 1, 2)
        want = torch.max_pool2d(torch.conv2d(torch.tensor(x), torch.tensor(w), padding=pad), 2).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


class _Doubled(nn.Conv2d):
    def forward(self, input):  # noqa: A002
        return super().forward(input) * 2


def test_subclasses_and_pools_returning_indices_are_left_alone():
    gn.manual_seed(0)
    x = gn.randn(2, 1, 8, 8)
    doubled = nn.Sequential(_Doubled(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    plain = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    plain.load_state_dict(doubled.state_dict())
    with gn.no_grad():
        np.testing.assert_allclose(doubled(x).numpy(), 2 * plain(x).numpy(), rtol=1e-6)
        out = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert isinstance(out, tuple) and out[1].dtype == np.int64


def test_unbatched_input_and_errors_are_those_of_the_layers():
    gn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.MaxPool2d(2))
    x = gn.randn(2, 6, 6)
    with gn.no_grad():
        unbatched = model(x)
        batched = model(x.unsqueeze(0))
    np.testing.assert_allclose(unbatched.numpy(), batched.numpy()[0], rtol=1e-6)
    with gn.no_grad(), pytest.raises(RuntimeError, match=r"Conv2d\(2, 3.*has 3 channels, but the weight"):
        model(gn.randn(1, 3, 6, 6))
    with gn.no_grad(), pytest.raises(TypeError, match="dtype"):
        model(gn.randn(1, 2, 6, 6).double())
    with gn.no_grad(), pytest.raises(RuntimeError, match="larger than the padded input"):
        model(gn.randn(1, 2, 2, 2))


def test_which_blocks_take_which_path(monkeypatch):
    """LeNet's first block (6 out channels, 2x2 pool) is tiled, the second fused; with autograd neither."""
    calls = []
    tiled, fused = R.conv_max_pool_tiled, fusion.conv_relu_max_pool
    monkeypatch.setattr(fusion, "conv_max_pool_tiled", lambda *a: calls.append("tiled") or tiled(*a))
    monkeypatch.setattr(fusion, "conv_relu_max_pool", lambda *a: calls.append("fused") or fused(*a))
    gn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
    x = gn.randn(2, 1, 28, 28)
    with gn.no_grad():
        model(x)
    assert calls == ["fused", "tiled", "fused"]
    calls.clear()
    with gn.no_grad():
        nn.Sequential(model[0], model[2], model[1])(x)  # the pool before the ReLU
        nn.Sequential(model[0], model[1], nn.Identity(), model[2])(x)  # not adjacent: not fused
    assert calls == ["fused", "tiled"]
    calls.clear()
    with gn.no_grad():  # small windows but 64 outputs: fused, not tiled
        nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.MaxPool2d(2))(gn.randn(2, 3, 10, 10))
    assert calls == ["fused"]
    calls.clear()
    model(x)
    assert calls == []


# ------------------------------------------- training: the ReLU after the max pool
def _upstream(shape):
    """A gradient to send back: small integers, so that every sum is exact."""
    return (np.arange(np.prod(shape)) % 5 - 2).reshape(shape)


def _grads_both_ways(model, x, monkeypatch):
    """Output and gradients (input, then every parameter) with the swap and with the layers in order."""
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(fusion, "enabled", enabled)
        model.zero_grad()
        xt = gn.tensor(x, dtype=x.dtype, requires_grad=True)
        y = model(xt)
        (y * gn.tensor(_upstream(y.shape), dtype=x.dtype)).sum().backward()
        results.append([y.detach().numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in model.parameters()])
    return results


def _node_names(y):
    names, node = [], y.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = node.inputs[0].grad_fn if node.inputs else None
    return names


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block", BLOCKS, ids=[str(i) for i in range(len(BLOCKS))])
def test_relu_after_the_pool_gives_the_same_values_and_gradients_bit_for_bit(block, dtype, monkeypatch):
    """Small integers make many ties and windows whose maximum is exactly 0 or negative."""
    in_ch, out_ch, conv_kw, pool_kw, size = block
    ours, theirs = _pair(in_ch, out_ch, conv_kw, pool_kw, dtype=dtype)
    rng = np.random.default_rng(6)
    with gn.no_grad():
        for p in ours.parameters():
            p.array[...] = rng.integers(-2, 3, p.shape)
    x = rng.integers(-2, 3, (3, in_ch, *size)).astype(dtype)
    swapped, in_order = _grads_both_ways(ours, x, monkeypatch)
    for got, want in zip(swapped, in_order):
        np.testing.assert_array_equal(got, want)
    monkeypatch.setattr(fusion, "enabled", True)
    swapped_graph = ours(gn.tensor(x, dtype=x.dtype, requires_grad=True))  # (no tiles: x needs a gradient)
    assert _node_names(swapped_graph)[:2] == ["Relu", "MaxPool2d"]  # the swap did happen
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    tx = torch.tensor(x, requires_grad=True)
    ty = theirs(tx)
    (ty * torch.tensor(_upstream(ty.shape), dtype=ty.dtype)).sum().backward()
    np.testing.assert_array_equal(swapped[0], ty.detach().numpy())  # integers: exact in both
    np.testing.assert_array_equal(swapped[1], tx.grad.numpy())


def test_keras_conv_with_relu_then_max_pooling_trains_as_the_layers_in_order(monkeypatch):
    """``Conv2D(activation='relu')`` then ``MaxPooling2D``, through ``fit`` (whose loss runs the layers
    before the softmax itself): the same weights after training, bit for bit, and the swap taken."""
    from glassnet import keras
    from glassnet.ops import conv_pool

    monkeypatch.setattr(conv_pool, "TILED_UP_TO_TAPS", 0)  # the swap alone (tests/test_conv_pool.py: tiles)
    rng = np.random.default_rng(7)
    x = rng.integers(-2, 3, (12, 9, 8, 3)).astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 3, 12), 3)
    taken = []
    swap = fusion._pool_after_relu
    monkeypatch.setattr(fusion, "_pool_after_relu", lambda *a: taken.append(swap(*a)) or taken[-1])
    trained = []
    for enabled in (True, False):
        monkeypatch.setattr(fusion, "enabled", enabled)
        gn.manual_seed(0)
        model = keras.Sequential([keras.layers.Conv2D(40, 3, activation="relu", input_shape=(9, 8, 3)),
                                  keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        trained.append(model.get_weights())
    for got, want in zip(*trained):
        np.testing.assert_array_equal(got, want)
    assert any(result is not None for result in taken)
    names = _node_names(fusion.run_sequence(model.layers[:2], gn.tensor(x)))
    monkeypatch.setattr(fusion, "enabled", True)
    swapped = _node_names(fusion.run_sequence(model.layers[:2], gn.tensor(x)))
    assert names.index("Relu") > names.index("MaxPool2d")  # (from the output back)
    assert swapped.index("Relu") < swapped.index("MaxPool2d")


class _CountingPool(nn.MaxPool2d):
    pass


def test_the_swap_leaves_other_pools_and_activations_alone(monkeypatch):
    gn.manual_seed(0)
    x = gn.randn(2, 1, 8, 8)
    for model in [nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), _CountingPool(2)),
                  nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AvgPool2d(2)),
                  nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.MaxPool2d(2))]:
        assert _node_names(model(x))[0] != "Relu"
    out = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert isinstance(out, tuple) and _node_names(out[0])[0] == "MaxPool2d"
