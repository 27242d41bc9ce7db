"""Weights in Keras 3's HDF5 layout (``model.weights.h5``, alone or inside a ``.keras`` file).

Keras 3 files a layer's arrays at ``<path>/vars/0``, ``vars/1``... in the
order the layer made them. The path follows the model's structure, naming
each child by its *class* and its position among children of that class,
not by the layer's own name: the second Dense of a model is
``layers/dense_1`` even if it is called ``'classifier'``. A recurrent
layer keeps its arrays in its cell (``layers/lstm/cell/vars``), a
Bidirectional layer in ``forward_layer`` and ``backward_layer``, a
TimeDistributed one in ``layer``, a nested model under its own ``layers``.
"""

import numpy as np

from ..layers.base import snake_case
from ..layers.recurrent import _RNN, Bidirectional, TimeDistributed


def variable_groups(obj, path=""):
    """``(path, layer)`` for every layer of ``obj`` in the file's layout (layers without weights too)."""
    from ..models import KerasModel

    if isinstance(obj, KerasModel):
        used = {}
        for child in obj.layers:
            base = _class_name(child)
            used[base] = used.get(base, -1) + 1
            name = base if used[base] == 0 else f"{base}_{used[base]}"
            yield from variable_groups(child, f"{path}layers/{name}/")
    elif isinstance(obj, Bidirectional):
        yield from variable_groups(obj.forward_layer, f"{path}forward_layer/")
        yield from variable_groups(obj.backward_layer, f"{path}backward_layer/")
    elif isinstance(obj, TimeDistributed):
        yield from variable_groups(obj.layer, f"{path}layer/")
    elif isinstance(obj, _RNN):
        yield f"{path}cell/", obj
    else:
        yield path, obj


def _class_name(layer):
    from ..models import Model

    if type(layer) is Model:  # Model(inputs, outputs) is Keras's Functional class
        return "functional"
    return snake_case(type(layer).__name__)


def write(model, h5):
    """Write ``model``'s weights into the open HDF5 file ``h5``."""
    for path, layer in variable_groups(model):
        group = h5.require_group(f"{path}vars")
        group.attrs["name"] = getattr(layer, "name", "")
        for i, array in enumerate(layer.get_weights()):
            group.create_dataset(str(i), data=array)
    h5.require_group("vars").attrs["name"] = model.name


def read(model, h5, who):
    """Set ``model``'s weights from the open HDF5 file ``h5``: all of them, or none on any error."""
    loaded = []
    for path, layer in variable_groups(model):
        expected = len(layer.get_weights())
        group = h5.get(f"{path}vars")
        found = 0 if group is None else len(group)
        if found != expected:
            raise ValueError(f"{who}: layer {layer.name!r} ({type(layer).__name__}) has {expected} weight "
                             f"arrays, the file has {found} at {path}vars; is it a file of this model?")
        loaded.append((layer, [np.asarray(group[str(i)]) for i in range(found)]))
    set_all(loaded, who)


def set_all(pairs, who):
    """``layer.set_weights(arrays)`` for each pair; when one fails the layers set before it are restored."""
    done = []
    try:
        for layer, arrays in pairs:
            before = layer.get_weights()
            layer.set_weights(arrays)
            done.append((layer, before))
    except ValueError as error:
        for layer, before in reversed(done):
            layer.set_weights(before)
        raise ValueError(f"{who}: {error}; the model's weights are unchanged") from None
