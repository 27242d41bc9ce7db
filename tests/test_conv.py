"""Convolution ops and layers against PyTorch and finite differences.

Every case of the table runs under several implementation strategies
(im2col layout, gather or scatter input gradient, chunked or direct weight
gradient), so each code path of glassnet/ops/conv.py is checked whichever
one the thresholds would pick for that shape.  The checks are those of
tests/op_harness.py.
"""

import math

import numpy as np
import pytest
import torch
from op_harness import (
    Case,
    arrays,
    assert_close,
    check_first_order_path,
    check_forward_and_backward,
    check_gradcheck,
    check_gradgradcheck,
)

import glassnet as gn
import glassnet.ops.conv as C
from glassnet import nn

tnn = torch.nn


# ------------------------------------------------------------- strategies
# (channels-last from, gather up to, long inner): each forces one path.
STRATEGIES = {
    "chwn-scatter-chunked": (10**9, 0.0, 1),
    "nhwc-gather-direct": (1, math.inf, 10**9),
    "chwn-gather-direct": (10**9, math.inf, 10**9),
    "nhwc-scatter-chunked": (1, 0.0, 1),
    # 1 or 2 channels in, 3 or more out: a few-channel im2col whose output has its channels innermost
    "chwn-to-nhwc-gather-chunked": (3, 1.0, 1),
}
KNOBS = ["CHANNELS_LAST_FROM", "GATHER_UP_TO", "LONG_INNER"]


@pytest.fixture(params=list(STRATEGIES))
def strategy(request, monkeypatch):
    values = STRATEGIES[request.param]
    for name, value in zip(KNOBS, values):
        monkeypatch.setattr(C, name, value)
    return request.param


@pytest.fixture(params=["chwn-scatter-chunked", "nhwc-gather-direct", "chwn-to-nhwc-gather-chunked"])
def two_strategies(request, monkeypatch):
    for name, value in zip(KNOBS, STRATEGIES[request.param]):
        monkeypatch.setattr(C, name, value)


# -------------------------------------------------------------------- table
def conv2d(**kw):
    return lambda L, x, w, b=None: L.nn.functional.conv2d(x, w, b, **kw)


def conv1d(**kw):
    return lambda L, x, w, b=None: L.nn.functional.conv1d(x, w, b, **kw)


CASES = []


def add(name, fn, *shapes, gradgrad=False):
    CASES.append(Case(name, fn, shapes, gradgrad=gradgrad, tol=dict(rtol=1e-4, atol=1e-5), exact=1e-10))


add("basic", conv2d(), (2, 3, 6, 5), (4, 3, 3, 3), (4,), gradgrad=True)
add("no_bias", conv2d(), (2, 3, 5, 5), (2, 3, 2, 2))
add("stride2", conv2d(stride=2), (2, 2, 7, 6), (3, 2, 3, 3), (3,), gradgrad=True)
add("stride(2,1)_pad(1,2)", conv2d(stride=(2, 1), padding=(1, 2)), (1, 2, 6, 5), (3, 2, 3, 2), (3,))
add("stride3_unreached_rows", conv2d(stride=3), (2, 2, 8, 7), (2, 2, 3, 3))
add("pad1", conv2d(padding=1), (2, 3, 4, 5), (2, 3, 3, 3), (2,))
add("pad_same", conv2d(padding="same"), (2, 2, 5, 6), (3, 2, 3, 3), (3,), gradgrad=True)
add("pad_same_even_kernel_dilated", conv2d(padding="same", dilation=2), (1, 2, 6, 7), (2, 2, 2, 4))
add("pad_valid", conv2d(padding="valid"), (2, 2, 5, 5), (3, 2, 2, 3), (3,))
add("pad_beyond_kernel", conv2d(padding=2), (2, 2, 3, 4), (3, 2, 1, 1), (3,))
add("pad_stride_dilation", conv2d(stride=2, padding=2, dilation=2), (2, 2, 7, 8), (2, 2, 3, 2), (2,),
    gradgrad=True)
add("dilation(1,2)", conv2d(dilation=(1, 2), padding=(1, 0)), (2, 2, 5, 7), (3, 2, 3, 3))
add("groups2", conv2d(groups=2, padding=1), (2, 4, 5, 4), (6, 2, 3, 3), (6,), gradgrad=True)
add("depthwise", conv2d(groups=3), (2, 3, 5, 5), (3, 1, 3, 3), (3,))
add("depthwise_multiplier2", conv2d(groups=3, padding=1, stride=2), (2, 3, 5, 6), (6, 1, 3, 3), (6,),
    gradgrad=True)
