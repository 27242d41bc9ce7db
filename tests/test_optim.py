"""glassnet.optim against torch.optim: same start, same gradients -> same parameters."""

import numpy as np
import pytest
import torch

import glassnet
from glassnet import optim

SHAPES = [(6, 5), (7,)]
RTOL, ATOL = 1e-5, 1e-6


def _problem(seed=1, dtype=np.float32):
    """Starting values and targets of a fixed quadratic, one per shape."""
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    targets = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    noise = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    return inits, targets, noise


def _grad(value, target, noise, k):
    # A quadratic's gradient plus a wobble, so that amsgrad's running max and
    # the momentum buffers see gradients that change sign and size.
    return (value - target) * value.dtype.type(0.7) + noise * value.dtype.type(np.sin(k + 1.0))


def _set_grads(gn_params, t_params, targets, noise, k):
    for gp, tp, target, nz in zip(gn_params, t_params, targets, noise):
        gp.grad = glassnet.tensor(_grad(gp.array, target, nz, k), dtype=gp.dtype)
        tp.grad = torch.from_numpy(_grad(tp.detach().numpy(), target, nz, k))


def _pair(dtype=np.float32, seed=1):
    inits, targets, noise = _problem(seed, dtype)
    gn = [glassnet.tensor(x, dtype=x.dtype, requires_grad=True) for x in inits]
    tt = [torch.tensor(x, requires_grad=True) for x in inits]
    return gn, tt, targets, noise


def _check_close(gn_params, t_params, rtol=RTOL, atol=ATOL):
    for gp, tp in zip(gn_params, t_params):
        np.testing.assert_allclose(gp.array, tp.detach().numpy(), rtol=rtol, atol=atol)


def _compare(name, kwargs, steps=8, dtype=np.float32, rtol=RTOL, atol=ATOL):
    gn, tt, targets, noise = _pair(dtype)
    gopt = getattr(optim, name)(gn, **kwargs)
    topt = getattr(torch.optim, name)(tt, **kwargs)
    for k in range(steps):
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    _check_close(gn, tt, rtol, atol)
    # The updates moved the parameters in place and kept their dtype.
    assert all(p.dtype == dtype and p.is_leaf for p in gn)
    return gn, gopt


