"""Lesson: regression and classification losses compared.

1. Outliers.  Fit a line to *synthetic* data, y = 2x + 1 + N(0, 0.3^2),
   in which a tenth of the points have been pulled 8 units down.  Three
   losses of the residual r = prediction - target:

       MSE    r^2                      gradient 2r: grows with the residual
       MAE    |r|                      gradient sign(r): every point counts the same
       Huber  r^2 / 2 if |r| <= d,     gradient r, capped at +-d
              d (|r| - d/2) otherwise

   Under MSE an outlier 8 units away pulls 8 times as hard as a point 1
   unit away, so a few outliers drag the whole line towards them.  MAE fits
   the median instead of the mean and ignores how far away the outliers are;
   Huber behaves like MSE near the line and like MAE far from it.

2. A confidently wrong prediction.  A sigmoid output p = sigma(z) with
   logit z = -6 says "class 1 has probability 0.25 %", but the target is 1.
   With binary cross-entropy L = -log p the gradient is dL/dz = p - 1, about
   -1: a strong push.  With squared error L = (p - 1)^2 it is
   2 (p - 1) p (1 - p): the sigmoid's flat tail multiplies it by p (1 - p),
   about 0.0025, so the model barely learns from its worst mistakes.  That
   is why classifiers use cross-entropy.

3. Label smoothing.  With one-hot targets, cross-entropy keeps falling as
   the correct logit grows: the optimum is infinitely confident.  Label
   smoothing with eps mixes the target with the uniform distribution,
   q = (1 - eps) onehot + eps / K, and the loss becomes
   (1 - eps) CE(true class) + eps * mean_k(-log p_k).  For logits (g, 0, ..., 0)
   its minimum is at a finite margin, g* = log((1 - eps + eps/K) / (eps/K)):
   log 91 = 4.51 for eps = 0.1 and K = 10.  We find g by gradient descent
   and compare.

Run:  python lessons/losses.py
"""

import argparse
import math

import numpy as np

import glassnet
import glassnet.nn.functional as F
from glassnet import nn, optim

TRUE_SLOPE, TRUE_INTERCEPT = 2.0, 1.0


