"""glassnet.keras.optimizers follow Keras's defaults and update rules, not PyTorch's.

Three oracles: real Keras 3 (torch backend) when it is installed, the same
5 gradients applied to the same float64 variable in both; Keras's rules
written out here in NumPy, so the rules are asserted without Keras too; and
torch.optim for the PyTorch-style Adadelta and NAdam that Keras's need.
"""

import importlib
import re
from collections import namedtuple

import numpy as np
import pytest

import glassnet
from glassnet import keras as gkeras
from glassnet import nn, optim
from glassnet.keras import layers, models, optimizers
from glassnet.keras.optimizers import rules, schedules
from glassnet.keras.optimizers.schedules import ExponentialDecay

SHAPE, STEPS = (3, 4), 5


def _problem(seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(SHAPE), [rng.standard_normal(SHAPE) * scale for _ in range(STEPS)]


def _run_glassnet(optimizer, start, grads):
    """The parameter after ``optimizer`` (bound to it as compile would) applied ``grads`` in turn."""
    p = nn.Parameter(start.copy())
    bound = optimizer.bind([p])
    for g in grads:
        p.grad = glassnet.tensor(g, dtype=np.float64)
        bound.step()
    assert bound.iterations == len(grads) and p.dtype == np.float64
    return p.array


def _run_keras(keras, optimizer, start, grads):
    v = keras.Variable(start, dtype="float64")
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), v)])
    return keras.ops.convert_to_numpy(v)


# A schedule in a case, made from glassnet's or Keras's own schedules module.
Schedule = namedtuple("Schedule", "name args")
_DECAY = Schedule("ExponentialDecay", (0.05, 2, 0.5))
_STEPS = Schedule("PiecewiseConstantDecay", ([1, 3], [0.1, 0.01, 0.001]))


def _make(module, name, kwargs):
    kwargs = {k: getattr(module.schedules, v.name)(*v.args) if isinstance(v, Schedule) else v
              for k, v in kwargs.items()}
    return getattr(module, name)(**kwargs)


