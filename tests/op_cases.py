"""The op table for tests/test_ops.py (cases of tests/op_harness.py).

Each case's function takes the library first (``glassnet`` or ``torch``) and
then the input tensors, so one lambda usually serves both: glassnet promises
PyTorch's names, and the table holds it to that.  Where the two differ on
purpose (negative slice steps, ``linear``'s home) the lambda branches on it.
"""

import numpy as np
import torch
from op_harness import Case

import glassnet as gn
from glassnet.ops.linalg import linear as gn_linear
from glassnet.ops.shape import pad as gn_pad


def ix(L, array):
    """An index array as the library's own tensor."""
    return L.tensor(np.asarray(array))


def _flip_or_step(L, x, np_index, torch_fn):
    return x[np_index] if L is gn else torch_fn(x)


CASES = []


def add(name, fn, *shapes, **kw):
    CASES.append(Case(name, fn, shapes, **kw))


# ------------------------------------------------------ binary, broadcasting
BROADCASTS = [
    ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
    ((), (3, 4)), ((3, 4), ()), ((4,), (2, 3, 4)), ((2, 1, 4), (3, 1)),
]
for sa, sb in BROADCASTS:
    tag = f"{sa}x{sb}"
    add(f"add{tag}", lambda L, a, b: a + b, sa, sb)
    add(f"sub{tag}", lambda L, a, b: a - b, sa, sb)
    add(f"mul{tag}", lambda L, a, b: a * b, sa, sb)
    add(f"div{tag}", lambda L, a, b: a / b, sa, sb, domain=("real", "nonzero"))
    add(f"pow{tag}", lambda L, a, b: a**b, sa, sb, domain=("pos", "real"))
    add(f"maximum{tag}", lambda L, a, b: L.maximum(a, b), sa, sb)
    add(f"minimum{tag}", lambda L, a, b: L.minimum(a, b), sa, sb)
    cond = np.random.default_rng(len(sa) * 10 + len(sb)).standard_normal(
        np.broadcast_shapes(sa, sb)) > 0
    add(f"where{tag}", lambda L, a, b, c=cond: L.where(ix(L, c), a, b), sa, sb)
add("add_fn", lambda L, a, b: L.add(a, b), (3, 4), (4,))
add("sub_method", lambda L, a, b: a.sub(b), (3, 4), (3, 1))
add("mul_fn", lambda L, a, b: L.mul(a, b), (2, 3), (2, 1))
add("div_method", lambda L, a, b: a.div(b), (2, 3), (3,), domain=("real", "nonzero"))
add("pow_fn", lambda L, a, b: L.pow(a, b), (2, 3), (3,), domain=("pos", "real"))

# ------------------------------------------------------- scalars, both sides
for name, f, dom in [
    ("x+s", lambda L, x: x + 2.5, "real"), ("s+x", lambda L, x: 2.5 + x, "real"),
    ("x-s", lambda L, x: x - 2.5, "real"), ("s-x", lambda L, x: 2.5 - x, "real"),
    ("x*s", lambda L, x: x * -1.5, "real"), ("s*x", lambda L, x: -1.5 * x, "real"),
    ("x/s", lambda L, x: x / 2.5, "real"), ("s/x", lambda L, x: 2.5 / x, "nonzero"),
    ("x**2", lambda L, x: x**2, "real"), ("x**3", lambda L, x: x**3, "real"),
    ("x**-2", lambda L, x: x**-2, "nonzero"), ("x**0.5", lambda L, x: x**0.5, "pos"),
    ("x**2.5", lambda L, x: x**2.5, "pos"), ("x**0", lambda L, x: x**0, "real"),
    ("x**1", lambda L, x: x**1, "real"), ("s**x", lambda L, x: 2.0**x, "real"),
    ("x+int", lambda L, x: x + 3, "real"), ("neg", lambda L, x: -x, "real"),
    ("neg_fn", lambda L, x: L.neg(x), "real"),
]:
    add(name, f, (3, 4), domain=dom)

# -------------------------------------------------------------- matmul, @
for sa, sb in [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((2, 1, 2, 3), (3, 3, 2)),
]:
    add(f"matmul{sa}@{sb}", lambda L, a, b: a @ b, sa, sb)
add("matmul_fn", lambda L, a, b: L.matmul(a, b), (2, 3), (3, 2))

# ------------------------------------------------------------------- unary
for name, dom in [("exp", "real"), ("log", "pos"), ("sqrt", "pos"), ("abs", "nonzero"),
                  ("sin", "real"), ("cos", "real"), ("tanh", "real"), ("sigmoid", "real"),
                  ("relu", "nonzero")]:
    add(name, lambda L, x, n=name: getattr(L, n)(x), (2, 3, 4), domain=dom)
    add(name + "_method", lambda L, x, n=name: getattr(x, n)(), (5,), domain=dom)
