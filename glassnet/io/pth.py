"""Reading PyTorch's ``.pth`` / ``.pt`` checkpoints without running any code from them.

A ``.pth`` file is a pickle, and unpickling runs whatever functions the file
names: a file whose pickle says "call ``os.system`` with this string" does
so the moment ``pickle.load`` reads it. So glassnet never unpickles freely.
``_RestrictedUnpickler`` overrides ``find_class``, the one door through
which a pickle reaches a Python global, and answers only the few names a
state dict uses, each with glassnet's own stand-in:

=====================================  ==========================================
the file names                         glassnet gives
=====================================  ==========================================
``collections.OrderedDict``            ``collections.OrderedDict``
``torch._utils._rebuild_tensor_v2``    a Tensor viewing the storage's NumPy array
``torch._utils._rebuild_parameter``    the same Tensor, with ``requires_grad``
``torch.FloatStorage`` & co            a record of the dtype (no torch import)
``torch.Size``, ``_codecs.encode``     ``tuple``, a latin-1 ``str.encode``
=====================================  ==========================================

Anything else (a pickled ``nn.Module``, a NumPy array, ``os.system``) is
refused with an error naming the global, before it is looked up.

The raw numbers live outside the pickle, as "storages" the pickle names by
key (a persistent id). Two layouts exist:

* the zip format (``torch.save`` since 1.6): ``<name>/data.pkl`` is the
  pickle, ``<name>/data/<key>`` each storage's bytes, ``<name>/byteorder``
  says ``little`` or ``big``;
* the legacy format (``_use_new_zipfile_serialization=False``, and files
  from before 1.6): five things one after another in one stream: the magic
  number, the protocol version (1001) and a dict of system facts, each a
  small pickle; the object's pickle; a pickled list of storage keys; then
  for each key an int64 element count and the storage's bytes.

In the legacy format the bytes come *after* the pickle that uses them, so
every storage is allocated when the pickle first names it, tensors are
views of it, and the bytes are read into it afterwards.
"""

import io
import os
import pickle
import sys
import zipfile
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from ..tensor import Tensor

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
LEGACY_PROTOCOL = 1001
# The legacy stream starts with the magic number pickled: protocol 2, then a 10-byte LONG1.
_LEGACY_HEAD = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC.to_bytes(10, "little")


class StorageType(NamedTuple):
    """What ``torch.FloatStorage`` & co stand for here: a dtype. A tuple, so a pickle can't edit it."""

    name: str
    dtype: np.dtype


_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool", "UntypedStorage": "uint8",
}
_STORAGE_TYPES = {name: StorageType(name, np.dtype(dtype)) for name, dtype in _STORAGE_DTYPES.items()}
# Storages PyTorch has and NumPy (hence glassnet) computes with differently or not at all.
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
                         "QUInt8Storage", "QInt32Storage", "Float8_e4m3fnStorage", "Float8_e5m2Storage")


class UnsafePickleError(pickle.UnpicklingError):
    """A checkpoint names a Python global that a state dict does not need; nothing was run."""


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None):
    """A Tensor over ``storage`` (a 1-D NumPy array), as ``torch._utils._rebuild_tensor_v2`` builds one."""
    if not isinstance(storage, np.ndarray):  # only persistent_load makes arrays: a pickle cannot
        raise pickle.UnpicklingError(f"a tensor is rebuilt from a {type(storage).__name__}, not a storage")
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    storage_offset = int(storage_offset)
    if len(size) != len(stride) or storage_offset < 0 or min(size + stride, default=0) < 0:
        raise pickle.UnpicklingError(f"a tensor of size {size}, stride {stride} and offset {storage_offset} "
                                     "is not a dense tensor glassnet can read")
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if all(size) and last >= len(storage):
        raise pickle.UnpicklingError(f"a tensor of size {size} reaches element {last} of a storage of "
                                     f"{len(storage)}: the file is damaged")
    itemsize = storage.dtype.itemsize
    # A view, not a copy: tensors saved from one storage share memory, as after torch.load, and the
    # legacy format fills the storage after this runs. The bounds were checked above, so the view
    # never reaches outside the storage's own memory.
    array = np.lib.stride_tricks.as_strided(storage[storage_offset:], size, [s * itemsize for s in stride])
    tensor = Tensor._make(array, None, 0)
    if requires_grad and array.dtype.kind == "f":
        tensor.requires_grad = True
    return tensor


def _rebuild_tensor_v1(storage, storage_offset, size, stride):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    if requires_grad and data.array.dtype.kind == "f":
        data.requires_grad = True
    return data


def _encode_latin1(text, encoding="latin1"):
    """Protocol-2 pickles write ``bytes`` as ``_codecs.encode(text, 'latin1')``; only that is allowed."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"_codecs.encode is only allowed as latin1 bytes, got {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor_v1,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): tuple,
    ("_codecs", "encode"): _encode_latin1,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that hands out only glassnet's stand-ins for the globals a state dict uses."""

    def __init__(self, file, where, load_storage=None):
        super().__init__(file)
        self.where, self.load_storage = where, load_storage

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name in _STORAGE_TYPES:
            return _STORAGE_TYPES[name]
        if module == "torch" and name in _UNSUPPORTED_STORAGES:
            raise UnsafePickleError(f"glassnet.load: {self.where} holds a torch.{name}, a dtype glassnet "
                                    "does not compute with; convert it to float32 where the file is made")
        raise UnsafePickleError(
            f"glassnet.load: {self.where} asks to import {module}.{name}, which a state dict of tensors "
            "never needs; refused without running it. glassnet reads only tensors, numbers, strings and "
            "dicts/lists of them (save model.state_dict(), not the model object)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and self.load_storage):
            raise UnsafePickleError(f"glassnet.load: {self.where} refers to an outside object "
                                    f"{pid[0] if isinstance(pid, tuple) and pid else pid!r}; only tensor "
                                    "storages are read")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, StorageType):
            raise UnsafePickleError(f"glassnet.load: {self.where} names storage {key!r} with type "
                                    f"{storage_type!r}, not a torch storage type")
        if len(pid) > 5 and pid[5] is not None:  # a storage viewing another: only PyTorch < 0.4 wrote them
            raise ValueError(f"glassnet.load: {self.where} holds storage views (PyTorch before 0.4); load "
                             "and save it again with a recent PyTorch")
        return self.load_storage(storage_type, key, int(pid[4]))


