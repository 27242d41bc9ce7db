"""Activation functions: ReLU, sigmoid, tanh, leaky ReLU, GELU, SiLU, ELU, softplus, softmax.

ReLU, sigmoid and tanh keep their output for backward. The smooth
element-wise activations after them share one pattern: forward computes ``f(x)`` *and* its slope
``f'(x)`` from the same intermediate arrays, so the usual backward is a single
multiply ``g * f'(x)``.  The slope is wrapped in a ``Slope`` node whose own
backward is ``f''(x)`` written with glassnet ops, so double backward still
works (and higher orders, since ``f''`` is itself built from ops).
"""

import math

import numpy as np

from ..autograd import Function, first_order
from . import math as M
from ._util import constant as _constant
from ._util import normalize_dim


def _check_float(x, name):
    if x.array.dtype.kind != "f":
        raise TypeError(
            f"{name}: expected a floating-point tensor, got dtype {x.dtype}; convert it with .float()"
        )


# ------------------------------------------- ReLU, sigmoid, tanh
class Tanh(Function):
    save_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        y = self.output()
        return g * (1 - y * y)


class Sigmoid(Function):
    save_output = True

    def forward(self, x):
        # 1 / (1 + exp(-x)): where exp(-x) overflows to inf the answer is 0, as it should be.
        # 4x faster than a select between two stable branches (np.where is slow on float32).
        with np.errstate(over="ignore"):
            src = x if x.dtype.kind == "f" else x.astype(np.float64)  # ints: as exp does
            y = np.negative(src, out=np.empty_like(src))  # out=: a 0-d result stays an array
            np.exp(y, out=y)
            y += 1
            return np.reciprocal(y, out=y)

    def backward(self, g):
        y = self.output()
        return g * y * (1 - y)


class Relu(Function):
    save_output = True  # y > 0 exactly where x > 0: the mask is made only if backward runs

    def forward(self, x):
        if x.dtype.kind == "f":
            # NumPy 2.4's maximum against a scalar runs a scalar loop (4x slower in float32 than
            # clip between two bounds of x's own dtype, which is vectorised; docs/architecture.md).
            return np.clip(x, x.dtype.type(0), x.dtype.type(np.inf))
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, g):
        mask = self.saved_outputs[0] > 0
        if first_order():
            return _constant(g.array * mask)
        return g * _constant(mask)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def relu(x):
    return Relu.apply(x)



class Slope(Function):
    """``f'(x)``, already computed by the activation's forward (``value``).

    ``curvature(x)`` gives ``f''(x)`` as a Tensor built from ops, or is None
    where ``f''`` is zero almost everywhere (piecewise-linear activations);
    then the second derivative is zeros, as in PyTorch, rather than "unused".
    """

    def forward(self, x):
        return self.value

    def backward(self, g):
        if self.curvature is None:
            return _constant(np.zeros_like(self.value))
        return g * self.curvature(self.inputs[0])


class Elementwise(Function):
    """An activation whose ``forward`` also sets ``self.slope``, f'(x)."""

    def curvature(self):
        """f'' as a function of the input Tensor, or None where it is zero."""
        return None

    def backward(self, g):
        slope = Slope.apply(self.inputs[0], value=self.slope, curvature=self.curvature())
        return g * slope


