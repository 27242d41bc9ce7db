"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``.

They hold modules in their ``_modules`` registry under string keys ("0",
"1", ... for the list-like ones), which is what makes the state_dict keys
``0.weight``, ``2.bias`` match PyTorch's.
"""

import operator
from collections import OrderedDict

from .fusion import run_sequence
from .module import Module


def _index(i, n, owner):
    i = operator.index(i)
    if not -n <= i < n:
        raise IndexError(f"{owner}: index {i} is out of range for {n} modules")
    return i % n


def _check_module(module, owner):
    if not isinstance(module, Module):
        raise TypeError(f"{owner} holds Modules, got a {type(module).__name__}")
    return module


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: numbered modules, in order."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), _check_module(module, type(self).__name__))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, _check_module(module, type(self).__name__))
        self._renumber(modules)
        return self

    def _renumber(self, modules):
        """Keys stay "0".."n-1" after an insert or delete, as in PyTorch."""
        self.__dict__["_modules"] = OrderedDict((str(k), m) for k, m in enumerate(modules))


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(784, 10), ReLU())``.

    Also accepts one OrderedDict of name -> module, to name the layers.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, _check_module(module, "Sequential"))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _check_module(module, "Sequential"))

    def forward(self, input):  # noqa: A002 - PyTorch's name
        # Under no_grad some runs of layers are computed as one step (nn/fusion.py).
        return run_sequence(list(self._modules.values()), input)

    def __getitem__(self, i):
        items = list(self._modules.items())
        if isinstance(i, slice):
            return Sequential(OrderedDict(items[i]))
        return items[_index(i, len(items), "Sequential")][1]

    def __setitem__(self, i, module):
        key = list(self._modules)[_index(i, len(self), "Sequential")]
        self._modules[key] = _check_module(module, "Sequential")

    def __delitem__(self, i):
        items = list(self._modules.items())
        targets = items[i] if isinstance(i, slice) else [items[_index(i, len(items), "Sequential")]]
        for key, _ in targets:
            del self._modules[key]
        if all(key.isdigit() for key in self._modules):
            self._renumber(self._modules.values())


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the parent module can see.

    A plain Python list would hide them from ``parameters()``.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ModuleList(list(self._modules.values())[i])
        return self._modules[str(_index(i, len(self), "ModuleList"))]

    def __setitem__(self, i, module):
        self._modules[str(_index(i, len(self), "ModuleList"))] = _check_module(module, "ModuleList")

    def __delitem__(self, i):
        modules = list(self._modules.values())
        del modules[i if isinstance(i, slice) else _index(i, len(modules), "ModuleList")]
        self._renumber(modules)

    def __iadd__(self, modules):
        return self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList has no forward(): it only holds modules; loop over it in your own forward"
        )


class ModuleDict(Module):
    """A dict of modules (ordered by insertion) whose parameters are registered."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        module = self[key]
        del self._modules[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules):
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleDict has no forward(): it only holds modules; pick them by name in your own forward"
        )
