"""The convolutional-network lessons (MNIST convnet, LeNet on Fashion-MNIST) learn.

Both run on a training subset for one epoch and skip when GLASSNET_DATA lacks
the dataset; the thresholds are below what the reduced run reaches, far above
chance (10 %). docs/lessons.md lists each full run's result next to the
reduced setting used here.
"""

import pytest
from conftest import load_lesson as load
from conftest import needs


def test_mnist_convnet_learns_digits():
    needs("mnist")
    result = load("mnist_convnet").run(epochs=1, train_size=10000)
    assert result["parameters"] == 104202
    # 10,000 images and one epoch reach about 94 %; the full run (60,000, 5 epochs) about 99 %.
    assert result["test_accuracy"] > 0.90
    assert result["test_accuracy_per_epoch"][-1] == pytest.approx(result["test_accuracy"])


def test_lenet_fashion_mnist():
    needs("fashion-mnist")
    result = load("lenet_fashion").run(epochs=1, batch_size=64, train_size=10000)
    # 10,000 images, one epoch of batch 64 reach about 70 %; the full run 88.7 %.
    assert result["test_accuracy"] > 0.60
    assert len(result["epochs"]) == 1
    assert 0 < result["train_loss"] < 2.3  # below the loss of a uniform guess, log 10
