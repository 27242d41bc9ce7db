"""Lesson: transfer learning, the PyTorch way (torchvision's fine-tuning recipe, on Fashion-MNIST).

A network trained on one task has learned features (edges, textures,
shapes) that other tasks can reuse. With little data for a new task it
pays to start from those features instead of random weights. This lesson
measures how much, on real data and a task where the answer is not obvious:

* the **source task**: eight of Fashion-MNIST's ten classes, 48,000
  training images; a small VGG-style network (``glassnet.models.VGG``: two
  blocks of 3x3 convolution and 2x2 pooling as ``features``, then
  torchvision's ``classifier``, Linear-ReLU-Dropout-Linear-ReLU-Dropout-
  Linear) is pretrained on them;
* the **target task**: the two classes left out, Pullover against Coat,
  with only 100 training images of each, measured on the 2,000 test
  images of the two classes;
* four ways to learn it from those 200 images, each with the same budget
  (Adam, lr 1e-3, 20 epochs, batch 64):

  1. **from scratch**: the same network, random weights;
  2. **last layer only**: the pretrained network frozen whole
     (``model.requires_grad_(False)``) and its last layer replaced,
     ``model.classifier[6] = nn.Linear(128, 2)``: a new layer requires a
     gradient, so it is the only thing trained, and the optimizer is given
     only ``[p for p in model.parameters() if p.requires_grad]``;
  3. **feature extraction**: only the convolutions frozen
     (``model.features.requires_grad_(False)``); the dense layers start
     from their pretrained values and go on learning, with the new last layer;
  4. **fine-tuning**: after 3, everything unfrozen and trained for the same
     number of epochs at a tenth of the learning rate, so the pretrained
     features move only a little.

A frozen weight gets no gradient, and after training it is bit for bit what
pretraining left (checked: ``frozen_unchanged``). Nothing looks at the test
images before the end of a run. Each run draws three different 200-image
samples; the accuracies below are their means.

Measured, full run (``python lessons/transfer_learning.py``; 10.5 minutes
on a shared 2-core machine, 5.2 minutes of CPU): the source network reaches
91.5 % on its eight classes; on Pullover vs Coat, from scratch 76.4 %,
last layer only 76.2 %, feature extraction 82.3 %, fine-tuning 83.4 %
(each of the three samples: feature extraction 4.1 to 7.6 points above
scratch). Pretrained features are worth 6 to 7 points here. The last layer
alone is not enough: the dense layers of so small a network learned the
eight source classes themselves; the convolutions learned what carries over.

Run:  python lessons/transfer_learning.py [--per-class 100] [--source-size 48000] [--draws 3]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import fashion_mnist
from glassnet.models import VGG

NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Ankle boot")
TARGET = (2, 4)  # Pullover and Coat, left out of pretraining: the pair that most needs good features
SOURCE = tuple(c for c in range(10) if c not in TARGET)
ARCH = ((1, 16), (1, 32))  # two VGG blocks: 28 -> 14 -> 7
HIDDEN = 128
METHODS = ("scratch", "last_layer_only", "feature_extraction", "fine_tuning")


def build_model(num_classes):
    return VGG(ARCH, num_classes=num_classes, in_channels=1, image_size=28, hidden=HIDDEN, dropout=0.5)


def select(images, labels, classes):
    """The images of ``classes``, as float32 (N, 1, 28, 28) in [0, 1], labelled 0..len(classes)-1."""
    keep = np.isin(labels, classes)
    new_labels = np.searchsorted(np.array(classes), labels[keep])
    return images[keep][:, None].astype(np.float32) / 255, new_labels.astype(np.int64)


def sample(images, labels, per_class, seed):
    """``per_class`` random training images of each target class."""
    rng = np.random.default_rng(seed)
    picked = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False)
                             for c in TARGET])
    return select(images[picked], labels[picked], TARGET)


def accuracy(model, data, batch_size=1000):
    images, labels = data
    model.eval()
    with glassnet.no_grad():
        predicted = np.concatenate([model(glassnet.tensor(images[i:i + batch_size])).numpy().argmax(1)
                                    for i in range(0, len(images), batch_size)])
    return float((predicted == labels).mean())


def train(model, data, epochs, lr, batch_size=64, seed=0):
    """Adam on the parameters that require a gradient (PyTorch's idiom for a partly frozen model)."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = optim.Adam(trainable, lr=lr)
    glassnet.manual_seed(seed)
    loader = DataLoader(TensorDataset(*data), batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    return len(trainable)


def pretrain(source_train, source_test, epochs, lr, seed):
    """The source network's test accuracy, and its weights (a copy) as a state dict."""
    glassnet.manual_seed(seed)
    model = build_model(len(SOURCE))
    train(model, source_train, epochs, lr, seed=seed)
    state = {key: glassnet.tensor(value.numpy().copy(), dtype=value.dtype)
             for key, value in model.state_dict().items()}
    return accuracy(model, source_test), state


def transfer(pretrained_state, target_train, target_test, epochs, lr, freeze):
    """The pretrained network with a new last layer, trained on the target sample with the ``freeze``d
    part fixed ('all': everything but the new layer; 'features': the convolutions), then, for
    'features', fine-tuned whole at lr / 10. Returns the accuracies and the freezing checks."""
    model = build_model(len(SOURCE))
    model.load_state_dict(pretrained_state)
    (model if freeze == "all" else model.features).requires_grad_(False)
    model.classifier[6] = nn.Linear(HIDDEN, len(TARGET))  # a new layer requires a gradient
    trained_tensors = train(model, target_train, epochs, lr)
    frozen = [key for key, param in model.named_parameters() if not param.requires_grad]
    state = model.state_dict()
    result = {"accuracy": accuracy(model, target_test), "trained_tensors": trained_tensors,
              "frozen_tensors": len(frozen),
              "frozen_unchanged": all(np.array_equal(state[k].numpy(), pretrained_state[k].numpy())
                                      for k in frozen)}
    if freeze == "features":
        model.requires_grad_(True)
        train(model, target_train, epochs, lr / 10, seed=1)
        result["fine_tuned"] = accuracy(model, target_test)
        result["fine_tuning_moved_features"] = not np.array_equal(model.features[0].weight.detach().numpy(),
                                                                  pretrained_state["features.0.weight"].numpy())
    return result


def compare(state, x_train, y_train, target_test, per_class, epochs, lr, draw):
    """The four methods on one random sample of the target task."""
    target_train = sample(x_train, y_train, per_class, draw)
    glassnet.manual_seed(draw)
    scratch = build_model(len(TARGET))
    train(scratch, target_train, epochs, lr, seed=draw)
    last = transfer(state, target_train, target_test, epochs, lr, freeze="all")
    features = transfer(state, target_train, target_test, epochs, lr, freeze="features")
    return {"scratch": accuracy(scratch, target_test), "last_layer_only": last["accuracy"],
            "feature_extraction": features["accuracy"], "fine_tuning": features["fine_tuned"],
            "checks": {"last_layer_only": last, "feature_extraction": features}}


def run(per_class=100, source_size=None, pretrain_epochs=2, epochs=20, draws=3, lr=1e-3, seed=0):
    """Pretrain once, then compare the four methods on ``draws`` random target samples."""
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    source_train = tuple(a[:source_size] for a in select(x_train, y_train, SOURCE))
    target_test = select(x_test, y_test, TARGET)
    print(f"source task: {len(SOURCE)} classes, {len(source_train[1]):,} training images; target task: "
          f"{NAMES[TARGET[0]]} vs {NAMES[TARGET[1]]}, {per_class} training images per class, "
          f"{len(target_test[1]):,} test images")
    source_accuracy, state = pretrain(source_train, select(x_test, y_test, SOURCE), pretrain_epochs, lr, seed)
    print(f"pretrained: {source_accuracy:.1%} on the source task's test images "
          f"({time.perf_counter() - start:.0f} s)")
    runs = []
    for draw in range(seed, seed + draws):
        runs.append(compare(state, x_train, y_train, target_test, per_class, epochs, lr, draw))
        print(f"sample {draw - seed + 1}: " + ", ".join(f"{m.replace('_', ' ')} {runs[-1][m]:.1%}"
                                                        for m in METHODS))
    means = {m: float(np.mean([r[m] for r in runs])) for m in METHODS}
    seconds = time.perf_counter() - start
    print("mean: " + ", ".join(f"{m.replace('_', ' ')} {means[m]:.1%}" for m in METHODS)
          + f" ({seconds:.0f} s)")
    return {"source_accuracy": source_accuracy, "runs": runs, "means": means, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Transfer learning on Fashion-MNIST, the PyTorch way")
    parser.add_argument("--per-class", type=int, default=100, help="target training images per class")
    parser.add_argument("--source-size", type=int, default=None, help="source training images (all: 48,000)")
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20, help="epochs on the small target sample")
    parser.add_argument("--draws", type=int, default=3, help="random target samples to average over")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.per_class, args.source_size, args.pretrain_epochs, args.epochs, args.draws,
               seed=args.seed)


if __name__ == "__main__":
    main()
