"""The image datasets the command line trains on, and the ``glassnet datasets`` listing."""

import os
from dataclasses import dataclass

import numpy as np

from ..data import datasets
from ..data.datasets import digits, fashion_mnist, mnist


@dataclass
class Split:
    """Images scaled to [0, 1] as float32, labels int64, and the class names."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list


# name -> (Keras-style loader, class names, data-root folder or None when shipped inside glassnet)
IMAGE_DATASETS = {
    "digits": (digits.load_data, [str(d) for d in range(10)], None),
    "mnist": (mnist.load_data, [str(d) for d in range(10)], "mnist"),
    "fashion-mnist": (fashion_mnist.load_data, datasets.FashionMNIST.classes, "fashion-mnist"),
}


def load(name, limit=None):
    """The named dataset, ready to train on; ``limit`` keeps the first N samples of each split."""
    loader, classes, _ = IMAGE_DATASETS[name]
    (x_train, y_train), (x_test, y_test) = loader()
    if limit is not None:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    # Pixels 0..255 -> 0..1 once, up front, so no batch pays for the conversion.
    scale = np.float32(1 / 255)
    return Split(x_train.astype(np.float32) * scale, y_train.astype(np.int64),
                 x_test.astype(np.float32) * scale, y_test.astype(np.int64), list(classes))


def missing_message(name):
    """One line saying where the dataset's files were looked for and what to do."""
    folder = IMAGE_DATASETS[name][2]
    where = datasets.data_root() / folder
    return (f"dataset {name!r} is not in {where} and could not be downloaded; put its files there, or "
            f"point {datasets.DATA_ENV} at a folder with a '{folder}/' subfolder "
            "(`glassnet datasets` lists the files)")


def describe_root():
    root = datasets.data_root()
    if os.environ.get(datasets.DATA_ENV):
        return f"Data root: {root} (from ${datasets.DATA_ENV})"
    return f"Data root: {root} (the default; set ${datasets.DATA_ENV} to use another folder)"


def listing():
    """The text of ``glassnet datasets``: each dataset, whether its files are there, and where."""
    infos = datasets.available()
    width = max(len(i.name) for i in infos) + 2
    lines = [describe_root(), ""]
    for info in infos:
        trainable = "  [glassnet train --dataset]" if info.name in IMAGE_DATASETS else ""
        if info.name == "digits":
            state = "shipped with glassnet" if info.cached else "MISSING from the installation"
        else:
            state = "cached" if info.cached else f"not cached ({len(info.missing)} of {len(info.files)} " \
                                                 "files missing; downloaded on first use)"
        lines.append(f"{info.name.ljust(width)}{info.description}{trainable}")
        lines.append(f"{'':{width}}{state}: {info.path}")
        if info.missing and info.name != "digits":
            lines.append(f"{'':{width}}files: {', '.join(info.files)}")
    return "\n".join(lines)
