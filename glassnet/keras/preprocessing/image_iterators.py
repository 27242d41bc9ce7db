"""The batches of ``ImageDataGenerator.flow`` and ``flow_from_directory``: endless, indexable, prefetched.

An iterator is a ``BatchSequence`` (``len`` = batches per epoch, ``it[i]``
= batch ``i``), so ``fit``/``evaluate``/``predict`` take it as ``x``, and
it is a Python iterator that never stops (``next(it)``), as in Keras.

Each batch is a pure function of ``(seed, epoch, index)``: the epoch's
sample order comes from a generator seeded with ``(seed, epoch)``, and the
random transforms of batch ``i`` from one seeded with ``(seed, epoch,
i)``. So a seeded iterator gives the same batches in every run, whatever
thread made them and in whatever order. Without a seed, one is drawn from
NumPy's global generator (``np.random.seed`` and
``keras.utils.set_random_seed`` make such runs repeatable too).

``workers`` threads (Keras 2's default, 1) make the next ``max_queue_size``
batches while the model trains on this one; ``workers=0`` makes each batch
when it is asked for. Pillow releases the GIL while it decodes and resizes,
and so does NumPy in the warp's arithmetic, so the threads overlap with
training.
"""

import math
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...data.sequence import BatchSequence
from .image_io import array_to_img, check_data_format, check_size, img_to_array, index_directory, load_img

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


def check_positive_int(value, what, who, allow_zero=False):
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
          and value >= (0 if allow_zero else 1))
    if not ok:
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{who}: {what} must be {kind} int, got {value!r}")
    return int(value)


