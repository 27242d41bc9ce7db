"""Keras's Embedding and recurrent layers on glassnet's fused recurrence.

``LSTM(32)`` runs glassnet's one-node LSTM over the sequence (the op behind
``nn.LSTM``). Keras and PyTorch order the LSTM gates alike (input, forget,
cell, output); the GRU's differ (Keras: update, reset, candidate; PyTorch:
reset, update, new), so ``get_weights``/``set_weights`` reorder them. Keras
gives an LSTM or SimpleRNN one bias where PyTorch has two: glassnet keeps
Keras's one and adds nothing for the other. Masked steps and recurrent
dropout are in ``recurrent_run.py``.
"""

import numpy as np

from ...ops import embedding as E
from ...ops._util import constant
from ...ops.dropout import shaped_dropout
from ...ops.recurrent import recurrence
from ...ops.shape import cat, reshape
from .. import initializers, regularizers
from .base import Layer
from .masking import SupportsMasking, mask_of
from .recurrent_run import Packing, dropout_masks, dropped_recurrence, gate_inputs


class Embedding(SupportsMasking, Layer):
    """Word indices to vectors; with ``mask_zero`` index 0 is padding and its steps are masked."""

    flops_per_output_element = 0  # a table lookup

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 mask_zero=False, input_length=None, **kwargs):
        super().__init__(input_length=input_length, **kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero
        initializer = (initializers.RandomUniform() if embeddings_initializer == "uniform"
                       else initializers.get(embeddings_initializer))
        self.declare_weight("embeddings", initializer, regularizers.get(embeddings_regularizer))

    def build(self, input_shape):
        self.make_weights({"embeddings": (self.input_dim, self.output_dim)})

    def call(self, x):
        if x.dtype.kind == "f":  # Keras casts: a float array of word indices is common (and Input's default)
            x = x.long()
        return E.embedding(x, self.embeddings)

    def compute_mask(self, inputs, mask):
        return np.asarray(inputs.array != 0) if self.mask_zero else None


def _gate_blocks(array, order, gates):
    """Reorder the gate blocks along the first axis (glassnet's layout: gates x units rows)."""
    blocks = np.split(array, gates, axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


class _RNN(SupportsMasking, Layer):
    mode, gates = None, 1
    zero_output_for_mask = False  # masked steps repeat the last output (Bidirectional: zeros)
    keras_to_glassnet = None  # gate order: glassnet block i is Keras block order[i]

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self._check_supported(activation, recurrent_activation, stateful, reset_after)
        self.units, self.use_bias = units, use_bias
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards
        self.unit_forget_bias = unit_forget_bias
        self.declare_weight("weight_ih", initializers.get(kernel_initializer),
                            regularizers.get(kernel_regularizer))
        self.declare_weight("weight_hh", initializers.get(recurrent_initializer),
                        regularizers.get(recurrent_regularizer))
        for name in self._bias_names() if use_bias else ():
            self.declare_weight(name, initializers.get(bias_initializer), regularizers.get(bias_regularizer))

    def _check_supported(self, activation, recurrent_activation, stateful, reset_after):
        wanted = "tanh or relu" if self.mode == "RNN" else "tanh"
        if activation not in ("tanh", "relu") or (activation == "relu" and self.mode != "RNN"):
            raise NotImplementedError(f"{self.name}: activation={activation!r}; glassnet's kernels use "
                                      f"{wanted}")
        if self.mode != "RNN" and recurrent_activation != "sigmoid":
            raise NotImplementedError(f"{self.name}: recurrent_activation must be 'sigmoid'")
        if stateful or not reset_after:
            raise NotImplementedError(f"{self.name}: stateful and reset_after=False are not supported by "
                                      "glassnet.keras yet")
        self.kernel_mode = self.mode if self.mode != "RNN" else f"RNN_{activation.upper()}"

    def get_config(self):
        # One signature serves the three layers; Keras's own take only their part of it.
        config = super().get_config()
        for name in self.arguments_keras_lacks:
            config.pop(name, None)
        return config

    def _bias_names(self):
        return ("bias",)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name} expects inputs of shape (None, timesteps, features); got "
                             f"{input_shape}")
        rows = self.gates * self.units
        shapes = {"weight_ih": (rows, input_shape[-1]), "weight_hh": (rows, self.units)}
        shapes.update({name: (rows,) for name in self._bias_names()})
        self.make_weights(shapes)
        if self.mode == "LSTM" and self.use_bias and self.unit_forget_bias:
            self.bias.array[self.units: 2 * self.units] = 1  # Keras starts the forget gate open

    def _biases(self):
        if not self.use_bias:
            return None, None
        return self.bias, constant(np.zeros(self.bias.shape, self.bias.dtype))

    def call(self, x):
        if x.ndim != 3:
            raise ValueError(f"{self.name} expects inputs of shape (None, timesteps, features); got "
                             f"{tuple(x.shape)}")
        batch, steps, features = x.shape
        if features != self.weight_ih.shape[1]:
            raise ValueError(f"{self.name} was built for {self.weight_ih.shape[1]} features per step; got "
                             f"inputs of shape {tuple(x.shape)}")
        mask = mask_of(x)
        if self.go_backwards:  # Keras reads the sequence and its mask from the end, and returns them so
            x, mask = x[:, ::-1], None if mask is None else mask[:, ::-1]
        packing = Packing(mask, batch, steps)
        out, *finals = self._run(x, packing)
        finals = packing.unsort(finals)
        out = packing.sequences(out, self.zero_output_for_mask) if self.return_sequences else finals[0]
        return [out] + finals if self.return_state else out

    def _run(self, x, packing):
        """(every step's output in packed order, *final states in packed order)."""
        batch, _, features = x.shape
        states = [constant(np.zeros((batch, self.units), x.dtype))] * (2 if self.mode == "LSTM" else 1)
        b_ih, b_hh = self._biases()
        if self.training and self.recurrent_dropout:
            input_masks, state_masks = self._dropout_masks(batch, features, x.dtype)
            gx = gate_inputs(x, self.weight_ih, b_ih, input_masks)
            state_masks = [m[packing.order] for m in state_masks]
            return dropped_recurrence(self.kernel_mode, packing.rows(gx), packing.batch_sizes, states,
                                      self.weight_hh, b_hh, state_masks)
        if self.dropout and self.training:  # one mask per sequence, as Keras draws it
            x = shaped_dropout(x, self.dropout, (batch, 1, features))
        return recurrence(self.kernel_mode, packing.rows(x), states, self.weight_ih, self.weight_hh, b_ih,
                          b_hh, packing.batch_sizes)

    def _dropout_masks(self, batch, features, dtype):
        """With recurrent dropout Keras draws one mask per gate for the inputs (if ``dropout``), then
        one per gate for the state."""
        inputs = None
        if self.dropout:
            inputs = dropout_masks(self.dropout, self.gates, (batch, 1, features), dtype)
        return inputs, dropout_masks(self.recurrent_dropout, self.gates, (batch, self.units), dtype)

    def compute_mask(self, inputs, mask):
        return mask if self.return_sequences else None

    def keras_weights(self):
        order = self.keras_to_glassnet
        back = None if order is None else [order.index(i) for i in range(self.gates)]

        def to_keras(a):
            return (a if order is None else _gate_blocks(a, back, self.gates)).T

        def from_keras(a):
            a = a.T
            return a if order is None else _gate_blocks(a, order, self.gates)

        entries = [("kernel", self.weight_ih, to_keras, from_keras),
                   ("recurrent_kernel", self.weight_hh, to_keras, from_keras)]
        if self.use_bias:
            entries.append(("bias", *self._keras_bias(order, back)))
        return entries

    def _keras_bias(self, order, back):
        return self.bias, None, None

    def flops(self, in_shape, out_shape):
        steps = in_shape[0] * in_shape[1]
        return 2 * steps * self.gates * self.units * (in_shape[-1] + self.units)

    flops_exact = False  # the gates' element-wise work is left out

    def extra_repr(self):
        return f"name={self.name!r}, units={self.units}, return_sequences={self.return_sequences}"