CASES = [
    ("SGD", {}), ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}), ("SGD", {"momentum": 0.9, "learning_rate": _DECAY}),
    ("SGD", {"momentum": 0.8, "nesterov": True, "learning_rate": _STEPS}),
    ("SGD", {"clipnorm": 1.0}), ("SGD", {"clipvalue": 0.3}), ("SGD", {"global_clipnorm": 1.0}),
    ("SGD", {"weight_decay": 0.1, "learning_rate": 0.1}),
    ("RMSprop", {}), ("RMSprop", {"rho": 0.5, "epsilon": 1e-2}), ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}), ("RMSprop", {"momentum": 0.9, "centered": True, "epsilon": 1e-3}),
    ("RMSprop", {"momentum": 0.5, "learning_rate": _DECAY}),
    ("Adam", {}), ("Adam", {"learning_rate": 0.01, "epsilon": 1e-2}), ("Adam", {"amsgrad": True}),
    ("Adam", {"learning_rate": _STEPS}), ("Adam", {"clipnorm": 0.5}), ("Adam", {"weight_decay": 0.1}),
    ("AdamW", {}), ("AdamW", {"weight_decay": 0.1, "amsgrad": True, "learning_rate": _DECAY}),
    ("Adagrad", {}), ("Adagrad", {"initial_accumulator_value": 0.5, "epsilon": 1e-2, "learning_rate": 0.1}),
    ("Adadelta", {}), ("Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-4}),
    ("Nadam", {}), ("Nadam", {"learning_rate": 0.01, "beta_1": 0.8, "epsilon": 1e-3}),
    ("Nadam", {"learning_rate": _DECAY, "clipvalue": 0.5}),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_same_steps_as_real_keras(real_keras, name, kwargs):
    start, grads = _problem(seed=len(kwargs), scale=2.0)  # big enough for the clipping to act
    ours = _run_glassnet(_make(optimizers, name, kwargs), start, grads)
    theirs = _run_keras(real_keras, _make(real_keras.optimizers, name, kwargs), start, grads)
    assert not np.allclose(ours, start)
    # Keras keeps its learning rate (and a schedule's values) in float32: that limits the match.
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


def test_same_defaults_as_real_keras(real_keras):
    for name in ("SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Nadam"):
        ours = getattr(optimizers, name)().get_config()
        theirs = getattr(real_keras.optimizers, name)().get_config()
        assert re.sub(r"_\d+$", "", theirs.pop("name")) == ours.pop("name")  # Keras numbers repeats
        for key, value in ours.items():
            assert theirs[key] == pytest.approx(value), (name, key)


SCHEDULES = [
    ("ExponentialDecay", (0.1, 3, 0.5)), ("ExponentialDecay", (0.1, 3, 0.5, True)),
    ("InverseTimeDecay", (0.1, 2, 0.5)), ("InverseTimeDecay", (0.1, 2, 0.5, True)),
    ("PiecewiseConstantDecay", ([2, 5], [1.0, 0.5, 0.1])), ("PolynomialDecay", (0.1, 6)),
    ("PolynomialDecay", (0.1, 4, 0.01, 2.0, True)), ("CosineDecay", (0.1, 6, 0.1)),
    ("CosineDecay", (0.0, 6), {"warmup_target": 0.2, "warmup_steps": 3}),
]


@pytest.mark.parametrize("case", SCHEDULES, ids=[f"{c[0]}{c[1]}" for c in SCHEDULES])
def test_schedules_match_real_keras(real_keras, case):
    name, args, kwargs = (case + ({},))[:3]
    ours = getattr(schedules, name)(*args, **kwargs)
    theirs = getattr(real_keras.optimizers.schedules, name)(*args, **kwargs)
    steps = range(12)
    np.testing.assert_allclose([ours(s) for s in steps], [float(theirs(s)) for s in steps], rtol=1e-6)


# --------------------------------------------- Keras's rules, written out
def test_adam_adds_epsilon_before_the_bias_correction():
    start, grads = _problem(1)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 0.1  # a big eps makes the placement plain to see
    ours = _run_glassnet(optimizers.Adam(lr, epsilon=eps), start, grads)
    w, m, v = start.copy(), 0, 0
    for t, g in enumerate(grads, 1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w -= lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(ours, w, rtol=1e-12)
    pytorch_rule = _run_glassnet_plain(optim.Adam, start, grads, lr=lr, eps=eps)
    assert not np.allclose(pytorch_rule, w, rtol=1e-3)


def test_rmsprop_puts_epsilon_under_the_root_and_lr_into_the_momentum():
    start, grads = _problem(2)
    rho, eps, mu = 0.9, 0.05, 0.5
    lrs = [0.1 * 0.5**t for t in range(STEPS)]  # a schedule: there the lr's place in the momentum shows
    schedule = schedules.ExponentialDecay(0.1, 1, 0.5)
    ours = _run_glassnet(optimizers.RMSprop(schedule, rho, mu, eps, centered=True), start, grads)
    w, v, avg, buf = start.copy(), 0, 0, 0
    for lr, g in zip(lrs, grads):
        v, avg = rho * v + (1 - rho) * g * g, rho * avg + (1 - rho) * g
        buf = mu * buf + lr * g / np.sqrt(v - avg * avg + eps)
        w -= buf
    np.testing.assert_allclose(ours, w, rtol=1e-12)


def test_sgd_momentum_keeps_past_steps_at_their_own_learning_rate():
    start, grads = _problem(3)
    lrs, mu = [0.1, 0.01, 0.01, 0.001, 0.001], 0.9
    ours = _run_glassnet(optimizers.SGD(schedules.PiecewiseConstantDecay([0, 2], [0.1, 0.01, 0.001]), mu),
                         start, grads)
    w, velocity = start.copy(), 0
    for lr, g in zip(lrs, grads):
        velocity = mu * velocity - lr * g
        w += velocity
    np.testing.assert_allclose(ours, w, rtol=1e-12)


def test_adagrad_starts_its_sum_at_0_1_and_adds_epsilon_under_the_root():
    start, grads = _problem(4)
    ours = _run_glassnet(optimizers.Adagrad(0.1, epsilon=0.01), start, grads)
    w, total = start.copy(), 0.1
    for g in grads:
        total = total + g * g
        w -= 0.1 * g / np.sqrt(total + 0.01)
    np.testing.assert_allclose(ours, w, rtol=1e-12)


def test_clipping_and_weight_decay_come_before_the_update():
    start, grads = _problem(5, scale=3.0)
    ours = _run_glassnet(optimizers.SGD(0.1, clipnorm=1.0, weight_decay=0.5), start, grads)
    w = start.copy()
    for g in grads:
        w = w * (1 - 0.1 * 0.5) - 0.1 * g / max(1.0, np.linalg.norm(g))
    np.testing.assert_allclose(ours, w, rtol=1e-12)
    # The rule is lent the clipped gradient: the caller's stays as it was, and float32 stays float32.
    p = nn.Parameter(start.astype(np.float32))
    bound = optimizers.Adam(clipnorm=1.0).bind([p])
    p.grad = given = glassnet.tensor(grads[0].astype(np.float32))
    bound.step()
    assert p.grad is given and p.dtype == np.float32 and bound.state[p]["exp_avg"].dtype == np.float32
    np.testing.assert_array_equal(given.array, grads[0].astype(np.float32))


def _run_glassnet_plain(cls, start, grads, **kwargs):
    p = nn.Parameter(start.copy())
    opt = cls([p], **kwargs)
    for g in grads:
        p.grad = glassnet.tensor(g, dtype=np.float64)
        opt.step()
    return p.array


# ---------------------------------- PyTorch-style Adadelta and NAdam vs torch
TORCH_CASES = [
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("NAdam", {}), ("NAdam", {"lr": 0.01, "betas": (0.8, 0.9), "momentum_decay": 0.1}),
    ("NAdam", {"weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"maximize": True, "eps": 1e-3}),
]


@pytest.mark.parametrize("name, kwargs", TORCH_CASES, ids=[f"{n}-{k}" for n, k in TORCH_CASES])
def test_pytorch_style_adadelta_and_nadam_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    start, grads = _problem(6)
    ours = _run_glassnet_plain(getattr(optim, name), start, grads, **kwargs)
    p = torch.tensor(start, requires_grad=True)
    opt = getattr(torch.optim, name)([p], **kwargs)
    for g in grads:
        p.grad = torch.from_numpy(g)
        opt.step()
    # torch keeps NAdam's mu_product in float32 even for float64 parameters.
    rtol = 1e-7 if name == "NAdam" else 1e-12
    np.testing.assert_allclose(ours, p.detach().numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("name", ["Adadelta", "NAdam"])
def test_pytorch_style_defaults_and_state_are_torch_s(name):
    torch = pytest.importorskip("torch")
    start, grads = _problem(7)
    ours, theirs = nn.Parameter(start.copy()), torch.tensor(start, requires_grad=True)
    gopt, topt = getattr(optim, name)([ours]), getattr(torch.optim, name)([theirs])
    assert {k: gopt.defaults[k] for k in gopt.defaults} == {k: topt.defaults[k] for k in gopt.defaults}
    for g in grads[:2]:  # torch's state carries over, NAdam's 0-d mu_product tensor included
        theirs.grad = torch.from_numpy(g)
        topt.step()
    ours.array[...] = theirs.detach().numpy()
    gopt.load_state_dict(topt.state_dict())
    for g in grads[2:]:
        ours.grad, theirs.grad = glassnet.tensor(g, dtype=np.float64), torch.from_numpy(g)
        gopt.step()
        topt.step()
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-7)


def test_keras_rules_are_switches_of_the_pytorch_classes():
    p = nn.Parameter(np.zeros(2))
    assert isinstance(optimizers.Nadam().bind([p]), optim.NAdam)
    bound = optimizers.RMSprop().bind([p])
    assert isinstance(bound, optim.RMSprop) and bound.eps_inside_sqrt and bound.lr_in_buffer
    assert not optim.RMSprop([p]).eps_inside_sqrt  # the PyTorch-style class keeps PyTorch's rule


# ------------------------------------------------------------ the Keras API
def test_get_knows_keras_names_in_any_case():
    for name, cls in [("SGD", optimizers.SGD), ("rmsprop", optimizers.RMSprop), ("Adam", optimizers.Adam),
                      ("adamw", optimizers.AdamW), ("ADAGRAD", optimizers.Adagrad),
                      ("adadelta", optimizers.Adadelta), ("Nadam", optimizers.Nadam)]:
        assert type(optimizers.get(name)) is cls
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamax'; valid names: \['adadelta', 'adagrad'"):
        optimizers.get("adamax")


def test_keras_defaults():
    expected = {"SGD": (0.01, {}), "RMSprop": (1e-3, {"rho": 0.9, "epsilon": 1e-7}),
                "Adam": (1e-3, {"epsilon": 1e-7}), "AdamW": (1e-3, {"weight_decay": 0.004}),
                "Adagrad": (1e-3, {"initial_accumulator_value": 0.1, "epsilon": 1e-7}),
                "Adadelta": (1e-3, {"rho": 0.95, "epsilon": 1e-7}), "Nadam": (1e-3, {"epsilon": 1e-7})}
    for name, (lr, args) in expected.items():
        config = getattr(optimizers, name)().get_config()
        assert config["learning_rate"] == lr and all(config[k] == v for k, v in args.items()), name


def test_learning_rate_and_iterations_follow_the_bound_optimizer():
    schedules_module = importlib.import_module("glassnet.keras.optimizers.schedules")
    assert optimizers.schedules is schedules_module and schedules_module.ExponentialDecay is ExponentialDecay
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = 0.05
    assert opt.learning_rate == 0.05 and opt.iterations == 0
    p = nn.Parameter(np.ones(2))
    bound = opt.bind([p])
    opt.learning_rate = 0.5  # as a Keras callback would, after compile
    assert bound.learning_rate == 0.5 and bound.param_groups[0]["lr"] == 0.5
    p.grad = glassnet.tensor(np.ones(2))
    bound.step()
    np.testing.assert_allclose(p.array, [0.5, 0.5])
    assert opt.iterations == bound.iterations == 1

    decayed = optimizers.Adam(ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    bound = decayed.bind([p])
    bound.step()
    assert decayed.learning_rate == pytest.approx(0.05)  # the rate of the next update: schedule(1)
    with pytest.raises(TypeError, match="schedule, so it cannot be set to a number"):
        decayed.learning_rate = 0.01
    config = decayed.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    assert isinstance(optimizers.Adam.from_config(config)._learning_rate, ExponentialDecay)
    assert bound.state_dict()["iterations"] == 1


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=0.5)
    with pytest.raises(NotImplementedError, match=r"Adam: \['use_ema'\] not supported"):
        optimizers.Adam(use_ema=True)
    with pytest.raises(ValueError, match="decay_steps must be > 0"):
        schedules.CosineDecay(0.1, 0)


def test_compile_with_nadam_trains_a_model():
    gkeras.backend.clear_session()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0], np.float32))[:, None]
    model = models.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(1)])
    model.compile(optimizer="nadam", loss="mse")
    assert isinstance(model.optimizer, rules.Nadam)
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]  # Nadam's small lr: 1e-3
    assert model.optimizer.iterations == 30 * 64 // 8