class ImageBatches(BatchSequence):
    """Batches of ``n`` samples, shuffled each epoch; subclasses make one batch from its sample indices."""

    who = "Iterator"

    def __init__(self, n, batch_size, shuffle, seed, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.n = n
        self.batch_size = check_positive_int(batch_size, "batch_size", self.who)
        self.shuffle, self.seed = bool(shuffle), seed
        self._base_seed = int(np.random.randint(2**31 - 1)) if seed is None else int(seed)
        self.epoch, self.batch_index, self.total_batches_seen = 0, 0, 0
        self.index_array = None
        self._lock = threading.Lock()
        self._pool, self._pending = None, {}
        self.prefetch(workers, max_queue_size, use_multiprocessing)

    # ----------------------------------------------------- order and length
    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def _set_index_array(self):
        if self.shuffle:
            self.index_array = np.random.default_rng([self._base_seed, self.epoch]).permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def on_epoch_end(self):
        """A new epoch: a new order (if shuffling) and new random transforms."""
        with self._lock:
            self.epoch += 1
            for future in self._pending.values():
                future.cancel()
            self._pending = {}
            self._set_index_array()
            if self.workers:  # the next epoch's first batches are known now: start on them
                self._schedule(range(min(self.max_queue_size, len(self))))

    # ------------------------------------------------------------- batches
    def _check_index(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{self.who}: batches are indexed by int, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"{self.who}: asked for batch {index} of {len(self)} "
                             f"(batch_size={self.batch_size}, {self.n} samples)")
        return int(index) % len(self)

    def _job(self, index):
        """What batch ``index`` of this epoch is made from: its sample indices and its random generator."""
        rows = self.index_array[index * self.batch_size:(index + 1) * self.batch_size]
        return rows, np.random.default_rng([self._base_seed, self.epoch, index, 1])

    def _schedule(self, indices):
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="glassnet-images")
        for i in indices:
            if i not in self._pending:
                self._pending[i] = self._pool.submit(self._get_batches_of_transformed_samples, *self._job(i))

    def __getitem__(self, index):
        index = self._check_index(index)
        with self._lock:
            self.total_batches_seen += 1
            if self.index_array is None:
                self._set_index_array()
            if not self.workers:
                job = self._job(index)
            else:
                self._schedule(range(index, min(index + self.max_queue_size, len(self))))
                future = self._pending.pop(index)
        return self._get_batches_of_transformed_samples(*job) if not self.workers else future.result()

    def _get_batches_of_transformed_samples(self, index_array, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def prefetch(self, workers=1, max_queue_size=10, use_multiprocessing=False):
        """Change how many threads make batches ahead, and how many (Keras 2's ``fit`` arguments)."""
        self.close()
        self.workers = check_positive_int(workers, "workers", self.who, allow_zero=True)
        self.max_queue_size = check_positive_int(max_queue_size, "max_queue_size", self.who)
        if use_multiprocessing:
            raise ValueError(f"{self.who}: use_multiprocessing=True is not supported; batches are made by "
                             "workers=N threads (Pillow and NumPy release the GIL while they work)")
        with self._lock:
            self._pending = {}
        return self

    def close(self):
        """Stop the worker threads (also done when the iterator is garbage collected)."""
        pool, self._pool = getattr(self, "_pool", None), None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __del__(self):
        self.close()


class KerasIterator(ImageBatches):
    """Keras's ``Iterator``: also a Python iterator that never stops, as ``flow`` gives them."""

    def reset(self):
        """``next()`` starts again from the first batch of the current order."""
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        """The next batch; after the last one of an epoch, the first of a new one (it never stops)."""
        with self._lock:
            index = self.batch_index
            self.batch_index = (index + 1) % len(self) if len(self) else 0
        batch = self[index]
        if index == len(self) - 1:
            self.on_epoch_end()
        return batch

    # -------------------------------------------------------------- helpers
    def _augment(self, x, rng):
        """One image through the generator's random transform and standardisation."""
        generator = self.image_data_generator
        if generator is None:
            return x
        params = generator.get_random_transform(x.shape, rng)
        return generator.standardize(generator.apply_transform(x, params))

    def _save(self, batch_x, index_array, rng):
        if not self.save_to_dir:
            return
        for x, j in zip(batch_x, index_array):
            name = f"{self.save_prefix}_{j}_{rng.integers(10**7)}.{self.save_format}"
            array_to_img(x, scale=True).save(os.path.join(self.save_to_dir, name))


class NumpyArrayIterator(KerasIterator):
    """``ImageDataGenerator.flow``: batches of ``x`` (N, H, W, C), augmented, with ``y`` and weights."""

    who = "flow"

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None,
                 seed=None, data_format=None, save_to_dir=None, save_prefix="", save_format="png",
                 subset=None, ignore_class_split=False, dtype="float32", workers=1, use_multiprocessing=False,
                 max_queue_size=10):
        check_data_format(data_format, "flow")
        if isinstance(x, (list, tuple)):
            raise TypeError("flow: x must be one array of images (N, height, width, channels); a list of "
                            "arrays (images plus other inputs) is not supported")
        x = np.asarray(x, dtype=dtype)
        if x.ndim != 4:
            raise ValueError(f"flow: x must have rank 4 (samples, height, width, channels), "
                             f"got shape {x.shape}")
        y = None if y is None else np.asarray(y)
        weights = None if sample_weight is None else np.asarray(sample_weight)
        for name, other in (("y", y), ("sample_weight", weights)):
            if other is not None and len(other) != len(x):
                raise ValueError(f"flow: x and {name} must have the same length; got x of shape {x.shape} "
                                 f"and {name} of shape {other.shape}")
        if subset is not None:
            x, y, weights = self._split(x, y, weights, subset, image_data_generator, ignore_class_split)
        self.x, self.y, self.sample_weight, self.dtype = x, y, weights, dtype
        self.image_data_generator = image_data_generator
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(len(x), batch_size, shuffle, seed, workers, use_multiprocessing, max_queue_size)

    @staticmethod
    def _split(x, y, weights, subset, generator, ignore_class_split):
        """Keras's split: the first ``validation_split`` of the samples are the validation subset."""
        if subset not in ("training", "validation"):
            raise ValueError(f"flow: subset must be 'training' or 'validation', got {subset!r}")
        at = int(len(x) * generator._validation_split)
        same_classes = y is None or np.array_equal(np.unique(y[:at]), np.unique(y[at:]))
        if not (same_classes or ignore_class_split):
            raise ValueError("flow: the training and validation subsets hold different classes after the "
                             f"split at sample {at}; shuffle the arrays first if they are sorted by label, "
                             "or pass ignore_class_split=True")
        part = slice(None, at) if subset == "validation" else slice(at, None)
        return x[part], None if y is None else y[part], None if weights is None else weights[part]

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = self._augment(self.x[j].copy(), rng)
        self._save(batch_x, index_array, rng)
        if self.y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, self.y[index_array]
        return batch_x, self.y[index_array], self.sample_weight[index_array]


