"""*Deep Learning with Python*, chapter 3, as the book writes it but for the imports.

Reduced settings where the full run is slow (named in each test); the book's
figures and glassnet.keras's full-run figures are in docs/keras.md.
"""

import numpy as np
from conftest import needs

import glassnet
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


def test_mnist_convnet():
    """Section 5.1 on 10,000 training images for one epoch (the book: 60,000 for five, 99.1 %)."""
    needs("mnist")
    from glassnet.keras import layers, models
    from glassnet.keras.datasets import mnist
    from glassnet.keras.utils import to_categorical

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation='relu'))
    model.add(layers.Dense(10, activation='softmax'))
    assert model.count_params() == 93322  # the book's summary: 93,322 parameters
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    train_images = train_images[:10000].reshape((10000, 28, 28, 1)).astype('float32') / 255
    test_images = test_images.reshape((10000, 28, 28, 1)).astype('float32') / 255
    train_labels = to_categorical(train_labels[:10000])
    test_labels = to_categorical(test_labels)
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(train_images, train_labels, epochs=1, batch_size=64, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc >= 0.87  # about 0.90 from one epoch on 10,000 images, as glassnet's own nn model gives


def test_a_custom_layer_written_as_the_second_edition_writes_it():
    """Section 3.6's SimpleDense: weights made in build() by add_weight, used in call()."""
    from glassnet import keras
    from glassnet.keras import layers

    class SimpleDense(keras.layers.Layer):
        def __init__(self, units, activation=None):
            super().__init__()
            self.units = units
            self.activation = activation

        def build(self, input_shape):
            input_dim = input_shape[-1]
            self.W = self.add_weight(shape=(input_dim, self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            y = inputs @ self.W + self.b
            if self.activation is not None:
                y = self.activation(y)
            return y

    my_dense = SimpleDense(units=32, activation=keras.activations.relu)
    input_tensor = np.ones((2, 784), dtype="float32")
    output_tensor = my_dense(glassnet.tensor(input_tensor))  # the book writes tf.ones(shape=(2, 784))
    assert output_tensor.shape == (2, 32)
    assert sorted(name for name, _ in my_dense.named_parameters()) == ["W", "b"]
    model = keras.Sequential([SimpleDense(32, activation=keras.activations.relu), layers.Dense(10)])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(64, 20)).astype("float32")
    history = model.fit(x, (x[:, 0] > 0).astype("int64"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_metric_functions_are_tracked_under_their_names():
    from glassnet.keras import layers, losses, metrics, models, optimizers

    x = np.random.default_rng(1).normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = models.Sequential([layers.Dense(8, activation='relu', input_shape=(5,)),
                               layers.Dense(1, activation='sigmoid')])
    model.compile(optimizer=optimizers.RMSprop(lr=0.001), loss=losses.binary_crossentropy,
                  metrics=[metrics.binary_accuracy])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x, y))
    assert sorted(history.history) == ["binary_accuracy", "loss", "val_binary_accuracy", "val_loss"]
    np.testing.assert_array_equal(metrics.binary_accuracy([[1.0, 0.0]], [[0.7, 0.8]]), [0.5])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([2, 0], [[0, 0, 1], [0, 1, 0]]), [1, 0])
