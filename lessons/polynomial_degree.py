"""Lesson: choosing a model's capacity - underfitting and overfitting with polynomials.

The data are *synthetic*, drawn from a known cubic, as in Dive into Deep
Learning's section "Model Selection, Underfitting, and Overfitting":

    y = 5 P0(x) + 1.2 P1(x) - 3.4 P2(x) + 5.6 P3(x) + noise,
    x ~ Uniform(-1, 1),   noise ~ N(0, 0.1^2).

P_i is the Legendre polynomial of degree i: P0 = 1, P1 = x,
P2 = (3x^2 - 1)/2, and (i+1) P_{i+1} = (2i+1) x P_i - i P_{i-1}.
A model of degree d is linear regression on the features P0(x) .. Pd(x).
Any polynomial of degree d is a combination of P0..Pd, so "degree" means
what it always means; D2L uses the features x^i / i! instead.  We do not,
because high powers of x are nearly parallel vectors (x^17 and x^19 look
alike), and gradient descent crawls along the directions that tell them
apart: a degree-19 model trained that way never uses its extra freedom, and
its training loss does not even reach the cubic's.  Legendre polynomials are
orthogonal on [-1, 1], so SGD can fit every degree in a few hundred epochs.

All three models see the same small training set (20 points) and are judged
on a large test set drawn from the same cubic:

* degree 3 matches the truth: train and test loss both fall to about the
  noise level (0.1^2 = 0.01), and its weights recover (5, 1.2, -3.4, 5.6);
* degree 1 (a straight line) cannot bend: it *underfits*, so its training
  loss stays high, and its test loss with it;
* degree 19 (20 coefficients for 20 points) has the freedom to follow the
  noise: its training loss drops *below* the cubic's, while its test loss
  rises well above it.  That gap between training and test loss is what
  *overfitting* means.

Training loss alone cannot choose the degree (it always prefers more
capacity); held-out data can.

Run:  python lessons/polynomial_degree.py [--plot curves.png]
"""

import argparse

import numpy as np

import glassnet
from glassnet import nn, optim

TRUE_W = [5.0, 1.2, -3.4, 5.6]
MAX_DEGREE = 19


def legendre_features(x, degree):
    """Columns P0(x) .. P_degree(x), by the three-term recurrence."""
    columns = [np.ones_like(x), x]
    for i in range(1, degree):
        columns.append(((2 * i + 1) * x * columns[i] - i * columns[i - 1]) / (i + 1))
    return np.stack(columns[: degree + 1], axis=1)


def synthetic_data(n_train, n_test, noise, seed):
    """Legendre features up to MAX_DEGREE and labels from the cubic plus noise (synthetic)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=n_train + n_test)
    features = legendre_features(x, MAX_DEGREE)
    labels = features[:, : len(TRUE_W)] @ np.array(TRUE_W) + rng.normal(scale=noise, size=len(x))
    features, labels = features.astype(np.float32), labels.astype(np.float32).reshape(-1, 1)
    return features[:n_train], labels[:n_train], features[n_train:], labels[n_train:]


def mse(net, x, y):
    with glassnet.no_grad():
        return nn.functional.mse_loss(net(x), y).item()


def train(x_train, y_train, x_test, y_test, degree, epochs, lr, batch_size):
    """Fit a polynomial of ``degree`` by minibatch SGD; return the per-epoch losses and the weights."""
    cols = degree + 1
    xtr, ytr = glassnet.tensor(x_train[:, :cols]), glassnet.tensor(y_train)
    xte, yte = glassnet.tensor(x_test[:, :cols]), glassnet.tensor(y_test)
    # The constant feature x^0 = 1 plays the bias, so the layer has none.
    net = nn.Linear(cols, 1, bias=False)
    opt = optim.SGD(net.parameters(), lr=lr)
    train_losses, test_losses = [], []
    for _ in range(epochs):
        order = glassnet.randperm(len(xtr))
        for start in range(0, len(xtr), batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            nn.functional.mse_loss(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
        train_losses.append(mse(net, xtr, ytr))
        test_losses.append(mse(net, xte, yte))
    return {"train_losses": train_losses, "test_losses": test_losses,
            "train_loss": train_losses[-1], "test_loss": test_losses[-1],
            "weights": net.weight.detach().numpy().ravel().tolist()}


def plot_curves(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3.5), sharey=True)
    for ax, (name, r) in zip(axes, results.items()):
        epochs = range(1, len(r["train_losses"]) + 1)
        ax.semilogy(epochs, r["train_losses"], label="train")
        ax.semilogy(epochs, r["test_losses"], label="test")
        ax.set_title(f"{name} (degree {r['degree']})")
        ax.set_xlabel("epoch")
        ax.legend()
    axes[0].set_ylabel("mean squared error")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"curves written to {path}")


def run(n_train=20, n_test=1000, epochs=500, lr=0.1, batch_size=10, noise=0.1,
        overfit_degree=MAX_DEGREE, plot=None, seed=0):
    glassnet.manual_seed(seed)
    data = synthetic_data(n_train, n_test, noise, seed)
    print(f"synthetic data: y = {TRUE_W} . (P0, P1, P2, P3)(x) + N(0, {noise}^2) noise")
    print(f"{n_train} training samples, {n_test} test samples; SGD lr {lr}, batch {batch_size}, "
          f"{epochs} epochs")
    results = {}
    for name, degree in (("underfit", 1), ("good", 3), ("overfit", overfit_degree)):
        glassnet.manual_seed(seed)
        results[name] = train(*data, degree, epochs, lr, batch_size)
        results[name]["degree"] = degree
    print(f"{'model':>9} {'degree':>6} {'train MSE':>10} {'test MSE':>10}")
    for name, r in results.items():
        print(f"{name:>9} {r['degree']:>6} {r['train_loss']:>10.4f} {r['test_loss']:>10.4f}")
    good = np.array(results["good"]["weights"])
    print(f"degree-3 weights {np.round(good, 3).tolist()} (true {TRUE_W})")
    print(f"noise level (the best possible expected MSE): {noise ** 2:.4f}")
    if plot:
        plot_curves(results, plot)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="Underfitting and overfitting with polynomial regression")
    parser.add_argument("--n-train", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--plot", help="write the train/test loss curves to this PNG file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(n_train=args.n_train, epochs=args.epochs, lr=args.lr, plot=args.plot, seed=args.seed)


if __name__ == "__main__":
    main()
