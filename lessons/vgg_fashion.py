"""Lesson: a small VGG network on Fashion-MNIST (Dive into Deep Learning, section 8.2).

VGG (Simonyan and Zisserman, 2014) made network design a matter of
repeating one block. A *VGG block* is a few 3x3 convolutions with padding 1
and a ReLU after each, then a 2x2 max-pool of stride 2:

    [Conv2d(c_in, c, 3, padding=1) + ReLU] x m,   MaxPool2d(2)

The padding keeps the grid size (n + 2 - 3 + 1 = n), so only the pool
changes it, halving the height and the width. The rule of thumb is to
double the channels whenever the grid halves, which keeps the work per
layer roughly level: a 3x3 convolution over an n x n grid costs
9 * c_in * c_out * n^2 multiplications, and (n / 2)^2 * (2c)^2 = n^2 * c^2.
Two stacked 3x3 convolutions see a 5x5 patch, three see 7x7, with fewer
weights than one big filter (2 * 9 c^2 = 18 c^2 against 25 c^2) and an
extra non-linearity in between.

Parameters. A convolution has 9 * c_in * c_out weights and c_out biases;
a Linear(n_in, n_out) has n_in * n_out + n_out. In the full VGG-11
(``glassnet.models.vgg11``, 132,863,336 parameters on 224x224 images) the
eight convolutions hold 9.2 million of them and the three dense layers the
other 123.6 million, 93 %: the first, 25,088 -> 4,096, alone has 102.8
million. D2L trains a VGG-11 with every width divided by 4 on Fashion-MNIST
resized to 224x224; on two CPU cores that takes hours, so this lesson keeps
the 28x28 images and the first three blocks of that quarter-width VGG-11,
(1 conv, 16), (1 conv, 32), (2 convs, 64), since every block halves the
grid (28 -> 14 -> 7 -> 3):

    block 1: Conv(1, 16) + ReLU, pool                          28 -> 14        160
    block 2: Conv(16, 32) + ReLU, pool                         14 -> 7       4,640
    block 3: Conv(32, 64) + ReLU, Conv(64, 64) + ReLU, pool     7 -> 3      55,424
    Flatten (64 * 3 * 3 = 576), Linear(576, 256) + ReLU + Dropout(0.5)     147,712
    Linear(256, 256) + ReLU + Dropout(0.5), Linear(256, 10)                 68,362

276,298 parameters, and still 78 % of them dense. The convolutions are
initialised with He (Kaiming) normal weights, variance 2 / fan_in: a ReLU
zeroes half of its inputs, so a layer keeps the size of its signal when
fan_in * Var(w) / 2 = 1. With the default init, Var(w) = 1 / (3 fan_in),
the signal shrinks by a factor of six in mean square at every layer and the
deep stack starts slowly.

The run is short, to fit a few minutes of NumPy on two cores: the first
30,000 training images, 2 epochs of Adam (lr 1e-3, batch 128). It reaches
about 85.6 % test accuracy on all 10,000 test images in about 2.5 minutes here;
more epochs would give more (``--epochs``, ``--train-size``).

Run:  python lessons/vgg_fashion.py [--epochs 2] [--train-size 30000]
"""

import argparse
import sys
from pathlib import Path

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.models import VGG

# D2L reuses one training loop (train_ch6) from LeNet on; so does this lesson.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lenet_fashion import load_data, train_ch6  # noqa: E402

# (convolutions, output channels) per block: the first three blocks of D2L's VGG-11 at a quarter width.
SMALL_VGG_ARCH = ((1, 16), (1, 32), (2, 64))


def build_model(arch=SMALL_VGG_ARCH, hidden=256, dropout=0.5):
    model = VGG(arch, num_classes=10, in_channels=1, image_size=28, hidden=hidden, dropout=dropout)
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)
    return model


def describe(model):
    """One line per layer with parameters: its name, weight shape and parameter count; and the total."""
    lines, total = [], 0
    for name, module in model.named_modules():
        params = list(module.parameters(recurse=False))
        if params:
            count = sum(p.numel() for p in params)
            total += count
            shape = str(tuple(module.weight.shape))
            lines.append(f"  {name:<14} {type(module).__name__:<7} weight {shape:<16} {count:>9,}")
    return lines, total


def run(epochs=2, train_size=30000, batch_size=128, lr=1e-3, hidden=256, seed=0):
    glassnet.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data(train_size)
    model = build_model(hidden=hidden)
    lines, n_params = describe(model)
    conv_params = sum(p.numel() for p in model.features.parameters())
    print(f"Fashion-MNIST: {len(x_train)} training images (a subset, to keep the run short), "
          f"{len(x_test)} test images")
    print(f"small VGG, blocks {SMALL_VGG_ARCH} (convs, channels), grid 28 -> 14 -> 7 -> 3:")
    print("\n".join(lines))
    print(f"  {n_params:,} parameters, {conv_params:,} in convolutions, "
          f"{n_params - conv_params:,} ({(n_params - conv_params) / n_params:.0%}) in dense layers")
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size, shuffle=True, seed=seed)
    epochs_log, seconds = train_ch6(model, optim.Adam(model.parameters(), lr=lr), loader, (x_test, y_test),
                                    epochs)
    final = epochs_log[-1]
    print(f"test accuracy {final['test_accuracy']:.4f} after {epochs} epochs on {len(x_train)} training "
          f"images ({seconds:.0f} s)")
    return {"epochs": epochs_log, "test_accuracy": final["test_accuracy"],
            "train_accuracy": final["train_accuracy"], "train_loss": final["train_loss"],
            "parameters": n_params, "conv_parameters": conv_params, "train_size": len(x_train),
            "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="A small VGG on Fashion-MNIST (D2L 8.2)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-size", type=int, default=30000,
                        help="use only the first N training images (0 or less: all 60,000)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, default=256, help="width of the two hidden dense layers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    train_size = args.train_size if args.train_size > 0 else None
    return run(args.epochs, train_size, args.batch_size, args.lr, args.hidden, args.seed)


if __name__ == "__main__":
    main()
