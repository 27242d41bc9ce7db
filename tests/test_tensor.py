"""The Tensor itself: dtype rules, creation, attributes, names, errors, display."""

import numpy as np
import pytest
import torch

import glassnet as gn

# ------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("data, dtype", [
    (1.5, gn.float32), ([1.0, 2.0], gn.float32), (np.array([1.0, 2.0]), gn.float32),
    (np.float64(2.0), gn.float32), (3, gn.int64), ([1, 2], gn.int64),
    (np.array([1, 2], dtype=np.int32), gn.int64), ([True, False], gn.bool_),
    (np.array([1.0], dtype=np.float32), gn.float32),
])
def test_default_dtypes(data, dtype):
    assert gn.tensor(data).dtype == dtype


def test_explicit_dtype_is_kept():
    assert gn.tensor([1.0, 2.0], dtype=gn.float64).dtype == gn.float64
    assert gn.tensor(np.array([1.0]), dtype=gn.float64).dtype == gn.float64
    assert gn.tensor([1, 2], dtype=gn.float32).dtype == gn.float32
    assert gn.tensor([1.0], dtype=gn.float64).to(gn.float32).dtype == gn.float32
    # PyTorch's aliases
    assert (gn.float, gn.double, gn.long, gn.int, gn.bool) == (
        gn.float32, gn.float64, gn.int64, gn.int32, gn.bool_)


def test_float64_survives_ops():
    x = gn.tensor([1.0, 2.0], dtype=gn.float64)
    for y in [x * 2.0, x + 1, x.exp(), x.sum(), 2 / x, x @ x, gn.where(x > 1, x, 0.0), x.mean()]:
        assert y.dtype == gn.float64


def test_tensor_copies_from_numpy_shares():
    for dtype in [np.float32, np.int64, np.bool_]:
        a = np.zeros(3, dtype=dtype)
        t = gn.tensor(a)
        a[0] = 1
        assert t.tolist()[0] == 0
    a = np.zeros(3, dtype=np.float64)
    f = gn.from_numpy(a)
    a[0] = 5
    assert f.dtype == gn.float64 and f.tolist()[0] == 5.0
    f.array[1] = 7
    assert a[1] == 7
    b = gn.tensor([1.0, 2.0])
    c = gn.tensor(b)
    c.array[0] = 9
    assert b.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- creation
def test_constant_creation_matches_torch():
    pairs = [
        (gn.zeros(2, 3), torch.zeros(2, 3)), (gn.zeros((2, 3)), torch.zeros((2, 3))),
        (gn.ones(4), torch.ones(4)), (gn.full((2, 2), 1.5), torch.full((2, 2), 1.5)),
        (gn.full((2,), 3), torch.full((2,), 3)), (gn.arange(5), torch.arange(5)),
        (gn.arange(1, 7, 2), torch.arange(1, 7, 2)), (gn.arange(0, 1, 0.25), torch.arange(0, 1, 0.25)),
        (gn.arange(5.0), torch.arange(5.0)), (gn.linspace(-1, 1, 5), torch.linspace(-1, 1, 5)),
        (gn.eye(3), torch.eye(3)), (gn.eye(2, 3), torch.eye(2, 3)),
        (gn.empty(2, 1).zero_(), torch.zeros(2, 1)),
        (gn.zeros(2, dtype=gn.float64), torch.zeros(2, dtype=torch.float64)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_like_forms_take_shape_and_dtype():
    x = gn.tensor(np.ones((2, 3)), dtype=gn.float64)
    for t in [gn.zeros_like(x), gn.ones_like(x), gn.full_like(x, 2.0), gn.rand_like(x), gn.randn_like(x),
              gn.empty_like(x)]:
        assert t.shape == (2, 3) and t.dtype == gn.float64 and not t.requires_grad
    assert gn.zeros_like(x, dtype=gn.float32).dtype == gn.float32
    assert gn.ones_like(gn.tensor([1, 2])).dtype == gn.int64
    assert gn.full_like(x, 7.0).tolist() == [[7.0] * 3] * 2
    assert gn.zeros_like(x, requires_grad=True).requires_grad


def test_random_creation():
    u = gn.rand(1000)
    assert u.dtype == gn.float32 and 0 <= u.numpy().min() and u.numpy().max() < 1
    n = gn.randn(2000, dtype=gn.float64)
    assert n.dtype == gn.float64 and abs(n.numpy().mean()) < 0.1 and abs(n.numpy().std() - 1) < 0.1
    for r in [gn.randint(3, 7, (50,)), gn.randint(4, (50,)), gn.randint(4, size=(50,))]:
        assert r.dtype == gn.int64 and r.shape == (50,)
        assert r.numpy().min() >= 0 and r.numpy().max() < 7
    assert set(gn.randint(3, 7, (200,)).tolist()) == {3, 4, 5, 6}
    assert sorted(gn.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert gn.randn(2, 3, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="randint"):
        gn.randint(5, 5, (2,))


def test_manual_seed_reproduces():
    gn.manual_seed(123)
    a = (gn.rand(3), gn.randn(2, 2), gn.randint(0, 100, (4,)), gn.randperm(6))
    gn.manual_seed(123)
    b = (gn.rand(3), gn.randn(2, 2), gn.randint(0, 100, (4,)), gn.randperm(6))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    gn.manual_seed(124)
    assert not np.array_equal(gn.rand(3).numpy(), a[0].numpy())


# --------------------------------------------------------------- attributes
def test_attributes():
    x = gn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.dtype == gn.float32
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2 and x.numel() == 6 and len(x) == 2
    assert x.is_leaf and x.grad is None and x.grad_fn is None
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    d = x.detach()
    assert isinstance(d.numpy(), np.ndarray) and d.numpy() is x.array
    assert x[1, 2].item() == 6.0 and isinstance(gn.tensor(3).item(), int)
    with pytest.raises(ValueError, match=r"one-element.*\(2, 3\)"):
        x.item()
    assert float(gn.tensor(2.5)) == 2.5 and int(gn.tensor(7)) == 7
    assert gn.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gn.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="0-d"):
        len(gn.tensor(1.0))


def test_comparisons_give_bool_tensors_without_grad():
    a = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = gn.tensor([3.0, 2.0, 1.0])
    ta, tb = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])
    ops = ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "eq", "ne", "lt", "le", "gt", "ge"]
    for op in ops:
        for other, t_other in [(b, tb), (2.0, 2.0)]:
            out = getattr(a, op)(other)
            assert out.dtype == gn.bool_ and not out.requires_grad and out.grad_fn is None
            np.testing.assert_array_equal(out.numpy(), getattr(ta, op)(t_other).numpy())
    assert (a > 1).any().item() and not (a > 5).all().item()


