"""Keras's models: ``Sequential`` (a glassnet ``nn.Sequential`` of Keras layers) and ``Model``
(the functional API, or subclassed with a ``call``).

Both are trained by glassnet's own trainer (``compile``/``fit``/``evaluate``/
``predict`` of ``nn.Module``); ``KerasModel`` only translates Keras's
arguments (optimizer objects, loss functions, metric names,
``batch_size=None``) and adds what a Keras model has: layer names, Keras's
weight order, and the weight penalties of ``kernel_regularizer`` in every
training step.
"""

import numpy as np

from ..autograd import no_grad
from ..nn.containers import Sequential as _Sequential
from ..nn.module import Module
from ..tensor import Tensor
from ..training import batches
from . import losses as keras_losses
from . import metrics as keras_metrics
from . import optimizers as keras_optimizers
from . import saving
from .functional import KerasTensor, layers_of, replay, trace
from .layers.base import Layer, unique_name
from .layers.core import Input, InputLayer


class KerasModel:
    """What every Keras model adds to its glassnet module: Keras's weights, arguments and penalties.

    The class using it provides ``layers`` and ``input_shape``.
    """

    # ------------------------------------------------------------ weights
    @property
    def trainable(self):
        return all(getattr(m, "trainable", True) for m in self.layers)

    @trainable.setter
    def trainable(self, value):
        for layer in self.layers:
            if isinstance(layer, (Layer, KerasModel)):
                layer.trainable = value
            else:
                for p in layer.parameters():
                    p.requires_grad = bool(value)

    @property
    def weights(self):
        return [w for layer in self.layers for w in getattr(layer, "weights", list(layer.parameters()))]

    @property
    def trainable_weights(self):
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.requires_grad]

    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        weights = list(weights)
        for layer in self.layers:
            n = len(layer.get_weights())
            layer.set_weights(weights[:n])
            weights = weights[n:]
        if weights:
            raise ValueError(f"{self.name}.set_weights: {len(weights)} arrays more than the model has")

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    # ----------------------------------------------------------- training
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **kwargs):
        if loss_weights is not None or kwargs:
            unsupported = sorted(kwargs) or ["loss_weights"]
            raise NotImplementedError(f"{self.name}.compile: {unsupported} not supported")
        super().compile(keras_optimizers.resolve(optimizer), keras_losses.resolve(loss),
                        keras_metrics.resolve(metrics))
        self.__dict__["_keras_compile"] = {"optimizer": optimizer, "loss": loss, "metrics": metrics}

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, class_weight=None, sample_weight=None, **kwargs):
        _load_ahead(self.name, "fit", kwargs, x, validation_data)
        _refuse(self.name, "fit", kwargs)
        return super().fit(x, y, 32 if batch_size is None else batch_size, epochs, verbose, callbacks,
                           validation_split, validation_data, shuffle, initial_epoch, steps_per_epoch,
                           validation_steps, class_weight, sample_weight)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", return_dict=False, steps=None,
                 sample_weight=None, **kwargs):
        _load_ahead(self.name, "evaluate", kwargs, x)
        _refuse(self.name, "evaluate", kwargs)
        return super().evaluate(x, y, 32 if batch_size is None else batch_size, verbose, return_dict, steps,
                                sample_weight)

    def predict(self, x, batch_size=None, verbose=0, steps=None, **kwargs):
        _load_ahead(self.name, "predict", kwargs, x)
        _refuse(self.name, "predict", kwargs)
        return super().predict(x, 32 if batch_size is None else batch_size, verbose, steps)

    # Keras 2's names for the same, as the first edition of the book writes them.
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, initial_epoch=0, **kwargs):
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, initial_epoch=initial_epoch, **kwargs)

    def evaluate_generator(self, generator, steps=None, **kwargs):
        return self.evaluate(generator, steps=steps, **kwargs)

    def predict_generator(self, generator, steps=None, **kwargs):
        return self.predict(generator, steps=steps, **kwargs)

    def train_step(self, batch):
        """glassnet's step, with the layers' weight penalties added to the loss (Keras's regularizers)."""
        if not any(getattr(m, "regularizers", None) for m in self.modules()):
            return super().train_step(batch)
        x, y, weight = batches.unpack(batch, "fit")
        trainer = self.trainer
        trainer.optimizer.zero_grad()
        loss, predictions = trainer.compute_loss(self, x, y, weight)
        loss = loss + self.regularization_loss()  # Keras logs the loss with the penalties in it
        loss.backward()
        trainer.optimizer.step()
        return trainer.update_metrics(loss, predictions, y)

    def regularization_loss(self):
        total = 0.0
        for module in self.modules():
            if isinstance(module, Layer):
                total = total + module.regularization_loss()
        return total

    def summary(self, line_length=None, print_fn=print, **kwargs):
        shape = self.input_shape
        return super().summary(input_shape=None if shape is None else shape[1:], print_fn=print_fn, **kwargs)

    def extra_repr(self):
        return f"name={self.name!r}"

    # ------------------------------------------------------------- saving
    def save(self, filepath, overwrite=True, **kwargs):
        """The whole model in Keras's format: ``'m.keras'`` (Keras 3) or ``'m.h5'`` (Keras 2)."""
        saving.save_model(self, filepath, overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        saving.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False):
        saving.load_weights(self, filepath, by_name, skip_mismatch)

    def to_json(self, **kwargs):
        return saving.model_to_json(self, **kwargs)

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(f"{self.name}.get_layer: no layer named {name!r}; layers: "
                         f"{[getattr(layer, 'name', '?') for layer in self.layers]}")




