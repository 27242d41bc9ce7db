"""Keras's image preprocessing layers: Rescaling, Resizing, CenterCrop and the random augmentations.

Images are channels-last, one (height, width, channels) or a batch of them.
``Rescaling``, ``Resizing`` and ``CenterCrop`` act always. The random
layers (``RandomFlip``, ``RandomRotation``, ``RandomZoom``,
``RandomTranslation``, ``RandomContrast``) act only while training (inside
``fit``, or when called with ``training=True``) and pass their input
through unchanged in ``evaluate``/``predict``. As in Keras 3, a layer
called directly outside ``fit`` is in training mode (glassnet modules start
that way).

Every image of a batch draws its own transform. With ``seed`` a layer has
its own NumPy generator, so it repeats the same sequence of draws; without
one it draws from glassnet's global generator (``glassnet.manual_seed``).
The warps are ``image_transform``'s, Keras 3's geometry and fill modes; they
stay differentiable (a gather with a scatter-add gradient) when a gradient
is asked for through them.
"""

import numpy as np

from ...creation import default_generator
from ...ops._util import constant
from ...ops.embedding import gather_rows
from ...tensor import Tensor
from ..functional import call_symbolically, is_symbolic
from ..preprocessing import image_transform as T
from .base import Layer


class ImagePreprocessingLayer(Layer):
    """What the image layers share: image-shaped inputs, a ``training`` switch, a random generator."""

    flops_per_output_element = 0

    def forward(self, inputs, training=None):
        if is_symbolic(inputs):
            return call_symbolically(self, inputs)
        if not isinstance(inputs, Tensor):
            inputs = Tensor(np.asarray(inputs, dtype=np.float32))
        if inputs.ndim not in (3, 4):
            raise ValueError(f"{self.name}: expected images (batch, height, width, channels) or one image "
                             f"(height, width, channels), got shape {tuple(inputs.shape)}")
        if not self.built:
            self._build_for(inputs)
        if inputs.dtype.kind != "f":
            inputs = Tensor(inputs.array.astype(np.float32))
        single = inputs.ndim == 3
        x = inputs.reshape((1,) + tuple(inputs.shape)) if single else inputs
        out = self.transform(x, self.training if training is None else bool(training))
        return out.reshape(tuple(out.shape[1:])) if single else out

    def transform(self, x, training):  # pragma: no cover - abstract
        raise NotImplementedError

    def random(self):
        """This layer's NumPy generator: its own when seeded, else glassnet's global one."""
        if self.__dict__.get("seed") is None:
            return default_generator()
        if "_rng" not in self.__dict__:
            self.__dict__["_rng"] = np.random.default_rng(self.seed)
        return self.__dict__["_rng"]

    def _check_data_format(self, data_format):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self.name}: only data_format='channels_last' is supported, "
                             f"got {data_format!r}")


def _warp(x, matrices, interpolation, fill_mode, fill_value):
    """The batch ``x`` (a Tensor) warped: NumPy when no gradient is recorded, glassnet's ops when one is."""
    n, height, width, channels = x.shape
    plan = T.sampling_plan(matrices, (height, width), (height, width), interpolation, fill_mode)
    if not x.requires_grad:
        return constant(T.apply_plan(x.array, plan, (height, width), fill_value))
    indices, weights, outside = plan
    rows = (indices + (np.arange(n) * height * width)[:, None, None]).reshape(-1)
    picked = gather_rows(x.reshape((n * height * width, channels)), rows)
    picked = picked.reshape(indices.shape + (channels,)) * constant(weights[..., None].astype(x.dtype))
    out = picked.sum(dim=2) + constant((fill_value * outside)[..., None].astype(x.dtype))
    return out.reshape((n, height, width, channels))


def _factor_range(factor, bounds, what, who):
    """Keras's factors: one number f means (-|f|, |f|); a pair, its sorted bounds."""
    if isinstance(factor, (tuple, list)) and len(factor) == 2:
        low, high = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        low, high = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(f"{who}: {what} must be a number or a pair of numbers, got {factor!r}")
    if low < bounds[0] or high > bounds[1]:
        raise ValueError(f"{who}: {what} must lie in [{bounds[0]}, {bounds[1]}], got {factor!r}")
    return low, high


