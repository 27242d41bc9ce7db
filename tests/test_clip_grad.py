"""clip_grad_norm_ and clip_grad_value_ against torch.nn.utils."""

import math

import numpy as np
import pytest
import torch

import glassnet
from glassnet.nn import utils


def _params(grads, with_none=True):
    """glassnet and torch parameters holding the same gradients (one without a gradient)."""
    ours, theirs = [], []
    for g in grads:
        p, q = glassnet.zeros(*g.shape, requires_grad=True), torch.zeros(*g.shape, requires_grad=True)
        p.grad, q.grad = glassnet.tensor(g.copy()), torch.tensor(g.copy())
        ours.append(p)
        theirs.append(q)
    if with_none:
        ours.append(glassnet.zeros(3, requires_grad=True))
        theirs.append(torch.zeros(3, requires_grad=True))
    return ours, theirs


def _grads(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in [(4, 5), (5,), (2, 3, 3)]]


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _params(_grads())
    total_g = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=float(norm_type))
    assert isinstance(total_g, glassnet.Tensor) and total_g.shape == () and total_g.dtype == np.float32
    np.testing.assert_allclose(total_g.item(), total_t.item(), rtol=1e-6)
    for p, q in zip(ours, theirs):
        if q.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-6, atol=1e-7)
    if max_norm < total_t.item():
        clipped = np.sqrt(sum(float((p.grad.array.astype(np.float64) ** 2).sum()) for p in ours[:-1]))
        if norm_type == 2.0:
            assert clipped == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_of_one_tensor_and_of_nothing():
    (p,), (q,) = _params([np.array([3.0, -4.0], np.float32)], with_none=False)
    want = torch.nn.utils.clip_grad_norm_(q, 1.0).item()
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(want)
    np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-6)
    empty = utils.clip_grad_norm_([glassnet.zeros(2, requires_grad=True)], 1.0)
    assert empty.item() == 0.0


def test_nonfinite_norm_raises_when_asked_and_spreads_like_torch():
    grads = _grads()
    grads[1][2] = np.inf
    ours, theirs = _params(grads)
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    total_g = utils.clip_grad_norm_(ours, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert math.isinf(total_g.item()) and math.isinf(total_t.item())
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(p.grad.array, q.grad.numpy())


@pytest.mark.parametrize("clip_value", [0.3, 2])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _params(_grads(1))
    assert utils.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(p.grad.array, q.grad.numpy())
        assert np.abs(p.grad.array).max() <= clip_value
    assert ours[-1].grad is None


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ours, theirs = _params(_grads(2), with_none=False)
    total_g = utils.get_total_norm([p.grad for p in ours], 2.0)
    total_t = torch.nn.utils.get_total_norm([q.grad for q in theirs], 2.0)
    np.testing.assert_allclose(total_g.item(), total_t.item(), rtol=1e-6)
    utils.clip_grads_with_norm_(ours, 1.0, total_g)
    torch.nn.utils.clip_grads_with_norm_(theirs, 1.0, total_t)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clipping_inside_a_training_step():
    model = glassnet.nn.LSTM(3, 4)
    out, _ = model(glassnet.randn(6, 2, 3) * 50)
    (out * 100).sum().backward()
    before = utils.clip_grad_norm_(model.parameters(), 0.25)
    after = utils.clip_grad_norm_(model.parameters(), 1e9)
    assert before.item() > 0.25
    assert after.item() == pytest.approx(0.25, rel=1e-4)
