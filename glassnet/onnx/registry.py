"""The tables of conversions: glassnet op (an autograd ``Function`` class) -> ONNX, and layer -> ONNX.

``ops.py`` and ``shape_ops.py`` fill ``OPS``; ``layers.py`` and
``recurrent.py`` fill ``LAYERS``.  An op converter is ``fn(ctx, node)``
and returns the name of the node's output (a tuple of names for several).
A layer converter is ``fn(ctx, module, args, kwargs, output)``; it binds the
names of ``output``'s tensors, or returns ``NotImplemented`` to let the
layer's ops be converted one by one instead.
"""

import onnx

# 13: Softmax over one axis, Squeeze/Unsqueeze/ReduceSum with axes as inputs, as written here.
OPSET_RANGE = (13, onnx.defs.onnx_opset_version())

OPS = {}
LAYERS = {}


class UnsupportedError(NotImplementedError):
    """A layer, an op or an argument that has no ONNX conversion."""


def converts_op(*function_classes):
    def register(fn):
        for cls in function_classes:
            OPS[cls] = fn
        return fn

    return register


def converts_layer(*module_classes):
    def register(fn):
        for cls in module_classes:
            LAYERS[cls] = fn
        return fn

    return register


def layer_converter(module):
    """The conversion of ``module``'s class or of the nearest base that has one, if it computes the same.

    A subclass that writes its own ``forward`` (or Keras ``call``) may compute
    anything, so it is traced op by op like any other module.
    """
    for cls in type(module).__mro__:
        fn = LAYERS.get(cls)
        if fn is not None:
            same = all(getattr(type(module), m, None) is getattr(cls, m, None) for m in ("forward", "call"))
            return fn if same else None
    return None


def supported():
    """One line listing what converts, for error messages."""
    return (f"the layers {', '.join(sorted(_public_names(LAYERS)))}, and every module whose forward is "
            f"made of the glassnet ops {', '.join(sorted(cls.__name__ for cls in OPS))}")


def _public_names(classes):
    """``nn.LSTM``, ``keras.GRU``...: the registered classes and their subclasses, as users name them."""
    names, todo = set(), list(classes)
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        own = cls.__module__.startswith("glassnet.")  # a user's subclass may compute something else
        if own and not cls.__name__.startswith(("_", "Lazy")) and cls.__name__ != "RNNBase":
            names.add(("keras." if cls.__module__.startswith("glassnet.keras") else "nn.") + cls.__name__)
    return names


def qualified(obj):
    """``module.Class`` of an object or a class, as error messages name them."""
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
