"""Image transforms and augmentation, applied to a whole batch of NumPy images at once.

Every transform is a callable that takes images of shape (N, C, H, W) (a
single (C, H, W) image works too) and returns a new array; the input is never
changed in place. Pass one to ``DataLoader(transform=...)`` and it runs once
per batch, on the NumPy arrays, before they become Tensors::

    augment = Compose([ToFloat(), RandomHorizontalFlip(), RandomRotation(10),
                       Normalize(mean=[0.5], std=[0.5])])
    loader = DataLoader(train, batch_size=64, shuffle=True, transform=augment)

Random transforms draw each sample's parameters independently, from their
own generator when given ``seed=`` or ``generator=``, otherwise from
glassnet's global one, so ``glassnet.manual_seed`` makes a run reproducible.

Rotation, translation and zoom are one operation, :class:`RandomAffine`: for
every *output* pixel it computes where that pixel comes from in the input
(the inverse mapping) and samples the input there, by nearest neighbour or
bilinear interpolation. Mapping backwards leaves no holes in the output;
pixels whose source falls outside the image get ``fill``.
"""

import numpy as np

from ._random import as_generator


class Transform:
    """Base class: subclasses implement ``apply(images)`` for a 4-D (N, C, H, W) batch."""

    def __call__(self, images):
        images = np.asarray(images)
        if images.ndim == 3:
            return self.apply(images[None])[0]
        if images.ndim != 4:
            raise ValueError(f"{type(self).__name__}: expected images of shape (N, C, H, W) or (C, H, W), "
                             f"got shape {images.shape}")
        return self.apply(images)

    def apply(self, images):
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class RandomTransform(Transform):
    """A transform that draws random numbers: from its own generator, or the global one at call time."""

    def __init__(self, seed=None, generator=None):
        self._generator = None if seed is None and generator is None else as_generator(generator, seed)

    @property
    def rng(self):
        return self._generator or as_generator()


class Compose(Transform):
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, images):
        for transform in self.transforms:
            images = transform(images)
        return images

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToFloat(Transform):
    """Convert to ``dtype`` (float32); integer images (uint8 pixels) are also scaled to [0, 1]."""

    def __init__(self, dtype=np.float32):
        self.dtype = np.dtype(dtype)

    def apply(self, images):
        if images.dtype.kind in "ui":
            return images.astype(self.dtype) / self.dtype.type(np.iinfo(images.dtype).max)
        return images.astype(self.dtype)


class Rescale(Transform):
    """``images * scale + offset`` as float32, Keras' ``Rescaling(1 / 255)``."""

    def __init__(self, scale=1 / 255, offset=0.0):
        self.scale, self.offset = scale, offset

    def apply(self, images):
        out = images.astype(np.float32) * np.float32(self.scale)
        if self.offset:
            out += np.float32(self.offset)
        return out


class Normalize(Transform):
    """``(images - mean[c]) / std[c]`` for each channel c, as torchvision's ``Normalize``."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must not contain zeros, got {self.std.tolist()}")

    def apply(self, images):
        channels = images.shape[1]
        if self.mean.size not in (1, channels) or self.std.size not in (1, channels):
            raise ValueError(f"Normalize: mean and std have {self.mean.size} and {self.std.size} values, "
                             f"but the images have {channels} channels")
        dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
        mean = self.mean.astype(dtype).reshape(1, -1, 1, 1)
        std = self.std.astype(dtype).reshape(1, -1, 1, 1)
        return (images.astype(dtype, copy=False) - mean) / std


class RandomHorizontalFlip(RandomTransform):
    """Mirror each image left-right with probability ``p``."""

    def __init__(self, p=0.5, seed=None, generator=None):
        super().__init__(seed, generator)
        self.p = p

    def apply(self, images):
        flip = self.rng.random(len(images)) < self.p
        out = images.copy()
        out[flip] = images[flip][..., ::-1]
        return out


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror each image top-bottom with probability ``p``."""

    def apply(self, images):
        flip = self.rng.random(len(images)) < self.p
        out = images.copy()
        out[flip] = images[flip][..., ::-1, :]
        return out


def _pair(value, what):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if len(value) != 2:
        raise ValueError(f"{what} must be an int or a pair (height, width), got {value!r}")
    return int(value[0]), int(value[1])


