"""Dive into Deep Learning's PyTorch code, chapters 2-10, run on glassnet (issue 14, item 8).

Each section's code cells (tests/d2l_sections/*.txt: the book's cells with
only the import lines changed) run in a fresh process through
tests/d2l_sections/runner.py, with the reductions of REDUCE applied as text
substitutions (fewer epochs, smaller images, a subset of Fashion-MNIST).
The test then checks what the book shows: shapes, printed values, falling
losses, accuracies above loose bounds for the reduced runs.

Sections whose data is not here (Kaggle house prices, the English-French
pairs) are skipped with the reason; the modern CNNs are marked slow.
The Time Machine is replaced by IMDB review text (glassnet.d2l.imdb_stand_in)
through GLASSNET_D2L_TIME_MACHINE, so perplexities are for that text.
"""

import atexit
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ROOT / "tests" / "d2l_sections"
DATA = os.environ.get("GLASSNET_DATA")
# Fashion-MNIST subsets for the reduced runs (the book uses 60,000 + 10,000).
FASHION_SUBSET = {"GLASSNET_D2L_TRAIN_EXAMPLES": "3000", "GLASSNET_D2L_VAL_EXAMPLES": "1000"}
EPOCHS_1 = [("max_epochs=10", "max_epochs=1")]
TO_32 = [("max_epochs=10", "max_epochs=1"), ("resize=(96, 96)", "resize=(32, 32)")]
VGG_32 = [("max_epochs=10", "max_epochs=1"), ("resize=(224, 224)", "resize=(32, 32)")]
TO_67 = [("max_epochs=10", "max_epochs=1"), ("resize=(224, 224)", "resize=(67, 67)")]
TEXT_EPOCHS = {100: "2", 50: "2"}

# section -> (reductions, the data it needs: 'fashion', 'text' or None, timeout in s)
REDUCE = {
    "linear-classification__softmax-regression-scratch": (EPOCHS_1, "fashion", 120),
    "linear-classification__softmax-regression-concise": (EPOCHS_1, "fashion", 120),
    "linear-classification__image-classification-dataset": ([], "fashion", 120),
    "multilayer-perceptrons__mlp-implementation": (EPOCHS_1, "fashion", 120),
    "multilayer-perceptrons__dropout": (EPOCHS_1, "fashion", 120),
    "convolutional-neural-networks__lenet": (EPOCHS_1, "fashion", 180),
    "convolutional-modern__batch-norm": (EPOCHS_1, "fashion", 240),
    "convolutional-modern__alexnet": (TO_67, "fashion", 600),
    "convolutional-modern__vgg": (VGG_32, "fashion", 600),
    "convolutional-modern__nin": (TO_67, "fashion", 600),
    "convolutional-modern__googlenet": (TO_32, "fashion", 600),
    "convolutional-modern__resnet": (TO_32, "fashion", 600),
    "convolutional-modern__densenet": (TO_32, "fashion", 600),
    "convolutional-modern__cnn-design": (TO_32, "fashion", 600),
    "recurrent-neural-networks__text-sequence": ([], "text", 120),
    "recurrent-neural-networks__language-model": ([], "text", 120),
    "recurrent-neural-networks__rnn-scratch": ([("max_epochs=100", "max_epochs=2")], "text", 400),
    "recurrent-neural-networks__rnn-concise": ([("max_epochs=100", "max_epochs=2")], "text", 400),
    "recurrent-modern__gru": ([("max_epochs=50", "max_epochs=2")], "text", 600),
    "recurrent-modern__lstm": ([("max_epochs=50", "max_epochs=2")], "text", 600),
    "recurrent-modern__deep-rnn": ([("max_epochs=100", "max_epochs=2")], "text", 600),
}

UNAVAILABLE = {
    "builders-guide__use-gpu": "needs two GPUs (X.cuda(1)); glassnet computes on the CPU only",
    "multilayer-perceptrons__kaggle-house-price":
        "needs Kaggle's house-prices CSVs (d2l's DATA_HUB kaggle_house_*), not available offline here",
    "recurrent-modern__machine-translation-and-dataset":
        "needs the Tatoeba English-French pairs (d2l's DATA_HUB fra-eng), not available offline here",
    "recurrent-modern__seq2seq": "trains on the English-French pairs (fra-eng), not available offline here",
}

