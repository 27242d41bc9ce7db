"""Real datasets, downloaded once from their public sources and checked by SHA-256.

Files live in one subfolder per dataset under the data root: ``$GLASSNET_DATA``
if set, else ``~/.cache/glassnet``. Copy files there by hand to work offline.

PyTorch style::

    from glassnet.data.datasets import MNIST
    train = MNIST(train=True)            # .data uint8 (60000, 28, 28), .targets int64

Keras style::

    from glassnet.data.datasets import mnist, fashion_mnist, boston_housing
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
"""

from typing import NamedTuple

from . import boston, churn, cifar10, digits, fashion_mnist, imdb, mnist, reuters
from ._download import DATA_ENV, ChecksumError, DatasetNotFoundError, data_root, status
from .boston import load_boston
from .churn import churn_csv, load_churn, preprocess_churn, read_churn
from .cifar10 import CIFAR10
from .imdb import IMDB
from .mnist import MNIST, FashionMNIST, IDXFormatError, parse_idx, read_idx

# Keras' module name for the same loader.
boston_housing = boston

_DESCRIPTIONS = {
    "mnist": "MNIST handwritten digits, 60,000 + 10,000 images 28x28, 10 classes",
    "fashion-mnist": "Fashion-MNIST (Zalando), 60,000 + 10,000 images 28x28, 10 classes",
    "boston": "Boston housing prices, 506 rows, 13 features, regression",
    "churn": "Telco customer churn (IBM), 7,043 customers, 1,869 churned",
    "cifar-10": "CIFAR-10, 50,000 + 10,000 colour images 32x32, 10 classes",
    "imdb": "IMDB movie reviews, 25,000 + 25,000 texts, positive or negative",
    "reuters": "Reuters newswires (Keras), 11,228 word-index sequences, 46 topics",
}


class DatasetInfo(NamedTuple):
    name: str
    description: str
    path: object
    cached: bool
    files: list
    missing: list


def available(root=None):
    """Every dataset glassnet can load, with where it lives and whether all its files are there.

    "Cached" means the files exist; their checksums are verified when loaded.
    """
    infos = []
    for name, description in _DESCRIPTIONS.items():
        path, files, missing = status(name, root)
        infos.append(DatasetInfo(name, description, path, not missing, files, missing))
    # Shipped inside the package rather than cached under the data root.
    shipped = digits.FILE.is_file()
    infos.append(DatasetInfo("digits", digits.DESCRIPTION, digits.FILE.parent, shipped,
                             [digits.FILE.name], [] if shipped else [digits.FILE.name]))
    return infos
