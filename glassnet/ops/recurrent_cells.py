"""The arithmetic of one time step of the Elman RNN, the LSTM and the GRU.

Each cell is the textbook definition written with glassnet ops.  It is the
reference (tests compare the fast path with it) and, through
``recurrent.Recomputed``, the backward used when a graph of the gradient is
wanted (``create_graph=True``).  The same steps in plain NumPy, forward and
backward on preallocated rows, are the kernels of
``glassnet/kernels/recurrent.py``, which ``recurrent.Recurrence`` runs over a
whole sequence as one graph node.

The input projection ``gx = x @ W_ih.T + b_ih`` is not part of a step: it is
done for all time steps at once, as one matrix product, before the loop.
Gate layouts are PyTorch's (LSTM: i, f, g, o; GRU: r, z, n), so weights move
between the two libraries unchanged.
"""

from .activation import relu, sigmoid, tanh
from .linalg import linear
from .shape import chunk


# ------------------------------------------------------- composed references
def rnn_tanh_cell(gx, states, w_hh, b_hh):
    (h,) = states
    return (tanh(gx + linear(h, w_hh, b_hh)),)


def rnn_relu_cell(gx, states, w_hh, b_hh):
    (h,) = states
    return (relu(gx + linear(h, w_hh, b_hh)),)


def lstm_cell(gx, states, w_hh, b_hh):
    h, c = states
    i, f, g, o = chunk(gx + linear(h, w_hh, b_hh), 4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def gru_cell(gx, states, w_hh, b_hh):
    (h,) = states
    x_r, x_z, x_n = chunk(gx, 3, 1)
    h_r, h_z, h_n = chunk(linear(h, w_hh, b_hh), 3, 1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)  # the reset gate scales W_hn h + b_hn, as in PyTorch
    return ((1 - z) * n + z * h,)


# mode -> its composed cell, as ops.recurrent names the layers
CELLS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}
