"""``fashion_mnist.load_data()``: as MNIST's, with Zalando's clothing images."""

from ...data.datasets import fashion_mnist as _fashion_mnist


def load_data():
    return _fashion_mnist.load_data()
