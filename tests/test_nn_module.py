"""Module, Parameter and containers: registration, state_dict, modes, repr, vs torch.nn."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glassnet
from glassnet import nn

tnn = torch.nn


def _same_model(lib):
    """The same architecture written with glassnet.nn or torch.nn (identical names)."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.features = lib.Sequential(lib.Linear(6, 8), lib.ReLU(), lib.Linear(8, 5))
            self.head = lib.Linear(5, 3, bias=False)
            self.scale = lib.Parameter(glassnet.ones(3) if lib is nn else torch.ones(3))
            self.register_buffer("steps", glassnet.zeros(2) if lib is nn else torch.zeros(2))
            cache = glassnet.zeros(1) if lib is nn else torch.zeros(1)
            self.register_buffer("cache", cache, persistent=False)

        def forward(self, x):
            return self.head(self.features(x)) * self.scale

    return Net()


def _torch_state_as_numpy(module):
    return OrderedDict((k, v.detach().numpy()) for k, v in module.state_dict().items())


# -------------------------------------------------------------- registration
def test_attributes_register_in_order():
    net = _same_model(nn)
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "features.0.weight", "features.0.bias", "features.2.weight", "features.2.bias",
        "head.weight",
    ]
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in net.named_children()] == ["features", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "features", "features.0", "features.1", "features.2", "head"
    ]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert len(list(net.parameters(recurse=False))) == 1
    assert net.head.bias is None
    assert isinstance(net.features[0].weight, nn.Parameter)


def test_names_and_state_dict_keys_match_torch():
    ours, theirs = _same_model(nn), _same_model(tnn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # "cache" is not persistent
    assert "cache" not in ours.state_dict()


def test_reassigning_and_deleting_attributes():
    net = _same_model(nn)
    net.head = nn.Identity()
    assert "head.weight" not in dict(net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign a Tensor to parameter 'scale' of Net"):
        net.scale = glassnet.ones(3)
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    del net.features
    assert [n for n, _ in net.named_children()] == ["head"]
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'features'"):
        _ = net.features


def test_clear_errors_for_common_mistakes():
    class NoSuper(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in NoSuper.__init__"):
        NoSuper()

    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="NoForward has no forward"):
        NoForward()(glassnet.ones(1))
    with pytest.raises(KeyError, match="contain no '.'"):
        nn.Module().register_buffer("a.b", glassnet.zeros(1))


def test_parameter_basics():
    p = nn.Parameter(glassnet.randn(3))
    assert p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert repr(p).startswith("Parameter containing:\ntensor(")
    q = nn.Parameter(glassnet.randn(2, dtype=glassnet.float64), requires_grad=False)
    assert q.dtype == np.float64 and not q.requires_grad
    base = glassnet.zeros(2)
    shared = nn.Parameter(base)
    base.array[0] = 5
    assert shared.array[0] == 5  # shares memory, as torch.nn.Parameter(tensor)
    y = (p * 2).sum()
    assert type(p * 2) is glassnet.Tensor
    y.backward()
    np.testing.assert_allclose(p.grad.array, 2.0)


# ---------------------------------------------------------------- state_dict
def test_state_dict_round_trip_and_shared_memory():
    a, b = _same_model(nn), _same_model(nn)
    x = glassnet.randn(4, 6)
    assert not np.allclose(a(x).array, b(x).array)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(a(x).array, b(x).array)
    sd = a.state_dict()
    assert not sd["head.weight"].requires_grad
    sd["head.weight"].array[...] = 0  # detached, but the same memory, as in torch
    assert np.all(a.head.weight.array == 0)


def test_load_torch_weights_gives_torch_outputs_and_back():
    ours, theirs = _same_model(nn), _same_model(tnn)
    with torch.no_grad():
        theirs.scale.uniform_(0.5, 1.5)
        theirs.steps.fill_(3)
    ours.load_state_dict(_torch_state_as_numpy(theirs))
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(glassnet.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.steps.array, [3, 3])

    back, source = _same_model(tnn), _same_model(nn)
    back.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in source.state_dict().items()})
    np.testing.assert_allclose(source(glassnet.tensor(x)).array, back(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    net = _same_model(nn)
    before = {k: v.array.copy() for k, v in net.state_dict().items()}
    sd = {k: v.array.copy() for k, v in _same_model(nn).state_dict().items()}
    del sd["features.0.bias"], sd["steps"]
    sd["features.2.weight"] = np.zeros((4, 8), np.float32)
    sd["extra.weight"] = np.zeros(2, np.float32)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s): "steps", "features.0.bias".' in msg
    assert 'Unexpected key(s): "extra.weight".' in msg
    assert "Size mismatch for features.2.weight: the model expects shape (5, 8), " \
           "the state_dict gives shape (4, 8)." in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.array, before[k])


