"""Saving and loading state dicts as safetensors files.

Why safetensors and not pickle: loading a pickle runs whatever code the file
names, so a downloaded checkpoint could do anything. A safetensors file is a
JSON header (names, dtypes, shapes, offsets) followed by raw bytes, so loading
it only ever reads numbers. PyTorch, JAX and Hugging Face read the same
files, which is how weights move between glassnet and PyTorch.

A safetensors file holds a flat ``{name: array}`` mapping with its names
sorted. To give back exactly what was saved, the original structure is kept
as JSON in the header's metadata (the "layout"): the key order, nested dicts
such as an optimizer's ``{"state": ..., "param_groups": [...]}``, and plain
numbers like a learning rate. Nested tensors are stored under dotted names
(``state.0.momentum_buffer``), so the file stays readable by other tools.
The object saved may be a tensor, a list or tuple, or a dict, nested to any
depth, holding tensors, numbers, strings, booleans and None, as
``torch.save`` takes them (a checkpoint ``{'model': ..., 'optimizer': ...,
'epoch': 3}``); only the pickle is left out.

``load`` also reads PyTorch's own ``.pth``/``.pt`` files, through the
restricted reader of ``pth.py``, which never runs code from the file.
"""

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
import safetensors
from safetensors.numpy import save_file

from ..tensor import Tensor
from . import pth
from .atomic import atomic_path

_LAYOUT = "glassnet.layout"
_DIGEST = "glassnet.sha256"  # of the layout and every array: a flipped bit anywhere is caught


