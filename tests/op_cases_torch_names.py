"""The op table of PyTorch's names that d2l uses (docs/pytorch_names.md), for tests/test_ops.py.

Same form as ``op_cases.py``: each case's function takes the library first
(glassnet or torch) and the inputs after. tests/test_ops.py imports
``ALL_CASES`` (both tables) and runs every case through the harness (torch
parity, float64 finite differences, double backward).
"""

import numpy as np
from op_cases import CASES as BASE_CASES
from op_harness import Case

CASES = []


def add(name, fn, *shapes, **kw):
    CASES.append(Case(name, fn, shapes, **kw))


def ix(L, array):
    return L.tensor(np.asarray(array))


# ----------------------------------------------------------- named products
add("dot", lambda L, a, b: L.dot(a, b), (5,), (5,))
add("mv", lambda L, a, b: L.mv(a, b), (3, 4), (4,))
add("mm", lambda L, a, b: L.mm(a, b), (3, 4), (4, 2))
add("bmm", lambda L, a, b: L.bmm(a, b), (2, 3, 4), (2, 4, 5))
add("dot_method", lambda L, a, b: a.dot(b), (4,), (4,))
add("mm_method", lambda L, a, b: a.mm(b), (2, 3), (3, 2))
add("mv_method", lambda L, a, b: a.mv(b), (2, 3), (3,))
add("bmm_method", lambda L, a, b: a.bmm(b), (3, 2, 2), (3, 2, 4))

# ------------------------------------------------------------------- norms
add("norm", lambda L, x: L.norm(x), (3, 4))
add("norm_vector", lambda L, x: L.norm(x), (6,))
add("norm_dim1", lambda L, x: L.norm(x, dim=1), (3, 4))
add("norm_dim0_keepdim", lambda L, x: L.norm(x, dim=0, keepdim=True), (3, 4))
add("norm_dims", lambda L, x: L.norm(x, dim=(1, 2)), (2, 3, 4))
add("norm_p2_dim", lambda L, x: L.norm(x, p=2, dim=-1), (2, 5))
add("norm_p1", lambda L, x: L.norm(x, p=1), (3, 4), domain="nonzero")
add("norm_p3_dim", lambda L, x: L.norm(x, p=3, dim=1), (3, 4), domain="nonzero")
add("norm_pinf", lambda L, x: L.norm(x, p=float("inf"), dim=1), (3, 4), domain="spread")
add("norm_method", lambda L, x: x.norm(), (2, 3))
add("norm_method_dim", lambda L, x: x.norm(dim=0), (2, 3))
add("linalg.norm_vec", lambda L, x: L.linalg.norm(x), (5,))
add("linalg.norm_mat", lambda L, x: L.linalg.norm(x), (3, 4))
add("linalg.vector_norm_ord3", lambda L, x: L.linalg.vector_norm(x, 3, dim=-1), (3, 4), domain="nonzero")
add("linalg.matrix_norm_fro", lambda L, x: L.linalg.matrix_norm(x), (2, 3, 4))

# ------------------------------------------------------------ running sums
add("cumsum_0", lambda L, x: L.cumsum(x, 0), (4, 3))
add("cumsum_1", lambda L, x: L.cumsum(x, dim=1), (4, 3))
add("cumsum_-1_3d", lambda L, x: x.cumsum(-1), (2, 3, 4))
add("cumsum_1d", lambda L, x: x.cumsum(0) * x, (5,))

# ---------------------------------------------------------------- elementwise
add("sinh", lambda L, x: L.sinh(x), (3, 4))
add("cosh", lambda L, x: L.cosh(x), (3, 4))
add("sinh_method", lambda L, x: x.sinh() * x.cosh(), (2, 3))
add("prelu_one", lambda L, x, w: L.prelu(x, w), (2, 3, 4), (1,), domain=("nonzero", "real"))
add("prelu_channels", lambda L, x, w: L.prelu(x, w), (2, 3, 4, 4), (3,), domain=("nonzero", "real"))
add("prelu_F", lambda L, x, w: L.nn.functional.prelu(x, w), (4, 3), (3,), domain=("nonzero", "real"))
add("softmax_method", lambda L, x: x.softmax(dim=1), (3, 4))
add("log_softmax_method", lambda L, x: x.log_softmax(-1), (3, 4))
add("softmax_fn", lambda L, x: L.softmax(x, dim=0), (3, 4))

# ------------------------------------------------------- values moved around
add("repeat_interleave_int", lambda L, x: L.repeat_interleave(x, 2, dim=0), (3, 2))
add("repeat_interleave_flat", lambda L, x: x.repeat_interleave(3), (2, 2))
add("repeat_interleave_tensor", lambda L, x: L.repeat_interleave(x, ix(L, [1, 0, 3]), dim=1), (2, 3))
add("meshgrid_ij", lambda L, a, b: L.meshgrid(a, b, indexing="ij"), (3,), (4,))
add("meshgrid_xy", lambda L, a, b: L.meshgrid(a, b, indexing="xy"), (3,), (4,))
add("meshgrid_3", lambda L, a, b, c: L.meshgrid([a, b, c], indexing="ij"), (2,), (3,), (2,))
add("swapaxes", lambda L, x: L.swapaxes(x, 0, 2), (2, 3, 4))
add("swapdims_method", lambda L, x: x.swapdims(1, -1), (2, 3, 4))

# --------------------------------------------------- NumPy's keyword spellings
add("sum_keepdims", lambda L, x: x.sum(0, keepdims=True), (3, 4))
add("sum_axis_keepdims", lambda L, x: x.sum(axis=1, keepdims=True), (3, 4))
add("torch.sum_axis_keepdims", lambda L, x: L.sum(x, axis=1, keepdims=True), (3, 4))
add("mean_keepdims", lambda L, x: x.mean(dim=1, keepdims=True), (3, 4))
add("amax_keepdims", lambda L, x: x.amax(1, keepdims=True), (3, 4), domain="spread")

# What tests/test_ops.py runs: op_cases.py's table, then this one.
ALL_CASES = BASE_CASES + CASES
NAMES = [c.name for c in ALL_CASES]
assert len(set(NAMES)) == len(NAMES), "case names must be unique"
