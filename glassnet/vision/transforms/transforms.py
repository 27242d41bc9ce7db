"""torchvision's transform classes, on one image at a time (PIL image or glassnet Tensor).

They are the per-sample transforms of a dataset (``transform=Compose([...])``)
and call ``functional.py``. Random ones draw from glassnet's global generator
(so ``glassnet.manual_seed`` repeats them, and DataLoader workers, seeded
apart, draw differently) or from their own ``generator=`` (a NumPy Generator
or an int seed), glassnet's addition. The random numbers are NumPy's, so the
crops and angles are not those torch would draw for the same seed.
For glassnet's batch-wise augmentation of NumPy arrays see
``glassnet.data.transforms``.
"""

import math
import numbers

from ...data._random import as_generator
from ...data.transforms import _range
from . import functional as F
from .functional import InterpolationMode


class Transform:
    """Base class: ``forward(img)`` does the work; calling the transform runs it."""

    def __call__(self, img):
        return self.forward(img)

    def forward(self, img):
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class Compose(Transform):
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def forward(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        return "Compose(" + "".join(f"\n    {t!r}" for t in self.transforms) + "\n)"


class ToTensor(Transform):
    """PIL image or HWC array -> CHW Tensor; uint8 becomes float32 in [0, 1]."""

    def forward(self, pic):
        return F.to_tensor(pic)


class PILToTensor(Transform):
    """PIL image -> CHW Tensor of the same dtype (uint8 stays uint8)."""

    def forward(self, pic):
        return F.pil_to_tensor(pic)


class ToPILImage(Transform):
    def __init__(self, mode=None):
        self.mode = mode

    def forward(self, pic):
        return F.to_pil_image(pic, self.mode)


class Normalize(Transform):
    """``(tensor - mean[c]) / std[c]`` for each channel of a float Tensor image."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)


def _size(size, caller, allow_one=True):
    if isinstance(size, numbers.Integral):
        return int(size)
    if isinstance(size, (list, tuple)) and len(size) in ((1, 2) if allow_one else (2,)):
        return tuple(int(s) for s in size)
    raise TypeError(f"{caller}: size must be an int or a sequence (height, width), got {size!r}")


class Resize(Transform):
    """Resize to ``size``: (height, width), or one int for the smaller edge (the other keeps the aspect)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size = _size(size, "Resize")
        self.interpolation = F.interpolation_mode(interpolation, "Resize")
        self.max_size, self.antialias = max_size, antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)


class CenterCrop(Transform):
    def __init__(self, size):
        self.size = F._crop_size(size, "CenterCrop")

    def forward(self, img):
        return F.center_crop(img, self.size)


class Pad(Transform):
    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)


class Lambda(Transform):
    """Any function of the image."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: expected a callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def forward(self, img):
        return self.lambd(img)


class Grayscale(Transform):
    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)


class RandomTransform(Transform):
    """A transform that draws random numbers: from its ``generator``, else glassnet's global one."""

    def __init__(self, generator=None):
        self._generator = None if generator is None else as_generator(generator)

    @property
    def rng(self):
        return as_generator(self._generator)