def digest(arrays, layout_text):
    """SHA-256 of a file's content as glassnet wrote it: the layout, then each array (name, dtype,
    shape, bytes) in name order."""
    h = hashlib.sha256(layout_text.encode("utf8"))
    for name in sorted(arrays):
        array = arrays[name] if arrays[name].flags.c_contiguous else arrays[name].copy(order="C")
        h.update(f"\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        h.update(memoryview(array).cast("B") if array.size else b"")
    return h.hexdigest()


_PLAIN = (bool, int, float, str, type(None))
_TOP = "tensor"  # the entry name of a tensor saved on its own


def _flatten(obj):
    """Split ``obj`` into ``{dotted name: contiguous array}`` and a JSON layout that rebuilds it."""
    arrays = {}

    def encode(value, path):
        where = ".".join(path)
        if isinstance(value, (Tensor, np.ndarray)):
            array = value.array if isinstance(value, Tensor) else value
            if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
                raise TypeError(f"glassnet.save: {where!r} has dtype {array.dtype}, which can't be stored")
            name = where if path else _TOP  # a tensor saved alone still needs an entry name
            if name in arrays:
                raise ValueError(f"glassnet.save: two entries flatten to the same name {name!r}")
            # safetensors copies raw memory, so a transposed view would be saved scrambled
            # (np.ascontiguousarray would also turn a 0-d array into shape (1,).)
            arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
            return {"tensor": name}
        if isinstance(value, Mapping):
            items = []
            for key, item in value.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(
                        f"glassnet.save: keys must be str or int, got {type(key).__name__} {key!r}"
                        + (f" inside {where!r}" if where else "")
                    )
                items.append([key, encode(item, path + [str(key)])])
            return {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {kind: [encode(item, path + [str(i)]) for i, item in enumerate(value)]}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            value = value.item()
        if isinstance(value, _PLAIN):
            return {"value": value}
        raise TypeError(
            f"glassnet.save: the value at key {where!r} is a {type(value).__name__}; only Tensors, "
            "numpy arrays, numbers, strings, None, and lists/tuples/dicts of them can be saved"
        )

    return arrays, encode(obj, [])


def _unflatten(layout, arrays, top=True):
    """Rebuild the saved object from its layout; dicts come back in their saved order."""
    if "tensor" in layout:
        return Tensor._make(arrays[layout["tensor"]], None, 0)
    if "dict" in layout:
        items = ((key, _unflatten(item, arrays, False)) for key, item in layout["dict"])
        return OrderedDict(items) if top else dict(items)
    if "list" in layout:
        return [_unflatten(item, arrays, False) for item in layout["list"]]
    if "tuple" in layout:
        return tuple(_unflatten(item, arrays, False) for item in layout["tuple"])
    return layout["value"]


def save(obj, path):
    """Write ``obj`` to ``path`` as safetensors: a state dict (``{name: Tensor}``), a tensor, or
    lists, tuples and dicts of tensors and plain values, nested to any depth.

    The write is atomic: the data goes to a temporary file in the same
    folder, is flushed to disk, and then renamed over ``path``. A crash or an
    error midway leaves any earlier file at ``path`` as it was. A SHA-256 of
    the content goes into the header, and ``load`` checks it.
    """
    if hasattr(obj, "state_dict") and hasattr(obj, "parameters"):
        raise TypeError(
            f"glassnet.save: got a whole {type(obj).__name__}; glassnet saves data, not objects: "
            "pass model.state_dict()"
        )
    arrays, layout = _flatten(obj)
    layout_text = json.dumps(layout)
    metadata = {"format": "np", _LAYOUT: layout_text, _DIGEST: digest(arrays, layout_text)}

    with atomic_path(path) as temp:
        save_file(arrays, temp, metadata=metadata)


def load(path, map_location=None, *, weights_only=True):
    """Read what ``save`` wrote (a state dict comes back as an ordered dict of ``name -> Tensor``),
    or a PyTorch ``.pth``/``.pt`` checkpoint.

    Files written by ``glassnet.save`` come back with their original order
    and nesting; files from elsewhere (e.g. ``safetensors.torch.save_file``)
    come back flat, in the file's (sorted) order. Dtypes are kept as stored.
    A file made by ``torch.save`` (either of its formats, told apart by the
    first bytes, whatever the name) is read by ``pth.load``, which refuses
    any pickle that asks for more than tensors and plain containers.
    ``map_location`` and ``weights_only`` are PyTorch's arguments: glassnet
    is CPU-only, and its reader never unpickles anything but weights, so
    ``weights_only=False`` reads the same way.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"glassnet.load: no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"glassnet.load: {path!r} is a folder, not a safetensors file")
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"glassnet.load: map_location={map_location!r}: glassnet runs on the CPU only; "
                         "leave it out or pass 'cpu'")
    if pth.is_torch_file(path):
        return pth.load(path)
    try:
        with safetensors.safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
            arrays = {name: f.get_tensor(name) for name in f.keys()}
    except safetensors.SafetensorError as error:
        raise ValueError(
            f"glassnet.load: {path!r} is not a readable safetensors file ({error}); "
            "glassnet loads safetensors files and PyTorch checkpoints, never other pickles"
        ) from error
    except TypeError as error:  # a dtype NumPy has no equivalent for, such as bfloat16
        raise ValueError(f"glassnet.load: {path!r} holds a dtype NumPy lacks ({error})") from error
    # With ml_dtypes imported (onnx and keras import it) NumPy does read bfloat16 & co.; glassnet
    # still cannot compute with them, so the answer must not depend on what else was imported.
    odd = {name: array.dtype.name for name, array in arrays.items() if array.dtype.kind not in "biuf"}
    if odd:
        raise ValueError(f"glassnet.load: {path!r} holds dtypes glassnet does not compute with: {odd}; "
                         "convert them to float32 where the file is made")

    if _DIGEST in metadata and digest(arrays, metadata.get(_LAYOUT, "")) != metadata[_DIGEST]:
        raise ValueError(f"glassnet.load: {path!r} is damaged: its content does not match the checksum "
                         "it was written with (a changed byte, or a partial copy); nothing was loaded")
    if _LAYOUT not in metadata:
        return OrderedDict((name, Tensor._make(array, None, 0)) for name, array in arrays.items())
    try:
        return _unflatten(json.loads(metadata[_LAYOUT]), arrays)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"glassnet.load: {path!r} has a damaged layout entry ({error!r})") from error