class DirectoryIterator(KerasIterator):
    """``ImageDataGenerator.flow_from_directory``: batches of the image files under class subfolders."""

    who = "flow_from_directory"
    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", follow_links=False,
                 subset=None, interpolation="nearest", keep_aspect_ratio=False, dtype="float32", workers=1,
                 use_multiprocessing=False, max_queue_size=10):
        who = self.who
        check_data_format(data_format, who)
        self.target_size = check_size(target_size, "target_size", who)
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}
        if color_mode not in channels:
            raise ValueError(f"{who}: color_mode must be 'rgb', 'rgba' or 'grayscale', got {color_mode!r}")
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"{who}: class_mode must be one of {list(self.allowed_class_modes)}, "
                             f"got {class_mode!r}")
        self.color_mode, self.class_mode, self.dtype = color_mode, class_mode, dtype
        self.image_shape = self.target_size + (channels[color_mode],)
        self.interpolation, self.keep_aspect_ratio = interpolation, keep_aspect_ratio
        self.image_data_generator, self.directory, self.subset = image_data_generator, directory, subset
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        split = self._split_range(subset, image_data_generator)
        names, filenames, labels = index_directory(directory, classes, IMAGE_EXTENSIONS, follow_links, who)
        self.filenames, keep = [], []
        for label in range(len(names)):  # Keras splits each class's own sorted files
            of_class = np.flatnonzero(labels == label)
            if split:
                of_class = of_class[int(split[0] * len(of_class)):int(split[1] * len(of_class))]
            keep += list(of_class)
        self.filenames = [filenames[k] for k in keep]
        self.classes = labels[keep].astype(np.int32)
        self.class_indices = {name: i for i, name in enumerate(names)}
        self.num_classes, self.samples = len(names), len(self.filenames)
        if class_mode == "binary" and self.num_classes > 2:
            raise ValueError(f"{who}: class_mode='binary' needs at most two classes, found "
                             f"{self.num_classes} ({names}); use class_mode='categorical' or 'sparse'")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        if not self.samples:
            warnings.warn(f"{who}: no images ({', '.join(IMAGE_EXTENSIONS)}) in {directory!r}; the layout is "
                          f"{directory}/<class name>/<image files>", stacklevel=3)
        self._filepaths = [os.path.join(directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed, workers, use_multiprocessing,
                         max_queue_size)

    def _split_range(self, subset, generator):
        if subset is None:
            return None
        if subset not in ("training", "validation"):
            raise ValueError(f"{self.who}: subset must be 'training' or 'validation', got {subset!r}")
        fraction = generator._validation_split
        if not fraction:
            raise ValueError(f"{self.who}: subset={subset!r} needs ImageDataGenerator(validation_split=...)")
        return (0.0, fraction) if subset == "validation" else (fraction, 1.0)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _get_batches_of_transformed_samples(self, index_array, rng):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            batch_x[i] = self._augment(img_to_array(img, dtype=self.dtype), rng)
        self._save(batch_x, index_array, rng)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[index_array].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
            return batch_x, batch_y
        return batch_x
