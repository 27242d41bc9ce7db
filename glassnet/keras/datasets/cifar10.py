"""``cifar10.load_data()``: uint8 images (50000, 32, 32, 3) and labels of shape (50000, 1), as Keras."""

from ...data.datasets import cifar10 as _cifar10


def load_data():
    return _cifar10.load_data()