BOARD = "{k: [p.y for p in v] for k, v in model.board.data.items()}"


def run(section, probes=(), timeout=None):
    """Run one section in a subprocess; returns the runner's JSON report."""
    reductions, needs, limit = REDUCE.get(section, ([], None, 120))
    if section in UNAVAILABLE:
        pytest.skip(UNAVAILABLE[section])
    if needs and not DATA:
        pytest.skip(f"{section} needs {needs} data: set GLASSNET_DATA")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    if needs == "fashion":
        env.update(FASHION_SUBSET)
    if needs == "text":
        env["GLASSNET_D2L_TIME_MACHINE"] = str(stand_in_text())
    command = [sys.executable, str(SECTIONS / "runner.py"), section, "--json", "report.json"]
    for old, new in reductions:
        command += ["--reduce", f"{old}=>{new}"]
    for probe in probes:
        command += ["--probe", probe]
    # a scratch folder as the working directory: some pages save files (torch.save(x, 'x-file'))
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(command, env=env, cwd=scratch, timeout=timeout or limit, check=True,
                       capture_output=True)
        report = json.loads((Path(scratch) / "report.json").read_text())
    assert report["ok"], f"{section} stopped at cell {report['failed_cell']}: {report['error']}\n" \
                         f"{report['traceback']}"
    record(report)
    return report


def record(report):
    """With GLASSNET_D2L_REPORT=FILE, append the section's time and last curve points (docs/d2l.md)."""
    path = os.environ.get("GLASSNET_D2L_REPORT")
    if path:
        board = report["probes"].get(BOARD) or {}
        last = {k: round(v[-1], 4) for k, v in board.items() if isinstance(v, list) and v}
        with open(path, "a") as handle:
            line = {"section": report["section"], "seconds": report["seconds"], **last}
            handle.write(json.dumps(line) + "\n")


_STAND_IN = []


def stand_in_text():
    """IMDB reviews written once to a file, standing in for The Time Machine (not available offline)."""
    if not _STAND_IN:
        from glassnet import d2l
        path = Path(tempfile.gettempdir()) / f"d2l-stand-in-{os.getpid()}.txt"
        path.write_text(d2l.imdb_stand_in(num_chars=60_000))
        atexit.register(path.unlink, missing_ok=True)
        _STAND_IN.append(path)
    return _STAND_IN[0]


def falling(curve, what):
    assert len(curve) >= 2, f"{what}: too few points {curve}"
    assert curve[-1] < curve[0], f"{what} did not fall: {curve}"


# --- chapter 2: preliminaries ------------------------------------------------

def test_ndarray():
    output = run("preliminaries__ndarray")["output"]
    lines = output.splitlines()
    assert "12" in lines and "(12,)" in lines and "tensor(66.)" in lines  # x.numel(), x.shape, X.sum()
    assert "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.])" in output


def test_linear_algebra():
    report = run("preliminaries__linear-algebra", ["float(torch.norm(u))", "float(torch.abs(u).sum())"])
    assert report["probes"] == {"float(torch.norm(u))": 5.0, "float(torch.abs(u).sum())": 7.0}


def test_autograd():
    report = run("preliminaries__autograd", ["x.grad.tolist()"])
    # the book's checks print all-True comparisons: x.grad == 4 * x, the product rule, ...
    assert "False" not in report["output"] and report["output"].count("True") >= 9
    assert "tensor([ 0.,  4.,  8., 12.])" in report["output"]


def test_probability():
    report = run("preliminaries__probability", ["counts.sum(dim=0).tolist()", "estimates[-1].tolist()"])
    counts = report["probes"]["counts.sum(dim=0).tolist()"]
    assert sum(counts) == 10000 and all(4700 < c < 5300 for c in counts)  # a fair coin, 10,000 tosses
    assert all(abs(p - 0.5) < 0.03 for p in report["probes"]["estimates[-1].tolist()"])


@pytest.mark.parametrize("section", ["preliminaries__calculus", "preliminaries__lookup-api"])
def test_runs(section):
    assert run(section)["ok"]


