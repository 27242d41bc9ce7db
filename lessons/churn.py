"""Lesson: will a customer leave?  A binary classifier for Telco churn, and why accuracy is not enough.

IBM's Telco customer churn table: 7,043 customers, 1,869 (26.5 %) of whom
left ("churned").  ``load_churn()`` one-hot encodes the categorical columns,
standardises the numbers with training-split statistics and keeps a
stratified 20 % of the customers for testing.

The model is a small dense network with one output squashed by a sigmoid,
p = sigma(z), read as "the probability that this customer churns", trained
on the binary cross-entropy -[y log p + (1 - y) log(1 - p)]:

    model = nn.Sequential(nn.Linear(n, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1), nn.Sigmoid())
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "precision", "recall"])

The classes are imbalanced: a "model" that always answers "stays" is right
about 73.5 % of the time and finds no churner at all.  So accuracy must be
compared with that baseline, and the per-class view matters more:

* precision (of "churn"): of the customers we flag, how many do leave;
* recall (of "churn"): of the customers who leave, how many we flag;
* the confusion matrix: rows are the truth, columns the prediction.

A threshold of 0.5 on p is only a default.  Lowering it flags more
customers: recall rises and precision falls.  Which trade-off is right
depends on what a missed churner costs compared with a wasted offer; the
table at the end shows it for a few thresholds.

Run:  python lessons/churn.py [--epochs 20]
"""

import argparse
import time

import numpy as np

import glassnet
from glassnet import metrics, nn
from glassnet.data.datasets import load_churn


def build_model(n_features):
    model = nn.Sequential(nn.Linear(n_features, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1), nn.Sigmoid())
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "precision", "recall"])
    return model


def run(epochs=20, batch_size=32, seed=0):
    glassnet.manual_seed(seed)
    x_train, y_train, x_test, y_test, names, info = load_churn()
    share = y_train.mean()
    print(f"Telco churn: {len(x_train)} training and {len(x_test)} test customers, {len(names)} features; "
          f"{share:.1%} of the training customers churned")

    model = build_model(x_train.shape[1])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=0.2,
                        verbose=0)
    seconds = time.perf_counter() - start
    last = {key: values[-1] for key, values in history.history.items()}
    print(f"trained {epochs} epochs in {seconds:.0f} s (validation: the last 20 % of the training customers)")
    print("  " + ", ".join(f"{k} {v:.3f}" for k, v in last.items()))

    test = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    probabilities = model.predict(x_test).ravel()
    predicted = (probabilities > 0.5).astype(np.int64)
    baseline = 1 - y_test.mean()
    print(f"\ntest accuracy {test['accuracy']:.4f}; always answering 'stays' would score {baseline:.4f}")
    print(metrics.classification_report(y_test, predicted, target_names=["stays", "churns"], digits=3))
    cm = metrics.confusion_matrix(y_test, predicted)
    print("confusion matrix (rows: truth, columns: prediction)")
    print(f"{'':>14} {'stays':>7} {'churns':>7}")
    for name, row in zip(["truly stays", "truly churns"], cm):
        print(f"{name:>14} {row[0]:>7} {row[1]:>7}")

    print("\nthreshold  flagged  precision  recall  accuracy")
    thresholds = {}
    for threshold in (0.3, 0.4, 0.5, 0.6):
        flag = (probabilities > threshold).astype(np.int64)
        p, r = metrics.precision(y_test, flag), metrics.recall(y_test, flag)
        acc = metrics.accuracy(y_test, flag)
        thresholds[threshold] = {"precision": p, "recall": r, "accuracy": acc}
        print(f"{threshold:>9} {flag.sum():>8} {p:>10.3f} {r:>7.3f} {acc:>9.3f}")

    report = metrics.classification_report(y_test, predicted, output_dict=True)
    return {"test_accuracy": test["accuracy"], "baseline_accuracy": float(baseline),
            "precision": report["1"]["precision"], "recall": report["1"]["recall"],
            "f1": report["1"]["f1-score"], "confusion_matrix": cm, "thresholds": thresholds,
            "history": history.history, "seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Telco churn: a binary classifier and its report")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.epochs, args.batch_size, args.seed)


if __name__ == "__main__":
    main()
