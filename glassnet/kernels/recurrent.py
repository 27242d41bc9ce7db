"""One time step of the Elman RNN, the LSTM and the GRU in plain NumPy.

Each ``Kernel`` computes a step forward and backward on preallocated rows;
``ops.recurrent.Recurrence`` runs one over a whole sequence as a single graph
node. The composed references they are tested against are the ``*_cell``
functions of ``ops/recurrent_cells.py``. Gate layouts are PyTorch's (LSTM:
i, f, g, o; GRU: r, z, n).
"""

import functools

import numpy as np


def _sigmoid_of_negated_(a):
    """sigmoid(x) = 1 / (1 + exp(-x)) in place, for ``a`` = -x (see ``Kernel.gate_scale``).

    exp overflows to inf only where the answer is 0 (callers hold
    ``np.errstate(over="ignore")``).  On the 2-core AMD EPYC this project is
    measured on (AVX2, no AVX-512), NumPy's float32 exp runs about 1.7x faster
    than its tanh, so this beats ``(1 + tanh(x / 2)) / 2``; on a CPU with
    AVX-512 it is the other way round.
    """
    np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


def _hidden_product(w_hh, h, scratch):
    """``h @ W_hh.T`` as a (rows, gates * hidden) view, computed as ``W_hh @ h.T`` into ``scratch``.

    With the long side first OpenBLAS ran this 64 x 64 by 64 x 256 product 2x
    faster here; the transposed view then costs one strided read in the add
    that consumes it.
    """
    return np.matmul(w_hh, h.T, out=scratch).T


@functools.lru_cache(maxsize=64)
def _lstm_gate_scale(n, dtype):
    """-1 for the rows of gates i, f, o and -2 for g: then one ``_sigmoid_of_negated_``
    pass gives sigmoid(a) for i, f, o and sigmoid(2a) for g."""
    scale = np.full(4 * n, -1, dtype)
    scale[2 * n : 3 * n] = -2
    return scale


@functools.lru_cache(maxsize=64)
def _gru_gate_scale(n, dtype):
    """-1 for the rows of the sigmoid gates r and z; the candidate n stays as it is."""
    scale = np.full(3 * n, -1, dtype)
    scale[2 * n :] = 1
    return scale


def _sigmoid_slope_(d, s):
    """d *= s (1 - s), the sigmoid's derivative from its output s."""
    d *= s
    d *= 1 - s
    return d


def _tanh_slope_(d, t):
    """d *= 1 - t^2, tanh's derivative from its output t."""
    d *= 1 - t * t
    return d


class Kernel:
    """One step in NumPy.  ``rows`` maps buffer names to this step's rows.

    ``buffers`` names the per-step arrays a kernel keeps for its backward,
    with their widths in units of the hidden size; every kernel also gets
    ``out`` (where it writes the new h), ``h_prev`` and ``scratch`` (a
    (gates * hidden, rows) block for ``_hidden_product``).  ``forward_step``
    gets ``W_hh`` and ``b_hh``, each with its rows multiplied by
    ``gate_scale`` (as ``gx`` is), ``b_hh`` None when the caller has already
    added it to ``gx`` (all but the GRU, whose reset gate multiplies
    ``W_hn h + b_hn``), and returns the new states; ``backward_step``
    receives the gradients of the new states, writes the pre-activation
    gradients into ``dgx`` (with respect to the input projection) and
    ``dgh`` (with respect to ``h @ W_hh.T + b_hh``; the same array except in
    the GRU) and returns the previous states' gradients without the
    ``dgh @ W_hh`` term, which the caller adds.
    """

    gates = 1
    n_states = 1
    buffers = {}
    separate_dgh = False
    flushes = False  # True: backward_step flushes tiny gradients itself (see recurrent._flush_)

    def gate_scale(self, hidden, dtype):
        """Factors for the gate rows of ``W_ih``, ``W_hh`` and the biases, or None.

        Scaling the weights once lets each step skip an elementwise pass: a
        sigmoid gate is fed -x, ready for ``_sigmoid_of_negated_``.
        """
        return None


class RNNKernel(Kernel):
    def __init__(self, nonlinearity):
        self.nonlinearity = nonlinearity

    def forward_step(self, gx, states, w_hh, b_hh, rows):
        h = np.add(_hidden_product(w_hh, states[0], rows["scratch"]), gx, out=rows["out"])
        if b_hh is not None:
            h += b_hh
        if self.nonlinearity == "tanh":
            np.tanh(h, out=h)
        else:
            np.maximum(h, 0, out=h)
        return (h,)

    def backward_step(self, dstates, rows, dgx, dgh):
        h = rows["out"]
        if self.nonlinearity == "tanh":
            np.multiply(dstates[0], 1 - h * h, out=dgx)
        else:
            np.multiply(dstates[0], h > 0, out=dgx)
        return (None,)


