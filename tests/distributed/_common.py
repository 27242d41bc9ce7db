"""What the worker scripts share: the models, the data, and how a rank reports to the test."""

import json
import os
import sys

import numpy as np

import glassnet
from glassnet import nn


def _in(dtype, model):
    # .double() rather than dtype= arguments: it converts the buffers (running statistics) too.
    return model.double() if dtype == np.float64 else model


def mlp(dtype):
    return _in(dtype, nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                                    nn.Linear(16, 3)))


def convnet(dtype):
    """A small convnet on 2x8x8 images, with batch norm (made synchronous by the worker)."""
    return _in(dtype, nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3)))


def batches(shape, steps, batch, dtype, seed=7):
    """``steps`` global batches of ``batch`` inputs of ``shape`` and labels of 3 classes."""
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(steps, batch) + shape).astype(dtype)
    ys = rng.integers(0, 3, size=(steps, batch))
    return xs, ys


def flat_parameters(model):
    return np.concatenate([p.array.ravel().astype(np.float64) for p in model.parameters()])


def report(values):
    """Rank 0 prints one JSON line for the test to read; the other ranks print nothing."""
    if glassnet.distributed.rank() == 0:
        print("RESULT " + json.dumps(values), flush=True)


def out_dir():
    return sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