def _restricted_load(file, where, load_storage=None):
    try:
        return _RestrictedUnpickler(file, where, load_storage).load()
    except (UnsafePickleError, ValueError):
        raise
    except (pickle.UnpicklingError, EOFError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise ValueError(f"glassnet.load: {where} is not a readable PyTorch checkpoint ({error!r})"
                         ) from error


def _to_native(array, byteorder):
    """Swap the bytes of a storage written on a machine of the other byte order, in place."""
    if byteorder != sys.byteorder and array.dtype.itemsize > 1:
        array.byteswap(inplace=True)
    return array


def load_zip(path):
    """Read a ``torch.save`` zip checkpoint (PyTorch >= 1.6)."""
    where = repr(str(path))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError(f"glassnet.load: {where} is a zip file but not a PyTorch checkpoint "
                             "(no single data.pkl in it)")
        prefix = pickles[0][: -len("data.pkl")]
        byteorder = "little"
        if f"{prefix}byteorder" in names:
            byteorder = archive.read(f"{prefix}byteorder").decode("ascii").strip()
        storages = {}

        def load_storage(storage_type, key, numel):
            if key not in storages:
                member = f"{prefix}data/{key}"
                if member not in names:
                    raise ValueError(f"glassnet.load: {where} has no storage {member!r}; the file is damaged")
                expected = numel * storage_type.dtype.itemsize
                if numel < 0 or archive.getinfo(member).file_size != expected:  # checked before allocating
                    raise ValueError(f"glassnet.load: {where}: storage {member!r} holds "
                                     f"{archive.getinfo(member).file_size} bytes, {numel} "
                                     f"{storage_type.dtype} need {expected}")
                array = np.empty(numel, storage_type.dtype)
                with archive.open(member) as stream:
                    stream.readinto(memoryview(array).cast("B"))
                storages[key] = _to_native(array, byteorder)
            return storages[key]

        with archive.open(pickles[0]) as stream:
            return _restricted_load(io.BytesIO(stream.read()), where, load_storage)


def load_legacy(path):
    """Read a checkpoint in PyTorch's pre-1.6 stream format."""
    where = repr(str(path))
    file_size = os.path.getsize(path)
    with open(path, "rb") as f:
        if _restricted_load(f, where) != LEGACY_MAGIC:
            raise ValueError(f"glassnet.load: {where} is a pickle but not a PyTorch checkpoint (wrong magic)")
        protocol = _restricted_load(f, where)
        if protocol != LEGACY_PROTOCOL:
            raise ValueError(f"glassnet.load: {where} uses PyTorch's legacy protocol {protocol!r}; "
                             f"only {LEGACY_PROTOCOL} is known")
        info = _restricted_load(f, where)
        byteorder = "little" if not isinstance(info, dict) or info.get("little_endian", True) else "big"
        storages = {}

        def load_storage(storage_type, key, numel):
            if key not in storages:  # filled below, once the pickle has named them all
                if not 0 <= numel * storage_type.dtype.itemsize <= file_size:  # before allocating
                    raise ValueError(f"glassnet.load: {where} names a storage of {numel} elements, more "
                                     f"than its {file_size} bytes hold: the file is damaged")
                storages[key] = np.empty(numel, storage_type.dtype)
            return storages[key]

        result = _restricted_load(f, where, load_storage)
        keys = _restricted_load(f, where)
        for key in keys:
            if key not in storages:
                raise ValueError(f"glassnet.load: {where} lists storage {key!r} that no tensor uses")
            array = storages[key]
            header = f.read(8)
            count = int.from_bytes(header, byteorder) if len(header) == 8 else -1
            if count != array.size or f.readinto(memoryview(array).cast("B")) != array.nbytes:
                raise ValueError(f"glassnet.load: {where} ends early or is damaged at storage {key!r} "
                                 f"({array.size} elements of {array.dtype} expected)")
            _to_native(array, byteorder)
    return result


def is_torch_file(path):
    """``'zip'``, ``'legacy'`` or None: which PyTorch layout the file's first bytes say it has."""
    with open(path, "rb") as f:
        head = f.read(len(_LEGACY_HEAD))
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head == _LEGACY_HEAD:
        return "legacy"
    return None


def load(path):
    """The object in a PyTorch checkpoint, with glassnet Tensors for torch tensors; nothing executed."""
    kind = is_torch_file(path)
    if kind is None:
        raise ValueError(f"glassnet.load: {str(path)!r} is neither a PyTorch zip checkpoint nor a legacy one")
    if kind == "legacy":
        return load_legacy(path)
    try:
        return load_zip(path)
    except (zipfile.BadZipFile, EOFError) as error:  # a cut-off download, most often
        raise ValueError(f"glassnet.load: {str(path)!r} is a damaged zip file ({error}); "
                         "nothing was loaded") from error
