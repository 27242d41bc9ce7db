"""Boston housing prices (Harrison & Rubinfeld, 1978): 506 towns, 13 features, median value.

The file is the CSV scikit-learn shipped until version 1.2
(``sklearn/datasets/data/boston_house_prices.csv``) without its first line,
which only held the counts ``506,13``. It is cached as
``<data root>/boston/boston_house_prices.csv``.

The data set has a known ethical problem: feature ``B`` was built from the
proportion of Black residents under the assumption that racial
self-segregation raises house prices. It is kept here because the Keras book
and many courses use it for their first regression; treat it as a lesson in
auditing data, not as a model of the world.
"""

import io

import numpy as np

from ._download import Resource, fetch, register

FILE = "boston_house_prices.csv"
_SKLEARN = "https://raw.githubusercontent.com/scikit-learn/scikit-learn/{}/sklearn/datasets/data/" + FILE


def _drop_count_line(raw):
    """scikit-learn's copy starts with a ``506,13,,,`` line; the cached file does not."""
    first, _, rest = raw.partition(b"\n")
    return rest if first.startswith(b"506,13") else raw


register("boston", [
    Resource(
        FILE,
        tuple(_SKLEARN.format(tag) for tag in ("1.1.3", "0.24.2")),
        "04ea3ed0aa63691cfedf388349eafc1213e91e00f8e4d31747534692c0f1ce02",
        convert=_drop_count_line,
    ),
])


def load_boston(root=None, download=True):
    """``(features, targets, feature_names)``: float64 arrays (506, 13) and (506,), and 13 names.

    The target is ``MEDV``, the median home value in thousands of dollars.
    """
    text = fetch("boston", FILE, root, download).decode("ascii")
    header = [name.strip().strip('"') for name in text.splitlines()[0].split(",")]
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if header[-1] != "MEDV" or table.shape[1] != len(header):
        raise ValueError(f"boston/{FILE}: expected feature columns then MEDV, got header {header}")
    return table[:, :-1], table[:, -1], header[:-1]


def load_data(test_split=0.2, seed=113, root=None, download=True):
    """Keras' ``boston_housing.load_data()``: ``((x_train, y_train), (x_test, y_test))``.

    Rows are shuffled with NumPy's legacy generator seeded with ``seed`` and
    the first ``int(506 * (1 - test_split))`` go to training, which gives
    exactly Keras' split: 404 training and 102 test samples by default.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in [0, 1), got {test_split}")
    x, y, _ = load_boston(root, download)
    order = np.arange(len(x))
    # RandomState(seed).shuffle draws the same permutation as Keras' np.random.seed + shuffle,
    # without touching the global generator.
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
