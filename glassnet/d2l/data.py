"""d2l's data: synthetic regression data and Fashion-MNIST, in both styles of the book.

Fashion-MNIST comes from glassnet's own loader (download + checksum +
cache under ``$GLASSNET_DATA``); each image is resized with Pillow and
scaled to [0, 1] as ``transforms.Compose([Resize(resize), ToTensor()])``
does in the book. For quick runs, ``GLASSNET_D2L_TRAIN_EXAMPLES`` and
``GLASSNET_D2L_VAL_EXAMPLES`` keep only the first N images of each split.
"""

import inspect
import os

import numpy as np
from PIL import Image

import glassnet

from ..data import DataLoader, Subset, TensorDataset
from ..data.datasets import mnist
from .core import DataModule
from .plotting import show_images

TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle boot"]
LIMITS = {True: "GLASSNET_D2L_TRAIN_EXAMPLES", False: "GLASSNET_D2L_VAL_EXAMPLES"}


def synthetic_data(w, b, num_examples):
    """``(X, y)`` with ``y = X w + b + noise``: X standard normal, noise of std 0.01."""
    X = glassnet.normal(0, 1, (num_examples, len(w)))
    y = glassnet.matmul(X, w.reshape(-1, 1) if w.ndim == 1 else w) + b
    y = y + glassnet.normal(0, 0.01, y.shape)
    return X, y.reshape(-1, 1)


def load_array(data_arrays, batch_size, is_train=True):
    """A DataLoader over tensors of the same length, shuffled when ``is_train``."""
    return DataLoader(TensorDataset(*data_arrays), batch_size, shuffle=is_train)


def _loader(dataset, batch_size, shuffle, num_workers):
    """A DataLoader; ``num_workers`` is passed on only where glassnet's DataLoader takes it."""
    if num_workers and "num_workers" in inspect.signature(DataLoader).parameters:
        return DataLoader(dataset, batch_size, shuffle=shuffle, num_workers=num_workers)
    return DataLoader(dataset, batch_size, shuffle=shuffle)


class ResizeToTensor:
    """A uint8 HxW image -> float32 (1, h, w) in [0, 1], resized bilinearly when ``size`` differs."""

    def __init__(self, size=None):
        if isinstance(size, int):
            size = (size, size)
        self.size = None if size is None else tuple(int(s) for s in size)

    def __call__(self, image):
        if self.size is not None and tuple(image.shape) != self.size:
            height, width = self.size
            image = np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))
        return (image.astype(np.float32) / 255.0)[None]


def fashion_mnist_split(train, resize=None, root=None):
    """One split as a Dataset of ``(float image (1, h, w), label)``, limited by the env variables."""
    dataset = mnist.FashionMNIST(root=root, train=train, transform=ResizeToTensor(resize))
    limit = os.environ.get(LIMITS[train])
    if limit:
        dataset = Subset(dataset, list(range(min(int(limit), len(dataset)))))
    return dataset


def get_fashion_mnist_labels(labels):
    """The text label of each numeric Fashion-MNIST label."""
    return [TEXT_LABELS[int(i)] for i in labels]


def load_data_fashion_mnist(batch_size, resize=None):
    """``(train_iter, test_iter)`` over Fashion-MNIST (function-style book, chapter 3)."""
    return (_loader(fashion_mnist_split(True, resize), batch_size, True, 0),
            _loader(fashion_mnist_split(False, resize), batch_size, False, 0))


class FashionMNIST(DataModule):
    """Fashion-MNIST as a DataModule: ``.train``/``.val`` datasets, loaders, ``visualize``."""

    def __init__(self, batch_size=64, resize=(28, 28), root=None, num_workers=0):
        super().__init__(root=root, num_workers=num_workers)
        self.save_hyperparameters()
        self.train = fashion_mnist_split(True, resize, root)
        self.val = fashion_mnist_split(False, resize, root)

    def text_labels(self, indices):
        return get_fashion_mnist_labels(indices)

    def get_dataloader(self, train):
        data = self.train if train else self.val
        return _loader(data, self.batch_size, train, self.num_workers)

    def visualize(self, batch, nrows=1, ncols=8, labels=()):
        X, y = batch
        labels = list(labels) or self.text_labels(y)
        show_images(X.squeeze(1), nrows, ncols, titles=labels)


class SyntheticRegressionData(DataModule):
    """``y = X w + b + noise`` with ``num_train`` training and ``num_val`` validation rows."""

    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32):
        super().__init__()
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = glassnet.randn(n, len(w))
        self.y = glassnet.matmul(self.X, w.reshape(-1, 1)) + b + glassnet.randn(n, 1) * noise

    def get_dataloader(self, train):
        rows = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, rows)
