"""Lesson: the first convnet of *Deep Learning with Python* (chapter 8) - MNIST digits again.

The dense network of ``mnist_dense`` flattens each image to 784 numbers and
so throws away which pixel sits next to which.  A convolutional network keeps
the image as a grid (N, 1, 28, 28) and slides small learned filters over it.
A 3x3 convolution with C_in input and C_out output channels computes, at
every position (i, j),

    y[c, i, j] = b[c] + sum_{c', u, v} w[c, c', u, v] * x[c', i + u, j + v]     (u, v in 0..2)

so the same 9 * C_in weights per output channel are reused everywhere: a
stroke detector works in any corner of the image (translation equivariance),
and a layer costs 9 * C_in * C_out weights however large the image is.
Without padding each 3x3 convolution trims one pixel from every side
(n -> n - 2); 2x2 max pooling keeps the largest of each 2x2 block
(n -> floor(n / 2)), which halves the grid and lets the next filters see a
wider patch of the original image.  The book's model:

    Conv2d(1, 32, 3)   + ReLU    28 -> 26      320 weights
    MaxPool2d(2)                 26 -> 13
    Conv2d(32, 64, 3)  + ReLU    13 -> 11   18,496 weights
    MaxPool2d(2)                 11 -> 5
    Conv2d(64, 128, 3) + ReLU     5 -> 3    73,856 weights
    Flatten                      128 * 3 * 3 = 1152 features
    Linear(1152, 10) + Softmax              11,530 weights

104,202 parameters in all, a quarter of the dense network's 407,050, and
yet it makes about a third of its errors.  Training is the book's: RMSprop,
sparse categorical cross-entropy, batch 64, pixels scaled to [0, 1]:

    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=5, batch_size=64)

Keras lays images out channels-last, (N, 28, 28, 1); glassnet follows
PyTorch, (N, 1, 28, 28).  The test accuracy printed after each epoch is
only watched: nothing is chosen by it.

NumPy on two CPU cores is no GPU: one epoch over the 60,000 images takes
about a minute here (5 epochs: 99.2 % test accuracy).  ``--epochs`` and ``--train-size`` make the
run shorter.

Run:  python lessons/mnist_convnet.py [--epochs 5] [--train-size N]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn
from glassnet.data.datasets import mnist


def load_data(train_size=None):
    """Images as float32 (N, 1, 28, 28) in [0, 1], labels as int64; optionally the first ``train_size``."""
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    if train_size is not None:
        train_images, train_labels = train_images[:train_size], train_labels[:train_size]
    scale = np.float32(1 / 255)
    return ((train_images[:, None].astype(np.float32) * scale, train_labels.astype(np.int64)),
            (test_images[:, None].astype(np.float32) * scale, test_labels.astype(np.int64)))


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, kernel_size=3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(128 * 3 * 3, 10), nn.Softmax(dim=1),
    )


def run(epochs=5, batch_size=64, train_size=None, seed=0):
    glassnet.manual_seed(seed)
    np.random.seed(seed)
    train, test = load_data(train_size)
    print(f"MNIST: {len(train[0])} training images, {len(test[0])} test images, shape {train[0].shape[1:]}")
    model = build_model()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"convnet with {n_params:,} parameters")
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(*train, epochs=epochs, batch_size=batch_size, validation_data=test, verbose=2)
    seconds = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(*test, verbose=0)
    predicted = model.predict(test[0][:10]).argmax(axis=1).tolist()
    print(f"predicted {predicted} for the first ten (labels {test[1][:10].tolist()})")
    print(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f} after {epochs} epochs "
          f"({seconds:.0f} s, {seconds / max(epochs, 1):.0f} s per epoch)")
    return {"test_accuracy": test_acc, "test_loss": test_loss, "parameters": n_params,
            "train_accuracy": history.history["accuracy"][-1],
            "test_accuracy_per_epoch": history.history["val_accuracy"],
            "predicted": predicted, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST with the Keras book's first convnet (ch. 8)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.batch_size, args.train_size, args.seed)


if __name__ == "__main__":
    main()
