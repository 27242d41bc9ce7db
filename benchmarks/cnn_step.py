"""Whole convolutional networks: LeNet-5 and a small VGG, glassnet vs PyTorch.

Workloads (float32, SGD lr 0.01, cross-entropy), each implementation in its
own worker process, interleaved (see harness.py):

* ``lenet_train``: LeNet-5 with max pooling on 1x28x28, batch 128, one step;
* ``vgg_train``: conv64, conv64, pool, conv128, conv128, pool, fc256, fc10 on
  3x32x32, batch 64, one step;
* ``lenet_infer``: LeNet-5 forward under no_grad, batch 1024; also in
  hand-written NumPy.

Run from the repository root:

    python benchmarks/cnn_step.py [--threads 2] [--rounds 9] [--workers 3] [--only lenet_train]
        [--baseline ../other-checkout]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report, with_baseline  # noqa: E402

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


def _numpy_lenet_infer(shape):
    """LeNet-5 inference written directly in NumPy: (C, H, W, N) layout, one im2col slice copy
    per kernel offset and one product per convolution, the pool before the bias and ReLU."""
    import numpy as np

    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s).astype(np.float32) * 0.1
               for s in [(6, 1, 5, 5), (16, 6, 5, 5), (400, 120), (120, 84), (84, 10)]]
    biases = [np.zeros(n, np.float32) for n in (6, 16, 120, 84, 10)]
    x = _data(shape)[0]

    def conv_pool_relu(h, w, b, pad):  # h: (C, H, W, N)
        c, height, width, n = h.shape
        if pad:
            h = np.pad(h, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        k, ho, wo = w.shape[2], height + 2 * pad - w.shape[2] + 1, width + 2 * pad - w.shape[2] + 1
        cols = np.empty((c, k, k, ho, wo, n), np.float32)
        for i in range(k):
            for j in range(k):
                cols[:, i, j] = h[:, i : i + ho, j : j + wo]
        y = (w.reshape(len(w), -1) @ cols.reshape(c * k * k, -1)).reshape(len(w), ho, wo, n)
        y = np.maximum(np.maximum(y[:, 0::2, 0::2], y[:, 0::2, 1::2]),
                       np.maximum(y[:, 1::2, 0::2], y[:, 1::2, 1::2]))
        y += b[:, None, None, None]
        return np.clip(y, np.float32(0), np.float32(np.inf), out=y)

    def infer():
        h = conv_pool_relu(x.transpose(1, 2, 3, 0), weights[0], biases[0], 2)
        h = conv_pool_relu(h, weights[1], biases[1], 0)
        h = h.transpose(3, 0, 1, 2).reshape(len(x), -1)
        for w, b, last in zip(weights[2:], biases[2:], (False, False, True)):
            h = h @ w + b
            if not last:
                np.clip(h, np.float32(0), np.float32(np.inf), out=h)
        return h

    return infer


def make(name, threads):
    impl, workload = name.split(":")
    arch, shape, train, _ = WORKLOADS[workload]
    if impl == "numpy":
        return _numpy_lenet_infer(shape)
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
    parser.add_argument("--baseline", metavar="DIR", help="also time glassnet from this checkout (A/B)")
    args = parser.parse_args()
    for workload in args.only:
        reps = WORKLOADS[workload][3]
        names = [f"glassnet:{workload}", f"pytorch:{workload}"]
        if workload == "lenet_infer":  # the hand-written NumPy reference exists for inference
            names.append(f"numpy:{workload}")
        names = with_baseline(names, args.baseline)
        samples = compare("cnn_step:make", names, rounds=args.rounds, reps=reps, warmup=2,
                          threads=args.threads, workers=args.workers)
        report(f"{workload}, {args.threads} threads", samples, baseline=f"pytorch:{workload}")


if __name__ == "__main__":
    main()
