"""Fused float32 LSTM and GRU steps, compiled by numba when it is installed (``glassnet[fast]``).

An LSTM step over a batch of 64 is about a dozen NumPy passes over a few
thousand numbers each, and on AVX2 CPUs NumPy's float32 ``exp`` and ``tanh``
have no vectorised loop: about 4 ns a number on the benchmark machine,
twenty times a multiply.  Here one compiled loop does all of a step's
elementwise work, forward or backward, and tanh (and from it the sigmoid)
is a rational function the compiler does vectorise.

The kernels keep the buffers of ``recurrent.LSTMKernel`` and
``GRUKernel``, so a layer runs either; tests compare the two.  They serve float32 only: float64 keeps
the NumPy kernel, exact to float64.  Without numba, or with
``GLASSNET_NUMBA=0``, nothing here is used.
"""

import functools
import os

import numpy as np

from .recurrent import GRUKernel, LSTMKernel


def _numba():
    if os.environ.get("GLASSNET_NUMBA", "1") == "0":
        return None
    try:
        import numba
    except ImportError:
        return None
    return numba


numba = _numba()
AVAILABLE = numba is not None

if AVAILABLE:
    # error_model="numpy": a division may give inf instead of raising, which lets loops vectorise.
    # The fast-math flags leave out nnan and ninf, so a NaN still comes out as NaN.
    _FLAGS = {"contract", "arcp", "nsz", "afn"}
    _jit = numba.njit(fastmath=_FLAGS, error_model="numpy", cache=True)
    _inline = numba.njit(fastmath=_FLAGS, error_model="numpy", cache=True, inline="always")
else:  # the functions stay plain Python, unused
    def _jit(f):
        return f

    _inline = _jit

f32 = np.float32
# tanh(x) = x P(x^2) / Q(x^2) for |x| <= LIMIT, +-1 beyond (to float32 rounding).  These are the
# coefficients of the minimax rational approximation that Eigen and XNNPACK use for float tanh;
# its error is within a few units in the last place of float32.
LIMIT = f32(7.90531110763549805)
P13, P11, P9, P7 = f32(-2.76076847742355e-16), f32(2.00018790482477e-13), f32(-8.60467152213735e-11), f32(
    5.12229709037114e-08)
P5, P3, P1 = f32(1.48572235717979e-05), f32(6.37261928875436e-04), f32(4.89352455891786e-03)
Q6, Q4, Q2, Q0 = f32(1.19825839466702e-06), f32(1.18534705686654e-04), f32(2.26843463243900e-03), f32(
    4.89352518554385e-03)
HALF, ONE = f32(0.5), f32(1.0)


@_inline
def _tanh(x):
    x = LIMIT if x > LIMIT else x  # written so that NaN passes through
    x = -LIMIT if x < -LIMIT else x
    s = x * x
    p = ((((((P13 * s + P11) * s + P9) * s + P7) * s + P5) * s + P3) * s + P1) * x
    q = ((Q6 * s + Q4) * s + Q2) * s + Q0
    return p / q


@_inline
def _sigmoid(x):
    return HALF + HALF * _tanh(HALF * x)


@_jit
def lstm_forward(act, gx, h, c, c_prev, tanh_c, h_out):
    """One step, in place.  On entry ``act`` holds ``h @ W_hh.T``; on return the gates
    (i, f, g, o) after their nonlinearities, ``c`` and ``h`` the new states (``c_prev`` the old c)."""
    rows, n = c.shape
    for b in range(rows):
        a, pre = act[b], gx[b]
        for k in range(4 * n):
            a[k] += pre[k]
        for k in range(2 * n):
            a[k] = _sigmoid(a[k])
        for k in range(2 * n, 3 * n):
            a[k] = _tanh(a[k])
        for k in range(3 * n, 4 * n):
            a[k] = _sigmoid(a[k])
        cb, cp, t, hb, ho = c[b], c_prev[b], tanh_c[b], h[b], h_out[b]
        for k in range(n):
            cp[k] = cb[k]
            cb[k] = a[n + k] * cb[k] + a[k] * a[2 * n + k]
        for k in range(n):
            t[k] = _tanh(cb[k])
        for k in range(n):
            hb[k] = ho[k] = a[3 * n + k] * t[k]


@_jit
def lstm_backward(dh, dc, act, c_prev, tanh_c, dgx, tiny):
    """Pre-activation gradients into ``dgx``, and ``dc`` becomes the previous c's gradient
    (without the ``dgx @ W_hh`` term of h's).  Numbers below ``tiny`` are flushed to zero
    (see ``recurrent._flush_``); ``dh`` is flushed on entry."""
    rows, n = dc.shape
    for b in range(rows):
        a, d, dhb, dcb, t, cp = act[b], dgx[b], dh[b], dc[b], tanh_c[b], c_prev[b]
        for k in range(n):
            dhb[k] = f32(0) if abs(dhb[k]) < tiny else dhb[k]  # NaN passes through
        for k in range(n):
            i, f, g, o = a[k], a[n + k], a[2 * n + k], a[3 * n + k]
            total = dcb[k] + dhb[k] * o * (ONE - t[k] * t[k])
            d[k] = total * g * i * (ONE - i)
            d[n + k] = total * cp[k] * f * (ONE - f)
            d[2 * n + k] = total * i * (ONE - g * g)
            d[3 * n + k] = dhb[k] * t[k] * o * (ONE - o)
            dcb[k] = total * f
        for k in range(4 * n):
            d[k] = f32(0) if abs(d[k]) < tiny else d[k]
        for k in range(n):
            dcb[k] = f32(0) if abs(dcb[k]) < tiny else dcb[k]


