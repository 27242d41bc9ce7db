"""The models ``glassnet train --model NAME`` can build, each from a small JSON-able config.

A builder takes the input shape and the number of classes and returns a
model that outputs class scores (logits). Its config is saved next to the
weights, so ``glassnet evaluate`` can build the same model again. A new
architecture (a CNN, say) is one more function decorated with ``@register``.
"""

import math

from .. import nn

MODELS = {}


def register(name, description, epochs):
    """Add a builder under ``name``; ``epochs`` is what ``glassnet train`` runs unless told otherwise."""
    def add(builder):
        MODELS[name] = (builder, description)
        DEFAULT_EPOCHS[name] = epochs
        return builder
    return add


DEFAULT_EPOCHS = {}


@register("mlp", "multilayer perceptron: Flatten, then Linear-ReLU-Dropout blocks, then Linear", epochs=15)
def mlp(input_shape, num_classes, hidden=(256, 128), dropout=0.2):
    layers, width = [nn.Flatten()], math.prod(input_shape)
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


@register("linear", "softmax regression: Flatten, then one Linear layer", epochs=15)
def linear(input_shape, num_classes):
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), num_classes))


@register("cnn", "convnet: Conv-ReLU-MaxPool stages ('same' padding), then Linear-ReLU-Dropout, "
                 "then Linear", epochs=5)
def cnn(input_shape, num_classes, channels=(16, 32), kernel_size=3, hidden=128, dropout=0.25):
    """LeNet's plan with ReLU and max pooling: each stage halves the image and widens the channels."""
    if len(input_shape) == 2:  # (H, W) images get their single channel
        layers, shape = [nn.Unflatten(1, (1, input_shape[0]))], (1, *input_shape)
    else:
        layers, shape = [], tuple(input_shape)
    depth, (height, width) = shape[0], shape[1:]
    for width_out in channels:
        layers += [nn.Conv2d(depth, width_out, kernel_size, padding=kernel_size // 2), nn.ReLU(),
                   nn.MaxPool2d(2)]
        depth, height, width = width_out, height // 2, width // 2
    if height < 1 or width < 1:
        raise ValueError(f"cnn: {len(channels)} pooling stages need images of at least "
                         f"{2 ** len(channels)} pixels a side, got {tuple(input_shape)}")
    layers += [nn.Flatten(), nn.Linear(depth * height * width, hidden), nn.ReLU(), nn.Dropout(dropout),
               nn.Linear(hidden, num_classes)]
    return nn.Sequential(*layers)


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
    for key in ("hidden", "channels"):
        if isinstance(args.get(key), list):
            args[key] = tuple(args[key])
    return MODELS[name][0](**args)
