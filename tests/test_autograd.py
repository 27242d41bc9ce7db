"""Autograd semantics: accumulation, graph lifetime, grad modes, grad/jacobian/vjp."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.autograd import GradcheckError, grad, gradcheck, jacobian, vjp


def leaf(values, dtype=None):
    return gn.tensor(values, dtype=dtype, requires_grad=True)


def tleaf(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


# ------------------------------------------------------------- accumulation
@pytest.mark.parametrize("f", [
    lambda L, x: x * x,
    lambda L, x: (x + x) * x,
    lambda L, x: L.exp(x) * L.sin(x) + L.exp(x),  # diamond: exp(x) feeds two branches
    lambda L, x: ((x * 2).tanh() * (x * 2)).sum(0) + x[0],  # reuse through a chain
    lambda L, x: L.stack([x, x * x, x[::1]]).sum(0),
])
def test_reused_tensor_gets_summed_gradient(f):
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], np.float32)
    # torch in float64 on the same float32 values: its float32 exp, sin and tanh vary with the CPU
    x, tx = leaf(data), tleaf(data, torch.float64)
    f(gn, x).sum().backward()
    f(torch, tx).sum().backward()
    assert x.grad.dtype == gn.float32
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_diamond_of_intermediates():
    x = leaf([1.0, 2.0])
    a = x * 3
    b, c = a * a, a.exp()
    (b + c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * (2 * 3 * x.array + np.exp(3 * x.array)), rtol=1e-6)


def test_leaf_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad.zero_()
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1, 1])


def test_leaf_grads_never_share_memory():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad += 5
    np.testing.assert_array_equal(b.grad.numpy(), [1, 1])
    c, d = leaf([1.0, 2.0]), leaf(5.0)
    (c - d).backward(gn.ones(2))
    c.grad.array[0] = 100
    assert d.grad.item() == -2
    e, upstream = leaf([[1.0, 2.0]]), gn.tensor([7.0, 8.0])
    e.reshape(2).backward(upstream)  # e.grad would be a reshaped view of upstream
    e.grad.zero_()
    assert upstream.tolist() == [7.0, 8.0]
    f, upstream = leaf([1.0, 2.0]), gn.tensor([7.0, 8.0])
    (f + 0).backward(upstream)  # Add passes the upstream gradient through unchanged
    f.grad.zero_()
    assert upstream.tolist() == [7.0, 8.0]
    f.backward(upstream)  # a leaf's own backward
    f.grad += 1
    assert upstream.tolist() == [7.0, 8.0]


def test_grad_of_scalar_leaf_is_writable():
    w = leaf(2.0)
    (w * w).backward()
    assert w.grad.item() == 4.0
    w.grad.zero_()  # a NumPy scalar here would refuse item assignment
    assert w.grad.item() == 0.0
    loss = gn.ones(3).sum()
    loss.fill_(7.0)
    assert loss.item() == 7.0


# ------------------------------------------------------------ graph lifetime
def test_second_backward_raises_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_through_freed_intermediate_raises_clearly():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3).sum().backward()


def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_graph_is_freed_after_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    node = y.grad_fn
    y.backward()
    assert node.freed and node.inputs is None


# ---------------------------------------------------------------- grad modes
def test_no_grad_context_and_decorator():
    x = leaf([1.0, 2.0])
    with gn.no_grad():
        y = x * 2
        assert not gn.is_grad_enabled()
    assert gn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @gn.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert gn.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0, 2.0])
    with gn.no_grad():
        with gn.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2])


def test_set_grad_enabled_restores_on_error():
    with pytest.raises(ValueError):
        with gn.no_grad():
            raise ValueError
    assert gn.is_grad_enabled()
    with gn.set_grad_enabled(False):
        assert not gn.is_grad_enabled()
    assert gn.is_grad_enabled()


def test_requires_grad_propagation():
    a, b = leaf([1.0]), gn.tensor([2.0])
    assert (a + b).requires_grad and not (b * 2).requires_grad
    assert not b.requires_grad and b.is_leaf and (a + b).grad_fn is not None
    assert not (a > 0).requires_grad
    with pytest.raises(RuntimeError, match="floating-point"):
        gn.tensor([1, 2]).requires_grad_()


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 4])  # d was a constant
    e = x.detach()
    with gn.no_grad():
        e[0] = 10
    assert x.array[0] == 10


def test_retain_grad_on_intermediate():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    tx = tleaf([1.0, 2.0])
    th = tx * 3
    th.retain_grad()
    (th * th).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), th.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert (x * 2).grad is None  # not retained: no .grad on a non-leaf


# -------------------------------------------------------- backward arguments
def test_backward_on_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2,\).*gradient="):
        (x * 2).backward()
    (x * x).backward(gradient=gn.tensor([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [2, 40])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(gn.ones(3))


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gn.tensor([1.0]).sum().backward()


# ------------------------------------------------ grad, jacobian, vjp vs torch
@pytest.mark.parametrize("f", [lambda L, x: x**3, lambda L, x: L.tanh(x), lambda L, x: L.sigmoid(x) * x,
                               lambda L, x: L.exp(-x * x)])
def test_second_derivative_matches_torch(f):
    data = [-1.2, 0.3, 2.0]
    x, tx = leaf(data, gn.float64), tleaf(data, torch.float64)
    (g,) = grad(f(gn, x).sum(), x, create_graph=True)
    (g2,) = grad(g.sum(), x)
    (tg,) = torch.autograd.grad(f(torch, tx).sum(), tx, create_graph=True)
    (tg2,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g2.numpy(), tg2.numpy(), rtol=1e-12)
    assert x.grad is None  # grad() leaves .grad alone


def test_third_derivative_of_cube():
    x = leaf(2.0, gn.float64)
    (g,) = grad(x**3, x, create_graph=True)
    (g2,) = grad(g, x, create_graph=True)
    (g3,) = grad(g2, x)
    assert (g.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_grad_unused_input():
    x, y = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="not used"):
        grad((x * 2).sum(), [x, y])
    gx, gy = grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gx.tolist() == [2.0] and gy is None


def test_grad_of_intermediate_and_multiple_outputs():
    x = leaf([1.0, 2.0])
    h = x * x
    y = (h * 3).sum()
    (gh,) = grad(y, h, retain_graph=True)
    np.testing.assert_array_equal(gh.numpy(), [3, 3])
    (gx,) = grad([y, h.sum()], x)
    np.testing.assert_array_equal(gx.numpy(), 6 * x.array + 2 * x.array)


def _f2(L, a, b):
    return L.tanh(a) * b.sum() + a * a


def test_jacobian_matches_torch():
    a, b = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [0.1, -3.0]])
    inputs = (gn.tensor(a, dtype=gn.float64), gn.tensor(b, dtype=gn.float64))
    ours = jacobian(lambda a, b: _f2(gn, a, b), inputs)
    want = torch.autograd.functional.jacobian(lambda a, b: _f2(torch, a, b),
                                              (torch.tensor(a), torch.tensor(b)))
    for o, w in zip(ours, want):
        assert o.shape == tuple(w.shape)
        np.testing.assert_allclose(o.numpy(), w.numpy(), rtol=1e-12)
    single = jacobian(lambda x: x.exp(), gn.tensor(a, dtype=gn.float64))
    np.testing.assert_allclose(single.numpy(), np.diag(np.exp(a)))


def test_vjp_matches_torch():
    a, b, v = np.array([0.5, -1.0, 2.0]), np.array([[1.0, 2.0], [0.1, -3.0]]), np.array([1.0, -2.0, 0.5])
    out, (ga, gb) = vjp(lambda a, b: _f2(gn, a, b), (gn.tensor(a), gn.tensor(b)), gn.tensor(v))
    # torch in float64 on the float32 values glassnet gets: a reference free of float32 tanh error
    a32, b32, v32 = (torch.tensor(u.astype(np.float32), dtype=torch.float64) for u in (a, b, v))
    t_out, (tga, tgb) = torch.autograd.functional.vjp(lambda a, b: _f2(torch, a, b), (a32, b32), v32)
    assert out.dtype == gn.float32 and ga.dtype == gn.float32
    np.testing.assert_allclose(out.numpy(), t_out.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ga.numpy(), tga.numpy(), rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), tgb.numpy(), rtol=1e-5)


# ----------------------------------------------------------------- gradcheck
class _WrongSecondElement(gn.autograd.Function):
    def forward(self, x):
        return x * x

    def backward(self, g):
        x = self.inputs[0]
        bump = np.zeros(x.shape)
        bump[1, 2] = 1.0
        return g * 2 * x + gn.tensor(bump, dtype=gn.float64)


def test_gradcheck_names_the_worst_element():
    x = gn.tensor(np.arange(12.0).reshape(3, 4), dtype=gn.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(3, 4\)\): at index \(1, 2\)"):
        gradcheck(lambda t: _WrongSecondElement.apply(t), [x])
    assert gradcheck(lambda t: t * t, [x])
    assert not gradcheck(lambda t: _WrongSecondElement.apply(t), [x], raise_exception=False)


def test_gradcheck_names_the_input_position_and_wants_float64():
    a = gn.tensor([1.0, 2.0], dtype=gn.float64)  # a constant: not checked
    b = gn.tensor(np.ones((2, 3)), dtype=gn.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 .*index \(1, 2\)"):
        gradcheck(lambda a, b: _WrongSecondElement.apply(b) * a.sum(), [a, b])
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda t: t * 2, [gn.tensor([1.0], requires_grad=True)])


def test_gradcheck_perturbs_non_contiguous_inputs():
    base = np.arange(6.0).reshape(2, 3)
    x = gn.from_numpy(base.T).requires_grad_()  # a transposed view: not C-contiguous
    assert gradcheck(lambda t: (t * t).sum(0), [x])
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: _WrongSecondElement.apply(t.reshape(3, 2).T.reshape(2, 3)), [x])


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class TanhDetached(gn.autograd.Function):  # right first derivative, backward not differentiable
        def forward(self, x):
            return np.tanh(x)

        def backward(self, g):
            y = gn.tensor(np.tanh(self.inputs[0].array))
            return g * (1 - y * y)

    x = gn.tensor([0.3, -0.8], dtype=gn.float64, requires_grad=True)
    assert gradcheck(lambda t: TanhDetached.apply(t), [x])
    with pytest.raises(GradcheckError):
        gn.autograd.gradgradcheck(lambda t: TanhDetached.apply(t), [x])
    assert gn.autograd.gradgradcheck(lambda t: t.tanh(), [x])


# ------------------------------------------------------------------ in place
def test_inplace_update_under_no_grad():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    data = w.array
    with gn.no_grad():
        w -= 0.1 * w.grad
        w *= 2
    assert w.array is data and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), [1.6, 3.2], rtol=1e-6)


def test_inplace_on_leaf_requiring_grad_raises():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf.*in-place.*no_grad"):
        w -= 1
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 3.0


def test_inplace_on_non_leaf_keeps_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    y += x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])
