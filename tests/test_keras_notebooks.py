"""The book's own notebook for section 5.2 runs on glassnet.keras with only its imports changed.

The cells (tests/keras_notebooks/, verbatim from the book's repository) go
through ``scripts/run_notebook.py``'s import translation and nothing else,
except the substitutions listed in ``SETTINGS``: where the data lives, and
fewer steps and epochs, so that the test takes seconds rather than hours.

The Kaggle dogs-vs-cats photos are not available here. The "original
dataset" folder is written by the test from real Fashion-MNIST images, in
the Kaggle file names the notebook copies from: ``cat.N.jpg`` are shirts,
``dog.N.jpg`` are T-shirts/tops (28x28, which flow_from_directory resizes to
150x150 as it would any photo). The figures of the full run on such a
folder are in docs/keras_images.md (lessons/keras_book/ch5_small_convnet.py).
"""

import contextlib
import importlib.util
import io
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import needs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHIRT, TSHIRT = 6, 0  # Fashion-MNIST labels


def _translate():
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.translate


def _cells(name):
    text = (HERE / "keras_notebooks" / f"{name}.txt").read_text()
    return [cell.strip("\n") for cell in text.split("\n# %%\n")[1:]]


def _write_original_folder(folder):
    from PIL import Image

    from glassnet.data.datasets import fashion_mnist

    (images, labels), _ = fashion_mnist.load_data()
    folder.mkdir()
    for animal, label in (("cat", SHIRT), ("dog", TSHIRT)):
        for i, pixels in enumerate(images[labels == label][:2000]):
            Image.fromarray(pixels).convert("RGB").save(folder / f"{animal}.{i}.jpg", quality=95)


def _settings(tmp_path):
    return [  # (text in the cells, what it becomes): data paths, then shorter runs
        ("'/Users/fchollet/Downloads/kaggle_original_data'", repr(str(tmp_path / "kaggle_original_data"))),
        ("'/Users/fchollet/Downloads/cats_and_dogs_small'", repr(str(tmp_path / "cats_and_dogs_small"))),
        ("steps_per_epoch=100", "steps_per_epoch=3"),
        ("validation_steps=50", "validation_steps=2"),
        ("epochs=30", "epochs=2"),
        ("epochs=100", "epochs=2"),
    ]


def test_section_5_2_notebook_runs_with_only_its_imports_changed(tmp_path, monkeypatch):
    needs("fashion-mnist")
    pytest.importorskip("PIL")
    pytest.importorskip("h5py")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    _write_original_folder(tmp_path / "kaggle_original_data")
    monkeypatch.chdir(tmp_path)
    translate, settings = _translate(), _settings(tmp_path)
    used = set()
    namespace, printed = {"__name__": "__main__"}, io.StringIO()
    for cell in _cells("5.2-using-convnets-with-small-datasets"):
        lines = [line for line in cell.split("\n") if not line.lstrip().startswith(("%", "!"))]
        code = "\n".join(translate(line) for line in lines)
        for old, new in settings:
            if old in code:
                code, _ = code.replace(old, new), used.add(old)
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "5.2-using-convnets-with-small-datasets", "exec"), namespace)
    assert used == {old for old, _ in settings}, "a substitution no longer matches the notebook"
    out = printed.getvalue()
    assert "total training cat images: 1000" in out and "total test dog images: 500" in out
    assert out.count("Found 2000 images belonging to 2 classes.") == 2
    assert "data batch shape: (20, 150, 150, 3)" in out
    history = namespace["history"].history
    assert len(history["acc"]) == len(history["val_acc"]) == 2
    assert all(np.isfinite(history["loss"]))
    for saved in ("cats_and_dogs_small_1.h5", "cats_and_dogs_small_2.h5"):
        assert os.path.getsize(saved) > 1_000_000  # the book's convnet: 3.5 million float32 weights
