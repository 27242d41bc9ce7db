"""Operations on one image, as ``torchvision.transforms.functional`` (imported as ``F``).

An image is a PIL image, or a glassnet Tensor of shape (..., C, H, W): uint8
in [0, 255] or float in [0, 1]. Every operation returns the kind it was
given. PIL images are worked on by Pillow, as torchvision does, so those
results are torchvision's. Tensors are computed in NumPy with the formulas
torchvision documents, except resampling (resize with bilinear or bicubic,
rotate): each channel is resampled by Pillow in its float mode "F", which is
the antialiased filter that torchvision's tensor path was built to match.
Transforms make data; nothing here is recorded by autograd.
"""

import enum
import numbers

import numpy as np
from PIL import Image, ImageEnhance

from ...tensor import Tensor
from .color import adjust_hue_array, blend, grayscale_array
from .convert import as_tensor, is_pil, pil_to_tensor, to_pil_image, to_tensor  # noqa: F401  (F.to_tensor ...)


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}


def interpolation_mode(value, caller):
    """An InterpolationMode from itself, its name ("bilinear") or Pillow's integer constant."""
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, str):
        return InterpolationMode(value.lower())
    for mode, pil_filter in _PIL_FILTERS.items():
        if isinstance(value, int) and value == pil_filter and mode is not InterpolationMode.NEAREST_EXACT:
            return mode
    raise TypeError(f"{caller}: interpolation must be an InterpolationMode or Pillow's constant, "
                    f"got {value!r}")


# ------------------------------------------------------------------ what an image is
def check_image(img, caller):
    """'pil' or 'tensor'; anything else is a TypeError that names ``caller``."""
    if is_pil(img):
        return "pil"
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"{caller}: a tensor image has shape (..., C, H, W) or (H, W), "
                             f"got {tuple(img.shape)}")
        return "tensor"
    raise TypeError(f"{caller}: expected a PIL image or a glassnet Tensor (..., C, H, W), "
                    f"got {type(img).__name__}")


def get_dimensions(img):
    """``[channels, height, width]``."""
    if check_image(img, "get_dimensions") == "pil":
        return [len(img.getbands()), img.height, img.width]
    shape = img.shape
    return [1 if len(shape) == 2 else shape[-3], shape[-2], shape[-1]]


def _planes(array, resample):
    """Run ``resample(PIL image)`` on every (H, W) plane of a (..., H, W) array, in Pillow's float mode."""
    lead, floats = array.shape[:-2], array.astype(np.float32, copy=False).reshape(-1, *array.shape[-2:])
    out = np.stack([np.asarray(resample(Image.fromarray(plane))) for plane in floats])
    return _cast_back(out.reshape(*lead, *out.shape[-2:]), array.dtype)


def _cast_back(out, dtype):
    """Float results into the image's dtype; integer images are rounded into range, as torchvision does."""
    if np.dtype(dtype).kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.round(out), info.min, info.max).astype(dtype)
    return out.astype(dtype, copy=False)


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean[c]) / std[c]`` per channel, in the tensor's float dtype."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Normalize: expected a float Tensor image (..., C, H, W), "
                        f"got {type(tensor).__name__}; put ToTensor() before it")
    array = tensor.array
    if array.dtype.kind != "f":
        raise TypeError(f"Normalize: expected a float tensor, got {array.dtype}; "
                        "convert with ToTensor() first")
    if array.ndim < 3:
        raise ValueError(f"Normalize: expected a tensor image of shape (..., C, H, W), got {array.shape}")
    mean = np.asarray(mean, dtype=array.dtype).reshape(-1, 1, 1)
    std = np.asarray(std, dtype=array.dtype).reshape(-1, 1, 1)
    if np.any(std == 0):
        raise ValueError(f"Normalize: std must not contain zeros, got {std.ravel().tolist()}")
    if inplace:
        array -= mean
        array /= std
        return tensor
    return as_tensor((array - mean) / std)


# ------------------------------------------------------------------ geometry
def resized_size(height, width, size, max_size=None):
    """torchvision's output size: one number is the smaller edge (the longer one keeps the aspect ratio)."""
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"Resize: max_size={max_size} must be larger than the smaller edge's size "
                                 f"{requested}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if width <= height else (new_short, new_long)
    if len(size) != 2:
        raise ValueError(f"Resize: size must be an int or a pair (height, width), got {size!r}")
    if max_size is not None:
        raise ValueError("Resize: max_size applies only when size is one number (the smaller edge)")
    return int(size[0]), int(size[1])


