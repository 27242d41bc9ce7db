"""Layers, init and functional vs torch.nn, plus statistical checks of initialisation."""

import math

import numpy as np
import pytest
import torch

import glassnet
import glassnet.nn.functional as F
from glassnet import nn
from glassnet.autograd import gradcheck, gradgradcheck
from glassnet.nn import init

tnn = torch.nn


def _copy_linear(ours, theirs):
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.array))
        if ours.bias is not None:
            theirs.bias.copy_(torch.from_numpy(ours.bias.array))


# ------------------------------------------------------------------ Linear
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(16, 7), (2, 3, 7), (7,)])
def test_linear_matches_torch_forward_and_backward(bias, shape):
    ours, theirs = nn.Linear(7, 5, bias=bias), tnn.Linear(7, 5, bias=bias)
    _copy_linear(ours, theirs)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    gx = glassnet.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    gy, ty = ours(gx), theirs(tx)
    np.testing.assert_allclose(gy.array, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = np.random.default_rng(1).standard_normal(gy.shape).astype(np.float32)
    gy.backward(glassnet.tensor(upstream))
    ty.backward(torch.tensor(upstream))
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.array, theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.array, theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_linear_uses_the_fused_node_and_passes_gradcheck():
    layer = nn.Linear(4, 3).double()
    x = glassnet.randn(5, 4, dtype=glassnet.float64, requires_grad=True)
    assert type(layer(x).grad_fn).__name__ == "Linear"

    def fn(x, w, b):
        return F.linear(x, w, b)

    assert gradcheck(fn, [x, layer.weight, layer.bias])
    assert gradgradcheck(lambda x: layer(x) * layer(x), [x])


def test_linear_errors_name_the_layer_and_shapes():
    layer = nn.Linear(784, 10)
    with pytest.raises(RuntimeError) as info:
        layer(glassnet.randn(32, 100))
    assert str(info.value) == (
        "Linear(in_features=784, out_features=10): linear: input of shape (32, 100) does not fit a "
        "weight of shape (10, 784) (out_features x in_features): expected the input's last dim to be "
        "784, got 100"
    )
    with pytest.raises(TypeError, match="input has dtype float64 but the weights are float32"):
        layer(glassnet.randn(2, 784, dtype=glassnet.float64))


def test_linear_default_init_follows_pytorch():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) reduces to 1/sqrt(fan_in)
    w, b = layer.weight.array, layer.bias.array
    assert w.dtype == np.float32 and w.shape == (300, 400)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    reference = tnn.Linear(400, 300).weight.detach().numpy()
    assert abs(w.std() - reference.std()) < 0.02 * reference.std()


def test_init_is_reproducible_with_manual_seed():
    glassnet.manual_seed(7)
    a = nn.Linear(5, 5)
    glassnet.manual_seed(7)
    b = nn.Linear(5, 5)
    np.testing.assert_array_equal(a.weight.array, b.weight.array)
    np.testing.assert_array_equal(a.bias.array, b.bias.array)
    assert not np.array_equal(a.weight.array, nn.Linear(5, 5).weight.array)


# -------------------------------------------------------------- LazyLinear
def test_lazy_linear_infers_in_features_on_first_call():
    model = nn.Sequential(nn.LazyLinear(16), nn.ReLU(), nn.LazyLinear(3))
    before = list(model.parameters())  # uninitialized, as in PyTorch: no shape yet
    assert [type(p).__name__ for p in before] == ["UninitializedParameter"] * 4
    assert sum(p.numel() for p in before) == 0
    assert repr(model[0]) == "LazyLinear(in_features=0, out_features=16, bias=True)"
    out = model(glassnet.randn(8, 20))
    assert out.shape == (8, 3)
    assert type(model[0]) is nn.Linear and model[0].in_features == 20 and model[2].in_features == 16
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [p for p in model.parameters()] == before  # the same objects, now filled in
    assert all(type(p) is nn.Parameter for p in before)
    assert repr(model[0]) == "Linear(in_features=20, out_features=16, bias=True)"
    assert np.abs(model[0].weight.array).max() <= 1 / math.sqrt(20)


