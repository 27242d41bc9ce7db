"""``Layer``: what every Keras layer adds to a glassnet ``nn.Module``.

* a name, given or made from the class (``dense``, ``dense_1``, ...), as Keras
  numbers them;
* ``build(input_shape)`` on the first call, when the input's size is known
  (weights start as glassnet's uninitialized parameters, so an optimizer
  made before the first batch still holds them), then ``call(inputs)``;
* ``input_shape=`` / ``input_dim=`` on a first layer, so a model can be
  built (and summarised) before it sees data;
* ``trainable``, ``get_weights`` / ``set_weights`` in Keras's layouts, and
  the regularization penalties of its weights.
"""

import functools
import inspect
import re
from collections import defaultdict

import numpy as np

from ... import backend
from ...creation import tensor as to_tensor
from ...nn.lazy import UninitializedParameter, materialize
from ...nn.module import Module, Parameter
from .. import initializers, regularizers
from ..functional import call_symbolically, is_symbolic

_counts = defaultdict(int)


def _as_tensors(inputs):
    """NumPy arrays as tensors (floats as float32), as Keras layers take them: ``layer(np.zeros((2, 3)))``."""
    if isinstance(inputs, np.ndarray):
        return to_tensor(inputs)
    if isinstance(inputs, (list, tuple)) and any(isinstance(x, np.ndarray) for x in inputs):
        return type(inputs)(to_tensor(x) if isinstance(x, np.ndarray) else x for x in inputs)
    return inputs


def unique_name(base):
    """``base``, then ``base_1``, ``base_2``... per session, as Keras names layers."""
    n = _counts[base]
    _counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def reset_names():
    """Start the numbering again (``keras.backend.clear_session``)."""
    _counts.clear()


