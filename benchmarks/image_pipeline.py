"""Does reading and augmenting images keep up with training? ``flow_from_directory`` with 0 and N workers.

A folder of 150x150 JPEG files in two class subfolders (real Fashion-MNIST
sneakers and ankle boots, upscaled, when ``GLASSNET_DATA`` has them; else
random textures) is read by the book's augmenting generator (section 5.2:
rescale, rotation 40, shifts and shear 0.2, zoom 0.2, horizontal flips),
in batches of 20. Timed, each in its own process and interleaved
(harness.py), one epoch per repetition:

* ``data:w0`` / ``data:wN``: the batches alone, made in the calling thread
  (``workers=0``) or by N prefetching threads;
* ``epoch:w0`` / ``epoch:wN``: ``model.fit(generator, epochs=1)`` of a small
  convnet (``--model book``: the book's 3.5-million-parameter one);
* ``epoch:arrays``: the same epoch on the images already decoded in memory,
  the floor that no data pipeline can beat.

    python benchmarks/image_pipeline.py [--images 200] [--workers 2] [--rounds 5] [--model small|book]
"""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report  # noqa: E402

SIZE, BATCH = 150, 20
FOLDER_ENV = "GLASSNET_IMAGE_PIPELINE_DIR"


def write_folder(root, images):
    """``images`` JPEGs of 150x150 in root/<class>/; returns a line saying what they are."""
    import numpy as np
    from PIL import Image

    data = os.environ.get("GLASSNET_DATA")
    if data and os.path.isdir(os.path.join(data, "fashion-mnist")):
        from glassnet.keras.datasets import fashion_mnist

        (x, y), _ = fashion_mnist.load_data()
        pictures = {"sneaker": x[y == 7], "ankle_boot": x[y == 9]}
        what = "real Fashion-MNIST sneakers and ankle boots, upscaled"
    else:  # no data here: textures of the same size and format
        rng = np.random.default_rng(0)
        pictures = {name: rng.integers(0, 256, (images, 28, 28), dtype=np.uint8) for name in ("a", "b")}
        what = "random 28x28 textures, upscaled (Fashion-MNIST not found)"
    for name, stack in pictures.items():
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for k in range(images // 2):
            img = Image.fromarray(stack[k]).convert("RGB").resize((SIZE, SIZE), Image.Resampling.BICUBIC)
            img.save(os.path.join(root, name, f"{name}.{k}.jpg"), quality=90)
    return what


def _generator(workers):
    from glassnet.keras.preprocessing.image import ImageDataGenerator

    datagen = ImageDataGenerator(rescale=1. / 255, rotation_range=40, width_shift_range=0.2,
                                 height_shift_range=0.2, shear_range=0.2, zoom_range=0.2,
                                 horizontal_flip=True)
    return datagen.flow_from_directory(os.environ[FOLDER_ENV], target_size=(SIZE, SIZE), batch_size=BATCH,
                                       class_mode="binary", seed=0, workers=workers)


def _model(kind):
    from glassnet.keras import layers, models, optimizers

    model = models.Sequential()
    model.add(layers.Conv2D(16 if kind == "small" else 32, (3, 3), activation="relu",
                            input_shape=(SIZE, SIZE, 3)))
    model.add(layers.MaxPooling2D((2, 2)))
    blocks = (32,) if kind == "small" else (64, 128, 128)
    for filters in blocks:
        model.add(layers.Conv2D(filters, (3, 3), activation="relu"))
        model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Flatten())
    if kind == "book":
        model.add(layers.Dropout(0.5))
        model.add(layers.Dense(512, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer=optimizers.RMSprop(lr=1e-4), metrics=["acc"])
    return model


def workload(name, threads):
    """One epoch of ``name`` = 'data:wN', 'epoch:wN' or 'epoch:arrays' (model kind from the environment).

    Each epoch starts from a fresh iterator, so no batch is made ahead while
    the harness waits between repetitions (that would flatter the workers).
    """
    import contextlib
    import io

    import numpy as np

    part, _, how = name.partition(":")
    workers = 0 if how == "arrays" else int(how[1:])

    def fresh_iterator():
        with contextlib.redirect_stdout(io.StringIO()):  # flow_from_directory's "Found N images" line
            return _generator(workers)

    if part == "data":
        def one_epoch_of_batches():
            iterator = fresh_iterator()
            for i in range(len(iterator)):
                iterator[i]

        return one_epoch_of_batches
    model = _model(os.environ.get("GLASSNET_IMAGE_PIPELINE_MODEL", "small"))
    if how == "arrays":
        iterator = fresh_iterator()
        batches = [iterator[i] for i in range(len(iterator))]
        x, y = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
        return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    return lambda: model.fit(fresh_iterator(), epochs=1, verbose=0)


def cpu_seconds(names, repeats=3):
    """CPU time of one epoch of each workload, with one BLAS thread (whose spinning would count too):
    what the work costs, whatever else the machine runs. Medians of ``repeats`` after a warm-up."""
    import time

    from threadpoolctl import threadpool_limits

    costs = {}
    with threadpool_limits(1):
        for name in names:
            step = workload(name, 1)
            step()
            times = []
            for _ in range(repeats):
                start = time.process_time()
                step()
                times.append(time.process_time() - start)
            costs[name] = statistics.median(times)
    return costs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200, help="JPEG files in the folder (two classes)")
    parser.add_argument("--workers", type=int, default=2, help="prefetching threads of the wN runs")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads per process")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", choices=("small", "book"), default="small")
    args = parser.parse_args(argv)
    n = args.workers
    names = ["epoch:arrays", "epoch:w0", f"epoch:w{n}", "data:w0", f"data:w{n}"]
    with tempfile.TemporaryDirectory(prefix="glassnet-image-pipeline-") as root:
        what = write_folder(root, args.images)
        os.environ[FOLDER_ENV] = root
        os.environ["GLASSNET_IMAGE_PIPELINE_MODEL"] = args.model
        print(f"{args.images} JPEGs of {SIZE}x{SIZE} ({what}), batches of {BATCH}, the book's augmentation; "
              f"{args.model} convnet; {args.threads} BLAS threads")
        samples = compare("image_pipeline:workload", names, rounds=args.rounds, reps=1, warmup=1,
                          threads=args.threads)
        cpu = cpu_seconds(["data:w0", "epoch:arrays"])
    rows = report(f"one epoch of {args.images} images (medians of {args.rounds})", samples, "epoch:arrays",
                  unit_scale=1.0, unit="s")
    med = {name: statistics.median(times) for name, times in samples.items()}
    print(f"\ndata alone / epoch, 0 workers: {med['data:w0'] / med['epoch:w0']:.2f}")
    print(f"data alone with {n} workers / with 0: {med[f'data:w{n}'] / med['data:w0']:.2f}")
    print(f"epoch with {n} workers / with 0: {med[f'epoch:w{n}'] / med['epoch:w0']:.2f}")
    print(f"epoch with {n} workers / on decoded arrays: {med[f'epoch:w{n}'] / med['epoch:arrays']:.2f}")
    print(f"CPU seconds per epoch, one BLAS thread: data alone {cpu['data:w0']:.2f}, training on decoded "
          f"arrays {cpu['epoch:arrays']:.2f}; ratio {cpu['data:w0'] / cpu['epoch:arrays']:.2f}")
    return rows


if __name__ == "__main__":
    main()