SGD_CASES = [
    {}, {"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True}, {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "maximize": True}, {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.2, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1, "maximize": True},
]
ADAGRAD_CASES = [
    {}, {"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.1}, {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5}, {"lr": 0.1, "eps": 1e-3}, {"lr": 0.1, "maximize": True},
    {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.2, "maximize": True},
]
RMSPROP_CASES = [
    {}, {"lr": 0.01, "centered": True}, {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.01, "momentum": 0.9, "centered": True}, {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "alpha": 0.5}, {"lr": 0.01, "alpha": 0.3, "centered": True}, {"lr": 0.01, "eps": 1e-2},
    {"lr": 0.01, "maximize": True, "weight_decay": 0.1, "momentum": 0.5, "centered": True},
]
ADAM_CASES = [
    {}, {"lr": 0.01}, {"lr": 0.01, "amsgrad": True}, {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "betas": (0.5, 0.9)}, {"lr": 0.01, "eps": 1e-2}, {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True, "betas": (0.8, 0.95)},
]
ADAMW_CASES = [
    {}, {"lr": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "weight_decay": 0}, {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "maximize": True}, {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": (0.7, 0.9)},
]
CASES = (
    [("SGD", c) for c in SGD_CASES] + [("Adagrad", c) for c in ADAGRAD_CASES]
    + [("RMSprop", c) for c in RMSPROP_CASES] + [("Adam", c) for c in ADAM_CASES]
    + [("AdamW", c) for c in ADAMW_CASES]
)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_matches_torch(name, kwargs):
    _compare(name, kwargs, steps=8)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_float64_matches_torch_tightly(name):
    kwargs = {"lr": 0.01, "weight_decay": 0.1}
    if name in ("SGD", "RMSprop"):
        kwargs["momentum"] = 0.9
    _compare(name, kwargs, steps=10, dtype=np.float64, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_defaults_match_torch(name):
    gopt = getattr(optim, name)([glassnet.zeros(2, requires_grad=True)])
    topt = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    for key, value in gopt.defaults.items():
        assert topt.defaults[key] == value, key


def test_param_groups_with_their_own_options():
    gn, tt, targets, noise = _pair()
    gopt = optim.SGD([{"params": [gn[0]], "lr": 0.2, "momentum": 0.5}, {"params": [gn[1]]}],
                     lr=0.05, momentum=0.9)
    topt = torch.optim.SGD([{"params": [tt[0]], "lr": 0.2, "momentum": 0.5}, {"params": [tt[1]]}],
                           lr=0.05, momentum=0.9)
    assert gopt.param_groups[1]["lr"] == 0.05 and gopt.param_groups[0]["momentum"] == 0.5
    for k in range(6):
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    _check_close(gn, tt)


def test_add_param_group_later():
    gn, tt, targets, noise = _pair()
    gopt, topt = optim.Adam([gn[0]], lr=0.01), torch.optim.Adam([tt[0]], lr=0.01)
    for k in range(6):
        if k == 3:
            gopt.add_param_group({"params": gn[1], "lr": 0.1})
            topt.add_param_group({"params": tt[1], "lr": 0.1})
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    _check_close(gn, tt)


def test_params_without_grad_are_skipped():
    gn, tt, targets, noise = _pair()
    frozen = glassnet.tensor(np.ones(3, np.float32), requires_grad=True)
    gopt = optim.Adam(gn + [frozen], lr=0.01, weight_decay=0.1)
    topt = torch.optim.Adam(tt, lr=0.01, weight_decay=0.1)
    for k in range(4):
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    _check_close(gn, tt)
    np.testing.assert_array_equal(frozen.array, np.ones(3))
    assert frozen not in gopt.state


def test_updates_in_place_and_keep_float32():
    gn, _, targets, noise = _pair()
    arrays = [p.array for p in gn]
    # A NumPy float64 lr must not turn the float32 parameters into float64.
    opt = optim.SGD(gn, lr=np.float64(0.1), momentum=0.9, weight_decay=np.float64(0.01))
    for k in range(3):
        for p, t, nz in zip(gn, targets, noise):
            p.grad = glassnet.tensor(_grad(p.array, t, nz, k))
        opt.step()
    for p, a in zip(gn, arrays):
        assert p.array is a and p.dtype == np.float32 and p.grad_fn is None
    assert opt.state[gn[0]]["momentum_buffer"].dtype == np.float32


def test_named_parameters_are_accepted():
    gn, tt, targets, noise = _pair()
    gopt = optim.SGD([("w", gn[0]), ("b", gn[1])], lr=0.1)
    topt = torch.optim.SGD([("w", tt[0]), ("b", tt[1])], lr=0.1)
    assert gopt.param_groups[0]["param_names"] == ["w", "b"]
    _set_grads(gn, tt, targets, noise, 0)
    gopt.step()
    topt.step()
    _check_close(gn, tt)


def test_a_gradient_that_does_not_fit_its_parameter_is_named_before_any_update():
    w = glassnet.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    for make in (lambda: optim.SGD([w], lr=0.1), lambda: optim.Adam([("w", w)], lr=0.1)):
        w.grad = glassnet.ones(3)  # a broadcastable shape must not slip through as a broadcast update
        with pytest.raises(RuntimeError, match=r"parameter (0 of parameter group 0|'w') has shape \(2, 3\), "
                                               r"but its gradient has shape \(3,\)"):
            make().step()
    np.testing.assert_array_equal(w.array, np.ones((2, 3)))


@pytest.mark.parametrize("name, kwargs", [("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}),
                                          ("RMSprop", {"momentum": 0.5}), ("Adagrad", {})])
def test_state_is_kept_only_where_torch_keeps_it(name, kwargs):
    gn, tt, targets, noise = _pair()
    gopt = getattr(optim, name)(gn, lr=0.01, **kwargs)
    topt = getattr(torch.optim, name)(tt, lr=0.01, **kwargs)
    for k in range(2):
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    ours, theirs = gopt.state_dict()["state"], topt.state_dict()["state"]
    assert {i: sorted(s) for i, s in ours.items()} == {
        i: sorted(k for k, v in s.items() if v is not None) for i, s in theirs.items()}
    _check_close(gn, tt)


def test_step_with_closure_returns_its_loss():
    p = glassnet.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    loss = opt.step(closure)
    assert calls == [5.0] and loss.item() == 5.0
    np.testing.assert_allclose(p.array, [0.0, 0.0])  # p - 0.5 * 2p


def test_zero_grad():
    a = glassnet.tensor([1.0, 2.0], requires_grad=True)
    b = glassnet.tensor([3.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    a.grad = glassnet.tensor([5.0, 6.0])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.array, [0.0, 0.0])
    assert b.grad is None
    opt.zero_grad()
    assert a.grad is None
    b.grad = glassnet.Tensor(np.broadcast_to(np.float32(2.0), (1,)))  # read-only, as backward may leave
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(b.grad.array, [0.0])


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    gn, tt, targets, noise = _pair()
    opt = getattr(optim, name)(gn, **kwargs)
    for k in range(3):
        _set_grads(gn, tt, targets, noise, k)
        opt.step()
    saved = opt.state_dict()
    assert sorted(saved["state"]) == [0, 1] and saved["param_groups"][0]["params"] == [0, 1]
    opt.param_groups[0]["lr"] *= 0.5  # a scheduler's change is part of the saved state too
    saved = opt.state_dict()

    clone = [glassnet.tensor(p.array, requires_grad=True) for p in gn]
    resumed = getattr(optim, name)(clone, **kwargs)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for k in range(3, 7):
        _set_grads(gn, clone, targets, noise, k)
        for p, c in zip(gn, clone):
            c.grad = glassnet.tensor(p.grad.array)
        opt.step()
        resumed.step()
    for p, c in zip(gn, clone):
        np.testing.assert_array_equal(p.array, c.array)


def test_state_dict_is_a_copy():
    gn, tt, targets, noise = _pair()
    opt = optim.SGD(gn, lr=0.1, momentum=0.9)
    _set_grads(gn, tt, targets, noise, 0)
    opt.step()
    saved = opt.state_dict()
    before = saved["state"][0]["momentum_buffer"].array.copy()
    opt.step()
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"].array, before)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adagrad", {"lr": 0.1}), ("RMSprop", {"centered": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
])
def test_loads_a_torch_state_dict(name, kwargs):
    # Same layout and key names as PyTorch: a torch optimizer's state carries over.
    gn, tt, targets, noise = _pair()
    topt = getattr(torch.optim, name)(tt, **kwargs)
    for k in range(3):
        _set_grads(gn, tt, targets, noise, k)
        topt.step()
    gn = [glassnet.tensor(t.detach().numpy(), requires_grad=True) for t in tt]
    gopt = getattr(optim, name)(gn, **kwargs)
    gopt.load_state_dict(topt.state_dict())
    for k in range(3, 6):
        _set_grads(gn, tt, targets, noise, k)
        gopt.step()
        topt.step()
    _check_close(gn, tt)


def test_load_state_dict_rejects_a_different_layout():
    a, b = glassnet.zeros(2, requires_grad=True), glassnet.zeros(3, requires_grad=True)
    saved = optim.SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters.*has 1"):
        optim.SGD([a]).load_state_dict(saved)
    with pytest.raises(ValueError, match="1 parameter groups.*has 2"):
        optim.SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.SGD(p, lr=-0.1), "SGD: invalid lr=-0.1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "SGD: invalid momentum=-0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "SGD: invalid weight_decay=-1"),
    (lambda p: optim.SGD(p, nesterov=True), "nesterov=True needs momentum > 0.*momentum=0"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), r"Adam: invalid betas\[0\]=1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), r"AdamW: invalid betas\[1\]=-0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Adam: invalid eps"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Adagrad: invalid lr_decay=-1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value=-1"),
    (lambda p: optim.RMSprop(p, alpha=-0.9), "RMSprop: invalid alpha=-0.9"),
    (lambda p: optim.RMSprop(p, lr=float("nan")), "RMSprop: invalid lr=nan"),
    (lambda p: optim.SGD([{"params": p, "lr": -2.0}], lr=0.1), "SGD: invalid lr=-2.0"),
    (lambda p: optim.SGD([]), "SGD got an empty parameter list"),
    (lambda p: optim.SGD(p + p), "more than one parameter group"),
    (lambda p: optim.SGD([(p[0] * 2)]), "non-leaf"),
])
def test_invalid_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make([glassnet.zeros(3, requires_grad=True)])


def test_invalid_containers_raise_type_error():
    p = glassnet.zeros(3, requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {p}}])
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([np.zeros(3)])


