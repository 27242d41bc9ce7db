"""The function-style helpers of d2l's first edition (chapters 3-6): losses, loops, timers."""

import time

import numpy as np

import glassnet

from .. import nn
from .data import get_fashion_mnist_labels
from .plotting import Animator, show_images


def linreg(X, w, b):
    """The linear regression model ``X w + b``."""
    return glassnet.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Half the squared error, per example."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """One minibatch SGD step on ``params`` (gradients of a summed loss), then clear the gradients."""
    with glassnet.no_grad():
        for param in params:
            param.array[...] -= lr * param.grad.array / batch_size
            param.grad = None


class Timer:
    """Several running times: ``start()``, ``stop()`` (returns the last), ``avg()``, ``sum()``."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        return sum(self.times) / len(self.times)

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """``n`` running sums: ``add(a, b, ...)`` adds one value to each."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b.detach().array if isinstance(b, glassnet.Tensor) else b)
                     for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    """The number of correct predictions (argmax of ``y_hat`` when it has a class axis)."""
    predicted = y_hat.array
    if predicted.ndim > 1 and predicted.shape[1] > 1:
        predicted = predicted.argmax(axis=1)
    return float((predicted.astype(y.array.dtype) == y.array).sum())


def evaluate_accuracy(net, data_iter, device=None):
    """Accuracy of ``net`` over ``data_iter``, in eval mode and without a graph."""
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)
    with glassnet.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


evaluate_accuracy_gpu = evaluate_accuracy  # glassnet computes on the CPU; same loop


def evaluate_loss(net, data_iter, loss):
    """The mean of ``loss`` (per example) over ``data_iter``."""
    metric = Accumulator(2)
    with glassnet.no_grad():
        for X, y in data_iter:
            out = net(X)
            losses = loss(out, y.reshape(out.shape))
            metric.add(losses.sum(), losses.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater):
    """One epoch; ``updater`` is an optimizer or ``f(batch_size)``. Returns (mean loss, accuracy)."""
    if isinstance(net, nn.Module):
        net.train()
    metric = Accumulator(3)
    for X, y in train_iter:
        y_hat = net(X)
        losses = loss(y_hat, y)
        if isinstance(updater, glassnet.optim.Optimizer):
            updater.zero_grad()
            losses.mean().backward()
            updater.step()
        else:
            losses.sum().backward()
            updater(X.shape[0])
        metric.add(losses.sum(), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    """Train and plot; returns ``[(train loss, train acc, test acc), ...]`` per epoch."""
    animator = Animator(xlabel="epoch", xlim=[1, num_epochs], legend=["train loss", "train acc", "test acc"])
    history = []
    for epoch in range(num_epochs):
        train_loss, train_acc = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        animator.add(epoch + 1, (train_loss, train_acc, test_acc))
        history.append((train_loss, train_acc, test_acc))
    return history


def predict_ch3(net, test_iter, n=6):
    """Show the first ``n`` test images with their true and predicted labels."""
    X, y = next(iter(test_iter))
    trues = get_fashion_mnist_labels(y)
    preds = get_fashion_mnist_labels(net(X).array.argmax(axis=1))
    titles = [f"{true}\n{pred}" for true, pred in zip(trues, preds)]
    show_images(X[0:n].reshape(n, X.shape[-2], X.shape[-1]), 1, n, titles=titles[0:n])


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device=None):
    """Xavier init, SGD on cross-entropy, plotted; returns (train loss, train acc, test acc)."""
    def init_weights(module):
        if type(module) in (nn.Linear, nn.Conv2d):
            nn.init.xavier_uniform_(module.weight)
    net.apply(init_weights)
    optimizer = glassnet.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel="epoch", xlim=[1, num_epochs], legend=["train loss", "train acc", "test acc"])
    timer, num_batches = Timer(), len(train_iter)
    for epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for i, (X, y) in enumerate(train_iter):
            timer.start()
            optimizer.zero_grad()
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
            batch_loss.backward()
            optimizer.step()
            metric.add(float(batch_loss.detach().array) * X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            if (i + 1) % max(num_batches // 5, 1) == 0 or i == num_batches - 1:
                progress = (metric[0] / metric[2], metric[1] / metric[2], None)
                animator.add(epoch + (i + 1) / num_batches, progress)
        test_acc = evaluate_accuracy(net, test_iter)
        animator.add(epoch + 1, (None, None, test_acc))
    train_loss, train_acc = metric[0] / metric[2], metric[1] / metric[2]
    print(f"loss {train_loss:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
    print(f"{metric[2] * num_epochs / timer.sum():.1f} examples/sec on cpu")
    return train_loss, train_acc, test_acc
