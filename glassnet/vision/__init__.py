"""``torchvision`` for glassnet: ``import glassnet.vision as torchvision``.

* ``datasets``: MNIST, FashionMNIST, CIFAR10, ImageFolder, DatasetFolder;
  items are (PIL image, label), as in torchvision;
* ``transforms``: per-image transforms of PIL images and Tensors
  (``transforms.functional`` for the operations themselves);
* ``io``: ``read_image`` and friends; ``utils``: ``make_grid``, ``save_image``;
* ``models``: glassnet's model zoo (``glassnet.models``), torchvision's names.

Needs Pillow (``pip install pillow``). See docs/vision.md.
"""

from .. import models
from . import datasets, io, transforms, utils

__all__ = ["datasets", "io", "models", "transforms", "utils"]
