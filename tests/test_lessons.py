"""Every lesson runs and reaches its stated result (with reduced settings)."""

import pytest
from conftest import load_lesson as load


def test_xor_hand_backprop_equals_autograd(capsys):
    result = load("xor").run(epochs=3000)
    assert result["solved"]
    assert result["initial_grad_gap"] < 1e-12
    assert result["weight_gap"] < 1e-9
    assert "XOR" in capsys.readouterr().out


def test_linear_regression_recovers_true_parameters():
    result = load("linear_regression").run(epochs=3)
    assert result["scratch_error"] < 0.01
    assert result["concise_error"] < 0.01


def test_autograd_tour_matches_analytic_answers():
    result = load("autograd_tour").run()
    for key, value in result.items():
        if key.endswith("error"):
            assert value < 1e-5, key
    assert result["accumulated"] == 15.0


def test_draw_graph_lesson_writes_the_loss_graph_and_checks_its_gradient(tmp_path):
    result = load("draw_graph").run(out=tmp_path)
    assert result["operations"] == 4  # Linear, ReLU, Linear, CrossEntropy
    assert result["grad_error"] < 1e-8  # float64 central differences
    assert (tmp_path / "loss_graph.dot").read_text().startswith("digraph autograd")


def test_gradient_descent_flavours(tmp_path):
    plot = tmp_path / "curves.png"
    pytest.importorskip("matplotlib")
    result = load("gradient_descent").run(epochs=3, plot=str(plot))
    assert plot.stat().st_size > 0
    # Two overlapping clouds: about 92 % is the best any linear rule can do.
    for name in ("batch", "mini-batch", "stochastic"):
        assert result[name]["accuracy"] > 0.85, name
    # More updates per epoch means faster progress per epoch.
    assert result["stochastic"]["losses"][0] < result["mini-batch"]["losses"][0]
    assert result["mini-batch"]["losses"][0] < result["batch"]["losses"][0]
    assert result["batch"]["losses"][-1] < result["batch"]["losses"][0]
