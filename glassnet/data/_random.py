"""Where shuffling gets its random numbers."""

import numpy as np

from ..creation import default_generator


def as_generator(generator=None, seed=None):
    """A NumPy Generator: the one given, one seeded with ``seed``, or glassnet's global one.

    The global generator is looked up at call time, not import time, so a
    ``glassnet.manual_seed`` issued later still takes effect.
    """
    if generator is not None and seed is not None:
        raise ValueError("pass either generator= or seed=, not both")
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is not None:
        if isinstance(generator, (int, np.integer)):
            return np.random.default_rng(generator)
        raise TypeError(
            f"generator must be a numpy.random.Generator or an int seed, got {type(generator).__name__}"
        )
    if seed is not None:
        return np.random.default_rng(seed)
    return default_generator()
