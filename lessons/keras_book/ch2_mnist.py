"""Lesson: Deep Learning with Python, chapter 2 - a first neural network, on glassnet.keras.

The book's code line for line; only the imports say ``glassnet.keras``
where the book says ``keras``. Two dense layers learn MNIST's digits:
the book reaches 97.8 % test accuracy after five epochs, and so does this
(97.6 % measured; docs/keras.md).

Run:  python lessons/keras_book/ch2_mnist.py [--epochs 5]
      glassnet lessons run keras_book/ch2_mnist
"""

import argparse


def run(epochs=5, train_size=60000):
    from glassnet.keras import layers, models
    from glassnet.keras.datasets import mnist
    from glassnet.keras.utils import to_categorical

    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    train_images, train_labels = train_images[:train_size], train_labels[:train_size]  # the book: all

    network = models.Sequential()
    network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation='softmax'))
    network.compile(optimizer='rmsprop',
                    loss='categorical_crossentropy',
                    metrics=['accuracy'])

    train_images = train_images.reshape((train_size, 28 * 28))
    train_images = train_images.astype('float32') / 255
    test_images = test_images.reshape((10000, 28 * 28))
    test_images = test_images.astype('float32') / 255

    train_labels = to_categorical(train_labels)
    test_labels = to_categorical(test_labels)

    network.fit(train_images, train_labels, epochs=epochs, batch_size=128)
    test_loss, test_acc = network.evaluate(test_images, test_labels)
    print('test_acc:', test_acc)
    return {"test_accuracy": test_acc, "test_loss": test_loss}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deep Learning with Python, chapter 2, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=60000)
    args = parser.parse_args(argv)
    return run(args.epochs, args.train_size)


if __name__ == "__main__":
    main()
