"""glassnet.onnx.export: the zoo, PyTorch-style layers and the Keras book's models, run by onnxruntime.

Each model is exported from a forward run at batch 3 with the batch axis
dynamic; onnxruntime's outputs must match glassnet's eval-mode outputs to
1e-5 at batch 3, and again at batches 1 and 7.
"""

import inspect
import io

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import glassnet  # noqa: E402 - after the skips: without onnx there is nothing to test
from glassnet import keras, models, nn  # noqa: E402
from glassnet.autograd import Function  # noqa: E402
from glassnet.keras import layers  # noqa: E402
from glassnet.onnx import UnsupportedError, export  # noqa: E402

DYNAMIC = {"input": {0: "batch"}, "output": {0: "batch"}}


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    keras.backend.clear_session()


def session(model_bytes):
    options = ort.SessionOptions()
    options.log_severity_level = 3  # ORT's notes about initializers it folds away are not news
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def glassnet_outputs(model, *inputs):
    def tensor(x):
        return [tensor(a) for a in x] if isinstance(x, list) else glassnet.Tensor(x, dtype=x.dtype)

    model.eval()
    with glassnet.no_grad():
        out = model(*[tensor(x) for x in inputs])
    return [t.numpy() for t in (out if isinstance(out, (list, tuple)) else [out])]


def floats(*shape):
    return np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)


def words(vocabulary, dtype=np.int64):
    return lambda n, steps=7: np.random.default_rng(n).integers(0, vocabulary, (n, steps)).astype(dtype)


def round_trip(model, make_input, batch_axis=0, batches=(1, 7), **kwargs):
    """Export at batch 3, batch dynamic; compare onnxruntime with glassnet at 3 and ``batches``."""
    buffer = io.BytesIO()
    axes = {"input": {batch_axis: "batch"}, "output": {0: "batch"}}
    proto = export(model, make_input(3), buffer, dynamic_axes=axes, **kwargs)
    onnx.checker.check_model(buffer.getvalue())  # the bytes as written, not only the proto returned
    run = session(buffer.getvalue())
    for n in (3, *batches):
        x = make_input(n)
        got = run.run(None, {"input": x})
        want = glassnet_outputs(model, x)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    return proto


def op_types(proto):
    return {node.op_type for node in proto.graph.node}


# ------------------------------------------------------------------ the zoo
def _alexnet():
    model = models.alexnet(num_classes=10)  # 224x224 ImageNet layout; takes any input of 63x63 or more
    # The 37M-weight classifier is only Linear and Dropout again: a narrow one keeps the test quick.
    model.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 32), nn.ReLU(),
                                     nn.Linear(32, 10))
    return model


ZOO = {
    "lenet": (lambda: models.lenet(), (1, 28, 28)),
    "alexnet": (_alexnet, (3, 63, 63)),
    "alexnet_small": (lambda: models.alexnet_small(10, in_channels=1, image_size=28), (1, 28, 28)),
    "nin": (lambda: models.nin(10, in_channels=1), (1, 96, 96)),
    "vgg11": (lambda: models.vgg11(10, in_channels=1, hidden=32), (1, 32, 32)),  # pooled to 7x7
    "vgg16": (lambda: models.vgg16(10, image_size=32, hidden=64), (3, 32, 32)),
    "resnet18": (lambda: models.resnet18(10, small=True), (3, 32, 32)),
    "resnet34": (lambda: models.resnet34(10), (3, 32, 32)),
    "resnet50": (lambda: models.resnet50(10, small=True), (3, 32, 32)),
    "vgg11_bn": (lambda: models.vgg11_bn(10, image_size=32, hidden=32), (3, 32, 32)),
    "vgg13": (lambda: models.vgg13(10, image_size=32, hidden=32), (3, 32, 32)),
    "vgg13_bn": (lambda: models.vgg13_bn(10, image_size=32, hidden=32), (3, 32, 32)),
    "vgg16_bn": (lambda: models.vgg16_bn(10, image_size=32, hidden=32), (3, 32, 32)),
    "vgg19": (lambda: models.vgg19(10, image_size=32, hidden=32), (3, 32, 32)),
    "vgg19_bn": (lambda: models.vgg19_bn(10, image_size=32, hidden=32), (3, 32, 32)),
}


def test_every_constructor_of_the_zoo_has_a_case():
    constructors = {name for name, f in vars(models).items()
                    if inspect.isfunction(f) and not name.endswith("_block")}
    assert constructors == set(ZOO)


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_models_run_in_onnxruntime(name):
    make, shape = ZOO[name]
    ops = op_types(round_trip(make(), lambda n: floats(n, *shape)))
    assert "Conv" in ops and "Dropout" not in ops
    if name.startswith("resnet"):  # batch norm and the pooling have operators of their own
        assert {"BatchNormalization", "GlobalAveragePool", "Add"} <= ops


