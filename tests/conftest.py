"""Shared test set-up: the real-data folder, seeding, torch as the oracle."""

import importlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import glassnet

# In a checkout the real datasets sit in ../shared/data; point the loaders at
# them unless the environment already says where the data lives.
_shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "GLASSNET_DATA" not in os.environ and _shared.is_dir():
    os.environ["GLASSNET_DATA"] = str(_shared)


@pytest.fixture(autouse=True)
def _seed():
    glassnet.manual_seed(0)
    np.random.seed(0)
    yield


def data_dir():
    """The real-data root, or None when it is absent."""
    root = os.environ.get("GLASSNET_DATA")
    return Path(root) if root and Path(root).is_dir() else None


def needs(folder):
    """Skip the calling test, saying why, unless the real-data root has ``folder``."""
    root = data_dir()
    if root is None or not (root / folder).is_dir():
        pytest.skip(f"real data not available: GLASSNET_DATA has no '{folder}/' folder")


LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def load_lesson(name):
    """Import ``lessons/NAME.py`` as a module (the lessons are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"lesson_{name.replace('/', '_')}", LESSONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real_keras():
    """Keras 3 on its torch backend, imported once: the oracle of glassnet.keras; skipped without it."""
    os.environ["KERAS_BACKEND"] = "torch"  # must be set before keras is first imported
    try:
        return importlib.import_module("keras")
    except ImportError:
        pytest.skip("real Keras is not installed: the comparisons with it are skipped (pip install keras)")


@pytest.fixture
def fresh_keras_names():
    """Keras numbers layers per session (dense, dense_1...): each test starts the count again."""
    from glassnet import keras

    keras.backend.clear_session()


def same_predictions(ours, theirs, x, atol=1e-5):
    """A glassnet.keras model and a real Keras one predict the same on ``x``."""
    want = np.asarray(theirs.predict(x, verbose=0))
    np.testing.assert_allclose(ours.predict(x), want, rtol=1e-5, atol=atol)


def toy_classes(n=64, features=6, classes=3, seed=0):
    """Small float32 inputs and int64 labels that two features decide: data a classifier can learn."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 1).astype(np.int64)
    return x, y % classes
