"""Lesson: XOR, with backprop by hand and then by autograd.

XOR is the classic function a single neuron cannot learn: no straight line
separates {(0,1), (1,0)} from {(0,0), (1,1)}.  A hidden layer of sigmoid
units bends the input space so that one can.

The network (2 inputs, H hidden sigmoid units, 1 sigmoid output) and the
mean squared error loss, for a batch X of N rows:

    z1 = X W1 + b1      a1 = sigmoid(z1)
    z2 = a1 W2 + b2     a2 = sigmoid(z2)
    L  = mean((a2 - y)^2)

Backpropagation is the chain rule applied from the loss backwards, using
sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)):

    dL/da2 = 2 (a2 - y) / N
    dL/dz2 = dL/da2 * a2 (1 - a2)
    dL/dW2 = a1^T dL/dz2            dL/db2 = sum over rows of dL/dz2
    dL/da1 = dL/dz2 W2^T
    dL/dz1 = dL/da1 * a1 (1 - a1)
    dL/dW1 = X^T dL/dz1             dL/db1 = sum over rows of dL/dz1

Part 1 trains with these hand-derived formulas in plain NumPy.  Part 2
builds the same computation from glassnet tensors, lets ``backward()`` find
the gradients, and trains from the same start: the gradients equal the
hand-derived ones, so the two trainings end with the same weights.

Run:  python lessons/xor.py
"""

import argparse

import numpy as np

import glassnet

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def init_params(hidden, seed):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 1, (2, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(0, 1, (hidden, 1)),
        "b2": np.zeros(1),
    }


def numpy_loss_and_grads(p):
    """Forward and hand-derived backward, exactly as in the docstring."""
    n = len(X)
    a1 = sigmoid(X @ p["W1"] + p["b1"])
    a2 = sigmoid(a1 @ p["W2"] + p["b2"])
    loss = np.mean((a2 - Y) ** 2)
    d_z2 = 2 * (a2 - Y) / n * a2 * (1 - a2)
    d_z1 = (d_z2 @ p["W2"].T) * a1 * (1 - a1)
    grads = {"W2": a1.T @ d_z2, "b2": d_z2.sum(0), "W1": X.T @ d_z1, "b1": d_z1.sum(0)}
    return loss, grads, a2


def to_tensors(p):
    return {k: glassnet.tensor(v, dtype=glassnet.float64, requires_grad=True) for k, v in p.items()}


def glassnet_loss(t):
    """The same forward with glassnet tensors; autograd will find the gradients."""
    x, y = glassnet.tensor(X, dtype=glassnet.float64), glassnet.tensor(Y, dtype=glassnet.float64)
    a1 = (x @ t["W1"] + t["b1"]).sigmoid()
    a2 = (a1 @ t["W2"] + t["b2"]).sigmoid()
    return ((a2 - y) ** 2).mean(), a2


def train_numpy(params, epochs, lr):
    params = {k: v.copy() for k, v in params.items()}
    for _ in range(epochs):
        _, grads, _ = numpy_loss_and_grads(params)
        for k in params:
            params[k] -= lr * grads[k]
    return params


def train_glassnet(params, epochs, lr):
    t = to_tensors(params)
    for _ in range(epochs):
        loss, _ = glassnet_loss(t)
        loss.backward()
        with glassnet.no_grad():
            for p in t.values():
                p -= lr * p.grad
                p.grad = None
    return t


def largest_gradient_gap(params):
    """Max |hand - autograd| over all gradient entries, relative to the largest gradient."""
    _, hand, _ = numpy_loss_and_grads(params)
    t = to_tensors(params)
    loss, _ = glassnet_loss(t)
    loss.backward()
    gap = max(float(np.max(np.abs(hand[k] - t[k].grad.numpy()))) for k in params)
    scale = max(float(np.max(np.abs(g))) for g in hand.values())
    return gap / scale


def run(epochs=5000, lr=2.0, hidden=4, seed=0):
    start = init_params(hidden, seed)
    initial_gap = largest_gradient_gap(start)

    trained = train_numpy(start, epochs, lr)
    loss, _, out = numpy_loss_and_grads(trained)
    predictions = (out[:, 0] > 0.5).astype(int).tolist()
    print("Part 1: plain NumPy, hand-derived backprop")
    for row, o in zip(X.astype(int), out[:, 0]):
        print(f"  {row[0]} XOR {row[1]} -> {o:.3f}")
    print(f"  final loss {loss:.5f}, predictions {predictions} (target [0, 1, 1, 0])")

    auto = train_glassnet(start, epochs, lr)
    auto_loss, auto_out = glassnet_loss(auto)
    auto_predictions = (auto_out.detach().numpy()[:, 0] > 0.5).astype(int).tolist()
    weight_gap = max(float(np.max(np.abs(trained[k] - auto[k].detach().numpy()))) for k in trained)
    print("Part 2: the same network trained with glassnet autograd")
    print(f"  gradients at the start differ from the hand-derived ones by {initial_gap:.1e} (relative)")
    print(f"  final loss {auto_loss.item():.5f}, predictions {auto_predictions}")
    print(f"  after {epochs} steps the two sets of weights differ by at most {weight_gap:.1e}")
    return {
        "loss": loss,
        "predictions": predictions,
        "solved": predictions == [0, 1, 1, 0] and auto_predictions == [0, 1, 1, 0],
        "initial_grad_gap": initial_gap,
        "weight_gap": weight_gap,
        "autograd_loss": auto_loss.item(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="XOR with hand-written backprop and autograd")
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--lr", type=float, default=2.0)
    parser.add_argument("--hidden", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.lr, args.hidden, args.seed)


if __name__ == "__main__":
    main()