def snake_case(name):
    """Keras's names from class names: ``SimpleRNN`` -> ``simple_rnn``, ``Conv2D`` -> ``conv2d``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])", "_", name).lower()


class Layer(Module):
    """Base of the Keras layers; subclasses write ``build(input_shape)`` (optional) and ``call(x)``."""

    built = False
    takes_list = False  # merge layers take a list of tensors as their one input
    summary_as_one_row = True  # its activation module is part of it, as in Keras's summary

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, input_length=None, **unknown):
        super().__init__()
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(unknown)}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._dtype = dtype
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        elif input_dim is not None:
            input_shape = (input_dim,) if input_length is None else (input_length, input_dim)
        elif input_length is not None and input_shape is None:
            input_shape = (input_length,)
        self.input_spec_shape = None if input_shape is None else _shape_tuple(input_shape, self.name)
        self._trainable = bool(trainable)
        self.regularizers = []  # (parameter name or parameter, regularizer)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording_arguments(cls.__init__)

    def get_config(self):
        """Keras's config: the arguments the layer was made with (JSON-ready: ``keras.saving``)."""
        given = dict(self.__dict__.get("_init_args", {}))
        passed_up = given.pop("__passed_up__", ())
        for shape_argument in ("input_shape", "batch_input_shape", "input_length", "input_dim"):
            # A model's input shape is saved as its InputLayer (Embedding's input_dim is its vocabulary).
            if shape_argument != "input_dim" or shape_argument in passed_up:
                given.pop(shape_argument, None)
        dtype = self._dtype or backend.get_default_dtype()
        return {"name": self.name, "trainable": self.trainable, "dtype": np.dtype(dtype).name, **given}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ------------------------------------------------------------- building
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch first). Default: none."""

    def call(self, inputs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs)")

    def forward(self, inputs):
        if is_symbolic(inputs):  # the functional API: record the call, return KerasTensors
            return call_symbolically(self, inputs)
        inputs = _as_tensors(inputs)
        if not self.built:
            self._build_for(inputs)
        return self.call(inputs)

    def _build_for(self, inputs):
        shape = [tuple(x.shape) for x in inputs] if isinstance(inputs, (list, tuple)) else tuple(inputs.shape)
        self.build(shape)
        self.built = True
        if not self._trainable:
            self._set_requires_grad(False)

    def add_weight(self, name=None, shape=None, dtype=None, initializer="glorot_uniform", regularizer=None,
                   trainable=True, **kwargs):
        """Keras's ``add_weight``: a new weight of ``shape``, initialised now, returned (and tracked)."""
        if shape is None:
            raise ValueError(f"{self.name}.add_weight: a shape is needed")
        dtype = np.dtype(dtype or self._dtype or backend.get_default_dtype())
        weight = Parameter(np.zeros(tuple(shape), dtype), requires_grad=trainable)
        initializers.get(initializer or "zeros")(weight)
        if name is not None:  # without a name, the attribute it is assigned to tracks it (self.W = ...)
            self.register_parameter(name, weight)
        if regularizer is not None:
            self.regularizers.append((weight, regularizers.get(regularizer)))
        return weight

    def declare_weight(self, name, initializer, regularizer=None, trainable=True):
        """Register an uninitialized parameter ``name``; ``build`` gives it a shape with ``make_weights``."""
        self.register_parameter(name, UninitializedParameter(requires_grad=trainable, dtype=self._dtype))
        self.__dict__.setdefault("_initializers", {})[name] = initializer
        if regularizer is not None:
            self.regularizers.append((name, regularizer))

    def declare_kernel_and_bias(self, kernel, initializer, regularizer, use_bias, bias_initializer,
                                bias_regularizer):
        """The weights of most layers: a kernel named ``kernel``, and a ``bias`` (or None)."""
        self.declare_weight(kernel, initializers.get(initializer), regularizers.get(regularizer))
        if use_bias:
            self.declare_weight("bias", initializers.get(bias_initializer),
                                regularizers.get(bias_regularizer))
        else:
            self.register_parameter("bias", None)

    def make_weights(self, shapes, dtype=None):
        """Give the registered weights their ``shapes`` (name -> shape) and initial values."""
        materialize(self, shapes, self._dtype or dtype or backend.get_default_dtype())
        for name, initializer in self.__dict__.get("_initializers", {}).items():
            if name in shapes and self._parameters.get(name) is not None:
                initializer(self._parameters[name])

    # ------------------------------------------------------------ trainable
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        # As in Keras the optimizer follows at the next compile, which builds it on the trainable weights.
        self._trainable = bool(value)
        self._set_requires_grad(self._trainable)
        for child in self.modules():
            if isinstance(child, Layer) and child is not self:
                child._trainable = self._trainable

    def _set_requires_grad(self, value):
        for p in self.parameters():
            p.requires_grad = value

    @property
    def trainable_weights(self):
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self):
        return [p for p in self.parameters() if not p.requires_grad] + [
            b for b in self.buffers() if b is not None and b.array.dtype.kind == "f"]

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    # ------------------------------------------------ Keras's weight layouts
    def keras_weights(self):
        """``[(name, tensor, to_keras, from_keras)]`` in Keras's order; layers with other layouts override."""
        return [(name, t, None, None) for name, t in self._parameters.items() if t is not None]

    def get_weights(self):
        out = []
        for _, tensor, to_keras, _ in self.keras_weights():
            array = tensor.array.copy()
            out.append(to_keras(array) if to_keras else array)
        return out

    def set_weights(self, weights):
        entries = self.keras_weights()
        if len(weights) != len(entries):
            raise ValueError(f"{self.name}.set_weights: expected {len(entries)} arrays "
                             f"({[name for name, *_ in entries]}), got {len(weights)}")
        converted = []
        for (name, tensor, _, from_keras), value in zip(entries, weights):
            array = np.asarray(value)
            array = from_keras(array) if from_keras else array
            if array.shape != tensor.shape:
                raise ValueError(f"{self.name}.set_weights: {name} has shape {tuple(tensor.shape)} here, "
                                 f"the given array {np.shape(value)}")
            converted.append(array)
        for (_, tensor, _, _), array in zip(entries, converted):
            tensor.array[...] = array

    def count_params(self):
        if not self.built and any(p.numel() == 0 for p in self.parameters()):
            raise ValueError(f"{self.name}.count_params: the layer is not built yet; call it on data, or "
                             "give the first layer an input_shape")
        return sum(p.numel() for p in self.parameters())

    def regularization_loss(self):
        """The sum of this layer's weight penalties (0 without regularizers)."""
        total = 0.0
        for which, regularizer in self.regularizers:  # a parameter's name, or the parameter
            weight = self._parameters.get(which) if isinstance(which, str) else which
            if weight is not None and weight.numel():
                total = total + regularizer(weight)
        return total

    def extra_repr(self):
        return f"name={self.name!r}"


def _recording_arguments(init):
    """Wrap a layer's ``__init__`` so the outermost call keeps its arguments, for ``get_config``."""
    signature = inspect.signature(init)
    passed_up = next((p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD), None)

    @functools.wraps(init)
    def init_recording(self, *args, **kwargs):
        if "_init_args" not in self.__dict__:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = {k: v for k, v in bound.arguments.items() if k not in ("self", passed_up)}
            extra = bound.arguments.get(passed_up, {})
            arguments.update(extra, __passed_up__=tuple(extra))
            self.__dict__["_init_args"] = arguments
        init(self, *args, **kwargs)

    return init_recording


def _shape_tuple(shape, who):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(d is None or (isinstance(d, (int, np.integer)) and d > 0) for d in shape):
        raise ValueError(f"{who}: input_shape must hold positive ints (or None), got {shape}")
    return shape
