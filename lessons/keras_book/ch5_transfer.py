"""Lesson: Deep Learning with Python, section 5.3 - using a pretrained convnet, on glassnet.keras.

The book's two techniques with the book's code, only the imports changed,
and a pretrained network that this lesson trains itself, since ImageNet's
VGG16 weights need the internet (docs/lessons.md says how to run the
book's own VGG16 code with them on a machine that is online):

* the **conv base** is a small VGG-style stack (``block1_conv1``,
  ``block1_pool``, ``block2_conv1``, ``block2_pool``), trained with a
  dense classifier on eight of Fashion-MNIST's ten classes (48,000 images),
  as VGG16 was on ImageNet's thousand;
* the **new task** is the two classes left out, Pullover against Coat,
  binary as the book's cats and dogs, with only 100 training images of
  each (the book: 1,000 each), measured on the 2,000 test images of the
  two classes.

Three ways to learn the new task from those 200 images, as section 5.3
writes them:

1. **fast feature extraction**: ``conv_base.predict`` turns the images into
   features once; a densely connected classifier (``Dense(64, relu)``,
   ``Dropout(0.5)``, ``Dense(1, sigmoid)``) is trained on them;
2. **fine-tuning**: ``model = Sequential([conv_base, Flatten, Dense(64),
   Dense(1)])`` with ``conv_base.trainable = False`` (the book prints the
   trainable weights: 2 x 2 convolution arrays + 4 dense = 8 before, 4
   after); the classifier is trained, then the last block is unfrozen by
   the book's ``set_trainable`` loop from ``block2_conv1`` and training
   goes on at a ten times lower learning rate;
3. **from scratch**: the same model with a new, random conv base, all of it
   trained on the 200 images (the book's section 5.2, in small).

Measured, full run (``python lessons/keras_book/ch5_transfer.py``; 6.7
minutes on a shared 2-core machine, 3.9 minutes of CPU): the conv base's
network reaches 92.8 % on its eight classes; on Pullover vs Coat, means
over three random samples of 200 images: from scratch 81.4 % (76.2, 85.2,
83.0), fast feature extraction 84.1 % (84.5, 82.8, 85.0), fine-tuning
85.6 % (86.0, 85.5, 85.4). Fine-tuning beats training from scratch on every
sample, and is the steadiest; one sample happened to suit the network
trained from scratch better than the frozen features.

Run:  python lessons/keras_book/ch5_transfer.py [--per-class 100] [--source-size 48000] [--draws 3]
"""

import argparse
import time

import numpy as np

TARGET = (2, 4)  # Pullover, Coat
SOURCE = tuple(c for c in range(10) if c not in TARGET)
METHODS = ("scratch", "feature_extraction", "fine_tuning")


def make_conv_base():
    from glassnet.keras import layers, models

    conv_base = models.Sequential(name='conv_base')
    conv_base.add(layers.Conv2D(16, (3, 3), activation='relu', padding='same', name='block1_conv1',
                                input_shape=(28, 28, 1)))
    conv_base.add(layers.MaxPooling2D((2, 2), name='block1_pool'))
    conv_base.add(layers.Conv2D(32, (3, 3), activation='relu', padding='same', name='block2_conv1'))
    conv_base.add(layers.MaxPooling2D((2, 2), name='block2_pool'))
    return conv_base


def binary_model(conv_base):
    """Section 5.3's model: the conv base, Flatten, a dense classifier, one sigmoid output."""
    from glassnet.keras import layers, models

    model = models.Sequential()
    model.add(conv_base)
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation='relu'))
    model.add(layers.Dense(1, activation='sigmoid'))
    return model


def pretrain(x_source, y_source, x_source_test, y_source_test, epochs):
    """The conv base, trained with a classifier of its own on the source classes (as VGG16 was)."""
    from glassnet.keras import layers, models

    conv_base = make_conv_base()
    model = models.Sequential([conv_base, layers.Flatten(), layers.Dense(128, activation='relu'),
                               layers.Dropout(0.5), layers.Dense(len(SOURCE), activation='softmax')])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])
    model.fit(x_source, y_source, epochs=epochs, batch_size=64, verbose=0)
    return conv_base, model.evaluate(x_source_test, y_source_test, verbose=0)[1]


def fast_feature_extraction(conv_base, train_images, train_labels, test_images, test_labels, epochs):
    """Section 5.3.1: features from conv_base.predict, a densely connected classifier trained on them."""
    from glassnet.keras import layers, models, optimizers

    train_features = conv_base.predict(train_images, batch_size=20)
    train_features = np.reshape(train_features, (len(train_images), 7 * 7 * 32))
    test_features = np.reshape(conv_base.predict(test_images, batch_size=500), (len(test_images), 7 * 7 * 32))
    model = models.Sequential()
    model.add(layers.Dense(64, activation='relu', input_dim=7 * 7 * 32))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1, activation='sigmoid'))
    model.compile(optimizer=optimizers.RMSprop(learning_rate=1e-3), loss='binary_crossentropy',
                  metrics=['acc'])
    model.fit(train_features, train_labels, epochs=epochs, batch_size=20, verbose=0)
    return model.evaluate(test_features, test_labels, verbose=0)[1]