def _nearest_indices(out_size, in_size, exact):
    scale = in_size / out_size
    positions = (np.arange(out_size) + 0.5) * scale if exact else np.arange(out_size) * scale
    return np.minimum(np.floor(positions).astype(np.intp), in_size - 1)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` ((height, width), or one number for the smaller edge)."""
    interpolation = interpolation_mode(interpolation, "Resize")
    _, height, width = get_dimensions(img)
    new_height, new_width = resized_size(height, width, size, max_size)
    if (new_height, new_width) == (height, width):
        return img
    if is_pil(img):
        return img.resize((new_width, new_height), _PIL_FILTERS[interpolation])
    array = img.array
    if interpolation in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        exact = interpolation is InterpolationMode.NEAREST_EXACT  # torch's "nearest" floors dst * scale
        rows = _nearest_indices(new_height, height, exact)
        cols = _nearest_indices(new_width, width, exact)
        return as_tensor(array[..., rows[:, None], cols])
    pil_filter = _PIL_FILTERS[interpolation]
    return as_tensor(_planes(array, lambda plane: plane.resize((new_width, new_height), pil_filter)))


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` window at (top, left); parts outside the image are zeros."""
    if check_image(img, "crop") == "pil":
        return img.crop((left, top, left + width, top + height))
    array = img.array
    h, w = array.shape[-2:]
    out = np.zeros(array.shape[:-2] + (height, width), array.dtype)
    src_top, src_left = max(top, 0), max(left, 0)
    src_bottom, src_right = min(top + height, h), min(left + width, w)
    if src_bottom > src_top and src_right > src_left:
        out[..., src_top - top:src_bottom - top, src_left - left:src_right - left] = \
            array[..., src_top:src_bottom, src_left:src_right]
    return as_tensor(out)


def _crop_size(size, caller):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"{caller}: size must be an int or a pair (height, width), got {size!r}")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The central window; an image smaller than it is padded with zeros first (torchvision's offsets)."""
    crop_height, crop_width = _crop_size(output_size, "CenterCrop")
    _, height, width = get_dimensions(img)
    if crop_width > width or crop_height > height:
        pad_w, pad_h = max(crop_width - width, 0), max(crop_height - height, 0)
        img = pad(img, [pad_w // 2, pad_h // 2, (pad_w + 1) // 2, (pad_h + 1) // 2])
        _, height, width = get_dimensions(img)
        if (crop_height, crop_width) == (height, width):
            return img
    # Python's round (half to even), as torchvision: a 1-pixel surplus goes to the bottom/right.
    top, left = int(round((height - crop_height) / 2.0)), int(round((width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    if check_image(img, "hflip") == "pil":
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return as_tensor(img.array[..., ::-1])


def vflip(img):
    if check_image(img, "vflip") == "pil":
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return as_tensor(img.array[..., ::-1, :])


def _padding(padding):
    """(left, top, right, bottom) from one number, (left/right, top/bottom) or four numbers."""
    if isinstance(padding, numbers.Number):
        return (int(padding),) * 4
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return tuple(padding * 4)
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError(f"Pad: padding must be one number or a sequence of 1, 2 or 4, got {padding!r}")


def _chw(img):
    """A PIL image's pixels as a (C, H, W) array."""
    array = np.asarray(img)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _pil_like(array, like):
    """A (C, H, W) array back into a PIL image of ``like``'s mode (and palette)."""
    pixels = array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)
    image = Image.fromarray(np.ascontiguousarray(pixels))
    if like.mode == "P":
        image.putpalette(like.getpalette())  # the pixels are palette indices: keep their palette
    return image if image.mode == like.mode else image.convert(like.mode)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: "constant" (``fill``, per channel or one), "edge", "reflect", "symmetric"."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"Pad: padding_mode must be constant, edge, reflect or symmetric, "
                         f"got {padding_mode!r}")
    left, top, right, bottom = _padding(padding)
    kind = check_image(img, "pad")
    array = _chw(img) if kind == "pil" else img.array
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        channels = get_dimensions(img)[0]
        out = np.empty(array.shape[:-2] + (array.shape[-2] + top + bottom, array.shape[-1] + left + right),
                       array.dtype)
        values = np.asarray(_fill_per_channel(fill, channels, "Pad"))
        out[...] = values.reshape(-1, 1, 1) if array.ndim > 2 else values[0]
        out[..., top:top + array.shape[-2], left:left + array.shape[-1]] = array
    else:
        out = np.pad(array, widths, mode=padding_mode)
    return as_tensor(out) if kind == "tensor" else _pil_like(out, img)


def _fill_per_channel(fill, channels, caller):
    fill = 0 if fill is None else fill
    values = [float(fill)] * channels if isinstance(fill, numbers.Number) else [float(v) for v in fill]
    if len(values) == 1:
        values *= channels
    if len(values) != channels:
        raise ValueError(f"{caller}: fill has {len(values)} values but the image has {channels} channels")
    return values


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` ((x, y), default the middle)."""
    interpolation = interpolation_mode(interpolation, "rotate")
    pil_filter = _PIL_FILTERS[interpolation]
    channels = get_dimensions(img)[0]
    values = _fill_per_channel(fill, channels, "rotate")
    if is_pil(img):
        color = values if img.mode == "F" else [int(v) for v in values]
        color = color[0] if channels == 1 else tuple(color)
        return img.rotate(angle, pil_filter, expand, center, fillcolor=color)
    array = img.array
    images = array.reshape(-1, channels, *array.shape[-2:])
    turned = np.stack([np.stack([
        np.asarray(Image.fromarray(plane.astype(np.float32)).rotate(angle, pil_filter, expand, center,
                                                                    fillcolor=values[c]))
        for c, plane in enumerate(image)]) for image in images])
    return as_tensor(_cast_back(turned, array.dtype).reshape(*array.shape[:-2], *turned.shape[-2:]))


# ------------------------------------------------------------------ colour
def rgb_to_grayscale(img, num_output_channels=1):
    """ITU-R 601-2 luma; ``num_output_channels=3`` repeats it in three channels."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
    if check_image(img, "rgb_to_grayscale") == "pil":
        gray = img.convert("L")
        return Image.merge("RGB", (gray, gray, gray)) if num_output_channels == 3 else gray
    gray = grayscale_array(img.array)
    return as_tensor(np.repeat(gray, num_output_channels, axis=-3))


def _enhance(img, factor, enhancer, on_array, caller):
    if factor < 0:
        raise ValueError(f"{caller}: the factor must be non-negative, got {factor}")
    if check_image(img, caller) == "pil":
        return enhancer(img).enhance(factor)
    return as_tensor(on_array(img.array, factor))


def adjust_brightness(img, brightness_factor):
    return _enhance(img, brightness_factor, ImageEnhance.Brightness,
                    lambda a, f: blend(a, np.zeros_like(a), f), "adjust_brightness")


def adjust_contrast(img, contrast_factor):
    def on_array(array, factor):
        gray = grayscale_array(array) if array.shape[-3] == 3 else array
        dtype = array.dtype if array.dtype.kind == "f" else np.float32
        return blend(array, gray.astype(dtype).mean(axis=(-3, -2, -1), keepdims=True), factor)
    return _enhance(img, contrast_factor, ImageEnhance.Contrast, on_array, "adjust_contrast")


def adjust_saturation(img, saturation_factor):
    def on_array(array, factor):
        return array if array.shape[-3] == 1 else blend(array, grayscale_array(array), factor)
    return _enhance(img, saturation_factor, ImageEnhance.Color, on_array, "adjust_saturation")


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` of a full turn, in [-0.5, 0.5]."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must be in [-0.5, 0.5], got {hue_factor}")
    if check_image(img, "adjust_hue") == "tensor":
        return as_tensor(adjust_hue_array(img.array, hue_factor))
    if img.mode in ("L", "1", "I", "F"):
        return img
    hue, saturation, value = img.convert("HSV").split()
    # Pillow keeps hue in a uint8 (a full turn is 256 steps): shifting wraps around.
    shifted = (np.asarray(hue, dtype=np.int64) + int(hue_factor * 255)) % 256
    hue = Image.fromarray(shifted.astype(np.uint8))
    return Image.merge("HSV", (hue, saturation, value)).convert(img.mode)
