"""lessons/keras_book/ch5_small_convnet.py (section 5.2 of the book) at reduced settings.

The book: 2,000 training images of 150x150, 30 epochs, then 100 with
augmentation (hours here). The test: 80 training images of 48x48 of an
easy pair of Fashion-MNIST classes, 4 and 2 epochs, about 10 s of CPU. It
checks the workflow (folders, generators, fit_generator, .h5 files) and
what is robust at that size: the plain model learns, and the augmented
model with dropout fits its training images no better than the plain
one. The gap closing is measured at larger settings (docs/keras_images.md).
"""

import os

import numpy as np
from conftest import load_lesson, needs

from glassnet import keras


def test_section_5_2_workflow_at_reduced_settings(tmp_path):
    needs("fashion-mnist")
    keras.backend.clear_session()
    lesson = load_lesson("keras_book/ch5_small_convnet")
    result = lesson.run(epochs=4, augmented_epochs=2, image_size=48, train_per_class=40,
                        validation_per_class=20, test_per_class=20, classes=("sneaker", "ankle_boot"),
                        workdir=str(tmp_path), verbose=0)
    for split, count in (("train", 40), ("validation", 20), ("test", 20)):
        assert sorted(os.listdir(tmp_path / split)) == ["ankle_boot", "sneaker"]
        assert len(os.listdir(tmp_path / split / "sneaker")) == count
    plain, augmented = result["plain"], result["augmented"]
    assert sorted(plain["history"]) == ["acc", "loss", "val_acc", "val_loss"]
    assert len(plain["history"]["loss"]) == 4 and len(augmented["history"]["loss"]) == 2
    assert plain["validation_accuracy"] >= 0.75 and plain["test_accuracy"] >= 0.75  # chance is 0.5
    assert augmented["train_accuracy"] <= plain["train_accuracy"]
    x = np.random.default_rng(0).random((3, 48, 48, 3)).astype("float32")
    for part in (plain, augmented):
        loaded = keras.models.load_model(part["h5"])
        np.testing.assert_allclose(loaded.predict(x), part["model"].predict(x), rtol=1e-5, atol=1e-6)
