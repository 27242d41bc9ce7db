"""*Deep Learning with Python*, chapter 3, as the book writes it but for the imports.

Reduced settings where the full run is slow (named in each test); the book's
figures and glassnet.keras's full-run figures are in docs/keras.md.
"""

import numpy as np
from conftest import needs

from glassnet import keras


def setup_function():
    keras.backend.clear_session()


def test_imdb_binary_classification():
    """Section 3.4, on the first 5,000 training and test reviews (the book: all 25,000 of each)."""
    needs("imdb")
    from glassnet.keras import layers, models
    from glassnet.keras.datasets import imdb

    (train_data, train_labels), (test_data, test_labels) = imdb.load_data(num_words=10000)
    train_data, train_labels = train_data[:5000], train_labels[:5000]
    test_data, test_labels = test_data[:5000], test_labels[:5000]

    def vectorize_sequences(sequences, dimension=10000):
        results = np.zeros((len(sequences), dimension))
        for i, sequence in enumerate(sequences):
            results[i, sequence] = 1.
        return results

    x_train = vectorize_sequences(train_data)
    x_test = vectorize_sequences(test_data)
    y_train = np.asarray(train_labels).astype('float32')
    y_test = np.asarray(test_labels).astype('float32')
    model = models.Sequential()
    model.add(layers.Dense(16, activation='relu', input_shape=(10000,)))
    model.add(layers.Dense(16, activation='relu'))
    model.add(layers.Dense(1, activation='sigmoid'))
    model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['accuracy'])
    history = model.fit(x_train, y_train, epochs=4, batch_size=512, verbose=0)
    results = model.evaluate(x_test, y_test, verbose=0)
    assert sorted(history.history) == ['accuracy', 'loss']
    assert results[1] >= 0.83  # the book: 88 % on the full data


def test_boston_housing_k_fold_validation():
    """Section 3.6 with batches of 16 for 60 epochs (the book: batches of 1 for 100 epochs)."""
    needs("boston")
    from glassnet.keras import layers, models
    from glassnet.keras.datasets import boston_housing

    (train_data, train_targets), (test_data, test_targets) = boston_housing.load_data()
    mean = train_data.mean(axis=0)
    train_data -= mean
    std = train_data.std(axis=0)
    train_data /= std
    test_data -= mean
    test_data /= std

    def build_model():
        model = models.Sequential()
        model.add(layers.Dense(64, activation='relu', input_shape=(train_data.shape[1],)))
        model.add(layers.Dense(64, activation='relu'))
        model.add(layers.Dense(1))
        model.compile(optimizer='rmsprop', loss='mse', metrics=['mae'])
        return model

    k = 4
    num_val_samples = len(train_data) // k
    num_epochs = 60
    all_scores = []
    for i in range(k):
        val_data = train_data[i * num_val_samples: (i + 1) * num_val_samples]
        val_targets = train_targets[i * num_val_samples: (i + 1) * num_val_samples]
        partial_train_data = np.concatenate(
            [train_data[:i * num_val_samples], train_data[(i + 1) * num_val_samples:]], axis=0)
        partial_train_targets = np.concatenate(
            [train_targets[:i * num_val_samples], train_targets[(i + 1) * num_val_samples:]], axis=0)
        model = build_model()
        model.fit(partial_train_data, partial_train_targets, epochs=num_epochs, batch_size=16, verbose=0)
        val_mse, val_mae = model.evaluate(val_data, val_targets, verbose=0)
        all_scores.append(val_mae)
    assert np.mean(all_scores) <= 2.9  # the book: about 2.4 (thousands of dollars)
