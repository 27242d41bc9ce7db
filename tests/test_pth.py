"""glassnet.load of PyTorch checkpoints (glassnet/io/pth.py): files written by torch.save itself, in
both of its formats, read without torch and without running code from the file."""

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import glassnet
from glassnet.io import pth

FORMATS = {"zip": {}, "legacy": {"_use_new_zipfile_serialization": False}}


def torch_save(obj, path, layout):
    torch.save(obj, path, **FORMATS[layout])
    return path


def same(loaded, expected):
    """``loaded`` (glassnet) holds what ``expected`` (torch) holds: structure, types, dtypes and values."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(loaded, glassnet.Tensor)
        assert loaded.dtype == expected.numpy().dtype and tuple(loaded.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(loaded.numpy(), expected.numpy())
    elif isinstance(expected, dict):
        assert type(loaded) is type(expected) and list(loaded) == list(expected)
        for key in expected:
            same(loaded[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert type(loaded) is type(expected) and len(loaded) == len(expected)
        for a, b in zip(loaded, expected):
            same(a, b)
    else:
        assert type(loaded) is type(expected) and loaded == expected


@pytest.mark.parametrize("layout", FORMATS)
def test_a_module_state_dict_in_both_formats(tmp_path, layout):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5))
    net(torch.randn(2, 3, 8, 8))  # running statistics and num_batches_tracked move off their defaults
    state = net.state_dict()
    path = torch_save(state, tmp_path / "net.pth", layout)
    assert pth.is_torch_file(path) == layout
    loaded = glassnet.load(path)
    same(loaded, state)
    assert loaded["1.num_batches_tracked"].dtype == np.int64 and loaded["1.num_batches_tracked"].item() == 1
    assert loaded._metadata["1"] == {"version": 2}  # torch's per-module versions come along, as torch.load


@pytest.mark.parametrize("layout", FORMATS)
def test_every_dtype_views_scalars_and_empty_tensors(tmp_path, layout):
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    obj = {f"t_{dtype}": torch.arange(-3, 3).to(dtype) for dtype in (
        torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16, torch.int8)}
    obj.update(uint8=torch.arange(6, dtype=torch.uint8), flags=torch.tensor([True, False, True]),
               base=base, strided=base[1:, ::2], transposed=base.t(), scalar=torch.tensor(2.5),
               empty=torch.zeros(0, 3), expanded=torch.ones(3, 1).expand(3, 4))
    loaded = glassnet.load(torch_save(obj, tmp_path / "dtypes.pt", layout))
    same(loaded, obj)
    # Tensors cut from one storage share its memory, as they do after torch.load.
    assert np.shares_memory(loaded["base"].numpy(), loaded["strided"].numpy())


@pytest.mark.parametrize("layout", FORMATS)
def test_an_optimizer_state_and_a_training_checkpoint(tmp_path, layout):
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.8, 0.9))
    net(torch.randn(4, 3)).sum().backward()
    opt.step()
    checkpoint = {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "note": "ok",
                  "best": None, "done": False, "history": [0.5, 0.25]}
    loaded = glassnet.load(torch_save(checkpoint, tmp_path / "ckpt.pth", layout))
    same(loaded, checkpoint)
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert set(loaded["optimizer"]["state"]) == {0, 1}


def test_a_big_endian_file_is_read_in_this_machines_order(tmp_path):
    """A zip checkpoint says its byte order in 'byteorder'; rewrite one as a big-endian machine would."""
    obj = {"w": torch.arange(6, dtype=torch.float32) / 3, "n": torch.arange(3, dtype=torch.int64)}
    source = torch_save(obj, tmp_path / "little.pth", "zip")
    big = tmp_path / "big.pth"
    dtypes = {"0": np.float32, "1": np.int64}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(big, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            elif "/data/" in info.filename:
                key = info.filename.rsplit("/", 1)[1]
                data = np.frombuffer(data, dtypes[key]).byteswap().tobytes()
            dst.writestr(info, data)
    same(glassnet.load(big), obj)


class RunsAShellCommand:
    """What a malicious checkpoint holds: unpickling it calls os.system."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.mark.parametrize("layout", FORMATS)
def test_a_malicious_pickle_is_refused_without_running(tmp_path, layout):
    marker = tmp_path / "ran"
    path = torch_save({"w": torch.ones(2), "x": RunsAShellCommand(f"touch {marker}")}, tmp_path / "evil.pth",
                      layout)
    with pytest.raises(pth.UnsafePickleError, match=r"(posix|os|nt)\.system.*refused without running it"):
        glassnet.load(path)
    assert not marker.exists()
    # The same pickle alone (not in a torch layout) is not read as a pickle at all.
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(RunsAShellCommand(f"touch {marker}")))
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        glassnet.load(plain)
    assert not marker.exists()