class Sequential(KerasModel, _Sequential):
    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__()
        self.name = name or unique_name("sequential")
        self.built = False
        for layer in layers or []:
            self.add(layer)
        if not trainable:
            self.trainable = False

    # ------------------------------------------------------------- layers
    def add(self, layer):
        if isinstance(layer, KerasTensor):  # Sequential([keras.Input(shape), ...])
            layer = layer.layer
        if not isinstance(layer, Module):
            raise TypeError(f"{self.name}.add: expected a layer, got {type(layer).__name__}")
        name = getattr(layer, "name", None) or unique_name(type(layer).__name__.lower())
        if name in self._modules:
            raise ValueError(f"{self.name}.add: a layer named {name!r} is already in the model; layer names "
                             "must be unique")
        self.add_module(name, layer)
        self.built = False
        if self.input_shape is not None:
            self.build()

    def pop(self):
        if not self._modules:
            raise TypeError(f"{self.name}.pop: there are no layers in the model")
        name = next(reversed(self._modules))
        return self._modules.pop(name)

    @property
    def layers(self):
        """The layers, as Keras lists them (the InputLayer is not one)."""
        return [m for m in self._modules.values() if not isinstance(m, InputLayer)]

    @property
    def input_shape(self):
        """``(None, ...)`` when the first layer was given an input shape, else None."""
        first = next(iter(self._modules.values()), None)
        if isinstance(first, KerasModel):  # a model used as the first layer (``model.add(conv_base)``)
            return first.input_shape
        shape = getattr(first, "input_spec_shape", None)
        return None if shape is None else (None,) + tuple(shape)

    def build(self, input_shape=None):
        """Create every layer's weights by running a batch of zeros of ``input_shape`` through the model."""
        shape = tuple(input_shape) if input_shape is not None else self.input_shape
        if shape is None:
            raise ValueError(f"{self.name}.build: the input shape is unknown; pass input_shape=(None, ...) "
                             "or give the first layer an input_shape")
        modules = list(self._modules.values())
        if modules and all(isinstance(m, Layer) for m in modules):
            # Keras layers are called on symbolic tensors, which builds them and gives each an
            # ``output`` (for Model(model.input, [layer.output ...]), chapter 5.4's idiom).
            first = modules[0]
            x = first.output if isinstance(first, InputLayer) else Input(shape[1:])
            self.__dict__["input"] = x
            for layer in self.layers:
                x = layer(x)
            self.__dict__["output"] = x
        else:
            dummy = Tensor(np.zeros((1,) + tuple(d or 1 for d in shape[1:]), dtype=np.float32))
            was = self.training
            self.eval()
            with no_grad():
                self(dummy)
            self.train(was)
        self.built = True

