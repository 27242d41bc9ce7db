"""The one harness every differentiable op is tested with.

A ``Case`` names an op call ``fn(lib, *inputs)`` that works with ``lib`` =
glassnet or torch, and says how to draw its inputs. The checks:

* ``check_forward_and_backward``: the forward and the gradient of a random
  upstream gradient, against torch (float32 by default, or float64);
* ``check_first_order_path``: the plain-NumPy gradient hot ops take without
  ``create_graph`` equals the differentiable (composed) backward's;
* ``check_gradcheck`` / ``check_gradgradcheck``: float64 central differences
  of the gradient and of the gradient's gradient;
* ``check_second_derivative_matches_torch``: the gradient of a function of
  the gradient, against torch, in float64.

Inputs that are not differentiated (class indices, loss weights, masks)
are listed in ``fixed`` by position; integer arrays never are.
"""

import zlib
from dataclasses import dataclass, field

import numpy as np
import torch

import glassnet as gn
from glassnet.autograd import gradcheck, gradgradcheck


@dataclass
class Case:
    name: str
    fn: object  # fn(lib, *tensors) -> tensor or tuple of tensors
    shapes: tuple = ()
    # one domain for all inputs or one per input:
    # real (normal), pos (0.5..2), nonzero (|x| in 0.5..2), spread (distinct, far apart)
    domain: object = "real"
    gradgrad: bool = True
    tol: dict = field(default_factory=dict)  # float32 comparisons with torch: rtol, atol
    make: object = None  # make(rng) -> list of float64 or integer arrays, instead of shapes/domain
    fixed: tuple = ()  # positions of inputs that are not differentiated
    exact: float = 1e-12  # rtol of the first-order path against the composed backward


def draw(case, rng):
    """float64 inputs for ``case`` from ``rng``, each in its domain."""
    if case.make is not None:
        return [np.asarray(a) for a in case.make(rng)]
    domains = case.domain if isinstance(case.domain, tuple) else (case.domain,) * len(case.shapes)
    out = []
    for shape, dom in zip(case.shapes, domains):
        if dom == "pos":
            a = rng.uniform(0.5, 2.0, shape)
        elif dom == "nonzero":
            a = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
        elif dom == "spread":  # ties and near-ties would make max/min non-smooth
            n = int(np.prod(shape))
            a = (rng.permutation(n) * 0.37 - 0.1 * n + rng.uniform(0, 0.01, n)).reshape(shape)
        else:
            a = rng.standard_normal(shape)
        out.append(np.asarray(a, dtype=np.float64))
    return out


def as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def arrays(case):
    """The case's input arrays (float64 or integer), the same on every call."""
    return draw(case, np.random.default_rng(zlib.crc32(case.name.encode())))


def inputs(case, lib, dtype):
    """The case's inputs as ``lib`` tensors: floats in ``dtype``; the differentiated ones require grad."""
    tensors = []
    for k, a in enumerate(arrays(case)):
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        differentiated = a.dtype.kind == "f" and k not in case.fixed
        if lib is gn:
            tensors.append(gn.tensor(a, dtype=a.dtype, requires_grad=differentiated))
        else:
            tensors.append(torch.tensor(a, requires_grad=differentiated))
    return tensors


def _default_tol(dtype, forward):
    if dtype == np.float64:
        return 1e-11, 1e-12
    return (1e-5, 1e-6) if forward else (1e-4, 1e-5)


def assert_close(ours, theirs, case, what, dtype=np.float32, forward=True):
    """A glassnet tensor against a torch one, within the case's float32 tolerance (or the default)."""
    rtol, atol = _default_tol(dtype, forward)
    tol = case.tol if dtype == np.float32 else {}
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), err_msg=what,
                               rtol=tol.get("rtol", rtol), atol=tol.get("atol", atol))


