"""Whole convolutional networks: LeNet-5 and a small VGG, glassnet vs PyTorch.

Workloads (float32, SGD lr 0.01, cross-entropy), each implementation in its
own worker process, interleaved (see harness.py):

* ``lenet_train``: LeNet-5 with max pooling on 1x28x28, batch 128, one step;
* ``vgg_train``: conv64, conv64, pool, conv128, conv128, pool, fc256, fc10 on
  3x32x32, batch 64, one step;
* ``lenet_infer``: LeNet-5 forward under no_grad, batch 1024.

Run from the repository root:

    python benchmarks/cnn_step.py [--threads 2] [--rounds 9] [--workers 3] [--only lenet_train]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report  # noqa: E402

WORKLOADS = {
    "lenet_train": ("lenet", (128, 1, 28, 28), True, 10),
    "vgg_train": ("vgg", (64, 3, 32, 32), True, 2),
    "lenet_infer": ("lenet", (1024, 1, 28, 28), False, 5),
}


def _layers(nn, arch):
    """The same architecture from either library's ``nn`` namespace."""
    if arch == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        )
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8192, 256), nn.ReLU(), nn.Linear(256, 10),
    )


def _data(shape):
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, 10, shape[0])


def make(name, threads):
    impl, workload = name.split(":")
    arch, shape, train, _ = WORKLOADS[workload]
    if impl == "pytorch":
        import torch as lib

        lib.set_num_threads(threads)
        wrap = lib.from_numpy
        grad_off = lib.no_grad
    else:
        import glassnet as lib

        wrap = lib.tensor
        grad_off = lib.no_grad
    lib.manual_seed(0)
    model = _layers(lib.nn, arch)
    x, y = _data(shape)
    x, y = wrap(x), wrap(y)
    if not train:
        model.eval()

        def infer():
            with grad_off():
                model(x)

        return infer
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--workers", type=int, default=3, help="processes per implementation, in turn")
    args = parser.parse_args()
    for workload in args.only:
        reps = WORKLOADS[workload][3]
        names = [f"glassnet:{workload}", f"pytorch:{workload}"]
        samples = compare("cnn_step:make", names, rounds=args.rounds, reps=reps, warmup=2,
                          threads=args.threads, workers=args.workers)
        report(f"{workload}, {args.threads} threads", samples, baseline=f"pytorch:{workload}")


if __name__ == "__main__":
    main()