add("abs_op", lambda L, x: abs(x), (3, 4), domain="nonzero")
add("sigmoid_big", lambda L, x: L.sigmoid(x * 30), (3, 4))
add("clamp_min", lambda L, x: L.clamp(x, min=-0.3), (3, 4))
add("clamp_max", lambda L, x: L.clamp(x, max=0.4), (3, 4))
add("clamp_both", lambda L, x: x.clamp(-0.5, 0.5), (3, 4))
add("clip", lambda L, x: L.clip(x, -0.5, 0.5), (3, 4))
add("clamp_tensor_min", lambda L, x, lo: L.clamp(x, min=lo), (3, 4), (4,))
add("clamp_tensor_max", lambda L, x, hi: L.clamp(x, max=hi), (3, 4), (3, 1))
add("clamp_tensor_both", lambda L, x, lo, hi: L.clamp(x, lo - 1, hi + 1), (3, 4), (3, 4), (4,))

# ------------------------------------------------------------- reductions
R = (2, 3, 4)
for dim in [None, 1, -1, (0, 2), (-1, 0)]:
    for keep in [False, True]:
        if dim is None and keep:
            continue
        t = f"(dim={dim},keep={keep})"
        # torch takes no keepdim without a dim
        kw = {} if dim is None else {"dim": dim, "keepdim": keep}
        add("sum" + t, lambda L, x, kw=kw: L.sum(x, **kw), R)
        add("mean" + t, lambda L, x, kw=kw: x.mean(**kw), R)
        add("var" + t, lambda L, x, kw=kw: L.var(x, **kw), R)
        add("std" + t, lambda L, x, kw=kw: x.std(**kw), R)
        add("amax" + t, lambda L, x, kw=kw: L.amax(x, **kw), R, domain="spread")
        add("logsumexp" + t, lambda L, x, d=dim or (0, 1, 2), k=keep: L.logsumexp(x, d, keepdim=k), R)
add("sum()", lambda L, x: x.sum(), R)
add("mean()", lambda L, x: L.mean(x), R)
add("sum_axis", lambda L, x: L.sum(x, axis=1) if L is gn else x.sum(dim=1), R)
add("mean_axis", lambda L, x: x.mean(axis=(0, 2)) if L is gn else x.mean(dim=(0, 2)), R)
add("var_unbiased0", lambda L, x: x.var(1, unbiased=False) if L is gn else x.var(1, correction=0), R)
add("var_correction0", lambda L, x: L.var(x, dim=0, correction=0), R)
add("std_all", lambda L, x: L.std(x), R)
add("logsumexp_big", lambda L, x: L.logsumexp(x * 50, dim=1), R)
add("max()", lambda L, x: x.max(), R, domain="spread")
add("min()", lambda L, x: L.min(x), R, domain="spread")
for dim in [0, 1, -1]:
    for keep in [False, True]:
        add(f"max(dim={dim},keep={keep})", lambda L, x, d=dim, k=keep: L.max(x, d, keepdim=k)[0], R,
            domain="spread")
        add(f"min(dim={dim},keep={keep})", lambda L, x, d=dim, k=keep: x.min(dim=d, keepdim=k).values,
            R, domain="spread")
add("amin(-1)", lambda L, x: x.amin(-1), R, domain="spread")
add("max2", lambda L, a, b: L.max(a, b), (3, 4), (4,))

# ------------------------------------------------------------------ shape
S = (2, 3, 4)
for shp in [(6, 4), (-1,), (4, -1, 3), (24,), (2, 12)]:
    add(f"reshape{shp}", lambda L, x, s=shp: x.reshape(s), S)
add("reshape_args", lambda L, x: L.reshape(x, (3, 8)), S)
add("view", lambda L, x: x.view(4, 6), S)
add("view_args", lambda L, x: x.view(-1, 2), S)
add("transpose(0,2)", lambda L, x: x.transpose(0, 2), S)
add("transpose(-1,-2)", lambda L, x: L.transpose(x, -1, -2), S)
add("permute(2,0,1)", lambda L, x: x.permute(2, 0, 1), S)
add("permute_fn", lambda L, x: L.permute(x, (1, 2, 0)), S)
add(".T", lambda L, x: x.T, (3, 4))
add("t()", lambda L, x: x.t(), (3, 4))
add("squeeze()", lambda L, x: x.squeeze(), (2, 1, 3, 1))
add("squeeze(1)", lambda L, x: L.squeeze(x, 1), (2, 1, 3, 1))
add("squeeze(-1)", lambda L, x: x.squeeze(-1), (2, 1, 3, 1))
add("squeeze(0)_noop", lambda L, x: x.squeeze(0), (2, 1, 3, 1))
for d in [0, 2, -1]:
    add(f"unsqueeze({d})", lambda L, x, d=d: x.unsqueeze(d), (2, 3))
add("flatten()", lambda L, x: x.flatten(), S)
add("flatten(1)", lambda L, x: L.flatten(x, 1), S)
add("flatten(0,1)", lambda L, x: x.flatten(0, 1), S)
add("expand(2,3,4)", lambda L, x: x.expand(2, 3, 4), (3, 1))
add("expand(-1,4)", lambda L, x: x.expand(-1, 4), (3, 1))
add("expand_as", lambda L, x, y: x.expand_as(y) * y, (1, 4), (3, 4))
for d in [0, 1, -1]:
    add(f"cat(dim={d})", lambda L, a, b, c, d=d: L.cat([a, b, c], dim=d),
        (2, 3, 2), (2, 3, 2), (2, 3, 2))
    add(f"stack(dim={d})", lambda L, a, b, d=d: L.stack([a, b], d), (2, 3), (2, 3))
