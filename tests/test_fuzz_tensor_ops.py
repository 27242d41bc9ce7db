"""Fuzzing tensors and their ops against PyTorch (issue 15, item 4).

Random shapes (zero-size dims included), dtypes, NaN/inf and non-contiguous
arrays go into tensor creation, broadcasting binary ops, reductions, shape
ops, indexing, matmul and softmax. Each call matches PyTorch or refuses the
input as PyTorch does, with a named error (tests/fuzz_strategies.py).
"""

import numpy as np
import pytest
import torch
from fuzz_strategies import (
    ALL_DTYPES,
    BINARY,
    assert_close,
    attempt,
    check_against_torch,
    fuzz_settings,
    message_names,
    non_contiguous,
    seeds,
    shapes,
    values,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import glassnet as gn
import glassnet.nn.functional as F


def _both(array):
    """The same array as a glassnet tensor and a torch tensor, each keeping the array's dtype."""
    array = np.array(array, order="C")  # torch.from_numpy refuses negative strides; a copy has none
    return gn.from_numpy(array), torch.from_numpy(array)


# ---------------------------------------------------------------- creation

@fuzz_settings(60)
@given(shape=shapes(), dtype=st.sampled_from(ALL_DTYPES), special=st.booleans(),
       layout=st.sampled_from(["contiguous", "transposed", "strided"]), seed=seeds())
def test_tensor_from_any_numpy_array(shape, dtype, special, layout, seed):
    # glassnet's documented rule: floats become float32, integers int64, bools stay bool; values kept
    array = non_contiguous(values(seed, shape, dtype, special), layout)
    ours = gn.tensor(array)
    expected = {"f": np.float32, "i": np.int64, "b": np.bool_}[array.dtype.kind]
    assert ours.array.dtype == expected and ours.shape == array.shape
    assert_close(ours, torch.from_numpy(np.array(array, order="C").astype(expected)), 0, 0)
    if array.size:
        assert not np.shares_memory(ours.array, array), "tensor() must copy its data"
        shared = gn.from_numpy(array)
        assert shared.array.dtype == array.dtype and np.shares_memory(shared.array, array)


@fuzz_settings(30)
@given(shape=shapes(max_dims=3), dtype=st.sampled_from(ALL_DTYPES), seed=seeds(),
       target=st.sampled_from(["float32", "float64", "int64", "bool"]))
def test_tensor_with_explicit_dtype(shape, dtype, seed, target):
    array = values(seed, shape, dtype)
    ours = gn.tensor(array, dtype=getattr(gn, target))
    theirs = torch.tensor(array, dtype=getattr(torch, target))
    assert str(ours.dtype).endswith(target)
    assert_close(ours, theirs, 0, 0)


# data PyTorch's tensor() refuses (complex it takes; glassnet refuses it on purpose: no complex ops)
ILL_TYPED = {"str": "abc", "bytes": b"ab", "none": None, "dict": {"a": 1}, "set": {1, 2},
             "list_with_none": [1, None], "object_array": np.array([1, "a"], dtype=object),
             "complex": np.array([1 + 2j])}
RAGGED = {"ragged_list": [[1, 2], [3]], "ragged_deeper": [[[1.0]], [[1.0, 2.0]]]}


@pytest.mark.parametrize("case", sorted(ILL_TYPED))
def test_tensor_from_ill_typed_data(case):
    _, error = attempt(lambda: gn.tensor(ILL_TYPED[case]))
    assert error is not None, f"glassnet.tensor accepted {ILL_TYPED[case]!r}"
    message_names(error, "tensor")


@pytest.mark.parametrize("case", sorted(RAGGED))
def test_tensor_from_ragged_lists(case):
    with pytest.raises(ValueError):
        torch.tensor(RAGGED[case])
    _, error = attempt(lambda: gn.tensor(RAGGED[case]))
    assert error is not None
    message_names(error, "tensor")


FACTORIES = ["zeros", "ones", "rand", "randn", "empty"]


@fuzz_settings(30)
@given(size=st.lists(st.integers(0, 3), min_size=1, max_size=3), fn=st.sampled_from(FACTORIES))
def test_factories_with_random_sizes(size, fn):
    assert getattr(gn, fn)(*size).shape == tuple(getattr(torch, fn)(*size).shape)


@pytest.mark.parametrize("fn", FACTORIES)
def test_factories_refuse_a_negative_size_by_name(fn):
    with pytest.raises(RuntimeError):
        getattr(torch, fn)(2, -1)
    _, error = attempt(lambda: getattr(gn, fn)(2, -1))
    assert error is not None, f"glassnet.{fn}(2, -1) returned"
    message_names(error, fn)
    assert "-1" in str(error), error


# ---------------------------------------------------------------- elementwise binary ops


@st.composite
def two_shapes(draw):
    """Two shapes that broadcast together, or (one case in three) two that clash in one dim."""
    a, b = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=4, max_side=3)).input_shapes
    if draw(st.integers(0, 2)) or not b:
        return a, b
    k = draw(st.integers(1, min(len(a), len(b)) if a else 1))  # a dim counted from the right
    if not a:
        return (2,), b[:-1] + (3,)
    clash = [n for n in (0, 2, 4) if n != a[-k]]  # neither a's size nor 1
    return a, b[:-k] + (draw(st.sampled_from(clash)),) + b[len(b) - k + 1:]


