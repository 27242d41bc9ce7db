"""Lesson: many classes, two ways to write the labels (Keras book, ch. 4: Reuters newswires).

Keras' Reuters set holds 11,228 short newswires from 1986, each filed under
one of 46 topics (earnings, acquisitions, crude oil, ...): 8,982 for
training and 2,246 for testing.  Like IMDB they come as lists of word
ranks, and the book turns each one into a multi-hot vector of the 10,000
most frequent words, then trains

    h1 = relu(x W1 + b1)        10,000 -> 64
    h2 = relu(h1 W2 + b2)           64 -> 64
    p  = softmax(h2 W3 + b3)        64 -> K      p_k = e^{z_k} / sum_j e^{z_j}

with RMSprop in batches of 512 for 9 epochs (about 80 % test accuracy in
the book).  The hidden layers are 64 wide, not 16 as for IMDB: every
layer can only pass on what fits in its width, and 16 numbers are too few
to keep 46 topics apart.

Two encodings of the same label.  A sample of class y (0 <= y < K) can be
written as

* the integer y itself: shape (N,), one int per sample;
* a one-hot row t with t_y = 1 and every other t_k = 0: shape (N, K)
  (``to_categorical``).

The cross-entropy of the predicted distribution p against the label is
-sum_k t_k log p_k (``categorical_crossentropy``, which takes the rows t).
With a one-hot t every term but k = y is zero, so it is simply -log p_y,
and that is what ``sparse_categorical_crossentropy`` computes from the
integer y, picking p_y directly.  Same number, and the same gradient with
respect to the scores z: dL/dz_k = p_k - t_k in both cases.  So the same
network from the same seed, with the same batches, takes the same steps
either way; the two runs below differ only by floating-point rounding.

Which to use?  Integers are smaller (N numbers instead of N x K) and are
what PyTorch's ``CrossEntropyLoss`` usually gets; one-hot rows are needed
when a target is not a single class, e.g. label smoothing or a soft mix of
classes, which only the categorical form can express.  The loss must
match the labels: integers go with the sparse loss, one-hot rows with the
categorical one.

A number on its own says little: with 46 unbalanced topics, always
guessing the most frequent one is already right on part of the test set,
and guessing at random (the book shuffles the labels) scores what the
class frequencies allow.  Both baselines are printed next to the result.

Data.  The Keras file ``reuters.npz`` is read by
``glassnet.data.datasets.reuters.load_data`` when it is under the data root
(``$GLASSNET_DATA/reuters/``).  Without it (no copy is available offline
here) the lesson uses a clearly labelled **stand-in built from real text**:
the IMDB reviews, with 4 classes made from two things each review really
has: its sentiment (negative/positive) and whether it is longer than the
median training review.  These are not topics and not Reuters; they only
give a real multi-class problem to compare the two losses on.  (The
natural choice, IMDB's star ratings, is not in the offline copy of the
reviews: its files were renumbered and lost the ``<id>_<stars>.txt`` names.)

On the stand-in (all 25,000 training and 25,000 test reviews, 9 epochs)
both runs reach 76.9 % test accuracy against 25.7 % for always guessing
the most frequent class; their training losses agree to 2.4e-7 in every
epoch and their test probabilities to 1.1e-5 (float32 rounding), about
3 minutes for both runs.  The training loss falls to 0.08 while the test
loss is 0.83: 9 epochs, the book's choice for Reuters, overfit here.

Run:  python lessons/reuters_topics.py [--epochs 9] [--data auto|reuters|stand-in]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn
from glassnet.data.datasets import data_root, imdb, reuters
from glassnet.data.preprocessing import to_categorical
from glassnet.data.text import vectorize_sequences

NUM_WORDS = 10000
LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")
STAND_IN_CLASSES = ("negative, short", "negative, long", "positive, short", "positive, long")


def reuters_available(root=None):
    return (data_root(root) / reuters.FOLDER / reuters.NPZ).is_file()


def load_reuters(root=None):
    (x_train, y_train), (x_test, y_test) = reuters.load_data(root=root, download=False, num_words=NUM_WORDS)
    names = reuters.get_label_names()
    return "Reuters newswires, 46 topics", names, (x_train, y_train), (x_test, y_test)


def load_stand_in(root=None):
    """IMDB reviews with 4 derived classes: sentiment x (longer than the median training review or not)."""
    (x_train, s_train), (x_test, s_test) = imdb.load_data(root=root, num_words=NUM_WORDS)
    median = np.median([len(x) for x in x_train])

    def classes(xs, sentiment):
        longer = np.array([len(x) > median for x in xs], dtype=np.int64)
        return 2 * sentiment.astype(np.int64) + longer

    source = (f"stand-in: IMDB reviews, 4 classes = sentiment x length (longer than the median "
              f"{median:.0f} words or not); not Reuters")
    return source, STAND_IN_CLASSES, (x_train, classes(x_train, s_train)), (x_test, classes(x_test, s_test))


def build_model(num_classes, loss):
    model = nn.Sequential(nn.Linear(NUM_WORDS, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, num_classes), nn.Softmax(dim=1))
    model.compile(optimizer="rmsprop", loss=loss, metrics=["accuracy"])
    return model


def train(loss, x_train, y_train, x_test, y_test, num_classes, epochs, batch_size, seed):
    """The same model from the same seed, trained with ``loss``; its per-epoch history and test results."""
    glassnet.manual_seed(seed)  # same initial weights and same batch order for both runs
    model = build_model(num_classes, loss)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0).history
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    probabilities = model.predict(x_test, batch_size=1024)
    return {"loss": history["loss"], "accuracy": history["accuracy"], "test_loss": test_loss,
            "test_accuracy": test_acc, "probabilities": probabilities}


def run(epochs=9, batch_size=512, train_size=None, test_size=None, data="auto", root=None, seed=0):
    start = time.perf_counter()
    use_reuters = data == "reuters" or (data == "auto" and reuters_available(root))
    source, class_names, (x_train, y_train), (x_test, y_test) = (
        load_reuters(root) if use_reuters else load_stand_in(root))
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_test, y_test = x_test[:test_size], y_test[:test_size]
    num_classes = len(class_names)
    print(f"data: {source}")
    print(f"{len(x_train)} training and {len(x_test)} test samples, {num_classes} classes, "
          f"{NUM_WORDS} most frequent words as multi-hot vectors")

    # Two ways to write the same labels.
    y_train_onehot, y_test_onehot = (to_categorical(y, num_classes) for y in (y_train, y_test))
    print(f"integer labels (sparse_categorical_crossentropy): {y_train[:4].tolist()}  shape {y_train.shape}")
    print(f"one-hot labels (categorical_crossentropy): shape {y_train_onehot.shape}, first row "
          f"{y_train_onehot[0].astype(int).tolist()[:12]}{' ...' if num_classes > 12 else ''}")

    counts = np.bincount(y_train, minlength=num_classes)
    majority = int(counts.argmax())
    majority_acc = float((y_test == majority).mean())
    shuffled_acc = float((np.random.default_rng(seed).permutation(y_test) == y_test).mean())
    print(f"baselines on the test set: always '{class_names[majority]}' (most frequent training class) "
          f"{majority_acc:.3f}; labels shuffled at random {shuffled_acc:.3f}")

    x_train = vectorize_sequences(x_train, NUM_WORDS)
    x_test = vectorize_sequences(x_test, NUM_WORDS)
    categorical = train("categorical_crossentropy", x_train, y_train_onehot, x_test, y_test_onehot,
                        num_classes, epochs, batch_size, seed)
    sparse = train("sparse_categorical_crossentropy", x_train, y_train, x_test, y_test,
                   num_classes, epochs, batch_size, seed)

    print("\nepoch  categorical loss  sparse loss   difference")
    for e in range(epochs):
        a, b = categorical["loss"][e], sparse["loss"][e]
        print(f"{e + 1:>5}  {a:.6f}          {b:.6f}      {abs(a - b):.1e}")
    loss_gap = max(abs(a - b) for a, b in zip(categorical["loss"], sparse["loss"]))
    prob_gap = float(np.abs(categorical["probabilities"] - sparse["probabilities"]).max())
    print(f"test accuracy: categorical {categorical['test_accuracy']:.4f}, "
          f"sparse {sparse['test_accuracy']:.4f}; "
          f"test loss {categorical['test_loss']:.4f} vs {sparse['test_loss']:.4f}")
    print(f"largest difference: training loss {loss_gap:.1e}, test probabilities {prob_gap:.1e}")
    seconds = time.perf_counter() - start
    print(f"({seconds:.0f} s in all)")
    return {"data": "reuters" if use_reuters else "stand-in", "source": source, "num_classes": num_classes,
            "categorical": categorical, "sparse": sparse, "max_loss_difference": loss_gap,
            "max_probability_difference": prob_gap, "test_accuracy": sparse["test_accuracy"],
            "majority_baseline": majority_acc, "shuffled_baseline": shuffled_acc, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Reuters topics: categorical vs sparse categorical cross-entropy")
    parser.add_argument("--epochs", type=int, default=9)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training samples")
    parser.add_argument("--test-size", type=int, default=None, help="use only this many test samples")
    parser.add_argument("--data", choices=("auto", "reuters", "stand-in"), default="auto",
                        help="auto: Reuters if its file is under the data root, else the IMDB stand-in")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.batch_size, args.train_size, args.test_size, args.data, seed=args.seed)


if __name__ == "__main__":
    main()
