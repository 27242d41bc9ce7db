"""One training step of an MLP 784-512-256-10 (ReLU, cross-entropy, SGD).

glassnet, PyTorch eager and a hand-written NumPy version, batch 128, float32,
interleaved in separate processes.  Run from the repository root:

    python benchmarks/mlp_step.py [--threads 2] [--rounds 30] [--reps 10] [--baseline ../other-checkout]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from harness import compare, report, with_baseline  # noqa: E402

SIZES = (784, 512, 256, 10)
BATCH = 128
LR = 0.01


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return x, y


def glassnet_step(threads):
    import glassnet
    from glassnet import nn, optim

    glassnet.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, y = _data()
    x, y = glassnet.tensor(x), glassnet.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def torch_step(threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = _data()
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def numpy_step(threads):
    """The same network with hand-derived backprop: the floor for a NumPy framework."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        params.append((w, b))
    x, y = _data()
    rows = np.arange(BATCH)

    def step():
        # forward, keeping each layer's input
        acts = [x]
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w.T
            h += b
            if i < len(params) - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        logits = acts[-1]
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        # fused softmax + cross-entropy gradient
        g = logits
        g[rows, y] -= 1
        g /= BATCH
        for i in range(len(params) - 1, -1, -1):
            w, b = params[i]
            a = acts[i]
            gw = g.T @ a
            gb = g.sum(axis=0)
            if i:
                g = g @ w
                g *= a > 0
            w -= LR * gw
            b -= LR * gb

    return step


FACTORIES = {"glassnet": glassnet_step, "pytorch": torch_step, "numpy": numpy_step}


def make(name, threads):
    return FACTORIES[name](threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--only", nargs="*", default=list(FACTORIES))
    parser.add_argument("--baseline", metavar="DIR", help="also time glassnet from this checkout (A/B)")
    args = parser.parse_args()
    names = with_baseline(args.only, args.baseline)
    samples = compare("mlp_step:make", names, args.rounds, args.reps, threads=args.threads)
    rows = report(
        f"MLP 784-512-256-10 training step, batch {BATCH}, float32, {args.threads} threads",
        samples, baseline="pytorch" if "pytorch" in samples else args.only[0],
    )
    if "glassnet" in rows and "numpy" in rows:
        print(f"\nglassnet / numpy: {rows['glassnet'][0] / rows['numpy'][0]:.2f}")


if __name__ == "__main__":
    main()
