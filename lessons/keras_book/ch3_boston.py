"""Lesson: Deep Learning with Python, section 3.6 - house prices with K-fold validation, on glassnet.keras.

The book's code with only its imports changed: 404 houses, 4 folds, a
Dense(64)-Dense(64)-Dense(1) regressor trained with RMSprop on the mean
squared error, batches of one for 100 epochs. The book's mean validation
MAE is about 2.4 (thousands of dollars).

Run:  python lessons/keras_book/ch3_boston.py [--epochs 100] [--batch-size 1]
"""

import argparse

import numpy as np


def run(num_epochs=100, batch_size=1):
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
    all_scores = []
    for i in range(k):
        print('processing fold #', i)
        val_data = train_data[i * num_val_samples: (i + 1) * num_val_samples]
        val_targets = train_targets[i * num_val_samples: (i + 1) * num_val_samples]
        partial_train_data = np.concatenate(
            [train_data[:i * num_val_samples],
             train_data[(i + 1) * num_val_samples:]],
            axis=0)
        partial_train_targets = np.concatenate(
            [train_targets[:i * num_val_samples],
             train_targets[(i + 1) * num_val_samples:]],
            axis=0)
        model = build_model()
        model.fit(partial_train_data, partial_train_targets,
                  epochs=num_epochs, batch_size=batch_size, verbose=0)
        val_mse, val_mae = model.evaluate(val_data, val_targets, verbose=0)
        all_scores.append(val_mae)
    print('fold MAEs:', all_scores, 'mean:', np.mean(all_scores))
    return {"fold_mae": all_scores, "mean_mae": float(np.mean(all_scores))}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Deep Learning with Python, section 3.6, on glassnet.keras")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1)
    args = parser.parse_args(argv)
    return run(args.epochs, args.batch_size)


if __name__ == "__main__":
    main()