class LSTMKernel(Kernel):
    gates = 4
    n_states = 2
    buffers = {"act": 4, "c_prev": 1, "tanh_c": 1}

    def gate_scale(self, hidden, dtype):
        return _lstm_gate_scale(hidden, dtype)

    def forward_step(self, gx, states, w_hh, b_hh, rows):
        h, c = states
        n = h.shape[1]
        act = np.add(_hidden_product(w_hh, h, rows["scratch"]), gx, out=rows["act"])
        if b_hh is not None:
            act += b_hh
        _sigmoid_of_negated_(act)  # i, f, o; g holds sigmoid(2a), and tanh(a) = 2 sigmoid(2a) - 1
        i, f, g, o = act[:, :n], act[:, n : 2 * n], act[:, 2 * n : 3 * n], act[:, 3 * n :]
        g *= 2
        g -= 1
        rows["c_prev"][...] = c
        c_new = f * c
        c_new += i * g
        tanh_c = np.tanh(c_new, out=rows["tanh_c"])
        return np.multiply(o, tanh_c, out=rows["out"]), c_new

    def backward_step(self, dstates, rows, dgx, dgh):
        dh, dc = dstates
        act, tanh_c = rows["act"], rows["tanh_c"]
        n = dh.shape[1]
        i, f, g, o = act[:, :n], act[:, n : 2 * n], act[:, 2 * n : 3 * n], act[:, 3 * n :]
        dc = dc + _tanh_slope_(dh * o, tanh_c)
        np.multiply(dc, g, out=dgx[:, :n])
        np.multiply(dc, rows["c_prev"], out=dgx[:, n : 2 * n])
        np.multiply(dc, i, out=dgx[:, 2 * n : 3 * n])
        np.multiply(dh, tanh_c, out=dgx[:, 3 * n :])
        slope = act * (1 - act)  # sigmoid' = s (1 - s) for i, f, o ...
        np.subtract(1, g * g, out=slope[:, 2 * n : 3 * n])  # ... and tanh' = 1 - g^2
        dgx *= slope
        return None, dc * f


class GRUKernel(Kernel):
    gates = 3
    buffers = {"rz": 2, "n": 1, "gh": 3}
    separate_dgh = True

    def gate_scale(self, hidden, dtype):
        return _gru_gate_scale(hidden, dtype)

    def forward_step(self, gx, states, w_hh, b_hh, rows):
        (h,) = states
        k = h.shape[1]
        gh = rows["gh"]
        gh[...] = _hidden_product(w_hh, h, rows["scratch"])
        if b_hh is not None:
            gh += b_hh
        rz = np.add(gx[:, : 2 * k], gh[:, : 2 * k], out=rows["rz"])
        _sigmoid_of_negated_(rz)
        r, z = rz[:, :k], rz[:, k:]
        n = np.multiply(r, gh[:, 2 * k :], out=rows["n"])
        n += gx[:, 2 * k :]
        np.tanh(n, out=n)
        h_new = np.subtract(h, n, out=rows["out"])
        h_new *= z
        h_new += n
        return (h_new,)

    def backward_step(self, dstates, rows, dgx, dgh):
        (dh,) = dstates
        rz, n, h_prev = rows["rz"], rows["n"], rows["h_prev"]
        k = dh.shape[1]
        r, z = rz[:, :k], rz[:, k:]
        dn = _tanh_slope_(dh * (1 - z), n)
        np.multiply(dn, rows["gh"][:, 2 * k :], out=dgx[:, :k])  # the n rows of W_hh are not scaled
        np.multiply(dh, h_prev - n, out=dgx[:, k : 2 * k])
        _sigmoid_slope_(dgx[:, : 2 * k], rz)
        dgx[:, 2 * k :] = dn
        dgh[:, : 2 * k] = dgx[:, : 2 * k]
        np.multiply(dn, r, out=dgh[:, 2 * k :])
        return (dh * z,)


KERNELS = {
    "RNN_TANH": RNNKernel("tanh"),
    "RNN_RELU": RNNKernel("relu"),
    "LSTM": LSTMKernel(),
    "GRU": GRUKernel(),
}
