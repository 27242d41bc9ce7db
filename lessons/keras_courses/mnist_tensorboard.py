"""Lesson: handwritten digits with a TensorBoard log, as the TensorFlow/Keras video courses teach it.

The courses flatten MNIST's 28x28 images, scale them to [0, 1], train
``Flatten - Dense(100, relu) - Dense(10, sigmoid)`` with Adam on the sparse
categorical cross-entropy for 5 epochs, and pass a ``TensorBoard``
callback so that ``tensorboard --logdir logs`` draws the learning curves
and the weights' histograms. They reach about 97-98 % test accuracy.

The code is the courses' with ``from tensorflow import keras`` replaced by
``from glassnet import keras``. The log (Keras's layout: ``logs/train``,
tags ``epoch_loss`` and ``epoch_accuracy``, ``dense/kernel/histogram``...) is
written with tensorboardX (``pip install glassnet[tensorboard]``).

Run:  python lessons/keras_courses/mnist_tensorboard.py [--epochs 5] [--log-dir logs]
      tensorboard --logdir logs
"""

import argparse


def run(epochs=5, log_dir="logs", size=60000, verbose=0):
    from glassnet import keras

    (X_train, y_train), (X_test, y_test) = keras.datasets.mnist.load_data()
    X_train, y_train = X_train[:size], y_train[:size]  # the courses: all 60,000
    X_train = X_train / 255
    X_test = X_test / 255

    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(100, activation='relu'),
        keras.layers.Dense(10, activation='sigmoid')
    ])
    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    tb_callback = keras.callbacks.TensorBoard(log_dir=log_dir, histogram_freq=1)
    model.fit(X_train, y_train, epochs=epochs, callbacks=[tb_callback], verbose=verbose)
    test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
    print(f"test accuracy: {test_accuracy:.4f}; TensorBoard log in {log_dir!s} "
          f"(view it with: tensorboard --logdir {log_dir!s})")
    return {"test_accuracy": float(test_accuracy), "log_dir": str(log_dir)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST with TensorBoard, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--log-dir", default="logs")
    args = parser.parse_args(argv)
    return run(args.epochs, args.log_dir, verbose=2)


if __name__ == "__main__":
    main()
