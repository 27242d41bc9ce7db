"""Lazy layers: one mechanism (nn/lazy.py) for Linear, Conv1d/2d and BatchNorm1d/2d;
an optimizer built before the first call trains them, as in PyTorch."""

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn, optim


def _copy_weights(source, target):
    target.load_state_dict({k: v.detach().numpy().copy() for k, v in source.state_dict().items()})


@pytest.mark.parametrize("make_opt", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    lambda p: optim.Adam(p, lr=0.01),
    lambda p: optim.RMSprop(p, lr=0.01),
    lambda p: optim.Adagrad(p, lr=0.1),
], ids=["SGD", "Adam", "RMSprop", "Adagrad"])
def test_an_optimizer_built_before_the_first_call_trains_the_lazy_layers(make_opt):
    glassnet.manual_seed(0)
    lazy = nn.Sequential(nn.LazyLinear(8), nn.Tanh(), nn.LazyLinear(1))
    opt = make_opt(lazy.parameters())  # before any input: PyTorch allows this too
    x = glassnet.randn(16, 5)
    y = glassnet.randn(16, 1)
    with glassnet.no_grad():
        lazy(x[:1])  # materialises; the optimizer's parameters are the same objects
    plain = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
    _copy_weights(lazy, plain)
    start = lazy[0].weight.detach().numpy().copy()
    plain_opt = make_opt(plain.parameters())
    for model, optimizer in ((lazy, opt), (plain, plain_opt)):
        for _ in range(3):
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()
    assert not np.array_equal(lazy[0].weight.detach().numpy(), start)
    for (name, a), b in zip(lazy.state_dict().items(), plain.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_an_optimizer_on_layers_never_called_steps_over_them():
    layer = nn.LazyLinear(3)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    opt.step()  # no gradients yet: nothing happens, and nothing fails
    assert layer.weight.numel() == 0 and repr(layer.weight) == "<UninitializedParameter>"


@pytest.mark.parametrize("lazy, plain, shape", [
    (lambda: nn.LazyConv1d(4, 3, padding=1), lambda: torch.nn.Conv1d(6, 4, 3, padding=1), (2, 6, 9)),
    (lambda: nn.LazyConv2d(4, 3, stride=2), lambda: torch.nn.Conv2d(6, 4, 3, stride=2), (2, 6, 9, 9)),
    (lambda: nn.LazyBatchNorm1d(), lambda: torch.nn.BatchNorm1d(6), (5, 6)),
    (lambda: nn.LazyBatchNorm1d(affine=False), lambda: torch.nn.BatchNorm1d(6, affine=False), (5, 6, 4)),
    (lambda: nn.LazyBatchNorm2d(momentum=0.3), lambda: torch.nn.BatchNorm2d(6, momentum=0.3), (3, 6, 4, 4)),
    (lambda: nn.LazyBatchNorm2d(track_running_stats=False),
     lambda: torch.nn.BatchNorm2d(6, track_running_stats=False), (3, 6, 4, 4)),
], ids=["conv1d", "conv2d", "bn1d", "bn1d-no-affine-3d", "bn2d", "bn2d-no-stats"])
def test_lazy_layers_become_their_ordinary_class_and_match_torch(lazy, plain, shape):
    ours, theirs = lazy(), plain()
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    assert ours(glassnet.tensor(x)).shape == tuple(theirs(torch.tensor(x)).shape)
    assert type(ours).__name__ == type(theirs).__name__
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    # From the torch layer's state (weights and running statistics), one more training step each:
    # the same output and the same state after it.
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(ours(glassnet.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=key)


def test_lazy_batch_norm_initialises_as_pytorch_and_keeps_running_statistics():
    bn = nn.LazyBatchNorm2d()
    assert [type(t).__name__ for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var)] == [
        "UninitializedParameter", "UninitializedParameter", "UninitializedBuffer", "UninitializedBuffer"]
    x = glassnet.randn(4, 3, 5, 5) * 2 + 1
    bn(x)
    assert type(bn) is nn.BatchNorm2d and bn.num_features == 3
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(3, np.float32))
    np.testing.assert_array_equal(bn.bias.detach().numpy(), np.zeros(3, np.float32))
    assert int(bn.num_batches_tracked.numpy()) == 1
    expected = 0.1 * x.numpy().mean(axis=(0, 2, 3))
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-5)


def test_lazy_layers_materialise_from_a_state_dict():
    source = nn.Sequential(nn.Conv1d(3, 4, 2), nn.BatchNorm1d(4), nn.Flatten(), nn.Linear(4 * 5, 2))
    fresh = nn.Sequential(nn.LazyConv1d(4, 2), nn.LazyBatchNorm1d(), nn.Flatten(), nn.LazyLinear(2))
    fresh.load_state_dict(source.state_dict())
    assert [type(m).__name__ for m in fresh] == ["Conv1d", "BatchNorm1d", "Flatten", "Linear"]
    x = glassnet.randn(2, 3, 6)
    source.eval()
    fresh.eval()
    np.testing.assert_array_equal(fresh(x).detach().numpy(), source(x).detach().numpy())


def test_lazy_layers_name_themselves_in_errors():
    with pytest.raises(RuntimeError, match="LazyBatchNorm2d: expected a 4-D input, got shape"):
        nn.LazyBatchNorm2d()(glassnet.randn(3, 4))
    with pytest.raises(RuntimeError, match="LazyConv1d: expected a 2-D or 3-D input"):
        nn.LazyConv1d(2, 3)(glassnet.randn(1, 2, 3, 4))
    with pytest.raises(ValueError, match="LazyConv2d: the input's 5 channels are not divisible by groups=2"):
        nn.LazyConv2d(4, 3, groups=2)(glassnet.randn(1, 5, 6, 6))


@pytest.mark.parametrize("make_opt", [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.Adam(p, lr=0.01)],
                         ids=["SGD", "Adam"])
def test_d2l_lazy_cnn_trains_with_an_optimizer_made_before_the_first_forward(make_opt):
    """d2l's modern-CNN chapters build LazyConv2d/LazyBatchNorm2d/LazyLinear nets and the optimizer
    first; the first training step itself materialises the parameters the optimizer holds."""
    glassnet.manual_seed(0)
    net = nn.Sequential(nn.LazyConv2d(4, kernel_size=3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(),
                        nn.Flatten(), nn.LazyLinear(3))
    held = list(net.parameters())
    opt = make_opt(held)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in held]
    x, y = glassnet.randn(8, 2, 5, 5), glassnet.randint(0, 3, (8,))
    losses = []
    for step in range(5):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        if step == 0:
            start = [p.detach().numpy().copy() for p in held]
        opt.step()
        losses.append(loss.item())
    assert [id(p) for p in net.parameters()] == [id(p) for p in held]  # materialised in place
    assert [p.shape for p in held] == [(4, 2, 3, 3), (4,), (4,), (4,), (3, 100), (3,)]
    for p, before in zip(held, start):
        assert not np.array_equal(p.detach().numpy(), before)
    assert losses[-1] < losses[0]