def fine_tune(conv_base, train_images, train_labels, test_images, test_labels, epochs):
    """Section 5.3.1 (frozen conv base, classifier trained on top) then 5.3.2 (the last block unfrozen)."""
    from glassnet.keras import optimizers

    model = binary_model(conv_base)
    before = len(model.trainable_weights)
    conv_base.trainable = False
    frozen = len(model.trainable_weights)
    kept = conv_base.get_weights()
    model.compile(optimizer=optimizers.RMSprop(learning_rate=1e-3), loss='binary_crossentropy',
                  metrics=['acc'])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=20, verbose=0)
    unchanged = all(np.array_equal(a, b) for a, b in zip(kept, conv_base.get_weights()))

    conv_base.trainable = True
    set_trainable = False
    for layer in conv_base.layers:
        if layer.name == 'block2_conv1':
            set_trainable = True
        if set_trainable:
            layer.trainable = True
        else:
            layer.trainable = False
    fine_tuning = len(model.trainable_weights)
    model.compile(optimizer=optimizers.RMSprop(learning_rate=1e-4), loss='binary_crossentropy',
                  metrics=['acc'])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=20, verbose=0)
    after = conv_base.get_weights()
    return model.evaluate(test_images, test_labels, verbose=0)[1], {
        "trainable_weights": (before, frozen, fine_tuning), "frozen_unchanged": unchanged,
        "block1_unchanged": all(np.array_equal(a, b) for a, b in zip(kept[:2], after[:2])),
        "block2_moved": not np.array_equal(kept[2], after[2])}


def from_scratch(train_images, train_labels, test_images, test_labels, epochs):
    from glassnet.keras import optimizers

    model = binary_model(make_conv_base())
    model.compile(optimizer=optimizers.RMSprop(learning_rate=1e-3), loss='binary_crossentropy',
                  metrics=['acc'])
    model.fit(train_images, train_labels, epochs=epochs, batch_size=20, verbose=0)
    return model.evaluate(test_images, test_labels, verbose=0)[1]


def load(source_size):
    """Images as float32 (N, 28, 28, 1) in [0, 1]: the source task, and the target task's test split;
    the full target training split to draw samples from."""
    from glassnet.keras.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()

    def pick(x, y, classes):
        keep = np.isin(y, classes)
        return x[keep].reshape((-1, 28, 28, 1)).astype('float32') / 255, y[keep]

    x_source, y_source = pick(x_train, y_train, SOURCE)
    x_source_test, y_source_test = pick(x_test, y_test, SOURCE)
    relabel = np.searchsorted(np.array(SOURCE), np.arange(10))  # source class -> 0..7
    source = (x_source[:source_size], relabel[y_source[:source_size]], x_source_test, relabel[y_source_test])
    x_target_test, y_target_test = pick(x_test, y_test, TARGET)
    target_test = (x_target_test, (y_target_test == TARGET[1]).astype('float32'))  # Coat = 1
    return source, pick(x_train, y_train, TARGET), target_test


def run(per_class=100, source_size=None, pretrain_epochs=2, epochs=20, draws=3, seed=0):
    from glassnet import keras

    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    source, (x_pool, y_pool), (test_images, test_labels) = load(source_size)
    conv_base, source_accuracy = pretrain(*source, pretrain_epochs)
    pretrained = conv_base.get_weights()
    print(f"conv base pretrained on {len(source[1]):,} images of {len(SOURCE)} classes: "
          f"{source_accuracy:.1%} test accuracy ({time.perf_counter() - start:.0f} s)")
    runs = []
    for draw in range(seed, seed + draws):
        rng = np.random.default_rng(draw)
        picked = np.concatenate([rng.choice(np.flatnonzero(y_pool == c), per_class, replace=False)
                                 for c in TARGET])
        train_images, train_labels = x_pool[picked], (y_pool[picked] == TARGET[1]).astype('float32')
        data = (train_images, train_labels, test_images, test_labels)
        keras.utils.set_random_seed(draw)
        conv_base.set_weights(pretrained)  # each sample starts from the same pretrained base
        conv_base.trainable = True
        extracted = fast_feature_extraction(conv_base, *data, epochs)
        tuned, checks = fine_tune(conv_base, *data, epochs)
        runs.append({"scratch": from_scratch(*data, epochs), "feature_extraction": extracted,
                     "fine_tuning": tuned, "checks": checks})
        print(f"sample {draw - seed + 1}: from scratch {runs[-1]['scratch']:.1%}, fast feature extraction "
              f"{extracted:.1%}, fine-tuning {tuned:.1%}; trainable weights {checks['trainable_weights']}")
    means = {m: float(np.mean([r[m] for r in runs])) for m in METHODS}
    seconds = time.perf_counter() - start
    print(f"mean: from scratch {means['scratch']:.1%}, fast feature extraction "
          f"{means['feature_extraction']:.1%}, fine-tuning {means['fine_tuning']:.1%} ({seconds:.0f} s)")
    return {"source_accuracy": source_accuracy, "runs": runs, "means": means, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deep Learning with Python, section 5.3, on glassnet.keras")
    parser.add_argument("--per-class", type=int, default=100, help="training images per new class")
    parser.add_argument("--source-size", type=int, default=None, help="pretraining images (all: 48,000)")
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=20, help="epochs on the 200 images")
    parser.add_argument("--draws", type=int, default=3, help="random samples of the new task to average")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.per_class, args.source_size, args.pretrain_epochs, args.epochs, args.draws, args.seed)


if __name__ == "__main__":
    main()
