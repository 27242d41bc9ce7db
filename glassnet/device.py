"""Devices, honestly: glassnet computes on the CPU, and says so when asked for anything else.

PyTorch code names devices everywhere (``torch.device('cuda:0')``,
``X.to(device)``, ``net.cuda()``), and d2l picks one with ``try_gpu()``,
which falls back to the CPU when ``torch.cuda.device_count()`` is 0. So a
``device`` object can name any of PyTorch's device types, but a tensor can
only be put on the CPU: asking for a GPU raises a RuntimeError instead of a
silent CPU run that looks like a GPU run.
"""

import numpy as np

from .ops.math import to as _cast

# PyTorch's device types; any of them can be named, only "cpu" can be used.
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "vulkan", "hpu", "mtia")


class device(str):  # noqa: N801 - PyTorch's name
    """``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``: a name for where tensors live.

    It is a ``str`` underneath ('cpu', 'cuda:1'), so code that hands a device
    to something expecting a name (``Module.to``) keeps working; ``.type``
    and ``.index`` are PyTorch's attributes.
    """

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise ValueError(f"device({type!r}, {index}): a device object already has its index")
            return type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {type!r}")
        kind, _, number = type.partition(":")
        if kind not in DEVICE_TYPES:
            raise RuntimeError(
                f"device: expected one of {', '.join(DEVICE_TYPES)} at the start of the device string, "
                f"got {type!r}"
            )
        if number:
            if index is not None:
                raise ValueError(f"device({type!r}, {index}): the index is given twice")
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}: the index must be a number")
            index = int(number)
        if index is not None and (not isinstance(index, (int, np.integer)) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative integer, got {index!r}")
        self = super().__new__(cls, kind if index is None else f"{kind}:{int(index)}")
        self.type = kind
        self.index = None if index is None else int(index)
        return self

    def __repr__(self):
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    __hash__ = str.__hash__


CPU = device("cpu")


def check(where, caller):
    """The device ``where`` (a device, a name or None) if a tensor can live there, else a RuntimeError."""
    if where is None:
        return CPU
    if isinstance(where, (int, np.integer)) and not isinstance(where, bool):
        where = device("cuda", where)  # PyTorch reads a bare integer as a CUDA ordinal
    where = device(where)
    if where.type != "cpu":
        raise RuntimeError(
            f"{caller}: glassnet runs on the CPU only and has no {where.type!r} device "
            f"(asked for {str(where)!r}); use 'cpu', or pick the device with "
            "glassnet.cuda.is_available() / device_count(), which report no GPU"
        )
    return CPU


def _is_device(arg):
    if isinstance(arg, device):
        return True
    return isinstance(arg, str) and arg.partition(":")[0] in DEVICE_TYPES


def tensor_to(self, *args, **kwargs):
    """``Tensor.to(dtype)``, ``.to(device)``, ``.to(device, dtype)``, ``.to(other)``, as in PyTorch.

    A CPU device changes nothing; a GPU device raises. ``copy=True`` returns a new
    tensor even when nothing changes; ``non_blocking`` has no meaning on the CPU.
    """
    dtype, where = kwargs.pop("dtype", None), kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"Tensor.to: unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if hasattr(arg, "array") and hasattr(arg, "grad_fn"):  # to(other): its dtype (and device)
            dtype = arg.dtype
        elif _is_device(arg) or isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
            where = arg
        elif isinstance(arg, bool):
            continue  # the positional non_blocking / copy flags of to(dtype, non_blocking, copy)
        else:
            dtype = arg
    check(where, "Tensor.to")
    out = self if dtype is None else _cast(self, dtype)
    if copy and out is self:
        out = self.clone()
    return out


def tensor_cuda(self, device=None, non_blocking=False):  # noqa: ARG001 - PyTorch's signature
    check("cuda" if device is None else device if isinstance(device, str) else f"cuda:{device}",
          "Tensor.cuda")


def tensor_cpu(self, memory_format=None):  # noqa: ARG001 - PyTorch's signature
    return self


def tensor_device(self):
    return CPU


def get_default_device():
    return CPU


def set_default_device(where):
    """Only the CPU can be the default device."""
    check(where, "set_default_device")
