"""``torchvision.io``'s image functions, decoded and encoded by Pillow.

``read_image(path)`` gives a (C, H, W) uint8 Tensor, as torchvision's does
(16-bit PNGs give uint16). torchvision decodes with libpng and libjpeg
directly; Pillow uses the same libraries, so PNGs are bit-identical, and
JPEGs match wherever both use the same libjpeg build and IDCT.
"""

import enum
import io

import numpy as np
from PIL import Image, ImageOps

from ..tensor import Tensor


class ImageReadMode(enum.Enum):
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4  # torchvision's alias


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def _unchanged(image):
    """The file's own channels: grey, grey+alpha, RGB or RGBA (palettes and other modes expanded)."""
    if image.mode in ("L", "LA", "RGB", "RGBA", "I;16"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "PA":
        return image.convert("RGBA")
    return image.convert("RGB")


def _decode(source, mode, apply_exif_orientation, caller):
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"{caller}: mode must be an ImageReadMode, got {mode!r}")
    with Image.open(source) as image:
        if apply_exif_orientation:
            image = ImageOps.exif_transpose(image)
        image = _unchanged(image) if mode is ImageReadMode.UNCHANGED else image.convert(_PIL_MODES[mode])
        array = np.array(image)
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return Tensor._make(np.ascontiguousarray(array), None, 0)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """The image file at ``path`` as a (C, H, W) uint8 Tensor; ``mode`` converts it (e.g. to RGB)."""
    return _decode(path, mode, apply_exif_orientation, "read_image")


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):  # noqa: A002
    """Like ``read_image``, from a file's bytes (a 1-d uint8 Tensor, as ``read_file`` gives) or a path."""
    if isinstance(input, Tensor):
        input = io.BytesIO(input.array.tobytes())  # noqa: A001
    return _decode(input, mode, apply_exif_orientation, "decode_image")


def read_file(path):
    """A file's bytes as a 1-d uint8 Tensor."""
    with open(path, "rb") as file:
        return Tensor._make(np.frombuffer(file.read(), dtype=np.uint8).copy(), None, 0)


def _to_pil(tensor, caller):
    array = tensor.array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if array.ndim != 3 or array.shape[0] not in (1, 3) or array.dtype != np.uint8:
        raise ValueError(f"{caller}: expected a uint8 tensor (C, H, W) with 1 or 3 channels, got "
                         f"{array.dtype} {array.shape}")
    pixels = array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)
    return Image.fromarray(np.ascontiguousarray(pixels))


def write_png(input, filename, compression_level=6):  # noqa: A002
    _to_pil(input, "write_png").save(filename, format="PNG", compress_level=compression_level)


def write_jpeg(input, filename, quality=75):  # noqa: A002
    _to_pil(input, "write_jpeg").save(filename, format="JPEG", quality=quality)
