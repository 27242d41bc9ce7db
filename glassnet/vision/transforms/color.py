"""Colour arithmetic on (..., C, H, W) NumPy arrays, with torchvision's tensor formulas.

Integer images (uint8) are computed in float32 and truncated back, as
torchvision's tensor path does (so a result can be one level below the
rounded value); float images stay in their dtype, clipped to [0, 1].
"""

import numpy as np

# ITU-R 601-2 luma weights, as torchvision's rgb_to_grayscale uses them.
LUMA = (0.2989, 0.587, 0.114)


def _work_dtype(array):
    return array.dtype if array.dtype.kind == "f" else np.dtype(np.float32)


def _channels(array, allowed, caller):
    if array.ndim < 3 or array.shape[-3] not in allowed:
        raise ValueError(f"{caller}: expected an image (..., C, H, W) with C in {allowed}, "
                         f"got shape {array.shape}")
    return array.shape[-3]


def blend(image, other, ratio):
    """``ratio * image + (1 - ratio) * other``, clipped to the image's range, in its dtype."""
    dtype = _work_dtype(image)
    bound = 1.0 if image.dtype.kind == "f" else 255.0
    mixed = dtype.type(ratio) * image.astype(dtype) + dtype.type(1.0 - ratio) * np.asarray(other, dtype)
    return np.clip(mixed, 0, bound).astype(image.dtype)


def grayscale_array(array):
    """(..., 1, H, W) luma of an RGB image; a one-channel image is returned as it is."""
    if _channels(array, (1, 3), "rgb_to_grayscale") == 1:
        return array.copy()
    dtype = _work_dtype(array)
    r, g, b = (array[..., c, :, :].astype(dtype) for c in range(3))
    luma = dtype.type(LUMA[0]) * r + dtype.type(LUMA[1]) * g + dtype.type(LUMA[2]) * b
    return luma.astype(array.dtype)[..., None, :, :]


def rgb_to_hsv(rgb):
    """Hue, saturation, value in [0, 1] from RGB in [0, 1] (the textbook hexcone model)."""
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    high, low = rgb.max(axis=-3), rgb.min(axis=-3)
    spread = high - low
    grey = spread == 0
    saturation = spread / np.where(grey, 1, high)
    safe = np.where(grey, 1, spread)
    # Which channel is largest decides the sector; the other two place the hue inside it.
    hue = np.select([high == r, high == g], [(g - b) / safe, 2.0 + (b - r) / safe], 4.0 + (r - g) / safe)
    hue = np.where(grey, 0, hue)
    return np.stack([np.mod(hue / 6.0 + 1.0, 1.0), saturation, high], axis=-3).astype(rgb.dtype)


def hsv_to_rgb(hsv):
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    sector = np.floor(h * 6.0)
    within = h * 6.0 - sector
    sector = sector.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * within), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - within)), 0.0, 1.0)
    # (r, g, b) for each of the six sectors of the hue circle.
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    channels = [np.choose(sector, [row[c] for row in table]) for c in range(3)]
    return np.stack(channels, axis=-3).astype(hsv.dtype)


def adjust_hue_array(array, hue_factor):
    """Turn the hue by ``hue_factor`` (a fraction of the circle); one-channel images are unchanged."""
    if _channels(array, (1, 3), "adjust_hue") == 1:
        return array.copy()
    floats = array.astype(np.float32) / np.float32(255) if array.dtype == np.uint8 else array
    hsv = rgb_to_hsv(floats)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + hue_factor, 1.0)
    rgb = hsv_to_rgb(hsv)
    return (rgb * 255).astype(np.uint8) if array.dtype == np.uint8 else rgb
