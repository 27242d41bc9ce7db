"""Devices: PyTorch's CPU code runs unchanged; asking for a GPU is a clear error, never a silent CPU run.

torch is the oracle for the device objects and the CPU behaviour (this
machine's torch may or may not see a GPU, so only CPU answers are compared).
"""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import nn

NO_GPU = "glassnet runs on the CPU only"


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cpu", 0), ("mps",)])
def test_device_objects_are_torch_devices(args):
    ours, theirs = gn.device(*args), torch.device(*args)
    assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert gn.device(ours) is ours and ours == gn.device(str(theirs))


def test_bad_device_strings_are_refused_as_torch_refuses_them():
    for bad in ("gpu", "cuda:x"):
        with pytest.raises(RuntimeError):
            torch.device(bad)
        with pytest.raises(RuntimeError, match="device: "):
            gn.device(bad)
    with pytest.raises(TypeError, match="device: expected a string"):
        gn.device(3.5)


def test_cuda_reports_no_gpu_and_refuses_what_needs_one():
    assert gn.cuda.is_available() is False and gn.cuda.device_count() == 0
    for call in (gn.cuda.current_device, gn.cuda.synchronize, lambda: gn.cuda.get_device_name(0)):
        with pytest.raises(RuntimeError, match=NO_GPU):
            call()
    gn.cuda.manual_seed(0)  # nothing to seed, as in PyTorch without CUDA


def try_gpu(lib, i=0):
    """d2l's try_gpu, as the book writes it."""
    if lib.cuda.device_count() >= i + 1:
        return lib.device(f"cuda:{i}")
    return lib.device("cpu")


def test_d2l_device_idioms_run_on_the_cpu():
    device = try_gpu(gn)
    assert device == gn.device("cpu") and str(device) == "cpu"
    X = gn.ones(2, 3, device=device)
    assert X.device == device and str(X.device) == str(torch.ones(2).device)
    assert X.to(device) is X and X.cpu() is X and X.to("cpu") is X
    Y = gn.tensor([1, 2], device=device, dtype=gn.float64)
    assert Y.dtype == gn.float64
    net = nn.Sequential(nn.Linear(3, 1))
    net.to(device)  # Module.to takes a device too (the device is a str underneath)
    assert net(X).shape == (2, 1)
    for make in (gn.zeros, gn.ones, gn.rand, gn.randn, gn.empty):
        assert make(2, device="cpu").device == device


@pytest.mark.parametrize("where", ["cuda", "cuda:0", gn.device("cuda", 1), 0, "mps"])
def test_asking_for_a_gpu_raises_instead_of_running_on_the_cpu(where):
    X = gn.ones(2)
    with pytest.raises(RuntimeError, match=NO_GPU):
        X.to(where)
    with pytest.raises(RuntimeError, match=NO_GPU):
        X.to(device=where)
    with pytest.raises(RuntimeError, match=NO_GPU):
        gn.tensor([1.0], device=where)
    with pytest.raises(RuntimeError, match=NO_GPU):
        gn.zeros(2, device=where)
    with pytest.raises(RuntimeError, match=NO_GPU):
        gn.randn(2, device=where)


def test_tensor_cuda_raises_and_names_the_call():
    with pytest.raises(RuntimeError, match=rf"Tensor.cuda: {NO_GPU}"):
        gn.ones(2).cuda()
    with pytest.raises(RuntimeError, match=rf"set_default_device: {NO_GPU}"):
        gn.set_default_device("cuda")
    gn.set_default_device("cpu")
    assert gn.get_default_device() == "cpu"


@pytest.mark.parametrize("call", [
    lambda L, x: x.to(L.float64), lambda L, x: x.to(L.device("cpu"), L.int64), lambda L, x: x.to("cpu"),
    lambda L, x: x.to(L.ones(1, dtype=L.int32)), lambda L, x: x.to(dtype=L.float64, device="cpu"),
    lambda L, x: x.type(L.float64), lambda L, x: x.float(), lambda L, x: x.double(), lambda L, x: x.long(),
    lambda L, x: x.int(), lambda L, x: x.bool(), lambda L, x: x.to(L.float64, copy=True),
])
def test_to_converts_as_torch_does(call):
    data = np.array([[0.5, -1.5], [2.0, 0.0]], np.float32)
    ours, theirs = call(gn, gn.tensor(data)), call(torch, torch.tensor(data))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_to_keeps_the_graph_and_copy_makes_a_new_tensor():
    x = gn.ones(3, requires_grad=True)
    y = x.to(gn.float64)
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])
    z = gn.ones(2)
    copied = z.to("cpu", copy=True)
    assert copied is not z and not np.shares_memory(copied.array, z.array)
    with pytest.raises(TypeError, match="Tensor.to: unexpected keyword arguments"):
        z.to(dtype=gn.float64, nonsense=1)


@pytest.mark.parametrize("where", ["cuda", "cuda:1", 0])
def test_module_to_and_cuda_refuse_a_gpu_by_name(where):
    net = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="Module.to: glassnet runs on the CPU only"):
        net.to(where)
    with pytest.raises(RuntimeError, match="Module.cuda: glassnet runs on the CPU only"):
        net.cuda()
    assert net.to(gn.device("cpu")) is net and net.cpu() is net
    assert net.to(gn.device("cpu"), gn.float64).weight.dtype == gn.float64
