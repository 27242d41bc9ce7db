"""Keras's file formats: glassnet.keras writes and reads ``.keras``, ``.h5`` and ``.weights.h5``;
real Keras 3 reads glassnet's files and glassnet reads Keras's (predictions equal to 1e-5)."""

import importlib.util
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from glassnet import keras
from glassnet.keras import layers
from glassnet.keras.saving import weights as keras_weights

pytest.importorskip("h5py", reason="Keras's file formats need h5py (pip install glassnet[keras])")

ORACLE = os.path.join(os.path.dirname(__file__), "keras_oracle.py")


def models():
    """The models of keras_oracle.py, built with glassnet.keras."""
    keras.backend.clear_session()
    inp = keras.Input((6,))
    a, b = layers.Dense(3, name="a")(inp), layers.Dense(3)(inp)
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    return {
        "dense": keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dropout(0.5),
                                   layers.Dense(3, activation="softmax")]),
        "conv": keras.Sequential([keras.Input((12, 12, 3)),
                                  layers.Conv2D(4, 3, activation="relu", padding="same"),
                                  layers.MaxPooling2D(), layers.Conv2D(5, 3, strides=2),
                                  layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)]),
        "rnn": keras.Sequential([keras.Input((7, 5)), layers.Conv1D(4, 3, padding="same"),
                                 layers.LSTM(6, return_sequences=True), layers.GRU(4, return_sequences=True),
                                 layers.SimpleRNN(3, return_sequences=True),
                                 layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
                                 layers.TimeDistributed(layers.Dense(3)), layers.LayerNormalization(),
                                 layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")]),
        "embedding": keras.Sequential([layers.Embedding(20, 4, input_length=6), layers.Flatten(),
                                       layers.Dense(1)]),
        "functional": keras.Model(inp, [layers.Dense(1)(layers.Add()([a, b])), layers.concatenate([a, b])]),
        "nested": keras.Sequential([inner, layers.Dense(1)]),
    }


def _randomise(model, seed):
    """Weights and statistics far from their initial values, so a misplaced array shows."""
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.array[...] = rng.normal(size=p.shape) * 0.5
    for b in model.buffers():
        if b is not None and b.array.dtype.kind == "f":
            b.array[...] = rng.uniform(0.5, 2.0, size=b.shape)


def _inputs(name, model, seed=1):
    rng = np.random.default_rng(seed)
    shape = (4,) + tuple(model.input_shape[1:])
    if name == "embedding":
        return rng.integers(0, 20, shape).astype("int32")
    return rng.normal(size=shape).astype("float32")


def _outputs(model, x):
    y = model.predict(x)
    return y if isinstance(y, list) else [y]


@pytest.fixture(scope="module")
def built():
    found = models()
    for i, model in enumerate(found.values()):
        _randomise(model, i)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return found


# -------------------------------------------------------- glassnet to glassnet
@pytest.mark.parametrize("name", ["dense", "conv", "rnn", "embedding", "functional", "nested"])
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_saved_model_comes_back_with_architecture_weights_and_compile_settings(built, tmp_path, name, ext):
    model = built[name]
    x = _inputs(name, model)
    model.save(tmp_path / f"m{ext}")
    loaded = keras.models.load_model(tmp_path / f"m{ext}")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    for got, want in zip(_outputs(loaded, x), _outputs(model, x)):
        np.testing.assert_array_equal(got, want)
    assert type(loaded.trainer.optimizer).__name__ == "Adam"
    if name != "functional":  # one output: evaluated against the original's predictions
        loss, mae = loaded.evaluate(x, _outputs(model, x)[0], verbose=0)
        assert loss == pytest.approx(0, abs=1e-12) and mae == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5", ".keras"])
def test_weights_move_between_models_of_the_same_architecture(tmp_path, suffix):
    first, second = models()["conv"], models()["conv"]
    _randomise(first, 3)
    x = _inputs("conv", first)
    path = tmp_path / f"w{suffix}"
    (first.save if suffix == ".keras" else first.save_weights)(path)
    second.load_weights(path)
    np.testing.assert_array_equal(second.predict(x), first.predict(x))
    for a, b in zip(second.get_weights(), first.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_legacy_weights_load_by_name_into_a_different_model(tmp_path):
    keras.backend.clear_session()
    source = keras.Sequential([layers.Dense(4, input_shape=(3,), name="shared"),
                               layers.Dense(2, name="head")])
    _randomise(source, 0)
    source.save_weights(tmp_path / "w.h5")
    target = keras.Sequential([layers.Dense(4, input_shape=(3,), name="shared"),
                               layers.Dense(7, name="other")])
    before = target.get_layer("other").get_weights()
    target.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(target.get_layer("shared").get_weights()[0], source.get_weights()[0])
    np.testing.assert_array_equal(target.get_layer("other").get_weights()[0], before[0])


def test_keras3_weight_paths_follow_class_and_position_not_layer_names():
    model = models()["functional"]
    paths = [path for path, _ in keras_weights.variable_groups(model)]
    # The Dense named 'a' is the first Dense: Keras files it as layers/dense.
    assert paths == ["layers/input_layer/", "layers/dense/", "layers/dense_1/", "layers/add/",
                     "layers/dense_2/", "layers/concatenate/"]
    nested = [path for path, _ in keras_weights.variable_groups(models()["rnn"])]
    assert "layers/bidirectional/forward_layer/cell/" in nested and "layers/lstm/cell/" in nested
    assert "layers/time_distributed/layer/" in nested


def test_conv_weights_are_in_keras_layout():
    conv = layers.Conv2D(5, (2, 3), input_shape=(6, 6, 4))
    keras.Sequential([conv])
    kernel, bias = conv.get_weights()
    assert kernel.shape == (2, 3, 4, 5) and bias.shape == (5,)
    assert kernel[1, 2, 3, 4] == conv.weight.array[4, 3, 1, 2]
    conv.set_weights([kernel * 2, bias])
    np.testing.assert_array_equal(conv.get_weights()[0], kernel * 2)


# ------------------------------------------------------------ refusing files
def _rewrite_config(path, change):
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    change(config)
    files["config.json"] = json.dumps(config)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_a_lambda_layer_or_unknown_class_is_refused_and_never_run(built, tmp_path):
    path = tmp_path / "m.keras"
    built["dense"].save(path)

    def to_lambda(config):
        config["config"]["layers"][1]["class_name"] = "Lambda"
        config["config"]["layers"][1]["config"]["function"] = "__import__('os').system('touch pwned')"

    _rewrite_config(path, to_lambda)
    with pytest.raises(ValueError, match="Lambda.*never runs"):
        keras.models.load_model(path)
    assert not (tmp_path / "pwned").exists()

    def to_unknown(config):
        config["config"]["layers"][1]["class_name"] = "MyDense"

    built["dense"].save(path)
    _rewrite_config(path, to_unknown)
    with pytest.raises(ValueError, match="MyDense.*custom_objects"):
        keras.models.load_model(path)
    model = keras.models.load_model(path, custom_objects={"MyDense": layers.Dense})
    assert isinstance(model.layers[0], layers.Dense)


def test_an_unsupported_argument_is_named_not_ignored(built, tmp_path):
    path = tmp_path / "m.keras"
    built["dense"].save(path)
    _rewrite_config(path, lambda c: c["config"]["layers"][1]["config"].update(lora_rank=4))
    with pytest.raises(ValueError, match="dense.*lora_rank"):
        keras.models.load_model(path)


def test_weights_of_another_model_are_refused_and_change_nothing(tmp_path):
    small = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    small.save_weights(tmp_path / "w.weights.h5")
    small.save_weights(tmp_path / "w.h5")
    other = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(5)])
    before = other.get_weights()
    for name in ("w.weights.h5", "w.h5"):
        with pytest.raises(ValueError, match=r"dense.*\(5, 4\)|unchanged"):
            other.load_weights(tmp_path / name)
        for a, b in zip(other.get_weights(), before):
            np.testing.assert_array_equal(a, b)
    three = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2), layers.Dense(1)])
    with pytest.raises(ValueError, match="weights for 2 layers.*3 layers"):
        three.load_weights(tmp_path / "w.h5")


