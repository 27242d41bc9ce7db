"""Pooling, normalisation and channel dropout, as ops and as layers, against PyTorch.

The op tables use the checks of tests/test_conv.py: forward and backward vs
torch in float32, gradcheck in float64, the first-order NumPy gradient vs
the differentiable one, and gradgradcheck where marked.
"""

import numpy as np
import pytest
import torch
from op_harness import (
    Case,
    check_first_order_path,
    check_forward_and_backward,
    check_gradcheck,
    check_gradgradcheck,
)

import glassnet as gn
from glassnet import nn

tnn = torch.nn
CASES = []


def add(name, fn, *shapes, domain="real", gradgrad=False):
    CASES.append(Case(name, fn, shapes, domain=domain, gradgrad=gradgrad, tol=dict(rtol=1e-4, atol=1e-5),
                      exact=1e-10))


def F(L):
    return L.nn.functional


# ------------------------------------------------------------------ pooling
# "spread" inputs keep every window's maximum apart, so finite differences never cross a tie.
for tag, kw in [
    ("k2", {"kernel_size": 2}),
    ("k2_odd_input", {"kernel_size": 2}),
    ("k3_s1_overlap", {"kernel_size": 3, "stride": 1}),
    ("k3_s2_p1", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("k(2,3)_s(1,2)", {"kernel_size": (2, 3), "stride": (1, 2)}),
    ("k3_dilation2_p1", {"kernel_size": 3, "dilation": 2, "padding": 1}),
    ("k(3,2)_p(1,0)", {"kernel_size": (3, 2), "padding": (1, 0)}),
    ("k2_s3_gaps_between_windows", {"kernel_size": 2, "stride": 3}),
    ("k2_ceil_odd_input", {"kernel_size": 2, "ceil_mode": True}),
    ("k3_s2_p1_ceil", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("k2_s3_p1_ceil_last_window_dropped", {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True}),
]:
    shape = (2, 2, 7, 5) if "odd_input" in tag else (2, 2, 6, 6)
    shape = (2, 2, 4, 7) if "dropped" in tag else shape
    add("max_pool_" + tag, lambda L, x, kw=kw: F(L).max_pool2d(x, **kw), shape, domain="spread",
        gradgrad=tag in ("k2", "k3_s2_p1"))
add("max_pool_unbatched", lambda L, x: F(L).max_pool2d(x, 2), (2, 4, 6), domain="spread")

for tag, kw in [
    ("k2", {"kernel_size": 2}),
    ("k3_s1_overlap", {"kernel_size": 3, "stride": 1}),
    ("k3_s2_p1", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("k3_s2_p1_exclude_pad", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("k(2,3)_s(1,2)_p1_exclude_pad", {"kernel_size": (2, 3), "stride": (1, 2), "padding": 1,
                                      "count_include_pad": False}),
    ("k2_divisor_override", {"kernel_size": 2, "divisor_override": 3}),
    ("k2_s3_gaps_between_windows", {"kernel_size": 2, "stride": 3}),
    ("k2_ceil", {"kernel_size": 2, "ceil_mode": True}),
    ("k3_s2_p1_ceil", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("k3_s2_p1_ceil_exclude_pad", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                   "count_include_pad": False}),
    ("k(3,2)_s2_ceil", {"kernel_size": (3, 2), "stride": 2, "ceil_mode": True}),
]:
    add("avg_pool_" + tag, lambda L, x, kw=kw: F(L).avg_pool2d(x, **kw), (2, 2, 7, 6),
        gradgrad=tag in ("k2", "k3_s2_p1_exclude_pad"))
add("avg_pool_unbatched", lambda L, x: F(L).avg_pool2d(x, 2, 1), (2, 4, 5))

for size in [1, 3, (2, 4), (5, 5), (None, 2), (7, 6), (2, 3)]:
    add(f"adaptive_avg_pool{size}", lambda L, x, s=size: F(L).adaptive_avg_pool2d(x, s), (2, 2, 7, 6),
        gradgrad=size in (1, (5, 5)))
add("adaptive_avg_pool_unbatched", lambda L, x: F(L).adaptive_avg_pool2d(x, (3, 2)), (2, 5, 5))


# ------------------------------------------------------------ normalisation
def _bn(training, affine=True, momentum=0.1):
    def fn(L, x, *wb):
        rng = np.random.default_rng(3)
        c = x.shape[1]
        # fresh running statistics every call, in the input's dtype as torch requires;
        # their updates are checked by test_batch_norm_running_statistics_follow_torch
        mean = L.tensor(rng.standard_normal(c), dtype=x.dtype)
        var = L.tensor(rng.uniform(0.5, 2, c), dtype=x.dtype)
        return F(L).batch_norm(x, mean, var, *wb, training=training, momentum=momentum)

    return fn


for shape in [(5, 3), (3, 2, 4), (2, 3, 3, 2)]:
    for training in [True, False]:
        mode = "train" if training else "eval"
        channels = shape[1:2]
        add(f"batch_norm{shape}_{mode}", _bn(training), shape, channels, channels, gradgrad=len(shape) == 4)
add("batch_norm_train_no_affine", _bn(True), (4, 3, 2))
add("batch_norm_eval_no_affine", _bn(False), (4, 3, 2))
add("batch_norm_train_weight_only", lambda L, x, w: _bn(True, momentum=0.5)(L, x, w), (4, 2, 3), (2,))

for shape, normalized in [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4)), ((2, 2, 3, 2), (2, 3, 2))]:
    add(f"layer_norm{shape}over{normalized}", lambda L, x, w, b, n=normalized: F(L).layer_norm(x, n, w, b),
        shape, normalized, normalized, gradgrad=len(normalized) != 2)
add("layer_norm_no_affine", lambda L, x: F(L).layer_norm(x, (3, 4)), (2, 3, 4), gradgrad=True)

IDS = [c.name for c in CASES]
GG = [c for c in CASES if c.gradgrad]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case):
    check_forward_and_backward(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_first_order_path_equals_differentiable_backward(case):
    check_first_order_path(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    check_gradcheck(case)


@pytest.mark.parametrize("case", GG, ids=[c.name for c in GG])
def test_gradgradcheck(case):
    check_gradgradcheck(case)


# --------------------------------------------------------- what tables miss
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1},
                                {"kernel_size": 3, "stride": 2, "padding": 1}])
