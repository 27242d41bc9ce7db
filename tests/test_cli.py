"""The ``glassnet`` command, run in-process through ``main([...])`` with tiny settings."""

import json
import os
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.cli import main, models
from glassnet.cli.augment import ShiftedImages, shift_images
from glassnet.data.datasets import _download

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--epochs", "1", "--limit", "600", "--verbose", "2", "--batch-size", "100"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err):
    """The error is one line, and nothing looks like a traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny training run with --out, shared by the tests that inspect its outputs."""
    out = tmp_path_factory.mktemp("run")
    code = main(["train", "--model", "mlp", *QUICK, "--validation-split", "0.2", "--out", str(out),
                 "--seed", "3"])
    return code, out


def test_train_writes_every_output(trained):
    code, out = trained
    assert code == 0
    for name in ("weights.safetensors", "metrics.json", "history.csv", "learning_curves.png",
                 "confusion_matrix.png"):
        assert (out / name).stat().st_size > 0, name
    for png in ("learning_curves.png", "confusion_matrix.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_loss", "train_seconds", "model", "dataset", "epochs", "seed",
                "model_config"):
        assert key in record, key
    assert record["model"] == "mlp" and record["dataset"] == "digits" and record["seed"] == 3
    assert record["train_samples"] == 480 and record["test_samples"] == 600
    assert 0.0 <= record["test_accuracy"] <= 1.0 and np.isfinite(record["test_loss"])
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert header == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]


def test_saved_weights_rebuild_the_model(trained):
    _, out = trained
    record = json.loads((out / "metrics.json").read_text())
    model = models.build(record["model"], record["model_config"])
    model.load_state_dict(glassnet.load(out / "weights.safetensors"))
    (_, _), (x_test, y_test) = glassnet.data.datasets.digits.load_data()
    x = x_test[:600].astype(np.float32) / 255
    model.eval()
    with glassnet.no_grad():
        accuracy = (model(glassnet.tensor(x)).numpy().argmax(1) == y_test[:600]).mean()
    assert accuracy == pytest.approx(record["test_accuracy"], abs=1e-9)


def test_evaluate_round_trip(trained, capsys):
    _, out = trained
    accuracy = json.loads((out / "metrics.json").read_text())["test_accuracy"]
    for target in (out, out / "weights.safetensors"):
        code, text, _ = run(capsys, "evaluate", "--weights", str(target), "--limit", "600")
        assert code == 0
        assert f"test accuracy {accuracy:.4f}" in text and "600 digits test images" in text


def test_cnn_learns_digits_and_its_config_rebuilds_it(tmp_path, capsys):
    code, text, _ = run(capsys, "train", "--model", "cnn", "--epochs", "1", "--limit", "2000",
                        "--verbose", "2", "--out", str(tmp_path))
    assert code == 0 and text.startswith("cnn (206,922 parameters) on digits")
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert record["model_config"]["channels"] == [16, 32]
    # 16 Adam steps on shifted digits reach about 70 %; chance is 10 %.
    assert record["test_accuracy"] > 0.5
    code, text, _ = run(capsys, "evaluate", "--weights", str(tmp_path), "--limit", "2000")
    assert code == 0 and f"test accuracy {record['test_accuracy']:.4f}" in text


def test_cnn_builder_takes_channels_first_images_and_rejects_tiny_ones():
    model = models.build("cnn", models.default_config("cnn", (3, 32, 32), 4))
    assert model(glassnet.zeros(2, 3, 32, 32)).shape == (2, 4)
    with pytest.raises(ValueError, match=r"cnn: 2 pooling stages need images of at least 4 pixels a side"):
        models.cnn((3, 3), 10)


def test_evaluate_without_weights_or_config(tmp_path, capsys):
    code, _, err = run(capsys, "evaluate", "--weights", str(tmp_path))
    assert code == 1 and "no weights at" in one_error_line(err)
    (tmp_path / "weights.safetensors").write_bytes(b"")
    code, _, err = run(capsys, "evaluate", "--weights", str(tmp_path))
    assert code == 1 and "no metrics.json next to" in one_error_line(err)


def test_train_prints_progress_and_final_line(capsys):
    code, out, _ = run(capsys, "train", "--model", "linear", "--augment", "none", *QUICK)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("linear (7,850 parameters) on digits: 600 training and 600 test images")
    assert lines[1].startswith("Epoch 1/1")
    assert lines[-1].startswith("test accuracy ") and " s" in lines[-1]


