"""Conversions between PIL images, NumPy arrays and glassnet Tensors, with torchvision's rules.

PIL and NumPy images are (H, W, C); Tensors are (C, H, W). ``to_tensor``
scales uint8 to float32 in [0, 1]; ``to_pil_image`` scales floats by 255 and
truncates (it does not round), as torchvision does.
"""

import numpy as np
from PIL import Image

from ...tensor import Tensor


def as_tensor(array):
    return Tensor._make(np.ascontiguousarray(array), None, 0)


def is_pil(img):
    return isinstance(img, Image.Image)


def to_tensor(pic):
    """HWC image (PIL or NumPy) -> CHW Tensor; uint8 becomes float32 in [0, 1], other dtypes are kept."""
    if is_pil(pic):
        dtype = {"I": np.int32, "I;16": np.int16, "F": np.float32}.get(pic.mode, np.uint8)
        array = np.array(pic, dtype=dtype)
        if pic.mode == "1":
            array = array * np.uint8(255)
        array = array.reshape(pic.height, pic.width, len(pic.getbands()))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: a NumPy image has shape (H, W) or (H, W, C), got {pic.shape}")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"ToTensor: expected a PIL image or a NumPy array (H, W, C), "
                        f"got {type(pic).__name__}")
    array = array.transpose(2, 0, 1)
    if array.dtype == np.uint8:
        return as_tensor(array.astype(np.float32) / np.float32(255))
    return as_tensor(array)


def pil_to_tensor(pic):
    """PIL image -> CHW Tensor of the same dtype (uint8 stays uint8)."""
    if not is_pil(pic):
        raise TypeError(f"PILToTensor: expected a PIL image, got {type(pic).__name__}")
    return as_tensor(np.array(pic).reshape(pic.height, pic.width, -1).transpose(2, 0, 1))


_MODES_BY_CHANNELS = {1: ("L",), 2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}


def to_pil_image(pic, mode=None):
    """A CHW Tensor or HWC NumPy array -> PIL image; floats are scaled by 255 and truncated."""
    if isinstance(pic, Tensor):
        array = pic.array
        if array.ndim not in (2, 3):
            raise ValueError(f"ToPILImage: a tensor image has shape (C, H, W) or (H, W), got {array.shape}")
        array = array[:, :, None] if array.ndim == 2 else array.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToPILImage: a NumPy image has shape (H, W, C) or (H, W), got {pic.shape}")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"ToPILImage: expected a Tensor or a NumPy array, got {type(pic).__name__}")
    channels = array.shape[2]
    if channels > 4:
        raise ValueError(f"ToPILImage: an image has at most 4 channels, got {channels} (shape {array.shape})")
    if array.dtype.kind == "f" and mode != "F":
        array = (array * 255).astype(np.uint8)
    if mode is not None and channels > 1 and mode not in _MODES_BY_CHANNELS[channels]:
        raise ValueError(f"ToPILImage: mode {mode!r} does not fit {channels} channels; "
                         f"use one of {_MODES_BY_CHANNELS[channels]}")
    if channels == 1:
        array = array[:, :, 0]
    elif array.dtype != np.uint8:
        raise TypeError(f"ToPILImage: images of {channels} channels must be uint8 or float, "
                        f"got {array.dtype}")
    image = Image.fromarray(np.ascontiguousarray(array))
    if mode is not None and image.mode != mode:
        if channels == 1:
            raise ValueError(f"ToPILImage: mode {mode!r} does not fit a one-channel {array.dtype} image "
                             f"(that is mode {image.mode!r})")
        image = Image.frombytes(mode, image.size, image.tobytes())
    return image
