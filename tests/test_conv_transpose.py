"""Transposed convolution (op and layer) against PyTorch and finite differences.

The checks are tests/test_conv.py's: forward and backward vs torch in
float32, gradcheck (and gradgradcheck where marked) in float64, and the
first-order NumPy gradient vs the differentiable one.
"""

import numpy as np
import pytest
import torch
from op_harness import (
    Case,
    check_first_order_path,
    check_forward_and_backward,
    check_gradcheck,
    check_gradgradcheck,
)

import glassnet as gn
from glassnet import nn


def ct(**kw):
    return lambda L, x, w, b=None: L.nn.functional.conv_transpose2d(x, w, b, **kw)


CASES = [
    Case("basic", ct(), ((2, 3, 5, 4), (3, 4, 3, 3), (4,)), gradgrad=True),
    Case("no_bias", ct(), ((2, 2, 4, 4), (2, 3, 2, 2))),
    Case("stride2", ct(stride=2), ((2, 3, 4, 3), (3, 2, 3, 3), (2,)), gradgrad=True),
    Case("stride2_pad1_outpad1", ct(stride=2, padding=1, output_padding=1),
         ((1, 2, 4, 5), (2, 3, 3, 3), (3,))),
    Case("stride(2,3)_pad(1,0)_outpad(1,2)_dil(1,2)",
         ct(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2)),
         ((1, 2, 3, 4), (2, 3, 3, 2))),
    Case("groups2_stride2", ct(groups=2, stride=2), ((2, 4, 3, 3), (4, 3, 2, 2), (6,))),
    Case("kernel_equals_stride", ct(stride=2), ((2, 3, 3, 3), (3, 2, 2, 2), (2,))),
    Case("unbatched", ct(stride=2, padding=1), ((3, 4, 4), (3, 2, 3, 3), (2,))),
]
for _case in CASES:  # the convolution table's tolerances
    _case.tol, _case.exact = dict(rtol=1e-4, atol=1e-5), 1e-10
IDS = [c.name for c in CASES]
GG = [c for c in CASES if c.gradgrad]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_transpose_matches_torch(case):
    check_forward_and_backward(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_transpose_gradcheck(case):
    check_gradcheck(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_conv_transpose_first_order_path(case):
    check_first_order_path(case)


@pytest.mark.parametrize("case", GG, ids=[c.name for c in GG])
def test_conv_transpose_gradgradcheck(case):
    check_gradgradcheck(case)


def test_transpose_is_the_adjoint_of_the_convolution():
    """<conv(x), y> = <x, conv_transpose(y)> for the same weight, stride and padding."""
    rng = np.random.default_rng(0)
    x, w, y = (gn.tensor(rng.standard_normal(shape), dtype=gn.float64)
               for shape in [(2, 3, 9, 8), (4, 3, 3, 3), (2, 4, 5, 4)])
    forward = gn.nn.functional.conv2d(x, w, stride=2, padding=1)
    back = gn.nn.functional.conv_transpose2d(y, w, stride=2, padding=1, output_padding=(0, 1))
    assert forward.shape == y.shape and back.shape == x.shape
    np.testing.assert_allclose((forward * y).sum().item(), (x * back).sum().item(), rtol=1e-10)


def test_layer_matches_torch_and_moves_its_weights_across():
    torch.manual_seed(0)
    theirs = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    ours = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: gn.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 4, 5, 5)).astype(np.float32)
    y, ty = ours(gn.tensor(x)), theirs(torch.tensor(x))
    assert tuple(y.shape) == (2, 6, 10, 10)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    bound = 1 / np.sqrt(3 * 3 * 3)  # fan_in = (out / groups) * kh * kw, as in PyTorch
    fresh = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert np.abs(fresh.weight.array).max() <= bound and np.abs(fresh.bias.array).max() <= bound


@pytest.mark.parametrize("call, error, message", [
    (lambda: gn.nn.functional.conv_transpose2d(gn.randn(1, 3, 4, 4), gn.randn(2, 3, 3, 3)), RuntimeError,
     r"has 3 channels, but the weight of shape \(2, 3, 3, 3\) expects 2"),
    (lambda: gn.nn.functional.conv_transpose2d(gn.randn(1, 2, 4, 4), gn.randn(2, 3, 3, 3), stride=2,
                                               output_padding=2), ValueError, "smaller than the stride"),
    (lambda: gn.nn.functional.conv_transpose2d(gn.randn(1, 2, 1, 1), gn.randn(2, 3, 1, 1), padding=1),
     RuntimeError, "empty output"),
    (lambda: gn.nn.functional.conv_transpose2d(gn.randn(1, 2, 4, 4), gn.randn(2, 3, 3, 3), gn.randn(4)),
     RuntimeError, r"bias of shape \(4,\) should be \(3,\)"),
    (lambda: nn.ConvTranspose2d(2, 3, 3, padding="same"), ValueError, "padding must be an int or a pair"),
    (lambda: nn.ConvTranspose2d(2, 3, 3)(gn.randn(1, 5, 4, 4)), RuntimeError,
     r"ConvTranspose2d\(2, 3, .*: conv_transpose2d: the input of shape \(1, 5, 4, 4\) has 5 channels"),
])
def test_errors_name_the_function_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()
