"""TensorBoard logging, read back from the event files: the PyTorch SummaryWriter and the Keras callback."""

import io
import socket
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402

import glassnet  # noqa: E402
from glassnet import keras, nn, optim  # noqa: E402
from glassnet.training import TensorBoard  # noqa: E402
from glassnet.training.tensorboard import _weight_image  # noqa: E402
from glassnet.utils.tensorboard import SummaryWriter  # noqa: E402

EVERYTHING = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}


def read(path):
    events = EventAccumulator(str(path), size_guidance=EVERYTHING)
    events.Reload()
    return events


def scalars(events, tag):
    """(steps, values) of one scalar tag."""
    points = events.Scalars(tag)
    return [p.step for p in points], [p.value for p in points]


def f32(values):
    return [float(np.float32(v)) for v in values]


# ------------------------------------------------------------------ SummaryWriter


def test_scalars_histogram_and_text_round_trip(tmp_path):
    weights = glassnet.Tensor(np.arange(-3.0, 7.0), requires_grad=True)  # a parameter needs no detach
    with SummaryWriter(tmp_path) as writer:
        for step, value in [(0, 2.5), (5, glassnet.Tensor(np.array(0.125))), (7, np.float64(-1.0))]:
            writer.add_scalar("loss/train", value, step)
        writer.add_scalars("loss", {"train": 1.0, "val": glassnet.Tensor(np.array(2.0))}, 3)
        writer.add_histogram("fc/weight", weights, 4)
        writer.add_text("notes", "lr 0.1, *no* decay", 2)
    events = read(tmp_path)
    assert scalars(events, "loss/train") == ([0, 5, 7], [2.5, 0.125, -1.0])
    histogram = events.Histograms("fc/weight")[0]
    assert histogram.step == 4
    h = histogram.histogram_value
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (-3.0, 6.0, 10, 15.0, 105.0)
    text = events.Tensors("notes/text_summary")[0]
    assert text.step == 2 and text.tensor_proto.string_val == [b"lr 0.1, *no* decay"]
    # PyTorch's add_scalars layout: one run per key, each holding the main tag.
    assert scalars(read(tmp_path / "loss_train"), "loss") == ([3], [1.0])
    assert scalars(read(tmp_path / "loss_val"), "loss") == ([3], [2.0])


def test_image_round_trip(tmp_path):
    image_module = pytest.importorskip("PIL.Image")  # tensorboardX encodes PNG with Pillow
    chw = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("sample", glassnet.Tensor(chw), 9)  # int64 in glassnet: read as [0, 255]
        writer.add_image("gray", np.array([[-0.5, 0.5, 2.0]]), 1, dataformats="HW")  # floats: [0, 1]
    events = read(tmp_path)
    sample = events.Images("sample")[0]
    assert (sample.step, sample.width, sample.height) == (9, 5, 4)
    decoded = np.asarray(image_module.open(io.BytesIO(sample.encoded_image_string)))
    np.testing.assert_array_equal(decoded, chw.transpose(1, 2, 0))
    gray = np.asarray(image_module.open(io.BytesIO(events.Images("gray")[0].encoded_image_string)))
    # clipped, 0.5 * 255 truncated; tensorboardX draws a gray (HW) image as RGB
    np.testing.assert_array_equal(gray, np.repeat([[[0], [127], [255]]], 3, axis=2))


def test_hparams_are_a_run_of_their_own(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": glassnet.Tensor(np.array(0.5)), "optimizer": "sgd", "layers": np.int64(2)},
                           {"hparam/accuracy": 0.75}, run_name="trial-1")
    events = read(tmp_path / "trial-1")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        events.PluginTagToContent("hparams")["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == 0.5
    assert start.hparams["optimizer"].string_value == "sgd"
    assert start.hparams["layers"].number_value == 2
    assert scalars(events, "hparam/accuracy")[1] == [0.75]


def test_default_log_dir_is_pytorchs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    parent, name = writer.log_dir.replace("\\", "/").split("/")
    assert parent == "runs" and name.endswith(f"_{socket.gethostname()}_lr0.1")
    assert (tmp_path / writer.get_logdir()).is_dir()


def test_a_missing_tensorboardx_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # makes `import tensorboardX` fail
    for make in (SummaryWriter, TensorBoard):  # the callback fails when made, not after an epoch
        with pytest.raises(ImportError, match=r"pip install \"glassnet\[tensorboard\]\""):
            make(tmp_path)


def test_add_graph_says_it_is_not_there(tmp_path):
    with SummaryWriter(tmp_path) as writer, pytest.raises(NotImplementedError, match="summary"):
        writer.add_graph(nn.Linear(2, 1))


# ------------------------------------------------------------------ the Keras callback


def regression(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)).astype(np.float32)


