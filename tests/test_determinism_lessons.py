"""Every lesson, run twice from the same seed in float64, returns the same numbers, bit for bit.

The seeds are the documented ones (``glassnet.manual_seed`` and, for the Keras
lessons, ``keras.utils.set_random_seed``); ``use_deterministic_algorithms``
pins BLAS to one thread so that float sums are added in one order. Settings
are the smallest that still run each lesson's whole code path.
"""

import hashlib
import numbers

import numpy as np
import pytest
from conftest import data_dir, load_lesson

import glassnet
from glassnet.keras.utils import set_random_seed

pytest.importorskip("threadpoolctl",
                    reason="use_deterministic_algorithms sets BLAS threads through threadpoolctl")

# lesson -> (real-data folder it needs or None, the smallest settings that run all of it)
TINY = {
    "activations": (None, dict(points=50)),
    "autograd_tour": (None, dict()),
    "boston_kfold": ("boston", dict(k=2, epochs=2, final_epochs=1)),
    "char_rnn": ("imdb", dict(reviews=20, epochs=1, hidden=16, steps=8, grad_steps=2, clip_batches=2,
                             sample_length=10)),
    "churn": ("churn", dict(epochs=1)),
    "conv_by_hand": (None, dict(steps=2)),
    "dropout": ("mnist", dict(train_size=200, epochs=1)),
    "fashion_mnist_softmax": ("fashion-mnist", dict(epochs=1, mlp_epochs=1, train_size=500)),
    "gradient_descent": (None, dict(epochs=1)),
    "imdb_dense": ("imdb", dict(epochs=1, explore_epochs=0)),
    "imdb_rnn": ("imdb", dict(epochs=1, maxlen=20, train_size=200, test_size=100)),
    "lenet_fashion": ("fashion-mnist", dict(epochs=1, train_size=256)),
    "linear_regression": (None, dict(n=100, epochs=1)),
    "losses": (None, dict(steps=20)),
    "mnist_convnet": ("mnist", dict(epochs=1, train_size=256)),
    "mnist_dense": ("mnist", dict(epochs=1, train_size=500)),
    "polynomial_degree": (None, dict(epochs=5)),
    "vgg_fashion": ("fashion-mnist", dict(epochs=1, train_size=128)),
    "weight_decay": (None, dict(epochs=2)),
    "transfer_learning": ("fashion-mnist", dict(per_class=5, source_size=256, pretrain_epochs=1, epochs=1,
                                                draws=1)),
    "word2vec": ("imdb", dict(reviews=100, epochs=1, max_words=500, min_count=2)),
    "xor": (None, dict(epochs=50)),
    "keras_book/ch2_mnist": ("mnist", dict(epochs=1, train_size=500)),
    "keras_book/ch3_boston": ("boston", dict(num_epochs=1, batch_size=64)),
    "keras_book/ch3_imdb": ("imdb", dict(epochs=1, size=500)),
    "keras_book/ch4_overfitting": ("imdb", dict(epochs=1, size=300, models_to_train=("original", "dropout"))),
    "keras_book/ch5_small_convnet": ("fashion-mnist", dict(epochs=1, augmented_epochs=1, image_size=48,
                                                          train_per_class=20, validation_per_class=10,
                                                          test_per_class=10, verbose=0)),
    "keras_book/ch5_transfer": ("fashion-mnist", dict(per_class=5, source_size=256, pretrain_epochs=1,
                                                     epochs=1, draws=1)),
    "keras_courses/churn_pandas": ("churn", dict(epochs=1)),
}
# Lessons whose run writes files or needs data that is not here: their numbers are covered elsewhere.
NOT_HERE = {
    "augmentation": "builds an image folder on disk; its determinism is the seed of the data pipeline, "
                    "tested in test_data_preprocessing",
    "draw_graph": "trains nothing; it compares one gradient with finite differences",
    "reuters_topics": "the Reuters newswires are not in the real-data folder",
    "keras_book/ch3_reuters": "the Reuters newswires are not in the real-data folder",
    "visualize_filters": "writes pictures; its training is mnist_convnet's",
    "keras_courses/mnist_tensorboard": "writes logs; its training is ch2_mnist's",
}


# wall-clock times, and the size of an HDF5 file (its metadata varies with the path it was written to)
UNCOUNTED = ("second", "time", "h5_size")


def _numbers(value):
    """The numbers in a lesson's result, in a stable order; wall-clock times and files left out."""
    if isinstance(value, dict):
        return [(k, _numbers(v)) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
                if not any(word in str(k) for word in UNCOUNTED)]
    if isinstance(value, (list, tuple)):
        return [_numbers(v) for v in value]
    if isinstance(value, glassnet.Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
    if isinstance(value, (numbers.Number, str, bool, type(None))):
        return value
    return type(value).__name__  # a figure or a model: its numbers are in the other entries


def _run_seeded(lesson, kwargs):
    glassnet.manual_seed(0)
    set_random_seed(0)
    return _numbers(lesson.run(**kwargs))


def _all_lessons():
    from conftest import LESSONS

    return sorted(str(p.relative_to(LESSONS).with_suffix("")) for p in LESSONS.rglob("*.py")
                  if p.name != "__init__.py")


def test_every_lesson_is_either_checked_or_says_why_not():
    listed = set(TINY) | set(NOT_HERE)
    missing = [name for name in _all_lessons() if name not in listed]
    assert not missing, f"lessons without a determinism setting: {missing}"


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_lesson_run_twice_in_float64_gives_the_same_numbers(name, tmp_path, monkeypatch):
    folder, kwargs = TINY[name]
    if folder is not None and (data_dir() is None or not (data_dir() / folder).is_dir()):
        pytest.skip(f"real data not available: GLASSNET_DATA has no '{folder}/' folder")
    lesson = load_lesson(name)
    accepted = lesson.run.__code__.co_varnames[:lesson.run.__code__.co_argcount]
    unknown = set(kwargs) - set(accepted)
    assert not unknown, f"{name}.run() takes no {sorted(unknown)}"
    if "plot" in accepted:
        kwargs = {**kwargs, "plot": None}
    monkeypatch.chdir(tmp_path)  # what a lesson saves (models, image folders) stays in the test's folder
    glassnet.set_default_dtype(glassnet.float64)
    glassnet.use_deterministic_algorithms(True)
    try:
        first, second = _run_seeded(lesson, kwargs), _run_seeded(lesson, kwargs)
    finally:
        glassnet.use_deterministic_algorithms(False)
        glassnet.set_default_dtype(glassnet.float32)
    assert first == second
