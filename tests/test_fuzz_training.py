"""Fuzzing the training doors: DataLoader batch sizes and Keras ``fit`` targets (issue 15, item 4).

The DataLoader is compared with PyTorch's on random dataset sizes, batch
sizes (0, negative, past the dataset) and drop_last. A glassnet.keras
Sequential compiled with each common loss is fitted on x and y of random,
possibly different lengths and label shapes; real Keras 3 (torch backend)
says which of those it accepts and what the first loss is.
"""

import numpy as np
import pytest
import torch
from fuzz_strategies import attempt, fuzz_settings, message_names, seeds
from hypothesis import event, given
from hypothesis import strategies as st

import glassnet as gn
from glassnet import keras as gk
from glassnet.data import DataLoader, TensorDataset


def _batches(loader):
    return [tuple(np.asarray(t.array if hasattr(t, "array") else t) for t in batch) for batch in loader]


@fuzz_settings(60)
@given(n=st.integers(0, 9), batch_size=st.integers(-2, 12), drop_last=st.booleans(), shuffle=st.booleans(),
       seed=seeds())
def test_dataloader_batch_sizes_against_torch(n, batch_size, drop_last, shuffle, seed):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    theirs, torch_error = attempt(lambda: list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=batch_size, drop_last=drop_last, shuffle=shuffle)))
    dataset = TensorDataset(gn.tensor(x), gn.tensor(y))
    loader, our_error = attempt(lambda: DataLoader(dataset, batch_size=batch_size, drop_last=drop_last,
                                                   shuffle=shuffle))
    if torch_error is not None and n == 0 and batch_size > 0:
        # PyTorch's RandomSampler refuses to shuffle nothing; glassnet gives an epoch of no batches
        assert our_error is None and _batches(loader) == [], our_error
        return
    if torch_error is not None:
        assert our_error is not None, f"PyTorch refuses batch_size={batch_size} ({torch_error}); glassnet not"
        message_names(our_error, "batch_size")
        assert str(batch_size) in str(our_error), our_error
        return
    assert our_error is None, our_error
    ours = _batches(loader)
    assert len(loader) == len(theirs) == len(ours), (len(loader), len(theirs), len(ours))
    assert [b[0].shape for b in ours] == [tuple(b[0].shape) for b in theirs]
    seen = np.concatenate([b[1] for b in ours]) if ours else np.zeros(0, np.int64)
    if shuffle:  # a permutation of the samples (less the dropped tail)
        assert len(set(seen.tolist())) == len(seen) and set(seen.tolist()) <= set(range(n))
    else:
        expected = np.concatenate([b[1].numpy() for b in theirs]) if theirs else seen
        np.testing.assert_array_equal(seen, expected)
        np.testing.assert_array_equal(np.concatenate([b[0] for b in ours]) if ours else x[:0], x[: len(seen)])


# ---------------------------------------------------------------- Keras fit

LOSSES = {  # loss -> the last layer's activation a course pairs it with
    "mse": None, "mae": None, "binary_crossentropy": "sigmoid",
    "categorical_crossentropy": "softmax", "sparse_categorical_crossentropy": "softmax",
}


@st.composite
def fit_targets(draw, n_x, units):
    """y for a model of ``units`` outputs: right for one of the losses, or of another length or shape."""
    rng = np.random.default_rng(draw(seeds()))
    n_y = n_x if draw(st.integers(0, 2)) else draw(st.integers(1, 9))
    kind = draw(st.sampled_from(["labels", "labels_col", "one_hot", "one_hot_wide", "binary", "rank3"]))
    labels = rng.integers(0, units, size=n_y)
    if kind == "labels":
        return labels
    if kind == "labels_col":
        return labels[:, None]
    if kind in ("one_hot", "one_hot_wide"):
        return np.eye(units + (kind == "one_hot_wide"), dtype=np.float32)[labels]
    if kind == "binary":
        return (rng.random((n_y, units)) > 0.5).astype(np.float32)
    return rng.random((n_y, units, 2)).astype(np.float32)


def _fit(lib, layers_mod, loss, weights, x, y):
    model = lib.Sequential([lib.Input((3,)), layers_mod.Dense(weights[0].shape[1], activation=LOSSES[loss])])
    model.set_weights(weights)
    model.compile(optimizer="sgd", loss=loss)
    return model.fit(x, y, epochs=1, batch_size=64, verbose=0, shuffle=False).history["loss"][0]


def _broadcast_by_keras(loss, y, out_shape):
    """Keras accepted y only by broadcasting it: after its (N,) -> (N, 1) it still differs from the output."""
    if loss == "sparse_categorical_crossentropy":
        return False
    expanded = y.shape + (1,) * (len(out_shape) - y.ndim)
    return expanded != out_shape or (loss == "categorical_crossentropy" and y.ndim == 1)


@fuzz_settings(40)
@pytest.mark.filterwarnings("ignore::UserWarning")
@given(loss=st.sampled_from(sorted(LOSSES)), n_x=st.integers(1, 8), units=st.integers(1, 3), data=st.data(),
       seed=seeds())
def test_keras_fit_with_mismatched_lengths_and_label_shapes(real_keras, loss, n_x, units, data, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_x, 3)).astype(np.float32)
    y = data.draw(fit_targets(n_x, units), label="y")
    weights = [rng.normal(size=(3, units)).astype(np.float32), rng.normal(size=units).astype(np.float32)]
    theirs, keras_error = attempt(lambda: _fit(real_keras, real_keras.layers, loss, weights, x, y))
    ours, our_error = attempt(lambda: _fit(gk, gk.layers, loss, weights, x, y))
    event("Keras refuses" if keras_error is not None else "Keras accepts")
    if keras_error is not None:
        assert our_error is not None, f"Keras refuses y of shape {y.shape} ({keras_error}); glassnet: {ours}"
        # named by fit, the Keras loss, or the glassnet loss it runs (binary_cross_entropy_with_logits ...)
        message_names(our_error, "fit", loss, "cross_entropy", "_loss")
        return
    if our_error is not None and _broadcast_by_keras(loss, y, (n_x, units)):
        # Keras broadcasts targets of another shape against the output (labels (N,) against a softmax
        # of 3, or against 2 regression outputs) and reports a meaningless loss; glassnet refuses them
        # on purpose, naming the loss or the target's shape
        message_names(our_error, loss, "fit", "cross_entropy", "_loss")
        assert str(y.shape) in str(our_error) or "sparse_categorical_crossentropy" in str(our_error)
        return
    assert our_error is None, f"Keras fits y of shape {y.shape}, glassnet raised {our_error!r}"
    assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-5)