def test_max_pool_ties_send_the_gradient_to_the_first_maximum_like_torch(kw):
    # small integers, as after a ReLU: most windows hold equal maxima
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 6, 7)).astype(np.float32)
    x[0, 0] = 0  # whole windows of equal values
    ours, theirs = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = F(gn).max_pool2d(ours, **kw), F(torch).max_pool2d(theirs, **kw)
    np.testing.assert_array_equal(y.array, ty.detach().numpy())
    up = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    y.backward(gn.tensor(up))
    ty.backward(torch.tensor(up))
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)},
    {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True},
], ids=str)
@pytest.mark.parametrize("batched", [True, False])
def test_max_pool_return_indices_match_torch(kw, batched):
    x = np.random.default_rng(5).standard_normal((2, 3, 7, 8) if batched else (3, 7, 8)).astype(np.float32)
    ours = gn.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, idx = F(gn).max_pool2d(ours, return_indices=True, **kw)
    ty, tidx = F(torch).max_pool2d(theirs, return_indices=True, **kw)
    np.testing.assert_array_equal(y.array, ty.detach().numpy())
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.array, tidx.numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(ours.grad.array, theirs.grad.numpy())
    with gn.no_grad():
        _, idx_no_grad = F(gn).max_pool2d(ours, return_indices=True, **kw)
    np.testing.assert_array_equal(idx_no_grad.array, tidx.numpy())


def test_max_pool_layer_returns_indices_like_torch():
    x = np.random.default_rng(6).standard_normal((1, 2, 5, 5)).astype(np.float32)
    y, idx = nn.MaxPool2d(2, ceil_mode=True, return_indices=True)(gn.tensor(x))
    ty, tidx = tnn.MaxPool2d(2, ceil_mode=True, return_indices=True)(torch.tensor(x))
    assert tuple(y.shape) == (1, 2, 3, 3)
    np.testing.assert_array_equal(y.array, ty.numpy())
    np.testing.assert_array_equal(idx.array, tidx.numpy())


def test_max_pool_without_grad_keeps_no_indices_and_gives_the_same_values():
    x = gn.randn(2, 3, 8, 8)
    with gn.no_grad():
        y = F(gn).max_pool2d(x, 2)
    np.testing.assert_array_equal(y.array, x.array.reshape(2, 3, 4, 2, 4, 2).max(axis=(3, 5)))