@_jit
def gru_forward(gx, gh, h, rz, cand, h_out):
    """One step, in place.  ``gh`` holds ``h @ W_hh.T + b_hh``; on return ``rz`` the reset and
    update gates, ``cand`` the candidate n, and ``h`` the new state."""
    rows, n = h.shape
    for b in range(rows):
        pre, hid, g, c, hb, ho = gx[b], gh[b], rz[b], cand[b], h[b], h_out[b]
        for k in range(2 * n):
            g[k] = _sigmoid(pre[k] + hid[k])
        for k in range(n):
            c[k] = _tanh(pre[2 * n + k] + g[k] * hid[2 * n + k])
        for k in range(n):
            hb[k] = ho[k] = c[k] + g[n + k] * (hb[k] - c[k])


@_jit
def gru_backward(dh, rz, cand, gh, h_prev, dgx, dgh, direct, tiny):
    """Pre-activation gradients into ``dgx`` (input side) and ``dgh`` (hidden side), and into
    ``direct`` the previous h's gradient without the ``dgh @ W_hh`` term; flushed as above."""
    rows, n = dh.shape
    for b in range(rows):
        dhb, g, c, hid, hp = dh[b], rz[b], cand[b], gh[b], h_prev[b]
        dx, dhid, out = dgx[b], dgh[b], direct[b]
        for k in range(n):
            dhb[k] = f32(0) if abs(dhb[k]) < tiny else dhb[k]
        for k in range(n):
            r, z = g[k], g[n + k]
            dn = dhb[k] * (ONE - z) * (ONE - c[k] * c[k])
            dx[k] = dn * hid[2 * n + k] * r * (ONE - r)
            dx[n + k] = dhb[k] * (hp[k] - c[k]) * z * (ONE - z)
            dx[2 * n + k] = dn
            dhid[2 * n + k] = dn * r
            out[k] = dhb[k] * z
        for k in range(3 * n):
            dx[k] = f32(0) if abs(dx[k]) < tiny else dx[k]
        for k in range(2 * n):
            dhid[k] = dx[k]
        for k in range(2 * n, 3 * n):
            dhid[k] = f32(0) if abs(dhid[k]) < tiny else dhid[k]
        for k in range(n):
            out[k] = f32(0) if abs(out[k]) < tiny else out[k]


class FusedLSTMKernel(LSTMKernel):
    """``LSTMKernel`` with each step one compiled call (float32)."""

    flushes = True  # the backward step flushes its own results

    def gate_scale(self, hidden, dtype):
        return None

    def forward_step(self, gx, states, w_hh, b_hh, rows):
        h, c = states
        act = np.matmul(h, w_hh.T, out=rows["act"])
        if b_hh is not None:
            act += b_hh
        lstm_forward(act, gx, h, c, rows["c_prev"], rows["tanh_c"], rows["out"])
        return h, c

    def backward_step(self, dstates, rows, dgx, dgh):
        dh, dc = dstates
        lstm_backward(dh, dc, rows["act"], rows["c_prev"], rows["tanh_c"], dgx, _flush_below(dgx.dtype))
        return None, dc


class FusedGRUKernel(GRUKernel):
    """``GRUKernel`` with each step one compiled call (float32)."""

    flushes = True

    def gate_scale(self, hidden, dtype):
        return None

    def forward_step(self, gx, states, w_hh, b_hh, rows):
        (h,) = states
        gh = np.matmul(h, w_hh.T, out=rows["gh"])
        if b_hh is not None:
            gh += b_hh
        gru_forward(gx, gh, h, rows["rz"], rows["n"], rows["out"])
        return (h,)

    def backward_step(self, dstates, rows, dgx, dgh):
        (dh,) = dstates
        direct = np.empty_like(dh)
        gru_backward(dh, rows["rz"], rows["n"], rows["gh"], rows["h_prev"], dgx, dgh, direct,
                     _flush_below(dgx.dtype))
        return (direct,)


@functools.cache
def _flush_below(dtype):
    """Half the grid step of ``recurrent._flush_``: what that rounding sends to zero."""
    info = np.finfo(dtype)
    return dtype.type(0.5 * info.smallest_normal / info.eps)


FUSED = {"LSTM": FusedLSTMKernel(), "GRU": FusedGRUKernel()} if AVAILABLE else {}
