"""``Module`` and ``Parameter``: what every layer and every model is built on.

A Module holds three ordered kinds of state: Parameters (trained), buffers
(saved but not trained, e.g. running statistics) and child Modules.
Assigning one as an attribute registers it, so ``parameters()``,
``state_dict()`` and ``repr()`` find everything without the user listing it.
Names and behaviour follow ``torch.nn.Module``.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from ..tensor import Tensor
from .keras_style import KerasStyleTraining


class Parameter(Tensor):
    """A Tensor that a Module learns; it requires grad unless told otherwise.

    Built from a Tensor or an array it shares that memory and keeps the
    dtype; built from Python numbers it follows glassnet's rules (float32).
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.zeros(0, np.float32)
        dtype = data.dtype if isinstance(data, (Tensor, np.ndarray)) else None
        super().__init__(data, dtype=dtype, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` could not match."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _why_unshaped(target, value):
    """The reason a shape is (0,) when a lazy layer is involved ('' otherwise), for load errors."""
    if getattr(value, "is_uninitialized", False):
        return (" (uninitialized: that state_dict was taken from a lazy layer never called; "
                "call the model once before saving it)")
    if getattr(target, "is_uninitialized", False):
        return " (the model's lazy layer is not called yet and the state_dict does not give its sizes)"
    return ""


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


class Module(KerasStyleTraining):
    """Base class of layers and models: subclass it and define ``forward``."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ looks these dicts up.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define `def forward(self, x): ...` "
            "in the class to say what calling the module computes"
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --------------------------------------------------------- registration
    def _registry(self, kind):
        store = self.__dict__.get(kind)
        if store is None:
            raise AttributeError(
                f"cannot assign a {kind[1:-1]} before Module.__init__() has run: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        return store

    def _forget(self, name):
        for kind in ("_parameters", "_buffers", "_modules"):
            self.__dict__.get(kind, {}).pop(name, None)
        self.__dict__.pop(name, None)
        self.__dict__.get("_non_persistent", set()).discard(name)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        buffers = self.__dict__.get("_buffers")
        modules = self.__dict__.get("_modules")
        if isinstance(value, Parameter):
            self._registry("_parameters")
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._registry("_modules")
            self._forget(name)
            modules[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter {name!r} of "
                    f"{type(self).__name__}: expected a glassnet.nn.Parameter or None"
                )
            params[name] = None
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to submodule {name!r} of "
                    f"{type(self).__name__}: expected a Module or None"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to buffer {name!r} of "
                    f"{type(self).__name__}: expected a Tensor or None"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the three registries.
        for kind in ("_parameters", "_buffers", "_modules"):
            store = self.__dict__.get(kind)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for kind in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(kind, {}):
                self._forget(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = list(super().__dir__())
        for kind in ("_parameters", "_buffers", "_modules"):
            names += list(self.__dict__.get(kind, {}))
        return sorted(set(names))

    def _check_new_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{what} name must be non-empty and contain no '.', got {name!r}")
        registered = any(name in self.__dict__.get(k, {}) for k in ("_parameters", "_buffers", "_modules"))
        if hasattr(self, name) and not registered:
            raise KeyError(f"{type(self).__name__} already has an attribute {name!r}")

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None")
        self._check_new_name(name, "parameter")
        self._forget(name)
        self._registry("_parameters")[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """State saved in ``state_dict`` (if persistent) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        self._check_new_name(name, "buffer")
        self._forget(name)
        self._registry("_buffers")[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self._check_new_name(name, "module")
        self._forget(name)
        self._registry("_modules")[name] = module

    register_module = add_module

    # ------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and all below it, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, kind, prefix, recurse, remove_duplicate=True):
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [
            (prefix, self)
        ]
        seen = set()
        for owner_prefix, owner in owners:
            for name, value in owner.__dict__[kind].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield _join(owner_prefix, name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs; a shared parameter comes once, under its first name."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn`` on every child (recursively), then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------- modes and grads
    def train(self, mode=True):
        """Set training mode here and below (Dropout and BatchNorm act on it)."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be True or False, got {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients; ``set_to_none=False`` leaves zeros instead."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad = Tensor._make(np.zeros_like(param.array), None, 0)

    def to(self, *args, dtype=None, device=None):
        """Convert floating parameters and buffers to ``dtype``, in place.

        Devices (``'cpu'``, ``glassnet.device('cpu')``) are accepted as in PyTorch;
        a GPU is a clear error, since glassnet runs on the CPU only.
        """
        from ..device import check
        from ..device import device as device_type

        check(device, "Module.to")
        for arg in args:
            if isinstance(arg, (str, device_type)) or (isinstance(arg, int) and not isinstance(arg, bool)):
                check(arg, "Module.to")
            else:
                dtype = arg
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: expected a floating dtype, got {dtype}")
        for tensor in list(self.parameters()) + list(self.buffers()):
            if tensor.array.dtype.kind == "f":
                tensor.array = tensor.array.astype(dtype, copy=False)
                if tensor.grad is not None:
                    tensor.grad = Tensor._make(tensor.grad.array.astype(dtype), None, 0)
        return self

    def double(self):
        return self.to(np.float64)

    def cuda(self, device=None):
        from ..device import check

        check("cuda" if device is None else device, "Module.cuda")

    def float(self):
        return self.to(np.float32)

    def cpu(self):
        return self

    # ----------------------------------------------------------- state dict
    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Name -> Tensor for every parameter and persistent buffer.

        Per module: its parameters, its buffers, then its children's entries,
        which gives the same keys, in the same order, as PyTorch.  The tensors
        share memory with the module (detached unless ``keep_vars``).
        """
        out = OrderedDict() if destination is None else destination
        for name, param in self._parameters.items():
            if param is not None:
                out[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent:
                out[prefix + name] = buf if keep_vars else buf.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=out, prefix=prefix + name + ".", keep_vars=keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into this module's parameters and buffers, in place.

        Values may be glassnet Tensors or arrays (e.g. ``t.detach().numpy()``
        from a PyTorch model).  Everything is checked before anything is
        copied: a problem leaves the module untouched and raises one error
        that lists every missing, unexpected and mis-shaped key.  With
        ``strict=False`` missing and unexpected keys are returned instead
        (shape mismatches still raise).
        """
        for prefix, module in self.named_modules():
            hook = getattr(module, "_materialize_from_state", None)
            if hook is not None:
                hook(state_dict, prefix + "." if prefix else "")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched, values = [], {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value.array if isinstance(value, Tensor) else value)
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"load_state_dict: the value for {key!r} is a {type(value).__name__}; "
                    "expected a Tensor or a numeric array"
                )
            if array.shape != target.shape:
                mismatched.append((key, target.shape, array.shape, _why_unshaped(target, value)))
            values[key] = array
        if mismatched or (strict and (missing or unexpected)):
            raise RuntimeError(self._load_error(missing if strict else [], unexpected if strict else [],
                                                mismatched))
        for key, array in values.items():
            own[key].array[...] = array
        return IncompatibleKeys(missing, unexpected)

    def _load_error(self, missing, unexpected, mismatched):
        lines = [f"Error(s) in loading state_dict for {type(self).__name__}:"]
        if missing:
            lines.append("    Missing key(s): " + ", ".join(f'"{k}"' for k in missing) + ".")
        if unexpected:
            lines.append("    Unexpected key(s): " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        for key, expected, given, why in mismatched:
            lines.append(
                f"    Size mismatch for {key}: the model expects shape {tuple(expected)}, "
                f"the state_dict gives shape {tuple(given)}{why}."
            )
        return "\n".join(lines)

    # -------------------------------------------------------------- display
    def _describe(self):
        """How error messages name this layer (its repr line, by default)."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def named_error(self, error):
        """``error`` again, its message led by this layer's name: an op names only itself."""
        return type(error)(f"{self._describe()}: {error}")

    def extra_repr(self):
        """The text inside the parentheses of this module's repr line."""
        return ""

    def __repr__(self):
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        children = []
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            children.append(f"({name}): {body}")
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({lines[0]})"
        if not lines and not children:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines + children) + "\n)"