@fuzz_settings(120)
@given(op=st.sampled_from(sorted(BINARY)), pair=two_shapes(), seed=seeds(),
       dtypes=st.tuples(st.sampled_from(ALL_DTYPES[:3]), st.sampled_from(ALL_DTYPES[:3])),
       special=st.booleans())
def test_binary_ops_broadcast_or_refuse(op, pair, seed, dtypes, special):
    a = values(seed, pair[0], dtypes[0], special)
    b = values(seed + 1, pair[1], dtypes[1], special)
    if op == "pow" and "i" in (a.dtype.kind + b.dtype.kind):
        b = np.abs(b)  # PyTorch refuses integers to negative integer powers: not what this test is about
    (ga, ta), (gb, tb) = _both(a), _both(b)
    check_against_torch(lambda: BINARY[op](gn, ga, gb), lambda: BINARY[op](torch, ta, tb),
                        names=[op, "broadcast"], rtol=2e-5)


COMPARISONS = {"eq": lambda a, b: a == b, "lt": lambda a, b: a < b, "ge": lambda a, b: a >= b,
               "ne": lambda a, b: a.ne(b)}


@fuzz_settings(40)
@given(op=st.sampled_from(sorted(COMPARISONS)), seed=seeds(), special=st.booleans(),
       pair=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       dtypes=st.tuples(st.sampled_from(ALL_DTYPES), st.sampled_from(ALL_DTYPES)))
def test_comparisons_broadcast(op, seed, special, pair, dtypes):
    a, b = (values(seed + i, s, d, special) for i, (s, d) in enumerate(zip(pair.input_shapes, dtypes)))
    (ga, ta), (gb, tb) = _both(a), _both(b)
    check_against_torch(lambda: COMPARISONS[op](ga, gb), lambda: COMPARISONS[op](ta, tb), names=[op])


@pytest.mark.parametrize("op", sorted(COMPARISONS))
def test_comparisons_of_shapes_that_do_not_broadcast(op):
    a, b = gn.zeros(2, 3), gn.zeros(4)
    with pytest.raises(RuntimeError):
        COMPARISONS[op](torch.zeros(2, 3), torch.zeros(4))
    _, error = attempt(lambda: COMPARISONS[op](a, b))
    assert error is not None, "glassnet compared shapes (2, 3) and (4,)"
    message_names(error, op)


# ---------------------------------------------------------------- reductions

