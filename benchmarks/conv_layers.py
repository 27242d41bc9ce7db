"""Forward + backward of convolution and pooling layers, glassnet vs PyTorch.

Each workload runs in two worker processes (glassnet, torch) that take turns
(see harness.py); medians and ratios are printed.  float32 throughout; the
input of the first LeNet layer needs no gradient, as in training.  Run from
the repository root:

    python benchmarks/conv_layers.py [--threads 2] [--rounds 10] [--reps 5] [--only vgg_conv]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from harness import compare, report  # noqa: E402

# name: (input shape, layer constructor arguments as (kind, args, kwargs), input needs grad)
WORKLOADS = {
    "lenet_conv1": ((128, 1, 28, 28), ("Conv2d", (1, 6, 5), {"padding": 2}), False),
    "lenet_conv2": ((128, 6, 14, 14), ("Conv2d", (6, 16, 5), {}), True),
    "vgg_conv": ((64, 64, 32, 32), ("Conv2d", (64, 64, 3), {"padding": 1}), True),
    "vgg_conv_widen": ((64, 64, 16, 16), ("Conv2d", (64, 128, 3), {"padding": 1}), True),
    "maxpool_lenet": ((128, 6, 28, 28), ("MaxPool2d", (2,), {}), True),
    "maxpool_vgg": ((64, 64, 32, 32), ("MaxPool2d", (2,), {}), True),
    "batchnorm_vgg": ((64, 64, 32, 32), ("BatchNorm2d", (64,), {}), True),
}


def _layer_step(workload, impl, threads):
    shape, (kind, args, kwargs), input_grad = WORKLOADS[workload]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    if impl == "torch":
        import torch

        torch.set_num_threads(threads)
        layer = getattr(torch.nn, kind)(*args, **kwargs)
        xt = torch.tensor(x, requires_grad=input_grad)
        up = torch.tensor(rng.standard_normal(tuple(layer(xt).shape)).astype(np.float32))
    else:
        import glassnet

        layer = getattr(glassnet.nn, kind)(*args, **kwargs)
        xt = glassnet.tensor(x, requires_grad=input_grad)
        up = glassnet.tensor(rng.standard_normal(layer(xt).shape).astype(np.float32))

    def step():
        for p in layer.parameters():
            p.grad = None
        layer(xt).backward(up)

    return step


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def _lenet_step(impl, threads, batch, train):
    """A LeNet-5 (max pool) training step with SGD, or inference under no_grad."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    if impl == "torch":
        import torch as lib

        lib.set_num_threads(threads)
    else:
        import glassnet as lib
    lib.manual_seed(0)
    model = _lenet(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()
    xt, yt = lib.tensor(x), lib.tensor(y)

    def train_step():
        opt.zero_grad()
        loss_fn(model(xt), yt).backward()
        opt.step()

    def infer():
        with lib.no_grad():
            model(xt)

    return train_step if train else infer


def lenet_train(impl, threads):
    return _lenet_step(impl, threads, 128, True)


def lenet_inference(impl, threads):
    return _lenet_step(impl, threads, 1024, False)


def _factory(workload):
    def factory(impl, threads):
        return _layer_step(workload, impl, threads)

    return factory


for _name in WORKLOADS:
    globals()[_name] = _factory(_name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="workload names (default: all)")
    args = parser.parse_args()
    names = args.only or list(WORKLOADS) + ["lenet_train", "lenet_inference"]
    ratios = {}
    for name in names:
        samples = compare(f"conv_layers:{name}", ["glassnet", "torch"], rounds=args.rounds, reps=args.reps,
                          warmup=3, threads=args.threads)
        rows = report(f"{name}, {args.threads} threads", samples, "torch")
        ratios[name] = rows["glassnet"][1]
    print("\n| workload | glassnet / torch |\n|---|---|")
    for name, ratio in ratios.items():
        print(f"| {name} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
