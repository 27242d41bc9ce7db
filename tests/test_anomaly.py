"""detect_anomaly(): the first backward that makes NaN or inf is named, with the line that made the op."""

import numpy as np
import pytest

import glassnet
from glassnet.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def _loss(x):
    hidden = x * 2.0
    return hidden.sqrt().sum()  # d sqrt(u)/du = 1 / (2 sqrt(u)): infinite at 0


def test_the_op_whose_backward_made_inf_is_named_with_its_line():
    x = glassnet.tensor(np.array([0.0, 1.0, 4.0]), requires_grad=True)
    with detect_anomaly():
        loss = _loss(x)
        expected = r"Sqrt\.backward returned inf.*input 0 \(shape \(3,\)\)"
        with pytest.raises(RuntimeError, match=expected) as err:
            loss.backward()
    assert "test_anomaly.py" in str(err.value) and "hidden.sqrt()" in str(err.value)
    assert x.grad is None  # stopped before the gradient reached the leaf


def test_without_it_the_inf_reaches_the_gradient_silently():
    x = glassnet.tensor(np.array([0.0, 1.0, 4.0]), requires_grad=True)
    _loss(x).backward()
    assert np.isinf(x.grad.array[0]) and np.isfinite(x.grad.array[1:]).all()


def test_nan_is_caught_and_the_mode_is_restored():
    x = glassnet.tensor(np.array([-1.0, 2.0]), requires_grad=True)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
        with np.errstate(invalid="ignore"):
            y = x.sqrt().sum()  # sqrt(-1) is NaN, and so is its derivative 1 / (2 sqrt(-1))
        with pytest.raises(RuntimeError, match="Sqrt.backward returned NaN"):
            y.backward()
    assert not is_anomaly_enabled()
    with detect_anomaly():
        ok = (x * x).sum()
        ok.backward()  # finite gradients pass
    np.testing.assert_array_equal(x.grad.array, [-2.0, 4.0])
