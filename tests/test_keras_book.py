"""*Deep Learning with Python*'s code as the book writes it but for the imports (lessons/keras_book/).

Reduced settings where the full run is slow (named in each test); the book's
figures and glassnet.keras's full-run figures are in docs/keras.md.
"""

import numpy as np
import pytest
from conftest import load_lesson as load
from conftest import needs

import glassnet
from glassnet import keras


def setup_function():
    keras.backend.clear_session()


def test_chapter_2_mnist_lesson():
    """lessons/keras_book/ch2_mnist.py with one epoch (the book: five, 97.8 %)."""
    needs("mnist")
    assert load("keras_book/ch2_mnist").run(epochs=1)["test_accuracy"] >= 0.95


def test_imdb_binary_classification_lesson():
    """lessons/keras_book/ch3_imdb.py on the first 5,000 reviews of each split (the book: 25,000, 88 %)."""
    needs("imdb")
    result = load("keras_book/ch3_imdb").run(epochs=4, size=5000)
    assert sorted(result["history"]) == ['accuracy', 'loss']
    assert result["test_accuracy"] >= 0.83


def test_boston_housing_k_fold_lesson():
    """lessons/keras_book/ch3_boston.py with batches of 16 for 60 epochs (the book: 1 and 100, MAE ~2.4)."""
    needs("boston")
    result = load("keras_book/ch3_boston").run(num_epochs=60, batch_size=16)
    assert len(result["fold_mae"]) == 4 and result["mean_mae"] <= 2.9


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


def test_visualizing_intermediate_activations_of_a_sequential_convnet():
    """Section 5.4.1's idiom: a Model from a Sequential's input to its layers' outputs."""
    from glassnet.keras import layers, models

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation='relu'))
    model.add(layers.Flatten())
    model.add(layers.Dense(10, activation='softmax'))
    layer_outputs = [layer.output for layer in model.layers[:3]]
    activation_model = models.Model(inputs=model.input, outputs=layer_outputs)
    img_tensor = np.random.default_rng(0).random((1, 28, 28, 1)).astype('float32')
    activations = activation_model.predict(img_tensor)
    assert [a.shape for a in activations] == [(1, 26, 26, 32), (1, 13, 13, 32), (1, 11, 11, 64)]
    first = model.layers[0](glassnet.tensor(img_tensor)).detach().numpy()
    np.testing.assert_allclose(activations[0], first, rtol=1e-6)
    assert model.output.shape == (None, 10)


def test_chapter_4_overfitting_lesson():
    """lessons/keras_book/ch4_overfitting.py on 5,000 reviews per split for 15 epochs, without the bigger
    model (the book: 25,000 and 20): the curves tell the chapter's story."""
    needs("imdb")
    result = load("keras_book/ch4_overfitting").run(
        epochs=15, size=5000, models_to_train=("original", "smaller", "l2", "dropout"))
    val_loss = {name: r["history"]["val_loss"] for name, r in result.items()}
    assert sorted(result["original"]["history"]) == ["acc", "loss", "val_acc", "val_loss"]
    assert result["smaller"]["best_epoch"] > result["original"]["best_epoch"]  # overfits later
    assert val_loss["l2"][-1] < val_loss["original"][-1]
    assert val_loss["dropout"][-1] < val_loss["original"][-1]


def test_churn_from_pandas_lesson():
    """lessons/keras_courses/churn_pandas.py for 20 epochs (the courses: 100, about 78 %)."""
    needs("churn")
    pytest.importorskip("pandas", reason="the lesson reads the CSV with pandas")
    pytest.importorskip("sklearn", reason="the lesson scales and splits with scikit-learn")
    result = load("keras_courses/churn_pandas").run(epochs=20)
    assert result["features"] == 26
    assert result["test_accuracy"] >= 0.76 > result["baseline_accuracy"]
    assert result["churn_f1"] >= 0.5


def test_mnist_tensorboard_lesson(tmp_path):
    """lessons/keras_courses/mnist_tensorboard.py for one epoch (the courses: five, about 97-98 %)."""
    needs("mnist")
    pytest.importorskip("tensorboardX", reason="the lesson logs with tensorboardX")
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    result = load("keras_courses/mnist_tensorboard").run(epochs=1, log_dir=tmp_path / "logs")
    assert result["test_accuracy"] >= 0.95
    events = accumulator.EventAccumulator(str(tmp_path / "logs" / "train"), size_guidance={"histograms": 0})
    events.Reload()
    assert {"epoch_loss", "epoch_accuracy"} <= set(events.Tags()["scalars"])
    assert "dense/kernel/histogram" in events.Tags()["histograms"]


def test_reuters_lesson():
    """lessons/keras_book/ch3_reuters.py for its 9 epochs (the book: about 80 %; random: 19 %)."""
    needs("reuters")
    result = load("keras_book/ch3_reuters").run(epochs=9)
    assert result["test_accuracy"] >= 0.76 and result["random_accuracy"] < 0.25
