"""One full epoch of MNIST training of an MLP 784-512-256-10, data loading included.

glassnet's Keras-style ``fit`` against a hand-written PyTorch loop over its
``DataLoader`` (shuffled, batch 128, SGD lr 0.01, float32), each in its own
process, interleaved.  Needs the real MNIST (``GLASSNET_DATA``).  Run from the
repository root:

    python benchmarks/mnist_epoch.py [--threads 2] [--rounds 5]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report  # noqa: E402

BATCH = 128
LR = 0.01


def _mnist():
    from glassnet.data.datasets import mnist

    (x, y), _ = mnist.load_data()
    return (x.reshape(len(x), -1) / 255.0).astype("float32"), y.astype("int64")


def glassnet_epoch(threads):
    import glassnet
    from glassnet import nn, optim

    glassnet.manual_seed(0)
    x, y = _mnist()
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)
    )
    model.compile(optimizer=optim.SGD(model.parameters(), lr=LR), loss="sparse_categorical_crossentropy")

    def epoch():
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)

    return epoch


def torch_epoch(threads):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x, y = _mnist()
    dataset = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = DataLoader(dataset, batch_size=BATCH, shuffle=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

    return epoch


FACTORIES = {"glassnet": glassnet_epoch, "pytorch": torch_epoch}


def make(name, threads):
    return FACTORIES[name](threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    samples = compare("mnist_epoch:make", list(FACTORIES), rounds=args.rounds, reps=1, warmup=1,
                      threads=args.threads)
    report(f"MNIST MLP 784-512-256-10, one epoch (469 batches of {BATCH}), {args.threads} threads",
           samples, baseline="pytorch", unit_scale=1.0, unit="s")


if __name__ == "__main__":
    main()
