"""Variable-length batches: packing utilities and packed RNNs against torch.nn.utils.rnn,
and the promise that padding changes nothing: a padded batch gives each sequence the
outputs and final states it gets when run alone."""

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as trnn

import glassnet
from glassnet import nn
from glassnet.autograd import gradcheck
from glassnet.nn.utils import rnn as grnn

LENGTHS = [3, 5, 1, 4]  # unsorted on purpose: enforce_sorted=False sorts them


def _pair(kind, *args, **kwargs):
    theirs = getattr(torch.nn, kind)(*args, **kwargs)
    ours = getattr(nn, kind)(*args, **kwargs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _padded(batch_first, size=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((max(LENGTHS), len(LENGTHS), size)).astype(np.float32)
    for b, n in enumerate(LENGTHS):
        x[n:, b] = 99.0  # garbage in the padding: it must not leak into anything
    return np.ascontiguousarray(x.transpose(1, 0, 2)) if batch_first else x


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_and_pad_match_torch(batch_first, enforce_sorted):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    x = _padded(batch_first)
    if enforce_sorted:
        order = np.argsort([-n for n in LENGTHS], kind="stable")
        x = x[order] if batch_first else x[:, order]
    gx, tx = glassnet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = grnn.pack_padded_sequence(gx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    theirs = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first,
                                       enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(ours.data.array, theirs.data.detach().numpy())
    np.testing.assert_array_equal(ours.batch_sizes.array, theirs.batch_sizes.numpy())
    pairs = [(ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)]
    for a, b in pairs:
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.array, b.numpy())
    options = dict(batch_first=batch_first, padding_value=-1.0, total_length=6)
    pad_g, len_g = grnn.pad_packed_sequence(ours, **options)
    pad_t, len_t = trnn.pad_packed_sequence(theirs, **options)
    np.testing.assert_array_equal(pad_g.array, pad_t.detach().numpy())
    np.testing.assert_array_equal(len_g.array, len_t.numpy())
    up = np.random.default_rng(1).standard_normal(pad_t.shape).astype(np.float32)
    (pad_g * glassnet.tensor(up)).sum().backward()
    (pad_t * torch.tensor(up)).sum().backward()
    np.testing.assert_array_equal(gx.grad.array, tx.grad.numpy())


def test_pad_sequence_and_pack_sequence_match_torch():
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in LENGTHS]
    for batch_first in (False, True):
        for side in ("right", "left"):
            got = grnn.pad_sequence([glassnet.tensor(s) for s in seqs], batch_first, 0.5, side)
            want = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 0.5, side)
            np.testing.assert_array_equal(got.array, want.numpy())
    got = grnn.pack_sequence([glassnet.tensor(s) for s in seqs], enforce_sorted=False)
    want = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(got.data.array, want.data.numpy())
    np.testing.assert_array_equal(got.batch_sizes.array, want.batch_sizes.numpy())


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_layer_matches_torch(kind, batch_first):
    ours, theirs = _pair(kind, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    x = _padded(batch_first)
    rng = np.random.default_rng(3)
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((4, len(LENGTHS), 4)).astype(np.float32) for _ in range(n_states)]
    g_in = [glassnet.tensor(a, requires_grad=True) for a in [x, *states]]
    t_in = [torch.tensor(a, requires_grad=True) for a in [x, *states]]

    def run(lib_rnn, layer, xs):
        packed = lib_rnn.pack_padded_sequence(xs[0], LENGTHS, batch_first=batch_first, enforce_sorted=False)
        out, hn = layer(packed, xs[1] if len(xs) == 2 else (xs[1], xs[2]))
        padded, _ = lib_rnn.pad_packed_sequence(out, batch_first=batch_first)
        return [padded] + (list(hn) if isinstance(hn, tuple) else [hn])

    got, want = run(grnn, ours, g_in), run(trnn, theirs, t_in)
    ups = [rng.standard_normal(tuple(w.shape)).astype(np.float32) for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.array, w.detach().numpy(), rtol=1e-5, atol=1e-6)
    sum((g * glassnet.tensor(u)).sum() for g, u in zip(got, ups)).backward()
    sum((w * torch.tensor(u)).sum() for w, u in zip(want, ups)).backward()
    for a, b in zip(g_in, t_in):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-5, atol=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_padding_changes_nothing(kind):
    """Each sequence of a packed, padded batch gets exactly what it gets alone."""
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = _padded(batch_first=True)
    packed = grnn.pack_padded_sequence(glassnet.tensor(x), LENGTHS, batch_first=True, enforce_sorted=False)
    out, hn = layer(packed)
    padded, lengths = grnn.pad_packed_sequence(out, batch_first=True)
    finals = hn if isinstance(hn, tuple) else (hn,)
    np.testing.assert_array_equal(lengths.array, LENGTHS)
    for b, n in enumerate(LENGTHS):
        alone, hn_alone = layer(glassnet.tensor(x[b : b + 1, :n]))
        alone_finals = hn_alone if isinstance(hn_alone, tuple) else (hn_alone,)
        np.testing.assert_allclose(padded.array[b, :n], alone.array[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(padded.array[b, n:], 0)
        for f, a in zip(finals, alone_finals):
            np.testing.assert_allclose(f.array[:, b], a.array[:, 0], rtol=1e-5, atol=1e-6)


def test_packed_lstm_gradcheck():
    layer = nn.LSTM(2, 3, bidirectional=True).double()
    x = glassnet.tensor(np.random.default_rng(4).standard_normal((3, 3, 2)), dtype=glassnet.float64,
                        requires_grad=True)

    def fn(x, *params):
        packed = grnn.pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
        out, (h, c) = layer(packed)
        return grnn.pad_packed_sequence(out)[0], h, c

    assert gradcheck(fn, [x, *layer.parameters()])


def test_packing_errors_say_what_to_do():
    x = glassnet.randn(5, 3, 2)
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        grnn.pack_padded_sequence(x, [2, 5, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        grnn.pack_padded_sequence(x, [5, 3, 0])
    with pytest.raises(ValueError, match="exceeds the 5 time steps"):
        grnn.pack_padded_sequence(x, [6, 3, 1])
    with pytest.raises(TypeError, match="integers"):
        grnn.pack_padded_sequence(x, [5.0, 3.0, 1.0])
