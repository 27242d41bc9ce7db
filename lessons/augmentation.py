"""Lesson: data augmentation and dropout against overfitting on a small image folder.

*Deep Learning with Python* (chapter 8) trains a small convnet from scratch
on 2,000 pictures of dogs and cats. With so few images the network soon
learns the training set by heart: training accuracy climbs towards 100 %
while validation accuracy stalls, and the gap between the two is
overfitting. The book's cure is to make the training set look larger:

* **Data augmentation.** Every time an image is drawn for a batch it is
  randomly mirrored, rotated by a few degrees, shifted by a few pixels and
  zoomed a little. A mirrored coat is still a coat, so the label stays
  right, but the network never sees exactly the same pixels twice and
  cannot memorise them. Formally, each random transform T leaves the class
  unchanged, and training minimises the expected loss
  E_T[ loss(f(T(x)), y) ] over the training pairs (x, y) instead of
  loss(f(x), y), which builds the invariances (left/right, small shifts)
  into the model from the data.
* **Dropout** before the classifier (see ``lessons/dropout.py``): each
  feature is zeroed with probability p during training, so the classifier
  cannot lean on a few co-adapted features.

Neither adds information, so the effect is on the *gap*: the training
accuracy rises more slowly, and the validation accuracy stays close to it.

The data. No dogs-vs-cats images are available offline, so when no
``--folder`` is given this lesson builds a folder of the same layout from
real Fashion-MNIST pictures, standing in for dogs and cats: two classes
that look alike (by default shirt vs T-shirt/top), 1,000 training images
per class taken from the Fashion-MNIST training split and 500 validation
images per class taken from its test split, written as 28x28 grayscale PNG
files::

    workdir/train/shirt/00000.png ...      workdir/validation/shirt/...
    workdir/train/t-shirt_top/00000.png    workdir/validation/t-shirt_top/...

``--folder PATH`` takes any folder of that layout (for example Kaggle's
dogs-vs-cats split as in the book; ``--image-size`` and ``--color`` then
control the resizing and the channels). The folder is read with
``glassnet.data.ImageFolder``.

The model is the book's convnet shrunk to 28x28 inputs::

    Conv2d(C, 32, 3) + ReLU, MaxPool2d(2)      28 -> 26 -> 13
    Conv2d(32, 64, 3) + ReLU, MaxPool2d(2)     13 -> 11 -> 5
    Conv2d(64, 64, 3) + ReLU                    5 -> 3
    Flatten, [Dropout(0.5)], Linear(576, number of classes)

It is trained twice from the same initial weights, with Adam (lr 1e-3,
batch 32): once plainly, once with RandomHorizontalFlip, RandomRotation
(10 degrees), RandomTranslation (10 %) and RandomZoom (10 %) applied to
each batch by the DataLoader, and with the dropout layer. After every epoch
the training accuracy is measured on the *un-augmented* training images
with dropout off, so that the smaller gap is not just the augmented images
being harder to classify.

The default run (20 epochs each, about 4.5 minutes here) shows both halves
of the story. Plain, the network reaches 96.1 % on its training images but
85.8 % on validation, a gap of 10.3 points that keeps widening. With
augmentation and dropout the gap is 1.5 points (83.3 % against 81.8 %):
the overfitting is gone, but in 20 epochs the regularised model has not
yet caught up on validation accuracy; it fits more slowly, which is why
the book trains its augmented model for 100 epochs instead of 30. Less
overfitting is not automatically better accuracy. ``--plot out.png`` draws
the four accuracy curves (needs matplotlib).

Run:  python lessons/augmentation.py [--folder PATH] [--workdir DIR] [--epochs 20] [--plot out.png]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, ImageFolder, TensorDataset
from glassnet.data import transforms as T
from glassnet.data.datasets import fashion_mnist

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lenet_fashion import accuracy  # noqa: E402  (the convnet lessons' accuracy loop)

FASHION_CLASSES = ("t-shirt_top", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle_boot")


def build_folder(root, classes=("shirt", "t-shirt_top"), train_per_class=1000, validation_per_class=500):
    """Write real Fashion-MNIST images of ``classes`` as PNG files in a dogs-vs-cats style folder.

    Training images come from the Fashion-MNIST training split (the first
    ``train_per_class`` of each class), validation images from its test
    split, so the two never share a picture. Returns ``root``.
    """
    from PIL import Image  # Pillow is what ImageFolder reads the files back with

    root = Path(root)
    labels = [FASHION_CLASSES.index(name) for name in classes]
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    for split, images, targets, per_class in (("train", x_train, y_train, train_per_class),
                                               ("validation", x_test, y_test, validation_per_class)):
        for name, label in zip(classes, labels):
            chosen = np.flatnonzero(targets == label)[:per_class]
            if len(chosen) < per_class:
                raise ValueError(f"Fashion-MNIST's {split} split has only {len(chosen)} images of {name}")
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for k, index in enumerate(chosen):
                Image.fromarray(images[index], mode="L").save(folder / f"{k:05d}.png")
    return root


def load_folder(root, image_size=28, grayscale=True):
    """``(train, validation, classes)``: the folder's two splits as float arrays (N, C, H, W) in [0, 1]."""
    root = Path(root)
    train = ImageFolder(root / "train", image_size=image_size, grayscale=grayscale)
    validation = ImageFolder(root / "validation", image_size=image_size, grayscale=grayscale)
    if train.classes != validation.classes:
        raise ValueError(f"train/ has the classes {train.classes} but validation/ has {validation.classes}")
    return train.to_arrays(), validation.to_arrays(), train.classes


