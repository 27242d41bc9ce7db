"""Lesson: Fashion-MNIST with softmax regression from scratch, then a concise MLP.

Fashion-MNIST holds 28x28 grey images of ten kinds of clothing (60,000 to
train, 10,000 to test).  Softmax regression is the simplest classifier for
it: one linear layer that gives each class a score, o = x W + b (x is the
image flattened to 784 numbers, W is 784 x 10), and the softmax that turns
the scores into probabilities

    softmax(o)_j = exp(o_j) / sum_k exp(o_k).

Subtracting max_k o_k from every score first changes nothing in the ratio
but keeps exp() from overflowing.  The loss is the cross-entropy, the
negative log-probability given to the true class y:

    L = -1/|B| sum_i log softmax(o_i)_{y_i},

and minibatch SGD moves every parameter against its gradient,
p <- p - lr * dL/dp.  Part 1 writes all four pieces (model, softmax, loss,
update) by hand, as Dive into Deep Learning chapter 4.4 does; autograd only
supplies dL/dp.

Part 2 is D2L's concise multilayer perceptron: nn.Sequential with one
hidden layer of 256 ReLU units, nn.CrossEntropyLoss (which fuses the
log-softmax into the loss, so the model outputs raw scores, "logits") and
optim.SGD with lr 0.1, batch 256, 10 epochs.  The hidden layer lets the
model combine pixels non-linearly.  With D2L's plain SGD it ends near 85 %
and jumps a couple of points up or down from one epoch to the next, because
a constant step of 0.1 keeps bouncing around the minimum.  Two standard
additions fix both: momentum 0.9 (each step continues 90 % of the previous
one, so consistent directions build up speed) and a cosine learning-rate
schedule, lr_t = 0.1 (1 + cos(pi t / T)) / 2 over the T epochs, which lets
the final epochs take small steps and settle.  ``--momentum 0 --no-schedule``
gives D2L's exact setting.

Run:  python lessons/fashion_mnist_softmax.py [--part scratch|mlp|both]
Expected (full run): softmax regression about 83 % test accuracy, the MLP about 88 %.
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import fashion_mnist

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load_data(train_size=None):
    """Images as float32 in [0, 1] (N, 28, 28), labels as int64; optionally the first ``train_size``."""
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    if train_size is not None:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    scale = np.float32(1 / 255)
    return (x_train.astype(np.float32) * scale, y_train.astype(np.int64),
            x_test.astype(np.float32) * scale, y_test.astype(np.int64))


# ---------------------------------------------------------------- Part 1: from scratch
def softmax(o):
    e = (o - o.max(dim=1, keepdim=True).values).exp()
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(y_hat, y):
    """Mean of -log(probability of the true class); picks y_hat[i, y[i]] for every row i."""
    return -y_hat[glassnet.arange(len(y)), y].log().mean()


def sgd(params, lr):
    with glassnet.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def accuracy(net, loader):
    """Fraction of samples whose highest-scoring class is the true one."""
    correct = total = 0
    with glassnet.no_grad():
        for x, y in loader:
            correct += (net(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total


def from_scratch(train_loader, test_loader, epochs, lr):
    W = glassnet.normal(0, 0.01, (784, 10), requires_grad=True)
    b = glassnet.zeros(10, requires_grad=True)

    def net(x):
        return softmax(x.reshape(-1, 784) @ W + b)

    for epoch in range(epochs):
        total_loss = batches = 0
        for x, y in train_loader:
            loss = cross_entropy(net(x), y)
            loss.backward()
            sgd([W, b], lr)
            total_loss += loss.item()
            batches += 1
        print(f"  epoch {epoch + 1:2d}: train loss {total_loss / batches:.4f}, "
              f"test accuracy {accuracy(net, test_loader):.4f}")
    return accuracy(net, train_loader), accuracy(net, test_loader)


# ---------------------------------------------------------------- Part 2: concise MLP
def init_weights(module):
    # D2L's initialisation: small normal weights, zero biases.
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.01)
        nn.init.zeros_(module.bias)


def concise_mlp(train_loader, test_loader, epochs, lr, hidden, momentum, schedule):
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    net.apply(init_weights)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs) if schedule else None
    for epoch in range(epochs):
        net.train()
        total_loss = batches = 0
        for x, y in train_loader:
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            total_loss += loss.item()
            batches += 1
        if scheduler is not None:
            scheduler.step()
        net.eval()
        print(f"  epoch {epoch + 1:2d}: train loss {total_loss / batches:.4f}, "
              f"test accuracy {accuracy(net, test_loader):.4f}")
    return accuracy(net, train_loader), accuracy(net, test_loader)


def run(part="both", epochs=10, mlp_epochs=10, lr=0.1, hidden=256, batch_size=256,
        train_size=None, momentum=0.9, schedule=True, seed=0):
    glassnet.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_data(train_size)
    print(f"Fashion-MNIST: {len(x_train)} training and {len(x_test)} test images, classes {CLASSES}")
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), 1024)
    result = {}
    if part in ("scratch", "both"):
        print(f"Part 1: softmax regression from scratch ({epochs} epochs, lr {lr}, batch {batch_size})")
        start = time.perf_counter()
        train_acc, test_acc = from_scratch(train_loader, test_loader, epochs, lr)
        result["scratch"] = {"train_accuracy": train_acc, "test_accuracy": test_acc,
                             "seconds": time.perf_counter() - start}
        print(f"  softmax regression: train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")
    if part in ("mlp", "both"):
        print(f"Part 2: concise MLP, 784-{hidden}-10 ({mlp_epochs} epochs, SGD lr {lr}, momentum {momentum}, "
              f"{'cosine schedule, ' if schedule else ''}batch {batch_size})")
        start = time.perf_counter()
        train_acc, test_acc = concise_mlp(train_loader, test_loader, mlp_epochs, lr, hidden, momentum,
                                          schedule)
        result["mlp"] = {"train_accuracy": train_acc, "test_accuracy": test_acc,
                         "seconds": time.perf_counter() - start}
        print(f"  MLP: train accuracy {train_acc:.4f}, test accuracy {test_acc:.4f}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fashion-MNIST: softmax regression from scratch and an MLP")
    parser.add_argument("--part", choices=["scratch", "mlp", "both"], default="both")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of softmax regression")
    parser.add_argument("--mlp-epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training images")
    parser.add_argument("--momentum", type=float, default=0.9, help="MLP only; D2L uses 0")
    parser.add_argument("--no-schedule", action="store_true", help="MLP: constant lr, as in D2L")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.part, args.epochs, args.mlp_epochs, args.lr, args.hidden, args.batch_size,
               args.train_size, args.momentum, not args.no_schedule, args.seed)


if __name__ == "__main__":
    main()