# -------------------------------------------------------- names like torch
TOP_LEVEL = """
tensor as_tensor from_numpy zeros ones full empty arange linspace eye rand randn randint randperm normal
zeros_like ones_like full_like rand_like randn_like empty_like manual_seed Tensor is_tensor numel
add sub mul div pow neg abs exp log sqrt sin cos tanh sigmoid relu clamp clip sign maximum minimum where
sum mean max min var std logsumexp amax amin argmax argmin
reshape transpose permute squeeze unsqueeze flatten cat concat concatenate stack split chunk broadcast_to t
matmul no_grad enable_grad set_grad_enabled is_grad_enabled
float32 float64 int64 int32 float double long int bool get_default_dtype set_default_dtype
""".split()

METHODS = """
add sub mul div pow neg abs exp log sqrt sin cos tanh sigmoid relu clamp clip sign maximum minimum where
sum mean max min var std logsumexp amax amin argmax argmin any all
reshape view view_as transpose permute squeeze unsqueeze flatten expand expand_as repeat split chunk t T mT
matmul size numel dim ndim shape dtype item tolist numpy detach backward requires_grad_ retain_grad is_leaf
grad grad_fn requires_grad data zero_ fill_ copy_ add_ sub_ mul_ div_ clone float double long int bool to
type_as cpu eq ne lt le gt ge __add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__
__pow__ __rpow__ __matmul__ __neg__ __abs__ __getitem__ __setitem__ __iadd__ __isub__ __imul__ __itruediv__
__lt__ __le__ __gt__ __ge__ __eq__ __ne__ __len__ __float__ __int__ __bool__
""".split()


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_name_like_torch(name):
    assert hasattr(torch, name), f"the list names {name}, which torch lacks"
    assert hasattr(gn, name), f"torch.{name} exists but glassnet.{name} does not"


@pytest.mark.parametrize("name", METHODS)
def test_method_name_like_torch(name):
    assert hasattr(torch.Tensor, name), f"the list names {name}, which torch.Tensor lacks"
    assert hasattr(gn.Tensor, name), f"torch.Tensor.{name} exists but glassnet.Tensor.{name} does not"


def test_inplace_methods():
    x = gn.tensor([1.0, 2.0])
    data = x.array
    x.add_(gn.tensor([1.0, 1.0]), alpha=2).mul_(2).sub_(1).div_(2)
    assert x.array is data and x.tolist() == [2.5, 3.5]
    w = gn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_.*no_grad"):
        w.add_(1.0)
    with gn.no_grad():
        w.add_(1.0)
    assert w.tolist() == [2.0]


# ------------------------------------------------------------------ errors
def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        gn.ones(2, 3) @ gn.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"matmul.*\(3,\).*\(2,\)"):
        gn.matmul(gn.ones(3), gn.ones(2))
    with pytest.raises(RuntimeError, match=r"batch dims.*\(2, 2, 3\).*\(3, 3, 4\)"):
        gn.ones(2, 2, 3) @ gn.ones(3, 3, 4)


