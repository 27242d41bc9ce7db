"""Keras's activations by name: ``activation='relu'`` becomes glassnet's ``nn.ReLU()``.

Each name maps to a glassnet activation module, so a Keras layer with an
activation is the glassnet layer followed by that module, and the loss can
still see a final softmax or sigmoid (and use the stable logit form).
"""

from .. import nn
from ..ops import activation as A

_MODULES = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "softmax": lambda: nn.Softmax(dim=-1),
    "elu": nn.ELU, "gelu": nn.GELU, "silu": nn.SiLU, "swish": nn.SiLU, "softplus": nn.Softplus,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),  # Keras 3's default negative slope
    "log_softmax": lambda: nn.LogSoftmax(dim=-1),
}


def get(identifier):
    """A module for an activation name, a module or a callable; None for None and 'linear'."""
    if identifier is None or identifier == "linear":
        return None
    if isinstance(identifier, nn.Module):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _MODULES:
            names = sorted(_MODULES) + ["linear"]
            raise ValueError(f"Unknown activation {identifier!r}; valid names: {names}")
        return _MODULES[key]()
    if callable(identifier):
        return _Function(identifier)
    raise TypeError(f"activation must be a name, a module or a callable, got {type(identifier).__name__}")


def serialize(module):
    """The Keras name of an activation module (for summaries and saved configs)."""
    if module is None:
        return "linear"
    for name, make in _MODULES.items():
        if type(make()) is type(module):
            return name
    return getattr(module, "name", type(module).__name__.lower())


class _Function(nn.Module):
    """A plain function of a tensor used as an activation (``activation=tf.nn.relu`` style)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.name = getattr(fn, "__name__", "function")

    def forward(self, x):
        return self.fn(x)


# The functions themselves, as ``keras.activations.relu(x)``.
relu, sigmoid, tanh, elu, gelu, silu, softplus = A.relu, A.sigmoid, A.tanh, A.elu, A.gelu, A.silu, A.softplus
swish = silu


def softmax(x, axis=-1):
    return A.softmax(x, axis)


def linear(x):
    return x