def test_lenet_variant_with_relu_and_max_pooling():
    proto = round_trip(models.lenet(activation="relu", pool="max"), lambda n: floats(n, 1, 28, 28))
    assert op_types(proto) == {"Conv", "Relu", "MaxPool", "Reshape", "Gemm"}


# ----------------------------------------------------------- PyTorch style
def test_an_mlp():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10))
    proto = round_trip(model, lambda n: floats(n, 1, 28, 28))
    assert [n.op_type for n in proto.graph.node] == ["Reshape", "Gemm", "Relu", "Gemm"]


def test_batch_norm_in_eval_mode_and_dropout():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout2d(0.2),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 16), nn.BatchNorm1d(16),
                          nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))
    with glassnet.no_grad():  # a few training batches give the running statistics values of their own
        for seed in range(3):
            model(glassnet.Tensor(floats(5 + seed, 3, 8, 8) * 2 + 1))
    export(model, floats(3, 3, 8, 8), io.BytesIO())  # in eval mode, whatever mode the model is in
    assert all(m.training for m in model.modules())  # and the modes are restored
    proto = round_trip(model, lambda n: floats(n, 3, 8, 8))
    assert "BatchNormalization" in op_types(proto) and "Dropout" not in op_types(proto)


class Classifier(nn.Module):
    """A recurrent layer, then the last step's output through a dense layer."""

    def __init__(self, cell, batch_first, num_layers, bidirectional):
        super().__init__()
        self.batch_first = batch_first
        self.rnn = cell(5, 8, num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional)
        self.fc = nn.Linear(8 * (2 if bidirectional else 1), 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1] if self.batch_first else out[-1])


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_major"])
@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN], ids=lambda c: c.__name__)
def test_recurrent_classifiers(cell, batch_first, num_layers, bidirectional):
    model = Classifier(cell, batch_first, num_layers, bidirectional)
    if batch_first:
        proto = round_trip(model, lambda n: floats(n, 6, 5))
    else:
        proto = round_trip(model, lambda n: floats(6, n, 5), batch_axis=1)
    assert {"RNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[cell.__name__] in op_types(proto)


def test_an_rnn_with_relu_its_states_returned_and_an_unbatched_sequence():
    model = nn.RNN(4, 6, num_layers=2, nonlinearity="relu", batch_first=True)
    buffer = io.BytesIO()
    export(model, floats(3, 5, 4), buffer, output_names=["out", "h_n"],
           dynamic_axes={"input": {0: "batch"}, "out": {0: "batch"}, "h_n": {1: "batch"}})
    run = session(buffer.getvalue())
    for x in (floats(3, 5, 4), floats(7, 5, 4)):
        for got, want in zip(run.run(None, {"input": x}), glassnet_outputs(model, x)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    gru = nn.GRU(4, 6)
    buffer = io.BytesIO()
    export(gru, floats(5, 4), buffer)  # (steps, features): one sequence
    got = session(buffer.getvalue()).run(None, {"input": floats(5, 4)})
    for g, w in zip(got, glassnet_outputs(gru, floats(5, 4))):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


class TextClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(50, 8)
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return self.fc(h[-1])


def test_an_embedding_and_lstm_text_model():
    proto = round_trip(TextClassifier(), words(50))
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert {"Gather", "LSTM", "Gemm"} <= op_types(proto)


def test_more_layers_and_activations():
    model = nn.Sequential(
        nn.Conv1d(4, 6, 3, padding=1), nn.GELU(), nn.Conv1d(6, 6, 3, stride=2), nn.ELU(), nn.Flatten(),
        nn.LayerNorm(24), nn.SiLU(), nn.Linear(24, 8), nn.LeakyReLU(0.1), nn.Softplus(beta=2),
        nn.GELU("tanh"), nn.Tanh(), nn.Sigmoid(), nn.Softmax(dim=-1))
    assert "LayerNormalization" in op_types(round_trip(model, lambda n: floats(n, 4, 10)))
    model = nn.Sequential(
        nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
        nn.MaxPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.LogSoftmax(dim=1))
    assert "ConvTranspose" in op_types(round_trip(model, lambda n: floats(n, 4, 5, 5)))


@pytest.mark.parametrize("layer", [
    nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    nn.MaxPool2d(2, stride=2, padding=1, dilation=2, ceil_mode=True),  # ceil_mode past the kernel's size
    nn.AvgPool2d(3, stride=2, padding=1),
    nn.AvgPool2d(2, stride=2, ceil_mode=True, count_include_pad=False),
    nn.AvgPool2d(3, stride=1, padding=1, divisor_override=4),
    nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
    nn.Conv2d(4, 4, 4, padding="same"),  # PyTorch's uneven 'same': the odd pixel at the end
    nn.AdaptiveAvgPool2d((3, 2)),
], ids=repr)
def test_window_geometries(layer):
    round_trip(layer, lambda n: floats(n, 4, 6, 6))


class TensorOps(nn.Module):
    """Reductions, indexing, clamps and norms written in a forward, as tensor methods."""

    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(6)
        self.batch_norm = nn.BatchNorm1d(6, track_running_stats=False)  # the batch's own statistics
        self.gru = nn.GRU(6, 4, batch_first=True)

    def forward(self, x):
        y = self.norm(x).amax(1) + x.mean(1) + x.max(1)[0] - x.amin(1)
        out, _ = self.gru(x)
        picked = x[:, ::2, None, 1:].std(1).squeeze(1)[:, :4]
        return self.batch_norm(y).sum(1, keepdim=True) * out[:, -1].clamp(-0.5, 0.5) + picked


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_tensor_ops_in_a_forward_at_several_opsets(opset):
    buffer = io.BytesIO()
    model, x = TensorOps(), floats(3, 5, 6)
    export(model, x, buffer, opset_version=opset)
    got = session(buffer.getvalue()).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, glassnet_outputs(model, x)[0], rtol=1e-5, atol=1e-5)


def test_python_control_flow_is_recorded_as_the_path_taken():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            if x.sum().item() > 0:  # decided once, on the example input
                return self.fc(x)
            return -x

    buffer = io.BytesIO()
    export(Branchy(), np.ones((2, 3), np.float32), buffer)
    negative = -np.ones((2, 3), np.float32)
    got = session(buffer.getvalue()).run(None, {"input": negative})[0]
    assert not np.allclose(got, -negative)  # the exported model always takes the traced branch


# ------------------------------------------------------------------- Keras
def test_keras_chapter_2_dense_mnist_net():
    model = keras.Sequential([layers.Dense(512, activation="relu", input_shape=(28 * 28,)),
                              layers.Dense(10, activation="softmax")])
    assert op_types(round_trip(model, lambda n: floats(n, 784))) == {"Gemm", "Relu", "Softmax"}


def test_keras_chapter_5_convnet_channels_last():
    model = keras.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.Flatten(),  # NHWC order, as Keras flattens
        layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    round_trip(model, lambda n: floats(n, 28, 28, 1))


def test_keras_imdb_embedding_and_lstm():
    model = keras.Sequential([layers.Embedding(1000, 32), layers.LSTM(32),
                              layers.Dense(1, activation="sigmoid")])
    model.build((None, 20))
    round_trip(model, lambda n: words(1000, np.float32)(n, 20))  # Keras feeds word indices as floats


def test_keras_functional_model_with_concatenate_and_add():
    inputs = keras.Input(shape=(10,))
    a = layers.Dense(8, activation="relu")(inputs)
    b = layers.Dense(8, activation="tanh")(inputs)
    joined = layers.Dense(8)(layers.concatenate([a, b]))
    outputs = layers.Dense(3, activation="softmax")(layers.add([joined, a]))
    proto = round_trip(keras.Model(inputs, outputs), lambda n: floats(n, 10))
    assert {"Concat", "Add"} <= op_types(proto)


def test_keras_merge_layers():
    inputs = keras.Input(shape=(4,))
    a, b = layers.Dense(4)(inputs), layers.Dense(4)(inputs)
    merged = [layer()([a, b]) for layer in (layers.Maximum, layers.Minimum, layers.Average, layers.Subtract,
                                            layers.Multiply)]
    outputs = layers.Dense(2)(layers.concatenate(merged))
    # maximum and minimum pick with a comparison made on arrays: the exporter writes it as Greater/Less
    proto = round_trip(keras.Model(inputs, outputs), lambda n: floats(n, 4))
    assert {"Greater", "Less", "Where"} <= op_types(proto)


def test_keras_batch_norm_same_padding_and_pooling():
    model = keras.Sequential([
        layers.Conv2D(8, 3, padding="same", activation="relu", input_shape=(9, 9, 2)),
        layers.BatchNormalization(), layers.Conv2D(8, 4, strides=2, padding="same"),
        layers.AveragePooling2D(2, padding="same"), layers.Dropout(0.3), layers.GlobalAveragePooling2D(),
        layers.Dense(4)])
    model.compile("adam", "mse")
    model.fit(floats(16, 9, 9, 2), floats(16, 4), epochs=1, verbose=0)  # moving statistics of its own
    round_trip(model, lambda n: floats(n, 9, 9, 2))


def test_keras_recurrent_layers_and_shape_layers():
    model = keras.Sequential([
        layers.Conv1D(6, 3, activation="relu", input_shape=(12, 3)), layers.MaxPooling1D(2),
        layers.Reshape((5, 6)), layers.Permute((2, 1)), layers.GRU(7, return_sequences=True),
        layers.SimpleRNN(5, activation="relu", go_backwards=True, return_sequences=True),
        layers.Bidirectional(layers.LSTM(4, return_sequences=True)), layers.TimeDistributed(layers.Dense(3)),
        layers.Flatten(), layers.RepeatVector(2), layers.GlobalMaxPooling1D()])
    proto = round_trip(model, lambda n: floats(n, 12, 3), opset_version=18)  # ReduceMax's axes an input
    assert {"GRU", "RNN", "LSTM"} <= op_types(proto)


def test_keras_model_with_two_inputs_states_and_names():
    sequence, extra = keras.Input(shape=(6, 4)), keras.Input(shape=(5,))
    out, h, c = layers.LSTM(5, return_state=True)(sequence)
    y = layers.Dense(2)(layers.concatenate([out, h, c, extra]))
    model = keras.Model([sequence, extra], [y, h])
    buffer = io.BytesIO()
    export(model, [floats(3, 6, 4), floats(3, 5)], buffer, input_names=["sequence", "extra"],
           output_names=["y", "h"], dynamic_axes={name: [0] for name in ("sequence", "extra", "y", "h")})
    run = session(buffer.getvalue())
    assert [i.name for i in run.get_inputs()] == ["sequence", "extra"]
    assert run.get_inputs()[0].shape == ["sequence_dynamic_axes_1", 6, 4]
    for n in (1, 7):
        xs = [floats(n, 6, 4), floats(n, 5)]
        got = run.run(["y", "h"], {"sequence": xs[0], "extra": xs[1]})
        for g, w in zip(got, glassnet_outputs(model, xs)):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------- errors and files
class Cube(Function):
    def forward(self, x):
        return x**3

    def backward(self, g):
        return g * 3 * self.inputs[0] ** 2


class MyLayer(nn.Module):
    def forward(self, x):
        return Cube.apply(x) + 1


class NumpyLayer(nn.Module):
    def forward(self, x):
        return glassnet.tensor(np.sin(x.array))


@pytest.mark.parametrize("layer", [MyLayer, NumpyLayer])
def test_an_unsupported_module_is_named(layer):
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), layer()))
    name = layer.__name__
    with pytest.raises(UnsupportedError, match=rf"no ONNX conversion for {name} \(.*test_onnx\.{name}\) "
                                               r"at '1\.1'.*supported: the layers .*nn\.LSTM"):
        export(model, floats(2, 4), io.BytesIO())
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert not any("forward" in m.__dict__ for m in model.modules())  # the watchers are gone


