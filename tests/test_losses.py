"""Losses against PyTorch (float32) and finite differences (float64), through tests/op_harness.py."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from op_harness import (
    Case,
    check_first_order_path,
    check_forward_and_backward,
    check_gradcheck,
    check_gradgradcheck,
)

import glassnet as gn
from glassnet.autograd import grad
from glassnet.ops import loss as L

REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------------ case builders
# A builder returns (args, kwargs): args is a list of (array, differentiable)
# pairs, kwargs may hold arrays (weights), passed to both frameworks as constants.
def regression(shape=(3, 4), weighted=False):
    def build(rng):
        args = [(rng.standard_normal(shape) * 1.5, True), (rng.standard_normal(shape), True)]
        return args, ({"weight": rng.uniform(0.1, 2.0, shape)} if weighted else {})
    return build


def probabilities(shape=(4, 3), weight_shape=None):
    def build(rng):
        args = [(rng.uniform(0.05, 0.95, shape), True), (rng.uniform(0, 1, shape), True)]
        return args, ({"weight": rng.uniform(0.1, 2.0, weight_shape)} if weight_shape else {})
    return build


def logits_binary(shape=(4, 3), weight_shape=None, pos_weight_shape=None):
    def build(rng):
        args = [(rng.standard_normal(shape) * 3, True), (rng.uniform(0, 1, shape), True)]
        kw = {}
        if weight_shape:
            kw["weight"] = rng.uniform(0.1, 2.0, weight_shape)
        if pos_weight_shape:
            kw["pos_weight"] = rng.uniform(0.2, 3.0, pos_weight_shape)
        return args, kw
    return build


def class_indices(shape=(6, 5), weighted=False, ignore=None, soft=False):
    """Logits of ``shape`` (class dim 1, or 0 if 1-D) and index or probability targets."""
    def build(rng):
        x = rng.standard_normal(shape) * 2
        cdim = 1 if len(shape) > 1 else 0
        n_classes = shape[cdim]
        if soft:
            e = np.exp(rng.standard_normal(shape))
            target = (e / e.sum(axis=cdim, keepdims=True), True)
        else:
            t = rng.integers(0, n_classes, shape[:1] + shape[2:] if cdim else ())
            if ignore is not None:
                t.reshape(-1)[::3] = ignore  # every third sample is skipped
            target = (np.asarray(t, dtype=np.int64), False)
        return [(x, True), target], ({"weight": rng.uniform(0.2, 2.0, n_classes)} if weighted else {})
    return build


def case(name, gfn, tfn, build, **opts):
    return (name, gfn, tfn, build, opts)


CASES = [
    case("mse", L.mse_loss, F.mse_loss, regression()),
    case("mse-3d-weight", L.mse_loss, F.mse_loss, regression((2, 3, 2), weighted=True)),
    case("l1", L.l1_loss, F.l1_loss, regression()),
    case("l1-weight", L.l1_loss, F.l1_loss, regression(weighted=True)),
    case("huber", L.huber_loss, F.huber_loss, regression((5, 4))),
    case("huber-delta0.5-weight", L.huber_loss, F.huber_loss, regression(weighted=True), delta=0.5),
    case("smooth_l1", L.smooth_l1_loss, F.smooth_l1_loss, regression((5, 4))),
    case("smooth_l1-beta0.4", L.smooth_l1_loss, F.smooth_l1_loss, regression(), beta=0.4),
    case("smooth_l1-beta0", L.smooth_l1_loss, F.smooth_l1_loss, regression(), beta=0.0),
    case("bce", L.binary_cross_entropy, F.binary_cross_entropy, probabilities()),
    case("bce-weight-row", L.binary_cross_entropy, F.binary_cross_entropy, probabilities(weight_shape=(3,))),
    case("bce-weight-full", L.binary_cross_entropy, F.binary_cross_entropy,
         probabilities((2, 3, 2), weight_shape=(2, 3, 2))),
    case("bce_logits", L.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits,
         logits_binary()),
    case("bce_logits-weight-pos", L.binary_cross_entropy_with_logits,
         F.binary_cross_entropy_with_logits, logits_binary(weight_shape=(3,), pos_weight_shape=(3,))),
    case("bce_logits-3d-pos", L.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits,
         logits_binary((2, 3, 4), pos_weight_shape=(4,))),
    case("ce", L.cross_entropy, F.cross_entropy, class_indices()),
    case("ce-weight", L.cross_entropy, F.cross_entropy, class_indices(weighted=True)),
    case("ce-ignore-default", L.cross_entropy, F.cross_entropy, class_indices(ignore=-100)),
    case("ce-ignore2-weight", L.cross_entropy, F.cross_entropy, class_indices(weighted=True, ignore=2),
         ignore_index=2),
    case("ce-smooth", L.cross_entropy, F.cross_entropy, class_indices(), label_smoothing=0.2),
    case("ce-smooth-weight-ignore", L.cross_entropy, F.cross_entropy,
         class_indices(weighted=True, ignore=-100), label_smoothing=0.3),
    case("ce-4d-weight-ignore-smooth", L.cross_entropy, F.cross_entropy,
         class_indices((3, 4, 2, 3), weighted=True, ignore=1), ignore_index=1, label_smoothing=0.1),
    case("ce-unbatched", L.cross_entropy, F.cross_entropy, class_indices((5,))),
    case("ce-probs", L.cross_entropy, F.cross_entropy, class_indices(soft=True)),
    case("ce-probs-weight-smooth", L.cross_entropy, F.cross_entropy,
         class_indices(weighted=True, soft=True), label_smoothing=0.25),
    case("ce-probs-unbatched", L.cross_entropy, F.cross_entropy, class_indices((5,), soft=True)),
    case("ce-probs-3d-weight", L.cross_entropy, F.cross_entropy,
         class_indices((3, 4, 5), weighted=True, soft=True)),
    case("nll", L.nll_loss, F.nll_loss, class_indices()),
    case("nll-weight-ignore", L.nll_loss, F.nll_loss, class_indices(weighted=True, ignore=-100)),
    case("nll-3d-weight", L.nll_loss, F.nll_loss, class_indices((3, 4, 5), weighted=True)),
    case("nll-unbatched", L.nll_loss, F.nll_loss, class_indices((5,))),
]


def _as(array, dtype, lib):
    if array.dtype.kind == "f":
        array = array.astype(dtype)
    return gn.tensor(array) if lib is gn else torch.tensor(array)


def run(lib, fn, args, kwargs, opts, dtype, upstream=None):
    """Loss value and input gradients in glassnet or torch, for float arrays of ``dtype``."""
    tensors = [_as(a, dtype, lib) for a, _ in args]
    for t, (_, diff) in zip(tensors, args):
        if diff:
            t.requires_grad_(True)
    kw = {k: _as(v, dtype, lib) for k, v in kwargs.items()}
    out = fn(*tensors, **kw, **opts)
    g = np.random.default_rng(7).standard_normal(out.shape) if upstream is None else upstream
    g_t = _as(np.asarray(g), dtype, lib)
    out.backward(g_t)
    grads = [t.grad.numpy() if lib is torch else t.grad.array for t, (_, d) in zip(tensors, args) if d]
    value = out.detach().numpy() if lib is torch else out.array
    return value, grads


GRADGRAD = {"mse", "mse-3d-weight", "bce", "bce_logits", "bce_logits-weight-pos", "ce", "ce-weight",
            "ce-smooth-weight-ignore", "ce-4d-weight-ignore-smooth", "ce-unbatched", "ce-probs",
            "ce-probs-weight-smooth", "nll-weight-ignore", "huber"}


def harness_case(name, gfn, tfn, build, opts, reduction):
    """A table row as an op-harness Case: the builder's arrays in order, then its keyword arrays,
    which (like the integer targets) are not differentiated."""
    args, kwargs = build(np.random.default_rng(0))
    n, names = len(args), list(kwargs)

    def fn(lib, *tensors):
        loss = gfn if lib is gn else tfn
        return loss(*tensors[:n], **dict(zip(names, tensors[n:])), **opts, reduction=reduction)

    def make(rng):
        args, kwargs = build(rng)
        return [a for a, _ in args] + list(kwargs.values())

    fixed = tuple(k for k, (_, differentiated) in enumerate(args) if not differentiated) + tuple(
        range(n, n + len(names)))
    return Case(f"{name}-{reduction}", fn, make=make, fixed=fixed, gradgrad=name in GRADGRAD,
                tol=dict(rtol=1e-5, atol=1e-6))


TABLE = [harness_case(*row, reduction) for row in CASES for reduction in REDUCTIONS]
GG = [c for c in TABLE if c.gradgrad]


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_matches_torch_float32(case):
    check_forward_and_backward(case)


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_first_order_path_and_gradcheck_float64(case):
    check_first_order_path(case)
    check_gradcheck(case)


@pytest.mark.parametrize("case", GG, ids=[c.name for c in GG])
def test_gradgradcheck_float64(case):
    check_gradgradcheck(case)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"label_smoothing": 0.2, "ignore_index": 2}])
def test_cross_entropy_hessian_vector_product_matches_torch(opts, reduction):
    """The create_graph path of the fused node, against torch's second derivative."""
    rng = np.random.default_rng(3)
    x, t, v = rng.standard_normal((5, 4)), rng.integers(0, 4, 5), rng.standard_normal((5, 4))
    w = rng.uniform(0.5, 2, 4)
    results = []
    for lib in (gn, torch):
        as64 = (lambda a: gn.tensor(a, dtype=gn.float64)) if lib is gn else torch.tensor
        xt = as64(x).requires_grad_(True)
        fn = L.cross_entropy if lib is gn else F.cross_entropy
        out = fn(xt, lib.tensor(t), as64(w), reduction=reduction, **opts)
        g_out = as64(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape))
        if lib is gn:
            (g,) = grad(out, [xt], g_out, create_graph=True)
            (gg,) = grad((g * as64(v)).sum(), [xt])
            results.append((g.array, gg.array))
        else:
            (g,) = torch.autograd.grad(out, [xt], g_out, create_graph=True)
            (gg,) = torch.autograd.grad((g * torch.tensor(v)).sum(), [xt])
            results.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------- extreme values
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_extreme_logits(reduction):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], np.float32)
    t = np.array([1, 2, 0])
    for opts in ({}, {"label_smoothing": 0.1}):
        value, (g,) = run(gn, L.cross_entropy, [(x, True), (t, False)], {}, dict(opts, reduction=reduction),
                          np.float32)
        want, (g_want,) = run(torch, F.cross_entropy, [(x, True), (t, False)], {},
                              dict(opts, reduction=reduction), np.float32)
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(g))
        np.testing.assert_allclose(value, want, rtol=1e-5)
        np.testing.assert_allclose(g, g_want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_extreme_logits(reduction):
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5], np.float32)
    for kw in ({}, {"pos_weight": np.full(5, 2.0)}):
        args = [(x, True), (t, True)]
        value, grads = run(gn, L.binary_cross_entropy_with_logits, args, kw, {"reduction": reduction},
                           np.float32)
        want, want_grads = run(torch, F.binary_cross_entropy_with_logits, args, kw,
                               {"reduction": reduction}, np.float32)
        assert np.all(np.isfinite(value)) and all(np.all(np.isfinite(g)) for g in grads)
        np.testing.assert_allclose(value, want, rtol=1e-5)
        for g, w in zip(grads, want_grads):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_bce_saturated_probabilities_match_torch():
    """log(0) is clamped at -100, and the gradient's denominator at 1e-12, as in PyTorch."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5], np.float32)
    value, (g,) = run(gn, L.binary_cross_entropy, [(x, True), (t, False)], {}, {"reduction": "none"},
                      np.float32)
    want, (g_want,) = run(torch, F.binary_cross_entropy, [(x, True), (t, False)], {},
                          {"reduction": "none"}, np.float32)
    np.testing.assert_allclose(value, want, rtol=1e-6)
    np.testing.assert_allclose(g, g_want, rtol=1e-6)


@pytest.mark.parametrize("fn, tfn", [(L.cross_entropy, F.cross_entropy), (L.nll_loss, F.nll_loss)])
def test_all_targets_ignored_gives_nan_mean_and_zero_grad(fn, tfn):
    x, t = np.random.default_rng(0).standard_normal((3, 4)), np.array([2, 2, 2])
    value, (g,) = run(gn, fn, [(x, True), (t, False)], {}, {"ignore_index": 2}, np.float32, 1.0)
    want, (g_want,) = run(torch, tfn, [(x, True), (t, False)], {}, {"ignore_index": 2}, np.float32, 1.0)
    assert np.isnan(value) and np.isnan(want)
    np.testing.assert_array_equal(g, g_want)


# ------------------------------------------------------------------ errors
def _logits(n=4, c=10):
    return gn.randn(n, c, requires_grad=True)


ALL_LOSSES = [
    (L.mse_loss, gn.randn(4), gn.randn(4)),
    (L.l1_loss, gn.randn(4), gn.randn(4)),
    (L.huber_loss, gn.randn(4), gn.randn(4)),
    (L.smooth_l1_loss, gn.randn(4), gn.randn(4)),
    (L.binary_cross_entropy, gn.rand(4), gn.rand(4)),
    (L.binary_cross_entropy_with_logits, gn.randn(4), gn.rand(4)),
    (L.cross_entropy, gn.randn(4, 3), gn.tensor([0, 1, 2, 0])),
    (L.nll_loss, gn.randn(4, 3), gn.tensor([0, 1, 2, 0])),
]


@pytest.mark.parametrize("fn, x, t", ALL_LOSSES, ids=lambda v: getattr(v, "__name__", ""))
def test_unknown_reduction_is_rejected(fn, x, t):
    expected = rf"{fn.__name__}: reduction must be 'mean', 'sum' or 'none', got 'avg'"
    with pytest.raises(ValueError, match=expected):
        fn(x, t, reduction="avg")


@pytest.mark.parametrize("fn", [L.mse_loss, L.l1_loss, L.huber_loss, L.smooth_l1_loss,
                                L.binary_cross_entropy, L.binary_cross_entropy_with_logits])
def test_elementwise_losses_refuse_broadcasting_targets(fn):
    expected = rf"{fn.__name__}: target shape \(8,\) differs from input shape \(8, 1\)"
    with pytest.raises(ValueError, match=expected):
        fn(gn.rand(8, 1), gn.rand(8))


T4 = gn.tensor([0, 1, 2, 3])
ERRORS = [
    (TypeError, r"binary_cross_entropy_with_logits: target must be floating point.*got int64",
     L.binary_cross_entropy_with_logits, (gn.randn(3), gn.tensor([0, 1, 1])), {}),
    (ValueError, r"binary_cross_entropy: input must hold probabilities in \[0, 1\], got values in "
     r"\[-2, 0.5\]; for raw scores use binary_cross_entropy_with_logits",
     L.binary_cross_entropy, (gn.tensor([-2.0, 0.5]), gn.tensor([0.0, 1.0])), {}),
    (ValueError, r"pos_weight of shape \(3,\) does not broadcast to the input's \(4, 2\)",
     L.binary_cross_entropy_with_logits, (gn.randn(4, 2), gn.rand(4, 2)), {"pos_weight": gn.ones(3)}),
    (IndexError, r"cross_entropy: target contains class index 10 but input has 10 classes "
     r"\(valid: 0..9, or ignore_index=-100\)",
     L.cross_entropy, (_logits(), gn.tensor([0, 3, 10, 2])), {}),
    (IndexError, r"nll_loss: target contains class index -1 but input has 10 classes",
     L.nll_loss, (_logits(), gn.tensor([0, -1, 1, 2])), {}),
    (ValueError, r"cross_entropy: expected a target of shape \(4,\) \(class indices\) for input of "
     r"shape \(4, 10\), got \(4, 1\); flatten it with target.reshape\(-1\)",
     L.cross_entropy, (_logits(), gn.tensor([[0], [1], [2], [3]])), {}),
    (ValueError, r"cross_entropy: a float target holds class probabilities and must have the input's "
     r"shape \(4, 10\), got \(4,\); for class indices use an integer target",
     L.cross_entropy, (_logits(), gn.tensor([0.0, 1.0, 2.0, 3.0])), {}),
    (ValueError, r"must have the input's shape \(4, 10\), got \(4, 9\)",
     L.cross_entropy, (_logits(), gn.rand(4, 9)), {}),
    (TypeError, r"cross_entropy: target has the input's shape \(4, 10\) but dtype int64",
     L.cross_entropy, (_logits(), gn.zeros(4, 10).long()), {}),
    (TypeError, r"nll_loss: class-index target must be an integer tensor of shape \(4,\), got dtype "
     r"float32", L.nll_loss, (_logits(), gn.tensor([0.0, 1.0, 2.0, 3.0])), {}),
    (ValueError, r"expected a target of shape \(4, 5\) .* input of shape \(4, 3, 5\), got \(4,\)",
     L.cross_entropy, (gn.randn(4, 3, 5), T4), {}),
    (TypeError, r"cross_entropy: input must be a floating-point",
     L.cross_entropy, (gn.tensor([[1, 2]]), gn.tensor([0])), {}),
    (ValueError, r"cross_entropy: weight must have shape \(10,\), one per class",
     L.cross_entropy, (_logits(), T4), {"weight": gn.ones(1)}),
    (ValueError, r"label_smoothing must be in \[0, 1\], got 1.5",
     L.cross_entropy, (_logits(), T4), {"label_smoothing": 1.5}),
    (ValueError, r"ignore_index=3 is not supported with probability targets",
     L.cross_entropy, (_logits(), gn.rand(4, 10)), {"ignore_index": 3}),
    (RuntimeError, r"cross_entropy: weight is not differentiable",
     L.cross_entropy, (_logits(), T4), {"weight": gn.ones(10, requires_grad=True)}),
    (ValueError, r"huber_loss: delta must be positive, got 0",
     L.huber_loss, (gn.randn(3), gn.randn(3)), {"delta": 0}),
    (ValueError, r"smooth_l1_loss: beta must be non-negative, got -1",
     L.smooth_l1_loss, (gn.randn(3), gn.randn(3)), {"beta": -1}),
]


@pytest.mark.parametrize("exc, pattern, fn, args, kwargs", ERRORS,
                         ids=[f"{e[2].__name__}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_input_gets_a_clear_error(exc, pattern, fn, args, kwargs):
    with pytest.raises(exc, match=pattern):
        fn(*args, **kwargs)


def test_ignored_value_may_lie_outside_the_classes():
    loss = L.cross_entropy(_logits(), gn.tensor([0, 12, 1, 2]), ignore_index=12)
    assert np.isfinite(loss.item())


# ----------------------------------------------------------------- modules
MODULES = [
    ("MSELoss", {}, regression()),
    ("L1Loss", {"reduction": "sum"}, regression()),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, regression()),
    ("SmoothL1Loss", {"beta": 0.3}, regression()),
    ("BCELoss", {"weight": np.array([0.5, 1.0, 2.0])}, probabilities()),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([2.0, 1.0, 0.5]), "reduction": "sum"}, logits_binary()),
    ("CrossEntropyLoss", {"weight": np.linspace(0.5, 2, 5), "ignore_index": 2, "label_smoothing": 0.1},
     class_indices(ignore=2)),
    ("CrossEntropyLoss", {"label_smoothing": 0.2, "reduction": "none"}, class_indices(soft=True)),
    ("NLLLoss", {"weight": np.linspace(0.5, 2, 5), "reduction": "sum"}, class_indices(ignore=-100)),
]


@pytest.mark.parametrize("name, options, build", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_match_torch(name, options, build):
    from glassnet.nn import loss as nn_loss

    args, _ = build(np.random.default_rng(4))

    def make(lib):
        cls = getattr(nn_loss, name) if lib is gn else getattr(torch.nn, name)
        kw = {k: _as(v, np.float32, lib) if isinstance(v, np.ndarray) else v for k, v in options.items()}
        return lambda *ts: cls(**kw)(*ts)

    value, grads = run(gn, make(gn), args, {}, {}, np.float32)
    want, want_grads = run(torch, make(torch), args, {}, {}, np.float32)
    np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-6)
    for g, w in zip(grads, want_grads, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_loss_module_state_repr_and_legacy_arguments():
    from glassnet.nn import loss as nn_loss

    ce = nn_loss.CrossEntropyLoss(weight=gn.ones(3), label_smoothing=0.1)
    assert list(ce.state_dict()) == ["weight"] and list(ce.parameters()) == []
    assert repr(ce) == "CrossEntropyLoss(label_smoothing=0.1, weight=<tensor of shape (3,)>)"
    assert repr(nn_loss.MSELoss()) == "MSELoss()"
    assert repr(nn_loss.HuberLoss(reduction="sum", delta=2.0)) == "HuberLoss(reduction='sum', delta=2.0)"
    assert list(nn_loss.BCEWithLogitsLoss(pos_weight=[2.0]).state_dict()) == ["pos_weight"]
    assert nn_loss.NLLLoss(reduce=False).reduction == "none"
    assert nn_loss.L1Loss(size_average=False).reduction == "sum"
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nn_loss.MSELoss(reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("soft", [False, True])
def test_cross_entropy_of_an_empty_batch_matches_torch(soft, reduction):
    x = np.zeros((0, 3), np.float32)
    t = np.zeros((0, 3), np.float32) if soft else np.zeros(0, np.int64)
    got = L.cross_entropy(gn.tensor(x), gn.tensor(t), reduction=reduction).array
    want = F.cross_entropy(torch.tensor(x), torch.tensor(t), reduction=reduction).numpy()
    np.testing.assert_array_equal(got, want)  # nan for 'mean', as in PyTorch


def test_class_indices_of_any_integer_dtype_are_accepted():
    x = gn.randn(4, 3)
    want = L.cross_entropy(x, gn.tensor([0, 2, 1, 2])).item()
    for dtype in (np.int32, np.uint8, np.int16):
        assert L.cross_entropy(x, np.array([0, 2, 1, 2], dtype)).item() == want
