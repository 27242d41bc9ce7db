"""The dense-network lessons reach their stated results.

Lessons on real data run with reduced settings (a training subset, fewer
epochs) and skip when GLASSNET_DATA lacks the dataset; the thresholds are
what the reduced run reaches with margin, far above chance. docs/lessons.md
lists each full run's result next to the reduced setting used here.
"""

import numpy as np
import pytest
from conftest import load_lesson as load
from conftest import needs


# ------------------------------------------------------------------ real data
def test_mnist_dense_keras_and_torch_styles_agree():
    needs("mnist")
    lesson = load("mnist_dense")
    keras = lesson.run(style="keras", epochs=2, train_size=20000)
    torch = lesson.run(style="torch", epochs=2, train_size=20000)
    # 20,000 images and 2 epochs reach about 92 %; the full run (60,000, 5 epochs) about 98 %.
    assert keras["test_accuracy"] > 0.90
    assert torch["test_accuracy"] > 0.90
    # fit() is the same loop as the hand-written one, with the same optimizer settings.
    assert abs(keras["test_accuracy"] - torch["test_accuracy"]) < 0.01
    assert keras["predicted"][:3] == [7, 2, 1]


def test_fashion_mnist_softmax_regression_and_mlp():
    needs("fashion-mnist")
    result = load("fashion_mnist_softmax").run(epochs=3, mlp_epochs=3, train_size=20000)
    # About 77 % and 84 % with 20,000 images and 3 epochs; chance is 10 %.
    assert result["scratch"]["test_accuracy"] > 0.74
    assert result["mlp"]["test_accuracy"] > 0.80


def test_boston_kfold_cross_validation(tmp_path):
    needs("boston")
    pytest.importorskip("matplotlib")
    plot = tmp_path / "boston.png"
    # The full cross-validation (100 epochs) is quick; only the final model is skipped.
    result = load("boston_kfold").run(epochs=100, final_epochs=0, plot=str(plot))
    assert len(result["fold_mae"]) == 4
    assert result["mean_mae"] == pytest.approx(np.mean(result["fold_mae"]))
    # Predicting the training mean for every house scores a MAE of about 6.7 here.
    assert result["mean_mae"] < 2.7
    assert result["mae_curve"][-1] < result["mae_curve"][0]
    assert plot.stat().st_size > 0


def test_churn_beats_the_majority_baseline():
    needs("churn")
    result = load("churn").run(epochs=20)
    assert result["baseline_accuracy"] == pytest.approx(1035 / 1409)
    assert result["test_accuracy"] > 0.78
    assert result["test_accuracy"] > result["baseline_accuracy"] + 0.03
    cm = result["confusion_matrix"]
    assert cm.sum() == 1409 and cm[1].sum() == 374
    assert result["recall"] == pytest.approx(cm[1, 1] / cm[1].sum())
    assert result["precision"] == pytest.approx(cm[1, 1] / cm[:, 1].sum())
    # A lower threshold flags more customers: recall cannot fall.
    assert result["thresholds"][0.3]["recall"] >= result["thresholds"][0.6]["recall"]


def test_dropout_narrows_the_generalisation_gap():
    needs("fashion-mnist")
    result = load("dropout").run(train_size=1000, epochs=20)
    plain, dropout = result["plain"], result["dropout"]
    assert plain["train_accuracy"] > 0.93  # it memorises the small training set
    assert dropout["gap"] < plain["gap"] - 0.02
    assert dropout["test_accuracy"] > 0.75


# ------------------------------------------------------------------ synthetic data
def test_polynomial_degree_under_and_overfitting():
    result = load("polynomial_degree").run(epochs=300)
    under, good, over = result["underfit"], result["good"], result["overfit"]
    assert under["train_loss"] > 1 and under["test_loss"] > 1
    assert good["train_loss"] < 0.02 and good["test_loss"] < 0.02  # noise variance is 0.01
    assert over["train_loss"] < good["train_loss"]
    assert over["test_loss"] > 3 * good["test_loss"]
    assert np.allclose(good["weights"], [5.0, 1.2, -3.4, 5.6], atol=0.15)


def test_weight_decay_hand_penalty_and_optimizer_agree():
    result = load("weight_decay").run()
    assert result["no_decay"]["train_loss"] < 1e-3
    assert result["no_decay"]["test_loss"] > 10
    assert result["decay"]["test_loss"] < result["no_decay"]["test_loss"] / 100
    assert result["decay"]["w_norm"] < result["no_decay"]["w_norm"] / 10
    assert result["method_gap"] < 1e-3


def test_activation_derivatives_match_closed_forms(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "activations.png"
    curves = load("activations").run(plot=str(plot))
    assert plot.stat().st_size > 0
    for name, c in curves.items():
        assert c["error"] < 1e-6, name
    assert curves["sigmoid"]["max_slope"] <= 0.25
    assert curves["sigmoid"]["at"][5.0] < 0.01 and curves["tanh"]["at"][5.0] < 0.001
    assert curves["ReLU"]["at"][-1.0] == 0 and curves["LeakyReLU"]["at"][-1.0] == pytest.approx(0.1)


def test_losses_outliers_gradients_and_label_smoothing():
    result = load("losses").run()
    fits = result["regression"]
    assert fits["MAE"]["distance"] < fits["MSE"]["distance"] / 3
    assert fits["Huber"]["distance"] < fits["MSE"]["distance"] / 3
    bce, mse = result["gradients"]["bce"][0], result["gradients"]["mse"][0]  # logit -6, target 1
    assert bce == pytest.approx(1 / (1 + np.exp(6)) - 1)
    assert abs(bce) > 50 * abs(mse)
    s = result["smoothing"]
    assert s["library"] == pytest.approx(s["hand"], abs=1e-9)
    assert s["margin"] == pytest.approx(s["optimal_margin"], abs=0.02)
    assert s["margin_without_smoothing"] > s["margin_without_smoothing_half"] > s["optimal_margin"] + 2
