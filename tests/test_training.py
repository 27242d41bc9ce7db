"""Keras-style compile / fit / evaluate / predict on nn.Module (glassnet.training).

Synthetic data (labelled as such) keeps these fast; one test trains on a
slice of the real MNIST and is skipped when the data is absent.
"""

import numpy as np
import pytest
from conftest import data_dir

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset


def blobs(n=300, classes=3, dim=4, seed=0):
    """Synthetic, linearly separable clusters: class k sits around 3 * e_k."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centers = 3.0 * np.eye(classes, dim)
    return centers[y] + rng.normal(0, 0.5, (n, dim)), y


def mlp(out=3, last=None, dim=4, hidden=16):
    layers = [nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, out)]
    return nn.Sequential(*(layers + ([last] if last is not None else [])))


# ---------------------------------------------------------------- compile
@pytest.mark.parametrize("name, cls, expected", [
    ("rmsprop", optim.RMSprop, dict(lr=1e-3, alpha=0.9, eps=1e-7, momentum=0)),
    ("sgd", optim.SGD, dict(lr=0.01, momentum=0)),
    ("adam", optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7)),
    ("adamw", optim.AdamW, dict(lr=1e-3, eps=1e-7, weight_decay=0.004)),
    ("Adagrad", optim.Adagrad, dict(lr=1e-3, initial_accumulator_value=0.1, eps=1e-7)),
])
def test_optimizer_strings_get_keras_defaults(name, cls, expected):
    model = mlp()
    model.compile(optimizer=name, loss="mse")
    assert type(model.optimizer) is cls
    group = model.optimizer.param_groups[0]
    for key, value in expected.items():
        assert group[key] == value, key
    assert len(group["params"]) == 4


def test_pytorch_classes_keep_their_own_defaults():
    model = mlp()
    model.compile(optimizer=optim.RMSprop, loss="mse")  # a class, built on model.parameters()
    assert model.optimizer.param_groups[0]["lr"] == 1e-2
    assert model.optimizer.param_groups[0]["alpha"] == 0.99


def test_compile_accepts_objects_and_keeps_them_out_of_the_state_dict():
    model = mlp()
    keys = list(model.state_dict())
    opt = optim.SGD(model.parameters(), lr=0.5)
    model.compile(optimizer=opt, loss=nn.CrossEntropyLoss(), metrics=[glassnet.metrics.Accuracy()])
    assert model.optimizer is opt
    assert list(model.state_dict()) == keys
    assert "loss" not in dict(model.named_children())


@pytest.mark.parametrize("kwargs, words", [
    (dict(optimizer="adamax", loss="mse"), ["optimizer", "'adamax'", "rmsprop", "sgd"]),
    (dict(loss="crossentropy"), ["loss", "'crossentropy'", "sparse_categorical_crossentropy", "mse"]),
    (dict(loss="mse", metrics=["top_k"]), ["metric", "'top_k'", "accuracy", "auc"]),
])
def test_unknown_names_list_the_valid_ones(kwargs, words):
    with pytest.raises(ValueError) as info:
        mlp().compile(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_compile_without_a_loss_and_fit_without_compile_say_what_to_do():
    with pytest.raises(ValueError, match="a loss is needed"):
        mlp().compile(optimizer="adam")
    x, y = blobs(20)
    with pytest.raises(RuntimeError, match=r"fit: Sequential is not compiled; call model.compile"):
        mlp().fit(x, y)
    with pytest.raises(RuntimeError, match="evaluate: .* not compiled"):
        mlp().evaluate(x, y)


# ----------------------------------------------------------- return types
def test_evaluate_returns_a_float_a_list_or_a_dict_as_keras_does():
    x, y = blobs(60)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy", "precision"])
    values = model.evaluate(x, y, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    assert values[0] == pytest.approx(loss)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "precision"]
    predicted = model.predict(x).argmax(1)
    assert logs["accuracy"] == pytest.approx(np.mean(predicted == y))
    assert logs["precision"] == pytest.approx(glassnet.metrics.precision(y, predicted, average="macro"))


def test_history_has_keras_keys_and_epochs():
    x, y = blobs(100)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc", "recall"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0)
    assert list(history.history) == ["loss", "acc", "recall", "val_loss", "val_acc", "val_recall"]
    assert history.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in history.history.values())
    assert model.history is history
    more = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert more.epoch == [3, 4]


def test_predict_returns_what_the_model_outputs_in_eval_mode():
    x, _ = blobs(50)
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    out = model.predict(x, batch_size=7)
    assert isinstance(out, np.ndarray) and out.shape == (50, 3) and out.dtype == np.float32
    with glassnet.no_grad():
        model.eval()
        expected = model(glassnet.tensor(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    model.train()
    model.predict(x)
    assert model.training  # the mode is given back
    loader = DataLoader(TensorDataset(x, np.zeros(50)), batch_size=8)
    np.testing.assert_allclose(model.predict(loader), expected, rtol=1e-6)


# ------------------------------------------------ the two idioms (Keras / PyTorch)
def twins(out, last, dim=4):
    """A Keras-style model ending in ``last`` and a logits model with the same weights."""
    keras_style, torch_style = mlp(out, last, dim), mlp(out, None, dim)
    torch_style.load_state_dict(keras_style.state_dict())
    return keras_style, torch_style


@pytest.mark.parametrize("loss, last, out, kind", [
    ("sparse_categorical_crossentropy", nn.Softmax(), 3, "split"),
    ("sparse_categorical_crossentropy", nn.LogSoftmax(dim=1), 3, "log_probs"),
    ("categorical_crossentropy", nn.Softmax(dim=1), 3, "split"),
    ("binary_crossentropy", nn.Sigmoid(), 1, "split"),
])
def test_both_idioms_give_the_same_losses_and_both_train(loss, last, out, kind):
    x, y = blobs(240, classes=3 if out == 3 else 2)
    target = glassnet.data.to_categorical(y, 3) if loss == "categorical_crossentropy" else y
    models = twins(out, last)
    histories = []
    for model in models:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        glassnet.manual_seed(1)  # the same shuffling for both
        histories.append(model.fit(x, target, epochs=8, batch_size=16, verbose=0).history)
    assert [m.trainer.objective.kind for m in models] == [kind, "logits"]
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
    assert histories[0]["accuracy"][-1] >= 0.95 and histories[1]["accuracy"][-1] >= 0.95
    keras_loss = models[0].evaluate(x, target, verbose=0)[0]
    assert keras_loss == pytest.approx(models[1].evaluate(x, target, verbose=0)[0], rel=1e-5)
    assert keras_loss < 0.5  # from about 1.1 (3 classes) or 0.7 (2) at the start
    # predict returns what each model outputs: probabilities (or log-probabilities) / logits
    with glassnet.no_grad():
        expected = last(glassnet.tensor(models[1].predict(x))).numpy()
    np.testing.assert_allclose(models[0].predict(x), expected, rtol=1e-4, atol=1e-6)


class SoftmaxInside(nn.Module):
    """A custom model that applies the activation in forward: no last layer to split off."""

    def __init__(self, body, binary=False):
        super().__init__()
        self.body, self.binary = body, binary

    def forward(self, x):
        z = self.body(x)
        return glassnet.sigmoid(z) if self.binary else nn.functional.softmax(z, dim=1)


@pytest.mark.parametrize("loss, out", [("sparse_categorical_crossentropy", 3), ("binary_crossentropy", 1)])
def test_probabilities_made_inside_forward_are_clipped_like_keras(loss, out):
    x, y = blobs(64, classes=out if out > 1 else 2)
    custom, reference = SoftmaxInside(mlp(out), binary=out == 1), mlp(out)
    reference.load_state_dict(custom.body.state_dict())
    for model in (custom, reference):
        model.compile(optimizer="sgd", loss=loss)
    custom.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)  # one step: seen in the graph
    reference.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    assert custom.trainer.objective.kind == "probs"
    assert custom.evaluate(x, y, verbose=0) == pytest.approx(reference.evaluate(x, y, verbose=0), rel=1e-4)
    # Confidently wrong: the probability underflows to 0; clipping keeps the loss finite.
    with glassnet.no_grad():
        custom.body[2].weight.mul_(1e4)
    assert np.isfinite(custom.evaluate(x, y, verbose=0))


def test_saturated_softmax_loss_comes_from_the_logits():
    x, y = blobs(64)
    keras_style, torch_style = twins(3, nn.Softmax())
    for model in (keras_style, torch_style):
        with glassnet.no_grad():
            model[2].weight.mul_(300.0)  # logits in the thousands: softmax rounds to exact 0 and 1
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    probs = keras_style.predict(x)
    assert (probs == 0).any()
    exact = torch_style.evaluate(x, y, verbose=0)
    assert keras_style.evaluate(x, y, verbose=0) == pytest.approx(exact, rel=1e-6)
    assert exact > 50  # far beyond what log(clipped probabilities) could report


def test_regression_targets_line_up_with_a_single_output():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)), rng.normal(size=50)  # synthetic
    model = nn.Sequential(nn.Linear(4, 1))
    for loss, error in [("mse", np.square), ("mae", np.abs)]:
        model.compile(optimizer="sgd", loss=loss, metrics=["mse", "mae"])
        logs = model.evaluate(x, y, verbose=0, return_dict=True)
        out = model.predict(x)[:, 0]
        assert logs["loss"] == pytest.approx(np.mean(error(out - y)), rel=1e-5)  # not an (N, N) broadcast
        assert logs["mse"] == pytest.approx(np.mean((out - y) ** 2), rel=1e-5)


def test_loss_objects_pytorch_style_with_keras_metrics():
    x, y = blobs(200, classes=2)
    model = mlp(1)
    model.compile(optimizer=optim.Adam(model.parameters(), lr=0.01), loss=nn.BCEWithLogitsLoss(),
                  metrics=["accuracy"])
    history = model.fit(x, y.astype(np.float32), epochs=5, verbose=0)
    assert history.history["accuracy"][-1] >= 0.95
    predicted = (model.predict(x)[:, 0] > 0).astype(int)
    assert model.evaluate(x, y.astype(np.float32), verbose=0)[1] == pytest.approx(np.mean(predicted == y))


# --------------------------------------------------------------- batching
class Recorder(nn.Module):
    """A linear model that notes the dtype, mode and grad mode of every call."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.calls = []

    def forward(self, x):
        self.calls.append((x.dtype, self.training, glassnet.is_grad_enabled(), x.shape[0]))
        return self.fc(x)