def test_a_failed_save_leaves_the_previous_file_intact(built, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    built["dense"].save(path)
    original = path.read_bytes()

    def broken(model, h5):
        raise OSError("disk full")

    monkeypatch.setattr(keras_weights, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        built["dense"].save(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["m.keras"]


def test_unknown_extensions_and_subclassed_models_get_clear_errors(built, tmp_path):
    with pytest.raises(ValueError, match=r"\.keras.*\.h5"):
        built["dense"].save(tmp_path / "model")

    class Mine(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(NotImplementedError, match="subclassed.*save_weights"):
        Mine().save(tmp_path / "m.keras")


# ----------------------------------------------------------------- real Keras
@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    if importlib.util.find_spec("keras") is None:
        pytest.skip("real Keras (pip install keras) is the oracle of these tests")
    folder = tmp_path_factory.mktemp("keras_files")
    subprocess.run([sys.executable, ORACLE, "save", str(folder)], check=True, capture_output=True)
    return folder


@pytest.mark.parametrize("name", ["dense", "conv", "rnn", "embedding", "functional", "nested"])
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_models_saved_by_keras_load_and_predict_the_same(keras_files, name, ext):
    model = keras.models.load_model(keras_files / f"k_{name}{ext}")
    saved = np.load(keras_files / f"k_{name}.npz")
    x, want = saved["arr_0"], [saved[k] for k in saved.files[1:]]
    for got, expected in zip(_outputs(model, x), want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_models_saved_by_glassnet_load_in_keras_and_predict_the_same(built, tmp_path):
    if importlib.util.find_spec("keras") is None:
        pytest.skip("real Keras (pip install keras) is the oracle of this test")
    for name, model in built.items():
        model.save(tmp_path / f"g_{name}.keras")
        model.save(tmp_path / f"g_{name}.h5")
        np.savez(tmp_path / f"g_{name}.npz", _inputs(name, model))
    subprocess.run([sys.executable, ORACLE, "load", str(tmp_path)], check=True, capture_output=True)
    for name, model in built.items():
        want = _outputs(model, _inputs(name, model))
        for ext in (".keras", ".h5"):
            got = np.load(tmp_path / f"g_{name}{ext}.npz")
            assert len(got.files) == len(want)
            for key, expected in zip(got.files, want):
                np.testing.assert_allclose(got[key], expected, rtol=1e-5, atol=1e-5, err_msg=f"{name}{ext}")
