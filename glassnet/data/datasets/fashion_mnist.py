"""Keras-style entry point for Fashion-MNIST: ``fashion_mnist.load_data()``.

The parsing and checksums live in ``mnist.py``; the two datasets share a format.
"""

from .mnist import FashionMNIST, load_split

__all__ = ["FashionMNIST", "load_data"]


def load_data(root=None, download=True):
    """``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, like Keras."""
    return (load_split("fashion-mnist", True, root, download),
            load_split("fashion-mnist", False, root, download))
