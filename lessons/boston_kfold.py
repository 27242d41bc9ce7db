"""Lesson: Boston house prices, a regression judged by K-fold cross-validation (Keras book).

404 training and 102 test towns, 13 features each (crime rate, rooms per
dwelling, distance to employment centres, ...), and the target: the median
home value in thousands of dollars.  (The data set has a known ethical flaw in
its feature B; see ``glassnet/data/datasets/boston.py``.)

* The features live on very different scales (a tax rate in the hundreds,
  a ratio below 1), so each is standardised, (x - mean) / std, with the
  mean and std of the data the model is trained on - never of the data it
  is judged on.
* The network is small, because the data set is: Dense(64, relu),
  Dense(64, relu), and Dense(1) with no activation, so it can output any
  price.  The loss is the mean squared error; the mean absolute error (MAE)
  is the metric a person can read: an MAE of 2.5 means predictions are off
  by $2,500 on average.
* With only 404 samples, one validation split of 100 houses is noisy: the
  score depends on which houses landed in it.  K-fold cross-validation
  splits the training data into K = 4 parts, trains a fresh model on three
  and validates on the fourth, four times, and averages the four scores.
  ``cross_validate`` fits the scaler inside each fold (the book standardises
  once with statistics of all 404 houses, which lets every validation fold
  peek at itself a little).
* The mean validation-MAE curve over the epochs, smoothed with an
  exponential moving average (each point 0.9 x the previous smoothed point
  + 0.1 x the new one) and without its first 10 epochs, shows where more
  training stops helping (``--plot``).  The book then trains a final model
  on all 404 houses for that many epochs and reports its test MAE.

Run:  python lessons/boston_kfold.py [--epochs 100] [--plot boston.png]
Expected (full run): mean validation MAE about 2.4-2.7 ($1000s).
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import nn
from glassnet.data import StandardScaler
from glassnet.data.datasets import boston_housing
from glassnet.training.cross_validation import cross_validate


def build_model():
    model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    return model


def smooth_curve(points, factor=0.9):
    smoothed = []
    for point in points:
        smoothed.append(smoothed[-1] * factor + point * (1 - factor) if smoothed else point)
    return smoothed


def plot_curve(mae, smoothed, skip, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(mae) + 1)
    ax.plot(epochs[skip:], mae[skip:], alpha=0.4, label="mean over folds")
    ax.plot(epochs[skip:], smoothed, label="smoothed (EMA 0.9)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation MAE ($1000s)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"validation MAE curve written to {path}")


def run(k=4, epochs=100, batch_size=16, final_epochs=130, plot=None, seed=0):
    glassnet.manual_seed(seed)
    (train_data, train_targets), (test_data, test_targets) = boston_housing.load_data()
    print(f"Boston housing: {len(train_data)} training and {len(test_data)} test samples, "
          f"{train_data.shape[1]} features")
    start = time.perf_counter()
    cv = cross_validate(build_model, train_data, train_targets, k=k, epochs=epochs,
                        batch_size=batch_size, scaler="standard", verbose=0)
    scores = [s["val_mae"] for s in cv.scores]
    print(f"{k}-fold cross-validation, {epochs} epochs, batch {batch_size} "
          f"({time.perf_counter() - start:.0f} s)")
    for i, score in enumerate(scores):
        print(f"  fold {i + 1}: validation MAE {score:.3f}")
    print(f"  mean validation MAE {cv.mean['val_mae']:.3f} +- {cv.std['val_mae']:.3f} ($1000s)")

    mae_curve = cv.mean_history("val_mae")
    skip = min(10, len(mae_curve) - 1)
    smoothed = smooth_curve(mae_curve[skip:])
    best_epoch = skip + int(np.argmin(smoothed)) + 1
    print(f"  smoothed mean validation MAE is lowest at epoch {best_epoch} ({min(smoothed):.3f})")
    if plot:
        plot_curve(mae_curve, smoothed, skip, plot)

    result = {"fold_mae": scores, "mean_mae": cv.mean["val_mae"], "std_mae": cv.std["val_mae"],
              "mae_curve": mae_curve, "smoothed": smoothed, "best_epoch": best_epoch}
    if final_epochs:
        scaler = StandardScaler()
        x_train, x_test = scaler.fit_transform(train_data), scaler.transform(test_data)
        model = build_model()
        model.fit(x_train, train_targets, epochs=final_epochs, batch_size=batch_size, verbose=0)
        test_mse, test_mae = model.evaluate(x_test, test_targets, verbose=0)
        print(f"final model, all {len(train_data)} training samples, {final_epochs} epochs: "
              f"test MAE {test_mae:.3f} ($1000s)")
        result["test_mae"] = test_mae
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Boston housing regression with K-fold cross-validation")
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--final-epochs", type=int, default=130, help="0 skips the final model")
    parser.add_argument("--plot", help="write the smoothed validation-MAE curve to this PNG file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.k, args.epochs, args.batch_size, args.final_epochs, args.plot, args.seed)


if __name__ == "__main__":
    main()
