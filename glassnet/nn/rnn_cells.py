"""Single-step cells: ``RNNCell``, ``LSTMCell``, ``GRUCell``, for loops you write yourself.

A cell call is one graph node, a single step of ``ops.recurrent.Recurrence``,
whose forward and backward are fused NumPy.  Parameter names, shapes, gate layout and initialisation are
PyTorch's, so ``load_state_dict`` works across the two libraries.
"""

import math

import numpy as np

from .. import backend
from ..ops.recurrent import recurrence
from ..ops.shape import squeeze, unsqueeze
from . import init
from .module import Module, Parameter


class RNNCellBase(Module):
    mode = None
    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(np.empty((rows, input_size), dtype))
        self.weight_hh = Parameter(np.empty((rows, hidden_size), dtype))
        if bias:
            self.bias_ih = Parameter(np.empty(rows, dtype))
            self.bias_hh = Parameter(np.empty(rows, dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _describe(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _step(self, input, states):  # noqa: A002 - PyTorch's name
        """Check shapes, run one step; returns (new states, unbatched?)."""
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{self._describe()}: expected input of shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {tuple(input.shape)}"
            )
        if input.array.dtype != self.weight_ih.array.dtype:
            raise TypeError(
                f"{self._describe()}: input has dtype {input.dtype} but the weights are "
                f"{self.weight_ih.dtype}; convert one of them (.float() / .double())"
            )
        unbatched = input.ndim == 1
        if unbatched:
            input = unsqueeze(input, 0)
        batch = input.shape[0]
        full = []
        for s in states:
            if s is None:
                s = _zeros((batch, self.hidden_size), input.array.dtype)
            elif unbatched:
                s = unsqueeze(s, 0)
            if tuple(s.shape) != (batch, self.hidden_size):
                raise RuntimeError(
                    f"{self._describe()}: expected a hidden state of shape {(batch, self.hidden_size)}, "
                    f"got {tuple(s.shape) if not unbatched else tuple(s.shape[1:])}"
                )
            full.append(s)
        new = recurrence(self.mode, input, full, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                         [batch])[1:]
        return [squeeze(s, 0) for s in new] if unbatched else list(new)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text


def _zeros(shape, dtype):
    from ..tensor import Tensor

    return Tensor._make(np.zeros(shape, dtype), None, 0)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        return self._step(input, [hx])[0]


class LSTMCell(RNNCellBase):
    """Gates i, f, g, o from x and h; c' = f c + i g; h' = o tanh(c').  Returns (h', c')."""

    mode = "LSTM"
    gates = 4

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        h, c = (None, None) if hx is None else hx
        return tuple(self._step(input, [h, c]))


class GRUCell(RNNCellBase):
    """r, z = sigmoid(...); n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = (1 - z) n + z h."""

    mode = "GRU"
    gates = 3

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's name
        return self._step(input, [hx])[0]
