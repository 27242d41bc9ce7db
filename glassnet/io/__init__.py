"""Reading and writing glassnet objects: nested checkpoints as safetensors files, and PyTorch's
``.pth``/``.pt`` files read without running code (``pth.py``)."""

from .pth import UnsafePickleError
from .serialization import load, save