class SimpleRNN(_RNN):
    mode, gates = "RNN", 1
    arguments_keras_lacks = ("recurrent_activation", "unit_forget_bias", "reset_after")


class LSTM(_RNN):
    mode, gates = "LSTM", 4
    arguments_keras_lacks = ("reset_after",)


class GRU(_RNN):
    """Keras's GRU with ``reset_after=True`` (its default), which is PyTorch's GRU."""

    mode, gates = "GRU", 3
    arguments_keras_lacks = ("unit_forget_bias",)
    keras_to_glassnet = (1, 0, 2)  # glassnet (reset, update, new) from Keras (update, reset, candidate)

    def _bias_names(self):
        return ("bias", "bias_hh")

    def _biases(self):
        return (self.bias, self.bias_hh) if self.use_bias else (None, None)

    def _keras_bias(self, order, back):
        # Keras's GRU bias is (2, 3 * units): the input bias, then the recurrent one.
        def to_keras(a):
            return np.stack([_gate_blocks(a, back, 3), _gate_blocks(self.bias_hh.array, back, 3)])

        def from_keras(a):
            self.bias_hh.array[...] = _gate_blocks(np.asarray(a)[1], order, 3)
            return _gate_blocks(np.asarray(a)[0], order, 3)

        return self.bias, to_keras, from_keras


