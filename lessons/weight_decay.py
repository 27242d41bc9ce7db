"""Lesson: weight decay (L2 regularisation) tames an overfitting linear model.

The data are *synthetic* (Dive into Deep Learning, section "Weight Decay"):
200 input dimensions but only 20 training examples,

    y = 0.05 + sum_{i=1}^{200} 0.01 x_i + noise,   x ~ N(0, I),  noise ~ N(0, 0.01^2).

With ten times more weights than examples, linear regression can fit the 20
training points exactly in countless ways, and plain SGD picks one that
drives the training loss to about zero while the test loss stays high.

Weight decay adds the squared length of the weight vector to the loss,

    L(w, b) = 1/(2n) sum_i (x_i w + b - y_i)^2  +  (lambda / 2) ||w||^2,

which prefers small weights: of all the ways to fit the data it picks the
ones that spread the effort over many inputs, as the true w does.  The
penalty's gradient is lambda * w, so each SGD step becomes

    w <- w - lr * (dLoss/dw + lambda * w) = (1 - lr * lambda) w - lr * dLoss/dw,

the weights "decay" towards zero by a factor (1 - lr * lambda) each step.
(The bias is not penalised: shifting every prediction costs no complexity.)

Part 1 adds the penalty to the loss by hand and lets autograd find its
gradient; Part 2 passes ``weight_decay=lambda`` to ``optim.SGD`` for the
weight only (a parameter group), which adds lambda * w to the gradient
inside the optimizer.  Started from the same weights and fed the same
batches, the two end with the same weights.

Run:  python lessons/weight_decay.py [--lambd 3]
"""

import argparse

import numpy as np

import glassnet
from glassnet import nn, optim

N_TRAIN, N_TEST, NUM_INPUTS = 20, 100, 200


def synthetic_data(n, generator):
    """x ~ N(0, I) in 200 dimensions, y = 0.05 + 0.01 * sum(x) + N(0, 0.01^2) noise (synthetic)."""
    x = generator.normal(size=(n, NUM_INPUTS))
    y = 0.05 + 0.01 * x.sum(axis=1, keepdims=True) + generator.normal(scale=0.01, size=(n, 1))
    return glassnet.tensor(x), glassnet.tensor(y)


def squared_loss(y_hat, y):
    return ((y_hat - y) ** 2 / 2).mean()


def l2_penalty(w):
    return (w ** 2).sum() / 2


def batches(n, batch_size):
    order = glassnet.randperm(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def init_params(seed):
    glassnet.manual_seed(seed)
    return glassnet.normal(0, 1, (NUM_INPUTS, 1)), glassnet.zeros(1)


def train_scratch(data, lambd, epochs, lr, batch_size, seed):
    """Penalty written into the loss; the update written by hand."""
    (x, y), _ = data
    w0, b0 = init_params(seed)
    w, b = w0.clone().requires_grad_(), b0.clone().requires_grad_()
    for _ in range(epochs):
        for idx in batches(len(x), batch_size):
            loss = squared_loss(x[idx] @ w + b, y[idx]) + lambd * l2_penalty(w)
            loss.backward()
            with glassnet.no_grad():
                for p in (w, b):
                    p -= lr * p.grad
                    p.grad = None
    return report(data, lambda inputs: inputs @ w + b, w)


def train_concise(data, lambd, epochs, lr, batch_size, seed):
    """nn.Linear, and the decay done by optim.SGD on the weight's parameter group."""
    (x, y), _ = data
    w0, b0 = init_params(seed)
    net = nn.Linear(NUM_INPUTS, 1)
    with glassnet.no_grad():
        net.weight.copy_(w0.T)
        net.bias.copy_(b0)
    opt = optim.SGD([{"params": [net.weight], "weight_decay": lambd}, {"params": [net.bias]}], lr=lr)
    for _ in range(epochs):
        for idx in batches(len(x), batch_size):
            opt.zero_grad()
            squared_loss(net(x[idx]), y[idx]).backward()
            opt.step()
    return report(data, net, net.weight)


def report(data, predict, w):
    (x, y), (x_test, y_test) = data
    with glassnet.no_grad():
        return {"train_loss": squared_loss(predict(x), y).item(),
                "test_loss": squared_loss(predict(x_test), y_test).item(),
                "w_norm": float(np.linalg.norm(w.detach().numpy())),
                "w": w.detach().numpy().ravel().copy()}


def run(lambd=3.0, epochs=100, lr=0.003, batch_size=5, seed=0):
    # glassnet.manual_seed(seed) starts the same stream as default_rng(seed); the data must not
    # share it with the initial weights, or w0 would equal the first example exactly.
    rng = np.random.default_rng(seed + 1)
    data = synthetic_data(N_TRAIN, rng), synthetic_data(N_TEST, rng)
    print(f"synthetic data: {N_TRAIN} training and {N_TEST} test examples in {NUM_INPUTS} dimensions")
    print(f"SGD lr {lr}, batch {batch_size}, {epochs} epochs; losses are 1/2 mean squared error")
    print(f"{'method':>22} {'lambda':>6} {'train loss':>11} {'test loss':>10} {'|w|':>7}")
    result = {}
    for name, train in (("scratch", train_scratch), ("concise", train_concise)):
        label = "penalty in the loss" if name == "scratch" else "SGD(weight_decay=)"
        for lam in (0.0, lambd):
            r = train(data, lam, epochs, lr, batch_size, seed)
            result[(name, lam)] = r
            print(f"{label:>22} {lam:>6g} {r['train_loss']:>11.5f} {r['test_loss']:>10.5f} "
                  f"{r['w_norm']:>7.3f}")
    gap = max(float(np.max(np.abs(result[("scratch", lam)]["w"] - result[("concise", lam)]["w"])))
              for lam in (0.0, lambd))
    print(f"largest weight difference between the two methods: {gap:.1e}")
    print(f"(the true w has norm {0.01 * NUM_INPUTS ** 0.5:.3f})")
    return {"no_decay": result[("scratch", 0.0)], "decay": result[("scratch", lambd)],
            "concise_no_decay": result[("concise", 0.0)], "concise_decay": result[("concise", lambd)],
            "method_gap": gap}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Weight decay on high-dimensional linear regression")
    parser.add_argument("--lambd", type=float, default=3.0, help="weight decay strength lambda")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.lambd, args.epochs, args.lr, seed=args.seed)


if __name__ == "__main__":
    main()
