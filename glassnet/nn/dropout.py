"""``Dropout`` and ``Dropout2d``: silence random units (or channels) in training, nothing in eval."""

from ..ops.dropout import dropout, dropout2d
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    In ``eval()`` mode it is the identity, so remember ``model.eval()`` before
    measuring accuracy.  ``glassnet.manual_seed`` makes the masks reproducible.
    """

    flops_per_output_element = 0  # the identity at inference

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p is a probability and must be in [0, 1], got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels with probability ``p`` while training; the identity in ``eval()``."""

    def forward(self, input):  # noqa: A002
        return dropout2d(input, self.p, self.training)
