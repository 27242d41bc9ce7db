"""glassnet.d2l, the helpers themselves: checked against PyTorch or by hand, on small inputs."""

import math
import os

import numpy as np
import pytest
import torch

import glassnet
from glassnet import d2l, nn


def test_synthetic_data_follows_the_line():
    glassnet.manual_seed(0)
    w, b = glassnet.tensor([2.0, -3.4]), 4.2
    X, y = d2l.synthetic_data(w, b, 500)
    assert X.shape == (500, 2) and y.shape == (500, 1)
    residual = y.array[:, 0] - (X.array @ np.array([2.0, -3.4]) + 4.2)
    assert abs(residual.std() - 0.01) < 0.003  # the noise d2l adds


def test_linreg_sgd_squared_loss_fit_a_line():
    glassnet.manual_seed(0)
    true_w = glassnet.tensor([2.0, -3.4])
    features, labels = d2l.synthetic_data(true_w, 4.2, 1000)
    w = glassnet.normal(0, 0.01, (2, 1), requires_grad=True)
    b = glassnet.zeros(1, requires_grad=True)
    for _ in range(3):
        for X, y in d2l.load_array((features, labels), 10):
            d2l.squared_loss(d2l.linreg(X, w, b), y).sum().backward()
            d2l.sgd([w, b], 0.03, 10)
    assert np.allclose(w.array[:, 0], [2.0, -3.4], atol=0.01) and abs(float(b.array[0]) - 4.2) < 0.01


def test_accumulator_timer_accuracy():
    acc = d2l.Accumulator(2)
    acc.add(1, glassnet.tensor(2.0))
    acc.add(3, 4)
    assert acc[0] == 4 and acc[1] == 6.0
    y_hat = glassnet.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert d2l.accuracy(y_hat, glassnet.tensor([1, 0, 0])) == 2.0
    timer = d2l.Timer()
    timer.stop()
    timer.start()
    timer.stop()
    assert len(timer.times) == 2 and timer.sum() >= 0 and timer.cumsum()[-1] == pytest.approx(timer.sum())


def test_corr2d_matches_torch_conv2d():
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(6, 7)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32)
    ours = d2l.corr2d(glassnet.tensor(X), glassnet.tensor(K)).array
    theirs = torch.nn.functional.conv2d(torch.tensor(X)[None, None], torch.tensor(K)[None, None])[0, 0]
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_grad_clipping_matches_torch():
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s).astype(np.float32) for s in [(3, 4), (4,)]]
    ours = [nn.Parameter(glassnet.zeros(g.shape)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = glassnet.tensor(g.copy()), torch.tensor(g.copy())
    d2l.grad_clipping(ours, 1.0)
    torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-5)


def test_hyperparameters_and_add_to_class():
    class Box(d2l.HyperParameters):
        def __init__(self, a, b=2, _hidden=3):
            self.save_hyperparameters(ignore=["b"])

    box = Box(1)
    assert box.a == 1 and not hasattr(box, "b") and not hasattr(box, "_hidden") and box.hparams == {"a": 1}

    @d2l.add_to_class(Box)
    def double(self):
        return 2 * self.a

    assert box.double() == 2


def test_progress_board_averages_every_n():
    board = d2l.ProgressBoard(display=False)
    for x in range(4):
        board.draw(x, glassnet.tensor(float(x * x)), "sq", every_n=2)
    assert [tuple(p) for p in board.data["sq"]] == [(0.5, 0.5), (2.5, 6.5)]


def test_plots_save_without_display(tmp_path):
    x = np.arange(0, 3, 0.1)
    d2l.plot(x, [np.sin(x), np.cos(x)], "x", "f(x)", legend=["sin", "cos"])
    animator = d2l.Animator(xlabel="epoch", legend=["a", "b"])
    animator.add(1, (0.5, None))
    animator.add(2, (0.4, 0.3))
    assert animator.Y == [[0.5, 0.4], [0.3]]
    paths = d2l.save_figures(tmp_path, prefix="t")
    assert len(paths) == 2 and all(os.path.getsize(p) > 1000 for p in paths)


def test_vocab_and_tokenize():
    tokens = d2l.tokenize(["the time machine", "the end"])
    assert tokens == [["the", "time", "machine"], ["the", "end"]]
    vocab = d2l.Vocab(tokens, min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "the"] and vocab["time"] == vocab.unk
    assert vocab.to_tokens([1, 0]) == ["the", "<unk>"]
    with pytest.raises(ValueError, match="tokenize: token must be 'word' or 'char'"):
        d2l.tokenize(["x"], token="byte")


def test_time_machine_from_given_text():
    text = "The Time Traveller (for so it will be convenient to speak of him) " * 20
    data = d2l.TimeMachine(batch_size=4, num_steps=5, num_train=100, num_val=50, text=text)
    X, Y = next(iter(data.train_dataloader()))
    assert X.shape == (4, 5) and Y.shape == (4, 5)
    np.testing.assert_array_equal(data.X.array[1:, :], data.Y.array[:-1, :])  # Y is X shifted by one
    assert "".join(data.vocab.to_tokens(data.X.array[0])) == "the t"


def test_download_uses_the_stand_in_and_refuses_unverifiable_files(tmp_path, monkeypatch):
    stand_in = tmp_path / "book.txt"
    stand_in.write_text("some text")
    monkeypatch.setenv("GLASSNET_D2L_TIME_MACHINE", str(stand_in))
    assert d2l.download(d2l.DATA_URL + "timemachine.txt", tmp_path, "0" * 40) == str(stand_in)
    assert d2l.read_time_machine() == "some text"
    with pytest.raises(ValueError, match="download: no SHA-1"):
        d2l.download(d2l.DATA_URL + "other.csv", tmp_path)


def test_time_machine_download_is_verified(tmp_path, monkeypatch):
    from glassnet.data.datasets import _download
    monkeypatch.delenv("GLASSNET_D2L_TIME_MACHINE", raising=False)

    class Response:
        def __init__(self, body):
            self.body = body

        def read(self, n=-1):
            out, self.body = self.body, b""
            return out

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(_download, "urlopen", lambda *a, **k: Response(b"not the novel"))
    with pytest.raises(_download.ChecksumError):
        d2l.read_time_machine(root=tmp_path)
    assert not (tmp_path / "d2l" / "timemachine.txt").exists()  # nothing unverified is kept


def test_trainer_fits_linear_regression():
    glassnet.manual_seed(0)
    data = d2l.SyntheticRegressionData(w=glassnet.tensor([2.0, -3.4]), b=4.2)
    model = d2l.LinearRegression(lr=0.03)
    model.board.display = False
    d2l.Trainer(max_epochs=3).fit(model, data)
    w, b = model.get_w_b()
    assert np.allclose(w.array.reshape(-1), [2.0, -3.4], atol=0.05) and abs(float(b.array[0]) - 4.2) < 0.05
    losses = [p.y for p in model.board.data["train_loss"]]
    assert losses[-1] < losses[0] / 10


def test_classifier_accuracy_and_loss_match_torch():
    rng = np.random.default_rng(2)
    logits, labels = rng.normal(size=(8, 5)).astype(np.float32), rng.integers(0, 5, size=8)
    model = d2l.Classifier()
    acc = float(model.accuracy(glassnet.tensor(logits), glassnet.tensor(labels)).array)
    assert acc == pytest.approx((logits.argmax(1) == labels).mean())
    loss = float(model.loss(glassnet.tensor(logits), glassnet.tensor(labels)).array)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels)).item()
    assert loss == pytest.approx(expected, rel=1e-5)