class Rescaling(ImagePreprocessingLayer):
    """``x * scale + offset``: ``Rescaling(1./255)`` maps pixels to [0, 1], ``(1./127.5, -1)`` to [-1, 1]."""

    flops_per_output_element = 2

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def forward(self, inputs, training=None):
        if is_symbolic(inputs):
            return call_symbolically(self, inputs)
        if not isinstance(inputs, Tensor):
            inputs = Tensor(np.asarray(inputs, dtype=np.float32))
        # Rescaling takes any shape (Keras's does too), not only images.
        return inputs * self.scale + self.offset


class Resizing(ImagePreprocessingLayer):
    """Resize to (height, width): bilinear or nearest, half-pixel centres, as Keras 3's (no antialiasing).

    ``crop_to_aspect_ratio`` crops the centre to the target's aspect ratio
    first; ``pad_to_aspect_ratio`` pads with ``fill_value`` instead.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._check_data_format(data_format)
        from ..preprocessing.image_io import check_size

        self.height, self.width = check_size((height, width), "(height, width)", self.name)
        self.interpolation = T.check_choice(interpolation, T.INTERPOLATIONS, "interpolation", self.name)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{self.name}: give crop_to_aspect_ratio or pad_to_aspect_ratio, not both")
        if antialias or fill_mode != "constant":
            raise ValueError(f"{self.name}: antialias=True and fill modes other than 'constant' are not "
                             "supported")
        self.crop, self.pad, self.fill_value = crop_to_aspect_ratio, pad_to_aspect_ratio, fill_value

    def transform(self, x, training):
        if self.crop or self.pad:
            height, width = x.shape[1:3]
            top, left, box_h, box_w = T.aspect_box(height, width, self.height, self.width, pad=self.pad)
            if self.crop:
                x = x[:, top:top + box_h, left:left + box_w, :]
            else:
                x = _pad(x, top, left, box_h, box_w, self.fill_value)
        return resize_tensor(x, (self.height, self.width), self.interpolation)


def _pad(x, top, left, box_h, box_w, fill_value):
    from ...ops.shape import pad

    height, width = x.shape[1:3]
    return pad(x, (0, 0, left, box_w - width - left, top, box_h - height - top), value=fill_value)


def resize_tensor(x, size, interpolation):
    """A batch (N, H, W, C) resized by two matrix products (rows, then columns): differentiable."""
    rows = T.resize_weights(x.shape[1], size[0], interpolation).astype(x.dtype)
    cols = T.resize_weights(x.shape[2], size[1], interpolation).astype(x.dtype)
    by_channel = x.permute(0, 3, 1, 2)  # (N, C, H, W)
    out = constant(rows) @ by_channel @ constant(np.ascontiguousarray(cols.T))
    return out.permute(0, 2, 3, 1)


class CenterCrop(ImagePreprocessingLayer):
    """The central (height, width) window; a smaller image is cropped to that aspect and resized up."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._check_data_format(data_format)
        from ..preprocessing.image_io import check_size

        self.height, self.width = check_size((height, width), "(height, width)", self.name)

    def transform(self, x, training):
        in_h, in_w = x.shape[1:3]
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            return x[:, top:top + self.height, left:left + self.width, :]
        top, left, box_h, box_w = T.aspect_box(in_h, in_w, self.height, self.width)
        cropped = x[:, top:top + box_h, left:left + box_w, :]
        return resize_tensor(cropped, (self.height, self.width), "bilinear")


