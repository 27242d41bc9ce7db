"""How a Keras recurrent layer runs a batch: masked steps, and recurrent dropout.

**Masks.** Keras skips a masked step: the state is carried over unchanged
and the step's output repeats the previous output (zeros before the first
real step), or is zero with ``zero_output_for_mask`` (which Bidirectional
sets when it returns sequences). So each sequence is just its unmasked
steps, run as a shorter sequence. ``Packing`` moves those steps to the
front and sorts the sequences longest first: glassnet's packed layout
(``nn.utils.rnn.PackedSequence``), which the fused recurrence runs at full
speed. Afterwards ``sequences`` spreads the outputs back over the padded
time axis, and ``unsort`` puts the final states back in batch order.

**Recurrent dropout.** Keras multiplies the previous state by a dropout
mask drawn once per sequence, a different one for each gate, before the
recurrent product; the input dropout then has one mask per gate too
(Keras's ``implementation=1``). A mask on the state inside the loop is
not something the fused kernel does, so training with it runs
``dropped_recurrence``: the same step written with glassnet ops, slower
but differentiable as usual.
"""

import numpy as np

from ...ops._util import constant
from ...ops.activation import relu, sigmoid, tanh
from ...ops.dropout import shaped_dropout
from ...ops.linalg import linear
from ...ops.recurrent import time_steps
from ...ops.shape import cat, chunk, reshape, transpose


class Packing:
    """A (batch, steps) mask as glassnet's packed layout, and the way back."""

    def __init__(self, mask, batch, steps):
        self.batch, self.steps, self.mask = batch, steps, mask
        if mask is None:
            self.order = np.arange(batch)
            self.batch_sizes = np.full(steps, batch, np.int64)
            return
        lengths = mask.sum(axis=1)
        self.order = np.argsort(-lengths, kind="stable")  # longest first
        self.rank = np.argsort(self.order)  # where each sequence sits in that order
        by_length = lengths[self.order]
        self.batch_sizes = (by_length[None, :] > np.arange(by_length.max(initial=0))[:, None]).sum(axis=1)
        # Packed row k is sequence order[j]'s t-th unmasked step, for (t, j) in time-major order.
        t, j = np.nonzero(by_length[None, :] > np.arange(len(self.batch_sizes))[:, None])
        unmasked_first = np.argsort(~mask, axis=1, kind="stable")
        self.gather = self.order[j] * steps + unmasked_first[self.order[j], t]

    def rows(self, x):
        """(batch, steps, features) -> the packed rows (unmasked steps, features)."""
        if self.mask is None:
            return reshape(transpose(x, 0, 1), (self.steps * self.batch, x.shape[-1]))
        return reshape(x, (self.batch * self.steps, x.shape[-1]))[self.gather]

    def sequences(self, out, zero_output_for_mask=False):
        """The packed outputs back on the padded time axis (batch, steps, units)."""
        units = out.shape[-1]
        if self.mask is None:
            return transpose(reshape(out, (self.steps, self.batch, units)), 0, 1)
        starts = np.concatenate([[0], np.cumsum(self.batch_sizes)])  # of each step's packed rows
        last_real = np.cumsum(self.mask, axis=1) - 1  # the latest unmasked step, -1 before the first
        index = starts[np.maximum(last_real, 0)] + self.rank[:, None]
        empty = last_real < 0  # nothing read yet: zeros
        if zero_output_for_mask:
            empty |= ~self.mask
        index[empty] = out.shape[0]  # a row of zeros appended below
        padded = cat([out, constant(np.zeros((1, units), out.dtype))])
        return reshape(padded[index.ravel()], (self.batch, self.steps, units))

    def unsort(self, states):
        """Final states in batch order (the packed run leaves them longest first)."""
        return states if self.mask is None else [s[self.rank] for s in states]


# ------------------------------------------------------------ recurrent dropout
def dropout_masks(rate, count, shape, dtype):
    """``count`` dropout masks of ``shape``, scaled by 1 / (1 - rate) (ones when rate is 0)."""
    ones = constant(np.ones(shape, dtype))
    return [shaped_dropout(ones, rate, shape) for _ in range(count)]


def gate_inputs(x, w_ih, b_ih, masks):
    """``x @ W_ih.T + b_ih`` for all steps, gate g's block from ``x * masks[g]``."""
    if masks is None:
        return linear(x, w_ih, b_ih)
    weights = chunk(w_ih, len(masks), 0)
    biases = [None] * len(masks) if b_ih is None else chunk(b_ih, len(masks), 0)
    return cat([linear(x * m, w, b) for m, w, b in zip(masks, weights, biases)], -1)


def dropped_recurrence(mode, gx, batch_sizes, states, w_hh, b_hh, masks):
    """Run packed input projections ``gx`` over time, gate g seeing the state times ``masks[g]``.

    ``masks`` are in packed (longest first) order; ``states`` the initial
    ones. Returns (every step's output, *final states), as ``recurrence``.
    """
    outs = []
    for off, size in time_steps(batch_sizes, False):
        current = [s[:size] for s in states]
        new = _step(mode, gx[off:off + size], current, w_hh, b_hh, [m[:size] for m in masks])
        states = [n if size == s.shape[0] else cat([n, s[size:]]) for n, s in zip(new, states)]
        outs.append(new[0])
    out = cat(outs) if outs else constant(np.zeros((0, w_hh.shape[1]), gx.dtype))
    return [out] + states


def _step(mode, gx, states, w_hh, b_hh, masks):
    """One step of glassnet's cells (PyTorch's gate order) with a dropped state per gate."""
    h = states[0]
    gates = len(masks)
    biases = [None] * gates if b_hh is None else chunk(b_hh, gates, 0)
    gh = [linear(h * m, w, b) for m, w, b in zip(masks, chunk(w_hh, gates, 0), biases)]
    gx = chunk(gx, gates, 1)
    if mode == "RNN_TANH":
        return (tanh(gx[0] + gh[0]),)
    if mode == "RNN_RELU":
        return (relu(gx[0] + gh[0]),)
    if mode == "LSTM":
        i, f, g, o = (a + b for a, b in zip(gx, gh))
        c = sigmoid(f) * states[1] + sigmoid(i) * tanh(g)
        return sigmoid(o) * tanh(c), c
    r, z = sigmoid(gx[0] + gh[0]), sigmoid(gx[1] + gh[1])  # GRU, the reset gate after the product
    n = tanh(gx[2] + r * gh[2])
    return ((1 - z) * n + z * h,)  # the carried state itself is not dropped, as in Keras
