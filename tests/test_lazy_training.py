"""Lazy layers under an optimizer built before their first call, and what an unmaterialised model says.

PyTorch's contract: ``parameters()`` of a lazy layer yields placeholder Parameters, the optimizer
holds them, and the first call fills those same objects, so training then updates them.
"""

import numpy as np
import pytest

import glassnet
from glassnet import nn, optim

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "SGD-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda p: optim.Adam(p, lr=0.01),
    "AdamW-amsgrad": lambda p: optim.AdamW(p, lr=0.01, amsgrad=True),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.01),
    "RMSprop-centered": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.1),
}


def _mlp(lazy):
    if lazy:
        return nn.Sequential(nn.LazyLinear(8), nn.Tanh(), nn.LazyLinear(1))
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))


def _cnn(lazy):
    if lazy:
        return nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
                             nn.LazyLinear(3))
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 3))


def _train(model, optimizer, x, y, steps=4):
    for _ in range(steps):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()


@pytest.mark.parametrize("make_opt", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
@pytest.mark.parametrize("make_model, x_shape, y_shape", [
    (_mlp, (16, 5), (16, 1)),
    (_cnn, (6, 2, 6, 6), (6, 3)),
], ids=["mlp", "cnn"])
def test_materialised_in_the_first_training_call_and_trained_like_the_plain_layers(
        make_opt, make_model, x_shape, y_shape):
    rng = np.random.default_rng(0)
    x = glassnet.tensor(rng.normal(size=x_shape))
    y = glassnet.tensor(rng.normal(size=y_shape))
    lazy = make_model(lazy=True)
    held = list(lazy.parameters())
    lazy_opt = make_opt(lazy.parameters())  # before any input
    # The same seed gives the same initial weights: a lazy layer draws them at its first call,
    # in the order the plain layers draw them at construction.
    glassnet.manual_seed(0)
    plain = make_model(lazy=False)
    plain_opt = make_opt(plain.parameters())
    _train(plain, plain_opt, x, y)
    glassnet.manual_seed(0)
    _train(lazy, lazy_opt, x, y)  # the first forward materialises, inside a recorded graph

    assert [type(m) for m in lazy] == [type(m) for m in plain]
    optimised = [p for group in lazy_opt.param_groups for p in group["params"]]
    assert all(a is b for a, b in zip(optimised, held))
    assert all(a is b for a, b in zip(held, lazy.parameters()))
    assert set(map(id, lazy_opt.state)) <= set(map(id, held))
    for (name, a), b in zip(lazy.state_dict().items(), plain.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    glassnet.manual_seed(0)
    start = make_model(lazy=False)
    assert not np.array_equal(lazy[0].weight.detach().numpy(), start[0].weight.detach().numpy())


def test_optimizer_state_waits_for_the_first_step():
    model = _mlp(lazy=True)
    opt = optim.Adam(model.parameters(), lr=0.01)
    assert opt.state_dict()["state"] == {}
    _train(model, opt, glassnet.randn(4, 5), glassnet.randn(4, 1), steps=1)
    shapes = {i: s["exp_avg"].shape for i, s in opt.state_dict()["state"].items()}
    assert shapes == {0: (8, 5), 1: (8,), 2: (1, 8), 3: (1,)}


def test_a_never_materialised_parameter_with_a_gradient_is_named_in_the_error():
    layer = nn.LazyLinear(3)
    opt = optim.SGD(layer.named_parameters(), lr=0.1)
    layer.weight.grad = glassnet.zeros(3, 2)
    message = r"SGD: parameter 'weight' is uninitialized \(its lazy layer has not been called.*gradient"
    with pytest.raises(RuntimeError, match=message + r" of shape \(3, 2\); call the model once"):
        opt.step()


def test_loading_optimizer_state_into_never_materialised_parameters_says_so():
    trained = _mlp(lazy=True)
    opt = optim.Adam(trained.parameters())
    _train(trained, opt, glassnet.randn(4, 5), glassnet.randn(4, 1), steps=1)
    fresh_opt = optim.Adam(_mlp(lazy=True).parameters())
    with pytest.raises(ValueError, match="its parameter is uninitialized .*call the model once"):
        fresh_opt.load_state_dict(opt.state_dict())


def test_state_dict_before_the_first_call_is_marked_uninitialized():
    model = _mlp(lazy=True)
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(repr(v) == "<UninitializedTensor>" and v.shape == (0,) and not v.requires_grad
               for v in state.values())
    assert state["0.weight"].numpy().size == 0  # safe to read (nothing there)
    _mlp(lazy=True).load_state_dict(state)  # lazy into lazy: nothing to copy, both stay lazy
    with pytest.raises(RuntimeError, match=r"Size mismatch for 0\.weight: the model expects shape \(8, 5\), "
                                           r"the state_dict gives shape \(0,\) \(uninitialized"):
        _mlp(lazy=False).load_state_dict(state)
    model(glassnet.randn(2, 5))
    assert type(model[0]) is nn.Linear and model.state_dict()["0.weight"].shape == (8, 5)


def test_batch_norm_buffers_before_the_first_call():
    bn = nn.LazyBatchNorm1d()
    state = bn.state_dict()
    assert {k: repr(v) for k, v in state.items() if k != "num_batches_tracked"} == dict.fromkeys(
        ["weight", "bias", "running_mean", "running_var"], "<UninitializedTensor>")
    assert int(state["num_batches_tracked"].numpy()) == 0


def test_an_unmaterialised_model_counts_zero_parameters_and_summarises():
    model = _cnn(lazy=True)
    assert sum(p.numel() for p in model.parameters()) == 0
    text = model.summary()  # prints too; returns the table
    assert "(LazyConv2d)" in text and "Total params: 0" in text
    model(glassnet.randn(1, 2, 6, 6))
    assert sum(p.numel() for p in model.parameters()) == 4 * 2 * 9 + 4 + 4 + 4 + 64 * 3 + 3
