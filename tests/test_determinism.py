"""Same seed, same numbers: lessons repeat exactly, and use_deterministic_algorithms makes BLAS results
independent of the thread count."""

import hashlib

import numpy as np
import pytest
from conftest import load_lesson, needs

import glassnet

threadpoolctl = pytest.importorskip("threadpoolctl", reason="use_deterministic_algorithms sets BLAS threads "
                                    "through threadpoolctl")


def _blas_threads():
    return {i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}


def test_the_switch_pins_blas_to_one_thread_and_gives_it_back():
    before = _blas_threads()
    glassnet.use_deterministic_algorithms(True)
    try:
        assert glassnet.are_deterministic_algorithms_enabled() and _blas_threads() == {1}
    finally:
        glassnet.use_deterministic_algorithms(False)
    assert not glassnet.are_deterministic_algorithms_enabled() and _blas_threads() == before


def _digest(result):
    """Every number a lesson returns but its wall-clock time."""
    kept = sorted((k, v) for k, v in result.items() if k != "seconds")
    return hashlib.sha256(repr(kept).encode()).hexdigest()


def test_a_lesson_run_twice_with_its_seed_gives_the_same_numbers():
    needs("churn")
    lesson = load_lesson("churn")
    assert _digest(lesson.run(epochs=2, seed=0)) == _digest(lesson.run(epochs=2, seed=0))


def test_a_keras_lesson_run_twice_gives_the_same_numbers():
    needs("churn")
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    lesson = load_lesson("keras_courses/churn_pandas")
    first, second = lesson.run(epochs=2, seed=1), lesson.run(epochs=2, seed=1)
    assert first == second
    assert np.isfinite(first["test_accuracy"])
