"""glassnet.keras.applications against real Keras 3: VGG16/VGG19 built as Keras builds them, Keras's weight
files (written here by Keras itself, and in the published files' layout with h5py), the 'imagenet'
download path with its MD5 check (served from a local file), preprocess_input and decode_predictions."""

import hashlib
import json

import h5py
import numpy as np
import pytest

from glassnet.data.datasets import _download
from glassnet.keras import applications, layers
from glassnet.keras.applications import VGG16, imagenet_utils, vgg16
from glassnet.models import weights as weight_files

pytestmark = pytest.mark.usefixtures("fresh_keras_names")


def images(n=2, size=32, seed=0, width=None):
    return np.random.default_rng(seed).uniform(0, 255, (n, size, width or size, 3)).astype(np.float32)


def keras_vgg(real_keras, arch="VGG16", **kwargs):
    # Keras's layer numbering (input_layer_1 ...) starts again, as ours does; no gc.collect (seconds).
    real_keras.backend.clear_session(free_memory=False)
    real_keras.utils.set_random_seed(0)
    return getattr(real_keras.applications, arch)(weights=None, **kwargs)


def assert_same_weights(ours, theirs):
    """Every array, in Keras's order and layout, bit for bit (the outputs then follow: see the first
    test, which compares them for weights given by set_weights)."""
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights(), strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"array {i}")


def assert_same_predictions(ours, theirs, x):
    want = np.asarray(theirs.predict(x, verbose=0))
    np.testing.assert_allclose(ours.predict(x), want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


@pytest.mark.parametrize("arch, kwargs", [
    ("VGG16", {"include_top": False, "input_shape": (40, 75, 3), "pooling": "avg"}),
    ("VGG16", {"include_top": False, "pooling": "max"}),
    ("VGG19", {"include_top": True, "input_shape": (32, 32, 3), "classes": 10,
               "classifier_activation": None}),
], ids=["conv-base-avg", "open-size-max", "vgg19-top"])
def test_layers_shapes_counts_and_outputs_are_keras(real_keras, arch, kwargs):
    theirs = keras_vgg(real_keras, arch, **kwargs)
    ours = getattr(applications, arch)(weights=None, **kwargs)
    assert ours.name == theirs.name == arch.lower()
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [type(a).__name__ for a in ours.layers] == [type(b).__name__ for b in theirs.layers]
    assert [tuple(layer.output.shape) for layer in ours.layers] == \
           [tuple(layer.output.shape) for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    ours.set_weights(theirs.get_weights())  # Keras's order and layouts (kernels (3, 3, in, out), (in, out))
    height, width, _ = kwargs.get("input_shape", (32, 48, 3))
    assert_same_predictions(ours, theirs, images(1, height, width=width))


def test_the_books_conv_base_summary():
    conv_base = VGG16(weights=None, include_top=False, input_shape=(150, 150, 3))
    text = conv_base.summary(print_fn=None)
    assert "Total params: 14,714,688" in text and "block5_pool (MaxPooling2D)   (None, 4, 4, 512)" in text


def test_an_open_image_size_is_none_as_in_keras():
    ours = VGG16(weights=None, include_top=False)
    assert ours.input_shape == (None, None, None, 3) and ours.output.shape == (None, None, None, 512)
    assert ours.predict(images(1, 64, width=48)).shape == (1, 2, 1, 512)


def test_an_input_tensor_becomes_the_models_input():
    inputs = layers.Input(shape=(32, 32, 3))
    model = VGG16(weights=None, include_top=False, input_tensor=inputs, pooling="avg")
    assert model.input is inputs and model.output.shape == (None, 512)


def published_layout(keras_model, path):
    """A weights file as the published vgg16_weights_tf_dim_ordering_tf_kernels*.h5 lay it out (Keras 2's
    format): layer_names from 'input_1', arrays named '<layer>_W_1:0' and '<layer>_b_1:0'."""
    names = ["input_1"] + [layer.name for layer in keras_model.layers[1:]]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name in names])
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.0.6"
        for name, layer in zip(names, keras_model.layers):
            arrays = layer.get_weights()
            array_names = [f"{name}_W_1:0", f"{name}_b_1:0"][: len(arrays)]
            group = f.create_group(name)
            group.attrs["weight_names"] = np.array([n.encode() for n in array_names])
            for array_name, array in zip(array_names, arrays):
                group.create_dataset(array_name, data=array)
    return path


def test_weight_files_written_by_keras_give_keras_outputs(real_keras, tmp_path):
    """The published files' layout (h5py), Keras 3's whole-model .h5 (Keras 2's layout, which Keras 3
    still writes), and Keras 3's own .weights.h5: each loads by Keras's rules."""
    theirs = keras_vgg(real_keras, include_top=False, input_shape=(32, 32, 3))
    published_layout(theirs, tmp_path / "published.h5")
    theirs.save(tmp_path / "model.h5")
    theirs.save_weights(tmp_path / "keras3.weights.h5")
    for name in ("published.h5", "model.h5", "keras3.weights.h5"):
        ours = VGG16(weights=str(tmp_path / name), include_top=False, input_shape=(32, 32, 3))
        assert_same_weights(ours, theirs)
    assert_same_predictions(ours, theirs, images())


