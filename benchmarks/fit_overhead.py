"""What ``fit`` costs on top of the training steps themselves.

One MNIST epoch of an MLP 784-512-256-10 (batch 128, SGD lr 0.01), four ways:

* ``bare``: a hand-written glassnet loop over a DataLoader (the floor);
* ``fit``: ``model.fit(verbose=0)`` (loss tracking, TerminateOnNaN);
* ``fit+acc``: ``fit`` with ``metrics=['accuracy']`` and ``verbose=2``;
* ``pytorch``: the hand-written PyTorch loop over its DataLoader.

Each runs in its own process, interleaved (see harness.py). The per-batch
overhead of fit is (fit - bare) / 469. Needs the real MNIST (``GLASSNET_DATA``).

    python benchmarks/fit_overhead.py [--threads 2] [--rounds 5]
"""

import argparse
import contextlib
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report  # noqa: E402
from mnist_epoch import BATCH, LR, _mnist, torch_epoch  # noqa: E402


def _glassnet_model():
    import glassnet
    from glassnet import nn, optim

    glassnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, optim.SGD(model.parameters(), lr=LR)


def bare(threads):
    from glassnet import nn
    from glassnet.data import DataLoader, TensorDataset

    x, y = _mnist()
    model, opt = _glassnet_model()
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

    return epoch


def fit(threads, metrics=None, verbose=0):
    x, y = _mnist()
    model, opt = _glassnet_model()
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=metrics)

    def epoch():
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=verbose)

    return epoch


FACTORIES = {
    "bare": bare,
    "fit": fit,
    "fit+acc": lambda threads: fit(threads, ["accuracy"], verbose=2),
    "pytorch": torch_epoch,
}


def make(name, threads):
    return FACTORIES[name](threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=list(FACTORIES), choices=list(FACTORIES))
    args = parser.parse_args()
    samples = compare("fit_overhead:make", args.only, rounds=args.rounds, reps=1, warmup=1,
                      threads=args.threads)
    report(f"MNIST MLP 784-512-256-10, one epoch (469 batches of {BATCH}), {args.threads} threads",
           samples, baseline=args.only[0], unit_scale=1.0, unit="s")


if __name__ == "__main__":
    main()