class RandomCrop(RandomTransform):
    """Cut a ``size`` window at a random place in each image, after padding its borders with ``fill``.

    With ``padding=4`` and ``size`` the image size (the CIFAR recipe) this
    shifts each image by up to 4 pixels, filling the uncovered edge.
    """

    def __init__(self, size, padding=0, fill=0.0, seed=None, generator=None):
        super().__init__(seed, generator)
        self.size, self.padding, self.fill = _pair(size, "RandomCrop: size"), padding, fill

    def apply(self, images):
        n, _, h, w = images.shape
        p = self.padding
        if p:
            images = np.pad(images, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=self.fill)
        ch, cw = self.size
        if ch > h + 2 * p or cw > w + 2 * p:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded image "
                             f"({h + 2 * p}, {w + 2 * p})")
        top = self.rng.integers(0, h + 2 * p - ch + 1, size=n)
        left = self.rng.integers(0, w + 2 * p - cw + 1, size=n)
        rows = top[:, None, None] + np.arange(ch)[None, :, None]
        cols = left[:, None, None] + np.arange(cw)[None, None, :]
        # The slice between the advanced indices moves the channel axis last: (N, ch, cw, C).
        out = images[np.arange(n)[:, None, None], :, rows, cols]
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def _range(value, what, centre=0.0):
    """A number v means the range (centre - v, centre + v); a pair is the range itself."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.number)):
        if value < 0:
            raise ValueError(f"{what} must be non-negative when given as one number, got {value}")
        return centre - value, centre + value
    low, high = value
    if low > high:
        raise ValueError(f"{what}: the range ({low}, {high}) is empty")
    return float(low), float(high)


def _gather(images, rows, cols, fill):
    """``images[n, :, rows[n], cols[n]]`` for integer index maps of shape (N, Ho, Wo); outside -> fill."""
    n, c, h, w = images.shape
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    flat_index = (np.clip(rows, 0, h - 1) * w + np.clip(cols, 0, w - 1)).reshape(n, 1, -1)
    values = np.take_along_axis(images.reshape(n, c, h * w), flat_index, axis=2)
    values = values.reshape(n, c, *rows.shape[1:])
    return np.where(inside[:, None], values, np.asarray(fill, dtype=values.dtype)), inside


def affine_sample(images, matrices, shifts, interpolation="nearest", fill=0.0):
    """Resample each image n at the source positions ``matrices[n] @ p + shifts[n]``.

    ``p`` is an output pixel's (row, column) measured from the image centre;
    the result is a source position measured from the centre too. The output
    has the input's size.
    """
    n, _, h, w = images.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    y, x = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    grid = np.stack([y.ravel(), x.ravel()])  # (2, H*W)
    src = matrices @ grid + shifts[:, :, None]  # (N, 2, H*W)
    src_y = (src[:, 0] + cy).reshape(n, h, w)
    src_x = (src[:, 1] + cx).reshape(n, h, w)
    if interpolation == "nearest":
        # Rounding half away from zero would be asymmetric; floor(v + 0.5) treats both sides alike.
        rows, cols = np.floor(src_y + 0.5).astype(np.intp), np.floor(src_x + 0.5).astype(np.intp)
        return _gather(images, rows, cols, fill)[0]
    if interpolation != "bilinear":
        raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
    images = images.astype(dtype, copy=False)
    top, left = np.floor(src_y), np.floor(src_x)
    fy, fx = (src_y - top).astype(dtype)[:, None], (src_x - left).astype(dtype)[:, None]
    top, left = top.astype(np.intp), left.astype(np.intp)
    out = np.zeros((n, images.shape[1], h, w), dtype)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            out += wy * wx * _gather(images, top + dy, left + dx, fill)[0]
    return out


class RandomAffine(RandomTransform):
    """Random rotation, translation and zoom, each drawn per image, in one resampling.

    * ``degrees``: d rotates by an angle in (-d, d), counter-clockwise for
      positive angles (torchvision's convention); or a range (low, high).
    * ``translate``: f shifts by up to f * height rows and f * width columns
      (a pair (fh, fw) gives each its own fraction).
    * ``scale``: a range (low, high) of zoom factors; above 1 magnifies
      (zooms in), below 1 shrinks and fills the border. One number z is
      (1 - z, 1 + z).
    * ``interpolation``: "nearest" (exact for 90-degree turns and integer
      shifts, keeps labels such as masks discrete) or "bilinear" (smoother).
    """

    def __init__(self, degrees=0.0, translate=None, scale=None, interpolation="nearest", fill=0.0,
                 seed=None, generator=None):
        super().__init__(seed, generator)
        self.degrees = _range(degrees, "degrees")
        self.translate = None if translate is None else _pair_float(translate, "translate")
        self.scale = _range(scale, "scale", centre=1.0)
        if self.scale is not None and self.scale[0] <= 0:
            raise ValueError(f"scale factors must be positive, got the range {self.scale}")
        self.interpolation, self.fill = interpolation, fill

    def parameters(self, n, h, w):
        """The per-image inverse maps: ``(matrices (N, 2, 2), shifts (N, 2))``."""
        rng = self.rng
        angle = np.deg2rad(rng.uniform(*self.degrees, size=n))
        zoom = rng.uniform(*self.scale, size=n) if self.scale is not None else np.ones(n)
        cos, sin = np.cos(angle) / zoom, np.sin(angle) / zoom
        # The inverse of "rotate counter-clockwise, then magnify", in (row, column) coordinates.
        matrices = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], 1)
        shifts = np.zeros((n, 2))
        if self.translate is not None:
            fh, fw = self.translate
            offset = np.stack([rng.uniform(-fh * h, fh * h, n), rng.uniform(-fw * w, fw * w, n)], -1)
            # The output at p shows the input at p - offset; rotation and zoom are about the centre.
            shifts = -np.einsum("nij,nj->ni", matrices, offset)
        return matrices, shifts

    def apply(self, images):
        n, _, h, w = images.shape
        matrices, shifts = self.parameters(n, h, w)
        return affine_sample(images, matrices, shifts, self.interpolation, self.fill)


def _pair_float(value, what):
    pair = (value, value) if isinstance(value, (int, float, np.number)) else tuple(value)
    if len(pair) != 2 or not all(0 <= v <= 1 for v in pair):
        raise ValueError(f"{what} must be a fraction in [0, 1] or a pair of them, got {value!r}")
    return float(pair[0]), float(pair[1])


class RandomRotation(RandomAffine):
    """Rotate each image by a random angle from ``degrees`` (d means (-d, d)), counter-clockwise."""

    def __init__(self, degrees, interpolation="nearest", fill=0.0, seed=None, generator=None):
        super().__init__(degrees, interpolation=interpolation, fill=fill, seed=seed, generator=generator)


class RandomTranslation(RandomAffine):
    """Shift each image by up to ``max_fraction`` of its height and width (Keras' RandomTranslation)."""

    def __init__(self, max_fraction, interpolation="nearest", fill=0.0, seed=None, generator=None):
        super().__init__(0.0, translate=max_fraction, interpolation=interpolation, fill=fill, seed=seed,
                         generator=generator)


RandomShift = RandomTranslation


class RandomZoom(RandomAffine):
    """Magnify each image by a random factor from ``scale_range`` (z means (1 - z, 1 + z))."""

    def __init__(self, scale_range, interpolation="nearest", fill=0.0, seed=None, generator=None):
        super().__init__(0.0, scale=scale_range, interpolation=interpolation, fill=fill, seed=seed,
                         generator=generator)


class ColorJitter(RandomTransform):
    """Random brightness and contrast per image, as torchvision's ``ColorJitter`` (those two parts).

    Brightness multiplies the image by b, contrast moves it away from (c > 1)
    or towards (c < 1) its mean by c, with b and c drawn from
    (max(0, 1 - brightness), 1 + brightness) and likewise for contrast. The
    mean is the image's mean over all channels. The result is clipped to
    ``value_range`` (None to leave it unclipped, e.g. for normalised data).
    """

    def __init__(self, brightness=0.0, contrast=0.0, value_range=(0.0, 1.0), seed=None, generator=None):
        super().__init__(seed, generator)
        self.brightness = _range(brightness, "brightness", centre=1.0)
        self.contrast = _range(contrast, "contrast", centre=1.0)
        self.value_range = value_range

    def apply(self, images):
        n = len(images)
        dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
        out = images.astype(dtype)
        shape = (n, 1, 1, 1)
        low, high = self.brightness
        out *= self.rng.uniform(max(0.0, low), high, n).astype(dtype).reshape(shape)
        low, high = self.contrast
        factor = self.rng.uniform(max(0.0, low), high, n).astype(dtype).reshape(shape)
        mean = out.mean(axis=(1, 2, 3), keepdims=True)
        out = (out - mean) * factor + mean
        if self.value_range is not None:
            np.clip(out, *self.value_range, out=out)
        return out


RandomBrightnessContrast = ColorJitter

__all__ = [
    "ColorJitter", "Compose", "Normalize", "RandomAffine", "RandomBrightnessContrast", "RandomCrop",
    "RandomHorizontalFlip", "RandomRotation", "RandomShift", "RandomTransform", "RandomTranslation",
    "RandomVerticalFlip", "RandomZoom", "Rescale", "ToFloat", "Transform", "affine_sample",
]
