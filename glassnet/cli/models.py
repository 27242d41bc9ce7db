"""The models ``glassnet train --model NAME`` can build, each from a small JSON-able config.

A builder takes the input shape and the number of classes and returns a
model that outputs class scores (logits). Its config is saved next to the
weights, so ``glassnet evaluate`` can build the same model again. A new
architecture (a CNN, say) is one more function decorated with ``@register``.
"""

import math

from .. import nn

MODELS = {}


def register(name, description):
    def add(builder):
        MODELS[name] = (builder, description)
        return builder
    return add


@register("mlp", "multilayer perceptron: Flatten, then Linear-ReLU-Dropout blocks, then Linear")
def mlp(input_shape, num_classes, hidden=(256, 128), dropout=0.2):
    layers, width = [nn.Flatten()], math.prod(input_shape)
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


@register("linear", "softmax regression: Flatten, then one Linear layer")
def linear(input_shape, num_classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), num_classes))


def default_config(name, input_shape, num_classes):
    """The config ``glassnet train`` saves: the builder's arguments, defaults filled in."""
    import inspect

    builder = MODELS[name][0]
    config = {"input_shape": list(input_shape), "num_classes": int(num_classes)}
    for param in inspect.signature(builder).parameters.values():
        if param.name not in config and param.default is not inspect.Parameter.empty:
            value = param.default
            config[param.name] = list(value) if isinstance(value, tuple) else value
    return config


def build(name, config):
    """A fresh model from a registry name and its config (as saved in metrics.json)."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(sorted(MODELS))}")
    args = dict(config)
    args["input_shape"] = tuple(args["input_shape"])
    if "hidden" in args:
        args["hidden"] = tuple(args["hidden"])
    return MODELS[name][0](**args)