def test_lazy_linear_without_bias_float64_and_from_state_dict():
    layer = nn.LazyLinear(2, bias=False)
    y = layer(glassnet.randn(3, 4, dtype=glassnet.float64))
    assert y.dtype == np.float64 and layer.bias is None and len(list(layer.parameters())) == 1
    source = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 2))
    fresh = nn.Sequential(nn.LazyLinear(4), nn.Tanh(), nn.LazyLinear(2))
    fresh.load_state_dict(source.state_dict())  # materialised from the saved shapes
    x = glassnet.randn(5, 6)
    np.testing.assert_array_equal(fresh(x).array, source(x).array)


# ------------------------------------------------------------ activations
ACTIVATIONS = [
    (lambda m: m.ReLU(), None),
    (lambda m: m.LeakyReLU(0.2), None),
    (lambda m: m.Sigmoid(), None),
    (lambda m: m.Tanh(), None),
    (lambda m: m.GELU(), None),
    (lambda m: m.GELU(approximate="tanh"), None),
    (lambda m: m.SiLU(), None),
    (lambda m: m.ELU(alpha=0.7), None),
    (lambda m: m.Softplus(beta=2.0, threshold=5.0), None),
    (lambda m: m.Softmax(dim=1), None),
    (lambda m: m.LogSoftmax(dim=0), None),
    (lambda m: m.Flatten(), None),
    (lambda m: m.Flatten(0, 1), None),
    (lambda m: m.Unflatten(2, (5, 1)), None),
    (lambda m: m.Unflatten(-2, (1, 3)), None),
    (lambda m: m.Identity(), None),
]


