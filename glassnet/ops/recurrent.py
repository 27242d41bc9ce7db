"""A recurrent layer over a whole sequence as one graph node.

``Recurrence`` runs one layer in one direction over every time step: the
input projection of all steps is one matrix product, then the loop over
time is plain NumPy (``glassnet/kernels/recurrent.py``), so the graph holds one
node per layer and direction instead of a dozen per time step.  Its
first-order backward walks time in reverse, keeping the per-step gradients
of the pre-activations in one buffer, so that after the loop the gradients
of the input, ``W_ih``, ``W_hh`` and the biases are one product (or sum) each.

Sequences are in the *packed* layout of ``nn.utils.rnn.PackedSequence``:
rows of all time steps stacked, ``batch_sizes[t]`` rows at step t, longest
sequences first.  At step t only the first ``batch_sizes[t]`` states move;
the others keep their value, so a sequence's final state is the one at its
own last step (or, running in reverse, it starts from h0 at its own last
step).  A padded batch of equal lengths is the special case where every
batch size is the batch.

With ``create_graph=True`` the backward is ``Recomputed``: the same
computation rebuilt from the composed cells, differentiable again.
"""

import functools

import numpy as np

from ..autograd import Function, enable_grad, first_order, grad
from ..kernels.recurrent import KERNELS
from ._util import constant as _const
from .linalg import linear
from .recurrent_cells import CELLS
from .shape import cat


def time_steps(batch_sizes, reverse):
    """(row offset, batch size) per step, in the order the recurrence visits them."""
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    steps = [(int(o), int(b)) for o, b in zip(offsets, batch_sizes)]
    return steps[::-1] if reverse else steps


