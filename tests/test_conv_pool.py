"""A first convolution and its 2x2 max pool, trained in tiles (glassnet/ops/conv_pool.py).

The tiled node must give what conv2d then max_pool2d give, in value and in
the weight's and bias's gradients: against PyTorch, against float64 central
differences, and to second order. In a model it must be taken only where it
applies (an input that needs no gradient, whole 2x2 windows, few taps) and
leave the layers alone elsewhere.
"""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import nn
from glassnet.autograd.gradcheck import gradcheck, gradgradcheck
from glassnet.nn import fusion
from glassnet.ops import conv as C
from glassnet.ops import conv_pool as CP

CONVS = [  # (input (N, C, H, W), kernel (O, C, kh, kw), padding)
    ((3, 1, 8, 8), (32, 1, 3, 3), 0),          # the book convnet's first layer, in small
    ((2, 2, 9, 7), (32, 2, 2, 3), (1, 0)),     # odd outputs: the last row / column is never pooled
    ((2, 1, 12, 12), (32, 1, 3, 3), 1),
    ((2, 1, 10, 10), (32, 1, 5, 5), 2),        # LeNet's first layer with 32 filters
    ((2, 3, 8, 8), (64, 3, 3, 3), 1),          # a CIFAR first layer
]


def _fused(x, w, b, padding):
    geom = C.conv_geometry("conv2d", x, w, 1, padding, 1)
    y = CP.conv_max_pool(x, w, b, geom, nn.MaxPool2d(2))
    assert y is not None and type(y.grad_fn).__name__ == "ConvMaxPool"
    return y


def _f64(a, grad=False):
    return gn.tensor(a, dtype=np.float64, requires_grad=grad)


@pytest.mark.parametrize("case", CONVS, ids=[str(i) for i in range(len(CONVS))])
def test_tiled_conv_pool_matches_torch_in_value_and_gradients(case):
    x_shape, w_shape, padding = case
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    wt, bt = _f64(w, True), _f64(b, True)
    y = _fused(_f64(x), wt, bt, padding)
    tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    ty = torch.max_pool2d(torch.conv2d(torch.tensor(x), tw, tb, padding=padding), 2)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(ty.shape)
    (y * gn.tensor(upstream, dtype=np.float64)).sum().backward()
    (ty * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(bt.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CONVS[:2], ids=["0", "1"])
def test_tiled_conv_pool_passes_central_differences_to_second_order(case):
    x_shape, w_shape, padding = case
    rng = np.random.default_rng(1)
    x = _f64(rng.standard_normal(x_shape))
    w, b = _f64(rng.standard_normal(w_shape), True), _f64(rng.standard_normal(w_shape[0]), True)
    fn = lambda w, b: _fused(x, w, b, padding)  # noqa: E731
    assert gradcheck(fn, (w, b))
    assert gradgradcheck(fn, (w, b))


def test_ties_go_to_the_first_position_of_the_window_as_in_torch():
    """Black borders (MNIST) give windows of equal outputs: the gradient must reach one of them."""
    x = np.zeros((2, 1, 8, 8))
    x[:, :, 3:5, 3:5] = 1.0
    w = np.arange(32 * 9.0).reshape(32, 1, 3, 3) % 9 - 4
    wt = _f64(w, True)
    y = _fused(_f64(x), wt, None, 0)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.max_pool2d(torch.conv2d(torch.tensor(x), tw), 2)
    upstream = np.arange(ty.numel()).reshape(ty.shape) % 3 + 1.0
    (y * gn.tensor(upstream, dtype=np.float64)).sum().backward()
    (ty * torch.tensor(upstream)).sum().backward()
    np.testing.assert_array_equal(wt.grad.numpy(), tw.grad.numpy())


def _grads(model, x, enabled, monkeypatch):
    monkeypatch.setattr(fusion, "enabled", enabled)
    model.zero_grad()
    y = model(gn.tensor(x, dtype=x.dtype))
    (y * gn.tensor(np.arange(y.numel()).reshape(y.shape) % 5 - 2.0, dtype=x.dtype)).sum().backward()
    return y, [y.detach().numpy()] + [p.grad.numpy() for p in model.parameters()]


def test_a_sequential_trains_its_first_block_in_tiles_and_gets_the_layers_gradients(monkeypatch):
    gn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 4, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten()).double()
    x = np.random.default_rng(2).standard_normal((3, 1, 14, 14))
    _, got = _grads(model, x, True, monkeypatch)
    _, want = _grads(model, x, False, monkeypatch)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(fusion, "enabled", True)
    names, node = [], model(gn.tensor(x, dtype=x.dtype)).grad_fn  # (backward released the graph)
    while node is not None:
        names.append(type(node).__name__)
        node = node.inputs[0].grad_fn if node.inputs else None
    assert names.count("ConvMaxPool") == 1  # the first block only: the second's input needs a gradient


def test_keras_conv2d_with_relu_and_max_pooling_trains_in_tiles(monkeypatch):
    from glassnet import keras

    gn.manual_seed(0)
    model = keras.Sequential([keras.layers.Conv2D(32, 3, activation="relu", padding="same",
                                                  input_shape=(10, 10, 1)),
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(3)])
    x = np.random.default_rng(3).standard_normal((4, 10, 10, 1)).astype(np.float32)
    calls = []
    original = CP.ConvMaxPool.forward
    monkeypatch.setattr(CP.ConvMaxPool, "forward", lambda self, *a: calls.append(1) or original(self, *a))
    _, got = _grads(model, x, True, monkeypatch)
    assert calls
    _, want = _grads(model, x, False, monkeypatch)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("model, x", [
    (lambda: nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(3)), np.ones((2, 1, 9, 9))),
    (lambda: nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 1)), np.ones((2, 1, 9, 9))),
    (lambda: nn.Sequential(nn.Conv2d(4, 32, 3), nn.ReLU(), nn.MaxPool2d(2)), np.ones((2, 4, 9, 9))),  # 36
    (lambda: nn.Sequential(nn.Conv2d(1, 32, 3, stride=2), nn.MaxPool2d(2)), np.ones((2, 1, 13, 13))),
    (lambda: nn.Sequential(nn.Conv2d(1, 32, 3), nn.Tanh(), nn.MaxPool2d(2)), np.ones((2, 1, 9, 9))),
    (lambda: nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2)), np.full((2, 1, 9, 9), np.inf)),
    (lambda: nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)), np.ones((2, 1, 8, 8))),
])
def test_the_tiles_are_left_out_where_they_do_not_apply(model, x, monkeypatch):
    calls = []
    monkeypatch.setattr(CP.ConvMaxPool, "forward", lambda self, *a: calls.append(1))
    gn.manual_seed(0)
    model()(gn.tensor(x.astype(np.float32)))
    assert not calls


def test_an_input_that_needs_a_gradient_gets_it_from_the_layers(monkeypatch):
    gn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
    x = gn.randn(2, 1, 8, 8, requires_grad=True)
    model(x).sum().backward()
    assert x.grad is not None and np.abs(x.grad.numpy()).sum() > 0