@pytest.mark.parametrize("argv, words", [
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--epochs", "many"], "argument --epochs"),
    (["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
    (["train", "--batch-size", "0"], "expected a positive integer"),
    (["train", "--epochs", "0"], "expected a positive integer"),
    (["train", "--validation-split", "1.5"], "expected a fraction in [0, 1)"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required"),
])
def test_bad_usage_is_one_line_with_status_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert words in one_error_line(err)
    assert err.count("\n") == 1


def test_missing_dataset_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))

    def offline(url, timeout=None):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(_download, "urlopen", offline)
    code, _, err = run(capsys, "train", "--dataset", "mnist", "--epochs", "1")
    assert code == 1
    line = one_error_line(err)
    assert line.startswith("glassnet train: error: dataset 'mnist' is not in ")
    assert str(tmp_path / "mnist") in line and "GLASSNET_DATA" in line


def test_datasets_listing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    (tmp_path / "boston").mkdir()
    (tmp_path / "boston" / "boston_house_prices.csv").write_text("x")
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    assert out.startswith(f"Data root: {tmp_path} (from $GLASSNET_DATA)")
    blocks = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(" ")}
    assert {"mnist", "fashion-mnist", "boston", "churn", "digits"} <= set(blocks)
    assert "shipped with glassnet" in out
    assert f"cached: {tmp_path / 'boston'}" in out
    assert f"not cached (4 of 4 files missing; downloaded on first use): {tmp_path / 'mnist'}" in out


def test_lessons_list_reads_titles_from_the_files(capsys):
    code, out, _ = run(capsys, "lessons", "list")
    assert code == 0
    title = glassnet.cli.lessons.read_lesson(ROOT / "lessons" / "xor.py")[0].removeprefix("Lesson: ")
    assert any(line.split(None, 1) == ["xor", title] for line in out.splitlines())


def test_lessons_run_passes_arguments(tmp_path, monkeypatch, capsys):
    (tmp_path / "echo.py").write_text(
        '"""Lesson: echo the arguments.\n\nA test lesson."""\n\n\n'
        "def main(argv=None):\n    print('echo got', argv)\n    return 3\n"
    )
    (tmp_path / "helper.py").write_text('"""Not a lesson: no main."""\n')
    monkeypatch.setenv("GLASSNET_LESSONS", str(tmp_path))
    code, out, _ = run(capsys, "lessons", "list")
    assert "echo the arguments." in out and "helper" not in out
    code, out, _ = run(capsys, "lessons", "run", "echo", "--", "--epochs", "2")
    assert code == 3 and "echo got ['--epochs', '2']" in out
    code, _, err = run(capsys, "lessons", "run", "nope")
    assert code == 2 and "no lesson named 'nope'; available: echo" in one_error_line(err)


def test_lessons_unavailable_says_how_to_get_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_LESSONS", str(tmp_path / "absent"))
    code, _, err = run(capsys, "lessons", "list")
    assert code == 1 and "GLASSNET_LESSONS" in one_error_line(err)
    monkeypatch.delenv("GLASSNET_LESSONS")
    monkeypatch.setattr(glassnet.cli.lessons, "__file__", str(tmp_path / "glassnet" / "cli" / "lessons.py"))
    monkeypatch.setattr(glassnet.cli.lessons.importlib.util, "find_spec", lambda name: None)
    code, _, err = run(capsys, "lessons", "list")
    assert code == 1 and "lessons were not found: reinstall glassnet" in one_error_line(err)


def test_python_dash_m_runs_the_same_command():
    env = dict(os.environ, GLASSNET_LESSONS=str(ROOT / "lessons"))
    done = subprocess.run([sys.executable, "-m", "glassnet", "train", "--nope"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 2 and "unrecognized arguments: --nope" in done.stderr


def test_shift_images_moves_each_image_by_its_offset():
    images = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    shifted = shift_images(images, np.array([(1, 0), (0, -1)]))
    np.testing.assert_array_equal(shifted[0], [[0, 0, 0], [0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(shifted[1], [[10, 11, 0], [13, 14, 0], [16, 17, 0]])
    dataset = ShiftedImages(images.astype(np.float32), np.array([4, 7]), generator=0)
    batch, labels = dataset.get_batch(np.array([1, 0]))
    np.testing.assert_array_equal(labels, [7, 4])
    assert batch.shape == (2, 3, 3) and batch.sum() <= images[[1, 0]].sum()