def check_forward_and_backward(case, dtype=np.float32):
    """The forward (values, dtype, requires_grad) and a random upstream gradient's backward, vs torch."""
    ours, theirs = inputs(case, gn, dtype), inputs(case, torch, dtype)
    got, want = as_tuple(case.fn(gn, *ours)), as_tuple(case.fn(torch, *theirs))
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert str(g.dtype) == str(w.dtype).replace("torch.", ""), f"output {k} dtype"
        assert g.requires_grad == w.requires_grad, f"output {k} requires_grad"
        assert_close(g, w, case, f"output {k}", dtype, forward=True)
    rng = np.random.default_rng(1)
    ups = [rng.standard_normal(w.shape).astype(dtype) for w in want]
    leaves = [k for k, t in enumerate(ours) if t.requires_grad]
    g_ours = gn.autograd.grad(got, [ours[k] for k in leaves], [gn.tensor(u, dtype=dtype) for u in ups],
                              allow_unused=True)
    g_theirs = torch.autograd.grad(want, [theirs[k] for k in leaves], [torch.tensor(u) for u in ups],
                                   allow_unused=True)
    for k, g, w in zip(leaves, g_ours, g_theirs):
        if w is None:
            assert g is None or not np.any(g.numpy()), f"input {k}: torch gives no gradient"
            continue
        assert g is not None, f"input {k}: no gradient, torch has one"
        assert g.dtype == ours[k].dtype, f"input {k}: gradient dtype {g.dtype}, input {ours[k].dtype}"
        assert_close(g, w, case, f"gradient of input {k}", dtype, forward=False)


def _float64(case):
    return inputs(case, gn, np.float64)


def check_first_order_path(case):
    """The plain-NumPy gradient (no create_graph) equals the differentiable backward's."""
    tensors = _float64(case)
    leaves = [t for t in tensors if t.requires_grad]
    outs = as_tuple(case.fn(gn, *tensors))
    rng = np.random.default_rng(2)
    # upstream gradients that require grad: then every gradient built with create_graph has a graph
    ups = [gn.tensor(rng.standard_normal(o.shape), dtype=gn.float64, requires_grad=True) for o in outs]
    fast = gn.autograd.grad(outs, leaves, ups, retain_graph=True, allow_unused=True)
    graph = gn.autograd.grad(outs, leaves, ups, create_graph=True, allow_unused=True)
    assert all(g is None or g.requires_grad for g in graph), "create_graph recorded no graph"
    for k, (f, g) in enumerate(zip(fast, graph)):
        assert (f is None) == (g is None), f"input {k}"
        if f is not None:
            np.testing.assert_allclose(f.detach().numpy(), g.detach().numpy(), rtol=case.exact, atol=1e-12,
                                       err_msg=f"input {k}")


def check_gradcheck(case):
    tensors = _float64(case)
    for out in as_tuple(case.fn(gn, *tensors)):
        assert out.dtype.kind != "f" or out.dtype == gn.float64, "float64 in, float64 out"
    assert gradcheck(lambda *xs: case.fn(gn, *xs), tensors)


def check_gradgradcheck(case):
    assert gradgradcheck(lambda *xs: case.fn(gn, *xs), _float64(case))


def check_second_derivative_matches_torch(case):
    """d/dx sum((d<w, f(x)>/dx)^2) in float64, against torch's."""
    ours, theirs = inputs(case, gn, np.float64), inputs(case, torch, np.float64)
    leaves = [k for k, t in enumerate(ours) if t.requires_grad]
    outs_g, outs_t = as_tuple(case.fn(gn, *ours)), as_tuple(case.fn(torch, *theirs))
    rng = np.random.default_rng(3)
    weights = [rng.standard_normal(o.shape) for o in outs_t]
    total_g = sum((o * gn.tensor(w, dtype=gn.float64)).sum() for o, w in zip(outs_g, weights))
    total_t = sum((o * torch.tensor(w)).sum() for o, w in zip(outs_t, weights))
    first_g = gn.autograd.grad(total_g, [ours[k] for k in leaves], create_graph=True)
    first_t = torch.autograd.grad(total_t, [theirs[k] for k in leaves], create_graph=True)
    second_g = gn.autograd.grad(sum((g * g).sum() for g in first_g), [ours[k] for k in leaves],
                                allow_unused=True)
    second_t = torch.autograd.grad(sum((g * g).sum() for g in first_t), [theirs[k] for k in leaves],
                                   allow_unused=True)
    for k, g, t in zip(leaves, second_g, second_t):
        want = np.zeros(ours[k].shape) if t is None else t.numpy()
        got = np.zeros(ours[k].shape) if g is None else g.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, err_msg=f"input {k}")