def test_arrays_are_converted_once_and_modes_follow_keras():
    x, y = blobs(40)
    model = Recorder()
    seen = []

    def loss(out, target):
        seen.append(target.dtype)
        return nn.CrossEntropyLoss()(out, target)

    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, y.astype(np.int32), batch_size=16, epochs=1, validation_data=(x[:8], y[:8]), verbose=0)
    assert x.dtype == np.float64
    train = [c for c in model.calls if c[1]]
    val = [c for c in model.calls if not c[1]]
    assert [c[3] for c in train] == [16, 16, 8] and all(c[2] for c in train)
    assert [c[3] for c in val] == [8] and not any(c[2] for c in val)
    assert {c[0] for c in model.calls} == {np.dtype(np.float32)}
    assert set(seen) == {np.dtype(np.int64)}
    model.calls.clear()
    model.evaluate(x, y, verbose=0)
    assert model.calls and not any(c[1] or c[2] for c in model.calls)


def test_validation_split_takes_the_last_samples_before_shuffling():
    x, y = blobs(10)
    model = mlp()
    # lr = 0: the weights never move, so the logged losses are plain evaluations.
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=3, validation_split=0.25, shuffle=True, verbose=0)
    # ceil(10 * 0.75) = 8 training samples, the last 2 for validation, as in Keras.
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[8:], y[8:], verbose=0))
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x[:8], y[:8], verbose=0), rel=1e-6)


