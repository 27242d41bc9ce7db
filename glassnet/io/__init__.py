"""Reading and writing glassnet objects: state dicts as safetensors files."""

from .serialization import load, save