def test_pandas_values():
    report = run("preliminaries__pandas", ["X.tolist()", "y.tolist()"])
    # NumRooms (NaN filled with the mean, 3), RoofType_Slate, RoofType_nan of the page's four-row CSV
    rooms_slate_nan = [[3.0, 0.0, 1.0], [2.0, 0.0, 1.0], [4.0, 1.0, 0.0], [3.0, 0.0, 1.0]]
    assert report["probes"]["X.tolist()"] == rooms_slate_nan
    assert report["probes"]["y.tolist()"] == [127500.0, 106000.0, 178100.0, 140000.0]


# --- chapter 3: linear regression ------------------------------------------

@pytest.mark.parametrize("section", ["linear-regression__linear-regression-scratch",
                                     "linear-regression__linear-regression-concise"])
def test_linear_regression_recovers_w_and_b(section):
    scratch = section.endswith("scratch")
    w_b = "model.w, model.b" if scratch else "model.get_w_b()"
    report = run(section, [f"[t.detach().reshape(-1).tolist() for t in ({w_b})]", BOARD])
    (w, b) = report["probes"][f"[t.detach().reshape(-1).tolist() for t in ({w_b})]"]
    # the truth is w = [2, -3.4], b = 4.2; after 3 epochs the book's errors are about 0.1-0.25 from
    # scratch (loss halved, so half the step) and under 0.01 with nn.MSELoss
    tolerance = 0.4 if scratch else 0.05
    assert abs(w[0] - 2) < tolerance and abs(w[1] + 3.4) < tolerance and abs(b[0] - 4.2) < tolerance, (w, b)
    falling(report["probes"][BOARD]["train_loss"], "training loss")
    assert "error in estimating w" in report["output"]


def test_synthetic_regression_data():
    report = run("linear-regression__synthetic-regression-data", ["list(X.shape)", "list(y.shape)"])
    assert report["probes"] == {"list(X.shape)": [32, 2], "list(y.shape)": [32, 1]}


def test_weight_decay():
    report = run("linear-regression__weight-decay")
    norms = [float(line.split(":")[1]) for line in report["output"].splitlines() if "L2 norm of w" in line]
    # l2_penalty (|w|^2 / 2) without decay, with wd=3 from scratch, with wd=3 concise; the book prints
    # about 0.01, 0.0017 and 0.013 (the concise model starts from a different initialisation)
    assert len(norms) == 3 and norms[1] < norms[0] / 3 and norms[2] < 0.05, norms


@pytest.mark.parametrize("section", ["linear-regression__linear-regression", "linear-regression__oo-design"])
def test_linear_regression_pages_run(section):
    assert run(section)["ok"]


# --- chapter 4: classification ---------------------------------------------

def check_classifier(section, min_acc):
    report = run(section, [BOARD])
    board = report["probes"][BOARD]
    falling(board["train_loss"], f"{section} training loss")
    assert board["val_acc"][-1] > min_acc, f"{section}: validation accuracy {board['val_acc']}"
    return report


@pytest.mark.parametrize("section", ["linear-classification__softmax-regression-scratch",
                                     "linear-classification__softmax-regression-concise"])
def test_softmax_regression(section):
    # the book: about 0.83 after 10 epochs on 60,000 images; here 1 epoch on 3,000
    check_classifier(section, 0.45)  # chance is 0.1


def test_image_classification_dataset():
    report = run("linear-classification__image-classification-dataset", ["len(data.train), len(data.val)"])
    assert report["probes"]["len(data.train), len(data.val)"] == [60000, 10000]
    # the first batch (the loop that times an epoch ends on the last, smaller one): 64 images 32x32
    assert "(64, 1, 32, 32) float32 (64,) int64" in report["output"], report["output"][:300]


def test_classification_base():
    assert run("linear-classification__classification")["ok"]


# --- chapter 5: multilayer perceptrons ---------------------------------------

@pytest.mark.parametrize("section", ["multilayer-perceptrons__mlp-implementation",
                                     "multilayer-perceptrons__dropout"])
def test_mlp(section):
    check_classifier(section, 0.25)  # the book: about 0.85 after 10 epochs; chance is 0.1


