"""``Flatten`` and ``Unflatten``: the bridges between image-shaped and vector-shaped layers."""

import math

from ..ops import shape
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one; by default keep the batch dim."""

    flops_per_output_element = 0

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return shape.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``, e.g. (N, 784) or (N, 28, 28) -> (N, 1, 28, 28)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        self.dim = dim
        self.unflattened_size = tuple(int(n) for n in unflattened_size)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        dims = list(input.shape)
        dim = self.dim % len(dims) if -len(dims) <= self.dim < len(dims) else None
        if dim is None or math.prod(self.unflattened_size) != dims[dim]:
            raise RuntimeError(
                f"Unflatten: cannot split dim {self.dim} of an input of shape {tuple(dims)} into "
                f"{self.unflattened_size}; the sizes must multiply to that dim's size"
            )
        return shape.reshape(input, (*dims[:dim], *self.unflattened_size, *dims[dim + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