@pytest.mark.parametrize("make", [a for a, _ in ACTIVATIONS])
def test_layer_matches_torch_module(make):
    ours, theirs = make(nn), make(tnn)
    assert repr(ours) == repr(theirs)
    x = (np.random.default_rng(2).standard_normal((4, 3, 5)) * 3).astype(np.float32)
    gx = glassnet.tensor(x, requires_grad=True)
    # torch in float64 on the same values: its float32 GELU, for one, is off by up to ~3e-7 in the
    # left tail, differently on AVX2 and AVX-512
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    gy, ty = ours(gx), theirs(tx)
    assert gy.dtype == glassnet.float32
    np.testing.assert_allclose(gy.array, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    w = np.random.default_rng(3).standard_normal(gy.shape).astype(np.float32)
    (gy * glassnet.tensor(w)).sum().backward()
    (ty * torch.tensor(w, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_unflatten_says_which_sizes_do_not_fit():
    with pytest.raises(RuntimeError, match=r"Unflatten: cannot split dim 1 of an input of shape \(2, 784\) "
                                           r"into \(1, 28, 27\)"):
        nn.Unflatten(1, (1, 28, 27))(glassnet.zeros(2, 784))


def test_gelu_rejects_bad_approximation_at_construction():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'erf'"):
        nn.GELU(approximate="erf")


# ---------------------------------------------------------------- Dropout
def test_dropout_module_train_and_eval():
    drop = nn.Dropout(0.25)
    assert repr(drop) == repr(tnn.Dropout(0.25))
    x = glassnet.ones(400, 500)
    y = drop(x).array
    assert abs((y == 0).mean() - 0.25) < 0.005
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).array == 0)
    with pytest.raises(ValueError, match=r"Dropout: p is a probability and must be in \[0, 1\], got 1.2"):
        nn.Dropout(1.2)


def test_dropout2d_lives_beside_dropout_and_its_old_import_path_still_works():
    from glassnet.nn.dropout import Dropout2d
    from glassnet.nn.norm import Dropout2d as old_home

    assert nn.Dropout2d is Dropout2d is old_home and issubclass(Dropout2d, nn.Dropout)


# ------------------------------------------------------------------- init
def test_calculate_gain_and_fans_match_torch():
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"]:
        assert init.calculate_gain(name) == pytest.approx(tnn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(tnn.init.calculate_gain("leaky_relu", 0.2))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    for shape in [(3, 5), (8, 4, 3, 3), (2, 6, 5)]:
        ours = init._calculate_fan_in_and_fan_out(glassnet.zeros(*shape))
        assert ours == tnn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    with pytest.raises(ValueError, match="at least 2 dimensions, got shape \\(5,\\)"):
        init.xavier_uniform_(glassnet.zeros(5))


def _fill(fn, shape=(500, 800), **kwargs):
    t = glassnet.zeros(*shape)
    assert fn(t, **kwargs) is t and t.dtype == np.float32
    return t.array


def test_uniform_normal_constant():
    u = _fill(init.uniform_, a=-2.0, b=3.0)
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.01
    assert abs(u.std() - 5 / math.sqrt(12)) < 0.01
    n = _fill(init.normal_, mean=1.0, std=0.5)
    assert abs(n.mean() - 1.0) < 0.005 and abs(n.std() - 0.5) < 0.005
    assert np.all(_fill(init.constant_, val=0.3) == np.float32(0.3))
    assert np.all(_fill(init.zeros_) == 0) and np.all(_fill(init.ones_) == 1)


@pytest.mark.parametrize("shape", [(500, 800), (256, 128, 3, 3)])
def test_xavier_statistics(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(glassnet.zeros(*shape))
    std = 2.0 * math.sqrt(2.0 / (fan_in + fan_out))
    u = _fill(init.xavier_uniform_, shape, gain=2.0)
    assert np.abs(u).max() <= math.sqrt(3) * std and abs(u.std() - std) < 0.01 * std
    n = _fill(init.glorot_normal_, shape, gain=2.0)
    assert abs(n.std() - std) < 0.01 * std and abs(n.mean()) < 0.01 * std
    assert init.glorot_uniform_ is init.xavier_uniform_


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0), ("leaky_relu", 0.1), ("tanh", 0)])
def test_kaiming_statistics(mode, nonlinearity, a):
    shape = (600, 900)
    fan = 900 if mode == "fan_in" else 600
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    u = _fill(init.kaiming_uniform_, shape, a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(u).max() <= math.sqrt(3) * std and abs(u.std() - std) < 0.01 * std
    n = _fill(init.he_normal_, shape, a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(n.std() - std) < 0.01 * std
    reference = tnn.init.kaiming_normal_(torch.zeros(shape), a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(n.std() - reference.std().item()) < 0.02 * std


def test_kaiming_rejects_bad_mode():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(glassnet.zeros(3, 3), mode="fan_avg")


# ------------------------------------------------------------- functional
def test_functional_matches_torch():
    tf = torch.nn.functional
    x = (np.random.default_rng(4).standard_normal((3, 4, 5)) * 2).astype(np.float32)
    gx, tx = glassnet.tensor(x), torch.tensor(x, dtype=torch.float64)  # the oracle in float64
    pairs = [
        (F.relu(gx), tf.relu(tx)), (F.leaky_relu(gx, 0.3), tf.leaky_relu(tx, 0.3)),
        (F.sigmoid(gx), torch.sigmoid(tx)), (F.tanh(gx), torch.tanh(tx)), (F.gelu(gx), tf.gelu(tx)),
        (F.softmax(gx, dim=1), tf.softmax(tx, dim=1)), (F.log_softmax(gx, 2), tf.log_softmax(tx, 2)),
        (F.silu(gx), tf.silu(tx)), (F.elu(gx), tf.elu(tx)), (F.softplus(gx), tf.softplus(tx)),
        (F.flatten(gx, 1), torch.flatten(tx, 1)), (F.dropout(gx, 0.5, training=False), tx),
    ]
    w = np.random.default_rng(5).standard_normal((4, 5)).astype(np.float32)
    b = np.ones(4, np.float32)
    pairs.append((F.linear(gx, glassnet.tensor(w), glassnet.tensor(b)),
                  tf.linear(tx, torch.tensor(w, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))))
    for ours, theirs in pairs:
        assert ours.dtype == glassnet.float32
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert np.any(F.dropout(gx, 0.5).array == 0)  # training=True by default, as in torch