@pytest.mark.parametrize("layout", FORMATS)
def test_objects_that_are_not_weights_are_refused_by_name(tmp_path, layout):
    with pytest.raises(pth.UnsafePickleError, match=r"torch\.nn\.modules\.linear\.Linear.*state_dict\(\)"):
        glassnet.load(torch_save(torch.nn.Linear(2, 2), tmp_path / "module.pth", layout))
    with pytest.raises(pth.UnsafePickleError, match=r"numpy\."):
        glassnet.load(torch_save({"a": np.ones(2)}, tmp_path / "numpy.pth", layout))
    with pytest.raises(pth.UnsafePickleError, match="BFloat16Storage.*float32"):
        glassnet.load(torch_save({"a": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pth", layout))


@pytest.mark.parametrize("layout", FORMATS)
def test_truncated_checkpoints_are_refused(tmp_path, layout):
    path = torch_save({"w": torch.randn(64, 64)}, tmp_path / "whole.pth", layout)
    data = path.read_bytes()
    for keep in (len(data) // 2, len(data) - 100):
        cut = tmp_path / f"cut{keep}.pth"
        cut.write_bytes(data[:keep])
        with pytest.raises(ValueError, match="damaged|ends early|not a readable"):
            glassnet.load(cut)


def test_map_location_and_weights_only_are_accepted(tmp_path):
    path = torch_save({"w": torch.ones(2)}, tmp_path / "w.pt", "zip")
    for kwargs in ({"map_location": "cpu"}, {"map_location": torch.device("cpu")}, {"weights_only": False}):
        assert glassnet.load(path, **kwargs)["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="CPU only"):
        glassnet.load(path, map_location="cuda:0")


def test_a_safetensors_file_named_pt_is_still_safetensors(tmp_path):
    path = tmp_path / "model.pt"
    glassnet.save({"w": np.arange(3.0)}, path)
    assert pth.is_torch_file(path) is None
    assert glassnet.load(path)["w"].tolist() == [0.0, 1.0, 2.0]


def test_a_state_dict_from_torch_loads_into_the_same_glassnet_model(tmp_path):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    path = torch_save(theirs.state_dict(), tmp_path / "mlp.pth", "zip")
    ours = glassnet.nn.Sequential(glassnet.nn.Linear(4, 8), glassnet.nn.ReLU(), glassnet.nn.Linear(8, 3))
    ours.load_state_dict(glassnet.load(path))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(glassnet.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


class StorageReference:
    """Stands for storage '0' in a hand-made checkpoint (pickled as a persistent id, as torch does)."""


class CraftedTensor:
    """Pickles as torch pickles a tensor, with whatever storage, size and stride a crafted file gives."""

    def __init__(self, storage, size, stride):
        self.args = (storage, 0, size, stride, False, OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


def crafted_checkpoint(path, obj, storage_bytes):
    """A zip checkpoint whose data.pkl is pickled here, with one float32 storage of ``storage_bytes``."""
    class Pickler(pickle.Pickler):
        def persistent_id(self, value):
            if isinstance(value, StorageReference):
                return ("storage", torch.FloatStorage, "0", "cpu", len(storage_bytes) // 4)
            return None

    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(obj)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/data/0", storage_bytes)
    return path


def test_crafted_tensors_cannot_reach_outside_their_storage(tmp_path):
    four = np.arange(4, dtype=np.float32).tobytes()
    transposed = {"w": CraftedTensor(StorageReference(), (2, 2), (1, 2))}
    fine = crafted_checkpoint(tmp_path / "fine.pth", transposed, four)
    np.testing.assert_array_equal(glassnet.load(fine)["w"].numpy(), [[0, 2], [1, 3]])
    for size, stride in (((10,), (1,)), ((2, 2), (3, 1)), ((2,), (-1,)), ((-1,), (1,))):
        bad = crafted_checkpoint(tmp_path / "bad.pth", {"w": CraftedTensor(StorageReference(), size, stride)},
                                 four)
        with pytest.raises(ValueError, match="damaged|not a dense tensor"):
            glassnet.load(bad)
    fake = crafted_checkpoint(tmp_path / "fake.pth", {"w": CraftedTensor([1.0, 2.0], (2,), (1,))}, four)
    with pytest.raises(ValueError, match="rebuilt from a list, not a storage"):
        glassnet.load(fake)
    short = crafted_checkpoint(tmp_path / "short.pth", {"w": CraftedTensor(StorageReference(), (4,), (1,))},
                               four[:12])  # the pickle says 3 elements; the tensor wants 4
    with pytest.raises(ValueError, match="damaged"):
        glassnet.load(short)