@pytest.mark.parametrize("section", ["multilayer-perceptrons__mlp",
                                     "multilayer-perceptrons__numerical-stability-and-init"])
def test_mlp_pages_run(section):
    assert run(section)["ok"]


def test_mlp_relu_gradient():
    report = run("multilayer-perceptrons__mlp", ["x.grad.tolist()[:3]", "x.tolist()[:3]"])
    xs, grads = report["probes"]["x.tolist()[:3]"], report["probes"]["x.grad.tolist()[:3]"]
    # the last gradient the page computes is tanh's: 1 - tanh(x)^2
    import math
    assert all(abs(g - (1 - math.tanh(x) ** 2)) < 1e-5 for x, g in zip(xs, grads))


# --- chapter 6: builders' guide -----------------------------------------------

def test_model_construction():
    report = run("builders-guide__model-construction", ["list(net(X).shape)"])
    assert report["probes"]["list(net(X).shape)"] == []  # FixedHiddenMLP returns a scalar
    assert report["output"].count("(2, 10)") == 3  # Sequential, MLP, MySequential: 2 examples, 10 outputs


def test_parameters():
    report = run("builders-guide__parameters", ["[(n, list(p.shape)) for n, p in net.named_parameters()]",
                                                "float(net[2].weight.data[0, 0])"])
    assert report["probes"]["float(net[2].weight.data[0, 0])"] == 100.0  # tied weights changed together
    assert "False" not in report["output"]


def test_lazy_init():
    report = run("builders-guide__lazy-init", ["list(net[0].weight.shape)"])
    assert report["probes"]["list(net[0].weight.shape)"] == [256, 20]


def test_read_write():
    report = run("builders-guide__read-write")
    assert "False" not in report["output"] and "True" in report["output"]  # the clone equals the original


@pytest.mark.parametrize("section", ["builders-guide__custom-layer", "builders-guide__init-param"])
def test_builders_pages_run(section):
    assert run(section)["ok"]


# --- chapter 7: convolutional neural networks ------------------------------------

def test_conv_layer_learns_edge_kernel():
    report = run("convolutional-neural-networks__conv-layer", ["conv2d.weight.data.reshape(-1).tolist()"])
    k = report["probes"]["conv2d.weight.data.reshape(-1).tolist()"]
    assert abs(k[0] - 1) < 0.2 and abs(k[1] + 1) < 0.2, k  # the book learns about [1, -1]
    losses = [float(line.split("loss")[1]) for line in report["output"].splitlines() if "loss" in line]
    falling(losses, "kernel loss")


def test_channels():
    report = run("convolutional-neural-networks__channels", ["float((Y1 - Y2).abs().sum())"])
    assert report["probes"]["float((Y1 - Y2).abs().sum())"] < 1e-5  # 1x1 convolution as a matmul
    assert "[104., 120.]" in report["output"] and "[192., 224.]" in report["output"]


def test_padding_and_strides():
    shapes = run("convolutional-neural-networks__padding-and-strides")["output"].split()
    assert " ".join(shapes) == "(8, 8) (8, 8) (4, 4) (2, 2)"


def test_pooling():
    output = run("convolutional-neural-networks__pooling")["output"]
    assert "[[4., 5.],\n        [7., 8.]]" in output and "[[2., 3.],\n        [5., 6.]]" in output


def test_lenet():
    report = run("convolutional-neural-networks__lenet", [BOARD])
    assert "Flatten output shape:\t (1, 400)" in report["output"]
    assert "Linear output shape:\t (1, 10)" in report["output"]
    falling(report["probes"][BOARD]["train_loss"], "LeNet training loss")


# --- chapter 8: modern CNNs (slow: reduced image sizes, 1 epoch on 3,000 images) --------

# With 1 epoch of 3,000 images (24 steps) the models with batch norm learn (training loss well below
# ln 10 = 2.30; validation accuracy, in eval mode on running statistics that have seen 24 batches,
# lags and is reported in docs/d2l.md, not asserted);
# AlexNet, VGG, NiN and GoogLeNet (SGD at lr 0.01-0.05, no normalisation) are still at chance after
# 24 steps: for them the test checks the pipeline (shapes, a finite loss near ln 10), not learning.
SUMMARY_SHAPES = {"convolutional-modern__alexnet": "Flatten output shape:\t (1, 6400)",
                  "convolutional-modern__vgg": "Flatten output shape:\t (1, 25088)"}
