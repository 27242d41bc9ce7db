"""Keep freed memory for the next step instead of handing it back to the kernel.

A training step allocates the same large arrays (im2col matrices,
activations, gradients) every time and frees them at the end of the step.
With glibc's defaults each array above a few hundred KiB is a fresh ``mmap``
and each free a ``munmap``, so every step pays the kernel to map and zero
the same pages again (and, where transparent huge pages are on, sometimes
to compact memory for them).  PyTorch avoids this with its own caching
allocator; a NumPy framework can get most of the effect from two
``mallopt`` settings that make glibc serve large blocks from its heap and
keep the heap's free top instead of trimming it (measurements in
docs/conv_performance.md).

The cost: memory freed by Python is kept by the process (up to the largest
working set it reached) rather than returned to the system.  Set
``GLASSNET_KEEP_FREED_MEMORY=0`` before importing glassnet to keep glibc's
defaults.  Elsewhere than Linux with glibc this does nothing.
"""

import ctypes
import ctypes.util
import os
import sys

# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_THRESHOLD = 1 << 30  # blocks up to 1 GiB come from the heap; a free top up to 1 GiB is kept

tuned = False


def keep_freed_memory():
    """Apply the two settings once; True when glibc accepted them."""
    global tuned
    if tuned or os.environ.get("GLASSNET_KEEP_FREED_MEMORY", "1") == "0":
        return tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, _THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, _THRESHOLD))
    return tuned