class RandomFlip(ImagePreprocessingLayer):
    """Flip each image left-right and/or upside down with probability 1/2 (each axis drawn on its own)."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._check_data_format(data_format)
        self.mode = T.check_choice(mode, self.MODES, "mode", self.name)
        self.seed = seed

    def transform(self, x, training):
        if not training:
            return x
        for axis, name in ((2, "horizontal"), (1, "vertical")):
            if name in self.mode:
                flip = (self.random().random(x.shape[0]) < 0.5).astype(x.dtype).reshape(-1, 1, 1, 1)
                flipped = x[:, :, ::-1] if axis == 2 else x[:, ::-1]
                x = flipped * constant(flip) + x * constant(1 - flip)
        return x


class _RandomWarp(ImagePreprocessingLayer):
    """A random affine warp per image, with Keras 3's fill modes and interpolation."""

    def _init_warp(self, fill_mode, interpolation, seed, fill_value, data_format):
        self._check_data_format(data_format)
        self.fill_mode = T.check_choice(fill_mode, T.FILL_MODES, "fill_mode", self.name)
        self.interpolation = T.check_choice(interpolation, T.INTERPOLATIONS, "interpolation", self.name)
        self.seed, self.fill_value = seed, fill_value

    def transform(self, x, training):
        if not training:
            return x
        return _warp(x, self.matrices(x.shape[0], *x.shape[1:3]), self.interpolation, self.fill_mode,
                     self.fill_value)


class RandomRotation(_RandomWarp):
    """Rotate each image about its centre by a random fraction of a full turn in ``factor``
    (0.1: up to 36 degrees either way; positive is counter-clockwise)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_range(factor, (-1, 1), "factor", self.name)
        self._init_warp(fill_mode, interpolation, seed, fill_value, data_format)

    def matrices(self, n, height, width):
        degrees = self.random().uniform(self.lower * 360, self.upper * 360, n)
        return T.rotation_matrices(degrees, height, width)


class RandomZoom(_RandomWarp):
    """Zoom each image by ``1 + f``, f drawn from ``height_factor`` (positive zooms out, negative in);
    ``width_factor`` None keeps the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _factor_range(height_factor, (-1, 1), "height_factor", self.name)
        self.width_range = (None if width_factor is None
                            else _factor_range(width_factor, (-1, 1), "width_factor", self.name))
        self._init_warp(fill_mode, interpolation, seed, fill_value, data_format)

    def matrices(self, n, height, width):
        rng = self.random()
        height_zoom = 1 + rng.uniform(*self.height_range, n)
        width_zoom = height_zoom if self.width_range is None else 1 + rng.uniform(*self.width_range, n)
        return T.zoom_matrices(height_zoom, width_zoom, height, width)


class RandomTranslation(_RandomWarp):
    """Shift each image by a random fraction of its height and width (positive: down and right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_range = _factor_range(height_factor, (-1, 1), "height_factor", self.name)
        self.width_range = _factor_range(width_factor, (-1, 1), "width_factor", self.name)
        self._init_warp(fill_mode, interpolation, seed, fill_value, data_format)

    def matrices(self, n, height, width):
        rng = self.random()
        dy = rng.uniform(*self.height_range, n) * height
        dx = rng.uniform(*self.width_range, n) * width
        return T.translation_matrices(dy, dx)


class RandomContrast(ImagePreprocessingLayer):
    """Scale each image's deviation from its per-channel mean by a factor in [1 - f, 1 + f], then clip
    to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.value_range, self.seed = factor, tuple(value_range), seed
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            self.lower, self.upper = (float(f) for f in factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self.lower = self.upper = float(factor)
        else:
            raise ValueError(f"{self.name}: factor must be a number or a pair of numbers, got {factor!r}")
        if not (0 <= self.lower <= 1 and 0 <= self.upper):
            raise ValueError(f"{self.name}: factor must be >= 0 (and its lower part <= 1), got {factor!r}")

    def transform(self, x, training):
        if not training:
            return x
        factors = self.random().uniform(1 - self.lower, 1 + self.upper, x.shape[0]).astype(x.dtype)
        mean = x.mean(dim=(1, 2), keepdim=True)
        out = (x - mean) * constant(factors.reshape(-1, 1, 1, 1)) + mean
        return out.clamp(*self.value_range)
