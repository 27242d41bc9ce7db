"""Embedding and F.embedding against torch, finite differences, and the scatter-add they rely on."""

import numpy as np
import pytest
import torch

import glassnet
import glassnet.nn.functional as F
from glassnet import nn
from glassnet.autograd import grad, gradcheck, gradgradcheck
from glassnet.ops.embedding import scatter_add_rows


def _pair(*args, **kwargs):
    ours, theirs = nn.Embedding(*args, **kwargs), torch.nn.Embedding(*args, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -2])
@pytest.mark.parametrize("shape", [(7,), (4, 6), (2, 3, 5)])
def test_matches_torch_forward_and_backward(padding_idx, shape):
    ours, theirs = _pair(10, 4, padding_idx=padding_idx)
    rng = np.random.default_rng(0)
    # few rows, many lookups: indices repeat, and the padding index appears
    idx = rng.integers(0, 10, shape)
    idx.flat[0] = idx.flat[-1] = 3
    out_g, out_t = ours(glassnet.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(out_g.array, out_t.detach().numpy())
    up = rng.standard_normal(out_t.shape).astype(np.float32)
    (out_g * glassnet.tensor(up)).sum().backward()
    (out_t * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.array, theirs.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    if padding_idx is not None:
        assert not ours.weight.grad.array[padding_idx % 10].any()


def test_repeated_indices_accumulate():
    emb = nn.Embedding(5, 2)
    emb(glassnet.tensor([1, 1, 1, 4])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.array, [[0, 0], [3, 3], [0, 0], [0, 0], [1, 1]])


def test_functional_matches_torch_and_takes_int32():
    w = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    idx = np.array([[5, 0, 2], [2, 2, 1]], np.int32)
    gw, tw = glassnet.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_g = F.embedding(glassnet.tensor(idx, dtype=glassnet.int32), gw, padding_idx=2)
    out_t = torch.nn.functional.embedding(torch.tensor(idx), tw, padding_idx=2)
    np.testing.assert_array_equal(out_g.array, out_t.detach().numpy())
    (out_g * out_g).sum().backward()
    (out_t * out_t).sum().backward()
    np.testing.assert_allclose(gw.grad.array, tw.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_gradcheck_gradgradcheck_and_fast_path(padding_idx):
    w = glassnet.tensor(np.random.default_rng(2).standard_normal((5, 3)), dtype=glassnet.float64,
                        requires_grad=True)
    idx = glassnet.tensor([[0, 1, 4], [4, 4, 1]])

    def fn(w):
        return F.embedding(idx, w, padding_idx=padding_idx) ** 2

    if padding_idx is None:  # padding deliberately breaks d out / d weight for its row
        assert gradcheck(fn, [w])
    # the backward itself (a masked scatter) is differentiated exactly, padding or not
    assert gradgradcheck(fn, [w])
    out = F.embedding(idx, w, padding_idx=padding_idx)
    up = glassnet.tensor(np.random.default_rng(3).standard_normal(out.shape), dtype=glassnet.float64)
    (fast,) = grad(out, w, up, retain_graph=True)
    (slow,) = grad(out, w, up, create_graph=True)
    np.testing.assert_array_equal(fast.array, slow.array)


@pytest.mark.parametrize("shape", [(50,), (50, 3), (50, 2, 4)])
def test_scatter_add_rows_equals_add_at(shape):
    rng = np.random.default_rng(4)
    g = rng.standard_normal(shape).astype(np.float32)
    idx = rng.integers(0, 7, 50)
    want = np.zeros((7,) + shape[1:], np.float32)
    np.add.at(want, idx, g)
    np.testing.assert_allclose(scatter_add_rows(g, idx, 7), want, rtol=1e-6, atol=1e-6)
    want[3] = 0
    skipped = scatter_add_rows(g, idx, 7, skip=3)
    np.testing.assert_allclose(skipped, want, rtol=1e-6, atol=1e-6)


def test_init_is_standard_normal_with_zero_padding_row():
    emb = nn.Embedding(20000, 16, padding_idx=7)
    w = emb.weight.array
    assert w.dtype == np.float32 and w.shape == (20000, 16)
    assert not w[7].any()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_padding_row_stays_zero_through_training():
    emb = nn.Embedding(6, 3, padding_idx=0)
    opt = glassnet.optim.SGD(emb.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        emb(glassnet.tensor([[0, 1, 2], [0, 0, 5]])).sum().backward()
        opt.step()
    assert not emb.weight.array[0].any()
    assert emb.weight.array[1].any()


def test_from_pretrained_and_state_dict_with_torch():
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(vectors)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(glassnet.tensor([3, 0])).array, vectors[[3, 0]])
    trainable = nn.Embedding.from_pretrained(glassnet.tensor(vectors), freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    theirs = torch.nn.Embedding(4, 3)
    theirs.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in frozen.state_dict().items()})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), vectors)
    assert repr(nn.Embedding(10, 3, padding_idx=2)) == repr(torch.nn.Embedding(10, 3, padding_idx=2))


def test_errors_name_the_index_and_the_table_size():
    emb = nn.Embedding(100, 8)
    message = r"Embedding\(100, 8\): index 100 is out of range for num_embeddings=100"
    with pytest.raises(IndexError, match=message):
        emb(glassnet.tensor([[3, 100], [5, 1]]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(glassnet.tensor([-1, 2]))
    with pytest.raises(TypeError, match=r"integer tensor .* got dtype float32.*\.long\(\)"):
        emb(glassnet.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx=10 must be within num_embeddings=10"):
        nn.Embedding(10, 3, padding_idx=10)
