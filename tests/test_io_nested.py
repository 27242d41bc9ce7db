"""glassnet.save / glassnet.load of nested objects, as torch.save takes them, still in safetensors.

A tensor, a list, a tuple, a dict nested to any depth, of tensors and plain
values; optimizer state dicts and training checkpoints come back exactly,
with the SHA-256 check of the content, and files in the earlier layout load.
"""

import json
from collections import OrderedDict

import numpy as np
import pytest
import safetensors
from safetensors.numpy import save_file

import glassnet
from glassnet import nn, optim
from glassnet.io import serialization


def same(loaded, saved):
    """Equal structure, container types, dtypes and values (a Tensor or array comes back a Tensor)."""
    if isinstance(saved, (glassnet.Tensor, np.ndarray)):
        want = saved.numpy() if isinstance(saved, glassnet.Tensor) else saved
        assert isinstance(loaded, glassnet.Tensor) and loaded.dtype == want.dtype
        np.testing.assert_array_equal(loaded.numpy(), want)
    elif isinstance(saved, dict):
        assert isinstance(loaded, dict) and list(loaded) == list(saved)
        for key in saved:
            same(loaded[key], saved[key])
    elif isinstance(saved, (list, tuple)):
        assert type(loaded) is type(saved) and len(loaded) == len(saved)
        for a, b in zip(loaded, saved):
            same(a, b)
    else:
        assert type(loaded) is type(saved) and loaded == saved


def roundtrip(obj, tmp_path, name="obj.safetensors"):
    glassnet.save(obj, tmp_path / name)
    return glassnet.load(tmp_path / name)


@pytest.mark.parametrize("obj", [
    glassnet.tensor([[1.5, -2.0], [0.0, 4.0]]),
    glassnet.tensor(np.arange(6, dtype=np.int64).reshape(2, 3)),
    glassnet.tensor(3.0, dtype=glassnet.float64),
    [glassnet.ones(2), glassnet.zeros(3), 7, "x"],
    (glassnet.ones(1), (glassnet.zeros(2), None), True),
    {"a": {"b": [glassnet.ones(2), {"c": (1, 2.5, "s", None, False)}]}, 3: [], "e": {}, "f": ()},
    [],
    42,
], ids=["tensor", "int-tensor", "0-d", "list", "tuple", "nested", "empty-list", "number"])
def test_any_nesting_of_tensors_and_plain_values_round_trips(tmp_path, obj):
    same(roundtrip(obj, tmp_path), obj)


def test_a_state_dict_is_still_an_ordered_dict_of_tensors(tmp_path):
    state = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).state_dict()
    loaded = roundtrip(state, tmp_path)
    assert type(loaded) is OrderedDict
    same(loaded, state)


def test_the_file_is_safetensors_with_the_nesting_in_its_metadata(tmp_path):
    obj = {"model": {"fc.weight": glassnet.ones(2, 2)}, "steps": [glassnet.zeros(1), 5], "epoch": 3}
    glassnet.save(obj, tmp_path / "c.safetensors")
    with safetensors.safe_open(tmp_path / "c.safetensors", framework="np") as f:
        assert sorted(f.keys()) == ["model.fc.weight", "steps.0"]
        layout = json.loads(f.metadata()["glassnet.layout"])
    assert layout["dict"][2] == ["epoch", {"value": 3}]
    tensor_alone = tmp_path / "t.safetensors"
    glassnet.save(glassnet.ones(3), tensor_alone)
    with safetensors.safe_open(tensor_alone, framework="np") as f:
        assert list(f.keys()) == ["tensor"]


def train(model, opt, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
        opt.zero_grad()
        logits = model(glassnet.tensor(x, dtype=glassnet.float64))
        loss = nn.functional.cross_entropy(logits, glassnet.tensor(y))
        loss.backward()
        opt.step()


@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.95)),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: optim.RMSprop(p, lr=0.01),
], ids=["Adam", "SGD", "RMSprop"])
def test_a_training_checkpoint_resumes_exactly(tmp_path, make_optimizer):
    """``{'model', 'optimizer', 'epoch'}`` saved mid-run and loaded into fresh objects continues the
    uninterrupted run bit for bit (float64)."""
    def fresh():
        glassnet.manual_seed(0)
        model = nn.Linear(3, 2).double()
        return model, make_optimizer(model.parameters())

    model, opt = fresh()
    train(model, opt, 3, seed=1)
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}
    loaded = roundtrip(checkpoint, tmp_path, "ckpt.safetensors")
    same(loaded, checkpoint)
    assert loaded["optimizer"]["param_groups"][0]["params"] == opt.state_dict()["param_groups"][0]["params"]

    train(model, opt, 2, seed=2)
    resumed, resumed_opt = fresh()
    resumed.load_state_dict(loaded["model"])
    resumed_opt.load_state_dict(loaded["optimizer"])
    train(resumed, resumed_opt, 2, seed=2)
    assert loaded["epoch"] == 3
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.array, b.array)


def test_a_changed_byte_in_a_nested_file_is_caught(tmp_path):
    path = tmp_path / "n.safetensors"
    glassnet.save([{"w": glassnet.ones(64)}, (glassnet.zeros(64), "tag")], path)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        glassnet.load(path)


def test_files_in_the_earlier_layouts_still_load(tmp_path):
    """A state dict as the earlier glassnet.save wrote it (dict layout, digest), and a bare safetensors
    file with no layout (what other tools write), which comes back flat in name order."""
    arrays = {"b": np.ones(2, np.float32), "a.x": np.arange(3, dtype=np.int64)}
    layout = json.dumps({"dict": [["b", {"tensor": "b"}], ["a", {"dict": [["x", {"tensor": "a.x"}]]}]]})
    save_file(arrays, tmp_path / "old.safetensors",
              metadata={"format": "np", "glassnet.layout": layout,
                        "glassnet.sha256": serialization.digest(arrays, layout)})
    loaded = glassnet.load(tmp_path / "old.safetensors")
    same(loaded, {"b": arrays["b"], "a": {"x": arrays["a.x"]}})
    save_file(arrays, tmp_path / "bare.safetensors")
    assert list(glassnet.load(tmp_path / "bare.safetensors")) == ["a.x", "b"]


def test_what_cannot_be_saved_is_named(tmp_path):
    path = tmp_path / "bad.safetensors"
    with pytest.raises(TypeError, match=r"whole Linear.*state_dict\(\)"):
        glassnet.save(nn.Linear(2, 2), path)
    with pytest.raises(TypeError, match=r"'1\.1' is a set"):
        glassnet.save([{"a": 1}, [2, {3}]], path)
    with pytest.raises(TypeError, match="keys must be str or int"):
        glassnet.save({(1, 2): glassnet.ones(1)}, path)
    with pytest.raises(ValueError, match="same name '0.a.b'"):
        glassnet.save([{"a.b": glassnet.ones(1), "a": {"b": glassnet.ones(1)}}], path)
    assert not path.exists()