add("nonsquare", conv2d(), (2, 2, 5, 8), (3, 2, 2, 4), (3,))
add("kernel_fills_input", conv2d(padding=1), (2, 2, 2, 3), (3, 2, 4, 5), (3,))
add("1x1", conv2d(), (2, 5, 3, 3), (4, 5, 1, 1), (4,))
add("unbatched", conv2d(padding=1), (2, 4, 4), (3, 2, 3, 3), (3,))
add("1d_basic", conv1d(), (2, 3, 8), (4, 3, 3), (4,), gradgrad=True)
add("1d_stride2_pad1", conv1d(stride=2, padding=1), (2, 2, 9), (3, 2, 4), (3,))
add("1d_dilation_same", conv1d(dilation=2, padding="same"), (2, 2, 7), (3, 2, 3))
add("1d_groups", conv1d(groups=2, padding="valid"), (2, 4, 6), (2, 2, 2), (2,))
add("1d_unbatched", conv1d(padding=2), (3, 5), (2, 3, 3), (2,))
add("chained", lambda L, x, w1, w2: L.nn.functional.conv2d(
    L.relu(L.nn.functional.conv2d(x, w1, padding=1)), w2, stride=2), (2, 2, 6, 6), (3, 2, 3, 3), (2, 3, 2, 2),
    gradgrad=True)

