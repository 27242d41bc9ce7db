"""glassnet.save / glassnet.load: safetensors files, atomic writes, and weights shared with PyTorch."""

import os
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.torch
import torch

import glassnet
from glassnet import nn
from glassnet.io import serialization


def _state():
    rng = np.random.default_rng(0)
    # Deliberately not in sorted order: safetensors sorts names, load must not.
    return OrderedDict([
        ("z.weight", glassnet.tensor(rng.standard_normal((3, 4)), dtype=glassnet.float32)),
        ("a.bias", glassnet.tensor(rng.standard_normal(5), dtype=glassnet.float64)),
        ("m.count", glassnet.tensor(rng.integers(0, 100, (2, 2)))),
        ("b.raw", rng.standard_normal((2, 3)).astype(np.float32)),
    ])


def _files(folder):
    return sorted(os.listdir(folder))


def test_round_trip_keeps_order_dtypes_values(tmp_path):
    state = _state()
    path = tmp_path / "model.safetensors"
    glassnet.save(state, path)
    loaded = glassnet.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == ["z.weight", "a.bias", "m.count", "b.raw"]
    assert [v.dtype for v in loaded.values()] == [np.float32, np.float64, np.int64, np.float32]
    for key, value in state.items():
        assert isinstance(loaded[key], glassnet.Tensor)
        np.testing.assert_array_equal(loaded[key].array, np.asarray(value))
    loaded["z.weight"].array[0, 0] = 123.0  # loaded tensors own writable memory
    assert _files(tmp_path) == ["model.safetensors"]


def test_views_scalars_and_bools_round_trip(tmp_path):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    state = {"transposed": glassnet.tensor(base).t(), "sliced": base[:, ::2], "scalar": np.array(2.5),
             "mask": np.array([True, False])}
    glassnet.save(state, tmp_path / "v.safetensors")
    loaded = glassnet.load(tmp_path / "v.safetensors")
    np.testing.assert_array_equal(loaded["transposed"].array, base.T)
    np.testing.assert_array_equal(loaded["sliced"].array, base[:, ::2])
    assert loaded["scalar"].shape == () and loaded["scalar"].item() == 2.5
    assert loaded["mask"].dtype == np.bool_ and loaded["mask"].tolist() == [True, False]


def test_nested_state_such_as_an_optimizer(tmp_path):
    momentum = glassnet.tensor(np.ones((2, 2)))
    state = {
        "state": {0: {"momentum_buffer": momentum, "step": 3}, 1: {"momentum_buffer": None}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False}],
    }
    path = tmp_path / "opt.safetensors"
    glassnet.save(state, path)
    loaded = glassnet.load(path)
    assert list(loaded) == ["state", "param_groups"]
    assert list(loaded["state"]) == [0, 1]  # int keys stay ints
    np.testing.assert_array_equal(loaded["state"][0]["momentum_buffer"].array, momentum.array)
    assert loaded["state"][0]["step"] == 3 and loaded["state"][1]["momentum_buffer"] is None
    assert loaded["param_groups"] == [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False}]
    assert set(safetensors.torch.load_file(path)) == {"state.0.momentum_buffer"}


def test_readable_by_safetensors_torch(tmp_path):
    state = _state()
    path = tmp_path / "model.safetensors"
    glassnet.save(state, path)
    theirs = safetensors.torch.load_file(path)
    assert set(theirs) == set(state)
    assert theirs["a.bias"].dtype == torch.float64 and theirs["m.count"].dtype == torch.int64
    for key, value in state.items():
        np.testing.assert_array_equal(theirs[key].numpy(), np.asarray(value))


def test_files_from_elsewhere_load_flat(tmp_path):
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file({"b": torch.ones(2), "a": torch.arange(3)}, path)
    loaded = glassnet.load(path)
    assert list(loaded) == ["a", "b"] and loaded["a"].dtype == np.int64


