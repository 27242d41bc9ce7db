"""Lesson: dropout narrows the gap between training and test accuracy.

Dropout (Dive into Deep Learning, section "Dropout") zeroes each hidden
activation with probability p during training and scales the survivors by
1 / (1 - p), so that every activation keeps its expected value:

    h' = 0 with probability p,   h / (1 - p) otherwise,    E[h'] = h.

A unit cannot rely on any particular other unit being there, so the network
cannot build the fragile co-adapted features that memorise the training
set.  At evaluation time (``net.eval()``) dropout does nothing.

To make overfitting easy to see we train D2L's two-hidden-layer MLP
(784-256-256-10) on only the first 1,000 images of real Fashion-MNIST, with
Adam (lr 1e-3, batch 64), which memorises so small a set within a few dozen
epochs: without dropout it classifies its training images almost perfectly
while scoring much lower on the 10,000 test images.  The same network with
dropout 0.5 after each hidden layer fits its training images less
perfectly, and the gap between training and test accuracy shrinks by a
third, while test accuracy stays about the same.  (D2L uses 0.2 after the
first layer; ``--dropout1 0.2`` shows that milder setting, with a smaller
effect.)  Dropout is one regulariser among several: on more data, or with
fewer epochs, there is less overfitting for it to remove.

Run:  python lessons/dropout.py [--train-size 1000] [--epochs 30]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import fashion_mnist


def load_data(train_size):
    """The first ``train_size`` training images and all test images, as floats in [0, 1]."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    scale = np.float32(1 / 255)
    return (x_train[:train_size].astype(np.float32) * scale, y_train[:train_size].astype(np.int64),
            x_test.astype(np.float32) * scale, y_test.astype(np.int64))


def mlp(dropout1, dropout2, hidden=256):
    layers = [nn.Flatten(), nn.Linear(784, hidden), nn.ReLU()]
    if dropout1:
        layers.append(nn.Dropout(dropout1))
    layers += [nn.Linear(hidden, hidden), nn.ReLU()]
    if dropout2:
        layers.append(nn.Dropout(dropout2))
    layers.append(nn.Linear(hidden, 10))
    return nn.Sequential(*layers)


def accuracy(net, x, y):
    net.eval()  # dropout off
    with glassnet.no_grad():
        correct = sum((net(glassnet.tensor(x[i:i + 2000])).argmax(dim=1).numpy() == y[i:i + 2000]).sum()
                      for i in range(0, len(x), 2000))
    return float(correct) / len(x)


def train(net, data, epochs, lr, batch_size, seed):
    x_train, y_train, x_test, y_test = data
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size, shuffle=True, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(net.parameters(), lr=lr)
    for epoch in range(epochs):
        net.train()  # dropout on
        for x, y in loader:
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
        if (epoch + 1) % max(1, epochs // 5) == 0 or epoch + 1 == epochs:
            print(f"    epoch {epoch + 1:3d}: train accuracy {accuracy(net, x_train, y_train):.4f}, "
                  f"test accuracy {accuracy(net, x_test, y_test):.4f}")
    train_acc, test_acc = accuracy(net, x_train, y_train), accuracy(net, x_test, y_test)
    return {"train_accuracy": train_acc, "test_accuracy": test_acc, "gap": train_acc - test_acc}


def run(train_size=1000, epochs=30, lr=1e-3, batch_size=64, dropout1=0.5, dropout2=0.5, seed=0):
    data = load_data(train_size)
    print(f"Fashion-MNIST, first {len(data[0])} training images, all {len(data[2])} test images; "
          f"MLP 784-256-256-10, Adam lr {lr}, batch {batch_size}, {epochs} epochs")
    result = {}
    for name, (p1, p2) in (("without dropout", (0.0, 0.0)), ("with dropout", (dropout1, dropout2))):
        print(f"  {name}" + (f" (p = {p1}, {p2})" if p1 or p2 else ""))
        glassnet.manual_seed(seed)
        start = time.perf_counter()
        result[name] = train(mlp(p1, p2), data, epochs, lr, batch_size, seed)
        result[name]["seconds"] = time.perf_counter() - start
    print(f"  {'':>16} {'train acc':>9} {'test acc':>9} {'gap':>7}")
    for name, r in result.items():
        print(f"  {name:>16} {r['train_accuracy']:9.4f} {r['test_accuracy']:9.4f} {r['gap']:7.4f}")
    return {"plain": result["without dropout"], "dropout": result["with dropout"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Dropout on a small Fashion-MNIST training set")
    parser.add_argument("--train-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--dropout1", type=float, default=0.5)
    parser.add_argument("--dropout2", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.train_size, args.epochs, args.lr, dropout1=args.dropout1, dropout2=args.dropout2,
               seed=args.seed)


if __name__ == "__main__":
    main()
