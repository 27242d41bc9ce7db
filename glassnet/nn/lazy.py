"""Lazy layers: the size that depends on the input is learnt from the first input.

``LazyLinear(10)`` is Keras's ``Dense(10)``: only the output size is given.
Its parameters exist from the start, as *uninitialized* parameters with no
shape yet, so ``model.parameters()`` yields them and an optimizer built
before the first call holds them. The first call (or ``load_state_dict``)
fills those same objects in place with their real shape and initial values,
and the layer becomes its ordinary class (``Linear``), as in PyTorch.

A lazy layer is its ordinary class plus ``LazyModuleMixin``, its open
tensors named in ``__init__`` and three small methods::

    class LazyLinear(LazyModuleMixin, Linear):
        cls_to_become = Linear
        def __init__(self, out_features, bias=True, dtype=None):
            ...; self._leave_open(dtype, parameters={"weight": True, "bias": bias})
        def infer_sizes(self, input): self.in_features = input.shape[-1]
        def infer_sizes_from_state(self, tensors): ...   # tensors: name -> array of the state_dict
        def open_shapes(self): return {"weight": (self.out_features, self.in_features), ...}
"""

import numpy as np

from .. import backend
from ..tensor import Tensor
from .module import Parameter


class _Uninitialized:
    """A tensor with no shape yet; ``materialize`` gives it one and makes it ``cls_to_become``, in place."""

    __slots__ = ()  # the layout of the class it becomes, so the class can be swapped
    is_uninitialized = True
    cls_to_become = None

    def materialize(self, shape, dtype):
        self.array = np.empty(shape, dtype)
        self.__class__ = self.cls_to_become

    def detach(self):
        # What state_dict() holds for a lazy layer not yet called: still marked uninitialized
        # (as in PyTorch), so it prints as such and load_state_dict can say what is wrong.
        return UninitializedTensor(dtype=self.dtype)

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, dtype=None):
        super().__init__(np.empty(0, _float_dtype(dtype)), requires_grad)


class UninitializedTensor(_Uninitialized, Tensor):
    """A tensor with no shape yet and no gradient: an uninitialized parameter or buffer, detached."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, dtype=None):
        super().__init__(np.empty(0, _float_dtype(dtype)))


class UninitializedBuffer(UninitializedTensor):
    """A buffer (running statistics) whose shape is not known yet."""

    __slots__ = ()


def _float_dtype(dtype):
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


class LazyModuleMixin:
    """Turns a layer with open sizes into its ordinary class at the first call.

    The subclass sets ``cls_to_become``, registers its open tensors with
    ``_leave_open`` in ``__init__``, and writes ``infer_sizes(input)``,
    ``infer_sizes_from_state(tensors)`` (True when the state dict told it
    the sizes) and ``open_shapes()``; the ordinary class's
    ``reset_parameters`` then initialises the new tensors.
    """

    cls_to_become = None

    def has_uninitialized_params(self):
        return True

    def _leave_open(self, dtype, parameters=None, buffers=None):
        """Register placeholders for the tensors whose shape waits for the first input.

        ``parameters`` and ``buffers`` map a name to whether the layer has that
        tensor (``{"bias": False}`` registers None). A name the ordinary
        ``__init__`` already registered keeps its place, so the ``state_dict``
        order stays PyTorch's. ``dtype`` (None: the first input's) is kept
        for the materialisation.
        """
        self._dtype = dtype
        for kind, names, make in (("_parameters", parameters, UninitializedParameter),
                                  ("_buffers", buffers, UninitializedBuffer)):
            registry = self.__dict__[kind]
            for name, present in (names or {}).items():
                tensor = make(dtype=dtype) if present else None
                if name in registry:
                    registry[name] = tensor
                elif kind == "_parameters":
                    self.register_parameter(name, tensor)
                else:
                    self.register_buffer(name, tensor)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, got {type(input).__name__}")
        self.infer_sizes(input)
        dtype = input.dtype if input.dtype.kind == "f" else backend.get_default_dtype()
        self._materialize(dtype)
        return self.forward(input)

    def _materialize_from_state(self, state_dict, prefix):
        """Called by ``Module.load_state_dict`` before anything is checked or copied."""
        tensors = {key[len(prefix):]: value for key, value in state_dict.items()
                   if key.startswith(prefix) and "." not in key[len(prefix):]}
        if self.infer_sizes_from_state(tensors):
            self._materialize(backend.get_default_dtype())

    def _materialize(self, dtype):
        materialize(self, self.open_shapes(), self._dtype or dtype)
        del self.__dict__["_dtype"]
        self.__class__ = self.cls_to_become
        self.reset_parameters()


def materialize(module, shapes, dtype):
    """Give ``module``'s uninitialized parameters and buffers their ``shapes`` (name -> shape), in place."""
    dtype = np.dtype(dtype)
    for name, shape in shapes.items():
        tensor = module._parameters.get(name, module._buffers.get(name))
        if isinstance(tensor, _Uninitialized):
            tensor.materialize(shape, dtype)
