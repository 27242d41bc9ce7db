"""The array module and the dtypes glassnet uses.

Everything numeric goes through ``xp`` so that a CuPy backend can later be
swapped in without forking the code (Chainer's ``get_array_module`` idea).
"""

import numpy as np

xp = np

float32 = np.dtype("float32")
float64 = np.dtype("float64")
int64 = np.dtype("int64")
int32 = np.dtype("int32")
bool_ = np.dtype("bool")

_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(dtype):
    """Set the dtype that Python floats and float64 arrays are stored as."""
    global _default_float
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_float = dtype


def as_array(data, dtype=None):
    """Turn ``data`` into an array with glassnet's dtype rules.

    Floats become the default float dtype (float32) unless ``dtype`` says
    otherwise, integers become int64, booleans stay booleans.
    """
    try:
        if dtype is not None:
            return np.asarray(data, dtype=np.dtype(dtype))
        arr = np.asarray(data)
    except ValueError as error:
        if isinstance(data, (list, tuple)) and ("sequence" in str(error) or "inhomogeneous" in str(error)):
            raise ValueError("glassnet.tensor: nested lists of different lengths, e.g. [[1, 2], [3]], "
                             "make no tensor; pad them to one length") from None
        raise
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype != _default_float:
            arr = arr.astype(_default_float)
    elif kind in "iu":
        if arr.dtype != int64:
            arr = arr.astype(int64)
    elif kind == "b":
        pass
    else:
        raise TypeError(f"glassnet.tensor: unsupported data type {arr.dtype}")
    return arr