PIECEWISE = [(n, c) for n, c in CASES if n in ("RMSprop", "Adam", "AdamW")]


@pytest.mark.parametrize("name,kwargs", PIECEWISE, ids=[f"{n}-{c}" for n, c in PIECEWISE])
def test_updates_in_pieces_match_torch(name, kwargs, monkeypatch):
    """Large parameters are updated in pieces (Optimizer._pieces); 7 numbers a piece leaves a remainder."""
    from glassnet.optim import optimizer

    monkeypatch.setattr(optimizer, "PIECE", 7)
    _compare(name, kwargs, steps=8)


@pytest.mark.parametrize("name", ["RMSprop", "Adam"])
def test_a_gradient_not_laid_out_like_its_parameter_is_read_right(name, monkeypatch):
    from glassnet.ops._util import constant
    from glassnet.optim import optimizer

    monkeypatch.setattr(optimizer, "PIECE", 4)
    gn, tt, targets, noise = _pair()
    gopt, topt = getattr(optim, name)(gn, lr=0.01), getattr(torch.optim, name)(tt, lr=0.01)
    for k in range(4):
        _set_grads(gn, tt, targets, noise, k)
        gn[0].grad = constant(np.asfortranarray(gn[0].grad.array))  # a transposed layout
        assert not gn[0].grad.array.flags.c_contiguous
        gopt.step()
        topt.step()
    _check_close(gn, tt)
