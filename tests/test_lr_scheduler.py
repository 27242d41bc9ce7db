"""glassnet.optim.lr_scheduler against torch.optim.lr_scheduler: the same lr sequences."""

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tsched

import glassnet
from glassnet import optim
from glassnet.optim import lr_scheduler as gsched

LRS = (0.1, 0.05)


def _optimizers(name="SGD"):
    """Two-group optimizers, glassnet and torch, with the lrs in LRS."""
    g = getattr(optim, name)([{"params": [glassnet.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS])
    t = getattr(torch.optim, name)([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS])
    return g, t


def _sequence(opt, schedulers, steps):
    lrs = [[group["lr"] for group in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        for s in schedulers:
            s.step()
        assert schedulers[-1].get_last_lr() == [group["lr"] for group in opt.param_groups]
        lrs.append(list(schedulers[-1].get_last_lr()))
    return np.array(lrs)


class Halve:
    """A callable object: its attributes go into LambdaLR's state dict."""

    def __init__(self, every):
        self.every = every

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


SCHEDULES = {
    "step": ("StepLR", {"step_size": 3, "gamma": 0.5}),
    "multistep": ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    "exponential": ("ExponentialLR", {"gamma": 0.9}),
    "cosine": ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    "cosine-short": ("CosineAnnealingLR", {"T_max": 7}),
    "lambda": ("LambdaLR", {"lr_lambda": lambda e: 0.95**e}),
    "lambda-per-group": ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), Halve(4)]}),
}


@pytest.mark.parametrize("key", SCHEDULES)
def test_lr_sequence_matches_torch(key):
    name, kwargs = SCHEDULES[key]
    gopt, topt = _optimizers()
    gs, ts = getattr(gsched, name)(gopt, **kwargs), getattr(tsched, name)(topt, **kwargs)
    assert gs.last_epoch == ts.last_epoch == 0
    got, want = _sequence(gopt, [gs], 30), _sequence(topt, [ts], 30)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert gs.last_epoch == ts.last_epoch == 30
    assert gs.base_lrs == ts.base_lrs == list(LRS)


def test_cosine_follows_the_closed_form_within_t_max():
    gopt, _ = _optimizers()
    lrs = _sequence(gopt, [gsched.CosineAnnealingLR(gopt, T_max=10, eta_min=0.01)], 10)[:, 0]
    want = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(lrs, want, rtol=1e-10)


def test_chained_schedulers_match_torch():
    gopt, topt = _optimizers()
    g = [gsched.StepLR(gopt, step_size=4, gamma=0.5), gsched.ExponentialLR(gopt, gamma=0.95)]
    t = [tsched.StepLR(topt, step_size=4, gamma=0.5), tsched.ExponentialLR(topt, gamma=0.95)]
    np.testing.assert_allclose(_sequence(gopt, g, 20), _sequence(topt, t, 20), rtol=1e-12)


@pytest.mark.parametrize("key", ["step", "multistep", "exponential", "cosine"])
def test_resume_with_last_epoch_matches_torch(key):
    # Resuming at last_epoch=k needs 'initial_lr' in the groups (a loaded optimizer has it).
    name, kwargs = SCHEDULES[key]
    gopt, topt = _optimizers()
    for opt in (gopt, topt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
            group["lr"] *= 0.7
    gs = getattr(gsched, name)(gopt, last_epoch=4, **kwargs)
    ts = getattr(tsched, name)(topt, last_epoch=4, **kwargs)
    np.testing.assert_allclose(_sequence(gopt, [gs], 15), _sequence(topt, [ts], 15), rtol=1e-12)


def test_resume_without_initial_lr_raises():
    gopt, _ = _optimizers()
    with pytest.raises(KeyError, match="initial_lr"):
        gsched.StepLR(gopt, step_size=2, last_epoch=3)


@pytest.mark.parametrize("key", ["multistep", "cosine", "lambda-per-group"])
def test_state_dict_round_trip_continues_identically(key):
    name, kwargs = SCHEDULES[key]
    gopt = _optimizers()[0]
    sched = getattr(gsched, name)(gopt, **kwargs)
    _sequence(gopt, [sched], 6)
    saved_opt, saved_sched = gopt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched and saved_sched["last_epoch"] == 6

    fresh_opt = _optimizers()[0]
    fresh_kwargs = dict(kwargs)
    if name == "LambdaLR":
        fresh_kwargs["lr_lambda"] = [kwargs["lr_lambda"][0], Halve(99)]
        assert saved_sched["lr_lambdas"][0] is None and saved_sched["lr_lambdas"][1] == {"every": 4}
    fresh = getattr(gsched, name)(fresh_opt, **fresh_kwargs)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved_sched)
    np.testing.assert_array_equal(_sequence(fresh_opt, [fresh], 12), _sequence(gopt, [sched], 12))