@pytest.mark.parametrize("call, error, message", [
    (lambda: F(gn).max_pool2d(gn.randn(1, 1, 6, 6), 2, padding=2), ValueError, "half the kernel size"),
    (lambda: F(gn).avg_pool2d(gn.randn(1, 1, 6, 6), 3, padding=2), ValueError, "half the kernel size"),
    (lambda: F(gn).max_pool2d(gn.randn(6, 6), 2), RuntimeError, r"3-D \(C, H, W\) or 4-D"),
    (lambda: F(gn).avg_pool2d(gn.randn(1, 1, 2, 2), 3), RuntimeError, "larger than the padded input"),
    (lambda: F(gn).adaptive_avg_pool2d(gn.randn(1, 1, 4, 4), 0), ValueError, "positive"),
    (lambda: F(gn).layer_norm(gn.randn(2, 3, 4), (3,)), RuntimeError,
     r"normalized_shape=\(3,\) expects an input of shape \(\*, 3\), got \(2, 3, 4\)"),
    (lambda: F(gn).batch_norm(gn.randn(1, 3), None, None, training=True), ValueError,
     "more than 1 value per channel"),
    (lambda: F(gn).batch_norm(gn.randn(4, 3), None, None), RuntimeError, "needed in evaluation mode"),
    (lambda: F(gn).batch_norm(gn.randn(4, 3), gn.zeros(2), gn.ones(2)), RuntimeError,
     r"running_mean of shape \(2,\) does not match the 3 channels"),
    (lambda: nn.BatchNorm2d(3)(gn.randn(4, 3)), RuntimeError, r"BatchNorm2d\(3\): expected a 4-D input"),
    (lambda: nn.BatchNorm1d(3)(gn.randn(4, 5)), RuntimeError, "with 3 channels in dim 1, got shape"),
    (lambda: F(gn).dropout2d(gn.randn(4, 3), 0.5), RuntimeError, "3-D or 4-D"),
])
def test_pool_and_norm_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_layer_norm_is_accurate_far_from_zero():
    # E[x^2] - E[x]^2 would lose every digit here in float32; subtracting the mean first does not
    x = (np.random.default_rng(0).standard_normal((3, 6)) * 0.01 + 100).astype(np.float32)
    exact = torch.nn.functional.layer_norm(torch.tensor(x, dtype=torch.float64), (6,)).numpy()
    np.testing.assert_allclose(F(gn).layer_norm(gn.tensor(x), (6,)).array, exact, atol=2e-3)


# ------------------------------------------------------------------ layers
def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("kind, shape", [("BatchNorm2d", (4, 3, 5, 2)), ("BatchNorm1d", (6, 3)),
                                         ("BatchNorm1d", (4, 3, 5))])
def test_batch_norm_running_statistics_follow_torch(kind, shape, momentum):
    ours, theirs = getattr(nn, kind)(3, momentum=momentum), getattr(tnn, kind)(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    _load(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for step in range(3):  # train: batch statistics, running ones move
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(gx), theirs(tx)
        np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-4, atol=1e-5)
        (y * y * y).sum().backward()
        (ty * ty * ty).sum().backward()
        np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        for name in ("weight", "bias"):
            np.testing.assert_allclose(getattr(ours, name).grad.array, getattr(theirs, name).grad.numpy(),
                                       rtol=1e-4, atol=1e-4)
        for name, buf in theirs.named_buffers():
            np.testing.assert_allclose(getattr(ours, name).array, buf.numpy(), rtol=1e-6, atol=1e-7,
                                       err_msg=f"step {step}: {name}")
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(gn.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert int(ours.num_batches_tracked.item()) == 3


@pytest.mark.parametrize("kw", [{"affine": False}, {"track_running_stats": False}, {"eps": 1e-3},
                                {"bias": False}])
def test_batch_norm_options_match_torch(kw):
    ours, theirs = nn.BatchNorm2d(4, **kw), tnn.BatchNorm2d(4, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 4, 2, 3)).astype(np.float32)
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        np.testing.assert_allclose(ours(gn.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5, err_msg=mode)


@pytest.mark.parametrize("args, kw", [((5,), {}), ((3, 5), {"eps": 1e-3}), ((5,), {"bias": False}),
                                      ((3, 5), {"elementwise_affine": False})])
def test_layer_norm_layer_matches_torch(args, kw):
    shape = args[0] if len(args) == 1 else args
    ours, theirs = nn.LayerNorm(shape, **kw), tnn.LayerNorm(shape, **kw)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 1)
    _load(ours, theirs)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    x = np.random.default_rng(0).standard_normal((2, 3, 5)).astype(np.float32)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(gx), theirs(tx)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    (y * y * y).sum().backward()
    (ty * ty * ty).sum().backward()
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind, args, kw", [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", (3, 2, 1), {}), ("MaxPool2d", ((2, 3),), {"stride": (1, 2)}),
    ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), {"stride": 1, "padding": 1, "count_include_pad": False}),
    ("AdaptiveAvgPool2d", (1,), {}), ("AdaptiveAvgPool2d", ((3, 2),), {}), ("Dropout2d", (0.3,), {}),
])
def test_pool_layers_match_torch(kind, args, kw):
    ours, theirs = getattr(nn, kind)(*args, **kw), getattr(tnn, kind)(*args, **kw)
    assert repr(ours) == repr(theirs)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(gn.tensor(x)).array, theirs(torch.tensor(x)).numpy(),
                               rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------- dropout2d