def _failing_writer(arrays, filename, metadata=None):
    with open(filename, "wb") as f:
        f.write(b"\x10\x00\x00\x00partial")
    raise OSError("disk full (simulated)")


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    glassnet.save({"w": np.zeros(3, np.float32)}, path)
    before = path.read_bytes()
    monkeypatch.setattr(serialization, "save_file", _failing_writer)
    with pytest.raises(OSError, match="disk full"):
        glassnet.save({"w": np.ones(3, np.float32)}, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["model.safetensors"]
    np.testing.assert_array_equal(glassnet.load(path)["w"].array, np.zeros(3))

    fresh = tmp_path / "new.safetensors"
    with pytest.raises(OSError):
        glassnet.save({"w": np.ones(3)}, fresh)
    assert not fresh.exists() and _files(tmp_path) == ["model.safetensors"]


def test_failed_rename_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    glassnet.save({"w": np.zeros(3)}, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise PermissionError("replace refused (simulated)")

    monkeypatch.setattr(serialization.os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        glassnet.save({"w": np.ones(3)}, path)
    assert path.read_bytes() == before and _files(tmp_path) == ["model.safetensors"]


def test_overwrite_replaces_contents(tmp_path):
    path = tmp_path / "m.safetensors"
    glassnet.save({"w": np.zeros(3)}, path)
    glassnet.save({"v": np.ones(2)}, str(path))
    assert list(glassnet.load(str(path))) == ["v"] and _files(tmp_path) == ["m.safetensors"]


def test_save_errors(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=r"'bad'.*object"):
        glassnet.save({"ok": np.zeros(2), "bad": object()}, path)
    with pytest.raises(TypeError, match=r"'opt\.fn'.*function"):
        glassnet.save({"opt": {"fn": len}}, path)
    with pytest.raises(TypeError, match="complex"):
        glassnet.save({"c": np.zeros(2, np.complex64)}, path)
    with pytest.raises(TypeError, match=r"state_dict\(\)"):
        glassnet.save(glassnet.nn.Linear(2, 2), path)
    with pytest.raises(ValueError, match="'a.b'"):
        glassnet.save({"a.b": np.zeros(1), "a": {"b": np.ones(1)}}, path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        glassnet.save({"w": np.zeros(1)}, tmp_path / "missing" / "x.safetensors")
    assert _files(tmp_path) == []


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.safetensors"):
        glassnet.load(tmp_path / "nope.safetensors")
    pickled = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, pickled)
    assert glassnet.load(pickled)["w"].tolist() == [1.0, 1.0]  # a state dict, through the restricted reader
    (tmp_path / "tiny").write_bytes(b"ab")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        glassnet.load(tmp_path / "tiny")
    with pytest.raises(IsADirectoryError):
        glassnet.load(tmp_path)
    bf16 = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, bf16)
    with pytest.raises(ValueError, match="bfloat16"):
        glassnet.load(bf16)


# ------------------------------------------------------- models and PyTorch
def _torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def _glassnet_mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _inputs():
    return np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)


def test_glassnet_model_into_torch(tmp_path):
    model = _glassnet_mlp()
    path = tmp_path / "mlp.safetensors"
    glassnet.save(model.state_dict(), path)
    reference = _torch_mlp()
    reference.load_state_dict(safetensors.torch.load_file(path))
    x = _inputs()
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(glassnet.tensor(x)).array, expected, rtol=1e-5, atol=1e-6)


def test_torch_model_into_glassnet(tmp_path):
    torch.manual_seed(0)
    reference = _torch_mlp()
    path = tmp_path / "mlp.safetensors"
    safetensors.torch.save_file(reference.state_dict(), path)
    model = _glassnet_mlp()
    model.load_state_dict(glassnet.load(path))
    x = _inputs()
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(glassnet.tensor(x)).array, expected, rtol=1e-5, atol=1e-6)


def test_glassnet_model_round_trip(tmp_path):
    model, other = _glassnet_mlp(), _glassnet_mlp()
    path = tmp_path / "mlp.safetensors"
    glassnet.save(model.state_dict(), path)
    loaded = glassnet.load(path)
    assert list(loaded) == list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    other.load_state_dict(loaded)
    x = glassnet.tensor(_inputs())
    np.testing.assert_array_equal(other(x).array, model(x).array)