class Bidirectional(SupportsMasking, Layer):
    """A recurrent layer and its twin reading the sequence backwards; their outputs merged.

    ``merge_mode`` 'concat' (Keras's default), 'sum', 'mul', 'ave', or None
    for the two outputs as a list. With ``return_sequences`` the backward
    outputs are put back in time order before merging, and masked steps
    give zeros, as in Keras. With ``return_state`` the result is
    ``[merged, forward states..., backward states...]``.
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, _RNN):
            raise TypeError(f"{self.name}: Bidirectional wraps a SimpleRNN, LSTM or GRU, got "
                            f"{type(layer).__name__}")
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"{self.name}: merge_mode must be 'concat', 'sum', 'mul', 'ave' or None, "
                             f"got {merge_mode!r}")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        if backward_layer is None:
            config = dict(layer.get_config(), go_backwards=not layer.go_backwards,
                          name=f"backward_{layer.name}")
            backward_layer = type(layer)(**config)
        self.backward_layer = backward_layer
        for one in (layer, backward_layer):  # Keras forces it: a merged step is zero where masked
            one.zero_output_for_mask = one.return_sequences

    @property
    def return_sequences(self):
        return self.forward_layer.return_sequences

    def call(self, x):
        ahead, behind = self.forward_layer(x), self.backward_layer(x)
        states = []
        if self.forward_layer.return_state:
            states = list(ahead[1:]) + list(behind[1:])
            ahead, behind = ahead[0], behind[0]
        if self.return_sequences:
            behind = behind[:, ::-1]  # back in time order
        merged = self._merge(ahead, behind)
        if not states:
            return merged
        return (merged if self.merge_mode is None else [merged]) + states

    def _merge(self, ahead, behind):
        if self.merge_mode == "concat":
            return cat([ahead, behind], -1)
        if self.merge_mode == "sum":
            return ahead + behind
        if self.merge_mode == "mul":
            return ahead * behind
        if self.merge_mode == "ave":
            return (ahead + behind) * 0.5
        return [ahead, behind]

    def compute_mask(self, inputs, mask):
        mask = mask if self.return_sequences else None
        return [mask, mask] if self.merge_mode is None else mask

    def keras_weights(self):
        return self.forward_layer.keras_weights() + self.backward_layer.keras_weights()


class TimeDistributed(SupportsMasking, Layer):
    """Applies ``layer`` to every time step: (batch, time, ...) -> (batch * time, ...) -> back."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, x):
        if x.ndim < 3:
            raise ValueError(f"{self.name} expects inputs of shape (None, timesteps, ...); "
                             f"got {tuple(x.shape)}")
        batch, steps = x.shape[0], x.shape[1]
        y = self.layer(reshape(x, (batch * steps,) + tuple(x.shape[2:])))
        return reshape(y, (batch, steps) + tuple(y.shape[1:]))

    def keras_weights(self):
        return self.layer.keras_weights()
