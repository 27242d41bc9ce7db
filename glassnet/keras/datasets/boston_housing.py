"""``boston_housing.load_data()``: 404 training and 102 test houses, split as Keras splits them."""

from ...data.datasets import boston as _boston


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    return _boston.load_data(test_split=test_split, seed=seed)