class Model(KerasModel, Layer):
    """Keras's ``Model``: built from the functional API, ``Model(inputs, outputs)``, or subclassed
    with layers as attributes and a ``call(inputs)``."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        functional = inputs is not None
        super().__init__(name=name or (unique_name("model") if functional else None), **kwargs)
        self._graph = None
        if not functional:
            return
        if outputs is None:
            raise ValueError(f"{self.name}: Model(inputs, outputs) needs outputs too")
        ins = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        for x in ins + outs:
            if not isinstance(x, KerasTensor):
                raise TypeError(f"{self.name}: inputs and outputs must be keras.Input(...) and what layers "
                                f"made from it, got {type(x).__name__}")
        tensors = trace(ins, outs)
        for layer in [x.layer for x in ins] + layers_of(tensors):
            if self._modules.get(layer.name, layer) is not layer:
                raise ValueError(f"{self.name}: two different layers are named {layer.name!r}")
            self.add_module(layer.name, layer)
        several = (isinstance(inputs, (list, tuple)), isinstance(outputs, (list, tuple)))
        self._graph = (ins, outs, tensors, *several)
        self.built = True

    def call(self, inputs):
        if self._graph is None:
            raise NotImplementedError(f"{type(self).__name__} must implement call(inputs), or be built "
                                      "with Model(inputs, outputs)")
        ins, outs, tensors, many_in, many_out = self._graph
        values = list(inputs) if many_in else [inputs]
        if len(values) != len(ins):
            raise ValueError(f"{self.name} expects {len(ins)} inputs, got {len(values)}")
        env = replay(tensors, ins, values)
        results = [env[id(o)] for o in outs]
        return results if many_out else results[0]

    @property
    def layers(self):
        return [m for m in self._modules.values() if isinstance(m, Module)]

    @property
    def input_shape(self):
        if self._graph is None or len(self._graph[0]) != 1:
            return None
        return self._graph[0][0].shape

    @property
    def inputs(self):
        return None if self._graph is None else self._graph[0]

    @property
    def outputs(self):
        return None if self._graph is None else self._graph[1]

    @property
    def input(self):
        ins = self.inputs
        return ins if ins is None or len(ins) > 1 else ins[0]

    @property
    def output(self):
        outs = self.outputs
        return outs if outs is None or len(outs) > 1 else outs[0]


load_model, model_from_json = saving.load_model, saving.model_from_json


def _load_ahead(name, caller, kwargs, *sources):
    """Keras 2's ``workers``, ``max_queue_size``, ``use_multiprocessing``, handed to the image iterators.

    An iterator that makes batches ahead (``ImageDataGenerator.flow*``) takes
    them; arrays ignore them, as in Keras; other generators cannot honour them.
    """
    given = {k: kwargs.pop(k) for k in ("workers", "max_queue_size", "use_multiprocessing") if k in kwargs}
    given = {k: v for k, v in given.items() if v is not None}
    if not given:
        return
    parallel = given.get("workers", 1) > 1 or given.get("use_multiprocessing")
    for source in sources:
        if hasattr(source, "prefetch"):
            source.prefetch(**given)
        elif hasattr(source, "__next__") and parallel:
            raise NotImplementedError(f"{name}.{caller}: {sorted(given)} apply to the iterators of "
                                      "ImageDataGenerator; a plain generator runs in the training thread")


def _refuse(name, caller, kwargs):
    """Keras arguments glassnet.keras does not have yet: a clear error, never silently ignored."""
    given = {k: v for k, v in kwargs.items() if v is not None}
    if given:
        raise NotImplementedError(f"{name}.{caller}: {sorted(given)} not supported by glassnet.keras yet")