# ---------------------------------------------------------------- 1. outliers
def outlier_data(n, outlier_share, seed):
    """Synthetic line with noise; the points with the largest x are pulled 8 units down."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(scale=0.3, size=n)
    n_out = int(n * outlier_share)
    y[-n_out:] -= 8.0
    return glassnet.tensor(x.reshape(-1, 1)), glassnet.tensor(y.reshape(-1, 1))


def fit_line(x, y, loss_fn, steps, lr):
    glassnet.manual_seed(0)
    net = nn.Linear(1, 1)
    opt = optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    slope, intercept = net.weight.item(), net.bias.item()
    # How far the fitted line is from the clean one, on average over the inputs' range [-2, 2]:
    # the root of the mean of ((slope - 2) x + (intercept - 1))^2 for x uniform on [-2, 2].
    ds, di = slope - TRUE_SLOPE, intercept - TRUE_INTERCEPT
    distance = math.sqrt(ds ** 2 * 4 / 3 + di ** 2)
    return {"slope": slope, "intercept": intercept, "distance": distance}


def compare_regression_losses(n, outlier_share, steps, lr, seed):
    x, y = outlier_data(n, outlier_share, seed)
    losses = {"MSE": nn.MSELoss(), "MAE": nn.L1Loss(), "Huber": nn.HuberLoss(delta=1.0)}
    fits = {name: fit_line(x, y, fn, steps, lr) for name, fn in losses.items()}
    print(f"1. Fitting y = {TRUE_SLOPE:g} x + {TRUE_INTERCEPT:g} (synthetic, {n} points, "
          f"{outlier_share:.0%} pulled 8 down)")
    print(f"   {'loss':>6} {'slope':>7} {'intercept':>9} {'distance to clean line':>23}")
    for name, f in fits.items():
        print(f"   {name:>6} {f['slope']:7.3f} {f['intercept']:9.3f} {f['distance']:23.3f}")
    return fits


# ---------------------------------------------------------------- 2. confidently wrong
def sigmoid_output_gradients(logits, target=1.0):
    z = glassnet.tensor(logits, dtype=glassnet.float64, requires_grad=True)
    t = glassnet.full((len(logits),), target, dtype=glassnet.float64)
    F.binary_cross_entropy_with_logits(z, t, reduction="sum").backward()
    bce = z.grad.numpy().copy()
    z.grad = None
    ((z.sigmoid() - t) ** 2).sum().backward()
    mse = z.grad.numpy().copy()
    return bce, mse


def compare_classification_gradients(logits):
    bce, mse = sigmoid_output_gradients(logits)
    print("2. Target 1, sigmoid output p = sigma(z): gradient of the loss with respect to z")
    print(f"   {'z':>5} {'p':>8} {'BCE dL/dz':>10} {'MSE dL/dz':>10} {'ratio':>8}")
    for z, gb, gm in zip(logits, bce, mse):
        p = 1 / (1 + math.exp(-z))
        print(f"   {z:5.1f} {p:8.4f} {gb:10.4f} {gm:10.4f} {gb / gm:8.1f}")
    return {"logits": list(logits), "bce": bce.tolist(), "mse": mse.tolist()}


# ---------------------------------------------------------------- 3. label smoothing
def smoothed_by_hand(logits, target, eps):
    log_p = F.log_softmax(logits, dim=1)
    picked = -log_p[glassnet.arange(len(target)), target]
    return ((1 - eps) * picked + eps * (-log_p.mean(dim=1))).mean()


def best_margin(eps, classes, steps, lr):
    """Gradient descent on g for logits (g, 0, ..., 0) and true class 0."""
    g = glassnet.zeros(1, dtype=glassnet.float64, requires_grad=True)
    rest = glassnet.zeros(classes - 1, dtype=glassnet.float64)
    target = glassnet.tensor([0])
    for _ in range(steps):
        logits = glassnet.cat([g, rest]).reshape(1, -1)
        loss = F.cross_entropy(logits, target, label_smoothing=eps)
        loss.backward()
        with glassnet.no_grad():
            g -= lr * g.grad
        g.grad = None
    return g.item()


def compare_label_smoothing(eps, classes, steps, lr, seed):
    glassnet.manual_seed(seed)
    logits = glassnet.randn(8, classes, dtype=glassnet.float64)
    target = glassnet.randint(0, classes, (8,))
    library = F.cross_entropy(logits, target, label_smoothing=eps).item()
    hand = smoothed_by_hand(logits, target, eps).item()
    optimum = math.log((1 - eps + eps / classes) / (eps / classes))
    smoothed, plain = best_margin(eps, classes, steps, lr), best_margin(0.0, classes, steps, lr)
    plain_half = best_margin(0.0, classes, steps // 2, lr)
    print(f"3. Cross-entropy with label smoothing eps = {eps}, {classes} classes")
    print(f"   F.cross_entropy(label_smoothing) {library:.6f} = by hand {hand:.6f}")
    print(f"   margin g after {steps} steps of gradient descent: with smoothing {smoothed:.3f} "
          f"(formula {optimum:.3f})")
    print(f"   without smoothing: {plain_half:.3f} after {steps // 2} steps, {plain:.3f} after {steps}, "
          "and still growing")
    return {"library": library, "hand": hand, "margin": smoothed, "optimal_margin": optimum,
            "margin_without_smoothing": plain, "margin_without_smoothing_half": plain_half}


def run(n=100, outlier_share=0.1, steps=1500, lr=0.05, eps=0.1, classes=10, seed=0):
    return {
        "regression": compare_regression_losses(n, outlier_share, steps, lr, seed),
        "gradients": compare_classification_gradients([-6.0, -3.0, 0.0, 3.0]),
        "smoothing": compare_label_smoothing(eps, classes, steps, 1.0, seed),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description="Regression and classification losses compared")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--outliers", type=float, default=0.1, help="share of points pulled down")
    parser.add_argument("--eps", type=float, default=0.1, help="label smoothing")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(outlier_share=args.outliers, steps=args.steps, eps=args.eps, seed=args.seed)


if __name__ == "__main__":
    main()