@pytest.fixture
def keras_server(tmp_path, monkeypatch):
    """Serve local files for Keras's URLs; cache in tmp_path/cache; count the downloads."""
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))
    files, requests = {}, []

    def urlopen(url, timeout=None):
        requests.append(url)
        return open(files[url], "rb")

    monkeypatch.setattr(_download, "urlopen", urlopen)
    return files, requests


def test_imagenet_weights_are_downloaded_checked_cached_and_loaded(real_keras, tmp_path, keras_server,
                                                                  monkeypatch):
    files, requests = keras_server
    theirs = keras_vgg(real_keras, include_top=False, input_shape=(32, 32, 3))
    local = published_layout(theirs, tmp_path / "notop.h5")
    published = vgg16.WEIGHTS[False]
    files[published.url] = local
    # The real file's MD5 refuses this stand-in, and nothing of it is kept.
    with pytest.raises(_download.ChecksumError, match="(?s)MD5 mismatch.*6d6bbae143d832006294945121d1f1fc"):
        VGG16(include_top=False, input_shape=(32, 32, 3))
    cached = tmp_path / "cache" / "models" / published.name
    assert not cached.exists() and not cached.parent.exists()
    # With the stand-in's own MD5 in the table, the same path downloads, caches and loads it.
    md5 = hashlib.md5(local.read_bytes()).hexdigest()
    stand_in = weight_files.WeightFile(published.name, published.url, md5, "md5")
    monkeypatch.setitem(vgg16.WEIGHTS, False, stand_in)
    assert_same_weights(VGG16(include_top=False, input_shape=(32, 32, 3)), theirs)
    assert cached.read_bytes() == local.read_bytes() and len(requests) == 2
    # The next VGG16(...) finds it cached and verified (the same fetch, without building a model) ...
    assert imagenet_utils.fetch_keras_file(stand_in, "VGG16") == cached and len(requests) == 2
    cached.write_bytes(local.read_bytes()[:1000])  # ... and a truncated cache is deleted and fetched again.
    assert imagenet_utils.fetch_keras_file(stand_in, "VGG16") == cached
    assert len(requests) == 3 and cached.read_bytes() == local.read_bytes()


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_preprocess_input_is_keras(real_keras, mode, data_format):
    from keras.applications import imagenet_utils as keras_utils

    batch = np.random.default_rng(0).integers(0, 256, (2, 5, 4, 3)).astype(np.uint8)
    if data_format == "channels_first":
        batch = batch.transpose(0, 3, 1, 2).copy()
    for x in (batch, batch.astype(np.float32), batch[0]):
        want = keras_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
        got = imagenet_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)
    if data_format == "channels_last" and mode == "caffe":  # as in Keras, a float array is written over
        x = batch.astype(np.float32)
        out = vgg16.preprocess_input(x)
        np.testing.assert_allclose(out[..., 0], batch[..., 2] - np.float32(103.939), rtol=1e-6)
        assert np.shares_memory(out, x) and np.allclose(x[..., 2], out[..., 0])


def test_decode_predictions_names_the_top_classes(tmp_path, keras_server, monkeypatch):
    files, _ = keras_server
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    local = tmp_path / "index.json"
    local.write_text(json.dumps(index))
    files[imagenet_utils.CLASS_INDEX_FILE.url] = local
    md5 = hashlib.md5(local.read_bytes()).hexdigest()
    url = imagenet_utils.CLASS_INDEX_FILE.url
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_FILE",
                        weight_files.WeightFile("imagenet_class_index.json", url, md5, "md5"))
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    preds = np.random.default_rng(0).dirichlet(np.ones(1000), size=2).astype(np.float32)
    decoded = vgg16.decode_predictions(preds, top=3)
    for row, result in zip(preds, decoded):
        best = np.argsort(-row)[:3]
        assert [r[:2] for r in result] == [(f"n{i:08d}", f"class_{i}") for i in best]
        assert [r[2] for r in result] == list(row[best])
    with pytest.raises(ValueError, match=r"\(samples, 1000\); got \(2, 10\)"):
        vgg16.decode_predictions(np.zeros((2, 10)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="weights must be None.*'nope.h5'"):
        VGG16(weights="nope.h5")
    with pytest.raises(ValueError, match="classes must be 1000"):
        VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match=r"input_shape must be \(224, 224, 3\)"):
        VGG16(weights="imagenet", input_shape=(150, 150, 3))
    with pytest.raises(ValueError, match="at least 32x32"):
        VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="pooling must be"):
        VGG16(weights=None, include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="classifier_activation must be None or 'softmax'"):
        VGG16(weights="imagenet", classifier_activation="relu")
    with pytest.raises(ValueError, match="3 color channels"):
        vgg16.preprocess_input(np.zeros((2, 8, 8, 1)))