class RandomHorizontalFlip(RandomTransform):
    """Mirror left-right with probability ``p``."""

    def __init__(self, p=0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def forward(self, img):
        return F.hflip(img) if self.rng.random() < self.p else img


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    def forward(self, img):
        return F.vflip(img) if self.rng.random() < self.p else img


class RandomApply(RandomTransform):
    """Apply all of ``transforms`` with probability ``p``, or none."""

    def __init__(self, transforms, p=0.5, generator=None):
        super().__init__(generator)
        self.transforms, self.p = list(transforms), p

    def forward(self, img):
        return Compose(self.transforms)(img) if self.rng.random() < self.p else img


class RandomCrop(RandomTransform):
    """A ``size`` window at a random place, after optional ``padding`` (as ``Pad``).

    ``pad_if_needed`` pads an image smaller than ``size`` as torchvision
    does: by the whole shortfall on each side.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant",
                 generator=None):
        super().__init__(generator)
        self.size = F._crop_size(size, "RandomCrop")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def get_params(self, img, output_size):
        """``(top, left, height, width)`` of a random window of ``output_size``."""
        _, height, width = F.get_dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"RandomCrop: crop size {(crop_height, crop_width)} is larger than the image "
                             f"{(height, width)}; pass padding= or pad_if_needed=True")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        top = int(self.rng.integers(0, height - crop_height + 1))
        left = int(self.rng.integers(0, width - crop_width + 1))
        return top, left, crop_height, crop_width

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))


class RandomResizedCrop(RandomTransform):
    """A random window of random area (``scale`` of the image) and aspect (``ratio``), resized to ``size``.

    torchvision's recipe: up to 10 draws of an area and a log-uniform aspect
    ratio until the window fits, else the central window closest to ``ratio``.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                 interpolation=InterpolationMode.BILINEAR, antialias=True, generator=None):
        super().__init__(generator)
        self.size = F._crop_size(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale and ratio are (low, high) ranges, "
                             f"got {scale} and {ratio}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation = F.interpolation_mode(interpolation, "RandomResizedCrop")
        self.antialias = antialias

    def get_params(self, img, scale, ratio):
        """``(top, left, height, width)`` of the window."""
        _, height, width = F.get_dimensions(img)
        area, rng = height * width, self.rng
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * rng.uniform(scale[0], scale[1])
            aspect = math.exp(rng.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w
        in_ratio = width / height  # fallback: the central window of the nearest allowed aspect
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            w, h = int(round(height * max(ratio))), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, top, left, h, w, self.size, self.interpolation, self.antialias)


class RandomRotation(RandomTransform):
    """Rotate by an angle drawn from ``degrees`` (d means (-d, d)), counter-clockwise for positive angles."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0,
                 generator=None):
        super().__init__(generator)
        self.degrees = _range(degrees, "RandomRotation: degrees")
        self.interpolation = F.interpolation_mode(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = expand, center, fill

    def forward(self, img):
        angle = float(self.rng.uniform(*self.degrees))
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)


def _jitter_range(value, name, centre=1.0, bound=(0, float("inf")), clip_at_zero=True):
    """torchvision's reading of a jitter argument: v means (centre - v, centre + v); None: a no-op."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: {name} must be non-negative, got {value}")
        value = [centre - value, centre + value]
        if clip_at_zero:
            value[0] = max(value[0], 0.0)
    elif len(value) != 2:
        raise TypeError(f"ColorJitter: {name} must be a number or a pair (low, high), got {value!r}")
    low, high = float(value[0]), float(value[1])
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f"ColorJitter: {name} must be a range inside {bound}, got ({low}, {high})")
    return None if low == high == centre else (low, high)


class ColorJitter(RandomTransform):
    """Random brightness, contrast, saturation and hue, applied in a random order (torchvision's recipe)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, generator=None):
        super().__init__(generator)
        self.brightness = _jitter_range(brightness, "brightness")
        self.contrast = _jitter_range(contrast, "contrast")
        self.saturation = _jitter_range(saturation, "saturation")
        self.hue = _jitter_range(hue, "hue", centre=0.0, bound=(-0.5, 0.5), clip_at_zero=False)

    def get_params(self):
        """``(order of the four adjustments, brightness, contrast, saturation, hue)``; None: skipped."""
        rng = self.rng
        order = rng.permutation(4)
        factors = [None if r is None else float(rng.uniform(*r))
                   for r in (self.brightness, self.contrast, self.saturation, self.hue)]
        return (order, *factors)

    def forward(self, img):
        order, *factors = self.get_params()
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for index in order:
            if factors[index] is not None:
                img = adjust[index](img, factors[index])
        return img