class Recurrence(Function):
    """One layer in one direction over a whole sequence.

    Inputs: ``x`` (rows x features), the initial states (h0, and c0 for the
    LSTM), ``w_ih``, ``w_hh`` and optionally ``b_ih``, ``b_hh``.  Outputs:
    every step's h (rows x hidden), then the final states.  The input
    projection ``x @ w_ih.T + b_ih`` of all steps is one product before the loop.
    """

    def forward(self, x, *rest):
        kernel = self.kernel = _kernel(self.mode, x.dtype)
        n_states = kernel.n_states
        states = [s.copy() for s in rest[:n_states]]
        w_ih, w_hh, b_ih, b_hh = _weights(rest[n_states:])
        rows_total, hidden = x.shape[0], w_hh.shape[1]
        scale = kernel.gate_scale(hidden, x.dtype)
        if scale is not None:
            w_ih, w_hh = w_ih * scale[:, None], w_hh * scale[:, None]
            b_ih, b_hh = (None, None) if b_ih is None else (b_ih * scale, b_hh * scale)
        xw = x @ w_ih.T
        if b_ih is not None:
            xw += b_ih
        if b_hh is not None and not kernel.separate_dgh:
            xw += b_hh  # once here rather than at every step
            b_hh = None
        names = dict(kernel.buffers, out=1, h_prev=1)
        self.buffers = {k: np.empty((rows_total, w * hidden), x.dtype) for k, w in names.items()}
        scratch = np.empty((kernel.gates * hidden, int(self.batch_sizes.max(initial=0))), x.dtype)
        with np.errstate(over="ignore"):  # exp(-x) = inf is how a sigmoid reaches 0
            for off, size in time_steps(self.batch_sizes, self.reverse):
                step = slice(off, off + size)
                rows = {k: b[step] for k, b in self.buffers.items()}
                rows["scratch"] = scratch[:, :size]
                current = [s[:size] for s in states]
                rows["h_prev"][...] = current[0]
                new = kernel.forward_step(xw[step], current, w_hh, b_hh, rows)
                for s, v in zip(current, new):
                    if v is not s:
                        s[...] = v
        return (self.buffers["out"],) + tuple(states)

    def backward(self, g_out, *g_states):
        if not first_order():
            fn = composed_recurrence(self.mode, self.batch_sizes, self.reverse)
            return Recomputed.backward_of(fn, self.inputs, self.needs_input_grad, (g_out,) + g_states)
        kernel = self.kernel
        w_hh = self.inputs[kernel.n_states + 2].array
        dstates = [g.array.copy() for g in g_states]
        rows_total = self.inputs[0].shape[0]
        dgx = np.empty((rows_total, w_hh.shape[0]), g_out.dtype)
        dgh = np.empty_like(dgx) if kernel.separate_dgh else dgx
        g_out = g_out.array
        tiny = _flush_offset(dgx.dtype)
        for off, size in time_steps(self.batch_sizes, not self.reverse):
            step = slice(off, off + size)
            rows = {k: b[step] for k, b in self.buffers.items()}
            current = [d[:size] for d in dstates]
            current[0] += g_out[step]
            direct = kernel.backward_step(current, rows, dgx[step], dgh[step])
            for d, v in zip(current[1:], direct[1:]):
                if v is not d:
                    d[...] = v
            if not kernel.flushes:
                _flush_(dgx[step], tiny)
                if dgh is not dgx:
                    _flush_(dgh[step], tiny)
            dh = np.matmul(dgh[step], w_hh, out=current[0])
            if direct[0] is not None:
                dh += direct[0]
            if not kernel.flushes:
                for d in current:
                    _flush_(d, tiny)
        return self._collect(dgx, dgh, dstates)

    def _collect(self, dgx, dgh, dstates):
        """Gradients for the inputs that need one, each a single product or sum over all steps."""
        need = self.needs_input_grad
        n = len(dstates)
        x, w_ih = self.inputs[0].array, self.inputs[n + 1].array
        grads = [dgx @ w_ih if need[0] else None] + [d if k else None for d, k in zip(dstates, need[1:])]
        grads += [weight_grad(dgx, x) if need[n + 1] else None,
                  weight_grad(dgh, self.buffers["h_prev"]) if need[n + 2] else None]
        if len(need) > n + 3:
            grads += [dgx.sum(axis=0) if need[n + 3] else None, dgh.sum(axis=0) if need[n + 4] else None]
        return tuple(None if g is None else _const(g) for g in grads)


def _kernel(mode, dtype):
    """The compiled kernel for float32 where numba is installed, else the NumPy one."""
    fused = _fused() if dtype == np.float32 else {}
    return fused.get(mode) or KERNELS[mode]


@functools.cache
def _fused():
    """The compiled kernels by mode; imported on first use, since importing numba takes 0.3 s."""
    from ..kernels.recurrent_numba import FUSED

    return FUSED


def _flush_offset(dtype):
    """The c for which ``x + c - c`` rounds x to a multiple of ``smallest_normal / eps``.

    That grid step (1e-31 in float32) is small enough to be invisible in any
    gradient and large enough that its products with numbers above eps are
    still normal.  Within c's binade the spacing of numbers is that step; the
    1.5 keeps ``c + x`` in the binade for every x that gets rounded.
    """
    info = np.finfo(dtype)
    return dtype.type(1.5 * info.smallest_normal / info.eps**2)


def _flush_(a, c):
    """Flush numbers too tiny to matter to zero, in place (see ``_flush_offset``).

    A gradient carried back through hundreds of steps shrinks geometrically
    until products with it are subnormal, and a CPU computes on subnormals
    10-100x slower: after 200 LSTM steps 40 % of the input-projection
    gradients were below 1e-30, and the products with them took 7x longer
    (PyTorch's own LSTM step ran 3-9x faster with ``set_flush_denormal``).
    In float32, numbers below 5e-32 become 0, others below about 1e-16 move
    by at most 5e-32 or one unit in their last place, and larger ones stay.
    """
    a += c
    a -= c


