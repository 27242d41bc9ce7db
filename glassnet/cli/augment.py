"""Shifted copies of the training images: cheap data augmentation for small image sets.

A digit moved by one pixel is still the same digit, but to a dense layer it
is a different input: every weight sees new pixels. Showing each training
image at a random one-pixel offset every epoch teaches the model that
position hardly matters; on the embedded digits this lifts an MLP from about
97 % to about 98 % test accuracy for the same training time. Test images are
never shifted.
"""

import numpy as np

from ..data import Dataset
from ..data._random import as_generator

# no move, then one pixel down, up, right, left: (rows, columns)
OFFSETS = np.array([(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)])


def shift_images(images, offsets):
    """Each image (N, H, W) moved by its own ``(dy, dx)`` in {-1, 0, 1}; pixels shifted in are 0."""
    n, height, width = images.shape
    padded = np.zeros((n, height + 2, width + 2), images.dtype)
    padded[:, 1:-1, 1:-1] = images
    # Output pixel (r, c) reads padded (r + 1 - dy, c + 1 - dx): one fancy index for the whole batch.
    rows = (1 - offsets[:, 0])[:, None, None] + np.arange(height)[None, :, None]
    cols = (1 - offsets[:, 1])[:, None, None] + np.arange(width)[None, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols]


class ShiftedImages(Dataset):
    """``(image, label)`` pairs where each batch's images get random one-pixel shifts."""

    def __init__(self, images, labels, generator=None):
        if images.ndim != 3:
            raise ValueError(f"ShiftedImages: expected images of shape (N, H, W), got {images.shape}")
        self.images, self.labels = images, labels
        # None: glassnet's global generator, looked up per batch so that manual_seed applies.
        self.generator = None if generator is None else as_generator(generator)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        images, labels = self.get_batch(np.array([index]))
        return images[0], labels[0]

    def get_batch(self, indices):
        rng = as_generator(self.generator)
        offsets = OFFSETS[rng.integers(0, len(OFFSETS), len(indices))]
        return shift_images(self.images[indices], offsets), self.labels[indices]
