"""Lesson: the first example of *Deep Learning with Python* - MNIST digits with a dense network.

60,000 training images of handwritten digits (28x28 grey pixels, 0-255) and
10,000 test images.  Each image is flattened to 784 numbers and scaled to
[0, 1], and the network is two dense layers:

    h = relu(x W1 + b1)          784 -> 512
    p = softmax(h W2 + b2)       512 -> 10 class probabilities

trained with RMSprop (lr 1e-3) on the sparse categorical cross-entropy
-log p[label], 5 epochs of mini-batches of 128.  The book reaches about
98 % test accuracy, and so should this.

Keras style (the default), line for line with the book:

    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax())
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=5, batch_size=128)
    test_loss, test_acc = model.evaluate(test_images, test_labels)

Keras' ``Dense(512)`` finds its input size on the first call; ``nn.Linear``
is told it (``nn.LazyLinear(512)`` would infer it too).  The model may end in
``nn.Softmax`` as in Keras: ``fit`` then takes the cross-entropy of the
scores before the softmax, which is the same loss computed without
overflow.

PyTorch style (``--style torch``) writes what ``fit`` does as a loop: the
model outputs raw scores (logits), ``nn.CrossEntropyLoss`` applies the
log-softmax itself, and each step is zero_grad, loss, backward, step.  The
optimizer is set up with Keras' RMSprop constants (PyTorch's own defaults
are lr 0.01, alpha 0.99), so both styles train the same way.

Run:  python lessons/mnist_dense.py [--style keras|torch] [--epochs 5]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn, optim
from glassnet.data import DataLoader, TensorDataset
from glassnet.data.datasets import mnist


def load_data(train_size=None):
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    if train_size is not None:
        train_images, train_labels = train_images[:train_size], train_labels[:train_size]
    train_images = train_images.reshape((len(train_images), 28 * 28)).astype("float32") / 255
    test_images = test_images.reshape((len(test_images), 28 * 28)).astype("float32") / 255
    return (train_images, train_labels.astype(np.int64)), (test_images, test_labels.astype(np.int64))


def keras_style(train, test, epochs, batch_size):
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10), nn.Softmax(dim=1))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=2)
    test_loss, test_acc = model.evaluate(*test, verbose=0)
    # model.predict returns the softmax probabilities, one row per image.
    probabilities = model.predict(test[0][:10])
    return {"test_loss": test_loss, "test_accuracy": test_acc,
            "train_accuracy": history.history["accuracy"][-1],
            "predicted": probabilities.argmax(axis=1).tolist(), "first_probabilities": probabilities[0]}


def torch_style(train, test, epochs, batch_size):
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True)
    for epoch in range(epochs):
        model.train()
        total, correct, loss_sum = 0, 0, 0.0
        for x, y in loader:
            opt.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            total += len(y)
        print(f"Epoch {epoch + 1}/{epochs} - loss: {loss_sum / total:.4f} - accuracy: {correct / total:.4f}")
    model.eval()
    with glassnet.no_grad():
        logits = model(glassnet.tensor(test[0]))
        test_loss = loss_fn(logits, glassnet.tensor(test[1])).item()
        probabilities = nn.functional.softmax(logits, dim=1).numpy()
    return {"test_loss": test_loss, "test_accuracy": float((probabilities.argmax(1) == test[1]).mean()),
            "train_accuracy": correct / total,
            "predicted": probabilities[:10].argmax(axis=1).tolist(), "first_probabilities": probabilities[0]}


def run(style="keras", epochs=5, batch_size=128, train_size=None, seed=0):
    glassnet.manual_seed(seed)
    train, test = load_data(train_size)
    print(f"MNIST: {len(train[0])} training images, {len(test[0])} test images, {style} style")
    start = time.perf_counter()
    result = (keras_style if style == "keras" else torch_style)(train, test, epochs, batch_size)
    result["seconds"] = time.perf_counter() - start
    result["style"] = style
    first = result["first_probabilities"]
    print(f"first test image: label {test[1][0]}, predicted {first.argmax()} "
          f"with probability {first.max():.4f}")
    print(f"predicted {result['predicted']} for the first ten (labels {test[1][:10].tolist()})")
    print(f"test accuracy {result['test_accuracy']:.4f}, test loss {result['test_loss']:.4f} "
          f"({result['seconds']:.0f} s)")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST with a two-layer dense network (Keras book)")
    parser.add_argument("--style", choices=["keras", "torch"], default="keras")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.style, args.epochs, args.batch_size, args.train_size, args.seed)


if __name__ == "__main__":
    main()