def test_datasets_and_dataloaders_are_accepted():
    x, y = blobs(64)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    data = TensorDataset(x.astype(np.float32), y)
    history = model.fit(data, epochs=1, batch_size=16, validation_data=DataLoader(data, batch_size=10),
                        verbose=0)
    assert "val_accuracy" in history.history
    loader = DataLoader(data, batch_size=16, shuffle=True)
    model.fit(loader, epochs=1, verbose=0)
    assert isinstance(model.evaluate(loader, verbose=0), list)
    with pytest.raises(ValueError, match="y must be None when x is a DataLoader"):
        model.fit(loader, y, verbose=0)


@pytest.mark.parametrize("call, message", [
    (lambda m, x, y: m.fit(x, y[:-1], verbose=0), r"same number of samples; got x of shape \(30, 4\)"),
    (lambda m, x, y: m.fit(x, verbose=0), "y \\(the targets\\) is missing"),
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size must be a positive int"),
    (lambda m, x, y: m.fit(x, y, validation_split=1.5, verbose=0), r"validation_split must be in \[0, 1\)"),
    (lambda m, x, y: m.fit(x, y, verbose=3), "verbose must be 'auto', 0, 1 or 2"),
    (lambda m, x, y: m.fit(x, y, validation_data=(x, y, y, y), verbose=0), "validation_data must be"),
    (lambda m, x, y: m.fit(TensorDataset(x), verbose=0), r"each batch must be \(inputs, targets\).*1 fields"),
])
def test_bad_arguments_get_clear_errors(call, message):
    x, y = blobs(30)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=message):
        call(model, x, y)


def test_a_hand_written_loop_still_works_after_compile():
    x, y = blobs(64)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    opt, loss_fn = optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()
    xt, yt = glassnet.tensor(x), glassnet.tensor(y)
    first = None
    for _ in range(20):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        first = first or loss.item()
    assert loss.item() < first


# ------------------------------------------------------------ real MNIST
def test_mnist_slice_reaches_90_percent_in_one_epoch():
    if data_dir() is None or not (data_dir() / "mnist").is_dir():
        pytest.skip("real MNIST not available (set GLASSNET_DATA)")
    from glassnet.data.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:10000].reshape(10000, 784).astype(np.float32) / 255
    x_test = x_test.reshape(len(x_test), 784).astype(np.float32) / 255
    # Deep Learning with Python, chapter 2 (Dense(512, relu), Dense(10, softmax)) on a sixth of the
    # data, so Adam and small batches to get there in one epoch.
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax())
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train[:10000], epochs=1, batch_size=32, verbose=0)
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    assert history.history["accuracy"][0] > 0.8
    assert test_acc >= 0.90, test_acc
    assert test_loss < 0.4, test_loss
