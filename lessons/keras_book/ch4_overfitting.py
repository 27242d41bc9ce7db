"""Lesson: Deep Learning with Python, section 4.4 - fighting overfitting, on glassnet.keras.

The book's code with only its imports changed. The IMDB network of section
3.4 (two Dense(16) layers) is trained for 20 epochs beside four variants,
and their validation losses tell the chapter's story:

* a smaller network (Dense(4)) starts overfitting later, and more slowly;
* a bigger one (Dense(512)) overfits almost at once;
* an L2 weight penalty (``kernel_regularizer=regularizers.l2(0.001)``) keeps
  the validation loss lower than the original's, although the training
  loss it reports includes the penalty;
* dropout (``Dropout(0.5)`` after each hidden layer) does the same.

The book shows these as plots; ``run`` returns each model's History and
the epoch of its lowest validation loss.

Run:  python lessons/keras_book/ch4_overfitting.py [--epochs 20] [--size 25000]
"""

import argparse

import numpy as np


def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.
    return results


def run(epochs=20, size=25000, models_to_train=("original", "smaller", "bigger", "l2", "dropout")):
    from glassnet.keras import layers, models, regularizers
    from glassnet.keras.datasets import imdb

    (train_data, train_labels), (test_data, test_labels) = imdb.load_data(num_words=10000)
    x_train = vectorize_sequences(train_data[:size])  # the book: all 25,000 of each split
    x_test = vectorize_sequences(test_data[:size])
    y_train = np.asarray(train_labels[:size]).astype('float32')
    y_test = np.asarray(test_labels[:size]).astype('float32')

    def original():
        model = models.Sequential()
        model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
        model.add(layers.Dense(16, activation='relu'))
        model.add(layers.Dense(1, activation='sigmoid'))
        return model

    def smaller():
        model = models.Sequential()
        model.add(layers.Dense(4, activation='relu', input_shape=(10000,)))
        model.add(layers.Dense(4, activation='relu'))
        model.add(layers.Dense(1, activation='sigmoid'))
        return model

    def bigger():
        model = models.Sequential()
        model.add(layers.Dense(512, activation='relu', input_shape=(10000,)))
        model.add(layers.Dense(512, activation='relu'))
        model.add(layers.Dense(1, activation='sigmoid'))
        return model

    def l2():
        model = models.Sequential()
        model.add(layers.Dense(16, kernel_regularizer=regularizers.l2(0.001),
                               activation='relu', input_shape=(10000,)))
        model.add(layers.Dense(16, kernel_regularizer=regularizers.l2(0.001),
                               activation='relu'))
        model.add(layers.Dense(1, activation='sigmoid'))
        return model

    def dropout():
        model = models.Sequential()
        model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
        model.add(layers.Dropout(0.5))
        model.add(layers.Dense(16, activation='relu'))
        model.add(layers.Dropout(0.5))
        model.add(layers.Dense(1, activation='sigmoid'))
        return model

    builders = {"original": original, "smaller": smaller, "bigger": bigger, "l2": l2, "dropout": dropout}
    results = {}
    for name in models_to_train:
        model = builders[name]()
        model.compile(optimizer='rmsprop',
                      loss='binary_crossentropy',
                      metrics=['acc'])
        hist = model.fit(x_train, y_train,
                         epochs=epochs,
                         batch_size=512,
                         validation_data=(x_test, y_test),
                         verbose=0)
        val_loss = hist.history['val_loss']
        best = int(np.argmin(val_loss)) + 1
        print(f"{name:>8}: lowest validation loss {min(val_loss):.3f} at epoch {best}; "
              f"at epoch {epochs}: {val_loss[-1]:.3f} (val_acc {hist.history['val_acc'][-1]:.3f})")
        results[name] = {"history": hist.history, "best_epoch": best}
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deep Learning with Python, section 4.4, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--size", type=int, default=25000, help="reviews per split")
    args = parser.parse_args(argv)
    return run(args.epochs, args.size)


if __name__ == "__main__":
    main()