IDS = [c.name for c in CASES]
GG = [c for c in CASES if c.gradgrad]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_matches_torch(case, strategy):
    check_forward_and_backward(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_first_order_path_equals_differentiable_backward(case, two_strategies):
    check_first_order_path(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_gradcheck(case, two_strategies):
    check_gradcheck(case)


@pytest.mark.parametrize("case", GG, ids=[c.name for c in GG])
def test_conv_gradgradcheck(case, two_strategies):
    check_gradgradcheck(case)


@pytest.mark.parametrize("block_bytes", [1, 10**9], ids=["one-sample-blocks", "one-block"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_without_weight_gradient_streams_the_same_result(case, two_strategies, block_bytes, monkeypatch):
    """Under no_grad (and for a frozen weight): row windows (few channels), sample blocks (channels last)."""
    monkeypatch.setattr(C, "STREAM_BLOCK_BYTES", block_bytes)
    inputs = arrays(case)
    want = case.fn(torch, *[torch.tensor(a) for a in inputs])
    with gn.no_grad():
        got = case.fn(gn, *[gn.tensor(a) for a in inputs])
    assert_close(got, want, case, "no_grad forward")
    # a frozen weight with an input that needs its gradient: streamed forward, input gradient intact
    x, w, *rest = [gn.tensor(a, requires_grad=k == 0) for k, a in enumerate(inputs)]
    tx, tw, *trest = [torch.tensor(a, requires_grad=k == 0) for k, a in enumerate(inputs)]
    y, ty = case.fn(gn, x, w, *rest), case.fn(torch, tx, tw, *trest)
    assert_close(y, ty, case, "forward with a frozen weight")
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad, case, "input gradient with a frozen weight")


def test_default_thresholds_on_lenet_and_vgg_shapes():
    """The production choice of path on realistic shapes (chunked weight gradient included)."""
    rng = np.random.default_rng(0)
    for x_shape, w_shape, pad in [((8, 1, 28, 28), (6, 1, 5, 5), 2), ((8, 6, 14, 14), (16, 6, 5, 5), 0),
                                  ((2, 64, 8, 8), (64, 64, 3, 3), 1), ((2, 64, 8, 8), (128, 64, 3, 3), 1),
                                  ((2, 3, 8, 8), (64, 3, 3, 3), 1)]:
        x, w = (rng.standard_normal(shape).astype(np.float32) for shape in (x_shape, w_shape))
        ours = [gn.tensor(a, requires_grad=True) for a in (x, w)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
        y, ty = gn.nn.functional.conv2d(*ours, padding=pad), torch.nn.functional.conv2d(*theirs, padding=pad)
        np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-4, atol=1e-4)
        up = rng.standard_normal(y.shape).astype(np.float32)
        y.backward(gn.tensor(up))
        ty.backward(torch.tensor(up))
        for a, t in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.array, t.grad.numpy(), rtol=1e-4, atol=2e-3)


def test_weight_gradient_whatever_the_layout_of_the_output_gradient():
    """A few-channel im2col meets g laid out channels-last (VGG's first layer) or batch-last."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 3, 9, 8)), rng.standard_normal((40, 3, 3, 3))
    geom = C.conv_geometry("conv2d", x, w, 1, 1, 1)
    y, cols = C.conv_arrays(x, w, geom, 1)
    assert y.strides[1] == min(y.strides)  # 40 channels out: innermost
    tx, tw = torch.tensor(x), torch.tensor(w, requires_grad=True)
    np.testing.assert_allclose(y, torch.nn.functional.conv2d(tx, tw, padding=1).detach().numpy(), rtol=1e-10)
    g = rng.standard_normal(y.shape)
    torch.nn.functional.conv2d(tx, tw, padding=1).backward(torch.tensor(g))
    for order in [(0, 2, 3, 1), (1, 2, 3, 0), (0, 1, 2, 3)]:
        laid_out = np.ascontiguousarray(g.transpose(order)).transpose(np.argsort(order))
        got = C.weight_grad_from_cols(cols, laid_out, w.shape, 1)
        np.testing.assert_allclose(got, tw.grad.numpy(), rtol=1e-10, err_msg=f"g in memory order {order}")


# ------------------------------------------------------------------ errors
def test_channel_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError) as info:
        gn.nn.functional.conv2d(gn.randn(2, 3, 8, 8), gn.randn(6, 1, 5, 5))
    assert str(info.value) == (
        "conv2d: the input of shape (2, 3, 8, 8) has 3 channels, but the weight of shape (6, 1, 5, 5) "
        "with groups=1 expects 1 (weight.shape[1] * groups)"
    )
    with pytest.raises(RuntimeError) as info:  # a layer puts its name in front of the op's message
        nn.Conv2d(1, 6, 5)(gn.randn(2, 3, 28, 28))
    assert str(info.value) == (
        "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): conv2d: the input of shape (2, 3, 28, 28) has 3 "
        "channels, but the weight of shape (6, 1, 5, 5) with groups=1 expects 1 (weight.shape[1] * groups)"
    )


@pytest.mark.parametrize("call, error, message", [
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 1, 4, 4), gn.randn(1, 1, 5, 5)), RuntimeError,
     r"kernel \(size \(5, 5\).*larger than the padded input \(4 x 4"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 1, 4, 4), gn.randn(1, 1, 3, 3), dilation=2), RuntimeError,
     r"spanning \(5, 5\) with dilation"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 4, 4), gn.randn(1, 1, 3)), RuntimeError, "4-D weight"),
    (lambda: gn.nn.functional.conv2d(gn.randn(4, 4), gn.randn(1, 1, 3, 3)), RuntimeError,
     r"expected a 4-D input \(N, C, H, W\) or 3-D \(C, H, W\), got shape \(4, 4\)"),
    (lambda: gn.nn.functional.conv1d(gn.randn(1, 2, 3, 4), gn.randn(1, 2, 3)), RuntimeError,
     r"conv1d: expected a 3-D input \(N, C, L\)"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 2, 5, 5), gn.randn(2, 2, 3, 3), stride=2, padding="same"),
     ValueError, "not supported for strided"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 2, 5, 5), gn.randn(2, 2, 3, 3), padding=-1), ValueError,
     "negative padding"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 2, 5, 5), gn.randn(3, 1, 3, 3), groups=2), ValueError,
     "dividing out_channels 3"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 2, 5, 5), gn.randn(2, 2, 3, 3, dtype=gn.float64)), TypeError,
     "dtype float32 but the weight has dtype float64"),
    (lambda: gn.nn.functional.conv2d(gn.randn(1, 2, 5, 5), gn.randn(2, 2, 3, 3), gn.randn(3)), RuntimeError,
     r"bias of shape \(3,\) should be \(2,\)"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), ValueError, "strided"),
    (lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError, "'same' or 'valid'"),
])
def test_conv_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ layers
LAYERS = [
    ("Conv2d", (1, 6, 5), {}),
    ("Conv2d", (3, 8, 3), {"stride": 2, "padding": 1, "bias": False}),
    ("Conv2d", (4, 6, (3, 5)), {"padding": "same", "dilation": 2, "groups": 2}),
    ("Conv2d", (4, 4, 3), {"groups": 4, "padding": (0, 1)}),
    ("Conv1d", (3, 4, 3), {"padding": "valid"}),
    ("Conv1d", (2, 4, 5), {"stride": 2, "padding": 2, "groups": 2}),
]


def _pair(kind, args, kw):
    ours, theirs = getattr(nn, kind)(*args, **kw), getattr(tnn, kind)(*args, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("kind, args, kw", LAYERS)
def test_conv_layer_matches_torch_layer(kind, args, kw):
    ours, theirs = _pair(kind, args, kw)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    spatial = (9,) if kind == "Conv1d" else (9, 8)
    x = np.random.default_rng(0).standard_normal((3, args[0]) + spatial).astype(np.float32)
    gx, tx = gn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(gx), theirs(tx)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(gx.grad.array, tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    for name, param in theirs.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.array, param.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)


def test_conv_default_init_follows_pytorch():
    layer = nn.Conv2d(16, 32, 5, groups=2)
    bound = 1 / math.sqrt(8 * 25)  # fan_in = in_channels / groups * kernel area
    w, b = layer.weight.array, layer.bias.array
    assert w.dtype == np.float32 and w.shape == (32, 8, 5, 5)
    assert 0.98 * bound < np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert 0.8 * bound < np.abs(b).max() <= bound
    reference = tnn.Conv2d(16, 32, 5, groups=2).weight.detach().numpy()
    assert abs(w.std() - reference.std()) < 0.05 * reference.std()


def test_lazy_conv2d_infers_in_channels():
    model = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.ReLU(), nn.LazyConv2d(6, (2, 3), groups=2))
    assert sum(p.numel() for p in model.parameters()) == 0  # uninitialized, as in PyTorch
    assert repr(model[0]) == repr(tnn.LazyConv2d(4, 3, padding=1))
    y = model(gn.randn(2, 5, 7, 7))
    assert y.shape == (2, 6, 6, 5)
    assert type(model[0]) is nn.Conv2d and model[0].in_channels == 5 and model[2].in_channels == 4
    assert model[2].weight.shape == (6, 2, 2, 3)
    assert repr(model[0]) == repr(tnn.Conv2d(5, 4, 3, padding=1))
    assert np.abs(model[0].weight.array).max() <= 1 / math.sqrt(5 * 9)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    unbatched = nn.LazyConv2d(2, 3, bias=False)
    assert unbatched(gn.randn(3, 5, 5, dtype=gn.float64)).shape == (2, 3, 3)
    assert unbatched.weight.dtype == np.float64 and unbatched.bias is None


def test_lazy_conv2d_materialises_from_a_state_dict():
    source = nn.Sequential(nn.Conv2d(3, 4, 3, groups=1), nn.ReLU(), nn.Conv2d(4, 8, 3, groups=2))
    fresh = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.LazyConv2d(8, 3, groups=2))
    fresh.load_state_dict(source.state_dict())
    x = gn.randn(2, 3, 8, 8)
    np.testing.assert_array_equal(fresh(x).array, source(x).array)
    assert fresh[2].in_channels == 4



@pytest.mark.parametrize("n, c, o, h, k, stride, pad, dilation", [
    (3, 4, 5, 9, 3, 1, 0, 1), (2, 3, 6, 8, 3, 2, 1, 1), (2, 5, 4, 10, 2, 2, 0, 1), (2, 3, 3, 11, 3, 1, 2, 2),
    (1, 2, 2, 7, 5, 3, 1, 1)])
def test_channels_last_col2im_equals_the_batch_last_one(n, c, o, h, k, stride, pad, dilation):
    """The input gradient scattered in a channels-last gradient's own layout is the same numbers."""
    from glassnet.kernels.conv_input_grad import scatter_input_grad, scatter_input_grad_channels_last
    from glassnet.kernels.windows import make_geometry
    from glassnet.ops.conv import input_grad_arrays

    rng = np.random.default_rng(0)
    out = (h + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    geom = make_geometry("conv2d", (h, h), (k, k), (stride, stride), (dilation, dilation), ((pad, pad),) * 2)
    w, g = rng.normal(size=(o, c, k, k)), rng.normal(size=(n, o, out, out))
    g_channels_last = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    expected = scatter_input_grad(g, w, geom, 1)
    for got in (scatter_input_grad_channels_last(g_channels_last, w, geom),
                input_grad_arrays(g_channels_last, w, geom, 1)):  # whichever path the dispatch picks
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
