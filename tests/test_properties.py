"""Property tests: gradients of broadcasting binary ops, for random shapes.

For any broadcast-compatible shapes, each input's gradient has that input's
shape (the broadcast was summed back) and equals PyTorch's.
"""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import glassnet as gn

OPS = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "pow": lambda L, a, b: a.abs() ** b,
}

SETTINGS = settings(max_examples=30, deadline=None)


def _values(seed, shape, away_from_zero=False):
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape)
    if away_from_zero:
        v = np.sign(v + (v == 0)) * (0.5 + np.abs(v))
    return v.astype(np.float32)


def _grads(lib, fn, arrays, upstream):
    if lib is gn:
        xs = [gn.tensor(a, requires_grad=True) for a in arrays]
        out = fn(gn, *xs)
        out.backward(gn.tensor(upstream))
        return out.shape, [x.grad.numpy() for x in xs]
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(torch, *xs)
    out.backward(torch.tensor(upstream))
    return tuple(out.shape), [x.grad.numpy() for x in xs]


def _check(fn, arrays, result_shape, seed):
    upstream = _values(seed + 1, result_shape)
    shape, ours = _grads(gn, fn, arrays, upstream)
    t_shape, theirs = _grads(torch, fn, arrays, upstream)
    assert shape == t_shape == tuple(result_shape)
    for a, g, w in zip(arrays, ours, theirs):
        assert g.shape == a.shape, f"gradient shape {g.shape} for an input of shape {a.shape}"
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(
    op=st.sampled_from(sorted(OPS)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    seed=st.integers(0, 2**31 - 1),
)
def test_binary_broadcast_gradients(op, shapes, seed):
    sa, sb = shapes.input_shapes
    a = _values(seed, sa, away_from_zero=op == "pow")
    b = _values(seed + 2, sb, away_from_zero=op == "div")
    _check(OPS[op], [a, b], shapes.result_shape, seed)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=3),
    seed=st.integers(0, 2**31 - 1),
)
def test_where_broadcast_gradients(shapes, seed):
    sc, sa, sb = shapes.input_shapes
    cond = np.random.default_rng(seed + 3).random(sc) > 0.5

    def fn(L, a, b):
        return L.where(L.tensor(cond), a, b)

    _check(fn, [_values(seed, sa), _values(seed + 2, sb)], shapes.result_shape, seed)


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    scalar=st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 0.1),
    seed=st.integers(0, 2**31 - 1),
)
def test_chained_broadcasts_with_scalars(shapes, scalar, seed):
    # the same inputs broadcast several times in one graph, mixed with Python scalars
    def fn(L, a, b):
        return (a * scalar - b) * (scalar / (1 + b * b)) + L.maximum(a, b * scalar)

    sa, sb = shapes.input_shapes
    _check(fn, [_values(seed, sa), _values(seed + 2, sb)], shapes.result_shape, seed)
