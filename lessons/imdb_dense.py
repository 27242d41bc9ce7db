"""Lesson: is a movie review positive or negative?  IMDB with a dense network (Keras book, ch. 4).

50,000 reviews from IMDB, split into 25,000 for training and 25,000 for
testing, each half positive and half negative.  ``imdb.load_data(num_words=10000)``
turns every review into a list of integers, one per word: 1 marks the
start, a word of rank r (1 = most frequent in the training reviews) becomes
r + 3, and the words rarer than the 10,000 most frequent become 2 ("unknown").
The word index is built from the raw training reviews, so the numbers are
not those of Keras' own file, but the recipe is the same.

A network wants a fixed-size input, so each review becomes a **multi-hot**
vector of 10,000 numbers: x[i] = 1 if word index i occurs in the review,
else 0.  Order and counts are lost - this is a *bag of words* - and still
enough to tell praise from criticism most of the time.

The model is the book's:

    h1 = relu(x W1 + b1)       10,000 -> 16
    h2 = relu(h1 W2 + b2)          16 -> 16
    p  = sigmoid(h2 W3 + b3)       16 -> 1   "probability that the review is positive"

trained with RMSprop on the binary cross-entropy -[y log p + (1 - y) log(1 - p)],
in mini-batches of 512.

How long to train?  The book first holds out 10,000 of the training
reviews for validation and trains on the other 15,000 for 20 epochs: the
training loss keeps falling, but the validation loss is lowest after about
4 epochs and then rises - the network starts memorising its 15,000 reviews
(overfitting).  So the final model is trained afresh on all 25,000 training
reviews for 4 epochs and judged once on the test set.  The book reports
about 88 % test accuracy.

Run:  python lessons/imdb_dense.py [--epochs 4] [--explore-epochs 20]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn
from glassnet.data.datasets import imdb
from glassnet.data.text import vectorize_sequences

NUM_WORDS = 10000
INDEX_FROM = 3  # 0 padding, 1 start, 2 unknown, 3 unused; word of rank r -> r + 3


def build_model():
    model = nn.Sequential(nn.Linear(NUM_WORDS, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 1), nn.Sigmoid())
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def decode(sequence, word_index):
    """The words of an encoded review; '?' for the start mark, unknown words and padding."""
    reverse = {rank + INDEX_FROM: word for word, rank in word_index.items()}
    return " ".join(reverse.get(i, "?") for i in sequence)


def explore(x_train, y_train, epochs, batch_size):
    """Train on 15,000 reviews, validate on the first 10,000; return the history and the best epoch."""
    x_val, partial_x = x_train[:10000], x_train[10000:]
    y_val, partial_y = y_train[:10000], y_train[10000:]
    model = build_model()
    history = model.fit(partial_x, partial_y, epochs=epochs, batch_size=batch_size,
                        validation_data=(x_val, y_val), verbose=0).history
    print(f"\nexploration: {len(partial_x)} training reviews, {len(x_val)} held out for validation")
    print("epoch  loss    accuracy  val_loss  val_accuracy")
    for e in range(epochs):
        print(f"{e + 1:>5}  {history['loss'][e]:.4f}  {history['accuracy'][e]:.4f}    "
              f"{history['val_loss'][e]:.4f}    {history['val_accuracy'][e]:.4f}")
    best = int(np.argmin(history["val_loss"])) + 1
    print(f"validation loss is lowest after epoch {best}; later the training loss keeps falling "
          f"while the validation loss rises (overfitting)")
    return history, best


def run(epochs=4, explore_epochs=20, batch_size=512, seed=0):
    glassnet.manual_seed(seed)
    start = time.perf_counter()
    (train_data, train_labels), (test_data, test_labels) = imdb.load_data(num_words=NUM_WORDS)
    word_index = imdb.get_word_index()
    print(f"IMDB: {len(train_data)} training and {len(test_data)} test reviews, "
          f"{train_labels.mean():.0%} positive; {NUM_WORDS} most frequent words kept")
    print(f"first training review (label {train_labels[0]}, {len(train_data[0])} words), "
          f"as the network's vocabulary sees it:")
    words = decode(train_data[0], word_index).split()
    print("  " + " ".join(words[:40]) + (" ..." if len(words) > 40 else ""))

    x_train = vectorize_sequences(train_data, NUM_WORDS)
    x_test = vectorize_sequences(test_data, NUM_WORDS)
    y_train, y_test = train_labels.astype(np.float32), test_labels.astype(np.float32)
    print(f"multi-hot: x_train {x_train.shape}, first review has {int(x_train[0].sum())} distinct words "
          f"({time.perf_counter() - start:.0f} s to load and vectorize)")

    result = {"decoded_first_review": " ".join(words)}
    if explore_epochs:
        history, best = explore(x_train, y_train, explore_epochs, batch_size)
        result.update(explore_history=history, best_epoch=best)

    model = build_model()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    probabilities = model.predict(x_test[:5]).ravel()
    seconds = time.perf_counter() - start
    print(f"\nfinal model: all {len(x_train)} training reviews, {epochs} epochs")
    shown = np.round(probabilities.astype(np.float64), 3).tolist()
    print(f"first five test reviews: p(positive) {shown}, "
          f"labels {test_labels[:5].tolist()}")
    print(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f} ({seconds:.0f} s in all)")
    result.update(test_accuracy=test_acc, test_loss=test_loss, probabilities=probabilities, seconds=seconds)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="IMDB sentiment with a multi-hot dense network (Keras book)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs of the final model")
    parser.add_argument("--explore-epochs", type=int, default=20,
                        help="epochs of the run with a validation set (0 skips it)")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.explore_epochs, args.batch_size, args.seed)


if __name__ == "__main__":
    main()
