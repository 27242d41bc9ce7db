"""Layer conversions, recurrent: ``nn.RNN``/``LSTM``/``GRU`` and Keras's ``SimpleRNN``/``LSTM``/``GRU``.

glassnet runs a recurrent layer as one node over *packed rows*, every
time step's batch stacked as (steps * batch, features), with those sizes
written into the reshapes around it.  ONNX's ``RNN``, ``LSTM`` and ``GRU``
take the time-major sequence (steps, batch, features) directly, so a
layer is converted whole, one ONNX node per layer of a stack, and the
batch stays free.

ONNX orders the gate blocks of its weights differently from glassnet,
which keeps PyTorch's layout (and Keras's layers keep it too):

* LSTM: glassnet (input, forget, cell, output) = i, f, g, o; ONNX i, o, f, c.
* GRU: glassnet (reset, update, new) = r, z, n; ONNX z, r, h.  PyTorch's GRU
  applies the reset gate *after* the recurrent product,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, which is ONNX's
  ``linear_before_reset=1``.
* The Elman RNN has one block; ``nonlinearity='relu'`` is ``activations=["Relu"]``.

ONNX's shapes: W (directions, gates * hidden, inputs), R (directions,
gates * hidden, hidden), B (directions, 2 * gates * hidden): the input
biases then the recurrent ones; outputs Y (steps, directions, batch,
hidden) and the final Y_h (and Y_c) (directions, batch, hidden).
"""

import numpy as np

from .. import nn
from ..keras.layers.recurrent import _RNN as KerasRecurrent
from ..nn.utils.rnn import PackedSequence
from .graph import INT64_MIN
from .registry import UnsupportedError, converts_layer
from .trace import describe, tensors_in

# For each ONNX gate block, the glassnet block it is.
ONNX_GATE_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2)}
ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def onnx_gates(array, mode):
    """Weight rows (or bias entries) from glassnet's gate order to ONNX's."""
    order = ONNX_GATE_ORDER.get(mode)
    if order is None:
        return array
    blocks = np.split(array, len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def recurrent_node(ctx, module, name, mode, sequence, weights, hidden, initial=()):
    """One ONNX RNN/LSTM/GRU node over the time-major ``sequence``; returns its outputs' names.

    ``weights`` has one (w_ih, w_hh, b_ih, b_hh) of arrays per direction, the
    biases None without bias; ``initial`` the names of h0 (and c0), "" for zeros.
    """
    g = ctx.graph
    w = np.stack([onnx_gates(w_ih, mode) for w_ih, _, _, _ in weights])
    r = np.stack([onnx_gates(w_hh, mode) for _, w_hh, _, _ in weights])
    operands = [sequence, ctx.constant(w, module, f"W{name}"), ctx.constant(r, module, f"R{name}")]
    if weights[0][2] is not None:
        biases = [np.concatenate([onnx_gates(b_ih, mode), onnx_gates(b_hh, mode)])
                  for _, _, b_ih, b_hh in weights]
        operands.append(ctx.constant(np.stack(biases), module, f"B{name}"))
    else:
        operands.append("")
    operands += ["", *initial]  # "" for sequence_lens: every sequence is the full length
    while operands[-1] == "":
        operands.pop()
    direction = "bidirectional" if len(weights) == 2 else "forward"
    attributes = {"hidden_size": int(hidden), "direction": direction}
    if mode == "GRU":
        attributes["linear_before_reset"] = 1
    if mode == "RNN_RELU":
        attributes["activations"] = ["Relu"] * len(weights)
    return g.add(ONNX_OP[mode], operands, outputs=3 if mode == "LSTM" else 2, **attributes)


def _arrays(tensors):
    return tuple(None if t is None else t.array for t in tensors)


def _zeros(ctx, tensor):
    """Whether a state is a constant zero: ONNX's default, which also leaves the batch free."""
    return id(tensor) not in ctx.names and tensor.grad_fn is None and not np.any(tensor.array)


@converts_layer(nn.RNNBase)
def torch_recurrent(ctx, module, args, kwargs, output):
    x = args[0] if args else kwargs["input"]
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    if isinstance(x, PackedSequence):
        raise UnsupportedError(f"glassnet.onnx.export: no ONNX conversion for {describe(module)} with a "
                               "PackedSequence input; export it on a padded batch")
    g, mode = ctx.graph, module.mode
    directions = 2 if module.bidirectional else 1
    unbatched = x.ndim == 2
    sequence = ctx.value(x)
    if unbatched:
        sequence = g.unsqueeze(sequence, [1])
    elif module.batch_first:
        sequence = g.add("Transpose", [sequence], perm=[1, 0, 2])
    states = [None] * (2 if mode == "LSTM" else 1) if hx is None else list(hx if mode == "LSTM" else [hx])
    states = [None if s is None or _zeros(ctx, s) else ctx.value(s) for s in states]
    if unbatched:
        states = [s and g.unsqueeze(s, [1]) for s in states]
    finals = [[] for _ in states]
    for layer in range(module.num_layers):
        weights = [_arrays(module._weights(layer, suffix)) for suffix in ("", "_reverse")[:directions]]
        initial = [_layer_rows(g, s, layer, directions) for s in states]
        y, *ends = recurrent_node(ctx, module, f"_l{layer}", mode, sequence, weights, module.hidden_size,
                                  initial)
        if directions == 1:
            sequence = g.squeeze(y, [1])
        else:  # (steps, 2, batch, hidden) -> (steps, batch, 2 * hidden): the directions side by side
            sequence = g.add("Reshape", [g.add("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, -1])])
        for kept, end in zip(finals, ends):
            kept.append(end)
    finals = [f[0] if len(f) == 1 else g.add("Concat", f, axis=0) for f in finals]
    if unbatched:
        sequence, finals = g.squeeze(sequence, [1]), [g.squeeze(f, [1]) for f in finals]
    elif module.batch_first:
        sequence = g.add("Transpose", [sequence], perm=[1, 0, 2])
    for tensor, name in zip(tensors_in(output), [sequence, *finals]):
        ctx.bind(tensor, name)


def _layer_rows(g, states, layer, directions):
    """This layer's rows of given initial states (layers * directions, batch, hidden); "" for zeros."""
    if states is None:
        return ""
    rows = g.ints([layer * directions]), g.ints([(layer + 1) * directions]), g.ints([0])
    return g.add("Slice", [states, *rows])


@converts_layer(KerasRecurrent)
def keras_recurrent(ctx, module, args, kwargs, output):
    """Keras's layers take (batch, steps, features); ``go_backwards`` reads the steps from the end
    and returns them in that order, as glassnet's layer does by reversing the input."""
    g = ctx.graph
    x = args[0] if args else kwargs["inputs"]
    sequence = g.add("Transpose", [ctx.value(x)], perm=[1, 0, 2])
    if module.go_backwards:
        reverse = g.ints([-1]), g.ints([INT64_MIN]), g.ints([0]), g.ints([-1])
        sequence = g.add("Slice", [sequence, *reverse])
    weights = [_arrays((module.weight_ih, module.weight_hh, *module._biases()))]
    y, *ends = recurrent_node(ctx, module, "", module.kernel_mode, sequence, weights, module.units)
    finals = [g.squeeze(end, [0]) for end in ends]
    if module.return_sequences:
        out = g.add("Transpose", [g.squeeze(y, [1])], perm=[1, 0, 2])
    else:
        out = finals[0]
    names = [out, *finals] if module.return_state else [out]
    for tensor, name in zip(tensors_in(output), names):
        ctx.bind(tensor, name)
