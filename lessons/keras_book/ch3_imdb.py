"""Lesson: Deep Learning with Python, section 3.4 - classifying movie reviews, on glassnet.keras.

The book's code with only its imports changed. Reviews become 10,000-word
multi-hot vectors and two Dense(16, relu) layers and a sigmoid learn their
sentiment: the book reports about 88 % test accuracy after four epochs.

Run:  python lessons/keras_book/ch3_imdb.py [--epochs 4]
"""

import argparse

import numpy as np


def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.
    return results


def run(epochs=4, size=25000):
    from glassnet.keras import layers, models
    from glassnet.keras.datasets import imdb

    (train_data, train_labels), (test_data, test_labels) = imdb.load_data(num_words=10000)
    train_data, train_labels = train_data[:size], train_labels[:size]  # the book: all 25,000
    test_data, test_labels = test_data[:size], test_labels[:size]

    x_train = vectorize_sequences(train_data)
    x_test = vectorize_sequences(test_data)
    y_train = np.asarray(train_labels).astype('float32')
    y_test = np.asarray(test_labels).astype('float32')

    model = models.Sequential()
    model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
    model.add(layers.Dense(16, activation='relu'))
    model.add(layers.Dense(1, activation='sigmoid'))
    model.compile(optimizer='rmsprop',
                  loss='binary_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=512)
    results = model.evaluate(x_test, y_test)
    print('test loss and accuracy:', results)
    return {"test_loss": results[0], "test_accuracy": results[1], "history": history.history}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deep Learning with Python, section 3.4, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--size", type=int, default=25000, help="reviews per split")
    args = parser.parse_args(argv)
    return run(args.epochs, args.size)


if __name__ == "__main__":
    main()
