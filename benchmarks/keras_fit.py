"""The Keras book's MNIST networks through glassnet.keras against glassnet's own ``fit``.

One epoch (60,000 images, batch 128, RMSprop, categorical cross-entropy on
one-hot labels, accuracy tracked) of:

* ``dense``: chapter 2's Dense(512, relu) -> Dense(10, softmax);
* ``convnet``: chapter 5's Conv2D(32) -> MaxPooling2D -> Conv2D(64) ->
  MaxPooling2D -> Conv2D(64) -> Flatten -> Dense(64) -> Dense(10), on a
  10,000-image subset (channels last in Keras, channels first in glassnet).

``keras:`` builds the model with ``glassnet.keras`` exactly as the book
does; ``glassnet:`` builds the same network from ``glassnet.nn`` and calls
``nn.Module.fit``; ``keras3:`` is the same book code on real Keras 3 with
its PyTorch backend (skipped when keras is not installed). Separate
processes, interleaved (see harness.py). Needs the real MNIST
(``GLASSNET_DATA``).

    python benchmarks/keras_fit.py [--threads 2] [--rounds 5] [--only dense] [--no-keras3]
        [--baseline ../other-checkout]

``--baseline DIR`` adds glassnet's and glassnet.keras's timings on the
glassnet package of another checkout, in the same interleaved run.
"""

import argparse
import contextlib
import importlib.util
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import compare, report, with_baseline  # noqa: E402

BATCH = 128


def _mnist(images, channels_last):
    from glassnet.data.datasets import mnist
    from glassnet.keras.utils import to_categorical

    (x, y), _ = mnist.load_data()
    x, y = x[:images].astype("float32") / 255, to_categorical(y[:images])
    if images < 60000:  # the convnet: images with a channel axis
        return (x[..., None] if channels_last else x[:, None]), y
    return x.reshape(len(x), -1), y


def _keras_model(network, keras):
    layers, models = keras.layers, keras.models
    model = models.Sequential()
    if network == "dense":
        model.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
        model.add(layers.Dense(10, activation="softmax"))
        return model
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def _glassnet_model(network):
    from glassnet import nn

    if network == "dense":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax(dim=1))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 3 * 3, 64), nn.ReLU(),
        nn.Linear(64, 10), nn.Softmax(dim=1))


def make(name, threads):
    import glassnet

    front, network = name.split(":")
    glassnet.manual_seed(0)
    x, y = _mnist(60000 if network == "dense" else 10000, channels_last=front != "glassnet")
    if front == "keras3":
        os.environ["KERAS_BACKEND"] = "torch"
        import keras
        import torch

        torch.set_num_threads(threads)
        model = _keras_model(network, keras)
    elif front == "keras":
        from glassnet import keras

        model = _keras_model(network, keras)
    else:
        model = _glassnet_model(network)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])

    def epoch():
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)

    return epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=["dense", "convnet"], choices=["dense", "convnet"])
    parser.add_argument("--no-keras3", action="store_true", help="leave out real Keras on torch")
    parser.add_argument("--baseline", help="another checkout whose glassnet runs beside this one")
    args = parser.parse_args()
    with_keras3 = not args.no_keras3 and importlib.util.find_spec("keras") is not None
    for network in args.only:
        names = [f"glassnet:{network}", f"keras:{network}"] + ([f"keras3:{network}"] if with_keras3 else [])
        names = with_baseline(names, args.baseline, prefixes=("glassnet", "keras:"))
        samples = compare("keras_fit:make", names, rounds=args.rounds, reps=1, warmup=1, threads=args.threads)
        report(f"MNIST {network}, one epoch, batch {BATCH}, {args.threads} threads", samples,
               baseline=names[0], unit_scale=1.0, unit="s")


if __name__ == "__main__":
    main()