def test_reshape_invalid():
    with pytest.raises(RuntimeError, match=r"reshape.*\(4, 4\).*\(2, 3\)"):
        gn.ones(2, 3).reshape(4, 4)
    with pytest.raises(RuntimeError, match="only one dimension can be -1"):
        gn.ones(2, 3).reshape(-1, -1)
    with pytest.raises(RuntimeError, match=r"\(4, -1\).*\(2, 3\)"):
        gn.ones(2, 3).view(4, -1)


def test_cat_and_stack_mismatch():
    with pytest.raises(RuntimeError, match=r"cat.*dim 1.*\(2, 3\).*\(3, 3\)"):
        gn.cat([gn.ones(2, 3), gn.ones(3, 3)], dim=1)
    with pytest.raises(RuntimeError, match=r"stack.*\(2, 3\).*\(2, 4\)"):
        gn.stack([gn.ones(2, 3), gn.ones(2, 4)])
    with pytest.raises(ValueError, match="non-empty"):
        gn.cat([])


def test_other_clear_errors():
    with pytest.raises(IndexError, match=r"sum: dim 3 .*2 dimensions"):
        gn.ones(2, 3).sum(3)
    with pytest.raises(ValueError, match=r"broadcast.*\(3,\).*\(2, 2\)"):
        gn.ones(3).expand(2, 2)
    with pytest.raises(RuntimeError, match=r"expand.*\(-1, 2, 3\).*\(2, 3\)"):
        gn.ones(2, 3).expand(-1, 2, 3)
    with pytest.raises(RuntimeError, match="expand"):
        gn.ones(2, 3).expand(3)
    with pytest.raises(ValueError, match="operands could not be broadcast"):
        gn.ones(3) + gn.ones(4)
    with pytest.raises(ValueError, match="clamp"):
        gn.clamp(gn.ones(2))
    with pytest.raises(TypeError, match="dim= or axis="):
        gn.ones(2, 2).sum(dim=0, axis=0)


# ------------------------------------------------------------------- display
@pytest.mark.parametrize("make", [
    lambda L: L.tensor([1.0, 2.0]), lambda L: L.tensor([1.5, -200.25]), lambda L: L.tensor([1e-5, 1.0]),
    lambda L: L.tensor(2.5), lambda L: L.tensor([1, 2]), lambda L: L.tensor([True, False]),
    lambda L: L.tensor([[1.0, 2.5], [3.0, 4.0]]), lambda L: L.zeros(2, 0), lambda L: L.tensor([]),
    lambda L: L.tensor([1.0, 2.0], requires_grad=True), lambda L: L.tensor([0.5, 2.0]) * 3,
])
def test_repr_reads_like_torch(make):
    ours, theirs = repr(make(gn)), repr(make(torch))
    assert ours == theirs


def test_repr_names_dtype_and_grad_fn():
    assert repr(gn.tensor([1.0, 2.0], dtype=gn.float64)) == "tensor([1., 2.], dtype=glassnet.float64)"
    assert repr(gn.tensor([1, 2], dtype=gn.int32)) == "tensor([1, 2], dtype=glassnet.int32)"
    y = gn.tensor([1.0], requires_grad=True) * 2
    assert repr(y).startswith("tensor([2.], grad_fn=<Mul")
    assert "..." in repr(gn.zeros(5000))


def test_data_is_a_detached_tensor_sharing_the_parameters_storage():
    import glassnet.nn as nn

    layer = nn.Linear(3, 2)
    w = layer.weight
    assert isinstance(w.data, gn.Tensor)
    assert not w.data.requires_grad and w.data.grad_fn is None
    assert np.shares_memory(w.data.array, w.array)
    before = w.array.copy()
    w.data[:] += 1
    np.testing.assert_array_equal(w.array, before + 1)
    w.data *= w.data.abs() >= 1.2
    np.testing.assert_array_equal(w.array, np.where(np.abs(before + 1) >= 1.2, before + 1, 0))
    assert w.requires_grad and w.is_leaf
    w.data.fill_(0.5)
    np.testing.assert_array_equal(w.array, 0.5)


def test_assigning_data_swaps_the_array_and_keeps_the_graph_out():
    w = gn.ones(2, 3, requires_grad=True)
    w.data = gn.zeros(2, 3)
    np.testing.assert_array_equal(w.array, 0)
    assert w.requires_grad
    loss = (w.data * 2).sum()
    assert not loss.requires_grad


def test_setitem_drops_the_values_leading_size_one_dims_as_pytorch_does():
    ours, theirs = gn.zeros(3, 4), torch.zeros(3, 4)
    ours[0, 1] = gn.ones(1, 1) * 5
    theirs[0, 1] = torch.ones(1, 1) * 5
    ours[2] = gn.ones(1, 1, 4)
    theirs[2] = torch.ones(1, 1, 4)
    np.testing.assert_array_equal(ours.array, theirs.numpy())
    with pytest.raises(ValueError):
        ours[0] = gn.ones(2, 4)  # a real shape mismatch is still refused
