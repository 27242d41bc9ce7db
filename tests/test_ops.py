"""Every op of the table in ``op_cases.py`` through the harness of ``op_harness.py``.

For each case: (a) the float32 forward and (b) the backward of a random
upstream gradient match torch, (c) the float64 backward matches central
differences (``gradcheck``), (d) the plain-NumPy first-order gradient of hot
ops equals their differentiable backward, and (e) the double backward
matches too (``gradgradcheck``, which also differentiates with respect to
the upstream gradient, so linear ops are covered too).
"""

import numpy as np
import pytest
import torch
from op_cases_torch_names import ALL_CASES as CASES  # op_cases.py's table and PyTorch's names
from op_harness import (
    check_first_order_path,
    check_forward_and_backward,
    check_gradcheck,
    check_gradgradcheck,
)

import glassnet as gn

IDS = [c.name for c in CASES]
GG = [c for c in CASES if c.gradgrad]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_backward_match_torch(case):
    check_forward_and_backward(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_first_order_path_matches_differentiable_backward(case):
    check_first_order_path(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    check_gradcheck(case)


@pytest.mark.parametrize("case", GG, ids=[c.name for c in GG])
def test_gradgradcheck(case):
    check_gradgradcheck(case)


# ------------------------------------------------- what a table cannot say


def test_repeated_indices_accumulate():
    x = gn.zeros(4, requires_grad=True)
    x[gn.tensor([0, 0, 0, 2])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 0, 1, 0])
    y = gn.zeros(2, 3, requires_grad=True)
    (y[[1, 1], [2, 2]] * gn.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0, 0], [0, 0, 11]])


def test_max_min_ties_follow_torch():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)
    for reduce in [lambda L, x: L.max(x), lambda L, x: L.min(x, 1)[0], lambda L, x: x.max(dim=0).values,
                   lambda L, x: L.amax(x, 1), lambda L, x: L.amin(x), lambda L, x: L.maximum(x, x[:, :1]),
                   lambda L, x: L.minimum(x[0], x[1])]:
        ours = gn.tensor(data, requires_grad=True)
        theirs = torch.tensor(data, requires_grad=True)
        reduce(gn, ours).sum().backward()
        reduce(torch, theirs).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_max_with_dim_returns_values_and_indices():
    data = np.array([[1.0, 3.0, 3.0], [5.0, 2.0, 5.0]], np.float32)
    values, indices = gn.tensor(data).max(1)
    want = torch.tensor(data).max(1)
    np.testing.assert_array_equal(values.numpy(), want.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want.indices.numpy())
    assert indices.dtype == gn.int64
    kept = gn.min(gn.tensor(data), dim=0, keepdim=True)
    assert kept.values.shape == (1, 3) and kept.indices.shape == (1, 3)


def test_pow_negative_base_integer_exponent_has_finite_gradient():
    for exponent in [2, 3, -1, 2.0]:
        x = gn.tensor([-2.0, -0.5, 3.0], requires_grad=True)
        tx = torch.tensor([-2.0, -0.5, 3.0], requires_grad=True)
        (x**exponent).sum().backward()
        (tx**exponent).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


@pytest.mark.filterwarnings("ignore:divide by zero", "ignore:invalid value")  # 0 ** -1 inside, masked
def test_pow_at_zero_matches_torch():
    x = gn.tensor([0.0, 0.0, 2.0], requires_grad=True)
    e = gn.tensor([0.0, 2.0, 0.0], requires_grad=True)
    tx = torch.tensor([0.0, 0.0, 2.0], requires_grad=True)
    te = torch.tensor([0.0, 2.0, 0.0], requires_grad=True)
    (x**e).sum().backward()
    (tx**te).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(e.grad.numpy(), te.grad.numpy())


def test_clamp_tensor_bounds_match_torch_where_bounds_cross():
    x, lo, hi = [0.0, 2.0, -3.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.5, 3.0, 3.0, 1.0]
    ours = [gn.tensor(v, requires_grad=True) for v in (x, lo, hi)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, lo, hi)]
    out = gn.clamp(*ours)
    want = torch.clamp(*theirs)
    np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
    out.backward(gn.tensor([1.0, 2.0, 3.0, 4.0]))
    want.backward(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_where_with_python_scalars():
    x = gn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = gn.where(x > 0, x, 0.0) + gn.where(x > 0, 1.0, x)
    assert y.dtype == gn.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1])
    both = gn.where(gn.tensor([True, False]), 1.0, 0.0)
    assert both.dtype == gn.float32 and both.tolist() == [1.0, 0.0]
    assert gn.where(gn.tensor([True, False]), 1, 0).dtype == gn.int64
    x64 = gn.tensor([1.0, -1.0], dtype=gn.float64)
    assert gn.where(x64 > 0, x64, 0.0).dtype == gn.float64


def test_sigmoid_and_logsumexp_do_not_overflow():
    x = gn.tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_array_equal(gn.sigmoid(x).numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(gn.logsumexp(x, 0).item(), 1000.0)


def test_cast_backward_keeps_each_dtype():
    x = gn.tensor([1.0, 2.0], dtype=gn.float64, requires_grad=True)
    y = x.float() * 3
    assert y.dtype == gn.float32
    y.sum().backward()
    assert x.grad.dtype == gn.float64 and x.grad.tolist() == [3.0, 3.0]
    # float32 meeting float64 gives float64, but each gradient has its input's dtype
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    b = gn.tensor([3.0, 4.0], dtype=gn.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == gn.float32 and b.grad.dtype == gn.float64
    np.testing.assert_array_equal(a.grad.numpy(), [3, 4])


def test_integer_tensors_promote_like_torch():
    cases = [
        lambda L, t: t + 0.5, lambda L, t: 0.5 * t, lambda L, t: t * 2, lambda L, t: t / 2,
        lambda L, t: t - 1, lambda L, t: t * L.tensor([0.5]), lambda L, t: 2.0**t,
        lambda L, t: L.maximum(t, L.tensor([1.5])), lambda L, t: L.where(t > 1, t, 0.5),
    ]
    for f in cases:
        got, want = f(gn, gn.tensor([1, 2, 3])), f(torch, torch.tensor([1, 2, 3]))
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(got.numpy(), want.numpy())


def test_edge_cases_found_by_fuzzing_match_torch():
    """The mean of an empty tensor is NaN (0 / 0), and a 0-d tensor transposes dims 0 and -1, as in
    PyTorch; other dims of a 0-d tensor get a named IndexError, not a raw one."""
    for shape, dim in (((0,), None), ((2, 0), 1), ((0, 3), 0)):
        want = torch.zeros(shape).mean() if dim is None else torch.zeros(shape).mean(dim)
        got = gn.zeros(*shape).mean() if dim is None else gn.zeros(*shape).mean(dim)
        np.testing.assert_array_equal(got.numpy(), want.numpy())  # NaN where torch has NaN
    x = gn.tensor(np.array(2.0), requires_grad=True)
    (x.transpose(0, -1) * 3).backward()
    assert x.grad.item() == 3.0
    with pytest.raises(IndexError, match=r"transpose: a 0-d tensor takes dims 0 and -1 only, got \(0, 1\)"):
        gn.tensor(np.array(2.0)).transpose(0, 1)


def test_matmul_refuses_mixed_dtypes_as_torch_does():
    a, b = gn.ones(2, 3), gn.ones(3, 2, dtype=gn.float64)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.float64)
    for x, y in ((a, b), (b.t(), a.t()), (gn.ones(3), gn.ones(3, dtype=gn.float64))):
        with pytest.raises(TypeError, match=r"matmul: both operands must have the same dtype, got float"):
            x @ y
