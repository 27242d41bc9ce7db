"""Lesson: what a convnet learns - its first-layer filters and its feature maps.

*Deep Learning with Python* (chapter 9) opens a trained convnet and looks
inside. Two views are easy to draw:

* **The filters of the first layer.** A Conv2d(1, 16, 5) holds 16 weight
  arrays of 5x5, and each output map is the input correlated with one of
  them: y[i, j] = b + sum_{u, v} w[u, v] * x[i + u, j + v]. A 5x5 filter
  is itself a small image; drawn as one it shows the pattern it responds
  to most (for a patch of fixed brightness the response is largest when
  the patch is proportional to w). Before training the weights are
  independent random numbers, noise; after training on digits they become
  smooth strokes and edge detectors: a bright band beside a dark band
  fires where the image changes from ink to paper in one direction.
* **The feature maps (activations).** Pushing one image through the
  network layer by layer shows, for every channel, where its filter fired.
  The first layer's maps still look like the digit, each highlighting some
  edges; after pooling and the second convolution the 8x8 maps are coarse
  and abstract, reacting to combinations of strokes rather than pixels.

"Smooth" can be measured. For a filter w, the correlation between each
weight and its right-hand and lower neighbour,

    rho = corr( (w[u, v], w[u, v + 1]) and (w[u, v], w[u + 1, v]) over all u, v ),

is about 0 for random weights (independent draws; with only 25 weights
per filter the estimate comes out slightly negative, about -0.1) and
clearly positive for filters that are strokes or edges, where neighbouring
weights share a sign.
The lesson prints rho before and after training, averaged over the 16
filters, and how far training moved the filters, ||W - W0|| / ||W0||.

The network (18,378 parameters) is trained briefly: 2 epochs of Adam
(lr 1e-3, batch 64) over the 60,000 real MNIST training images. The default
run reaches 98.4 % test accuracy; the filters move by their own initial
size (||W - W0|| / ||W0|| = 1.0) and rho goes from -0.12 (random) to +0.33.
It takes about 1.5 to 2.5 minutes here, depending on the load;
``--train-size 10000 --epochs 1`` takes seconds and gives blurrier
pictures. They are no textbook Gabor filters: 5x5 is small and two epochs
are few, and digits only need strokes. glassnet modules have no
forward hooks, so the activations are collected by running the
Sequential's layers one at a time. The PNG files are drawn with matplotlib
(``matplotlib.figure.Figure``, no screen needed) into ``--out``.

Run:  python lessons/visualize_filters.py [--out DIR] [--epochs 2] [--train-size N]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset

# The data and the accuracy loop are the other convnet lessons' own.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lenet_fashion import accuracy  # noqa: E402
from mnist_convnet import load_data  # noqa: E402


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),    # 28 -> 24 -> 12
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),   # 12 -> 8 -> 4
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def neighbour_correlation(filters):
    """Mean over filters of the correlation between horizontally and vertically adjacent weights."""
    rhos = []
    for w in filters.reshape(-1, *filters.shape[-2:]):
        first = np.concatenate([w[:, :-1].ravel(), w[:-1, :].ravel()])
        second = np.concatenate([w[:, 1:].ravel(), w[1:, :].ravel()])
        rhos.append(np.corrcoef(first, second)[0, 1])
    return float(np.mean(rhos))


def activations(model, image):
    """The output of every layer of the Sequential ``model`` for one image (1, 1, H, W), by layer index."""
    outputs, x = {}, glassnet.tensor(image)
    model.eval()
    with glassnet.no_grad():
        for index, layer in enumerate(model):
            x = layer(x)
            outputs[index] = x.numpy()
    return outputs


def _grid(fig, images, columns, title, cmap, symmetric=False):
    rows = -(-len(images) // columns)
    fig.suptitle(title)
    for k, image in enumerate(images):
        ax = fig.add_subplot(rows, columns, k + 1)
        limit = np.abs(image).max() if symmetric else None
        ax.imshow(image, cmap=cmap, vmin=-limit if symmetric else None, vmax=limit, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(k), fontsize=7)


def save_filters(filters, path, title):
    from matplotlib.figure import Figure  # a Figure with no pyplot draws without a screen

    fig = Figure(figsize=(6, 6.6), layout="constrained")
    # Red-blue with 0 in the middle: the sign of a weight is what makes an edge detector.
    _grid(fig, filters[:, 0], 4, title, "RdBu_r", symmetric=True)
    fig.savefig(path, dpi=80)
    return path


def save_feature_maps(image, maps, path, title, columns=8):
    from matplotlib.figure import Figure

    channels = list(maps[0])  # maps is one image's batch, (1, C, H, W)
    rows = -(-(len(channels) + 1) // columns)
    fig = Figure(figsize=(columns * 1.2, rows * 1.4 + 0.5), layout="constrained")
    _grid(fig, [image[0, 0]] + channels, columns, title, "viridis")
    fig.axes[0].set_title("input", fontsize=7)
    for k, ax in enumerate(fig.axes[1:]):
        ax.set_title(f"ch {k}", fontsize=7)
    fig.savefig(path, dpi=80)
    return path


def run(out="filters_out", epochs=2, train_size=None, lr=1e-3, batch_size=64, image_index=0, seed=0):
    glassnet.manual_seed(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = load_data(train_size)
    model = build_model()
    conv1, conv2 = model[0], model[3]
    initial = conv1.weight.detach().numpy().copy()
    print(f"MNIST: {len(x_train)} training images, {len(x_test)} test images; convnet with "
          f"{sum(p.numel() for p in model.parameters()):,} parameters, Adam lr {lr}, batch {batch_size}")
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size, shuffle=True, seed=seed)
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        print(f"epoch {epoch + 1}: test accuracy {accuracy(model, x_test, y_test):.4f} "
              f"({time.perf_counter() - start:.0f} s)")
    test_acc = accuracy(model, x_test, y_test)
    trained = conv1.weight.detach().numpy().copy()

    image = x_test[image_index:image_index + 1]
    acts = activations(model, image)
    first, second = acts[1], acts[4]  # after each convolution's ReLU
    files = {
        "initial_filters": save_filters(initial, out / "filters_initial.png",
                                        "conv1 filters before training (random)"),
        "filters": save_filters(trained, out / "filters.png", "conv1 filters after training"),
        "conv1_maps": save_feature_maps(image, first, out / "feature_maps_conv1.png",
                                        f"conv1 + ReLU feature maps ({first.shape[2]}x{first.shape[3]}), "
                                        f"test image {image_index}, a {y_test[image_index]}"),
        "conv2_maps": save_feature_maps(image, second, out / "feature_maps_conv2.png",
                                        f"conv2 + ReLU feature maps ({second.shape[2]}x{second.shape[3]}), "
                                        f"test image {image_index}, a {y_test[image_index]}"),
    }
    result = {
        "test_accuracy": test_acc,
        "filter_change": float(np.linalg.norm(trained - initial) / np.linalg.norm(initial)),
        "smoothness_initial": neighbour_correlation(initial),
        "smoothness_trained": neighbour_correlation(trained),
        "conv1_shape": first.shape, "conv2_shape": second.shape,
        "conv1_active": float((first > 0).mean()), "conv2_active": float((second > 0).mean()),
        "conv2_filters_shape": tuple(conv2.weight.shape),
        "files": {k: str(v) for k, v in files.items()},
        "seconds": time.perf_counter() - start,
    }
    print(f"test accuracy {test_acc:.4f} after {epochs} epochs ({result['seconds']:.0f} s)")
    print(f"conv1 filters moved {result['filter_change']:.2f} of their initial norm; neighbouring weights "
          f"correlate {result['smoothness_initial']:+.2f} before training, "
          f"{result['smoothness_trained']:+.2f} after")
    print(f"feature maps of test image {image_index} (a {y_test[image_index]}): conv1 {first.shape[1:]} "
          f"({result['conv1_active']:.0%} of units on), conv2 {second.shape[1:]} "
          f"({result['conv2_active']:.0%} on)")
    for path in files.values():
        print(f"wrote {path}")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draw a small MNIST convnet's filters and feature maps")
    parser.add_argument("--out", default="filters_out", help="folder for the PNG files")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training images")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image", type=int, default=0, help="index of the test image for the feature maps")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.out, args.epochs, args.train_size, args.lr, args.batch_size, args.image, args.seed)


if __name__ == "__main__":
    main()
