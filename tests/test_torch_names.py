"""PyTorch's names that d2l uses and that have no gradient to check, against torch itself.

The differentiable ones (dot, mm, norm, cumsum, meshgrid, prelu, ...) are in
tests/op_cases_torch_names.py, run by tests/test_ops.py; devices are in
tests/test_devices.py.
"""

import numpy as np
import pytest
import torch

import glassnet as gn
import glassnet.nn.functional as F


def same(ours, theirs):
    """Same values, shape and dtype as torch's tensor (or tuple of tensors)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def both(fn, *arrays):
    """``fn(lib, *tensors)`` for glassnet and for torch, on the same arrays."""
    return fn(gn, *[gn.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


# ------------------------------------------------------------ creators
@pytest.mark.parametrize("make", [
    lambda L: L.rand(2, 3), lambda L: L.rand(size=(2, 3)), lambda L: L.randn((4,)),
    lambda L: L.randn(size=(2, 2), dtype=L.float64), lambda L: L.normal(0, 1, size=(3, 4)),
    lambda L: L.normal(0, 0.01, (3, 4), requires_grad=True), lambda L: L.randint(0, 10, size=(5,)),
    lambda L: L.randint(10, (2, 3)), lambda L: L.randint(0, 10, (5,), dtype=L.int32),
    lambda L: L.normal(L.zeros(3, 2), 1.0), lambda L: L.randperm(5),
    lambda L: L.zeros(2, 3, dtype=L.int64), lambda L: L.ones(4, dtype=L.float32), lambda L: L.ones(size=(2,)),
    lambda L: L.full((2, 2), 7), lambda L: L.arange(4, dtype=L.float32), lambda L: L.arange(0, 1, 0.25),
    lambda L: L.eye(3, dtype=L.float64), lambda L: L.empty(2, 0),
    lambda L: L.zeros_like(L.ones(2, dtype=L.int64)),
    lambda L: L.tensor([[2, 1], [3, 4]]), lambda L: L.tensor([1.0, 2.0], device="cpu"),
    lambda L: L.linspace(0, 1, 5, dtype=L.float64), lambda L: L.randint_like(L.ones(3), 0, 4),
])
def test_creators_give_torch_shapes_dtypes_and_grad_flags(make):
    ours, theirs = make(gn), make(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert ours.requires_grad == theirs.requires_grad


def test_random_creators_follow_the_seed_and_their_distribution():
    gn.manual_seed(3)
    a = gn.normal(2.0, 0.5, size=(20000,))
    gn.manual_seed(3)
    assert np.array_equal(gn.normal(2.0, 0.5, size=(20000,)).numpy(), a.numpy())
    assert abs(a.mean().item() - 2.0) < 0.02 and abs(a.std().item() - 0.5) < 0.02
    r = gn.randint(3, 7, size=(2000,))
    assert set(r.tolist()) == {3, 4, 5, 6}
    u = gn.rand(size=(20000,))
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.01


def test_creator_errors_name_the_creator():
    with pytest.raises(TypeError, match="rand: the shape is given both"):
        gn.rand(2, size=(3,))
    with pytest.raises(TypeError, match="randint: the size argument is required"):
        gn.randint(0, 10)
    with pytest.raises(TypeError, match="normal: with a number as mean and std"):
        gn.normal(0, 1)


@pytest.mark.parametrize("args", [(1, 4), (0, 1, 0.25), (-3, 3), (0, 1, 0.3), (2, -1, -0.5)])
def test_range_includes_its_end_as_torch_range_does(args):
    with pytest.warns(UserWarning):  # torch deprecates it; glassnet keeps it quietly
        want = torch.range(*args)
    same(gn.range(*args), want)


def test_legacy_tensor_types():
    same(gn.FloatTensor([1, 2]), torch.FloatTensor([1, 2]))
    same(gn.LongTensor([[1, 2]]), torch.LongTensor([[1, 2]]))
    assert gn.FloatTensor(2, 3).shape == tuple(torch.FloatTensor(2, 3).shape)
    assert isinstance(gn.ones(2), gn.FloatTensor) and not isinstance(gn.ones(2), gn.LongTensor)
    for dt in ("float32", "float64", "int64", "int32", "bool"):
        assert gn.ones(2, dtype=getattr(gn, dt)).type() == torch.ones(2, dtype=getattr(torch, dt)).type()
    same(gn.ones(2).type(gn.int64), torch.ones(2).type(torch.int64))
    same(gn.ones(2).type("torch.DoubleTensor"), torch.ones(2).type("torch.DoubleTensor"))
    same(gn.ones(2).type(gn.LongTensor), torch.ones(2).type(torch.LongTensor))
    with pytest.raises(ValueError, match="Tensor.type: unknown type name"):
        gn.ones(2).type("torch.Nope")


# ------------------------------------------------------ integer-valued ops
X = np.array([[3, 1, 2], [1, 0, 3]])


@pytest.mark.parametrize("fn", [
    lambda L, x: L.nonzero(x), lambda L, x: L.nonzero(x, as_tuple=True), lambda L, x: (x > 1).nonzero(),
    lambda L, x: L.nonzero(x[0, 0]), lambda L, x: L.nonzero(x[1, 1]),
    lambda L, x: L.argsort(x * 10 + L.arange(3)), lambda L, x: L.argsort(x, dim=0, stable=True),
    lambda L, x: x.argsort(descending=True, stable=True),
    lambda L, x: L.argsort(x, dim=1, descending=True, stable=True),
    lambda L, x: L.unique(x), lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
    lambda L, x: x.unique(return_counts=True), lambda L, x: L.unique(x[:, :2], dim=0),
    lambda L, x: L.repeat_interleave(x[0]), lambda L, x: x.repeat_interleave(2, dim=1),
    lambda L, x: L.nn.functional.one_hot(x), lambda L, x: L.nn.functional.one_hot(x[0], num_classes=5),
    lambda L, x: L.cumsum(x, 1), lambda L, x: L.cumsum(x > 1, dim=0), lambda L, x: L.sinh(x),
    lambda L, x: L.norm(x.float(), p=0), lambda L, x: L.meshgrid(x[0], x[1], indexing="ij"),
])
def test_integer_valued_ops_match_torch(fn):
    ours, theirs = both(fn, X)
    same(ours, theirs)


def test_integer_op_errors():
    with pytest.raises(RuntimeError, match="one_hot: class value 3 is out of range for num_classes=2"):
        F.one_hot(gn.tensor([0, 3]), 2)
    with pytest.raises(RuntimeError, match="one_hot: expected an integer tensor"):
        F.one_hot(gn.tensor([0.0]))
    with pytest.raises(RuntimeError, match=r"repeat_interleave: repeats must have shape \(3,\)"):
        gn.repeat_interleave(gn.ones(3), gn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"mm: mat2 must be 2-D, got shape \(3,\)"):
        gn.mm(gn.ones(2, 3), gn.ones(3))
    with pytest.raises(RuntimeError, match="bmm: batch sizes differ"):
        gn.bmm(gn.ones(2, 2, 3), gn.ones(3, 3, 2))
    with pytest.raises(RuntimeError, match="dot: expected 1-D tensors of one size, got 2 and 3"):
        gn.dot(gn.ones(2), gn.ones(3))
    with pytest.raises(RuntimeError, match="prelu: weight has 2 elements, expected 1 or the input's 3"):
        gn.prelu(gn.ones(4, 3), gn.ones(2))
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy'"):
        gn.meshgrid(gn.ones(2), indexing="yx")


def test_norm_of_zero_has_a_zero_gradient_like_torch():
    ours = gn.zeros(3, requires_grad=True)
    theirs = torch.zeros(3, requires_grad=True)
    gn.norm(ours).backward()
    torch.norm(theirs).backward()
    same(ours.grad, theirs.grad)


# --------------------------------------------------------------- out= and alpha=
@pytest.mark.parametrize("name,args", [
    ("add", (np.ones((2, 3)), np.arange(3.0))), ("mul", (np.ones(3), np.arange(3.0))),
    ("exp", (np.arange(3.0),)), ("matmul", (np.ones((2, 3)), np.ones((3, 4)))), ("cumsum", (np.ones(4), 0)),
])
def test_out_writes_into_the_same_tensor(name, args):
    def call(L, out):
        return getattr(L, name)(*[L.tensor(a, dtype=L.float32) if isinstance(a, np.ndarray) else a
                                  for a in args], out=out)

    ours, theirs = gn.zeros(0), torch.zeros(0)  # an empty out= takes the result's shape
    assert call(torch, theirs) is theirs
    kept = id(ours)
    assert call(gn, ours) is ours and id(ours) == kept
    same(ours, theirs)
    fitting = gn.zeros(ours.shape)
    array = fitting.array
    call(gn, fitting)
    assert fitting.array is array  # written in place when the shape fits


def test_out_refuses_autograd_and_alpha_scales():
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=... arguments don't support"):
        gn.add(gn.ones(2, requires_grad=True), 1, out=gn.zeros(2))
    same(gn.add(gn.ones(2), gn.ones(2), alpha=3), torch.add(torch.ones(2), torch.ones(2), alpha=3))
    same(gn.sub(gn.ones(2), gn.ones(2), alpha=2), torch.sub(torch.ones(2), torch.ones(2), alpha=2))


# ------------------------------------------------------------ in place on data
def test_in_place_fillers_change_the_parameter_through_data():
    net = gn.nn.Sequential(gn.nn.Linear(200, 100))
    gn.manual_seed(0)
    returned = net[0].weight.data.normal_(0, 0.01)
    w = net[0].weight.array
    assert returned.array is w and abs(w.std() - 0.01) < 5e-4 and abs(w.mean()) < 5e-4
    net[0].bias.data.fill_(0)
    assert not net[0].bias.array.any()
    net[0].weight.data.uniform_(-2, 3)
    assert w.min() >= -2 and w.max() < 3 and abs(w.mean() - 0.5) < 0.05
    net[0].weight.data.clamp_(min=-1, max=1)
    assert w.min() == -1 and w.max() == 1
    net[0].weight.data.exponential_(4.0)
    assert w.min() >= 0 and abs(w.mean() - 0.25) < 0.01
    net[0].weight.data.bernoulli_(0.3)
    assert set(np.unique(w)) == {0.0, 1.0} and abs(w.mean() - 0.3) < 0.01
    net[0].weight.data.zero_()
    net[0].weight.data.copy_(gn.arange(100.0).reshape(100, 1))
    assert (w[:, 7] == np.arange(100)).all()


def test_in_place_fillers_refuse_a_tensor_in_autograd_like_torch():
    w = gn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"normal_: in-place change of a tensor that requires grad"):
        w.normal_()
    with pytest.raises(RuntimeError):
        torch.ones(3, requires_grad=True).normal_()
    with gn.no_grad():
        w.uniform_(0, 1)
    assert ((0 <= w.array) & (w.array < 1)).all()
    same(gn.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1), torch.tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1))


def test_format_a_one_element_tensor_as_its_number():
    loss = gn.tensor(0.123456)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456):.3f}" == "0.123"
    assert f"{gn.tensor(3)}" == "tensor(3)" and f"{gn.tensor([2.5]):.1f}" == "2.5"
    with pytest.raises(TypeError, match=r"only a one-element tensor formats as a number"):
        f"{gn.ones(2):.2f}"


# -------------------------------------------------- d2l's preliminaries, as written
def test_the_d2l_preliminaries_idioms_match_torch():
    for L in (gn, torch):
        x = L.arange(12, dtype=L.float32)
        assert x.numel() == 12 and x.shape[0] == 12
        X = x.reshape(3, 4)
        Y = L.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
        results = [L.cat((X, Y), dim=0), L.cat((X, Y), dim=1), X == Y, X.sum(), 2 + X, X.T,
                   X.sum(axis=1, keepdims=True), X / X.sum(0, keepdims=True), L.exp(x), x.exp(),
                   L.tanh(x), L.matmul(X, L.ones(4)), L.mv(X, L.ones(4)), X.clone(), X.detach(),
                   L.sum(L.abs(X - Y)), L.zeros_like(Y), X.cumsum(axis=0), L.norm(L.ones((4, 9)))]
        Z = L.zeros_like(Y)
        before = id(Z)
        Z[:] = X + Y
        before_x = id(X)
        X += Y
        results += [Z, X, L.tensor(float(x[3])), L.tensor(x[3].item())]
        assert id(Z) == before and id(X) == before_x
        a = X.numpy()
        assert type(a) is np.ndarray and L.from_numpy(a).dtype == X.dtype
        if L is gn:
            ours = results
        else:
            for o, t in zip(ours, results):
                same(o, t)


def test_d2l_autograd_idioms():
    x = gn.arange(4.0)
    x.requires_grad_()
    y = 2 * gn.dot(x, x)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 4 * np.arange(4.0))
    x.grad.zero_()
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(4))
    with gn.no_grad():
        assert not (x * 2).requires_grad


def test_init_functions_and_apply_as_d2l_writes_them():
    def init_normal(m):
        if type(m) is gn.nn.Linear:
            gn.nn.init.normal_(m.weight, mean=0, std=0.01)
            gn.nn.init.zeros_(m.bias)

    net = gn.nn.Sequential(gn.nn.LazyLinear(8), gn.nn.ReLU(), gn.nn.Flatten(), gn.nn.LazyLinear(1))
    net(gn.rand(size=(2, 4)))
    net.apply(init_normal)
    assert not net[0].bias.array.any() and net[0].weight.array.std() < 0.05
    gn.nn.init.xavier_uniform_(net[0].weight)
    gn.nn.init.constant_(net[3].weight, 1)
    assert (net[3].weight.array == 1).all()
    prelu = gn.nn.PReLU(3)
    assert prelu.weight.shape == (3,) and (prelu.weight.array == 0.25).all()
    torch_prelu = torch.nn.PReLU(3)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    same(prelu(gn.tensor(x)).detach(), torch_prelu(torch.tensor(x)).detach())


# ------------------------------------------------------------ distributions
def test_multinomial_rolls_a_die_as_d2l_does():
    from glassnet.distributions.multinomial import Multinomial

    fair_probs = gn.ones([6]) / 6
    gn.manual_seed(0)
    one = Multinomial(1, fair_probs).sample()
    assert one.shape == (6,) and one.sum().item() == 1 and one.dtype == gn.float32
    counts = Multinomial(1000, fair_probs).sample((50,))
    assert counts.shape == (50, 6) and (counts.sum(1).numpy() == 1000).all()
    freq = (counts.sum(0) / 50000).numpy()
    assert np.abs(freq - 1 / 6).max() < 0.01
    value = [[1.0, 0, 2, 0, 3, 4]]
    unnormalised = [1.0, 2, 3, 4, 5, 6]
    same(Multinomial(10, gn.tensor(unnormalised)).log_prob(gn.tensor(value)),
         torch.distributions.Multinomial(10, torch.tensor(unnormalised)).log_prob(torch.tensor(value)))


def test_categorical_and_normal_match_torch():
    probs = [[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]
    ours = gn.distributions.Categorical(gn.tensor(probs))
    theirs = torch.distributions.Categorical(torch.tensor(probs))
    same(ours.log_prob(gn.tensor([2, 0])), theirs.log_prob(torch.tensor([2, 0])))
    same(ours.entropy(), theirs.entropy())
    logits = [0.3, -1.0, 2.0]
    same(gn.distributions.Categorical(logits=gn.tensor(logits)).probs,
         torch.distributions.Categorical(logits=torch.tensor(logits)).probs)
    gn.manual_seed(1)
    draws = ours.sample((20000,))
    assert draws.shape == (20000, 2) and draws.dtype == gn.int64
    assert abs((draws[:, 0] == 2).float().mean().item() - 0.7) < 0.015 and (draws[:, 1] != 2).all()

    loc, scale = [0.0, 1.0], [1.0, 2.0]
    n_ours, n_theirs = gn.distributions.Normal(gn.tensor(loc), gn.tensor(scale)), \
        torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale))
    same(n_ours.log_prob(gn.tensor([0.5, -1.0])), n_theirs.log_prob(torch.tensor([0.5, -1.0])))
    same(n_ours.entropy(), n_theirs.entropy())
    samples = n_ours.sample((20000,))
    assert samples.shape == (20000, 2)
    np.testing.assert_allclose(samples.numpy().std(0), scale, rtol=0.03)


def test_normal_rsample_carries_the_gradient():
    loc = gn.zeros(3, requires_grad=True)
    scale = gn.ones(3, requires_grad=True)
    sample = gn.distributions.Normal(loc, scale).rsample()
    sample.sum().backward()
    np.testing.assert_array_equal(loc.grad.numpy(), np.ones(3))
    # d(loc + scale * eps)/dscale is eps, and the sample with loc 0 and scale 1 is eps
    np.testing.assert_allclose(scale.grad.numpy(), sample.detach().numpy())
    with pytest.raises(ValueError, match="Categorical: give exactly one of probs and logits"):
        gn.distributions.Categorical()
    with pytest.raises(ValueError, match="Multinomial: probs must be finite and non-negative"):
        gn.distributions.Multinomial(1, gn.tensor([-0.5, 1.5]))


def test_where_with_only_a_condition_is_nonzero_as_a_tuple():
    x = np.array([[0, 3], [2, 0]])
    ours = gn.where(gn.tensor(x) > 0)
    theirs = torch.where(torch.tensor(x) > 0)
    assert len(ours) == len(theirs) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.array, b.numpy())
    with pytest.raises(TypeError, match="where: give both input and other"):
        gn.where(gn.tensor(x) > 0, gn.tensor(x))
