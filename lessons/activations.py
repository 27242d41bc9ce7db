"""Lesson: activation functions and their derivatives, by autograd and by hand.

Backpropagation multiplies, layer after layer, by the derivative of the
activation, so the shape of f'(x) decides whether gradients survive a deep
network.  The closed forms, with sigma the logistic sigmoid and Phi, phi the
standard normal CDF and density:

    ReLU        max(x, 0)               1 if x > 0 else 0
    LeakyReLU   x if x > 0 else a x     1 if x > 0 else a         (a = 0.1 here)
    ELU         x if x > 0 else e^x - 1 1 if x > 0 else e^x
    sigmoid     1 / (1 + e^-x)          sigma(x) (1 - sigma(x))   at most 1/4
    tanh        tanh(x)                 1 - tanh(x)^2             at most 1
    softplus    log(1 + e^x)            sigma(x)
    GELU        x Phi(x)                Phi(x) + x phi(x)
    SiLU        x sigma(x)              sigma(x) (1 + x (1 - sigma(x)))

Autograd gets f'(x) at every point of a grid at once: y = f(x) acts element
by element, so the gradient of sum(y) with respect to x_i is exactly
f'(x_i).  We compute it in float64 and compare it with the closed form.

What to notice in the table and the plot:
* sigmoid and tanh *saturate*: at |x| = 5 their slopes are below 0.01 and
  0.001, and sigmoid's is never above 1/4, so a stack of them shrinks the
  gradient at every layer (vanishing gradients);
* ReLU's slope is exactly 1 for every positive input, which is why deep
  ReLU networks train; but it is 0 for negative inputs, so a unit whose
  input is always negative never learns again ("dead ReLU");
  LeakyReLU and ELU keep a small slope there;
* GELU and SiLU are smooth versions of ReLU; their slope dips slightly
  below 0 for negative inputs and overshoots 1 for moderate positive ones.

Run:  python lessons/activations.py [--plot activations.png]
"""

import argparse
import math

import numpy as np

import glassnet
import glassnet.nn.functional as F

LEAKY_SLOPE = 0.1


def _sigma(x):
    return 1 / (1 + np.exp(-x))


def _normal_cdf(x):
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _normal_pdf(x):
    return np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)


# name -> (function on Tensors, closed-form derivative on NumPy arrays)
ACTIVATIONS = {
    "ReLU": (F.relu, lambda x: (x > 0).astype(x.dtype)),
    "LeakyReLU": (lambda t: F.leaky_relu(t, LEAKY_SLOPE), lambda x: np.where(x > 0, 1.0, LEAKY_SLOPE)),
    "ELU": (F.elu, lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "sigmoid": (glassnet.sigmoid, lambda x: _sigma(x) * (1 - _sigma(x))),
    "tanh": (glassnet.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softplus": (F.softplus, _sigma),
    "GELU": (F.gelu, lambda x: _normal_cdf(x) + x * _normal_pdf(x)),
    "SiLU": (F.silu, lambda x: _sigma(x) * (1 + x * (1 - _sigma(x)))),
}


def derivatives(fn, x):
    """f(x) and f'(x) at every grid point, by autograd."""
    t = glassnet.tensor(x, dtype=glassnet.float64, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def plot_curves(x, curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(12, 5.5), sharex=True)
    for ax, (name, c) in zip(axes.ravel(), curves.items()):
        ax.plot(x, c["value"], label="f(x)")
        ax.plot(x, c["autograd"], "--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylim(-1.2, 2.5)
        ax.set_title(name)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"plot written to {path}")


def run(points=1200, limit=6.0, plot=None):
    # An even number of points on a symmetric grid misses x = 0, where ReLU has no derivative.
    x = np.linspace(-limit, limit, points)
    probes = np.array([-5.0, -1.0, 0.5, 5.0])
    curves = {}
    print(f"{'activation':>10} {'max |autograd - closed form|':>28} "
          + " ".join(f"f'({p:g})".rjust(9) for p in probes) + f" {'max slope':>9}")
    for name, (fn, closed_form) in ACTIVATIONS.items():
        value, auto = derivatives(fn, x)
        error = float(np.max(np.abs(auto - closed_form(x))))
        _, at_probes = derivatives(fn, probes)
        curves[name] = {"value": value, "autograd": auto, "error": error,
                        "at": dict(zip(probes.tolist(), at_probes.tolist())), "max_slope": float(auto.max())}
        print(f"{name:>10} {error:>28.1e} " + " ".join(f"{d:9.4f}" for d in at_probes)
              + f" {auto.max():9.4f}")
    if plot:
        plot_curves(x, curves, plot)
    return curves


def main(argv=None):
    parser = argparse.ArgumentParser(description="Activation functions and their derivatives")
    parser.add_argument("--points", type=int, default=1200)
    parser.add_argument("--plot", help="write the functions and their derivatives to this PNG file")
    args = parser.parse_args(argv)
    return run(args.points, plot=args.plot)


if __name__ == "__main__":
    main()
