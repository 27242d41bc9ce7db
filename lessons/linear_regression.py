"""Lesson: linear regression, from scratch and then concise.

The model is y = X w + b.  We make *synthetic* data from known true
parameters (w = [2, -3.4], b = 4.2) plus a little Gaussian noise, so we can
check that training recovers them: that is the point of synthetic data here,
not a claim about the world.

Squared loss over a minibatch B:   L = 1/(2|B|) sum_i (x_i w + b - y_i)^2
Minibatch stochastic gradient descent, for each parameter p:
                                   p <- p - lr * dL/dp

Part 1, from scratch: parameters are plain tensors with requires_grad=True,
autograd gives dL/dp, and the update is written by hand under ``no_grad``.
Part 2, concise: ``nn.Linear``, ``nn.MSELoss`` and ``optim.SGD`` do the same.

Run:  python lessons/linear_regression.py
"""

import argparse

import glassnet
from glassnet import nn, optim

TRUE_W = [2.0, -3.4]
TRUE_B = 4.2


def synthetic_data(n, noise=0.01):
    """y = X w + b + noise, with X standard normal."""
    x = glassnet.randn(n, len(TRUE_W))
    y = x @ glassnet.tensor(TRUE_W) + TRUE_B + glassnet.randn(n) * noise
    return x, y.reshape(-1, 1)


def batches(x, y, batch_size):
    order = glassnet.randperm(len(x))
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        yield x[idx], y[idx]


def from_scratch(x, y, epochs, lr, batch_size):
    w = glassnet.normal(0, 0.01, (2, 1), requires_grad=True)
    b = glassnet.zeros(1, requires_grad=True)
    for epoch in range(epochs):
        for xb, yb in batches(x, y, batch_size):
            loss = ((xb @ w + b - yb) ** 2 / 2).mean()
            loss.backward()
            with glassnet.no_grad():
                for p in (w, b):
                    p -= lr * p.grad
                    p.grad.zero_()
        with glassnet.no_grad():
            full = ((x @ w + b - y) ** 2 / 2).mean().item()
        print(f"  from scratch, epoch {epoch + 1}: loss {full:.6f}")
    return w.detach().reshape(-1).tolist(), b.item()


def concise(x, y, epochs, lr, batch_size):
    net = nn.Linear(2, 1)
    loss_fn = nn.MSELoss()
    opt = optim.SGD(net.parameters(), lr=lr)
    for epoch in range(epochs):
        for xb, yb in batches(x, y, batch_size):
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
        with glassnet.no_grad():
            full = loss_fn(net(x), y).item()
        print(f"  concise, epoch {epoch + 1}: loss {full:.6f}")
    return net.weight.detach().reshape(-1).tolist(), net.bias.item()


def run(n=1000, epochs=3, lr=0.03, batch_size=10, seed=0):
    glassnet.manual_seed(seed)
    x, y = synthetic_data(n)
    print("Part 1: from scratch")
    w1, b1 = from_scratch(x, y, epochs, lr, batch_size)
    print("Part 2: concise (nn.Linear + optim.SGD)")
    w2, b2 = concise(x, y, epochs, lr, batch_size)
    err1 = max(max(abs(a - t) for a, t in zip(w1, TRUE_W)), abs(b1 - TRUE_B))
    err2 = max(max(abs(a - t) for a, t in zip(w2, TRUE_W)), abs(b2 - TRUE_B))
    print(f"true w {TRUE_W}, b {TRUE_B}")
    print(f"from scratch: w [{w1[0]:.4f}, {w1[1]:.4f}], b {b1:.4f}  (largest error {err1:.4f})")
    print(f"concise:      w [{w2[0]:.4f}, {w2[1]:.4f}], b {b2:.4f}  (largest error {err2:.4f})")
    return {"scratch_error": err1, "concise_error": err2, "scratch": (w1, b1), "concise": (w2, b2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Linear regression from scratch and concise")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(epochs=args.epochs, lr=args.lr, seed=args.seed)


if __name__ == "__main__":
    main()