def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    gn.manual_seed(1)
    x = np.random.default_rng(0).uniform(1, 2, (64, 32, 3, 4)).astype(np.float32)
    x = gn.tensor(x, requires_grad=True)
    layer = nn.Dropout2d(0.25)
    y = layer(x)
    ratio = y.array / x.array
    per_channel = ratio.reshape(64, 32, -1)
    assert np.ptp(per_channel, axis=-1).max() < 1e-6, "a channel is either all kept or all dropped"
    assert np.all(np.isclose(ratio, 0) | np.isclose(ratio, 1 / 0.75, rtol=1e-6))
    dropped = (per_channel[..., 0] == 0).mean()
    assert 0.21 < dropped < 0.29
    y.backward(gn.ones(*y.shape))
    np.testing.assert_allclose(x.grad.array, ratio, rtol=1e-6)
    layer.eval()
    assert layer(x) is x
    assert F(gn).dropout2d(x, 0.0) is x
    assert not np.any(F(gn).dropout2d(x, 1.0).array)
    gn.manual_seed(5)
    first = F(gn).dropout2d(x, 0.5).array
    gn.manual_seed(5)
    np.testing.assert_array_equal(F(gn).dropout2d(x, 0.5).array, first)
    sequence = F(gn).dropout2d(gn.ones(8, 4, 10), 0.5).array  # (N, C, L): whole channels too
    assert np.all(sequence.min(-1) == sequence.max(-1))


@pytest.mark.parametrize("pool", ["MaxPool2d", "AvgPool2d"])
def test_pooling_conv_outputs_keeps_their_memory_layout_and_matches_torch(pool):
    """Conv outputs are transposed views; a pooling's gradient comes back laid out like its input."""
    ours = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), getattr(nn, pool)(2), nn.Conv2d(3, 40, 1), nn.ReLU(),
                         getattr(nn, pool)(2, 1))
    theirs = tnn.Sequential(tnn.Conv2d(2, 3, 3), tnn.ReLU(), getattr(tnn, pool)(2), tnn.Conv2d(3, 40, 1),
                            tnn.ReLU(), getattr(tnn, pool)(2, 1))
    _load(ours, theirs)
    x = np.random.default_rng(0).standard_normal((4, 2, 10, 9)).astype(np.float32)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hidden = ours[:3](gx)
    assert not hidden.array.flags.c_contiguous  # a (C, H, W, N) array seen as (N, C, H, W)
    pooled = ours[2]
    node = hidden.grad_fn  # the pool's node (a ReLU runs after a max pool: nn/fusion.py)
    while type(node).__name__ not in ("MaxPool2d", "AvgPool2d"):
        node = node.inputs[0].grad_fn
    inner = node.inputs[0].array
    y = ours[3:](hidden)
    np.testing.assert_allclose(y.array, theirs(tx).detach().numpy(), rtol=1e-4, atol=1e-5)
    grad = gn.autograd.grad(y.sum(), [node.inputs[0]], retain_graph=True)[0]
    assert np.argsort(grad.array.strides).tolist() == np.argsort(inner.strides).tolist(), pooled
    y.sum().backward()
    theirs(tx).sum().backward()
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_batchnorm_of_a_given_dtype_keeps_its_running_statistics_in_that_dtype():
    layer = gn.nn.BatchNorm2d(4, dtype=gn.float64)
    assert layer.running_mean.dtype == layer.running_var.dtype == layer.weight.dtype == np.float64
    layer(gn.tensor(np.random.default_rng(0).standard_normal((2, 4, 3, 3))))
    assert layer.running_mean.dtype == np.float64