REDUCTIONS = {
    "sum": lambda x, d, k: x.sum(dim=d, keepdim=k),
    "mean": lambda x, d, k: x.mean(dim=d, keepdim=k),
    "amax": lambda x, d, k: x.amax(dim=d, keepdim=k),
    "amin": lambda x, d, k: x.amin(dim=d, keepdim=k),
    "max": lambda x, d, k: x.max(dim=d, keepdim=k)[0],
    "argmax": lambda x, d, k: x.argmax(dim=d, keepdim=k),
    "var": lambda x, d, k: x.var(dim=d, keepdim=k),
    "std": lambda x, d, k: x.std(dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
}


@st.composite
def dims_for(draw, ndim):
    """A dim in range, out of range by a little, or a tuple of distinct dims."""
    span = max(ndim, 1)
    kind = draw(st.sampled_from(["one", "one", "bad", "tuple"]))
    if kind == "one":
        return draw(st.integers(-span, span - 1))
    if kind == "bad":
        return draw(st.sampled_from([span, span + 1, -span - 1]))
    return tuple(draw(st.lists(st.integers(0, span - 1), min_size=1, max_size=span, unique=True)))


@fuzz_settings(120)
@given(op=st.sampled_from(sorted(REDUCTIONS)), shape=shapes(max_dims=3), data=st.data(),
       keepdim=st.booleans(), dtype=st.sampled_from([np.float32, np.float64, np.int64]),
       special=st.booleans(), seed=seeds())
def test_reductions_over_random_dims(op, shape, data, keepdim, dtype, special, seed):
    dim = data.draw(dims_for(len(shape)), label="dim")
    if op in ("max", "argmax") and isinstance(dim, tuple):
        dim = dim[0]  # PyTorch's max/argmax take one dim
    x = values(seed, shape, dtype, special)
    (g, t) = _both(x)
    check_against_torch(lambda: REDUCTIONS[op](g, dim, keepdim), lambda: REDUCTIONS[op](t, dim, keepdim),
                        names=[op], rtol=1e-4, atol=1e-5)


@fuzz_settings(40)
@given(op=st.sampled_from(["sum", "mean", "amax", "var", "logsumexp"]), shape=shapes(max_dims=3),
       dtype=st.sampled_from([np.float32, np.float64]), seed=seeds())
def test_full_reductions(op, shape, dtype, seed):
    x = values(seed, shape, dtype)
    g, t = _both(x)
    if op == "logsumexp":
        every = tuple(range(x.ndim))
        ours, theirs = (lambda: g.logsumexp(dim=every)), (lambda: t.logsumexp(every))
    else:
        ours, theirs = (lambda: getattr(g, op)()), (lambda: getattr(t, op)())
    check_against_torch(ours, theirs, names=[op], rtol=1e-4)


# ---------------------------------------------------------------- shape ops

@fuzz_settings(60)
@given(shape=shapes(max_dims=4, max_side=3), target=st.lists(st.integers(-1, 4), max_size=4), seed=seeds(),
       how=st.sampled_from(["reshape", "view"]))
def test_reshape_and_view_to_random_shapes(shape, target, seed, how):
    x = values(seed, shape)
    g, t = _both(x)
    check_against_torch(lambda: getattr(g, how)(*target) if target else getattr(g, how)(()),
                        lambda: getattr(t, how)(*target) if target else getattr(t, how)(()),
                        names=[how, "shape"])


@fuzz_settings(60)
@given(shape=shapes(max_dims=4, max_side=3), data=st.data(), seed=seeds())
def test_permute_with_random_dims(shape, data, seed):
    # half the time a permutation (negative dims allowed), else any list of dims
    perm = st.permutations(range(len(shape))).map(lambda p: [d - len(shape) * (d % 2) for d in p])
    dims = data.draw(perm | st.lists(st.integers(-5, 4), max_size=5), label="dims")
    if not dims and not shape:
        dims = [0]  # torch's permute() refuses no dims at all (an argument quirk); glassnet returns x
    g, t = _both(values(seed, shape))
    check_against_torch(lambda: g.permute(*dims), lambda: t.permute(*dims), names=["permute"])


SHAPE_OPS = {
    "transpose": lambda x, a, b: x.transpose(a, b),
    "squeeze": lambda x, a, b: x.squeeze(a),
    "unsqueeze": lambda x, a, b: x.unsqueeze(a),
    "flatten": lambda x, a, b: x.flatten(a, b),
    "split": lambda x, a, b: x.split(2, dim=a),
    "chunk": lambda x, a, b: x.chunk(2, dim=a),
}


@fuzz_settings(100)
@given(op=st.sampled_from(sorted(SHAPE_OPS)), shape=shapes(max_dims=4, max_side=3),
       a=st.integers(-6, 5), b=st.integers(-6, 5), seed=seeds())
def test_dim_taking_shape_ops(op, shape, a, b, seed):
    g, t = _both(values(seed, shape))
    check_against_torch(lambda: SHAPE_OPS[op](g, a, b), lambda: SHAPE_OPS[op](t, a, b), names=[op])


@fuzz_settings(80)
@given(op=st.sampled_from(["cat", "stack"]), parts=st.lists(shapes(min_dims=0, max_dims=3, max_side=3),
                                                              min_size=1, max_size=3),
       same=st.booleans(), dim=st.integers(-4, 3), seed=seeds())
def test_cat_and_stack_of_random_shapes(op, parts, same, dim, seed):
    if same:  # mostly-matching shapes: all like the first but for the size of one dim
        parts = [parts[0]] + [tuple(n + (i == 0 and k) for i, n in enumerate(parts[0]))
                              for k in range(1, len(parts))]
    # PyTorch's legacy rule skips a 1-d empty tensor in cat, whatever the others' shapes and the dim;
    # glassnet, like NumPy, holds it to the same rules as any other tensor
    legacy_empty = op == "cat" and (0,) in parts
    arrays = [values(seed + i, s) for i, s in enumerate(parts)]
    ours = [gn.from_numpy(a) for a in arrays]
    theirs = [torch.from_numpy(a) for a in arrays]
    check_against_torch(lambda: getattr(gn, op)(ours, dim=dim), lambda: getattr(torch, op)(theirs, dim=dim),
                        names=[op], may_differ=legacy_empty)


@st.composite
def indices(draw, shape):
    """An index of ints (some out of range), slices, None and Ellipsis, or an integer/bool array."""
    kind = draw(st.sampled_from(["basic", "basic", "int_array", "bool_mask"]))
    if kind == "int_array":
        side = shape[0] if shape else 1
        return np.asarray(draw(st.lists(st.integers(-side - 1, side), max_size=4)), dtype=np.int64)
    if kind == "bool_mask":
        n = draw(st.sampled_from([shape[0] if shape else 0, (shape[0] if shape else 0) + 1]))
        return np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    items = []
    for _ in range(draw(st.integers(1, len(shape) + 1))):
        bound = st.integers(-4, 4) | st.none()
        a_slice = st.builds(slice, bound, bound, st.sampled_from([None, 1, 2]))
        items.append(draw(st.one_of(st.integers(-4, 3), a_slice, st.none())))
    return tuple(items)


@fuzz_settings(120)
@given(shape=shapes(min_dims=0, max_dims=3, max_side=3), data=st.data(), seed=seeds())
def test_indexing_in_and_out_of_range(shape, data, seed):
    index = data.draw(indices(shape), label="index")
    g, t = _both(values(seed, shape))
    t_index = torch.from_numpy(index) if isinstance(index, np.ndarray) else index
    # PyTorch checks no index bounds when the result is empty (an index 5 into a (2, 0) tensor);
    # glassnet checks them always
    check_against_torch(lambda: g[index], lambda: t[t_index], names=["index", "getitem"],
                        may_differ=0 in shape)


# ---------------------------------------------------------------- matmul and softmax

@st.composite
def matmul_shapes(draw):
    """Operands of ranks 1-4: inner sizes that agree (usually) and batch dims that broadcast (usually)."""
    ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n, k, m = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(0, 3))
    k2 = k if draw(st.integers(0, 3)) else draw(st.integers(0, 3))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=2, max_dims=2, max_side=3)).input_shapes
    a = (k,) if ra == 1 else batch[0][: ra - 2][::-1] + (n, k)
    b = (k2,) if rb == 1 else batch[1][: rb - 2][::-1] + (k2, m)
    return a, b


