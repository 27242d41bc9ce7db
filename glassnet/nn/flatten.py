"""``Flatten``: the bridge from image-shaped to vector-shaped layers."""

from ..ops import shape
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one; by default keep the batch dim."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002 - PyTorch's name
        return shape.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
