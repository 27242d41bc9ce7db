"""pandas DataFrames and Series as fit/evaluate/predict data, and weighted validation data."""

import numpy as np
import pytest

from glassnet import keras

pd = pytest.importorskip("pandas", reason="pandas is how the courses hand data to fit")


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def _table(n=40, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"tenure": rng.random(n), "plan": rng.integers(0, 3, n),
                          "paperless": rng.random(n) > 0.5})  # float, int and bool columns
    return frame, pd.Series(rng.integers(0, 2, n), name="churn")


def test_dataframes_train_evaluate_and_predict_as_their_values():
    frame, target = _table()
    values = frame.to_numpy(dtype=np.float64)
    by_table, by_array = _model(), _model()
    h1 = by_table.fit(frame, target, epochs=2, batch_size=8, shuffle=False, verbose=0)
    h2 = by_array.fit(values, target.to_numpy(), epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert h1.history == h2.history
    np.testing.assert_array_equal(by_table.predict(frame), by_array.predict(values))
    assert by_table.evaluate(frame, target, verbose=0) == by_array.evaluate(values, target.to_numpy(),
                                                                           verbose=0)


def test_text_columns_are_named_in_the_error():
    frame, target = _table()
    frame["contract"] = "Month-to-month"
    with pytest.raises(TypeError, match=r"fit: x has columns that are not numbers: \['contract'\].*dummies"):
        _model().fit(frame, target, verbose=0)


def test_validation_data_with_sample_weights_weighs_the_validation_loss():
    frame, target = _table()
    x, y = frame.to_numpy(np.float32), target.to_numpy()
    half = np.r_[np.ones(20), np.zeros(20)].astype(np.float32)
    model = _model()
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y, half))
    # As in Keras, weighted losses are divided by the number of samples, not by the weights' sum:
    # weights 1 on the first half and 0 on the second give half the first half's mean loss.
    first_half = model.evaluate(x[:20], y[:20], verbose=0)[0]
    assert history.history["val_loss"][0] == pytest.approx(first_half / 2, rel=1e-6)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x, y, sample_weight=half, verbose=0)[0], rel=1e-6)
    with pytest.raises(ValueError, match="validation_data must be"):
        model.fit(x, y, verbose=0, validation_data=(x, y, half, half))