def test_keras_fit_writes_kerass_layout(tmp_path):
    keras.backend.clear_session()
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = regression()
    hist = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
                     callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)])
    assert sorted(hist.history) == ["loss", "mae", "val_loss", "val_mae"]  # the logs were not touched
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    for name in ("loss", "mae"):
        assert scalars(train, f"epoch_{name}") == ([0, 1, 2], f32(hist.history[name]))
        assert scalars(validation, f"epoch_{name}") == ([0, 1, 2], f32(hist.history[f"val_{name}"]))
    assert scalars(train, "epoch_learning_rate") == ([0, 1, 2], f32([0.01] * 3))  # Keras's SGD default
    assert "epoch_learning_rate" not in validation.Tags()["scalars"]

    tags = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]  # Keras's names
    assert sorted(train.Tags()["histograms"]) == sorted(f"{t}/histogram" for t in tags)
    assert validation.Tags()["histograms"] == []
    for tag, array in zip(tags, model.get_weights()):
        written = train.Histograms(f"{tag}/histogram")
        assert [h.step for h in written] == [0, 1, 2]
        last = written[-1].histogram_value  # the weights as training left them
        assert (last.num, last.min, last.max) == (array.size, array.min(), array.max())
        assert last.sum == pytest.approx(array.sum(), abs=1e-6)


def test_update_freq_writes_batch_scalars_every_n_batches(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae"])
    seen = []
    record = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(dict(logs)))
    x, y = regression()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0,  # 4 batches an epoch, 8 in all
              callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=3), record])
    train = read(tmp_path / "train")
    for name in ("loss", "mae"):
        assert scalars(train, f"batch_{name}") == ([3, 6], f32([seen[2][name], seen[5][name]]))
    assert scalars(train, "epoch_loss")[0] == [0, 1]
    assert not (tmp_path / "validation").exists()  # no validation data, no run


def test_pytorch_style_fit_with_histograms_every_second_epoch_and_images(tmp_path):
    pytest.importorskip("PIL")
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    net.compile(optimizer=optim.SGD(net.parameters(), lr=0.05), loss="mse")
    x, y = regression()
    hist = net.fit(x, y, epochs=3, batch_size=16, validation_data=regression(8, seed=1), verbose=0,
                   callbacks=[TensorBoard(tmp_path, histogram_freq=2, write_images=True,
                                          write_steps_per_second=True, profile_batch=2)])
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    assert scalars(train, "epoch_loss") == ([0, 1, 2], f32(hist.history["loss"]))
    assert scalars(validation, "epoch_loss") == ([0, 1, 2], f32(hist.history["val_loss"]))
    assert scalars(train, "epoch_learning_rate")[1] == f32([0.05] * 3)
    steps, per_second = scalars(train, "epoch_steps_per_second")
    assert steps == [0, 1, 2] and min(per_second) > 0
    assert [h.step for h in train.Histograms("2/weight/histogram")] == [0, 2]
    # "2/bias" is one number, which Keras does not draw either
    assert sorted(train.Tags()["images"]) == ["0/bias/image", "0/weight/image", "2/weight/image"]
    image = train.Images("0/weight/image")[-1]
    assert (image.step, image.width, image.height) == (2, 3, 2)  # the (2, 3) weight, already wide


def test_weight_images_have_kerass_shapes_and_fill_zero_to_one():
    rng = np.random.default_rng(0)
    shapes = {(5,): (1, 5, 1, 1), (4, 3): (1, 3, 4, 1), (3, 4): (1, 3, 4, 1), (8, 1, 3, 3): (8, 3, 3, 1),
              (8, 3, 5, 5): (8, 5, 5, 3)}
    for shape, image_shape in shapes.items():
        image = _weight_image(rng.normal(size=shape))
        assert image.shape == image_shape and image.min() == 0 and image.max() == 1
    assert _weight_image(rng.normal(size=(8, 2, 3, 3))) is None  # neither gray nor RGB
    assert np.all(_weight_image(np.full((2, 2), 0.3)) == 0)


@pytest.mark.parametrize("kwargs", [{"update_freq": 0}, {"update_freq": "step"}, {"histogram_freq": -1},
                                    {"histogram_freq": 1.5}])
def test_bad_frequencies_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError, match="TensorBoard"):
        TensorBoard(tmp_path, **kwargs)
