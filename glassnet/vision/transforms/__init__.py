"""``torchvision.transforms``: per-image transforms of PIL images and glassnet Tensors.

``transforms.py`` holds the classes, ``functional.py`` (``transforms.functional``,
usually imported as ``F``) the operations they call, ``color.py`` the colour
arithmetic on arrays.
"""

from . import functional
from .functional import InterpolationMode
from .transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    Grayscale,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomApply,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomTransform,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
    Transform,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize",
    "PILToTensor", "Pad", "RandomApply", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop",
    "RandomRotation", "RandomTransform", "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
    "Transform", "functional",
]