LEARNS_IN_24_STEPS = ["convolutional-modern__batch-norm", "convolutional-modern__resnet",
                      "convolutional-modern__densenet", "convolutional-modern__cnn-design"]
AT_CHANCE_IN_24_STEPS = ["convolutional-modern__alexnet", "convolutional-modern__vgg",
                         "convolutional-modern__nin", "convolutional-modern__googlenet"]


@pytest.mark.slow
@pytest.mark.parametrize("section", LEARNS_IN_24_STEPS + AT_CHANCE_IN_24_STEPS)
def test_modern_cnn(section):
    report = run(section, [BOARD])
    board = report["probes"][BOARD]
    if section in AT_CHANCE_IN_24_STEPS:
        assert all(1.5 < v < 3.0 for v in board["train_loss"]), board  # finite, about ln 10
    else:
        falling(board["train_loss"], f"{section} training loss")
        assert board["train_loss"][-1] < 2.0, board
    if section in SUMMARY_SHAPES:
        assert SUMMARY_SHAPES[section] in report["output"]
    if "layer_summary" in (SECTIONS / f"{section}.txt").read_text():
        summary = [line for line in report["output"].splitlines() if "output shape:" in line]
        assert summary[-1].endswith("(1, 10)"), summary


# --- chapters 9-10: recurrent networks, on the stand-in text ----------------------

def test_text_sequence():
    chars = "data.build(raw_text)[1]"
    probes = [f"len({chars})", f"{chars}.to_tokens({chars}[['t', 'h', '#']])", "vocab.token_freqs[0][0]"]
    report = run("recurrent-neural-networks__text-sequence", probes)
    assert report["probes"][probes[1]] == ["t", "h", "<unk>"]
    assert 20 <= report["probes"][probes[0]] <= 28  # letters, space and <unk>
    assert report["probes"]["vocab.token_freqs[0][0]"] == "the"  # the page's word vocabulary: Zipf's head


def test_language_model():
    report = run("recurrent-neural-networks__language-model")
    assert "X: tensor(" in report["output"] and "Y: tensor(" in report["output"]


@pytest.mark.parametrize("section", ["recurrent-neural-networks__rnn", "recurrent-modern__bi-rnn",
                                     "recurrent-modern__encoder-decoder"])
def test_rnn_pages_run(section):
    assert run(section)["ok"]


def test_sequence():
    report = run("recurrent-neural-networks__sequence", ["len(multistep_preds)", "data.T"])
    assert report["probes"]["len(multistep_preds)"] == report["probes"]["data.T"] == 1000


def check_language_model(section):
    report = run(section, [BOARD, "model.predict('it has', 20, data.vocab)"])
    board = report["probes"][BOARD]
    falling(board["train_ppl"], f"{section} training perplexity")
    assert board["val_ppl"][-1] < 28, board  # below the uniform guess over 28 characters
    assert len(report["probes"]["model.predict('it has', 20, data.vocab)"]) == 26
    return board


def test_rnn_scratch():
    check_language_model("recurrent-neural-networks__rnn-scratch")


def test_rnn_concise():
    check_language_model("recurrent-neural-networks__rnn-concise")


@pytest.mark.slow
@pytest.mark.parametrize("section", ["recurrent-modern__gru", "recurrent-modern__lstm",
                                     "recurrent-modern__deep-rnn"])
def test_modern_rnn(section):
    check_language_model(section)


@pytest.mark.parametrize("section", sorted(UNAVAILABLE))
def test_unavailable_data(section):
    run(section)  # skips with the reason


def test_every_section_has_a_test():
    tested = set(REDUCE) | set(UNAVAILABLE)
    source = Path(__file__).read_text()
    missing = [p.stem for p in SECTIONS.glob("*.txt") if p.stem not in tested and f'"{p.stem}"' not in source]
    assert not missing, f"sections with no test: {missing}"