# ------------------------------------------------------------- leaky ReLU
class LeakyRelu(Elementwise):
    def forward(self, x):
        # A two-entry table indexed by the mask: 3x faster than np.where, which is slow on floats here.
        slopes = np.array([self.negative_slope, 1], x.dtype)
        self.slope = slopes.take((x > 0).view(np.uint8))
        return x * self.slope


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, ``negative_slope * x`` elsewhere."""
    _check_float(x, "leaky_relu")
    return LeakyRelu.apply(x, negative_slope=negative_slope)


# ------------------------------------------------------------------- GELU
def _fit_erfc_scaled(z_max, degree):
    """Coefficients of q(t) = erfc(z) exp(z^2) / t, as a polynomial in t = 2 / (2 + z).

    q is smooth and close to constant on 0 <= z <= z_max, so a short
    polynomial gives erfc to near machine precision with one ``exp``.  It is
    fitted once, at import, against the standard library's ``math.erfc``;
    the sample points have short mantissas so that ``z * z`` is exact.
    """
    t_min = 2 / (2 + z_max)
    u = np.cos(np.pi * (np.arange(4 * degree) + 0.5) / (4 * degree))
    z = np.round((2 / (t_min + (u + 1) * (1 - t_min) / 2) - 2) * 2**16) / 2**16
    t = 2 / (2 + z)
    q = np.array([math.erfc(v) * math.exp(v * v) for v in z]) / t
    fit = np.polynomial.Chebyshev.fit(t, q, degree)
    return fit.convert(kind=np.polynomial.Polynomial).coef


# Past z_max erfc(z) is below the dtype's smallest normal number; there the
# polynomial is extrapolated a little, until exp(-z^2) underflows to zero.
_ERFC = {
    np.dtype(np.float32): _fit_erfc_scaled(10.0, 8),
    np.dtype(np.float64): _fit_erfc_scaled(26.5, 22),
}
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def normal_cdf_pdf(x):
    """Phi(x) and phi(x) of the standard normal, as arrays of x's dtype.

    Phi(-|x|) = erfc(|x| / sqrt 2) / 2 is computed directly (no ``1 - ...``
    cancellation in the left tail), and exp(-x^2 / 2) is shared with phi.
    """
    coef = _ERFC[np.dtype(np.float64 if x.dtype == np.float64 else np.float32)]
    dtype = x.dtype.type
    z = np.abs(x) * dtype(_INV_SQRT_2)
    gauss = np.exp(-(z * z))
    t = dtype(2) / (z + dtype(2))
    tail = np.full_like(t, coef[-1])
    for c in coef[-2::-1]:
        tail *= t
        tail += dtype(c)
    tail *= t
    tail *= gauss
    tail *= dtype(0.5)
    cdf = np.where(x < 0, tail, 1 - tail)
    gauss *= dtype(_INV_SQRT_2PI)
    return cdf, gauss


def _gelu_curvature(x):
    # d^2/dx^2 [x Phi(x)] = phi(x) (2 - x^2)
    pdf = M.exp(x * x * -0.5) * _INV_SQRT_2PI
    return pdf * (2 - x * x)


class Gelu(Elementwise):
    def curvature(self):
        return _gelu_curvature

    def forward(self, x):
        cdf, pdf = normal_cdf_pdf(x)
        pdf *= x
        pdf += cdf
        self.slope = pdf
        return x * cdf


_K = math.sqrt(2 / math.pi)
_C = 0.044715


def _gelu_tanh_curvature(x):
    # y = x p with p = sigmoid(2u), u = K (x + C x^3); differentiate twice.
    x2 = x * x
    p = sigmoid((x + x * x2 * _C) * (2 * _K))
    du = (1 + x2 * (3 * _C)) * _K
    return p * (1 - p) * 4 * (du - x * (2 * p - 1) * du * du + x2 * (3 * _K * _C))


class GeluTanh(Elementwise):
    def curvature(self):
        return _gelu_tanh_curvature

    def forward(self, x):
        # (1 + tanh(u)) / 2 = sigmoid(2u): same value, but no cancellation in
        # the left tail, where 1 + tanh(u) would lose float32's digits.
        dtype = x.dtype.type
        x2 = x * x
        p = Sigmoid().forward((x + x * x2 * dtype(_C)) * dtype(2 * _K))
        du = (x2 * dtype(3 * _C) + dtype(1)) * dtype(2 * _K)
        # slope = p + 2 x u' p (1 - p)
        du *= x
        du *= p
        du *= 1 - p
        du += p
        self.slope = du
        return x * p


def gelu(x, approximate="none"):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula of the GPT-2 era."""
    _check_float(x, "gelu")
    if approximate == "none":
        return Gelu.apply(x)
    if approximate == "tanh":
        return GeluTanh.apply(x)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# ------------------------------------------------------- SiLU, ELU, softplus
def _silu_curvature(x):
    s = sigmoid(x)
    return s * (1 - s) * (2 + x * (1 - 2 * s))