@fuzz_settings(100)
@given(pair=matmul_shapes(), seed=seeds(),
       dtypes=st.sampled_from([(np.float32,) * 2, (np.float64,) * 2, (np.float32, np.float64),
                               (np.int64,) * 2]))
def test_matmul_of_random_ranks(pair, seed, dtypes):
    (ga, ta), (gb, tb) = _both(values(seed, pair[0], dtypes[0])), _both(values(seed + 1, pair[1], dtypes[1]))
    # PyTorch skips its same-dtype check when an operand is empty; glassnet refuses mixed dtypes always
    quirk = dtypes[0] != dtypes[1] and 0 in pair[0] + pair[1]
    check_against_torch(lambda: ga @ gb, lambda: ta @ tb, names=["matmul"], rtol=1e-4, atol=1e-5,
                        may_differ=quirk)


@fuzz_settings(60)
@given(fn=st.sampled_from(["softmax", "log_softmax"]), shape=shapes(max_dims=3), dim=st.integers(-4, 3),
       dtype=st.sampled_from([np.float32, np.float64]), special=st.booleans(), seed=seeds())
def test_softmax_over_random_dims(fn, shape, dim, dtype, special, seed):
    g, t = _both(values(seed, shape, dtype, special) * 5)
    theirs = getattr(torch.nn.functional, fn)
    check_against_torch(lambda: getattr(F, fn)(g, dim=dim), lambda: theirs(t, dim=dim), names=[fn],
                        rtol=1e-4, atol=1e-5)
