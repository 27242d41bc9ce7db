"""Lesson: one sigmoid neuron, trained by batch, stochastic and mini-batch
gradient descent.

A single neuron computes p = sigmoid(x . w + b), the probability that x
belongs to class 1.  Its loss on a set B of examples is the binary cross
entropy
        L = -1/|B| sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ]
whose gradient is remarkably simple: dL/dw = 1/|B| sum_i (p_i - y_i) x_i.

The three flavours of gradient descent differ only in B:
  * batch:       B = the whole training set, one step per epoch - smooth but slow;
  * stochastic:  B = one example, n steps per epoch - fast but noisy;
  * mini-batch:  B = a few dozen examples - the usual compromise.

The data are *synthetic*: two overlapping Gaussian clouds in the plane
(class 0 around (-1, -1), class 1 around (1, 1)), so that the best possible
accuracy is known to be about 92 %.  The lesson prints the loss after each
epoch for the three methods and can draw the curves (--plot FILE.png).

Run:  python lessons/gradient_descent.py [--plot curves.png]
"""

import argparse

import glassnet


def make_data(n=400, seed=0):
    glassnet.manual_seed(seed)
    half = n // 2
    x = glassnet.cat([glassnet.randn(half, 2) - 1.0, glassnet.randn(n - half, 2) + 1.0])
    y = glassnet.cat([glassnet.zeros(half), glassnet.ones(n - half)])
    return x, y


def bce(p, y):
    eps = 1e-7
    p = p.clamp(eps, 1 - eps)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def train(x, y, batch_size, epochs, lr, seed=0):
    """Return the full-data loss after every epoch, and the final accuracy."""
    glassnet.manual_seed(seed)
    w = glassnet.zeros(2, requires_grad=True)
    b = glassnet.zeros(1, requires_grad=True)
    losses = []
    for _ in range(epochs):
        order = glassnet.randperm(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            loss = bce((x[idx] @ w + b).sigmoid(), y[idx])
            loss.backward()
            with glassnet.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = b.grad = None
        with glassnet.no_grad():
            p = (x @ w + b).sigmoid()
            losses.append(bce(p, y).item())
    accuracy = ((p > 0.5).float() == y).float().mean().item()
    return losses, accuracy


def run(epochs=20, lr=0.1, minibatch=32, plot=None, seed=0):
    x, y = make_data(seed=seed)
    methods = {"batch": len(x), "mini-batch": minibatch, "stochastic": 1}
    results = {}
    for name, size in methods.items():
        losses, acc = train(x, y, size, epochs, lr, seed)
        steps = epochs * -(-len(x) // size)
        results[name] = {"losses": losses, "accuracy": acc, "steps": steps}
        print(f"{name:>11} (batch {size:>3}, {steps:>5} updates): "
              f"loss {losses[0]:.4f} after epoch 1 -> {losses[-1]:.4f} after epoch {epochs}, "
              f"accuracy {acc:.3f}")
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for name, r in results.items():
            ax.plot(range(1, epochs + 1), r["losses"], label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (binary cross entropy)")
        ax.set_title("One sigmoid neuron: three flavours of gradient descent")
        ax.legend()
        fig.tight_layout()
        fig.savefig(plot, dpi=100)
        print(f"curves written to {plot}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="Batch, stochastic and mini-batch gradient descent")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--plot", help="write the loss curves to this PNG file")
    args = parser.parse_args(argv)
    return run(args.epochs, args.lr, plot=args.plot)


if __name__ == "__main__":
    main()
