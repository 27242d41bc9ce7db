"""``use_deterministic_algorithms``: the same inputs give the same bits, whatever the thread count.

glassnet's own ops have one path each for given shapes and layouts, and draw
random numbers only from its seeded generator (``glassnet.manual_seed``;
``keras.utils.set_random_seed`` seeds it too), so a run repeated on the same
machine with the same thread count gives the same numbers. What can change
them is the BLAS library: a multi-threaded matrix product splits its sums by
the number of threads, so float32 results differ in the last bits between,
say, 1 and 2 threads (float64 too, less visibly). With
``use_deterministic_algorithms(True)`` the BLAS runs on one thread (through
threadpoolctl), so results no longer depend on the thread count; slower, by
up to the number of cores for large products.
"""

_STATE = {"limiter": None}


def use_deterministic_algorithms(mode):
    """PyTorch's name: True pins BLAS to one thread until called with False."""
    if mode and _STATE["limiter"] is None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise ImportError("use_deterministic_algorithms needs threadpoolctl to set the BLAS thread count "
                              "(pip install threadpoolctl), or set OPENBLAS_NUM_THREADS=1 before starting "
                              "Python") from None
        _STATE["limiter"] = threadpool_limits(limits=1, user_api="blas")
    elif not mode and _STATE["limiter"] is not None:
        _STATE["limiter"].restore_original_limits()
        _STATE["limiter"] = None


def are_deterministic_algorithms_enabled():
    return _STATE["limiter"] is not None