def build_model(in_channels, num_classes, image_size=28, dropout=0.0):
    side = ((image_size - 2) // 2 - 2) // 2 - 2  # three unpadded 3x3 convolutions, two 2x2 pools
    layers = [
        nn.Conv2d(in_channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
    ]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(64 * side * side, num_classes))
    return nn.Sequential(*layers)


def augmentation(seed):
    # Horizontal flips suit clothes and pets alike; a vertical flip would not (no upside-down cats).
    return T.Compose([
        T.RandomHorizontalFlip(seed=seed),
        T.RandomRotation(10, seed=seed + 1),
        T.RandomTranslation(0.1, seed=seed + 2),
        T.RandomZoom(0.1, seed=seed + 3),
    ])


def train(model, train, validation, epochs, lr, batch_size, transform, seed, label):
    loader = DataLoader(TensorDataset(*train), batch_size, shuffle=True, transform=transform, seed=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    curves = {"train_accuracy": [], "validation_accuracy": [], "train_loss": []}
    for epoch in range(epochs):
        model.train()
        loss_sum = 0.0
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
        curves["train_loss"].append(loss_sum / len(train[1]))
        curves["train_accuracy"].append(accuracy(model, *train))
        curves["validation_accuracy"].append(accuracy(model, *validation))
        print(f"  {label:>12} epoch {epoch + 1:3d}: loss {curves['train_loss'][-1]:.3f}, "
              f"train acc {curves['train_accuracy'][-1]:.3f}, "
              f"validation acc {curves['validation_accuracy'][-1]:.3f}")
    curves["gap"] = curves["train_accuracy"][-1] - curves["validation_accuracy"][-1]
    return curves


def plot(result, path):
    from matplotlib.figure import Figure  # optional: only --plot needs matplotlib
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    epochs = np.arange(1, len(result["plain"]["train_accuracy"]) + 1)
    for name, colour in (("plain", "tab:red"), ("augmented", "tab:blue")):
        ax.plot(epochs, result[name]["train_accuracy"], "--", color=colour, label=f"{name}: train")
        ax.plot(epochs, result[name]["validation_accuracy"], "-", color=colour, label=f"{name}: validation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{' vs '.join(result['classes'])}: augmentation + dropout narrow the gap")
    ax.legend()
    fig.savefig(path, dpi=100)
    return path


def run(folder=None, workdir=None, epochs=20, train_per_class=1000, validation_per_class=500,
        classes=("shirt", "t-shirt_top"), image_size=28, grayscale=True, lr=1e-3, batch_size=32,
        dropout=0.5, seed=0, plot_path=None):
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glassnet-augmentation-") as tmp:
        if folder is None:
            folder = build_folder(workdir or tmp, classes, train_per_class, validation_per_class)
            print(f"built {folder} from real Fashion-MNIST images (standing in for dogs vs cats): "
                  f"{' vs '.join(classes)}, {train_per_class} training and {validation_per_class} "
                  "validation PNGs per class")
        train_data, validation_data, names = load_folder(folder, image_size, grayscale)
    channels = train_data[0].shape[1]
    print(f"ImageFolder: {len(train_data[1])} training and {len(validation_data[1])} validation images, "
          f"classes {names}, shape {train_data[0].shape[1:]}; chance is {1 / len(names):.0%}")
    result = {"classes": names, "train_size": len(train_data[1]), "validation_size": len(validation_data[1])}
    for key, transform, p in (("plain", None, 0.0), ("augmented", augmentation(seed), dropout)):
        label = "plain" if key == "plain" else f"aug+drop{p}"
        glassnet.manual_seed(seed)  # both models start from the same weights
        model = build_model(channels, len(names), image_size, p)
        if key == "plain":
            print(f"convnet with {sum(q.numel() for q in model.parameters()):,} parameters, Adam lr {lr}, "
                  f"batch {batch_size}, {epochs} epochs")
        result[key] = train(model, train_data, validation_data, epochs, lr, batch_size, transform, seed,
                            label)
    result["seconds"] = time.perf_counter() - start
    print(f"  {'':>22} {'train acc':>9} {'val acc':>9} {'gap':>7}")
    for key, name in (("plain", "plain"), ("augmented", "augmentation + dropout")):
        r = result[key]
        print(f"  {name:>22} {r['train_accuracy'][-1]:9.3f} {r['validation_accuracy'][-1]:9.3f} "
              f"{r['gap']:7.3f}")
    print(f"train-validation gap {result['plain']['gap']:.3f} -> {result['augmented']['gap']:.3f} "
          f"with augmentation and dropout ({result['seconds']:.0f} s)")
    if plot_path:
        print(f"wrote {plot(result, plot_path)}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Data augmentation and dropout on a small image folder")
    parser.add_argument("--folder", default=None,
                        help="a folder with train/ and validation/ subfolders, one subfolder per class; "
                             "default: build one from real Fashion-MNIST images")
    parser.add_argument("--workdir", default=None,
                        help="where to build the Fashion-MNIST folder (default: a temporary folder)")
    parser.add_argument("--classes", nargs="+", default=["shirt", "t-shirt_top"], choices=FASHION_CLASSES,
                        help="Fashion-MNIST classes for the built folder")
    parser.add_argument("--train-per-class", type=int, default=1000)
    parser.add_argument("--validation-per-class", type=int, default=500)
    parser.add_argument("--image-size", type=int, default=28, help="images are resized to this square")
    parser.add_argument("--color", action="store_true", help="keep three colour channels (default: gray)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None,
                        help="save the accuracy curves to this PNG (needs matplotlib)")
    args = parser.parse_args(argv)
    return run(args.folder, args.workdir, args.epochs, args.train_per_class, args.validation_per_class,
               tuple(args.classes), args.image_size, not args.color, args.lr, args.batch_size, args.dropout,
               args.seed, args.plot)


if __name__ == "__main__":
    main()