def test_load_state_dict_non_strict():
    net = _same_model(nn)
    sd = {k: v for k, v in _same_model(nn).state_dict().items() if k != "steps"}
    sd["bogus"] = glassnet.zeros(1)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["steps"] and result.unexpected_keys == ["bogus"]
    assert result == (["steps"], ["bogus"])
    np.testing.assert_array_equal(net.head.weight.array, sd["head.weight"].array)
    sd["head.weight"] = glassnet.zeros(1, 1)
    with pytest.raises(RuntimeError, match="Size mismatch for head.weight"):
        net.load_state_dict(sd, strict=False)


# ------------------------------------------------------------------- modes
def test_train_eval_is_recursive_and_drives_dropout():
    model = nn.Sequential(nn.Linear(10, 10), nn.Sequential(nn.Dropout(0.5)))
    assert model.training and model[1][0].training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = glassnet.ones(8, 10)
    np.testing.assert_array_equal(model(x).array, model[0](x).array)
    model.train()
    assert all(m.training for m in model.modules())
    assert np.any(model(x).array == 0)
    with pytest.raises(ValueError, match="mode must be True or False"):
        model.train("no")


def test_zero_grad_apply_requires_grad_and_to():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model(glassnet.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.array == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())

    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Tanh", "Linear", "Sequential"]  # children first, as in torch
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert np.all(model[2].weight.array == 0)

    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    weight = model[0].weight
    model.double()
    assert model[0].weight is weight and weight.dtype == np.float64
    assert model(glassnet.randn(2, 3, dtype=glassnet.float64)).dtype == np.float64


def test_deepcopy_gives_an_independent_model():
    model = nn.Sequential(nn.Linear(3, 2))
    clone = copy.deepcopy(model)
    clone[0].weight.array[...] = 0
    assert not np.all(model[0].weight.array == 0)
    assert isinstance(clone[0].weight, nn.Parameter)


# ----------------------------------------------------------- shared modules
def test_shared_module_counts_once_and_accumulates_both_uses():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    tshared = tnn.Linear(4, 4)
    tmodel = tnn.Sequential(tshared, tnn.Tanh(), tshared)
    tshared.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in shared.state_dict().items()})
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in tmodel.named_parameters()]
    assert list(model.state_dict()) == list(tmodel.state_dict())
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    model(glassnet.tensor(x)).sum().backward()
    tmodel(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(shared.weight.grad.array, tshared.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shared.bias.grad.array, tshared.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


# -------------------------------------------------------------------- repr
def test_repr_tree_matches_torch():
    def build(lib):
        return lib.Sequential(
            lib.Flatten(), lib.Linear(784, 512), lib.ReLU(), lib.Dropout(0.2),
            lib.Sequential(lib.Linear(512, 64, bias=False), lib.LeakyReLU(0.1), lib.GELU(approximate="tanh")),
            lib.Linear(64, 10), lib.LogSoftmax(dim=1),
        )

    assert repr(build(nn)) == repr(build(tnn))
    assert repr(_same_model(nn)) == repr(_same_model(tnn))
    assert repr(nn.ModuleDict({"a": nn.Tanh()})) == repr(tnn.ModuleDict({"a": tnn.Tanh()}))


# -------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_growth():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2"]
    assert seq.append(nn.Sigmoid()) is seq and len(seq) == 4
    with pytest.raises(IndexError, match="index 4 is out of range for 4 modules"):
        seq[4]
    x = glassnet.randn(5, 2)
    expected = glassnet.sigmoid(layers[2](glassnet.relu(layers[0](x))))
    np.testing.assert_array_equal(seq(x).array, expected.array)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is layers[2]
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert named.hidden is named[0]
    with pytest.raises(TypeError, match="Sequential holds Modules, got a int"):
        nn.Sequential(3)


def test_module_list():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    blocks.append(nn.Linear(2, 3))
    blocks.extend([nn.ReLU()])
    blocks.insert(0, nn.Tanh())
    assert len(blocks) == 5 and isinstance(blocks[0], nn.Tanh) and isinstance(blocks[-1], nn.ReLU)
    assert [type(m).__name__ for m in blocks] == ["Tanh", "Linear", "Linear", "Linear", "ReLU"]
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = blocks

    names = [n for n, _ in Holder().named_parameters()]
    assert names[:2] == ["blocks.1.weight", "blocks.1.bias"] and len(names) == 6
    del blocks[0]
    assert list(blocks._modules) == ["0", "1", "2", "3"]
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        blocks(glassnet.ones(1))


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
    heads["aux"] = nn.Linear(4, 2)
    assert list(heads) == ["cls", "reg", "aux"] and "reg" in heads and len(heads) == 3
    assert [n for n, _ in heads.named_parameters()][:2] == ["cls.weight", "cls.bias"]
    assert isinstance(heads.pop("reg"), nn.Linear) and list(heads.keys()) == ["cls", "aux"]
    with pytest.raises(KeyError, match="ModuleDict has no module 'nope'"):
        heads["nope"]
