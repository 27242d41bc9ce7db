"""Shared pieces of the fuzz suite (tests/test_fuzz_*.py): settings, inputs, the oracle check.

Every fuzz test calls glassnet and PyTorch on the same input. Where PyTorch
accepts it, glassnet must give the same values; where PyTorch refuses it,
glassnet must refuse it too, with a ValueError/TypeError/IndexError/
RuntimeError whose message names the function, and never with one of
NumPy's own messages, which would mean the check was missing and the error
came from deep inside an array call.

The example counts are small so the suite stays well under a minute in CI,
and derandomized so a CI failure reproduces. ``GLASSNET_FUZZ_EXAMPLES=10``
multiplies every count by 10 for a deeper local run.
"""

import os
import re

import numpy as np
import torch
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SCALE = max(1, int(os.environ.get("GLASSNET_FUZZ_EXAMPLES", "1")))


def fuzz_settings(examples):
    """``examples`` cases in CI, ``examples * GLASSNET_FUZZ_EXAMPLES`` on a deep local run."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


ALLOWED = (ValueError, TypeError, IndexError, RuntimeError)

# Messages that NumPy (or Python's list indexing) writes: seeing one means no check caught the input.
# (NumPy lists broadcast shapes as "(3,) (4,)"; glassnet's own message, "add: ... (3,) and (4,)", is not raw.)
RAW_MESSAGES = re.compile(
    r"could not be broadcast together with shapes \([^)]*\) \(|is out of bounds for (array|axis)|"
    r"cannot reshape array|"
    r"list index out of range|tuple index out of range|"
    r"axis \d+ is out of bounds|all the input array dimensions|all input arrays must have the same shape|"
    r"shapes \(.*\) and \(.*\) not aligned|matmul: Input operand|"
    r"size \d+ is different from|object of type .* has no len|unsupported operand type|"
    r"can't multiply sequence|'NoneType' object|has no attribute|zero-size array to reduction|"
    r"setting an array element with a sequence|negative dimensions are not allowed"
)

FLOAT_DTYPES = (np.float32, np.float64)

# element-wise binary ops, written once for glassnet and torch (L is the library)
BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    "pow": lambda L, a, b: a ** b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "where": lambda L, a, b: L.where(a > 0, a, b),
}

ALL_DTYPES = (np.float32, np.float64, np.int64, np.int32, np.bool_)


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    """Array shapes, zero-size dims included unless ``min_side`` says otherwise."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def seeds():
    return st.integers(0, 2**31 - 1)


def values(seed, shape, dtype=np.float32, special=False):
    """Random numbers of ``dtype``; ``special`` sprinkles NaN, +inf and -inf into float arrays."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(rng.random(shape) > 0.5)  # asarray: a 0-d result stays an array, not a scalar
    if dtype.kind in "iu":
        return np.asarray(rng.integers(-5, 6, size=shape), dtype=dtype)
    out = np.asarray(rng.standard_normal(shape), dtype=dtype)
    if special and out.size:
        flat = out.reshape(-1)
        picks = rng.integers(0, flat.size, size=min(3, flat.size))
        flat[picks] = rng.choice([np.nan, np.inf, -np.inf], size=picks.size)
    return out


def non_contiguous(array, how):
    """The same numbers as a non-contiguous view: transposed, or every other element of a bigger array."""
    if how == "transposed" and array.ndim >= 2:
        return np.ascontiguousarray(array.T).T
    if how == "strided" and array.ndim >= 1:
        big = np.repeat(array, 2, axis=-1)
        return big[..., ::2]
    return array


def message_names(exc, *names):
    """The error is one glassnet raised on purpose: an allowed type, a named function, no raw NumPy text."""
    text = str(exc)
    assert isinstance(exc, ALLOWED), f"{type(exc).__name__} escaped: {text}"
    assert not RAW_MESSAGES.search(text), f"a raw NumPy/Python error escaped: {type(exc).__name__}: {text}"
    assert any(n.lower() in text.lower() for n in names), f"the message names none of {names}: {text}"


def attempt(fn):
    """``(result, None)`` or ``(None, exception)``: run ``fn`` and keep what it raised."""
    try:
        return fn(), None
    except Exception as exc:  # noqa: BLE001 - every exception is judged by the caller
        return None, exc


def to_numpy(x):
    """A glassnet Tensor, torch tensor, tuple of them or a number, as float64 NumPy (bools kept)."""
    if isinstance(x, (tuple, list)):
        return [to_numpy(v) for v in x]
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if hasattr(x, "array"):
        return np.asarray(x.array)
    return np.asarray(x)


def assert_close(ours, theirs, rtol=1e-5, atol=1e-5, what="result"):
    """Same shape and values, NaN where PyTorch has NaN; compared in float64."""
    ours, theirs = to_numpy(ours), to_numpy(theirs)
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{what}: {len(theirs)} results expected"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_close(o, t, rtol, atol, what=f"{what}[{i}]")
        return
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch gives {theirs.shape}"
    if theirs.dtype == np.bool_ or ours.dtype == np.bool_:
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
        return
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=what)


def check_against_torch(ours_fn, torch_fn, names, rtol=1e-5, atol=1e-5, may_differ=False):
    """Run both; they agree on the values, or both refuse (glassnet with a named error).

    ``may_differ`` marks a case where glassnet's rule for what it accepts is
    knowingly not PyTorch's (the caller says why): then either may refuse
    alone, but a glassnet error must still be named, and where both accept,
    the values must agree. Returns glassnet's error, or None.
    """
    theirs, torch_exc = attempt(torch_fn)
    ours, our_exc = attempt(ours_fn)
    # events: how the cases split, shown by pytest --hypothesis-show-statistics
    event("the oracle refuses" if torch_exc is not None else "the oracle accepts")
    if may_differ and (torch_exc is None) != (our_exc is None):
        event("a known difference in what is accepted")
        if our_exc is not None:
            message_names(our_exc, *names)
        return our_exc
    if torch_exc is not None:
        assert our_exc is not None, (
            f"PyTorch refuses ({type(torch_exc).__name__}: {torch_exc}) but glassnet returned {ours!r}")
        message_names(our_exc, *names)
        return our_exc
    if our_exc is not None:
        raise AssertionError(f"PyTorch accepts the input but glassnet raised "
                             f"{type(our_exc).__name__}: {our_exc}") from our_exc
    assert_close(ours, theirs, rtol, atol)
    return theirs
