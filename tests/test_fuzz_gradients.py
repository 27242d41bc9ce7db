"""Fuzzing gradients against PyTorch (issue 15, item 4).

For random shapes (broadcasting and zero-size dims included), each
element-wise op's and reduction's backward gives every input a gradient of
that input's shape, equal to PyTorch's in float64.
"""

import numpy as np
import torch
from fuzz_strategies import BINARY, assert_close, fuzz_settings, seeds, shapes, values
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import glassnet as gn

UNARY = {
    "exp": lambda L, x: x.exp(), "tanh": lambda L, x: x.tanh(), "sigmoid": lambda L, x: x.sigmoid(),
    "abs": lambda L, x: x.abs(), "relu": lambda L, x: x.relu(), "sqrt": lambda L, x: (x * x + 0.5).sqrt(),
    "log": lambda L, x: (x * x + 0.5).log(), "clamp": lambda L, x: x.clamp(-0.5, 0.5),
}
GRAD_REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(dim=d, keepdim=k), "mean": lambda x, d, k: x.mean(dim=d, keepdim=k),
    "amax": lambda x, d, k: x.amax(dim=d, keepdim=k), "var": lambda x, d, k: x.var(dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
    "max": lambda x, d, k: x.max(dim=d[0], keepdim=k)[0],
}


def _grads(lib, fn, arrays, seed):
    """The output and each input's gradient, for a random upstream gradient of the output's shape."""
    make = gn.tensor if lib is gn else torch.tensor
    xs = [make(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    upstream = values(seed, tuple(out.shape), np.float64)
    out.backward(make(upstream, dtype=lib.float64))
    return out, [x.grad for x in xs]


def _same_gradients(fn, arrays, seed):
    out, ours = _grads(gn, fn, arrays, seed)
    t_out, theirs = _grads(torch, fn, arrays, seed)
    assert_close(out, t_out, 1e-10, 1e-10, what="forward")
    for a, g, t in zip(arrays, ours, theirs):
        assert g.shape == a.shape, f"gradient of shape {g.shape} for an input of shape {a.shape}"
        assert_close(g, t, 1e-9, 1e-10, what="gradient")


@fuzz_settings(60)
@given(op=st.sampled_from(sorted(UNARY) + sorted(BINARY)), seed=seeds(),
       pair=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3))
def test_elementwise_gradients_match_torch(op, seed, pair):
    a, b = (values(seed + i, s, np.float64) for i, s in enumerate(pair.input_shapes))
    if op in UNARY:
        _same_gradients(lambda L, x: UNARY[op](L, x), [a], seed)
        return
    if op == "pow":
        a = np.abs(a) + 0.5  # a real power of a positive base
    if op == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)
    _same_gradients(BINARY[op], [a, b], seed)


@fuzz_settings(60)
@given(op=st.sampled_from(sorted(GRAD_REDUCTIONS)), shape=shapes(min_dims=1, max_dims=3, min_side=1),
       data=st.data(), keepdim=st.booleans(), seed=seeds())
def test_reduction_gradients_match_torch(op, shape, data, keepdim, seed):
    dims = tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                                    unique=True), label="dims"))
    x = values(seed, shape, np.float64)
    _same_gradients(lambda L, t: GRAD_REDUCTIONS[op](t, dims, keepdim), [x], seed)