def test_rnn_lm_scratch_shapes_and_perplexity_start():
    rnn = d2l.RNNScratch(num_inputs=7, num_hiddens=16)
    model = d2l.RNNLMScratch(rnn, vocab_size=7)
    X = glassnet.tensor(np.arange(12).reshape(3, 4) % 7)
    out = model(X)
    assert out.shape == (3, 4, 7)
    loss = float(model.loss(out, X).array)
    assert abs(math.exp(loss) - 7) < 0.5  # small random weights: about uniform over the vocabulary


def test_device_helpers_answer_cpu():
    assert d2l.num_gpus() == 0
    assert d2l.try_all_gpus() == [d2l.cpu()] and d2l.try_gpu() == d2l.cpu()


def test_alias_of_a_missing_function_names_it(monkeypatch):
    with pytest.raises(AttributeError, match="glassnet.d2l' has no attribute 'no_such_name'"):
        d2l.no_such_name  # noqa: B018
    monkeypatch.setitem(d2l._FUNCTION_ALIASES, "spline", "no_such_function")
    with pytest.raises(AttributeError, match="d2l.spline stands for glassnet.no_such_function"):
        d2l.spline  # noqa: B018
    assert d2l.concat is glassnet.cat and d2l.reshape(glassnet.zeros(6), (2, 3)).shape == (2, 3)


needs_data = pytest.mark.skipif(not os.environ.get("GLASSNET_DATA"),
                                reason="needs GLASSNET_DATA (Fashion-MNIST)")


@needs_data
def test_function_style_chapter3_and_6(monkeypatch):
    monkeypatch.setenv("GLASSNET_D2L_TRAIN_EXAMPLES", "1000")
    monkeypatch.setenv("GLASSNET_D2L_VAL_EXAMPLES", "300")
    glassnet.manual_seed(0)
    train_iter, test_iter = d2l.load_data_fashion_mnist(100, resize=16)
    X, y = next(iter(train_iter))
    assert X.shape == (100, 1, 16, 16) and 0 <= X.array.min() and X.array.max() <= 1
    net = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))
    history = d2l.train_ch3(net, train_iter, test_iter, nn.CrossEntropyLoss(reduction="none"), 2,
                            glassnet.optim.SGD(net.parameters(), lr=0.1))
    assert history[-1][0] < history[0][0] and history[-1][2] > 0.4  # loss falls; chance is 0.1
    d2l.predict_ch3(net, test_iter)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14 * 14, 10))
    _, train_acc, test_acc = d2l.train_ch6(cnn, train_iter, test_iter, 3, 0.1)
    assert test_acc > 0.35 and d2l.evaluate_accuracy_gpu(cnn, test_iter) == pytest.approx(test_acc)
    d2l.plt.close("all")


def test_function_style_chapter8(monkeypatch, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("the time traveller smiled round at us then still smiling faintly " * 40)
    monkeypatch.setenv("GLASSNET_D2L_TIME_MACHINE", str(text))
    glassnet.manual_seed(0)
    train_iter, vocab = d2l.load_data_time_machine(batch_size=8, num_steps=10, max_tokens=2000)
    X, Y = train_iter[0]
    assert X.shape == (8, 10) and np.array_equal(X.array[:, 1:], Y.array[:, :-1])
    net = d2l.RNNModel(nn.GRU(len(vocab), 32), len(vocab))
    perplexities = d2l.train_ch8(net, train_iter, vocab, lr=1.0, num_epochs=5)
    assert perplexities[-1] < perplexities[0] and perplexities[-1] < len(vocab)