def test_lambda_lr_needs_one_function_per_group():
    gopt, _ = _optimizers()
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        gsched.LambdaLR(gopt, [lambda e: 1.0])


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        gsched.StepLR(object(), step_size=1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        gsched.ReduceLROnPlateau(object())


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.8999, 0.9, 0.9, 0.9, 0.9, 0.8, 0.85, 0.85, 0.85, 0.85,
           0.85, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77, 0.6, 0.6, 0.6, 0.6, 0.6]
PLATEAU_CASES = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02},
    {"patience": 0, "factor": 0.5, "min_lr": [0.03, 0.001]},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 1, "threshold": 0.1, "threshold_mode": "rel", "factor": 0.3},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 0, "threshold": 0.02, "threshold_mode": "abs", "cooldown": 1},
    {"patience": 0, "factor": 0.9, "eps": 0.006},
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=[str(c) for c in PLATEAU_CASES])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    gopt, topt = _optimizers("Adam")
    gs, ts = gsched.ReduceLROnPlateau(gopt, **kwargs), tsched.ReduceLROnPlateau(topt, **kwargs)
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    for i, m in enumerate(metrics):
        gs.step(m)
        # torch takes a 0-d tensor metric too; feed it one to check the float() conversion.
        ts.step(torch.tensor(m, dtype=torch.float64) if i % 2 else m)
        assert gs.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
        assert (gs.best, gs.num_bad_epochs, gs.cooldown_counter, gs.last_epoch) == \
            (ts.best, ts.num_bad_epochs, ts.cooldown_counter, ts.last_epoch)
    if kwargs:  # with patience 10 the default never reduces on this script; the others do
        assert gopt.param_groups[0]["lr"] < LRS[0]
    if "eps" in kwargs:  # 0.05 -> 0.045 is a change below eps, so it is skipped
        assert gopt.param_groups[1]["lr"] == LRS[1]


def test_reduce_lr_on_plateau_state_dict_round_trip():
    gopt = _optimizers()[0]
    sched = gsched.ReduceLROnPlateau(gopt, patience=1, cooldown=1)
    for m in METRICS[:8]:
        sched.step(m)
    fresh_opt = _optimizers()[0]
    fresh = gsched.ReduceLROnPlateau(fresh_opt)
    fresh_opt.load_state_dict(gopt.state_dict())
    fresh.load_state_dict(sched.state_dict())
    for m in METRICS[8:]:
        sched.step(m)
        fresh.step(m)
        assert fresh.get_last_lr() == sched.get_last_lr()
    assert fresh.patience == 1 and fresh.num_bad_epochs == sched.num_bad_epochs


@pytest.mark.parametrize("kwargs,message", [
    ({"factor": 1.0}, "factor=1.0 must be < 1.0"),
    ({"mode": "up"}, "mode='up' is unknown"),
    ({"threshold_mode": "pct"}, "threshold_mode='pct' is unknown"),
    ({"min_lr": [0.1]}, "expected 2 min_lrs, got 1"),
])
def test_reduce_lr_on_plateau_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gsched.ReduceLROnPlateau(_optimizers()[0], **kwargs)
