"""Lesson: LeNet-5 on Fashion-MNIST (Dive into Deep Learning, section 7.6).

LeNet (LeCun et al., 1998) was the first convolutional network put to work,
reading the digits on cheques.  It is two stages of convolution + pooling
that turn the image into 16 small feature maps, then three dense layers:

    Conv2d(1, 6, 5, padding=2)  + act    28 -> 28    (the padding keeps LeNet's 32x32 geometry)
    pool 2x2, stride 2                   28 -> 14
    Conv2d(6, 16, 5)            + act    14 -> 10
    pool 2x2, stride 2                   10 -> 5
    Flatten                              16 * 5 * 5 = 400 features
    Linear(400, 120) + act, Linear(120, 84) + act, Linear(84, 10)

61,706 parameters (``glassnet.models.lenet``).  A k x k convolution without
padding maps an n x n grid to (n - k + 1) x (n - k + 1), and a 2x2 pool of
stride 2 to floor(n / 2); with padding p the convolution gives
n + 2p - k + 1, so p = 2 keeps 28 x 28.  The channels grow (1 -> 6 -> 16)
while the grid shrinks (28 -> 5): each later number sums up a wider patch
of the image in more ways.

The 1998 network used sigmoid activations and average pooling; D2L trains
it with plain SGD at lr 0.9 (batch 256), and it needs many epochs because a
sigmoid's slope is at most 1/4, so the gradient shrinks at every layer it
passes back through.  ``--variant modern`` (the default) swaps in ReLU
(slope 1 wherever the unit is on), max pooling (which passes the gradient
to the strongest input of each block) and Adam (lr 1e-3, batch 128), and reaches
88.7 % test accuracy in 10 epochs (about two minutes here).  ``--variant classic`` is D2L's
exact setting.

The training loop is D2L's ``train_ch6`` written out: for each batch,
zero_grad, cross-entropy of the logits, backward, step; after each epoch the
mean training loss, the training accuracy (measured during the epoch, while
the weights still move) and the test accuracy are printed.

Run:  python lessons/lenet_fashion.py [--variant modern|classic] [--epochs 10]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import fashion_mnist
from glassnet.models import lenet

VARIANTS = {
    # activation, pooling, optimizer, learning rate
    "modern": ("relu", "max", optim.Adam, 1e-3),
    "classic": ("sigmoid", "avg", optim.SGD, 0.9),
}


def load_data(train_size=None):
    """Images as float32 (N, 1, 28, 28) in [0, 1], labels as int64; optionally the first ``train_size``."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    if train_size is not None:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    scale = np.float32(1 / 255)
    return ((x_train[:, None].astype(np.float32) * scale, y_train.astype(np.int64)),
            (x_test[:, None].astype(np.float32) * scale, y_test.astype(np.int64)))


def accuracy(model, images, labels, batch_size=1000):
    model.eval()
    correct = 0
    with glassnet.no_grad():
        for i in range(0, len(images), batch_size):
            logits = model(glassnet.tensor(images[i:i + batch_size]))
            correct += int((logits.numpy().argmax(axis=1) == labels[i:i + batch_size]).sum())
    return correct / len(images)


def train_ch6(model, opt, loader, test, epochs):
    """D2L's training loop: per epoch, the mean training loss, the training accuracy (measured
    while the weights still move) and the test accuracy; returns them per epoch, and the seconds."""
    loss_fn = nn.CrossEntropyLoss()
    epochs_log = []
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        loss_sum, correct, total = 0.0, 0, 0
        for x, y in loader:
            opt.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            total += len(y)
        test_acc = accuracy(model, *test)
        epochs_log.append({"train_loss": loss_sum / total, "train_accuracy": correct / total,
                           "test_accuracy": test_acc})
        print(f"epoch {epoch + 1:>2}: train loss {loss_sum / total:.3f}, train acc {correct / total:.3f}, "
              f"test acc {test_acc:.4f} ({time.perf_counter() - start:.0f} s)")
    return epochs_log, time.perf_counter() - start


def run(variant="modern", epochs=10, batch_size=128, lr=None, train_size=None, seed=0):
    glassnet.manual_seed(seed)
    activation, pool, optimizer, default_lr = VARIANTS[variant]
    lr = default_lr if lr is None else lr
    (x_train, y_train), (x_test, y_test) = load_data(train_size)
    model = lenet(activation=activation, pool=pool)
    print(f"Fashion-MNIST: {len(x_train)} training images, {len(x_test)} test images; LeNet-5 ({variant}: "
          f"{activation}, {pool} pooling, {optimizer.__name__} lr {lr}, batch {batch_size}), "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
    epochs_log, seconds = train_ch6(model, optimizer(model.parameters(), lr=lr), loader, (x_test, y_test),
                                    epochs)
    final = epochs_log[-1]
    print(f"test accuracy {final['test_accuracy']:.4f} after {epochs} epochs ({seconds:.0f} s)")
    return {"variant": variant, "epochs": epochs_log, "test_accuracy": final["test_accuracy"],
            "train_accuracy": final["train_accuracy"], "train_loss": final["train_loss"], "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="LeNet-5 on Fashion-MNIST (D2L 7.6)")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="modern",
                        help="modern: ReLU, max pooling, Adam; classic: sigmoid, average pooling, SGD lr 0.9")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=None, help="default: 1e-3 (modern), 0.9 (classic)")
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.variant, args.epochs, args.batch_size, args.lr, args.train_size, args.seed)


if __name__ == "__main__":
    main()