def _weights(params):
    """(w_ih, w_hh, b_ih, b_hh) from the trailing inputs, the biases None when absent."""
    return tuple(params) if len(params) == 4 else (params[0], params[1], None, None)


def weight_grad(d, a, rows=384):
    """``d.T @ a`` summed over blocks of rows.

    With thousands of rows and small outputs one OpenBLAS call can run far
    below peak: blocks of a few hundred rows measured 3x faster on a 2-core
    AMD EPYC (as PERF.md reports for such products), about even on a Xeon.
    """
    if d.shape[0] <= 2 * rows:
        return d.T @ a
    out = d[:rows].T @ a[:rows]
    for start in range(rows, d.shape[0], rows):
        out += d[start : start + rows].T @ a[start : start + rows]
    return out


def composed_recurrence(mode, batch_sizes, reverse):
    """``Recurrence`` written with glassnet ops, step by step (slow, differentiable to any order)."""
    kernel, cell = KERNELS[mode], CELLS[mode]

    def run(x, *rest):
        states = list(rest[: kernel.n_states])
        w_ih, w_hh, b_ih, b_hh = _weights(rest[kernel.n_states :])
        xw = linear(x, w_ih, b_ih)
        outs = {}
        for off, size in time_steps(batch_sizes, reverse):
            current = [s[:size] for s in states]
            new = cell(xw[off : off + size], current, w_hh, b_hh)
            states = [n if size == s.shape[0] else cat([n, s[size:]]) for n, s in zip(new, states)]
            outs[off] = new[0]
        return (cat([outs[k] for k in sorted(outs)]),) + tuple(states)

    return run


def recurrence(mode, x, states, w_ih, w_hh, b_ih, b_hh, batch_sizes, reverse=False):
    """Run one recurrent layer in one direction: returns (outputs, *final states)."""
    inputs = (x, *states, w_ih, w_hh) + (() if b_ih is None else (b_ih, b_hh))
    return Recurrence.apply(*inputs, mode=mode, batch_sizes=np.asarray(batch_sizes), reverse=reverse)


# --------------------------------------------------------------- recompute
class Recomputed(Function):
    """The outputs of ``fn``, a function of Tensors built from glassnet ops.

    Its values come from running ``fn``; its backward is ``Recomputed``
    again, of the vector-Jacobian product of ``fn``, so it can be
    differentiated to any order.  Fused nodes return it from their backward
    under ``create_graph=True``: their NumPy backward is first-order only,
    while ``fn`` says the same thing in differentiable ops.
    """

    def forward(self, *arrays):
        leaves = [_const(a).requires_grad_(a.dtype.kind == "f") for a in arrays]
        with enable_grad():
            outs = self.fn(*leaves)
        return tuple(o.array for o in outs)

    def backward(self, *grads):
        return Recomputed.backward_of(self.fn, self.inputs, self.needs_input_grad, grads)

    @staticmethod
    def backward_of(fn, inputs, need, grads):
        """The gradients of ``fn``'s inputs for output gradients ``grads``, as a node."""
        vjp = _VJP(fn, len(inputs), need)
        got = iter(Recomputed.apply(*inputs, *grads, fn=vjp))
        return tuple(next(got) if n else None for n in need)


class _VJP:
    """``(x..., v...) -> v^T d fn(x) / dx`` for the inputs ``need`` marks."""

    def __init__(self, fn, n_inputs, need):
        self.fn, self.n_inputs, self.need = fn, n_inputs, need

    def __call__(self, *args):
        xs, vs = args[: self.n_inputs], args[self.n_inputs :]
        outs = self.fn(*xs)
        live = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        wanted = [x for x, n in zip(xs, self.need) if n]
        got = [None] * len(wanted)
        if live:
            got = grad([o for o, _ in live], wanted, [v for _, v in live], create_graph=True,
                       allow_unused=True)
        return tuple(_const(np.zeros_like(x.array)) if g is None else g for g, x in zip(got, wanted))
