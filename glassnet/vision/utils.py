"""``torchvision.utils``: ``make_grid`` (a batch of images tiled into one) and ``save_image``."""

import math

import numpy as np
from PIL import Image

from ..tensor import Tensor


def _batch(tensor):
    """A (B, C, H, W) float array from a Tensor or array of 2, 3 or 4 dims, or a list of images."""
    if isinstance(tensor, (list, tuple)):
        tensor = np.stack([t.array if isinstance(t, Tensor) else np.asarray(t) for t in tensor])
    array = np.array(tensor.array if isinstance(tensor, Tensor) else tensor)  # a copy: normalising changes it
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected images (B, C, H, W), (C, H, W) or (H, W), "
                         f"got shape {array.shape}")
    if array.shape[1] == 1:  # one channel: shown as grey RGB
        array = np.concatenate([array] * 3, axis=1)
    return array


def _rescale(array, value_range):
    """Clip to ``value_range`` (default: the array's own min and max) and map it onto [0, 1], in place."""
    low, high = value_range if value_range is not None else (float(array.min()), float(array.max()))
    np.clip(array, low, high, out=array)
    array -= low
    array /= max(high - low, 1e-5)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """The images of a batch side by side, ``nrow`` per row, ``padding`` pixels of ``pad_value`` between.

    ``normalize`` maps ``value_range`` (or the data's min and max; each
    image's own with ``scale_each``) onto [0, 1]. A single image comes back
    as it is (after the grey-to-RGB and normalising steps), as torchvision does.
    """
    array = _batch(tensor)
    if normalize:
        if value_range is not None and len(value_range) != 2:
            raise ValueError(f"make_grid: value_range must be (min, max), got {value_range!r}")
        if array.dtype.kind != "f":
            array = array.astype(np.float32)
        for part in (array if scale_each else [array]):
            _rescale(part, value_range)
    if len(array) == 1:
        return Tensor._make(array[0], None, 0)
    count, channels, height, width = array.shape
    columns = min(nrow, count)
    rows = int(math.ceil(count / columns))
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding), pad_value, array.dtype)
    for k, image in enumerate(array):
        top, left = (k // columns) * cell_h + padding, (k % columns) * cell_w + padding
        grid[:, top:top + height, left:left + width] = image
    return Tensor._make(grid, None, 0)


def save_image(tensor, fp, format=None, **grid_options):  # noqa: A002
    """``make_grid(tensor, **grid_options)`` written as an image file ([0, 1] -> 0..255, rounded)."""
    grid = make_grid(tensor, **grid_options).array
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    pixels = pixels[:, :, 0] if pixels.shape[2] == 1 else pixels
    Image.fromarray(np.ascontiguousarray(pixels)).save(fp, format=format)
