"""``mnist.load_data()``: uint8 images (60000, 28, 28) and (10000, 28, 28), uint8 labels."""

from ...data.datasets import mnist as _mnist


def load_data(path="mnist.npz"):
    return _mnist.load_data()
