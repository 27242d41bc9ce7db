"""glassnet.data splits, scalers and label encoding, checked against scikit-learn, Keras and PyTorch."""

import numpy as np
import pytest
import torch
from sklearn import model_selection
from sklearn import preprocessing as skp

import glassnet
from glassnet.data import (
    MinMaxScaler,
    StandardScaler,
    kfold_indices,
    one_hot,
    to_categorical,
    train_test_split,
)


# ------------------------------------------------------------------- splits
@pytest.mark.parametrize("n,test_size", [(10, 0.2), (11, 0.25), (7, 0.5), (100, 0.33), (20, 3)])
def test_train_test_split_matches_sklearn_unshuffled(n, test_size):
    x = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    ours = train_test_split(x, y, test_size=test_size, shuffle=False)
    theirs = model_selection.train_test_split(x, y, test_size=test_size, shuffle=False)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_train_test_split_shuffled():
    n = 53
    x, y = np.arange(n) * 10, glassnet.arange(n)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, seed=4)
    sk = model_selection.train_test_split(x, test_size=0.3, random_state=0)
    assert (len(x_tr), len(x_te)) == (len(sk[0]), len(sk[1]))
    assert isinstance(y_tr, glassnet.Tensor) and isinstance(x_tr, np.ndarray)
    np.testing.assert_array_equal(x_tr, y_tr.array * 10)  # rows stay paired
    np.testing.assert_array_equal(np.sort(np.concatenate([x_tr, x_te])), x)
    assert not np.array_equal(x_te, x[-len(x_te):])
    again = train_test_split(x, y, test_size=0.3, seed=4)
    np.testing.assert_array_equal(again[1], x_te)
    glassnet.manual_seed(9)
    first = train_test_split(x, test_size=0.3)[1]
    glassnet.manual_seed(9)
    np.testing.assert_array_equal(train_test_split(x, test_size=0.3)[1], first)


def test_train_test_split_errors():
    with pytest.raises(ValueError, match=r"\[4, 5\]"):
        train_test_split(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros(4), test_size=1.5)
    with pytest.raises(ValueError, match="at least one"):
        train_test_split(np.zeros(4), test_size=4)


@pytest.mark.parametrize("n,k", [(10, 2), (10, 3), (11, 5), (7, 7), (100, 10)])
def test_kfold_matches_sklearn(n, k):
    ours = list(kfold_indices(n, k))
    theirs = list(model_selection.KFold(n_splits=k, shuffle=False).split(np.zeros(n)))
    assert len(ours) == k
    for (tr, va), (tr_sk, va_sk) in zip(ours, theirs):
        np.testing.assert_array_equal(tr, tr_sk)
        np.testing.assert_array_equal(va, va_sk)


def test_kfold_shuffled_covers_each_sample_once():
    folds = list(kfold_indices(23, 4, shuffle=True, seed=1))
    vals = np.concatenate([va for _, va in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(23))
    assert not np.array_equal(vals, np.arange(23))
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 23
    again = list(kfold_indices(23, 4, shuffle=True, seed=1))
    np.testing.assert_array_equal(again[2][1], folds[2][1])
    with pytest.raises(ValueError, match="k must be"):
        list(kfold_indices(10, 1))
    with pytest.raises(ValueError, match="5 samples"):
        list(kfold_indices(5, 6))


# ------------------------------------------------------------------ scalers
def _train_test():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(50, 4)) * np.array([1.0, 10.0, 0.1, 1.0])
    train[:, 3] = 1.5  # a constant feature
    test = rng.normal(3.0, 2.0, size=(20, 4))
    return train, test


@pytest.mark.parametrize("ours,theirs", [
    (StandardScaler(), skp.StandardScaler()),
    (StandardScaler(with_mean=False), skp.StandardScaler(with_mean=False)),
    (MinMaxScaler(), skp.MinMaxScaler()),
    (MinMaxScaler(feature_range=(-1, 2)), skp.MinMaxScaler(feature_range=(-1, 2))),
    (MinMaxScaler(clip=True), skp.MinMaxScaler(clip=True)),
])
def test_scalers_match_sklearn(ours, theirs):
    train, test = _train_test()
    np.testing.assert_allclose(ours.fit_transform(train), theirs.fit_transform(train), atol=1e-12)
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(test), theirs.inverse_transform(test), atol=1e-12)
    assert ours.n_features_in_ == theirs.n_features_in_ == 4
    for name in ("mean_", "var_", "scale_", "data_min_", "data_max_", "data_range_", "min_"):
        if hasattr(theirs, name) and getattr(theirs, name) is not None:
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), atol=1e-12, err_msg=name)


def test_scaler_dtypes_and_tensors():
    train, test = _train_test()
    scaler = StandardScaler().fit(train.astype(np.float32))
    out = scaler.transform(glassnet.tensor(test))
    assert isinstance(out, glassnet.Tensor) and out.dtype == np.float32
    expected = skp.StandardScaler().fit(train).transform(test)
    np.testing.assert_allclose(out.array, expected, rtol=1e-5, atol=1e-5)
    ints = MinMaxScaler().fit_transform(np.array([[0, 10], [5, 20], [10, 30]]))
    assert ints.dtype == np.float32
    np.testing.assert_allclose(ints, [[0, 0], [0.5, 0.5], [1, 1]])
    images = np.random.default_rng(1).random((8, 3, 2))
    scaled = StandardScaler().fit_transform(images)  # per-pixel statistics over the samples axis
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-12)


def test_scaler_errors():
    train, _ = _train_test()
    with pytest.raises(RuntimeError, match="not fitted"):
        StandardScaler().transform(train)
    with pytest.raises(RuntimeError, match="not fitted"):
        MinMaxScaler().inverse_transform(train)
    scaler = MinMaxScaler().fit(train)
    with pytest.raises(ValueError, match="3 features.*4 features"):
        scaler.transform(train[:, :3])
    with pytest.raises(ValueError, match="reshape"):
        StandardScaler().fit(np.arange(5.0))
    with pytest.raises(ValueError, match="min < max"):
        MinMaxScaler(feature_range=(1, 0))


# ---------------------------------------------------------- label encoding
def test_one_hot_matches_torch():
    labels = np.array([[0, 2], [1, 3]])
    for classes in (None, 6):
        ours = one_hot(glassnet.tensor(labels), num_classes=classes)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), num_classes=classes or -1)
        assert isinstance(ours, glassnet.Tensor) and ours.dtype == np.int64
        np.testing.assert_array_equal(ours.array, theirs.numpy())


def test_to_categorical_keras_semantics():
    cat = to_categorical([1, 0, 2])
    assert cat.dtype == np.float32 and cat.shape == (3, 3)
    np.testing.assert_array_equal(cat, np.eye(3, dtype=np.float32)[[1, 0, 2]])
    column = to_categorical(np.array([[1], [3]]), num_classes=5)
    assert column.shape == (2, 5) and column[1, 3] == 1 and column.sum() == 2
    np.testing.assert_array_equal(to_categorical(np.array([2.0, 0.0]), 3), [[0, 0, 1], [1, 0, 0]])


def test_label_encoding_errors():
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes=3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=">= 0, found -1"):
        one_hot(np.array([0, -1]))
    with pytest.raises(TypeError, match="whole numbers"):
        to_categorical([0.5, 1.0])
    with pytest.raises(TypeError, match="integer"):
        one_hot(np.array(["a", "b"]))
