"""``cross_validate``: folds, per-fold scores, averages, and scalers fitted without leakage."""

import math

import numpy as np
import pytest
from conftest import data_dir

from glassnet import nn
from glassnet.data import StandardScaler
from glassnet.training.cross_validation import CrossValidation, cross_validate


def regression_data(n=40, seed=3):
    rng = np.random.default_rng(seed)
    # A trend along the samples, so that each fold's statistics differ from the whole set's.
    x = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1] + np.linspace(0, 5, n)[:, None]
    y = x @ np.array([[0.5], [-0.1], [2.0]]) + 0.1 * rng.normal(size=(n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def build():
    model = nn.Sequential(nn.Linear(3, 1))
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


class SpyScaler(StandardScaler):
    """A StandardScaler that remembers every array it was fitted on or applied to."""

    def __init__(self):
        super().__init__()
        self.fitted_on, self.applied_to = [], []

    def fit(self, X):
        self.fitted_on.append(np.array(X))
        return super().fit(X)

    def transform(self, X):
        self.applied_to.append(np.array(X))
        return super().transform(X)


def test_folds_histories_and_scores():
    x, y = regression_data()
    result = cross_validate(build, x, y, k=4, epochs=2, batch_size=8)
    assert isinstance(result, CrossValidation) and result.k == 4
    assert len(result.histories) == len(result.scores) == len(result.models) == 4
    assert all(h.epoch == [0, 1] for h in result.histories)
    val_parts = [val for _, val in result.folds]
    assert [len(v) for v in val_parts] == [10] * 4
    np.testing.assert_array_equal(np.sort(np.concatenate(val_parts)), np.arange(40))
    for train, val in result.folds:
        assert len(train) == 30 and not set(train) & set(val)
    # Unshuffled folds are contiguous blocks, as in the book.
    np.testing.assert_array_equal(result.folds[1][1], np.arange(10, 20))
    for history, score in zip(result.histories, result.scores):
        assert set(score) == {"val_loss", "val_mae"}
        assert score["val_mae"] == history.history["val_mae"][-1]
    for name in ("val_loss", "val_mae"):
        values = [s[name] for s in result.scores]
        assert result.mean[name] == pytest.approx(np.mean(values))
        assert result.std[name] == pytest.approx(np.std(values))
    curve = result.mean_history("val_mae")
    assert len(curve) == 2
    assert curve[-1] == pytest.approx(result.mean["val_mae"])
    assert "k=4" in repr(result) and "val_mae" in repr(result)


def test_scaler_is_fitted_on_the_training_part_only():
    x, y = regression_data()
    result = cross_validate(build, x, y, k=4, epochs=1, batch_size=8, scaler=SpyScaler)
    assert len({id(s) for s in result.scalers}) == 4  # a fresh scaler per fold
    for (train, val), scaler, model, score in zip(result.folds, result.scalers, result.models, result.scores):
        assert len(scaler.fitted_on) == 1
        np.testing.assert_array_equal(scaler.fitted_on[0], x[train])
        np.testing.assert_allclose(scaler.mean_, x[train].mean(axis=0), rtol=1e-6)
        assert not np.allclose(scaler.mean_, x.mean(axis=0), rtol=1e-3)
        # transformed: the training part (fit_transform), then the held-out part
        np.testing.assert_array_equal(scaler.applied_to[-1], x[val])
        # The reported score is the model's on the held-out part, scaled with the training statistics.
        logs = model.evaluate(scaler.transform(x[val]), y[val], verbose=0, return_dict=True)
        assert score["val_mae"] == pytest.approx(logs["mae"], rel=1e-5)


def test_standard_scaler_by_name_and_shuffled_folds():
    x, y = regression_data()
    first = cross_validate(build, x, y, k=5, epochs=1, shuffle=True, seed=7, scaler="standard")
    second = cross_validate(build, x, y, k=5, epochs=1, shuffle=True, seed=7)
    assert all(isinstance(s, StandardScaler) for s in first.scalers)
    assert second.scalers == [None] * 5
    for (train1, val1), (train2, val2) in zip(first.folds, second.folds):
        np.testing.assert_array_equal(train1, train2)
        np.testing.assert_array_equal(val1, val2)
    assert not np.array_equal(first.folds[0][1], np.arange(8))


def test_bad_arguments():
    x, y = regression_data()

    def uncompiled():
        return nn.Sequential(nn.Linear(3, 1))

    with pytest.raises(RuntimeError, match="cross_validate: build_model\\(\\) returned a Sequential that is "
                                           "not compiled"):
        cross_validate(uncompiled, x, y)
    with pytest.raises(TypeError, match="must return an nn.Module"):
        cross_validate(lambda: "model", x, y)
    with pytest.raises(ValueError, match="same number of samples"):
        cross_validate(build, x, y[:-1])
    with pytest.raises(ValueError, match="validation_data"):
        cross_validate(build, x, y, validation_data=(x, y))
    with pytest.raises(ValueError, match="unknown scaler 'robust'"):
        cross_validate(build, x, y, scaler="robust")
    with pytest.raises(ValueError, match="k must be an int >= 2"):
        cross_validate(build, x, y, k=1)
    with pytest.raises(KeyError, match="no curve 'val_accuracy'"):
        cross_validate(build, x, y, k=2).mean_history("val_accuracy")


def test_boston_four_folds():
    root = data_dir()
    if root is None or not (root / "boston").is_dir():
        pytest.skip("real data not available: GLASSNET_DATA has no 'boston/' folder")
    from glassnet.data.datasets import boston_housing

    (x, y), _ = boston_housing.load_data(root=root)

    def build_boston():
        model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
        model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
        return model

    result = cross_validate(build_boston, x, y.reshape(-1, 1), k=4, epochs=10, batch_size=16,
                            scaler="standard")
    assert [len(v) for _, v in result.folds] == [101, 101, 101, 101]
    mae = result.mean["val_mae"]
    # Always predicting the mean price is off by about 6.7 (thousand dollars); the book reaches about 2.5.
    assert math.isfinite(mae) and mae < 4.0