def test_keras_masks_are_refused():
    model = keras.Sequential([layers.Embedding(20, 4, mask_zero=True), layers.LSTM(3)])
    with pytest.raises(UnsupportedError, match="mask"):
        export(model, words(20, np.float32)(2, 5), io.BytesIO())


def test_the_file_is_written_atomically_and_checked(tmp_path):
    path = tmp_path / "mlp.onnx"
    export(nn.Sequential(nn.Linear(3, 2), nn.ReLU()), floats(2, 3), path, dynamic_axes={"input": [0]})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.onnx"]
    with pytest.raises(ValueError, match="opset_version"):
        export(nn.Linear(3, 2), floats(2, 3), tmp_path / "old.onnx", opset_version=9)
    with pytest.raises(ValueError, match="dynamic_axes names 'x'"):
        export(nn.Linear(3, 2), floats(2, 3), tmp_path / "bad.onnx", dynamic_axes={"x": [0]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.onnx"]


def test_model_export_is_keras_3s_door_to_the_same_exporter(tmp_path):
    model = keras.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    model.export(tmp_path / "m.onnx", x, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x[:2]})[0]
    np.testing.assert_allclose(got, model.predict(x[:2]), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="format must be 'onnx'"):
        model.export(tmp_path / "m", x, format="tf_saved_model")
