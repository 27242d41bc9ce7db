"""Activation layers: thin Module wrappers around the functions in ``ops``.

``inplace=True`` is accepted so that PyTorch code runs unchanged; glassnet
always returns a new tensor (the graph needs the input anyway).
"""

from ..backend import get_default_dtype
from ..creation import full
from ..ops import activation as A
from ..ops.elementwise import prelu
from .module import Module, Parameter


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class ReLU(Module):
    """max(x, 0)."""

    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return A.relu(input)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise: negative inputs keep a small gradient."""

    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return A.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^-x): squashes to (0, 1), e.g. a probability for binary classification."""

    flops_per_output_element = 1  # a convention: exp costs more than max

    def forward(self, input):  # noqa: A002
        return A.sigmoid(input)


class Tanh(Module):
    flops_per_output_element = 1  # a convention: exp costs more than max

    def forward(self, input):  # noqa: A002
        return A.tanh(input)


class GELU(Module):
    """x * Phi(x), the activation of BERT and GPT; ``approximate='tanh'`` for the fast form."""

    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return A.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x) (swish)."""

    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return A.silu(input)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class ELU(Module):
    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return A.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    flops_per_output_element = 1  # a convention: exp costs more than max

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):  # noqa: A002
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Probabilities along ``dim`` (default the last dim, like Keras).

    For training a classifier, feed raw scores to ``CrossEntropyLoss``
    instead: it fuses log-softmax with the loss and is more accurate.
    """

    flops_per_output_element = 3  # exp, sum, divide (or log)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return A.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Log-probabilities along ``dim``; pair it with ``NLLLoss``."""

    flops_per_output_element = 3  # exp, sum, divide (or log)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return A.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """x for x > 0, a * x otherwise, with the slope ``a`` learnt: one for all channels, or one per channel."""

    flops_per_output_element = 2

    def __init__(self, num_parameters=1, init=0.25, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(full((num_parameters,), init, dtype=dtype or get_default_dtype()))

    def forward(self, input):  # noqa: A002
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