add("cat_sizes", lambda L, a, b: L.cat((a, b), 1), (2, 1), (2, 3))
add("split(2)", lambda L, x: x.split(2), (5, 3))
add("split(list,dim=1)", lambda L, x: L.split(x, [1, 3], dim=1), (2, 4))
add("chunk(3)", lambda L, x: x.chunk(3), (7, 2))
add("chunk_fn(2,-1)", lambda L, x: L.chunk(x, 2, -1), (2, 4))


def _pad(L, x, p, value=0.0):
    return gn_pad(x, p, value=value) if L is gn else torch.nn.functional.pad(x, p, value=value)


add("pad(1,2)", lambda L, x: _pad(L, x, (1, 2)), (2, 3))
add("pad(1,1,2,0)", lambda L, x: _pad(L, x, (1, 1, 2, 0), value=1.5), (2, 3, 2))
add("repeat(2,3)", lambda L, x: x.repeat(2, 3), (2, 3))
add("repeat(2,1,3)", lambda L, x: x.repeat(2, 1, 3), (2, 3))
add("repeat(1,1)", lambda L, x: x.repeat((1, 1)), (2, 3))
add("repeat_1d", lambda L, x: x.repeat(3), (2,))

# --------------------------------------------------------------- indexing
X = (3, 4, 5)
for name, f in [
    ("[1]", lambda L, x: x[1]), ("[-1]", lambda L, x: x[-1]), ("[0:2]", lambda L, x: x[0:2]),
    ("[:,1:3]", lambda L, x: x[:, 1:3]), ("[...,1]", lambda L, x: x[..., 1]),
    ("[None,1]", lambda L, x: x[None, 1]), ("[:,None,::2]", lambda L, x: x[:, None, ::2]),
    ("[1,...,2:]", lambda L, x: x[1, ..., 2:]), ("[1,2,3]", lambda L, x: x[1, 2, 3]),
    ("[::-1]", lambda L, x: _flip_or_step(L, x, np.s_[::-1], lambda t: t.flip(0))),
    ("[:,::-2]", lambda L, x: _flip_or_step(L, x, np.s_[:, ::-2], lambda t: t.flip(1)[:, ::2])),
    ("[2:0:-1]", lambda L, x: _flip_or_step(L, x, np.s_[2:0:-1], lambda t: t.flip(0)[0:2])),
    ("[[0,2]]", lambda L, x: x[ix(L, [0, 2])]),
    ("[[0,0,2,0]]", lambda L, x: x[ix(L, [0, 0, 2, 0])]),
    ("[list]", lambda L, x: x[[2, 2, 1]]),
    ("[:,[1,1,3]]", lambda L, x: x[:, ix(L, [1, 1, 3])]),
    ("[[0,1],[2,2]]", lambda L, x: x[ix(L, [0, 1]), ix(L, [2, 2])]),
    ("[[0,0],:,[4,4]]", lambda L, x: x[ix(L, [0, 0]), :, ix(L, [4, 4])]),
    ("[2d_int]", lambda L, x: x[ix(L, [[0, 1], [1, 1]])]),
    ("[...,[-1,-1]]", lambda L, x: x[..., ix(L, [-1, -1])]),
    ("[None,[1,1],...,1:]", lambda L, x: x[None, ix(L, [1, 1]), ..., 1:]),
    ("[1:,[0,0],2]", lambda L, x: x[1:, ix(L, [0, 0]), 2]),
    ("[mask0]", lambda L, x: x[ix(L, [True, False, True])]),
    ("[:,mask1]", lambda L, x: x[:, ix(L, [True, False, True, True])]),
    ("[mask2d]", lambda L, x: x[ix(L, np.arange(12).reshape(3, 4) % 3 == 0)]),
    ("[mask,1]", lambda L, x: x[ix(L, [False, True, True]), 1]),
    ("[x>0]", lambda L, x: x[x > 0]),
]:
    add("index" + name, f, X)

# ------------------------------------------------------------ linear, cast


def _linear(L, x, w, b=None):
    return gn_linear(x, w, b) if L is gn else torch.nn.functional.linear(x, w, b)


add("linear", _linear, (4, 3), (2, 3), (2,))
add("linear_nobias", _linear, (4, 3), (2, 3))
add("linear_batch", _linear, (2, 4, 3), (5, 3), (5,))
add("linear_1d", _linear, (3,), (2, 3), (2,))
add("to(float64)", lambda L, x: x.to(L.float64) * 2, (3, 4))
add("double()", lambda L, x: x.double().sum(0), (3, 4))
# composites: the same tensor reaching the output by several paths
add("x*x", lambda L, x: x * x, (3, 4))
add("diamond", lambda L, x: L.tanh(x) * L.exp(x) + x.sum(0), (3, 4))

NAMES = [c.name for c in CASES]
assert len(set(NAMES)) == len(NAMES), "case names must be unique"
