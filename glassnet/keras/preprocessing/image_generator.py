"""``ImageDataGenerator``: Keras 2's real-time image augmentation and normalisation.

For each image of a batch the generator draws a random transform
(``get_random_transform``), applies it as one affine warp plus flips and a
brightness change (``apply_transform``), then normalises the result
(``standardize``: ``preprocessing_function``, ``rescale``, sample-wise and
feature-wise centring and scaling, ZCA whitening). ``flow`` and
``flow_from_directory`` return the iterators that do this batch after batch
(``image_iterators.py``).

The geometry is Keras's (``image_transform.keras_generator_matrix``):
rotation in degrees about the centre, shifts as a fraction of the size
(below 1) or in pixels, shear in degrees, zoom factors drawn from
``[1 - zoom_range, 1 + zoom_range]``. ``height_shift_range`` moves the
image vertically and ``width_shift_range`` horizontally, as Keras documents
(Keras 3's own generator swaps the two).
"""

import warnings

import numpy as np

from .image_io import check_data_format
from .image_iterators import DirectoryIterator, NumpyArrayIterator
from .image_transform import FILL_MODES, adjust_brightness, keras_generator_matrix, shift_channels, warp


def as_generator(seed):
    """A NumPy Generator from an int seed or a Generator; None draws one from NumPy's global state."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(np.random.randint(2**31 - 1) if seed is None else seed)


def _pair(value, what):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"ImageDataGenerator: {what} must be a float or a pair of floats, "
                         f"got {value!r}") from None
    return [low, high]


class ImageDataGenerator:
    """Random transforms and normalisation of image batches, with Keras's arguments and defaults."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0,
                 horizontal_flip=False, vertical_flip=False, rescale=None, preprocessing_function=None,
                 data_format=None, validation_split=0.0, interpolation_order=1, dtype=None):
        check_data_format(data_format, "ImageDataGenerator")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {list(FILL_MODES)}, "
                             f"got {fill_mode!r}")
        if interpolation_order not in (0, 1):
            raise ValueError("ImageDataGenerator: interpolation_order must be 0 (nearest) or 1 (bilinear), "
                             f"got {interpolation_order!r}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"ImageDataGenerator: validation_split must be in (0, 1), "
                             f"got {validation_split!r}")
        for name, value in (("rotation_range", rotation_range), ("shear_range", shear_range),
                            ("channel_shift_range", channel_shift_range)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"ImageDataGenerator: {name} must be a non-negative number, got {value!r}")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.channel_shift_range, self.fill_mode, self.cval = channel_shift_range, fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format, self.interpolation_order = "channels_last", interpolation_order
        self.dtype = dtype or "float32"
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        self.zoom_range = ([1 - zoom_range, 1 + zoom_range] if isinstance(zoom_range, (int, float))
                           else _pair(zoom_range, "zoom_range"))
        self.brightness_range = (None if brightness_range is None
                                 else _pair(brightness_range, "brightness_range"))
        self._imply_centering()

    def _imply_centering(self):
        """Keras's rules: dividing by a standard deviation implies subtracting the mean first."""
        if self.zca_whitening or self.featurewise_std_normalization:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn("ImageDataGenerator: zca_whitening / featurewise_std_normalization turn on "
                              "featurewise_center", stacklevel=3)
            if self.zca_whitening and self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("ImageDataGenerator: zca_whitening replaces featurewise_std_normalization",
                              stacklevel=3)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("ImageDataGenerator: samplewise_std_normalization turns on samplewise_center",
                          stacklevel=3)

    # ------------------------------------------------------------ iterators
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None, **prefetch):
        """Augmented batches of the arrays ``x`` (N, H, W, C) and ``y``.

        ``prefetch``: ``workers=`` (threads, default 1) and ``max_queue_size=``
        (batches made ahead, default 10), as Keras 3's ``PyDataset`` takes them.
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format, subset=subset,
                                  ignore_class_split=ignore_class_split, dtype=self.dtype, **prefetch)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix="", save_format="png", follow_links=False,
                            subset=None, interpolation="nearest", keep_aspect_ratio=False, **prefetch):
        """Augmented batches of the image files in ``directory``'s class subfolders (``prefetch``: as in
        ``flow``)."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format, follow_links=follow_links,
                                 subset=subset, interpolation=interpolation,
                                 keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype, **prefetch)

    def flow_from_dataframe(self, *args, **kwargs):
        raise NotImplementedError("ImageDataGenerator.flow_from_dataframe is not supported by "
                                  "glassnet.keras; sort the files into class subfolders and use "
                                  "flow_from_directory")

    # ------------------------------------------------------- normalisation
    def standardize(self, x):
        """``x`` (one image or a batch) normalised by the generator's settings, in Keras's order."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x = x * self.rescale
        if self.samplewise_center:
            x = x - np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (np.std(x, keepdims=True) + 1e-6)
        if self.featurewise_center:
            x = x - self._fitted("mean", "featurewise_center", x)
        if self.featurewise_std_normalization:
            x = x / (self._fitted("std", "featurewise_std_normalization", x) + 1e-6)
        if self.zca_whitening:
            matrix = self._fitted("zca_whitening_matrix", "zca_whitening", x)
            x = (x.reshape(-1, matrix.shape[0]) @ matrix).reshape(x.shape)
        return x

    def _fitted(self, attribute, option, x):
        value = getattr(self, attribute)
        if value is None:
            raise ValueError(f"ImageDataGenerator: {option}=True needs the statistics of the training "
                             "images; call .fit(x_train) first")
        return value.astype(x.dtype, copy=False) if x.dtype.kind == "f" else value

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the feature-wise mean, standard deviation (per channel) and ZCA matrix of ``x``.

        ``x`` is rescaled first (``rescale``), and with ``augment`` taken
        ``rounds`` times through random transforms, as in Keras.
        """
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("ImageDataGenerator.fit: x must have rank 4 (samples, height, width, "
                             f"channels), got shape {x.shape}")
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = as_generator(seed)
            x = np.stack([self.random_transform(image, rng) for _ in range(rounds) for image in x])
        channels = (1, 1, x.shape[-1])
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(channels)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(channels)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = x.reshape(len(x), -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(len(x)) / (s + self.zca_epsilon))) @ u.T

    # ------------------------------------------------------------ transforms
    @staticmethod
    def _shift(spec, size, rng):
        """A shift in pixels: Keras reads a float below 1 as a fraction of ``size``, an int n as an
        integer in (-n, n), a list as its values with a random sign."""
        if not spec:
            return 0.0
        if isinstance(spec, (list, tuple, np.ndarray)):
            shift = float(rng.choice(np.asarray(spec))) * rng.choice([-1, 1])
        elif isinstance(spec, (int, np.integer)):
            shift = float(rng.integers(-(spec - 1), spec))
        else:
            shift = rng.uniform(-spec, spec)
        return shift * size if np.max(np.abs(spec)) < 1 else shift

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image of ``img_shape`` (H, W, C); ``seed``: an int or a Generator."""
        rng = as_generator(seed)
        zoom = self.zoom_range
        zx, zy = (1.0, 1.0) if zoom[0] == zoom[1] == 1 else rng.uniform(zoom[0], zoom[1], 2)
        return {
            "theta": rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0.0,
            "tx": self._shift(self.height_shift_range, img_shape[0], rng),
            "ty": self._shift(self.width_shift_range, img_shape[1], rng),
            "shear": rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0.0,
            "zx": float(zx), "zy": float(zy),
            "flip_horizontal": bool(self.horizontal_flip and rng.random() < 0.5),
            "flip_vertical": bool(self.vertical_flip and rng.random() < 0.5),
            "channel_shift_intensity": (rng.uniform(-self.channel_shift_range, self.channel_shift_range)
                                        if self.channel_shift_range else None),
            "brightness": None if self.brightness_range is None else rng.uniform(*self.brightness_range),
        }

    def apply_transform(self, x, transform_parameters):
        """One image (H, W, C) transformed: warp, channel shift, flips, brightness (Keras's order).

        ``tx`` shifts rows and ``ty`` columns by that many pixels (the content
        moves up / left for positive values); ``theta`` and ``shear`` are in degrees.
        """
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError("ImageDataGenerator.apply_transform: expected one image (height, width, "
                             f"channels), got shape {x.shape}")
        p = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1, **transform_parameters}
        if (p["theta"], p["tx"], p["ty"], p["shear"], p["zx"], p["zy"]) != (0, 0, 0, 0, 1, 1):
            matrix = keras_generator_matrix(p["theta"], p["tx"], p["ty"], p["shear"], p["zx"], p["zy"],
                                            *x.shape[:2])
            interpolation = "bilinear" if self.interpolation_order == 1 else "nearest"
            x = warp(x[None], matrix[None], interpolation, self.fill_mode, self.cval)[0]
        if p.get("channel_shift_intensity") is not None:
            x = shift_channels(x, p["channel_shift_intensity"])
        if p.get("flip_horizontal"):
            x = x[:, ::-1]
        if p.get("flip_vertical"):
            x = x[::-1]
        if p.get("brightness") is not None:
            x = adjust_brightness(x, p["brightness"])
        return np.ascontiguousarray(x)

    def random_transform(self, x, seed=None):
        """One image with a random transform applied."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))
