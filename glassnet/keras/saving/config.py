"""Models as Keras 3's JSON configs, and back: the architecture half of a saved model.

A config names each layer's class and the arguments it was made with
(``Layer.get_config``); loading makes the same layers again from those
arguments. Only classes glassnet.keras knows (or ``custom_objects`` names)
are made: a config never runs code, so a ``Lambda`` layer or an unknown
class is refused with its name.
"""

import inspect

import numpy as np

from ... import nn
from .. import activations, initializers, regularizers
from .. import layers as keras_layers
from ..layers.base import Layer
from ..layers.core import Input, InputLayer

# Arguments Keras writes that glassnet.keras has no use for, harmless at these values: any of
# ``_HARMLESS``, or the value glassnet.keras always behaves as (``_ALWAYS``).
_HARMLESS = (None, False, "auto", {}, [])
_ALWAYS = {"data_format": "channels_last", "zero_output_for_mask": True, "renorm_momentum": 0.99,
           "keepdims": False, "seed": ..., "implementation": ..., "use_cudnn": ..., "time_major": False}


def _layer_classes(custom_objects):
    from ..models import Model, Sequential

    known = {name: getattr(keras_layers, name) for name in keras_layers.__all__}
    known = {name: cls for name, cls in known.items() if isinstance(cls, type) and issubclass(cls, Layer)}
    known.update(Sequential=Sequential, Functional=Model, Model=Model)
    known.update(custom_objects or {})
    return known


# ------------------------------------------------------------------ values
def to_json(value, who):
    """A layer argument as JSON: names for activations, Keras's class entries for objects."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_json(v, who) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v, who) for k, v in value.items()}
    if isinstance(value, Layer):
        return layer_entry(value)
    if isinstance(value, initializers.Initializer):
        return _object_entry("keras.initializers", type(value).__name__, to_json(value.get_config(), who))
    if isinstance(value, regularizers.L1L2):
        return _object_entry("keras.regularizers", "L1L2", value.get_config())
    if isinstance(value, nn.Module):
        return activations.serialize(value)
    if callable(value) and getattr(activations, getattr(value, "__name__", ""), None) is value:
        return value.__name__
    raise TypeError(f"{who}: cannot save {value!r} in a config; only Keras's named activations, "
                    "initializers, regularizers and layers can be saved")


def _object_entry(module, class_name, config):
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def from_json(value, who, custom_objects=None):
    """The inverse of ``to_json``, for configs written by glassnet.keras or by Keras itself."""
    if isinstance(value, list):
        return [from_json(v, who, custom_objects) for v in value]
    if not (isinstance(value, dict) and "class_name" in value):
        return value
    class_name, config = value["class_name"], value.get("config") or {}
    module = value.get("module") or ""
    if class_name in ("DTypePolicy", "Policy"):
        return config.get("name", "float32")
    if module.startswith("keras.initializers") or class_name in vars(initializers):
        cls = getattr(initializers, class_name, None)
        if cls is None:
            raise ValueError(f"{who}: unknown initializer {class_name!r}")
        return call_with_config(cls, config, f"{who} ({class_name})")
    if module.startswith("keras.regularizers") or class_name in ("L1", "L2", "L1L2"):
        return regularizers.L1L2(l1=config.get("l1", 0.0), l2=config.get("l2", 0.0))
    return layer_from_entry(value, custom_objects)


def call_with_config(cls, config, who):
    """``cls(**config)``, leaving out the arguments Keras writes that ``cls`` does not take when harmless."""
    accepted = _parameters(cls)
    unknown = {k: v for k, v in config.items() if k not in accepted}
    refused = {k: v for k, v in unknown.items() if not _harmless(k, v)}
    if refused:
        raise ValueError(f"{who}: glassnet.keras does not support {refused}")
    return cls(**{k: v for k, v in config.items() if k in accepted})


def _harmless(key, value):
    if any(value is h or value == h for h in _HARMLESS):
        return True
    return key in _ALWAYS and (_ALWAYS[key] is ... or _ALWAYS[key] == value)


def _parameters(cls):
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= set(inspect.signature(init).parameters) - {"self", "args", "kwargs"}
    return names


# ------------------------------------------------------------------ layers
def layer_entry(layer):
    """Keras's entry for one layer (a nested model included)."""
    from ..models import KerasModel

    if isinstance(layer, KerasModel):
        from .models_config import model_entry

        return model_entry(layer)
    if not isinstance(layer, Layer):
        raise TypeError(f"keras saving: {type(layer).__name__} is not a Keras layer; glassnet.keras can save "
                        "models made of keras.layers only (use glassnet.save(model.state_dict()) otherwise)")
    if isinstance(layer, InputLayer):
        return input_layer_entry(layer.name, layer.input_spec_shape, layer._dtype)
    entry = _object_entry("keras.layers", type(layer).__name__, to_json(layer.get_config(), layer.name))
    shape = _input_shape(layer)
    if shape is not None:
        entry["build_config"] = {"input_shape": shape}
    return entry


def input_layer_entry(name, shape, dtype=None):
    config = {"batch_shape": [None, *shape], "dtype": np.dtype(dtype or "float32").name, "sparse": False,
              "ragged": False, "name": name}
    return _object_entry("keras.layers", "InputLayer", config)


def _input_shape(layer):
    given = layer.__dict__.get("input")
    if given is None:
        return None
    if isinstance(given, (list, tuple)):
        return [list(t.shape) for t in given]
    return list(given.shape)


def layer_from_entry(entry, custom_objects=None):
    """A new layer (or model) from Keras's entry; unknown classes are refused, never imported."""
    class_name = entry.get("class_name")
    classes = _layer_classes(custom_objects)
    config = dict(entry.get("config") or {})
    who = f"load_model: layer {config.get('name', '?')!r} ({class_name})"
    if class_name not in classes:
        hint = (" (a Lambda layer holds Python code, which a saved model never runs here; rebuild it in "
                "code and use load_weights)" if class_name == "Lambda" else "")
        raise ValueError(f"{who}: unknown layer class{hint}; known: {sorted(classes)} "
                         "(pass custom_objects={name: class} for your own)")
    if class_name in ("Sequential", "Functional", "Model") and "layers" in config:
        from .models_config import model_from_entry

        return model_from_entry(entry, custom_objects)
    if class_name == "InputLayer":
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        return Input(shape=tuple(shape[1:]), name=config.get("name"), dtype=config.get("dtype")).layer
    config = {k: from_json(v, who, custom_objects) for k, v in config.items()}
    config.pop("build_config", None)
    layer = call_with_config(classes[class_name], config, who)
    return layer