class Silu(Elementwise):
    def curvature(self):
        return _silu_curvature

    def forward(self, x):
        s = Sigmoid().forward(x)
        y = x * s
        # slope = s (1 + x (1 - s)) = s + y (1 - s)
        self.slope = s + y * (1 - s)
        return y


def silu(x):
    """x * sigmoid(x), also called swish."""
    _check_float(x, "silu")
    return Silu.apply(x)


class Elu(Elementwise):
    def curvature(self):
        alpha = self.alpha
        # alpha e^x on the left, 0 on the right; clamping keeps e^x finite where it is unused
        return lambda x: M.exp(M.clamp(x, max=0.0)) * _constant((x.array <= 0) * x.dtype.type(alpha))

    def forward(self, x):
        dtype = x.dtype.type
        left = np.expm1(np.minimum(x, 0))
        left *= dtype(self.alpha)
        positive = x > 0
        self.slope = np.where(positive, dtype(1), left + dtype(self.alpha))
        return np.where(positive, x, left)


def elu(x, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    _check_float(x, "elu")
    return Elu.apply(x, alpha=alpha)


class Softplus(Elementwise):
    def curvature(self):
        beta, threshold = self.beta, self.threshold

        def curvature(x):
            s = sigmoid(x * beta)
            return s * (1 - s) * _constant((x.array * beta <= threshold) * x.dtype.type(beta))

        return curvature

    def forward(self, x):
        dtype = x.dtype.type
        bx = x * dtype(self.beta)
        # log(1 + e^bx) = max(bx, 0) + log1p(e^-|bx|): no overflow for large bx
        y = np.log1p(np.exp(-np.abs(bx)))
        y += np.maximum(bx, 0)
        y /= dtype(self.beta)
        linear = bx > self.threshold
        self.slope = np.where(linear, dtype(1), Sigmoid().forward(bx))
        return np.where(linear, x, y)


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, the identity where beta x > threshold."""
    _check_float(x, "softplus")
    return Softplus.apply(x, beta=beta, threshold=threshold)


# ------------------------------------------------------ softmax, log-softmax
class Softmax(Function):
    save_output = True

    def forward(self, x):
        # initial=-inf: the max over an empty dim is -inf instead of NumPy's ValueError
        y = x - x.max(axis=self.dim, keepdims=True, initial=-np.inf)
        np.exp(y, out=y)
        y /= y.sum(axis=self.dim, keepdims=True)
        return y

    def backward(self, g):
        # J^T g for J = diag(y) - y y^T, without forming J
        y = self.output()
        return y * (g - (g * y).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    save_output = True

    def forward(self, x):
        y = x - x.max(axis=self.dim, keepdims=True, initial=-np.inf)  # as in Softmax
        y -= np.log(np.exp(y).sum(axis=self.dim, keepdims=True))
        return y

    def backward(self, g):
        y = self.output()
        return g - M.exp(y) * g.sum(self.dim, keepdim=True)


def _softmax_dim(x, dim, name):
    _check_float(x, name)
    if x.ndim == 0:
        raise ValueError(f"{name}: expected a tensor with at least 1 dimension, got a scalar")
    return normalize_dim(dim, x.ndim, name)


def softmax(x, dim=-1):
    """exp(x) / sum(exp(x)) along ``dim``, shifted by the max so it never overflows."""
    if x.ndim == 0:  # PyTorch takes a 0-d tensor as one element along dim 0 (or -1)
        normalize_dim(dim, 0, "softmax")
        return softmax(x.reshape(1), 0).reshape(())
    return Softmax.apply(x, dim=_softmax_dim(x, dim, "softmax"))


def log_softmax(x, dim=-1):
    """x - logsumexp(x) along ``dim``: the log-probabilities, stable for large |x|."""
    if x.ndim == 0:  # as in softmax: one element
        normalize_dim(dim, 0, "log_softmax")
        return log_softmax(x.reshape(1), 0).reshape(())
    return LogSoftmax.apply(x, dim=_softmax_dim(x, dim, "log_softmax"))
