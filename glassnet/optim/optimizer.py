"""The optimizer base class: parameter groups, per-parameter state, state dicts.

An optimizer holds ``param_groups``, a list of dicts that each carry a list of
tensors under ``"params"`` and the hyper-parameters for those tensors, and
``state``, a dict from parameter to that parameter's buffers (momentum,
running averages, step count). Subclasses write ``_step_group``, the update
rule for one group, as a loop over ``self._updates(group)``, which opens
every optimizer's loop the same way: parameters without a gradient skipped,
each one's state fetched (made by ``_init_state`` at its first step, so a lazy
layer's parameter gets state of its real shape), and a gradient that does not
fit its parameter refused. Weight decay and ``maximize`` are ``_direction``.

Updates work on the raw NumPy arrays (``p.array``, ``p.grad.array``) in place,
so no graph is recorded and no new parameter arrays are made.
"""

import copy

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

# Numbers per piece of an element-wise update (``Optimizer._pieces``): about 128 KiB per array.
PIECE = 32768


class Optimizer:
    def __init__(self, params, defaults):
        self._check_group(defaults)
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        self._scratch = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                "got a single Tensor; wrap it in a list: [tensor]"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    # --------------------------------------------------------------- groups
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (defaults fill the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters must be in an ordered collection (a list), not a set: "
                "a set's order changes between runs and the state dict depends on it"
            )
        params = list(params)
        # Accept named parameters as (name, tensor) pairs, as Module.named_parameters() yields.
        if params and all(isinstance(p, tuple) for p in params):
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p)}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed from other tensors)")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._check_group(group)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
        self.param_groups.append(group)

    def _check_group(self, group):
        """Subclasses raise ValueError here for invalid hyper-parameters."""

    def _non_negative(self, group, *names):
        for name in names:
            value = group[name]
            if not value >= 0:  # also catches NaN
                raise ValueError(f"{type(self).__name__}: invalid {name}={value!r}, it must be >= 0")

    # ----------------------------------------------------------------- step
    def zero_grad(self, set_to_none=True):
        """Clear gradients: drop them (the default, cheaper) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.array.flags.writeable:
                    p.grad = p.grad.detach()
                    p.grad.array[...] = 0
                else:  # e.g. a read-only broadcast view left by backward
                    p.grad = Tensor(np.zeros_like(p.grad.array), dtype=p.grad.dtype)

    def step(self, closure=None):
        """One update of every parameter that has a gradient.

        ``closure`` re-evaluates the model and returns the loss; optimizers that
        need several evaluations per step use it, the others just return its loss.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group):
        raise NotImplementedError

    def _updates(self, group, keeps_state=True):
        """``(param, grad, state)`` for each parameter of ``group`` that has a gradient.

        ``param`` and ``grad`` are the arrays (updates write into ``param``);
        ``state`` is the parameter's dict in ``self.state``, which
        ``_init_state`` makes at its first step. ``keeps_state=False`` (e.g.
        SGD without momentum) yields None for it and looks nothing up.
        """
        # The shapes are compared where a parameter has no state yet (its first step, or every
        # step when nothing is kept): a lazy layer's parameter has no shape until its layer's
        # first call, and an update must not broadcast a gradient into the wrong shape.
        if not keeps_state:
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    param, g = p.array, grad.array
                    if g.shape != param.shape:
                        self._shape_error(p, grad, group)
                    yield param, g, None
            return
        state = self.state
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                param, g = p.array, grad.array
                s = state.get(p)
                if s is None:
                    if g.shape != param.shape:
                        self._shape_error(p, grad, group)
                    s = self._init_state(p, group)
                yield param, g, s

    def _shape_error(self, p, grad, group):
        what, name = self._describe_param(p, group), type(self).__name__
        if getattr(p, "is_uninitialized", False):
            raise RuntimeError(
                f"{name}: {what} is uninitialized (its lazy layer has not been called, so it has no "
                f"shape yet), but it has a gradient of shape {tuple(grad.shape)}; call the model once "
                "before stepping")
        raise RuntimeError(f"{name}: {what} has shape {tuple(p.shape)}, but its gradient has shape "
                           f"{tuple(grad.shape)}")

    def _describe_param(self, p, group):
        """How errors name ``p``: by name if the group came from ``named_parameters()``, else by place."""
        index = next(i for i, q in enumerate(group["params"]) if q is p)
        if "param_names" in group:
            return f"parameter {group['param_names'][index]!r}"
        group_index = next(i for i, g in enumerate(self.param_groups) if g is group)
        return f"parameter {index} of parameter group {group_index}"

    def _init_state(self, p, group):
        """The state dict of ``p`` at its first step, stored in ``self.state`` (subclasses that keep any)."""
        return self.state.setdefault(p, {})

    @staticmethod
    def _pieces(param, grad, *arrays):
        """``(param, grad, *arrays)`` cut into matching flat pieces of ``PIECE`` numbers.

        An element-wise update makes eight or nine passes over a parameter and its state; piece
        by piece they run in cache. RMSprop on the book's 784 x 512 kernel: 1.15 -> 0.73 ms.
        Whole arrays (one piece) where one that is written is not contiguous.
        """
        if param.size <= PIECE or not all(a.flags.c_contiguous for a in (param,) + arrays):
            yield (param, grad) + arrays
            return
        flat = [a.reshape(-1) for a in (param, grad) + arrays]  # grad: a copy if it is not contiguous
        for start in range(0, param.size, PIECE):
            yield tuple(a[start : start + PIECE] for a in flat)

    def _tmp(self, param, slot=0):
        """A scratch array shaped like ``param``, reused across parameters and steps.

        One flat buffer per slot, as large as the largest parameter, so an update
        needs no fresh allocation and no per-parameter memory beyond its state.
        """
        key = (slot, param.dtype)
        buf = self._scratch.get(key)
        if buf is None or buf.size < param.size:
            buf = self._scratch[key] = np.empty(param.size, param.dtype)
        return buf[: param.size].reshape(param.shape)

    def _direction(self, param, grad, weight_decay, maximize):
        """The gradient the update rule sees: ``(-grad if maximize else grad) + wd * param``.

        Returns ``grad`` itself when nothing changes; never writes into it.
        """
        if weight_decay == 0:
            return np.negative(grad, out=self._tmp(param)) if maximize else grad
        out = np.multiply(param, weight_decay, out=self._tmp(param))
        return np.subtract(out, grad, out=out) if maximize else np.add(out, grad, out=out)

    # ----------------------------------------------------------- state dict
    def state_dict(self):
        """A copy of the optimizer's state, in PyTorch's layout.

        ``{"state": {index: {name: Tensor or int}}, "param_groups": [{..., "params": [index, ...]}]}``
        where ``index`` numbers the parameters in group order, so the dict holds
        no reference to the parameters themselves.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``: buffers are copied and cast to each parameter's dtype."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"this {type(self).__name__} has {len(self.param_groups)}"
            )
        by_index = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {i} has {len(saved['params'])} "
                    f"parameters, this optimizer's has {len(group['params'])}"
                )
            by_index.update(zip(saved["params"], group["params"]))

        self.state = {}
        for i, saved in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: _load_value(k, v, p) for k, v in saved.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k not in ("params", "param_names")]
        return "\n".join(lines + [")"])


def _buffer(array):
    """Wrap a state array in a Tensor without copying or changing its dtype."""
    return Tensor(array, dtype=array.dtype)


def _copy_value(value):
    if isinstance(value, Tensor):
        return _buffer(value.array.copy())
    return copy.deepcopy(value)


def _load_value(key, value, param):
    if key == "step":
        return int(value.item() if hasattr(value, "item") else value)
    if key == "mu_product":  # NAdam's running product: a number here, a 0-d tensor in PyTorch
        return float(value.item() if hasattr(value, "item") else value)
    if isinstance(value, Tensor):
        value = value.array
    if hasattr(value, "__array__") or isinstance(value, list):
        # asarray, then copy: np.array(copy=True) warns on objects whose __array__ has no copy argument.
        array = np.asarray(value).copy()
        if array.dtype.kind == "f":
            array = array.astype(param.dtype, copy=False)
        if array.shape != param.shape:
            if getattr(param, "is_uninitialized", False):
                raise ValueError(
                    f"loaded state {key!r} has shape {array.shape}, but its parameter is uninitialized "
                    "(its lazy layer has not been called); call the model once before loading the "
                    "optimizer's state"
                )
            raise ValueError(
                f"loaded state {key!r} has shape {array.shape}, its parameter has shape {param.shape}"
            )
        return _buffer(array)
    return copy.deepcopy(value)
