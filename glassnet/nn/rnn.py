"""Recurrent layers over whole sequences: ``RNN``, ``LSTM`` and ``GRU``.

Each layer and direction is one ``ops.recurrent.Recurrence`` node: one
matrix product projects every time step's input at once, then a NumPy loop
runs the cell over time.  Stacked layers feed each other the
concatenated outputs of both directions, with dropout in between when
training.  Names, shapes, gate layouts, initialisation and return values are
PyTorch's: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}``, with ``_reverse`` for the backward direction.

Variable-length batches: pass a ``PackedSequence`` (see ``nn.utils.rnn``);
the padding then takes no part in the computation.
"""

import math
import warnings

import numpy as np

from .. import backend
from ..ops.dropout import dropout
from ..ops.recurrent import recurrence
from ..ops.shape import cat, getitem, reshape, squeeze, stack, transpose, unsqueeze
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    flops_exact = False  # summary(): the gates' element-wise work is left out

    def flops(self, in_shape, out_shape):
        if in_shape is None or len(in_shape) != 3:
            return None
        # Every weight is used once per time step of every sequence.
        return 2 * sum(p.numel() for p in self.parameters()) * in_shape[0] * in_shape[1]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError(f"{type(self).__name__}: proj_size is not supported by glassnet")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{type(self).__name__}: dropout must be a probability in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=2,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = 0
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        rows = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}", Parameter(np.empty((rows, width), dtype)))
                setattr(self, f"weight_hh_l{layer}{suffix}", Parameter(np.empty((rows, hidden_size), dtype)))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", Parameter(np.empty(rows, dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", Parameter(np.empty(rows, dtype)))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def flatten_parameters(self):
        """Kept for PyTorch code that calls it; glassnet's weights need no flattening."""

    def _weights(self, layer, suffix):
        """(w_ih, w_hh, b_ih, b_hh) of one layer and direction; the biases None without bias."""
        p = self._parameters
        return (p[f"weight_ih_l{layer}{suffix}"], p[f"weight_hh_l{layer}{suffix}"],
                p.get(f"bias_ih_l{layer}{suffix}"), p.get(f"bias_hh_l{layer}{suffix}"))

    def _describe(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        n_states = 2 if self.mode == "LSTM" else 1
        if n_states == 2 and hx is not None:
            hx = tuple(hx)
        elif hx is not None:
            hx = (hx,)
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes = input.data, np.asarray(input.batch_sizes.array, np.int64)
            batch, unbatched = int(batch_sizes[0]), False
            self._check_input(x, 2)
        else:
            x, batch_sizes, batch, unbatched = self._time_major(input)
        states = self._initial_states(hx, n_states, batch, unbatched, x.array.dtype)
        if packed and input.sorted_indices is not None and hx is not None:
            states = [getitem(s, (slice(None), input.sorted_indices.array)) for s in states]
        output, finals = self._run(x, states, batch_sizes)
        finals = [stack(f, 0) for f in finals]
        if packed:
            if input.unsorted_indices is not None:
                finals = [getitem(f, (slice(None), input.unsorted_indices.array)) for f in finals]
            output = PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        else:
            output = reshape(output, (len(batch_sizes), batch, output.shape[-1]))
            if unbatched:
                output = squeeze(output, 1)
                finals = [squeeze(f, 1) for f in finals]
            elif self.batch_first:
                output = transpose(output, 0, 1)
        return output, (tuple(finals) if n_states == 2 else finals[0])

    def _run(self, x, states, batch_sizes):
        """All layers and directions on packed rows ``x``: (output rows, per-state lists of finals)."""
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                k = layer * directions + d
                start = [s if s.ndim == 2 else getitem(s, k) for s in states]
                out, *ends = recurrence(self.mode, x, start, *self._weights(layer, suffix), batch_sizes,
                                        reverse=d == 1)
                outs.append(out)
                for f, e in zip(finals, ends):
                    f.append(e)
            x = outs[0] if directions == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        return x, finals

    def _check_input(self, x, ndim):
        if x.ndim != ndim or x.shape[-1] != self.input_size:
            what = "(rows, input_size)" if ndim == 2 else "(seq_len, batch, input_size)"
            raise RuntimeError(
                f"{self._describe()}: expected input of shape {what} with input_size={self.input_size}, "
                f"got {tuple(x.shape)}"
            )
        if x.array.dtype != self.weight_ih_l0.array.dtype:
            raise TypeError(
                f"{self._describe()}: input has dtype {x.dtype} but the weights are "
                f"{self.weight_ih_l0.dtype}; convert one of them (.float() / .double())"
            )

    def _time_major(self, input):
        """Time-major rows (seq_len * batch, features) of a padded input, with its batch sizes."""
        if input.ndim not in (2, 3):
            raise RuntimeError(
                f"{self._describe()}: expected a 3-D input (seq_len, batch, {self.input_size})"
                f"{' with batch_first=True: (batch, seq_len, ...)' if self.batch_first else ''}, "
                f"a 2-D unbatched one or a PackedSequence; got shape {tuple(input.shape)}"
            )
        unbatched = input.ndim == 2
        if unbatched:
            x = unsqueeze(input, 1)
        else:
            x = transpose(input, 0, 1) if self.batch_first else input
        self._check_input(x, 3)
        n_steps, batch = x.shape[0], x.shape[1]
        rows = reshape(x, (n_steps * batch, x.shape[2]))  # copies once if batch_first
        return rows, np.full(n_steps, batch, np.int64), batch, unbatched

    def _initial_states(self, hx, n_states, batch, unbatched, dtype):
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            zeros = Tensor._make(np.zeros((batch, self.hidden_size), dtype), None, 0)
            return [zeros] * n_states
        if len(hx) != n_states:
            raise RuntimeError(f"{self._describe()}: expected hx = (h_0, c_0), got {len(hx)} tensors")
        expected = (layers, self.hidden_size) if unbatched else (layers, batch, self.hidden_size)
        states = []
        for name, s in zip(("h_0", "c_0"), hx):
            if tuple(s.shape) != expected:
                raise RuntimeError(
                    f"{self._describe()}: expected {name} of shape {expected} "
                    f"(num_layers * num_directions, {'' if unbatched else 'batch, '}hidden_size), "
                    f"got {tuple(s.shape)}"
                )
            states.append(unsqueeze(s, 1) if unbatched else s)
        return states

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    Returns (output, h_n): every step's top-layer h, and each layer's last h.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), PyTorch's formulation.

    Returns (output, (h_n, c_n)).  ``hx`` is ``(h_0, c_0)``, each of shape
    (num_layers * num_directions, batch, hidden_size); zeros if omitted.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), PyTorch's formulation.  Returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype=dtype)
